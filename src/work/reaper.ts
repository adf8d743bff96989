// gt reaper: Gas Town's wisp and issue clean-up, over the town's ledgers instead of Dolt
// databases ("databases" here are the town ledger, named "town", and each rig's). What it
// reaps here:
//   reap        open wisps (not mail, not agent beads, not held work) older than --max-age
//               whose parent is not open, closed; and orphaned worktrees (registered in a
//               rig's shared repository, their directory gone) pruned
//   purge       closed wisps closed before --purge-age, and closed mail wisps before
//               --mail-age, deleted (permanent mail is kept)
//   auto-close  issues open or in progress with no update for --stale-age, closed as stale,
//               except P0/P1, epics, protected labels and those with open dependencies
// Everything else is read-only (scan, databases); --dry-run changes nothing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { MESSAGE_TYPE } from "../comms/mailbox.ts";
import { ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const TOWN_DB = "town";
const OPEN_ALERT = 500;
const HELD = ["open", "hooked", "in_progress"];
/** Labels automation leaves alone. */
const PROTECTED = ["gt:standing-orders", "gt:keep", "gt:role", "gt:rig"];

export interface ReaperAges {
  maxAgeMs: number;
  purgeAgeMs: number;
  mailAgeMs: number;
  staleAgeMs: number;
}

export interface Anomaly {
  type: string;
  message: string;
  count?: number;
}

export interface ScanResult {
  database: string;
  reap_candidates: number;
  purge_candidates: number;
  mail_candidates: number;
  stale_candidates: number;
  open_wisps: number;
  orphaned_worktrees: number;
  anomalies?: Anomaly[];
}

export interface ReapResult {
  database: string;
  reaped: number;
  worktrees_pruned: number;
  open_remain: number;
  dry_run?: boolean;
  anomalies?: Anomaly[];
}

export interface PurgeResult {
  database: string;
  wisps_purged: number;
  mail_purged: number;
  dry_run?: boolean;
}

export interface ClosedEntry {
  id: string;
  title: string;
  age_days: number;
  database: string;
}

export interface AutoCloseResult {
  database: string;
  closed: number;
  closed_entries?: ClosedEntry[];
  dry_run?: boolean;
}

/** The ledgers the reaper works on: "town" and every rig (or those `only` names). */
export function reaperDatabases(town: Town, only?: string): string[] {
  const all = [TOWN_DB, ...town.rigNames()];
  if (!only) return all;
  const wanted = only
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0)
    throw new ValidationError(`unknown database ${unknown.join(", ")} (databases: ${all.join(", ")})`);
  return wanted;
}

async function withDb<T>(town: Town, db: string, fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openLedgerFor(town, db === TOWN_DB ? undefined : db);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

const before = (ms: number) => new Date(Date.now() - ms).toISOString();

async function reapable(l: Ledger, maxAgeMs: number): Promise<Issue[]> {
  const rows = await l.listIssues({
    ephemeral: "only",
    statuses: ["open"],
    includeInfra: true,
    excludeTypes: [MESSAGE_TYPE, "agent"],
    createdBefore: before(maxAgeMs),
    sort: "created",
    limit: 0,
  });
  const out: Issue[] = [];
  for (const w of rows) {
    if ((w.labels ?? []).some((x) => PROTECTED.includes(x))) continue;
    const parent = w.parent ? await l.getIssue(w.parent) : undefined;
    if (parent && HELD.includes(parent.status)) continue; // its molecule is still running
    out.push(w);
  }
  return out;
}

async function purgeable(l: Ledger, ages: Pick<ReaperAges, "purgeAgeMs" | "mailAgeMs">) {
  const closed = (type: "mail" | "wisp", ms: number) =>
    l.listIssues({
      ephemeral: "only",
      statuses: ["closed"],
      includeInfra: true,
      ...(type === "mail" ? { types: [MESSAGE_TYPE] } : { excludeTypes: [MESSAGE_TYPE] }),
      closedBefore: before(ms),
      sort: "closed",
      limit: 0,
    });
  const keep = (i: Issue) => !(i.labels ?? []).some((x) => PROTECTED.includes(x));
  return {
    wisps: (await closed("wisp", ages.purgeAgeMs)).filter(keep),
    mail: (await closed("mail", ages.mailAgeMs)).filter(keep),
  };
}

async function stale(l: Ledger, staleAgeMs: number): Promise<Issue[]> {
  const rows = await l.listIssues({
    statuses: ["open", "in_progress"],
    updatedBefore: before(staleAgeMs),
    excludeTypes: ["epic"],
    sort: "updated",
    limit: 0,
  });
  const out: Issue[] = [];
  for (const i of rows) {
    if (i.priority <= 1 || (i.labels ?? []).some((x) => PROTECTED.includes(x))) continue;
    const linked = [
      ...(await l.dependencyRecords(i.id)).map((d) => d.depends_on_id),
      ...(await l.dependentRecords(i.id)).map((d) => d.issue_id),
    ];
    const others = linked.length > 0 ? await l.getIssues(linked) : [];
    if (others.some((o) => o.status === "open" || o.status === "in_progress")) continue;
    out.push(i);
  }
  return out;
}

async function openWisps(l: Ledger): Promise<number> {
  return Number(await l.countIssues({ ephemeral: "only", statuses: HELD, includeInfra: true }));
}

/** Worktrees a rig's shared repository still registers whose directory is gone. */
async function orphanedWorktrees(town: Town, db: string): Promise<string[]> {
  if (db === TOWN_DB) return [];
  const bare = join(town.rigDir(db), ".repo.git");
  if (!existsSync(bare)) return [];
  const r = await runCommand("git", ["worktree", "list", "--porcelain"], { cwd: bare });
  const orphans: string[] = [];
  let path: string | undefined;
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("worktree ")) path = line.slice("worktree ".length);
    else if (line.startsWith("prunable") && path) orphans.push(path);
  }
  return orphans;
}

