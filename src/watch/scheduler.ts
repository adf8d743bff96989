// The scheduler (spec §5.2): capacity-controlled dispatch of the deferred queue. A dispatch
// pass takes the dispatch lock, drops beads that left the queue by another way (closed,
// hooked by hand), counts the polecats holding work town-wide, plans (scheduler-plan.ts) and
// slings what fits through the one sling path. The daemon runs a pass after each reconcile
// (it wakes on ledger changes, so a polecat finishing frees its slot within moments);
// `gt scheduler run` runs one in the foreground; a capped `gt sling` queues its beads and runs one.
import { setTimeout as sleep } from "node:timers/promises";
import { GasTownError, NotFoundError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { activeEstop } from "../town/estop.ts";
import { withFileLock } from "../town/lock.ts";
import { rigHold } from "../town/rig.ts";
import type { Town } from "../town/workspace.ts";
import { type SlingOptions, type SlingOutcome, sling } from "../work/sling.ts";
import {
  leaveQueue,
  type QueuedBead,
  readQueue,
  recordDispatchFailure,
  workingPolecats,
} from "../work/sling-queue.ts";
import { daemonLiveness } from "./daemon-files.ts";
import {
  dispatchLockFile,
  loadSchedulerConfig,
  loadSchedulerState,
  type SchedulerState,
  updateSchedulerState,
} from "./scheduler-config.ts";
import { limitOf, MAX_DISPATCH_FAILURES, planDispatch, retryAt, type WaitReason } from "./scheduler-plan.ts";

export interface DispatchOptions {
  actor: string;
  dryRun?: boolean;
  /** Beads this pass may dispatch (default: scheduler.batch_size). */
  batch?: number;
  /** How long to wait for another dispatch holding the lock (0: not at all). */
  lockWaitMs?: number;
  readyTimeoutMs?: number;
}

export interface DispatchReport {
  /** Another dispatch held the lock: this pass did nothing. */
  busy: boolean;
  paused: boolean;
  dry_run: boolean;
  max_polecats: number;
  /** Polecats holding work before the pass. */
  working: number;
  dispatched: Array<{ bead: string; rig: string; polecat: string | null; session: string }>;
  /** Sling outcomes of the dispatched beads (what gt sling reports). */
  outcomes: SlingOutcome[];
  failed: Array<{ bead: string; rig: string; error: string; failures: number; circuit_broken: boolean }>;
  /** Beads that left the queue in this pass, and why (closed, hooked elsewhere, circuit-broken). */
  left: Array<{ bead: string; rig: string; reason: string }>;
  waiting: Array<{ bead: string; rig: string; why: WaitReason; detail: string }>;
  /** With --dry-run: what would go. */
  would_dispatch: Array<{ bead: string; rig: string; priority: number }>;
  /** The earliest time a failed bead may be tried again, if one waits for that. */
  retry_at: string | null;
  duration_ms: number;
}

function emptyReport(opts: DispatchOptions, maxPolecats: number): DispatchReport {
  return {
    busy: false,
    paused: false,
    dry_run: opts.dryRun === true,
    max_polecats: maxPolecats,
    working: 0,
    dispatched: [],
    outcomes: [],
    failed: [],
    left: [],
    waiting: [],
    would_dispatch: [],
    retry_at: null,
    duration_ms: 0,
  };
}

/** Rigs that take no new work now, with why. */
async function heldRigs(town: Town, rigs: string[]): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const rig of new Set(rigs)) {
    const hold = await rigHold(town, rig);
    if (hold) held.set(rig, `is ${hold}`);
    else if (activeEstop(town.root, rig)) held.set(rig, "is under an e-stop");
  }
  return held;
}

/**
 * Runs `fn` holding the dispatch lock, or returns undefined when another dispatch holds it
 * past `waitMs`. Everything that decides who gets a polecat under the cap runs under it.
 */
export async function withDispatchLock<T>(
  town: Town,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  let entered = false;
  try {
    return await withFileLock(
      dispatchLockFile(town),
      () => {
        entered = true;
        return fn();
      },
      waitMs,
    );
  } catch (e) {
    // Only our own wait for the lock; a lock timing out inside the pass is a failure.
    if (!entered && e instanceof GasTownError && e.code === "lock_timeout") return undefined;
    throw e;
  }
}

