// The scheduler's deferred queue (spec §5.2), kept on the work beads themselves: a bead
// slung while the town had no polecat to spare carries the label gt:queued and, in its
// metadata under `scheduled`, what its sling asked for. The queue is the ledger, so it
// survives restarts and travels with the JSONL (whose change wakes the daemon), and leaving
// it is one update: hooking a bead by any path (gt sling, gt hook) clears the mark in the
// same write, and a queued bead that was closed or taken meanwhile is dropped when seen.
import { ConflictError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { IssuePatch } from "../ledger/store.ts";
import { openLedgerFor, openRigLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "./hook.ts";

export const QUEUED_LABEL = "gt:queued";
export const QUEUE_KEY = "scheduled";

/** What a queued bead's sling asked for, and how its dispatch went so far. */
export interface QueueEntry {
  version: 1;
  rig: string;
  enqueued_at: string;
  enqueued_by: string;
  args?: string;
  message?: string;
  agent?: string;
  /** `gt sling --account`: the session started for the bead runs on this account. */
  account?: string;
  /** `gt sling --max-concurrent N`: this bead goes only while fewer than N polecats work. */
  max_concurrent?: number;
  /** The bead was deferred and slung with --force. */
  force?: boolean;
  dispatch_failures: number;
  last_failure?: string;
  last_failure_at?: string;
}

/** The patch that takes a bead out of the queue (merged into the hook's own update). */
export const LEAVE_QUEUE: Pick<IssuePatch, "remove_labels" | "unset_metadata"> = {
  remove_labels: [QUEUED_LABEL],
  unset_metadata: [QUEUE_KEY],
};

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** The queue entry a bead carries, if it is queued (label and metadata both). */
export function queueEntryOf(issue: Issue, rig: string): QueueEntry | undefined {
  if (!issue.labels?.includes(QUEUED_LABEL)) return undefined;
  const raw = (issue.metadata as Record<string, unknown> | undefined)?.[QUEUE_KEY];
  const m = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const entry: QueueEntry = {
    version: 1,
    rig: text(m.rig) ?? rig,
    enqueued_at: text(m.enqueued_at) ?? issue.updated_at,
    enqueued_by: text(m.enqueued_by) ?? "unknown",
    dispatch_failures: num(m.dispatch_failures) ?? 0,
  };
  for (const k of ["args", "message", "agent", "account", "last_failure", "last_failure_at"] as const) {
    const v = text(m[k]);
    if (v) entry[k] = v;
  }
  const max = num(m.max_concurrent);
  if (max && max > 0) entry.max_concurrent = max;
  if (m.force === true) entry.force = true;
  return entry;
}

/** A queued bead as the scheduler sees it. */
export interface QueuedBead {
  id: string;
  title: string;
  priority: number;
  status: string;
  rig: string;
  entry: QueueEntry;
  /** Open and unblocked: dispatchable once there is room. */
  ready: boolean;
  /** Why it is not ready: blocked by dependencies, or deferred until later. */
  waiting?: "blocked" | "deferred";
}

/** Statuses a queued bead may wait in; any other means someone else took it or closed it. */
const WAITING_STATUSES = new Set(["open", "deferred"]);

/**
 * Every bead carrying the queue mark in the rigs' ledgers: those still waiting (`queued`, in
 * dispatch order: priority, then time queued, then ID) and those that left the queue by
 * another way (`gone`: closed, hooked, claimed) whose mark is now stale.
 */
export async function readQueue(
  town: Town,
  rigs: string[] = town.rigNames(),
): Promise<{ queued: QueuedBead[]; gone: Array<{ id: string; rig: string; status: string }> }> {
  const queued: QueuedBead[] = [];
  const gone: Array<{ id: string; rig: string; status: string }> = [];
  for (const rig of rigs) {
    const ledger = openRigLedger(town, rig);
    try {
      const marked = await ledger.listIssues({ labels: [QUEUED_LABEL], all: true, includeInfra: true });
      if (marked.length === 0) continue;
      const ready = new Set(
        (await ledger.ready({ labels: [QUEUED_LABEL], status: "open", limit: 0 })).map((i) => i.id),
      );
      for (const issue of marked) {
        const entry = queueEntryOf(issue, rig);
        if (!entry || !WAITING_STATUSES.has(issue.status)) {
          gone.push({ id: issue.id, rig, status: issue.status });
          continue;
        }
        const isReady = ready.has(issue.id);
        const deferred =
          issue.status === "deferred" ||
          (issue.defer_until !== undefined && Date.parse(issue.defer_until) > Date.now());
        queued.push({
          id: issue.id,
          title: issue.title,
          priority: issue.priority,
          status: issue.status,
          rig,
          entry,
          ready: isReady,
          ...(isReady ? {} : { waiting: deferred ? "deferred" : "blocked" }),
        });
      }
    } finally {
      await ledger.close();
    }
  }
  queued.sort(byDispatchOrder);
  return { queued, gone };
}

/** Most urgent first, then first come, then by ID (stable). */
export function byDispatchOrder(
  a: { priority: number; entry: { enqueued_at: string }; id: string },
  b: { priority: number; entry: { enqueued_at: string }; id: string },
): number {
  return (
    a.priority - b.priority ||
    a.entry.enqueued_at.localeCompare(b.entry.enqueued_at) ||
    a.id.localeCompare(b.id)
  );
}

export type EnqueueFields = Omit<QueueEntry, "version" | "rig" | "enqueued_at" | "dispatch_failures"> & {
  /** When it joined the queue (default now); a batch passes its own, one ms apart, to keep its order. */
  enqueued_at?: string;
};

/**
 * Puts a bead of `rig`'s ledger in the queue, as one compare-and-swap: it must be open (or
 * deferred). Already queued: left as it is (its place kept), reported.
 */
export async function enqueueBead(
  town: Town,
  rig: string,
  beadId: string,
  fields: EnqueueFields,
): Promise<{ issue: Issue; already: boolean }> {
  const ledger = openRigLedger(town, rig);
  try {
    const current = await ledger.getIssue(beadId);
    if (current && queueEntryOf(current, rig) && WAITING_STATUSES.has(current.status))
      return { issue: current, already: true };
    const entry: QueueEntry = {
      version: 1,
      rig,
      dispatch_failures: 0,
      ...fields,
      enqueued_at: fields.enqueued_at ?? new Date().toISOString(),
    };
    const issue = await ledger.updateIssue(
      beadId,
      { add_labels: [QUEUED_LABEL], set_metadata: { [QUEUE_KEY]: entry } },
      fields.enqueued_by,
      (cur) => {
        // Re-checked inside the write: it may have been hooked or closed since it was read.
        if (!WAITING_STATUSES.has(cur.status))
          throw new ConflictError(
            "not_queueable",
            `${cur.id} is ${cur.status}; only open work waits for a polecat`,
          );
      },
    );
    return { issue, already: false };
  } finally {
    await ledger.close();
  }
}

/** Takes a bead out of the queue, noting why (`unqueued` in its metadata). */
export async function leaveQueue(
  town: Town,
  rig: string,
  beadId: string,
  reason: string,
  actor: string,
): Promise<boolean> {
  const ledger = openRigLedger(town, rig);
  try {
    const cur = await ledger.getIssue(beadId);
    if (!cur?.labels?.includes(QUEUED_LABEL)) return false;
    await ledger.updateIssue(
      beadId,
      { ...LEAVE_QUEUE, set_metadata: { unqueued: { reason, at: new Date().toISOString() } } },
      actor,
    );
    return true;
  } finally {
    await ledger.close();
  }
}

/**
 * A dispatch of a queued bead that failed: the bead waits again with the failure counted
 * (the sling's hook took the mark off). Returns the count, or undefined when the bead is no
 * longer open (someone else took it meanwhile: it is out of the queue for good).
 */
export async function recordDispatchFailure(
  town: Town,
  rig: string,
  beadId: string,
  entry: QueueEntry,
  error: string,
  actor: string,
): Promise<number | undefined> {
  const ledger = openRigLedger(town, rig);
  try {
    const cur = await ledger.getIssue(beadId);
    if (!cur || !WAITING_STATUSES.has(cur.status)) return undefined;
    const failures = entry.dispatch_failures + 1;
    const next: QueueEntry = {
      ...entry,
      dispatch_failures: failures,
      last_failure: error,
      last_failure_at: new Date().toISOString(),
    };
    await ledger.updateIssue(
      beadId,
      { add_labels: [QUEUED_LABEL], set_metadata: { [QUEUE_KEY]: next } },
      actor,
    );
    return failures;
  } finally {
    await ledger.close();
  }
}

const POLECAT_ADDRESS = /^([^/]+)\/polecats\/([^/]+)$/;

/**
 * The polecats holding work now, town-wide: a hooked bead assigned to a polecat, in the town
 * ledger or any rig's (a zombie counts: it still holds its work and will be restarted). What
 * the scheduler's capacity is measured in; an idle polecat whose session lingers does not count.
 */
export async function workingPolecats(town: Town): Promise<Set<string>> {
  const out = new Set<string>();
  for (const rig of [undefined, ...town.rigNames()]) {
    const ledger = openLedgerFor(town, rig);
    try {
      for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true })) {
        if (b.assignee && POLECAT_ADDRESS.test(b.assignee)) out.add(b.assignee);
      }
    } finally {
      await ledger.close();
    }
  }
  return out;
}