function anomaliesOf(open: number): Anomaly[] | undefined {
  return open > OPEN_ALERT
    ? [
        {
          type: "open_wisps",
          message: `${open} open wisps exceed the alert threshold (${OPEN_ALERT})`,
          count: open,
        },
      ]
    : undefined;
}

export async function scanDatabase(town: Town, db: string, ages: ReaperAges): Promise<ScanResult> {
  const worktrees = (await orphanedWorktrees(town, db)).length;
  return withDb(town, db, async (l) => {
    const p = await purgeable(l, ages);
    const open = await openWisps(l);
    const anomalies = anomaliesOf(open);
    return {
      database: db,
      reap_candidates: (await reapable(l, ages.maxAgeMs)).length,
      purge_candidates: p.wisps.length,
      mail_candidates: p.mail.length,
      stale_candidates: (await stale(l, ages.staleAgeMs)).length,
      open_wisps: open,
      orphaned_worktrees: worktrees,
      ...(anomalies ? { anomalies } : {}),
    };
  });
}

export async function reapDatabase(
  town: Town,
  db: string,
  maxAgeMs: number,
  opts: { dryRun?: boolean; actor: string; ageText: string },
): Promise<ReapResult> {
  const orphans = await orphanedWorktrees(town, db);
  if (orphans.length > 0 && !opts.dryRun)
    await runCommand("git", ["worktree", "prune"], { cwd: join(town.rigDir(db), ".repo.git") });
  return withDb(town, db, async (l) => {
    const doomed = await reapable(l, maxAgeMs);
    if (!opts.dryRun)
      for (const w of doomed)
        await l.closeIssue(
          w.id,
          { reason: `reaper: stale wisp, open longer than ${opts.ageText}` },
          opts.actor,
        );
    const open = await openWisps(l);
    const anomalies = anomaliesOf(open);
    return {
      database: db,
      reaped: doomed.length,
      worktrees_pruned: orphans.length,
      open_remain: opts.dryRun ? open - doomed.length : open,
      ...(opts.dryRun ? { dry_run: true } : {}),
      ...(anomalies ? { anomalies } : {}),
    };
  });
}

export async function purgeDatabase(
  town: Town,
  db: string,
  ages: Pick<ReaperAges, "purgeAgeMs" | "mailAgeMs">,
  opts: { dryRun?: boolean; actor: string },
): Promise<PurgeResult> {
  return withDb(town, db, async (l) => {
    const p = await purgeable(l, ages);
    if (!opts.dryRun) for (const i of [...p.wisps, ...p.mail]) await l.deleteIssue(i.id, opts.actor);
    return {
      database: db,
      wisps_purged: p.wisps.length,
      mail_purged: p.mail.length,
      ...(opts.dryRun ? { dry_run: true } : {}),
    };
  });
}

export async function autoCloseDatabase(
  town: Town,
  db: string,
  staleAgeMs: number,
  opts: { dryRun?: boolean; actor: string },
): Promise<AutoCloseResult> {
  return withDb(town, db, async (l) => {
    const doomed = await stale(l, staleAgeMs);
    const entries = doomed.map((i) => ({
      id: i.id,
      title: i.title,
      age_days: Math.floor((Date.now() - Date.parse(i.updated_at)) / 86_400_000),
      database: db,
    }));
    if (!opts.dryRun)
      for (const i of doomed)
        await l.closeIssue(i.id, { reason: "stale:auto-closed by reaper", force: true }, opts.actor);
    return {
      database: db,
      closed: doomed.length,
      ...(entries.length > 0 ? { closed_entries: entries } : {}),
      ...(opts.dryRun ? { dry_run: true } : {}),
    };
  });
}
