// What agents did, read back: the commits they made (every rig's shared repository), the
// beads they made or worked, their hook activity (the event log), and one actor's whole
// timeline across the three (gt trail, gt audit). Read-only.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { git } from "../adapters/git.ts";
import { detailOf } from "../events/describe.ts";
import { readEvents, type TownEvent } from "../events/log.ts";
import { eventMatcher, lastOf } from "../events/query.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { openRigLedger, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export interface TrailOptions {
  /** ms since the epoch; everything when absent. */
  since?: number | undefined;
  /** At most this many items (0: all). */
  limit: number;
  /** People's work too, not only agents'. */
  all?: boolean | undefined;
}

export interface TrailCommit {
  rig: string;
  sha: string;
  author: string;
  date: string;
  subject: string;
}

export interface TrailBead {
  rig: string | null;
  id: string;
  title: string;
  status: string;
  issue_type: string;
  created_by: string | null;
  assignee: string | null;
  updated_at: string;
}

/** Agents write as their address (`alpha/polecats/toast`) or a town role's name. */
export function isAgentName(name: string | undefined | null): boolean {
  if (!name) return false;
  return name.includes("/") || name === "mayor" || name === "deacon" || name.startsWith("deacon/");
}

const FIELD = "\x1f";

/** Commits on every branch of each rig's shared repository, newest first. */
export async function recentCommits(
  town: Town,
  opts: TrailOptions & { author?: string | undefined },
): Promise<TrailCommit[]> {
  const out: TrailCommit[] = [];
  for (const rig of town.rigNames()) {
    const repo = join(town.rigDir(rig), ".repo.git");
    if (!existsSync(repo)) continue;
    const args = ["log", "--all", `--format=%H${FIELD}%an${FIELD}%aI${FIELD}%s`];
    if (opts.since !== undefined) args.push(`--since=${new Date(opts.since).toISOString()}`);
    let text: string;
    try {
      text = await git(repo, args);
    } catch {
      continue; // an empty or broken repository has no trail
    }
    for (const line of text.split("\n")) {
      const [sha, author, date, subject] = line.split(FIELD);
      if (!sha || !author || !date) continue;
      if (opts.author ? !author.includes(opts.author) : !opts.all && !isAgentName(author)) continue;
      out.push({ rig, sha, author, date, subject: subject ?? "" });
    }
  }
  out.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  return opts.limit > 0 ? out.slice(0, opts.limit) : out;
}

/** Each ledger of the town (hq first, then the rigs), opened one at a time. */
async function eachLedger(town: Town, fn: (ledger: Ledger, rig: string | null) => Promise<void>) {
  const opened: Array<[() => Ledger, string | null]> = [
    [() => openTownLedger(town), null],
    ...town.rigNames().map((r): [() => Ledger, string] => [() => openRigLedger(town, r), r]),
  ];
  for (const [open, rig] of opened) {
    let ledger: Ledger;
    try {
      ledger = open();
    } catch {
      continue; // a rig whose ledger is missing has nothing to show
    }
    try {
      await fn(ledger, rig);
    } finally {
      await ledger.close();
    }
  }
}

function trailBead(i: Issue, rig: string | null): TrailBead {
  return {
    rig,
    id: i.id,
    title: i.title,
    status: i.status,
    issue_type: i.issue_type,
    created_by: i.created_by ?? null,
    assignee: i.assignee ?? null,
    updated_at: i.updated_at,
  };
}

/** Beads changed lately, newest first: those agents made or hold, or every one with `all`. */
export async function recentBeads(town: Town, opts: TrailOptions): Promise<TrailBead[]> {
  const out: TrailBead[] = [];
  await eachLedger(town, async (ledger, rig) => {
    const issues = await ledger.listIssues({
      all: true,
      ...(opts.since !== undefined ? { updatedAfter: new Date(opts.since).toISOString() } : {}),
      limit: 0,
    });
    for (const i of issues)
      if (opts.all || isAgentName(i.created_by) || isAgentName(i.assignee)) out.push(trailBead(i, rig));
  });
  out.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
  return opts.limit > 0 ? out.slice(0, opts.limit) : out;
}

/** The events that move work on and off hooks. */
export const HOOK_EVENT_TYPES = [
  "sling",
  "hook",
  "unhook",
  "done",
  "handoff",
  "redispatch",
  "rescue",
  "stale_hooks",
];

/** Hook activity from the event log, newest first. */
export function recentHookEvents(town: Town, opts: TrailOptions): TownEvent[] {
  const keep = eventMatcher({ since: opts.since, types: HOOK_EVENT_TYPES });
  return lastOf(readEvents(town.root).filter(keep), opts.limit).reverse();
}

export interface AuditEntry {
  ts: string;
  /** event: from the event log; commit; bead_created; bead_closed. */
  kind: "event" | "commit" | "bead_created" | "bead_closed";
  actor: string;
  rig: string | null;
  /** The event type, the commit sha or the bead id. */
  ref: string;
  summary: string;
}

/**
 * One actor's work (a partial match on the address, like Gas Town's gt audit), or everyone's:
 * events naming them, commits they authored, beads they created and beads they held that
 * closed. Newest first.
 */
export async function auditTrail(
  town: Town,
  opts: { actor?: string | undefined; since?: number | undefined; limit: number },
): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  const keep = eventMatcher({ since: opts.since, actor: opts.actor });
  for (const e of readEvents(town.root))
    if (keep(e))
      out.push({
        ts: e.ts,
        kind: "event",
        actor: e.actor,
        rig: null,
        ref: e.type,
        summary: detailOf(e),
      });
  for (const c of await recentCommits(town, { since: opts.since, limit: 0, all: true, author: opts.actor }))
    out.push({ ts: c.date, kind: "commit", actor: c.author, rig: c.rig, ref: c.sha, summary: c.subject });
  const matches = (name: string | undefined | null) =>
    opts.actor === undefined ? true : Boolean(name?.includes(opts.actor));
  await eachLedger(town, async (ledger, rig) => {
    const iso = opts.since !== undefined ? new Date(opts.since).toISOString() : undefined;
    for (const i of await ledger.listIssues({ all: true, ...(iso ? { createdAfter: iso } : {}), limit: 0 }))
      if (matches(i.created_by))
        out.push({
          ts: i.created_at,
          kind: "bead_created",
          actor: i.created_by ?? "",
          rig,
          ref: i.id,
          summary: i.title,
        });
    for (const i of await ledger.listIssues({
      statuses: ["closed"],
      ...(iso ? { closedAfter: iso } : {}),
      limit: 0,
    }))
      if (i.closed_at && matches(i.assignee))
        out.push({
          ts: i.closed_at,
          kind: "bead_closed",
          actor: i.assignee ?? "",
          rig,
          ref: i.id,
          summary: `${i.title}${i.close_reason ? ` — ${i.close_reason}` : ""}`,
        });
  });
  out.sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts));
  return opts.limit > 0 ? out.slice(0, opts.limit) : out;
}
