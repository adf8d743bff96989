// Claiming merge requests: someone (a person, a second refinery worker) takes an MR out of the
// automatic queue to process it by hand. A claim is the MR bead's assignee plus `claimed_at`
// in its metadata; the refinery skips MRs claimed by anyone else until the claim is released
// or goes stale (STALE_CLAIM_MS without being renewed: the claimer probably died).
// An MR is blocked while a `blocks` dependency points at a bead that is still open.
import { ConflictError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import type { Town } from "../town/workspace.ts";
import { getMergeRequest, MR_TYPE } from "../work/merge-requests.ts";
import { mergeQueue, type QueuedMr } from "./queue.ts";

/** Spec §3.6: a claim older than this is stale and may be taken over. */
export const STALE_CLAIM_MS = 30 * 60_000;

export interface ClaimedMr extends QueuedMr {
  claimed_by: string | null;
  claimed_at: string | null;
  /** Claimed, but longer ago than STALE_CLAIM_MS. */
  claim_stale: boolean;
  /** Open beads this MR waits on (empty: not blocked). */
  blocked_by: string[];
}

export interface Claim {
  by: string | null;
  at: string | null;
  stale: boolean;
}

/** The claim on an MR bead: its assignee, since `claimed_at` (else its last update). */
export function claimOf(issue: Issue, now = Date.now()): Claim {
  const by = issue.assignee || null;
  if (!by) return { by: null, at: null, stale: false };
  const meta = (issue.metadata as Record<string, unknown> | undefined) ?? {};
  const at = typeof meta.claimed_at === "string" ? meta.claimed_at : issue.updated_at;
  const t = Date.parse(at);
  return { by, at, stale: Number.isFinite(t) && now - t >= STALE_CLAIM_MS };
}

/** Whether `worker` may process the MR: nobody holds it, the worker does, or the claim is stale. */
export function mayTake(claim: Claim, worker: string): boolean {
  return !claim.by || claim.by === worker || claim.stale;
}

/** The open MRs of a rig ledger in queue order, each with its claim and what blocks it. */
export async function claimedQueue(town: Town, ledger: Ledger, now = Date.now()): Promise<ClaimedMr[]> {
  const rows = await mergeQueue(town, ledger, now);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const issues = new Map((await ledger.getIssues(ids)).map((i) => [i.id, i]));
  const blockers = new Map(
    (await ledger.blocked({ ids, types: [MR_TYPE], includeInfra: true })).map((b) => [b.id, b.blocked_by]),
  );
  return rows.map((r) => {
    const c = claimOf(issues.get(r.id)!, now);
    return {
      ...r,
      claimed_by: c.by,
      claimed_at: c.at,
      claim_stale: c.stale,
      blocked_by: blockers.get(r.id) ?? [],
    };
  });
}

/** The MR IDs that `worker` must leave alone: claimed by someone else, or blocked. */
export async function heldFrom(ledger: Ledger, ids: string[], worker: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const now = Date.now();
  const held = new Set<string>();
  for (const i of await ledger.getIssues(ids)) if (!mayTake(claimOf(i, now), worker)) held.add(i.id);
  for (const b of await ledger.blocked({ ids, types: [MR_TYPE], includeInfra: true })) held.add(b.id);
  return held;
}

export interface ClaimResult {
  mr: string;
  worker: string;
  /** Who held it before: a stale claim taken over, or one taken with force. */
  previous: string | null;
  /** The worker already held it (the claim was renewed). */
  renewed: boolean;
}

/**
 * Claims MR `id` for `worker`, atomically: a live claim by someone else is a conflict unless
 * `force`. Claiming again renews the claim.
 */
export async function claimMergeRequest(
  ledger: Ledger,
  id: string,
  worker: string,
  opts: { force?: boolean; now?: number } = {},
): Promise<ClaimResult> {
  if (!worker.trim()) throw new ValidationError("the worker claiming the MR has no name");
  const mr = await getMergeRequest(ledger, id);
  const now = opts.now ?? Date.now();
  let previous: string | null = null;
  await ledger.updateIssue(
    mr.id,
    { assignee: worker, set_metadata: { claimed_at: new Date(now).toISOString() } },
    worker,
    (current) => {
      if (current.status === "closed")
        throw new ConflictError("closed", `${mr.id} is closed (${current.close_reason ?? "done"})`);
      const c = claimOf(current, now);
      if (c.by && !mayTake(c, worker) && !opts.force)
        throw new ConflictError(
          "claimed",
          `${mr.id} is claimed by ${c.by} since ${c.at}; wait for its release or use --force`,
        );
      previous = c.by;
    },
  );
  return { mr: mr.id, worker, previous: previous === worker ? null : previous, renewed: previous === worker };
}

/** Releases the claim on MR `id`: back in the queue. Returns who held it (null: nobody). */
export async function releaseMergeRequest(
  ledger: Ledger,
  id: string,
  actor: string,
): Promise<{ mr: string; released: string | null }> {
  const mr = await getMergeRequest(ledger, id);
  let held: string | null = null;
  await ledger.updateIssue(mr.id, { assignee: null, unset_metadata: ["claimed_at"] }, actor, (current) => {
    held = current.assignee || null;
  });
  return { mr: mr.id, released: held };
}
