// gt issue set|show|clear: the issue a tmux session is working on, shown in its status line
// (src/sessions/issue-status.ts). The session is --session, else GT_SESSION, else yours.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  clearIssue,
  currentIssue,
  type IssueTarget,
  issueTarget,
  setIssue,
} from "../../sessions/issue-status.ts";
import { callerIdentity, sessionNameOf } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

function target(ctx: GtContext, opts: { session?: unknown }): IssueTarget {
  const town = ctx.town();
  let session = (opts.session as string | undefined) || ctx.env.GT_SESSION || undefined;
  if (!session) {
    const id = callerIdentity(town.root, ctx.env, ctx.cwd);
    if (id) session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  }
  if (!session) throw new ValidationError("not in a Gas Town session: pass --session <name>");
  return issueTarget(town.root, session, ctx.env);
}

export const issueGroup: GtGroup = {
  names: ["issue"],
  register(p: Command) {
    const issue = p
      .command("issue")
      .description("The current issue of a session, shown in its tmux status line");
    issue
      .command("set <issue-id>")
      .description("Set the session's current issue (GT_ISSUE, and the status line)")
      .option("--session <name>", "the tmux session (default: yours)")
      .option("--json", "JSON output: {session, issue}")
      .action(
        act(async (ctx, args, opts) => {
          const t = target(ctx, opts);
          await setIssue(t, args[0]!);
          if (ctx.json) return ctx.printJson({ session: t.session, issue: args[0] });
          ctx.out(`✓ ${t.session}: current issue ${args[0]}`);
        }),
      );
    issue
      .command("show")
      .description("Show the session's current issue")
      .option("--session <name>", "the tmux session (default: yours)")
      .option("--json", "JSON output: {session, issue} (issue null when none)")
      .action(
        act(async (ctx, _args, opts) => {
          const t = target(ctx, opts);
          const cur = await currentIssue(t);
          if (ctx.json) return ctx.printJson({ session: t.session, issue: cur });
          ctx.out(cur ? `${t.session}: current issue ${cur}` : `○ ${t.session}: no issue set`);
        }),
      );
    issue
      .command("clear")
      .description("Clear the session's current issue")
      .option("--session <name>", "the tmux session (default: yours)")
      .option("--json", "JSON output: {session, cleared} (the issue that was set, or null)")
      .action(
        act(async (ctx, _args, opts) => {
          const t = target(ctx, opts);
          const was = await clearIssue(t);
          if (ctx.json) return ctx.printJson({ session: t.session, cleared: was });
          ctx.out(was ? `✓ ${t.session}: issue ${was} cleared` : `○ ${t.session}: no issue was set`);
        }),
      );
  },
};
