// gt refinery run-once/queue/serve and gt mq: the merge queue from the command line.
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import { NotFoundError } from "../../errors.ts";
import {
  type ClaimedMr,
  claimedQueue,
  claimMergeRequest,
  releaseMergeRequest,
} from "../../refinery/claims.ts";
import { loadMergeQueueConfig } from "../../refinery/config.ts";
import { type RunReport, runQueueOnce } from "../../refinery/engine.ts";
import { describeLandingFailure, type LandingFailure, readLandingFailure } from "../../refinery/landing.ts";
import { mergeQueue } from "../../refinery/queue.ts";
import { QUEUE_BACKSTOP_MS, queueFingerprint, queueHasWork, watchQueueLedger } from "../../refinery/wake.ts";
import { addressOf, callerActor } from "../../town/identity.ts";
import { openRigLedger, rigOfBead } from "../../town/ledgers.ts";
import { getMergeRequest } from "../../work/merge-requests.ts";
import type { GtContext } from "./context.ts";
import { formatAgentLine, oneLine } from "./format.ts";
import { lifecycleGroup, rigArgument } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";

export const REFINERY_READY = "refinery ready";

export function printReport(ctx: GtContext, r: RunReport): void {
  for (const m of r.landed)
    ctx.out(`✓ merged ${m.mr} (${m.source_issue}, ${m.branch}) as ${m.commit.slice(0, 8)}`);
  for (const m of r.rejected) ctx.out(`✗ rejected ${m.mr} (${m.source_issue}): ${m.detail}`);
  for (const id of r.retried) ctx.out(`↻ retried ${id} on the new target`);
  for (const d of r.dropped) ctx.out(`○ dropped ${d.mr}: ${d.reason}`);
  for (const id of r.recovered) ctx.out(`✓ finished ${id}, landed by an interrupted run`);
  const w = r.working_repo;
  if (w?.pulled) ctx.out(`↓ took your ${w.branch} at ${w.pulled.slice(0, 8)} from ${oneLine(w.path)}`);
  if (w?.delivered)
    ctx.out(`↑ fast-forwarded ${w.branch} in ${oneLine(w.path)} to ${w.delivered.slice(0, 8)}`);
  if (w?.problem) ctx.out(`⚠ ${oneLine(w.problem)}`);
  ctx.out(
    `🏭 ${r.rig}: ${r.landed.length} merged, ${r.rejected.length} rejected in ${r.batches} batch(es), ${r.gate_runs} gate run(s)`,
  );
}

export async function queueRows(ctx: GtContext, rig: string) {
  const town = ctx.town();
  const ledger = openRigLedger(town, rig);
  try {
    return await mergeQueue(town, ledger);
  } finally {
    await ledger.close();
  }
}

/** The rig's landing failure, or null: the stable `landing_failure` field of the status views. */
export function landingFailure(ctx: GtContext, rig: string): LandingFailure | null {
  return readLandingFailure(ctx.town().rigDir(rig));
}

export function printLandingFailure(ctx: GtContext, f: LandingFailure | null, indent = ""): void {
  if (f) for (const line of describeLandingFailure(f)) ctx.out(`${indent}${line}`);
}

async function showQueue(ctx: GtContext, rig: string) {
  const rows = await queueRows(ctx, rig);
  if (ctx.json) return ctx.printJson(rows);
  printLandingFailure(ctx, landingFailure(ctx, rig));
  if (rows.length === 0) return ctx.out(`📭 ${rig}: the merge queue is empty`);
  ctx.out(`📬 ${rig}: ${rows.length} merge request(s), next first`);
  for (const m of rows)
    ctx.out(
      `  ${m.id.padEnd(10)} P${m.priority} score ${m.score.toFixed(0).padStart(5)}  ${oneLine(m.source_issue).padEnd(10)} ${oneLine(m.branch)}  (${oneLine(m.worker)})`,
    );
}

/**
 * The long-running refinery: works the queue, then sleeps until something may have changed
 * (refinery/wake.ts): a nudge (gt done sends one per merge request) works the queue at once;
 * a write to the rig ledger's issues.jsonl, or the poll interval, makes it look — file stats,
 * then the queue in the ledger — and work it only when there is work; a full round runs at
 * least every QUEUE_BACKSTOP_MS.
 */
