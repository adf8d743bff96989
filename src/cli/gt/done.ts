// gt done: a polecat hands its finished work to the refinery (or asks for help).
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { wakeRefinery } from "../../refinery/wake.ts";
import { DONE_STATUSES, type DoneStatus, runDone } from "../../work/done.ts";
import { GT_BUNDLES } from "./bundles.ts";
import { act, type GtGroup } from "./program.ts";

/**
 * An agent may have deleted the directory it stands in (a reset, a removed subdirectory);
 * the process cannot even ask for its working directory then. Step onto the worktree the
 * session was given (GT_POLECAT_PATH), else the town root, so gt done can still finish.
 */
function recoverWorkingDirectory(env: NodeJS.ProcessEnv): void {
  try {
    process.cwd();
  } catch {
    const fallback = [env.GT_POLECAT_PATH, env.GT_TOWN_ROOT, env.GT_ROOT].find((p) => p && existsSync(p));
    if (fallback) process.chdir(fallback);
  }
}

export const doneGroup: GtGroup = {
  names: GT_BUNDLES["gt-done"],
  register(p: Command) {
    p.command("done")
      .description(
        "Finish your hooked work: save, push the branch, file a merge request, go idle (polecats only)",
      )
      .option(
        "--status <status>",
        "COMPLETED (default), ESCALATED (blocked, needs help) or DEFERRED (paused)",
      )
      .option("--issue <id>", "the bead you finished (default: what is on your hook)")
      .option("--target <branch>", "branch to merge into (default: the rig's default branch)")
      .option(
        "-m, --message <text>",
        "ESCALATED: what help you need (default: your latest comment on the bead)",
      )
      .option("-p, --priority <n>", "the merge request's priority, 0-4 (default: the bead's)")
      .option(
        "--pre-verified",
        "you ran the gates after rebasing onto the target: the merge request says so, with the base you checked",
      )
      .option(
        "--cleanup-status <status>",
        "what your sandbox holds, for the agent bead: clean, uncommitted, unpushed, stash, unknown (default: observed)",
      )
      .option("--resume", "finish a gt done that was interrupted (steps already done are not repeated)")
      .option("--json", "JSON output")
      .hook("preAction", () => recoverWorkingDirectory(process.env))
      .action(
        act(async (ctx, _args, opts) => {
          const status = ((opts.status as string | undefined) ?? "COMPLETED").toUpperCase();
          if (!(DONE_STATUSES as readonly string[]).includes(status))
            throw new ValidationError(`unknown status "${opts.status}" (use ${DONE_STATUSES.join(", ")})`);
          const priority = opts.priority === undefined ? undefined : String(opts.priority);
          if (priority !== undefined && !/^[0-4]$/.test(priority))
            throw new ValidationError(`--priority wants 0-4, not "${priority}"`);
          const cleanup = opts.cleanupStatus as string | undefined;
          // Refused before anything happens (loaded only when given: done is a hot path).
          if (cleanup !== undefined) (await import("../../work/done-steps.ts")).parseCleanupStatus(cleanup);
          const r = await runDone(ctx.town(), {
            cwd: ctx.cwd,
            env: ctx.env,
            status: status as DoneStatus,
            issue: opts.issue as string | undefined,
            target: opts.target as string | undefined,
            message: opts.message as string | undefined,
            ...(priority !== undefined ? { priority: Number(priority) } : {}),
            preVerified: opts.preVerified === true,
            resume: opts.resume === true,
            ...(cleanup !== undefined ? { cleanupStatus: cleanup } : {}),
          });
          // The refinery hears of the new merge request now rather than at its next poll.
          if (r.merge_request && !r.already_submitted)
            await wakeRefinery(
              ctx.town(),
              ctx.provider(),
              r.rig,
              `MR ${r.merge_request} from ${r.rig}/polecats/${r.polecat}`,
            ).catch(() => false);
          if (ctx.json) return ctx.printJson(r);
          if (r.resumed) ctx.out("→ Resumed an interrupted gt done: finished the steps it had not reached");
          if (r.auto_committed) ctx.out("💾 Saved uncommitted work in an auto-save commit");
          if (r.status === "COMPLETED" && r.closed) {
            ctx.out(`✓ ${r.issue} closed: no_merge and nothing to merge`);
          } else if (r.status === "COMPLETED" && r.no_merge) {
            ctx.out(
              `✓ Branch ${r.branch} pushed at ${r.commit_sha?.slice(0, 8)} for review (no_merge: no merge request)`,
            );
          } else if (r.status === "COMPLETED") {
            ctx.out(
              r.already_submitted
                ? `✓ Already submitted: MR ${r.merge_request} (${r.branch})`
                : `✓ Work submitted: MR ${r.merge_request} (branch ${r.branch} at ${r.commit_sha?.slice(0, 8)})`,
            );
          }
          if (r.pre_verified) ctx.out("✓ Marked pre-verified: the refinery knows you ran the gates");
          if (r.molecule_closed) ctx.out(`✓ Molecule ${r.molecule_closed} closed with the work`);
          if (r.status === "ESCALATED") {
            ctx.out(`⚠ ${r.issue} escalated: blocked until someone helps (your branch ${r.branch} is kept)`);
            ctx.out(`🚨 Escalation ${r.escalation} filed: a person sees it in gt escalate list`);
          } else if (r.status === "DEFERRED") {
            ctx.out(`⏸ ${r.issue} deferred: back to open for later`);
          }
          ctx.out(`😺 ${r.rig}/polecats/${r.polecat} is idle; the sandbox is kept for the next assignment`);
        }),
      );
  },
};
