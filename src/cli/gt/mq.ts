// gt mq: the merge queue from a worker's or a person's side — list (with Gas Town's filters),
// next, status, submit (to the default branch, a --target, or an epic's integration branch),
// reject, retry (--now works the queue at once) and post-merge. The refinery's own commands
// are in refinery.ts; gt mq integration in mq-integration.ts.
import { join } from "node:path";
import type { Command } from "commander";
import { sendMail } from "../../comms/mail.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { type ClaimedMr, claimedQueue } from "../../refinery/claims.ts";
import { runQueueOnce } from "../../refinery/engine.ts";
import { postMerge, rejectByHand, retryMergeRequest, submitBranch } from "../../refinery/manual.ts";
import { branchesMissingOnOrigin, filterQueue, type QueueFilter } from "../../refinery/queue-filter.ts";
import { wakeRefinery } from "../../refinery/wake.ts";
import { callerActor } from "../../town/identity.ts";
import { openRigLedger } from "../../town/ledgers.ts";
import { recordedIntegrationBranch } from "../../work/integration-branch.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { readStdin } from "./hook-input.ts";
import { rigArgument } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";
import { findMr, landingFailure, printLandingFailure, printReport, queueRows } from "./refinery.ts";

/** The integration branch an epic recorded (gt mq integration create), or a clear error. */
async function epicTarget(ctx: GtContext, rig: string, epicId: string): Promise<string> {
  const ledger = openRigLedger(ctx.town(), rig);
  try {
    const epic = await ledger.getIssue(await ledger.resolveId(epicId));
    if (!epic) throw new NotFoundError(epicId, `no epic ${epicId} in ${rig}`);
    const branch = recordedIntegrationBranch(epic);
    if (!branch)
      throw new ValidationError(`${epic.id} has no integration branch (gt mq integration create ${epic.id})`);
    return branch;
  } finally {
    await ledger.close();
  }
}

async function listQueue(ctx: GtContext, rig: string, opts: Record<string, unknown>): Promise<void> {
  const filter: QueueFilter = {
    ready: opts.ready === true,
    ...(opts.status ? { status: String(opts.status) } : {}),
    ...(opts.worker ? { worker: String(opts.worker) } : {}),
    ...(opts.epic ? { target: await epicTarget(ctx, rig, String(opts.epic)) } : {}),
  };
  const ledger = openRigLedger(ctx.town(), rig);
  let rows: Array<ClaimedMr & { branch_missing?: boolean }>;
  try {
    rows = filterQueue(await claimedQueue(ctx.town(), ledger), filter);
  } finally {
    await ledger.close();
  }
  if (opts.verify) {
    const missing = await branchesMissingOnOrigin(
      join(ctx.town().rigDir(rig), ".repo.git"),
      rows.map((r) => r.branch),
    );
    rows = rows.map((r) => ({ ...r, branch_missing: missing.has(r.branch) }));
  }
  if (ctx.json) return ctx.printJson(rows);
  printLandingFailure(ctx, landingFailure(ctx, rig));
  if (rows.length === 0)
    return ctx.out(
      `📭 ${rig}: no merge request${opts.ready || opts.status || opts.worker || opts.epic ? " matches" : "s waiting"}`,
    );
  ctx.out(`📬 ${rig}: ${rows.length} merge request(s), next first`);
  for (const m of rows)
    ctx.out(
      `  ${m.id.padEnd(10)} P${m.priority} score ${m.score.toFixed(0).padStart(5)}  ${oneLine(m.source_issue).padEnd(10)} ${oneLine(m.branch)}  (${oneLine(m.worker)})${m.branch_missing ? "  MISSING" : ""}${m.blocked_by.length ? `  blocked by ${m.blocked_by.join(",")}` : ""}`,
    );
}

const readStdinText = async (): Promise<string> => (await readStdin()).trim();