async function serve(ctx: GtContext, rig: string): Promise<void> {
  const town = ctx.town();
  const actor = `${rig}/refinery`;
  const cfg = loadMergeQueueConfig(town.rigDir(rig));
  ctx.out(
    `${REFINERY_READY}: watching ${rig}'s merge queue (looks every ${cfg.poll_interval_seconds}s and on every new merge request; nudge me to look now)`,
  );
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  let stdinOpen = true;
  let pendingLine: Promise<IteratorResult<string>> | undefined;
  let changed: () => void = () => undefined;
  const stopWatch = watchQueueLedger(town, rig, () => changed());
  let lastRound = 0;
  /** The fingerprint after a round that left no work: while it holds, there is nothing to look at. */
  let idle: string | undefined;
  const roundNeeded = async (why: "start" | "nudge" | "poll" | "change"): Promise<boolean> => {
    if (why === "start" || why === "nudge" || Date.now() - lastRound >= QUEUE_BACKSTOP_MS) return true;
    const fp = queueFingerprint(town, rig);
    if (fp === idle) return false;
    try {
      if (await queueHasWork(town, rig)) return true;
    } catch {
      return true; // cannot tell: the round finds out
    }
    idle = fp;
    return false;
  };
  let why: "start" | "nudge" | "poll" | "change" = "start";
  for (;;) {
    if (await roundNeeded(why)) {
      try {
        const r = await runQueueOnce(town, rig, { actor, log: (l) => ctx.out(l) });
        if (r.batches > 0 || r.dropped.length > 0 || r.recovered.length > 0) printReport(ctx, r);
      } catch (e) {
        ctx.out(`refinery: this round failed: ${oneLine((e as Error).message)}`);
        printLandingFailure(ctx, landingFailure(ctx, rig), "refinery: ");
      }
      lastRound = Date.now();
      const fp = queueFingerprint(town, rig);
      idle = (await queueHasWork(town, rig).catch(() => true)) ? undefined : fp;
    }
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<"poll" | "change">((res) => {
      timer = setTimeout(() => res("poll"), cfg.poll_interval_seconds * 1000);
      changed = () => res("change");
    });
    if (stdinOpen) pendingLine ??= lines.next();
    const got = await Promise.race([wait, ...(stdinOpen && pendingLine ? [pendingLine] : [])]);
    clearTimeout(timer);
    changed = () => undefined;
    if (typeof got === "string") {
      why = got;
      continue;
    }
    pendingLine = undefined;
    why = "nudge";
    if (got.done) stdinOpen = false;
    else if (["exit", "quit", "/exit"].includes(got.value.trim())) break;
    else if (got.value.trim()) ctx.out(`refinery: nudged (${got.value.trim().slice(0, 80)})`);
  }
  stopWatch();
  ctx.out("refinery: bye");
}

/** The rig's refinery agent, with the merge queue's state (what gt refinery status shows). */
async function refineryStatus(ctx: GtContext, rig: string) {
  const town = ctx.town();
  const address = addressOf({ role: "refinery", rig });
  const agent = (await agentStatuses(town, ctx.provider(), { rigs: [rig] })).find(
    (a) => a.address === address,
  );
  if (!agent) throw new NotFoundError(address, `no agent ${address}`);
  const pending = (await queueRows(ctx, rig)).length;
  return { ...agent, pending, landing_failure: landingFailure(ctx, rig) };
}

function extendRefinery(cmd: Command): void {
  // The shared lifecycle status says only whether the session runs; the refinery's also
  // says whether it can land, so a refinery retrying a rejected push never looks healthy.
  const generic = cmd.commands.findIndex((c) => c.name() === "status");
  if (generic >= 0) (cmd.commands as Command[]).splice(generic, 1);
  cmd
    .command("status [rig]")
    .description("Whether the refinery is running, its queue, and why it cannot land (if it cannot)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [rig]) => {
        const s = await refineryStatus(ctx, rigArgument(ctx, rig));
        if (ctx.json) return ctx.printJson(s);
        ctx.out(formatAgentLine(s));
        ctx.out(`  ${s.pending} merge request(s) waiting`);
        printLandingFailure(ctx, s.landing_failure, "  ");
      }),
    );
  cmd
    .command("run-once [rig]")
    .description("Work the merge queue once, in the foreground: batches, gates, bisection, landing")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [rigArg]) => {
        const rig = rigArgument(ctx, rigArg);
        const town = ctx.town();
        const report = await runQueueOnce(town, rig, {
          actor: callerActor(town.root, ctx.env, ctx.cwd),
          log: ctx.json ? undefined : (l) => ctx.out(l),
        });
        if (ctx.json) return ctx.printJson(report);
        printReport(ctx, report);
      }),
    );
  cmd
    .command("queue [rig]")
    .description("The rig's pending merge requests, in the order they will be taken")
    .option("--json", "JSON output")
    .action(act(async (ctx, [rig]) => showQueue(ctx, rigArgument(ctx, rig))));
  registerClaims(cmd);
  cmd
    .command("serve [rig]", { hidden: true })
    .description("Run the merge queue until told to exit (what gt refinery start runs)")
    .action(act(async (ctx, [rig]) => serve(ctx, rigArgument(ctx, rig))));
}

async function withRigLedger<T>(
  ctx: GtContext,
  rig: string,
  f: (l: ReturnType<typeof openRigLedger>) => Promise<T>,
) {
  const ledger = openRigLedger(ctx.town(), rig);
  try {
    return await f(ledger);
  } finally {
    await ledger.close();
  }
}

/** The rig of an MR: the one named, else the one whose prefix the ID has, else the caller's. */
function mrRig(ctx: GtContext, id: string, rig: string | undefined): string {
  return rig ? rigArgument(ctx, rig) : (rigOfBead(ctx.town(), id) ?? rigArgument(ctx, undefined));
}

