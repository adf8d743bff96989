// Looking after convoys: watchers (mailed when one lands), stranded convoys (open, with work
// nobody is doing, nothing ready, or nothing tracked) and landing an owned convoy by hand.
import { ConflictError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { addressOf, parseAddress } from "../town/identity.ts";
import { openLedgerFor, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { withBead } from "./beads.ts";
import { type ConvoyView, closeOnce, getConvoy, listConvoys, notifyLanded, view } from "./convoys.ts";

/** An agent address in its one written form (mayor/ → mayor); anything else as given. */
function normalAddress(address: string): string {
  const a = address.trim();
  if (!a) throw new ValidationError("an address is required");
  try {
    return addressOf(parseAddress(a));
  } catch {
    return a;
  }
}

/** Adds (or with `remove`, takes away) an address on the convoy's watcher list. */
export async function setWatcher(
  town: Town,
  id: string,
  address: string,
  opts: { remove?: boolean; actor: string },
): Promise<{ convoy: ConvoyView; changed: boolean }> {
  const who = normalAddress(address);
  const ledger = openTownLedger(town);
  try {
    const convoy = await getConvoy(ledger, id);
    const current = await view(town, ledger, convoy);
    const watchers = current.watchers ?? [];
    const next = opts.remove ? watchers.filter((w) => w !== who) : [...new Set([...watchers, who])];
    const changed = next.length !== watchers.length;
    if (opts.remove && !changed) throw new ValidationError(`${who} is not watching ${convoy.id}`);
    if (changed) await ledger.updateIssue(convoy.id, { set_metadata: { watchers: next } }, opts.actor);
    return { convoy: await view(town, ledger, (await ledger.getIssue(convoy.id))!), changed };
  } finally {
    await ledger.close();
  }
}

export type StrandedReason = "ready-unassigned" | "stuck" | "empty";

export interface StrandedConvoy {
  id: string;
  title: string;
  reason: StrandedReason;
  /** Tracked beads ready for a worker nobody has taken (for ready-unassigned). */
  ready: string[];
  total: number;
  closed: number;
}

/** Tracked beads that are open, unassigned and not blocked: work waiting for a worker. */
async function readyUnassigned(town: Town, v: ConvoyView): Promise<string[]> {
  const out: string[] = [];
  for (const t of v.tracked) {
    if (t.missing || t.status !== "open" || t.assignee) continue;
    const ledger = openLedgerFor(town, t.rig ?? undefined);
    try {
      if (!(await ledger.isBlocked(t.id))) out.push(t.id);
    } finally {
      await ledger.close();
    }
  }
  return out;
}

/**
 * Open convoys that need someone: tracked beads ready with no worker (feed it a sling), open
 * beads none of which is ready or being worked (stuck), or nothing tracked at all (empty).
 */
export async function strandedConvoys(town: Town): Promise<StrandedConvoy[]> {
  const out: StrandedConvoy[] = [];
  for (const v of await listConvoys(town, { status: "open" })) {
    if (v.paused) continue; // a paused mountain waits for gt mountain resume
    const base = { id: v.id, title: v.title, total: v.total, closed: v.closed };
    if (v.total === 0) {
      out.push({ ...base, reason: "empty", ready: [] });
      continue;
    }
    const open = v.tracked.filter((t) => t.status !== "closed");
    if (open.length === 0) continue; // complete: gt convoy check (or land) finishes it
    const ready = await readyUnassigned(town, v);
    if (ready.length > 0) out.push({ ...base, reason: "ready-unassigned", ready });
    else if (!open.some((t) => t.assignee)) out.push({ ...base, reason: "stuck", ready: [] });
  }
  return out;
}

/**
 * Lands an owned convoy (created --owned): refuses any other, and one with tracked beads
 * still open unless `force`; closes it "Landed by owner" and mails its owner, notify address
 * and watchers.
 */
export async function landConvoy(
  town: Town,
  id: string,
  opts: { force?: boolean; dryRun?: boolean; actor: string },
): Promise<{ convoy: ConvoyView; mail: string[]; dry_run: boolean }> {
  const ledger = openTownLedger(town);
  try {
    const convoy = await getConvoy(ledger, id);
    const v = await view(town, ledger, convoy);
    if (!v.owned)
      throw new ConflictError(
        "not_owned",
        `convoy ${v.id} is not owned (gt convoy create --owned): use gt convoy close`,
      );
    if (v.status === "closed") throw new ConflictError("already_closed", `convoy ${v.id} has already landed`);
    if (v.closed < v.total && !opts.force)
      throw new ConflictError(
        "open_beads",
        `convoy ${v.id} still has ${v.total - v.closed} open bead(s); use --force to land it anyway`,
      );
    if (opts.dryRun) return { convoy: v, mail: [], dry_run: true };
    if (!(await closeOnce(ledger, v.id, "Landed by owner", opts.actor)))
      throw new ConflictError("already_closed", `convoy ${v.id} has already landed`);
    const mail = await notifyLanded(ledger, v, opts.actor);
    logEvent(town.root, "convoy_landed", opts.actor, { convoy: v.id, title: v.title, beads: v.total, mail });
    return { convoy: await view(town, ledger, (await ledger.getIssue(v.id))!), mail, dry_run: false };
  } finally {
    await ledger.close();
  }
}

/** Types a polecat can be slung (an epic's other children, such as sub-epics, are not work). */
const NOT_SLINGABLE = new Set([
  "epic",
  "convoy",
  "molecule",
  "message",
  "agent",
  "rig",
  "merge-request",
  "event",
]);

/** `--from-epic`: the epic's children (and theirs) that are open work, for a convoy to track. */
export async function epicWork(town: Town, epicId: string): Promise<string[]> {
  return withBead(town, epicId, async (ledger, id) => {
    const epic = (await ledger.getIssue(id))!;
    if (epic.issue_type !== "epic") throw new ValidationError(`${id} is a ${epic.issue_type}, not an epic`);
    const out: string[] = [];
    const walk = async (parent: string, depth: number) => {
      if (depth > 20) return;
      for (const c of await ledger.children(parent)) {
        if (c.issue_type === "epic") await walk(c.id, depth + 1);
        else if (c.status !== "closed" && !NOT_SLINGABLE.has(c.issue_type)) out.push(c.id);
      }
    };
    await walk(id, 0);
    if (out.length === 0) throw new ValidationError(`epic ${id} has no open work under it`);
    return out;
  });
}