/** One dispatch pass. Never throws for a bead: its failure is counted on it. */
export async function dispatchQueue(
  town: Town,
  provider: RuntimeProvider,
  opts: DispatchOptions,
): Promise<DispatchReport> {
  const started = performance.now();
  const report =
    (await withDispatchLock(town, opts.lockWaitMs ?? 30_000, () => dispatchHeld(town, provider, opts))) ??
    ({ ...emptyReport(opts, loadSchedulerConfig(town).maxPolecats), busy: true } as DispatchReport);
  report.duration_ms = Math.round(performance.now() - started);
  return report;
}

/** A dispatch pass by a caller already holding the dispatch lock. */
export async function dispatchHeld(
  town: Town,
  provider: RuntimeProvider,
  opts: DispatchOptions,
): Promise<DispatchReport> {
  const cfg = loadSchedulerConfig(town);
  return dispatchLocked(town, provider, opts, cfg.maxPolecats, opts.batch ?? cfg.batchSize, cfg.spawnDelayMs);
}

async function dispatchLocked(
  town: Town,
  provider: RuntimeProvider,
  opts: DispatchOptions,
  maxPolecats: number,
  batch: number,
  spawnDelayMs: number,
): Promise<DispatchReport> {
  const report = emptyReport(opts, maxPolecats);
  const { queued, gone } = await readQueue(town);
  for (const g of gone) {
    const reason = `left the queue: ${g.status}`;
    if (!opts.dryRun && !(await leaveQueue(town, g.rig, g.id, reason, opts.actor))) continue;
    report.left.push({ bead: g.id, rig: g.rig, reason });
    if (!opts.dryRun) logEvent(town.root, "scheduler_leave", opts.actor, { bead: g.id, rig: g.rig, reason });
  }
  if (loadSchedulerState(town).paused) {
    report.paused = true;
    return report;
  }
  if (queued.length === 0) return report;
  const now = Date.now();
  report.working = (await workingPolecats(town)).size;
  const plan = planDispatch(queued, {
    active: report.working,
    maxPolecats,
    batch,
    held: await heldRigs(
      town,
      queued.map((q) => q.rig),
    ),
    now,
  });
  report.waiting = plan.waiting.map((w) => ({
    bead: w.bead.id,
    rig: w.bead.rig,
    why: w.why,
    detail: w.detail,
  }));
  const retries = plan.waiting.map((w) => (w.why === "retry" ? retryAt(w.bead) : undefined)).filter(Boolean);
  if (retries.length > 0) report.retry_at = new Date(Math.min(...(retries as number[]))).toISOString();
  if (opts.dryRun) {
    report.would_dispatch = plan.dispatch.map((q) => ({ bead: q.id, rig: q.rig, priority: q.priority }));
    return report;
  }
  // Beads slung with the same options go in one sling (its sessions start side by side);
  // with a spawn delay each goes alone, the delay between them.
  const groups = new Map<string, QueuedBead[]>();
  for (const q of plan.dispatch) {
    const e = q.entry;
    const key =
      spawnDelayMs > 0
        ? q.id
        : JSON.stringify([
            q.rig,
            e.enqueued_by,
            e.args,
            e.message,
            e.agent,
            e.force && q.status === "deferred",
          ]);
    groups.set(key, [...(groups.get(key) ?? []), q]);
  }
  let first = true;
  for (const group of groups.values()) {
    if (!first && spawnDelayMs > 0) await sleep(spawnDelayMs);
    first = false;
    await dispatchGroup(town, provider, group, opts, report);
  }
  if (report.dispatched.length > 0)
    updateSchedulerState(town, (s: SchedulerState) => {
      s.last_dispatch_at = new Date().toISOString();
      s.last_dispatch_count = report.dispatched.length;
    });
  return report;
}

