// gt changelog: the real work closed across the town (the town ledger as "hq", then each rig's),
// newest first. Wisps, events and the town's own bookkeeping (molecule steps, plugin runs,
// cost reports) are not work a person asked for, so they are left out, as Gas Town does.
import { existsSync } from "node:fs";
import { ValidationError } from "../errors.ts";
import type { Ledger } from "../ledger/store.ts";
import { openRigLedger, openTownLedger, rigBeadsDir } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export interface ChangelogEntry {
  id: string;
  title: string;
  type: string;
  rig: string;
  closed_at: string;
  close_reason?: string;
}

const INTERNAL_TITLE_PREFIXES = ["mol-", "wisp-", "plugin run:", "cost report"];

/** Bookkeeping, not work: event beads and the titles the town gives its own records. */
export function isInternalBead(b: { issue_type: string; title: string; ephemeral?: boolean }): boolean {
  if (b.ephemeral || b.issue_type === "event") return true;
  const lower = b.title.toLowerCase();
  return INTERNAL_TITLE_PREFIXES.some((p) => lower.startsWith(p));
}

/** Midnight (local time) of the Monday of `now`'s week. */
export function weekStart(now: Date): Date {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const back = (d.getDay() + 6) % 7; // Monday = 0
  d.setDate(d.getDate() - back);
  return d;
}

/** The cutoff the flags ask for: --since YYYY-MM-DD, --today, else this week (from Monday). */
export function changelogSince(opts: { since?: string; today?: boolean }, now = new Date()): Date {
  if (opts.since !== undefined) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(opts.since);
    const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
    if (!d || d.getMonth() !== Number(m![2]) - 1 || d.getDate() !== Number(m![3]))
      throw new ValidationError(`invalid date "${opts.since}": use YYYY-MM-DD`);
    return d;
  }
  if (opts.today) return new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return weekStart(now);
}

async function closedSince(ledger: Ledger, rig: string, since: Date): Promise<ChangelogEntry[]> {
  const closed = await ledger.listIssues({ statuses: ["closed"], closedAfter: since.toISOString() });
  return closed
    .filter((b) => b.closed_at && !isInternalBead(b) && new Date(b.closed_at) >= since)
    .map((b) => ({
      id: b.id,
      title: b.title,
      type: b.issue_type,
      rig,
      closed_at: b.closed_at!,
      ...(b.close_reason ? { close_reason: b.close_reason } : {}),
    }));
}

/** Every closed bead of real work since `since`, from the town ledger and each rig's (or one rig's). */
export async function collectChangelog(town: Town, since: Date, rig?: string): Promise<ChangelogEntry[]> {
  const places: Array<{ rig: string; open: () => Ledger }> = [];
  if (rig !== undefined) {
    const name = town.rig(rig).name;
    if (!existsSync(rigBeadsDir(town, name)))
      throw new ValidationError(`rig "${name}" has no beads database`);
    places.push({ rig: name, open: () => openRigLedger(town, name) });
  } else {
    places.push({ rig: "hq", open: () => openTownLedger(town) });
    for (const name of town.rigNames())
      if (existsSync(rigBeadsDir(town, name)))
        places.push({ rig: name, open: () => openRigLedger(town, name) });
  }
  const all: ChangelogEntry[] = [];
  for (const p of places) {
    const ledger = p.open();
    try {
      all.push(...(await closedSince(ledger, p.rig, since)));
    } finally {
      await ledger.close();
    }
  }
  return all.sort((a, b) => b.closed_at.localeCompare(a.closed_at));
}
