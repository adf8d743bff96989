// Wisps as a whole: `bd mol wisp list` (the top-level wisps, each old or not by an age
// threshold) and `bd mol wisp gc` (removing closed and abandoned ones with everything under
// them). Top-level: a wisp with no parent, such as a wisp molecule's root or a lone
// `bd create --ephemeral` bead; a wisp's steps go with it.
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { burnMolecule, MOLECULE_TYPE } from "./molecule.ts";

/** Labels automation leaves alone (beads §3.6). */
const PROTECTED = ["gt:keep", "gt:standing-orders"];

/** A `bd mol wisp list --json` row (beads' shape). */
export interface WispRow {
  id: string;
  title: string;
  status: string;
  priority: number;
  type: string;
  labels: string[];
  created_at: string;
  updated_at: string;
  old: boolean;
}

export interface WispList {
  wisps: WispRow[];
  count: number;
  old_count: number;
}

export interface WispQuery {
  /** Older than this (not updated for so long) is old. */
  ageMs: number;
  /** Closed wisps too. */
  includeClosed?: boolean;
  now?: Date;
}

async function topLevelWisps(store: LedgerStore, includeClosed: boolean): Promise<Issue[]> {
  const rows = await store.listIssues({
    ephemeral: "only",
    all: includeClosed,
    includeInfra: true,
    limit: 0,
    sort: "created",
  });
  return rows.filter((r) => !r.parent);
}

export async function listWisps(store: LedgerStore, q: WispQuery): Promise<WispList> {
  const cutoff = (q.now ?? new Date()).getTime() - q.ageMs;
  const wisps = (await topLevelWisps(store, q.includeClosed === true)).map((w) => ({
    id: w.id,
    title: w.title,
    status: w.status,
    priority: w.priority,
    type: w.issue_type,
    labels: w.labels ?? [],
    created_at: w.created_at,
    updated_at: w.updated_at,
    old: Date.parse(w.updated_at) < cutoff,
  }));
  return { wisps, count: wisps.length, old_count: wisps.filter((w) => w.old).length };
}

export interface GcOptions {
  ageMs: number;
  /** Only closed wisps, whatever their age. */
  closedOnly?: boolean;
  /** Old wisps in progress or hooked too (by default someone may still be on them). */
  all?: boolean;
  dryRun?: boolean;
  actor: string;
  now?: Date;
}

export interface GcResult {
  /** The top-level wisps removed (or that would be, with dryRun). */
  removed: Array<{ id: string; title: string; status: string; reason: "closed" | "old" }>;
  /** Beads deleted in all, steps included. */
  deleted: number;
  dry_run: boolean;
}

/** Removes closed wisps, and old ones nobody is working on; protected labels are kept. */
export async function gcWisps(store: LedgerStore, opts: GcOptions): Promise<GcResult> {
  const cutoff = (opts.now ?? new Date()).getTime() - opts.ageMs;
  const removed: GcResult["removed"] = [];
  let deleted = 0;
  for (const w of await topLevelWisps(store, true)) {
    if ((w.labels ?? []).some((l) => PROTECTED.includes(l))) continue;
    const worked = w.status === "in_progress" || w.status === "hooked";
    let reason: "closed" | "old" | undefined;
    if (w.status === "closed") reason = "closed";
    else if (!opts.closedOnly && Date.parse(w.updated_at) < cutoff && (!worked || opts.all)) reason = "old";
    if (!reason) continue;
    removed.push({ id: w.id, title: w.title, status: w.status, reason });
    if (opts.dryRun) continue;
    if (w.issue_type === MOLECULE_TYPE)
      deleted += (await burnMolecule(store, w.id, opts.actor)).deleted.length;
    else {
      await store.deleteIssue(w.id, opts.actor);
      deleted++;
    }
  }
  return { removed, deleted, dry_run: opts.dryRun === true };
}