async function dispatchGroup(
  town: Town,
  provider: RuntimeProvider,
  group: QueuedBead[],
  opts: DispatchOptions,
  report: DispatchReport,
): Promise<void> {
  const head = group[0]!;
  const e = head.entry;
  const slingOpts: SlingOptions = {
    actor: e.enqueued_by,
    // The convoy was made when the beads were queued.
    noConvoy: true,
    ...(e.args ? { args: e.args } : {}),
    ...(e.message ? { message: e.message } : {}),
    ...(e.agent ? { agent: e.agent } : {}),
    ...(e.account ? { account: e.account } : {}),
    ...(e.force && head.status === "deferred" ? { force: true } : {}),
    ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
  };
  let failures: Array<{ bead: string; error: string }> = [];
  try {
    const r = await sling(
      town,
      provider,
      group.map((q) => q.id),
      head.rig,
      slingOpts,
    );
    failures = r.failures;
    for (const o of r.outcomes) {
      const q = group.find((g) => g.id === o.bead)!;
      if (o.action === "hooked" || o.action === "resumed") {
        report.outcomes.push(o);
        report.dispatched.push({ bead: o.bead, rig: q.rig, polecat: o.polecat, session: o.session });
        logEvent(
          town.root,
          "scheduler_dispatch",
          opts.actor,
          { bead: o.bead, rig: q.rig, polecat: o.polecat, queued_at: q.entry.enqueued_at },
          "feed",
        );
      } else {
        // Someone hooked it on a polecat of this rig meanwhile: not ours to dispatch.
        report.left.push({
          bead: o.bead,
          rig: q.rig,
          reason: `left the queue: already on ${o.target}'s hook`,
        });
      }
    }
  } catch (err) {
    // The whole sling was refused (a rig taken out of service between plan and sling, ...).
    const error = err instanceof Error ? err.message : String(err);
    failures = group.map((q) => ({ bead: q.id, error }));
  }
  for (const f of failures) {
    const q = group.find((g) => g.id === f.bead);
    if (q) await countFailure(town, q, f.error, opts, report);
  }
}

async function countFailure(
  town: Town,
  q: QueuedBead,
  error: string,
  opts: DispatchOptions,
  report: DispatchReport,
): Promise<void> {
  const line = error.split("\n")[0]!;
  const n = await recordDispatchFailure(town, q.rig, q.id, q.entry, line, opts.actor);
  if (n === undefined) {
    report.left.push({ bead: q.id, rig: q.rig, reason: "left the queue: taken or closed meanwhile" });
    return;
  }
  const broken = n >= MAX_DISPATCH_FAILURES;
  if (broken)
    await leaveQueue(town, q.rig, q.id, `circuit-broken after ${n} failed dispatches: ${line}`, opts.actor);
  report.failed.push({ bead: q.id, rig: q.rig, error: line, failures: n, circuit_broken: broken });
  if (broken)
    report.left.push({ bead: q.id, rig: q.rig, reason: `circuit-broken after ${n} failed dispatches` });
  logEvent(
    town.root,
    "scheduler_dispatch_failed",
    opts.actor,
    { bead: q.id, rig: q.rig, error: line, failures: n, circuit_broken: broken },
    broken ? "feed" : "audit",
  );
}

// ---- status, list, pause, resume, clear -------------------------------------------------

export interface QueueRow {
  position: number;
  bead: string;
  title: string;
  priority: number;
  rig: string;
  /** ready: goes when there is room; blocked / deferred: not dispatchable yet; held: its rig takes no work. */
  state: "ready" | "blocked" | "deferred" | "held" | "retry";
  enqueued_at: string;
  enqueued_by: string;
  max_concurrent: number | null;
  limit: number | null;
  dispatch_failures: number;
  last_failure: string | null;
}