function printMrs(ctx: GtContext, heading: string, rows: ClaimedMr[], none: string, all = false): void {
  ctx.out(heading);
  if (rows.length === 0) ctx.out(`  (${none})`);
  rows.forEach((m, i) => {
    ctx.out(`  ${i + 1}. [P${m.priority}] ${oneLine(m.branch)} → ${oneLine(m.target)}`);
    const claim = m.claimed_by
      ? `  Claimed: ${oneLine(m.claimed_by)}${m.claim_stale ? " (stale)" : ""}`
      : all
        ? "  (unclaimed)"
        : "";
    ctx.out(`     ID: ${m.id}  Worker: ${oneLine(m.worker)}${claim}`);
    if (m.blocked_by.length > 0) ctx.out(`     Blocked by: ${m.blocked_by.join(", ")}`);
  });
}

/** The MR claiming protocol: take MRs out of the automatic queue, and the views over it. */
function registerClaims(cmd: Command): void {
  const worker = (ctx: GtContext, opt: unknown) =>
    (opt as string | undefined) ||
    ctx.env.GT_REFINERY_WORKER ||
    callerActor(ctx.town().root, ctx.env, ctx.cwd);
  cmd
    .command("claim <mr> [rig]")
    .description("Claim a merge request: the refinery leaves it alone until it is released (or 30 min stale)")
    .option("--worker <name>", "who claims it (default: $GT_REFINERY_WORKER, else you)")
    .option("--force", "take it over from a live claim")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [id, rigArg], opts) => {
        const rig = mrRig(ctx, id!, rigArg);
        const w = worker(ctx, opts.worker);
        const r = await withRigLedger(ctx, rig, (l) =>
          claimMergeRequest(l, id!, w, { force: opts.force === true }),
        );
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          `✓ ${r.renewed ? "Renewed claim on" : "Claimed"} ${r.mr} for ${oneLine(w)}${r.previous ? ` (was ${oneLine(r.previous)})` : ""}`,
        );
      }),
    );
  cmd
    .command("release <mr> [rig]")
    .description("Release a claimed merge request back to the queue")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [id, rigArg]) => {
        const town = ctx.town();
        const r = await withRigLedger(ctx, mrRig(ctx, id!, rigArg), (l) =>
          releaseMergeRequest(l, id!, callerActor(town.root, ctx.env, ctx.cwd)),
        );
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          r.released
            ? `✓ Released ${r.mr} back to the queue (was ${oneLine(r.released)})`
            : `○ ${r.mr} was not claimed`,
        );
      }),
    );
  const view = (name: string, description: string, pick: (m: ClaimedMr) => boolean, none: string) =>
    cmd
      .command(`${name} [rig]`)
      .description(description)
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rigArg]) => {
          const rig = rigArgument(ctx, rigArg);
          const rows = (await withRigLedger(ctx, rig, (l) => claimedQueue(ctx.town(), l))).filter(pick);
          if (ctx.json) return ctx.printJson(rows);
          printMrs(
            ctx,
            `${name === "blocked" ? "🚧 Blocked" : "📋 Unclaimed"} MRs for '${rig}':`,
            rows,
            none,
          );
        }),
      );
  view(
    "unclaimed",
    "Merge requests nobody holds (or whose claim is stale), next first",
    (m) => !m.claimed_by || m.claim_stale,
    "none available",
  );
  view("blocked", "Merge requests waiting on an open bead", (m) => m.blocked_by.length > 0, "none blocked");
  cmd
    .command("ready [rig]")
    .description("Merge requests the refinery can take now: unclaimed and unblocked, next first")
    .option("--all", "every open merge request, with its claim and blockers")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [rigArg], opts) => {
        const rig = rigArgument(ctx, rigArg);
        const rows = await withRigLedger(ctx, rig, (l) => claimedQueue(ctx.town(), l));
        if (opts.all) {
          if (ctx.json) return ctx.printJson(rows);
          return printMrs(ctx, `📋 All open MRs for '${rig}':`, rows, "none", true);
        }
        const ready = rows.filter((m) => (!m.claimed_by || m.claim_stale) && m.blocked_by.length === 0);
        const anomalies = rows
          .filter((m) => m.claim_stale)
          .map((m) => ({
            id: m.id,
            branch: m.branch,
            type: "stale-claim",
            assignee: m.claimed_by,
            since: m.claimed_at,
            detail: "MR is claimed but not progressing",
          }));
        if (ctx.json) return ctx.printJson({ ready, anomalies });
        printMrs(ctx, `🚀 Ready MRs for '${rig}':`, ready, "none ready");
        if (anomalies.length > 0) ctx.out("⚠ Queue anomalies:");
        for (const a of anomalies)
          ctx.out(
            `  [${a.type}] ${a.id} ${oneLine(a.branch)}: ${oneLine(a.assignee ?? "")} since ${a.since}`,
          );
      }),
    );
}

export const refineryGroup: GtGroup = lifecycleGroup("refinery", extendRefinery);

export async function findMr(ctx: GtContext, rig: string, id: string) {
  const ledger = openRigLedger(ctx.town(), rig);
  try {
    return await getMergeRequest(ledger, id);
  } finally {
    await ledger.close();
  }
}
