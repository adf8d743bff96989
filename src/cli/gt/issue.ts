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

/** A subcommand acting on one session's issue: --session and --json, then `run` on the target. */
function sessionCommand(
  parent: Command,
  usage: string,
  description: string,
  jsonShape: string,
  run: (ctx: GtContext, t: IssueTarget, args: string[]) => Promise<number | undefined | void>,
): void {
  parent
    .command(usage)
    .description(description)
    .option("--session <name>", "the tmux session (default: yours)")
    .option("--json", `JSON output: ${jsonShape}`)
    .action(act(async (ctx, args, opts) => run(ctx, target(ctx, opts), args)));
}

export const issueGroup: GtGroup = {
  names: ["issue"],
  register(p: Command) {
    const issue = p
      .command("issue")
      .description("The current issue of a session, shown in its tmux status line");
    sessionCommand(
      issue,
      "set <issue-id>",
      "Set the session's current issue (GT_ISSUE, and the status line)",
      "{session, issue}",
      async (ctx, t, args) => {
        await setIssue(t, args[0]!);
        if (ctx.json) return ctx.printJson({ session: t.session, issue: args[0] });
        ctx.out(`✓ ${t.session}: current issue ${args[0]}`);
      },
    );
    sessionCommand(
      issue,
      "show",
      "Show the session's current issue",
      "{session, issue} (issue null when none)",
      async (ctx, t) => {
        const cur = await currentIssue(t);
        if (ctx.json) return ctx.printJson({ session: t.session, issue: cur });
        ctx.out(cur ? `${t.session}: current issue ${cur}` : `○ ${t.session}: no issue set`);
      },
    );
    sessionCommand(
      issue,
      "clear",
      "Clear the session's current issue",
      "{session, cleared} (the issue that was set, or null)",
      async (ctx, t) => {
        const was = await clearIssue(t);
        if (ctx.json) return ctx.printJson({ session: t.session, cleared: was });
        ctx.out(was ? `✓ ${t.session}: issue ${was} cleared` : `○ ${t.session}: no issue was set`);
      },
    );
  },
};