/** The queue in dispatch order (read only: stale marks are dropped by the next dispatch). */
export async function schedulerList(town: Town, opts: { rig?: string } = {}): Promise<QueueRow[]> {
  if (opts.rig) town.rig(opts.rig);
  const cfg = loadSchedulerConfig(town);
  const { queued } = await readQueue(town, opts.rig ? [opts.rig] : undefined);
  const held = await heldRigs(
    town,
    queued.map((q) => q.rig),
  );
  const now = Date.now();
  return queued.map((q, i) => {
    const retry = retryAt(q);
    const state: QueueRow["state"] = !q.ready
      ? (q.waiting ?? "blocked")
      : held.has(q.rig)
        ? "held"
        : retry !== undefined && retry > now
          ? "retry"
          : "ready";
    const limit = limitOf(q, cfg.maxPolecats);
    return {
      position: i + 1,
      bead: q.id,
      title: q.title,
      priority: q.priority,
      rig: q.rig,
      state,
      enqueued_at: q.entry.enqueued_at,
      enqueued_by: q.entry.enqueued_by,
      max_concurrent: q.entry.max_concurrent ?? null,
      limit: Number.isFinite(limit) ? limit : null,
      dispatch_failures: q.entry.dispatch_failures,
      last_failure: q.entry.last_failure ?? null,
    };
  });
}

export interface SchedulerStatus {
  /** scheduler.max_polecats > 0: rig slings are capped town-wide. */
  enabled: boolean;
  max_polecats: number;
  batch_size: number;
  spawn_delay_ms: number;
  paused: boolean;
  paused_by: string | null;
  paused_at: string | null;
  working: number;
  /** Free slots under max_polecats (null when there is no cap). */
  available: number | null;
  queued: number;
  ready: number;
  waiting: number;
  last_dispatch_at: string | null;
  last_dispatch_count: number;
  /** Whether a daemon runs to dispatch the queue as polecats free up. */
  daemon_running: boolean;
}

export async function schedulerStatus(town: Town): Promise<SchedulerStatus> {
  const cfg = loadSchedulerConfig(town);
  const state = loadSchedulerState(town);
  const rows = await schedulerList(town);
  const working = (await workingPolecats(town)).size;
  const ready = rows.filter((r) => r.state === "ready").length;
  return {
    enabled: cfg.maxPolecats > 0,
    max_polecats: cfg.maxPolecats,
    batch_size: cfg.batchSize,
    spawn_delay_ms: cfg.spawnDelayMs,
    paused: state.paused,
    paused_by: state.paused_by,
    paused_at: state.paused_at,
    working,
    available: cfg.maxPolecats > 0 ? Math.max(0, cfg.maxPolecats - working) : null,
    queued: rows.length,
    ready,
    waiting: rows.length - ready,
    last_dispatch_at: state.last_dispatch_at,
    last_dispatch_count: state.last_dispatch_count,
    daemon_running: daemonLiveness(town).state === "running",
  };
}

/** Pauses or resumes dispatch town-wide; `changed` is false when it already was so. */
export function setSchedulerPaused(
  town: Town,
  paused: boolean,
  actor: string,
): { paused: boolean; changed: boolean; paused_by: string | null; paused_at: string | null } {
  const before = loadSchedulerState(town).paused;
  const s = updateSchedulerState(town, (st) => {
    if (st.paused === paused) return;
    st.paused = paused;
    st.paused_by = paused ? actor : null;
    st.paused_at = paused ? new Date().toISOString() : null;
  });
  if (before !== paused)
    logEvent(town.root, paused ? "scheduler_pause" : "scheduler_resume", actor, {}, "feed");
  return { paused: s.paused, changed: before !== paused, paused_by: s.paused_by, paused_at: s.paused_at };
}

/** Takes beads out of the queue (`gt scheduler clear`): one, or all of them. */
export async function clearQueue(
  town: Town,
  actor: string,
  opts: { bead?: string } = {},
): Promise<Array<{ bead: string; rig: string }>> {
  const { queued } = await readQueue(town);
  const chosen = opts.bead
    ? queued.filter((q) => q.id === opts.bead || q.id.endsWith(`-${opts.bead}`))
    : queued;
  if (opts.bead && chosen.length === 0)
    throw new NotFoundError(opts.bead, `${opts.bead} is not in the scheduler's queue`);
  const out: Array<{ bead: string; rig: string }> = [];
  for (const q of chosen) {
    if (await leaveQueue(town, q.rig, q.id, "cleared", actor)) out.push({ bead: q.id, rig: q.rig });
  }
  if (out.length) logEvent(town.root, "scheduler_clear", actor, { beads: out.map((o) => o.bead) });
  return out;
}
