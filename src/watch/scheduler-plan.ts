// Which queued beads go now (spec §5.2's dispatch count), as a pure function of the queue,
// the polecats at work and the limits: in dispatch order, a ready bead goes while fewer
// polecats work than its limit (the town's scheduler.max_polecats and its own sling's
// --max-concurrent, whichever is lower), up to the pass's batch; everything else waits, and
// says why.
import type { QueuedBead } from "../work/sling-queue.ts";

/** After this many failed dispatches a bead leaves the queue (circuit-broken). */
export const MAX_DISPATCH_FAILURES = 3;
/** A failed dispatch is tried again after this, doubling with each further failure. */
export const RETRY_AFTER_MS = 30_000;

export type WaitReason = "blocked" | "deferred" | "held" | "retry" | "capacity" | "batch";

export interface PlanContext {
  /** Polecats holding work town-wide before this pass. */
  active: number;
  /** The town's cap (scheduler.max_polecats); 0 or less: none. */
  maxPolecats: number;
  /** Beads this pass may dispatch at most. */
  batch: number;
  /** Rigs that take no work now (parked, docked, e-stop), with why. */
  held: ReadonlyMap<string, string>;
  now: number;
}

export interface DispatchPlan {
  dispatch: QueuedBead[];
  waiting: Array<{ bead: QueuedBead; why: WaitReason; detail: string }>;
}

/** The limit a queued bead is dispatched under (Infinity: none). */
export function limitOf(bead: QueuedBead, maxPolecats: number): number {
  const limits = [maxPolecats, bead.entry.max_concurrent ?? 0].filter((n) => n > 0);
  return limits.length > 0 ? Math.min(...limits) : Number.POSITIVE_INFINITY;
}

/** When a bead that failed to dispatch may be tried again. */
export function retryAt(bead: QueuedBead): number | undefined {
  const { dispatch_failures: n, last_failure_at: at } = bead.entry;
  if (n === 0 || !at) return undefined;
  return Date.parse(at) + RETRY_AFTER_MS * 2 ** (n - 1);
}

export function planDispatch(queued: readonly QueuedBead[], ctx: PlanContext): DispatchPlan {
  const plan: DispatchPlan = { dispatch: [], waiting: [] };
  let active = ctx.active;
  for (const bead of queued) {
    const wait = (why: WaitReason, detail: string) => plan.waiting.push({ bead, why, detail });
    if (!bead.ready) {
      wait(
        bead.waiting ?? "blocked",
        bead.waiting === "deferred" ? "deferred" : "blocked by open dependencies",
      );
      continue;
    }
    const hold = ctx.held.get(bead.rig);
    if (hold) {
      wait("held", `rig ${bead.rig} ${hold}`);
      continue;
    }
    const retry = retryAt(bead);
    if (retry !== undefined && retry > ctx.now) {
      wait(
        "retry",
        `dispatch failed ${bead.entry.dispatch_failures}x; next try ${new Date(retry).toISOString()}`,
      );
      continue;
    }
    const limit = limitOf(bead, ctx.maxPolecats);
    if (active >= limit) {
      wait("capacity", `${active} polecat(s) working, limit ${limit}`);
      continue;
    }
    if (plan.dispatch.length >= ctx.batch) {
      wait("batch", `this pass dispatches ${ctx.batch} at most`);
      continue;
    }
    plan.dispatch.push(bead);
    active++;
  }
  return plan;
}
