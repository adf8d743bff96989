// gt worktree <rig> | list | remove <rig>: a crew member's worktree in another rig
// (src/work/worktrees.ts); `list --rig` shows every worktree of a rig's shared repository.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerIdentity } from "../../town/identity.ts";
import {
  createCrossRigWorktree,
  listCrossRigWorktrees,
  removeCrossRigWorktree,
  rigWorktrees,
} from "../../work/worktrees.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

const caller = (ctx: GtContext) => callerIdentity(ctx.town().root, ctx.env, ctx.cwd);

export const worktreeGroup: GtGroup = {
  names: ["worktree"],
  register(p: Command) {
    const cmd = p
      .command("worktree [rig]")
      .description("Create a worktree in another rig for cross-rig work, keeping your crew identity")
      .option("--no-cd", "just print the path")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig], opts) => {
          if (!rig) throw new ValidationError("name the rig: gt worktree <rig> (or gt worktree list)");
          const r = await createCrossRigWorktree(ctx.town(), rig, caller(ctx));
          if (ctx.json) return ctx.printJson(r);
          if (opts.cd === false) return ctx.out(r.path);
          if (!r.created) {
            ctx.out(`✓ Worktree already exists at ${r.path}`);
            return ctx.out(`cd ${r.path}`);
          }
          ctx.out("✓ Created worktree for cross-rig work");
          ctx.out(`  Source: ${r.actor}`);
          ctx.out(`  Target: ${r.path}`);
          ctx.out(`  Branch: ${r.branch}`);
          ctx.out("\nTo enter the worktree:");
          ctx.out(`  cd ${r.path}`);
          ctx.out("\nEnvironment variables to preserve your identity:");
          ctx.out(`  export BD_ACTOR=${r.actor}`);
          ctx.out("  export GT_ROLE=crew");
          ctx.out(`  export GT_RIG=${r.source_rig}`);
          ctx.out(`  export GT_CREW=${r.crew}`);
        }),
      );
    cmd
      .command("list")
      .description("Your cross-rig worktrees (--rig: every worktree of that rig's repository)")
      .option("--rig <rig>", "every worktree of this rig: polecats, refinery, cross-rig crew")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          if (typeof opts.rig === "string") {
            const rows = await rigWorktrees(ctx.town(), opts.rig);
            if (ctx.json) return ctx.printJson(rows);
            ctx.out(`Worktrees of ${opts.rig}:\n`);
            for (const r of rows)
              ctx.out(`  ${r.kind.padEnd(9)} ${(r.owner ?? "-").padEnd(12)} ${r.path}  (${r.status})`);
            if (rows.length === 0) ctx.out("  (none)");
            return;
          }
          const r = await listCrossRigWorktrees(ctx.town(), caller(ctx));
          if (ctx.json) return ctx.printJson(r.worktrees);
          ctx.out(`Cross-rig worktrees for ${r.crew}:\n`);
          for (const w of r.worktrees) ctx.out(`  ${w.rig.padEnd(10)} ${w.path}     (${w.status})`);
          if (r.worktrees.length === 0) {
            ctx.out("  (none)");
            ctx.out("\nCreate a worktree with: gt worktree <rig>");
          }
        }),
      );
    cmd
      .command("remove <rig>")
      .description("Remove your worktree in a rig; uncommitted or unpushed work needs --force")
      .option("-f, --force", "remove it anyway (a branch with unpushed commits is kept)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig], opts) => {
          const r = await removeCrossRigWorktree(ctx.town(), rig!, caller(ctx), {
            force: opts.force === true,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ Removed worktree at ${r.path}`);
          if (!r.branch_deleted && r.branch)
            ctx.out(`  Branch ${r.branch} kept in the rig's repository (${r.status})`);
        }),
      );
  },
};