export const mqGroup: GtGroup = {
  names: ["mq"],
  register(p: Command) {
    const mq = p.command("mq").description("The merge queue: merge requests waiting for the refinery");
    mq.command("list [rig]")
      .alias("queue")
      .description("Pending merge requests, next first")
      .option("--ready", "only those the refinery may take now (not blocked, not claimed)")
      .option("--status <status>", "only this status (open, in_progress)")
      .option("--worker <name>", "only this worker's (its name or address)")
      .option("--epic <id>", "only those merging into the epic's integration branch")
      .option("--verify", "check each branch is on origin (MISSING when it is not)")
      .option("--json", "JSON output")
      .action(act(async (ctx, [rig], opts) => listQueue(ctx, rigArgument(ctx, rig), opts)));
    mq.command("next [rig]")
      .description("The merge request the refinery takes next")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig]) => {
          const next = (await queueRows(ctx, rigArgument(ctx, rig)))[0] ?? null;
          if (ctx.json) return ctx.printJson(next);
          ctx.out(
            next
              ? `${next.id} ${next.source_issue} ${next.branch} (score ${next.score.toFixed(0)})`
              : "📭 empty",
          );
        }),
      );
    mq.command("status [mr-or-rig] [rig]")
      .description("The queue's state and why it cannot land (a rig), or one merge request in detail")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [first, second]) => {
          const town = ctx.town();
          if (!first || (!second && town.rigs().rigs[first])) {
            const rig = rigArgument(ctx, first);
            const rows = await queueRows(ctx, rig);
            const status = {
              rig,
              pending: rows.length,
              next: rows[0]?.id ?? null,
              landing_failure: landingFailure(ctx, rig),
            };
            if (ctx.json) return ctx.printJson(status);
            ctx.out(
              `${status.landing_failure ? "⚠" : "✓"} ${rig}: ${status.pending} merge request(s) waiting${status.next ? `, next ${status.next}` : ""}`,
            );
            return printLandingFailure(ctx, status.landing_failure, "  ");
          }
          const rig = rigArgument(ctx, second);
          const mr = await findMr(ctx, rig, first);
          // An MR still in the queue waits on whatever keeps the refinery from landing.
          const detail = { ...mr, landing_failure: mr.status === "closed" ? null : landingFailure(ctx, rig) };
          if (ctx.json) return ctx.printJson(detail);
          for (const [k, v] of Object.entries(mr))
            if (v !== undefined) ctx.out(`${k.padEnd(13)} ${oneLine(String(v))}`);
          printLandingFailure(ctx, detail.landing_failure);
        }),
      );
    mq.command("submit")
      .description("Submit the current branch as a merge request (gt done does this for polecats)")
      .option("--issue <id>", "the bead this branch finishes")
      .option("--branch <name>", "the branch (default: the current one)")
      .option("--target <branch>", "merge into (default: the rig's default branch)")
      .option("--epic <id>", "merge into the epic's integration branch instead")
      .option("-p, --priority <n>", "queue priority (default: the bead's)", (v) => Number.parseInt(v, 10))
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          if (!opts.issue) throw new ValidationError("name the bead this work finishes with --issue");
          if (opts.epic && opts.target) throw new ValidationError("give --target or --epic, not both");
          const target = opts.epic
            ? await epicTarget(ctx, rigArgument(ctx, undefined), String(opts.epic))
            : (opts.target as string | undefined);
          const r = await submitBranch(ctx.town(), {
            cwd: ctx.cwd,
            env: ctx.env,
            issue: opts.issue as string,
            branch: opts.branch as string | undefined,
            target,
            priority: opts.priority as number | undefined,
          });
          if (r.created)
            await wakeRefinery(ctx.town(), ctx.provider(), r.mr.rig, `MR ${r.mr.id}`).catch(() => false);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `✓ ${r.created ? "Submitted" : "Already queued"}: MR ${r.mr.id} (${r.mr.branch} at ${r.mr.commit_sha.slice(0, 8)})`,
          );
        }),
      );
    mq.command("reject <rig> <mr>")
      .description("Reject a merge request by hand; its bead opens again")
      .option("-r, --reason <text>", "why (required unless --stdin)")
      .option("--stdin", "read the reason from standard input")
      .option("--notify", "also mail the worker why")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig, id], opts) => {
          if (opts.reason && opts.stdin) throw new ValidationError("give --reason or --stdin, not both");
          const reason = opts.stdin ? await readStdinText() : ((opts.reason as string | undefined) ?? "");
          if (!reason.trim()) throw new ValidationError("say why: --reason <text> (or --stdin)");
          const town = ctx.town();
          const actor = callerActor(town.root, ctx.env, ctx.cwd);
          const mr = await rejectByHand(town, rigArgument(ctx, rig), id!, reason, actor);
          if (opts.notify && mr.worker)
            await sendMail(town, {
              from: actor,
              to: mr.worker,
              subject: `Merge request ${mr.id} rejected`,
              body: `Your merge request ${mr.id} (${mr.branch}, for ${mr.source_issue}) was rejected: ${reason}`,
            });
          if (ctx.json)
            return ctx.printJson({ ...mr, notified: opts.notify && mr.worker ? mr.worker : null });
          ctx.out(
            `✗ Rejected ${mr.id}: ${reason}${opts.notify && mr.worker ? ` (${mr.worker} mailed)` : ""}`,
          );
        }),
      );
    mq.command("retry <rig> <mr>")
      .description("Put a rejected merge request back in the queue")
      .option("--now", "work the queue at once, in the foreground, instead of waiting for the refinery")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rigArg, id], opts) => {
          const town = ctx.town();
          const rig = rigArgument(ctx, rigArg);
          const actor = callerActor(town.root, ctx.env, ctx.cwd);
          const mr = await retryMergeRequest(town, rig, id!, actor);
          const report = opts.now
            ? await runQueueOnce(town, rig, { actor, log: ctx.json ? undefined : (l) => ctx.out(l) })
            : null;
          if (ctx.json) return ctx.printJson(opts.now ? { ...mr, run: report } : mr);
          ctx.out(`↻ ${mr.id} is back in the queue (retry ${mr.retry_count})`);
          if (report) printReport(ctx, report);
        }),
      );
    mq.command("post-merge <rig> <mr>")
      .description("Record a merge made outside the refinery: close the MR and its bead, delete the branch")
      .option("--skip-branch-delete", "keep the branch")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig, id], opts) => {
          const town = ctx.town();
          const r = await postMerge(town, rigArgument(ctx, rig), id!, {
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            deleteBranch: opts.skipBranchDelete !== true,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ ${r.mr} closed as merged (${r.commit.slice(0, 8)} is in ${r.target})`);
        }),
      );
  },
};
