// Convoys: a bundle of beads, possibly from several rigs, that "lands" when the last of them
// closes (spec §5.1). A convoy is a bead of type `convoy` in the town ledger (`hq-cv-…`) with
// `tracks` edges to the beads it follows; tracks edges never block anything. Landing is
// checked whenever a bead closes (bd close, the script agent, the refinery) and by
// `gt convoy check`; the close of the convoy itself is a compare-and-swap, so however many
// processes notice at once, it lands once and its owner gets one message.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { lazyCrypto } from "../lazy.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { addressOf, parseAddress } from "../town/identity.ts";
import { openLedgerFor, openTownLedger, rigOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const CONVOY_TYPE = "convoy";
export const CONVOY_PREFIX = "hq-cv-";
/** A mountain (mountain.ts) with this label sends out no new wave: not launched, not fed. */
export const MOUNTAIN_PAUSED_LABEL = "mountain:paused";
const TRACKS = "tracks";
const DEFAULT_NOTIFY = "mayor";

export interface TrackedBead {
  id: string;
  title: string;
  status: string;
  assignee: string | null;
  /** The rig whose ledger holds it; null for town beads. */
  rig: string | null;
  /** The tracked ID names no bead this town can find. */
  missing: boolean;
}

export interface ConvoyView {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  notify: string;
  created_at: string;
  closed_at: string | null;
  close_reason: string | null;
  tracked: TrackedBead[];
  total: number;
  closed: number;
  /** Agents holding tracked beads right now. */
  workers: string[];
  /** Created --owned: its creator lands it (gt convoy land), not the automatic check. */
  owned?: boolean;
  /** Addresses also mailed when it lands (gt convoy watch). */
  watchers?: string[];
  /** A paused mountain: no new wave goes out until it is resumed. */
  paused?: boolean;
}

export interface CreateConvoyInput {
  title: string;
  issues: string[];
  owner?: string;
  notify?: string;
  mergeStrategy?: string;
  /** The caller lands it with gt convoy land; gt convoy check and bead closes leave it open. */
  owned?: boolean;
  /** Created in this status (a staged convoy: staged_ready / staged_warnings). */
  status?: string;
  /** More metadata written with it. */
  metadata?: Record<string, unknown>;
  actor: string;
}

function newConvoyId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  return CONVOY_PREFIX + Array.from(lazyCrypto().randomBytes(5), (b) => alphabet[b % 36]).join("");
}

/** Reads beads by ID from whichever ledgers hold them, opening each ledger once. */
async function readBeads(town: Town, ids: string[]): Promise<Map<string, TrackedBead>> {
  const byRig = new Map<string | undefined, string[]>();
  for (const id of ids) {
    const rig = rigOfBead(town, id);
    byRig.set(rig, [...(byRig.get(rig) ?? []), id]);
  }
  const out = new Map<string, TrackedBead>();
  for (const [rig, group] of byRig) {
    const ledger = openLedgerFor(town, rig);
    try {
      for (const id of group) {
        const issue = await ledger.getIssue(await ledger.resolveId(id).catch(() => id));
        out.set(id, {
          id: issue?.id ?? id,
          title: issue?.title ?? "",
          status: issue?.status ?? "missing",
          assignee: issue?.assignee || null,
          rig: rig ?? null,
          missing: !issue,
        });
      }
    } finally {
      await ledger.close();
    }
  }
  return out;
}

/** Checks every ID names a bead; returns their canonical IDs. Nothing is written. */
async function mustExist(town: Town, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await readBeads(town, ids);
  const missing = ids.filter((id) => found.get(id)?.missing);
  if (missing.length > 0) throw new NotFoundError(missing[0]!, `no bead ${missing.join(", ")} in this town`);
  return ids.map((id) => found.get(id)!.id);
}

export async function view(town: Town, ledger: Ledger, convoy: Issue): Promise<ConvoyView> {
  const edges = (await ledger.dependencyRecords(convoy.id)).filter((e) => e.type === TRACKS);
  const beads = await readBeads(
    town,
    edges.map((e) => e.depends_on_id),
  );
  const tracked = edges.map((e) => beads.get(e.depends_on_id)!);
  const meta = (convoy.metadata as Record<string, unknown> | undefined) ?? {};
  const workers = [
    ...new Set(tracked.filter((t) => t.status !== "closed" && t.assignee).map((t) => t.assignee!)),
  ].sort();
  return {
    id: convoy.id,
    title: convoy.title,
    status: convoy.status,
    owner: convoy.owner || null,
    notify: typeof meta.notify === "string" ? meta.notify : DEFAULT_NOTIFY,
    created_at: convoy.created_at,
    closed_at: convoy.closed_at ?? null,
    close_reason: convoy.close_reason ?? null,
    tracked,
    total: tracked.length,
    closed: tracked.filter((t) => t.status === "closed").length,
    workers,
    owned: meta.owned === true,
    watchers: Array.isArray(meta.watchers)
      ? meta.watchers.filter((w): w is string => typeof w === "string")
      : [],
    paused: (convoy.labels ?? []).includes(MOUNTAIN_PAUSED_LABEL),
  };
}

export async function getConvoy(ledger: Ledger, id: string): Promise<Issue> {
  let resolved = id;
  try {
    resolved = await ledger.resolveId(id);
  } catch {
    // reported below
  }
  const issue = await ledger.getIssue(resolved);
  if (!issue || issue.issue_type !== CONVOY_TYPE) throw new NotFoundError(id, `no convoy ${id}`);
  return issue;
}

export async function createConvoy(town: Town, input: CreateConvoyInput): Promise<ConvoyView> {
  const title = input.title.trim();
  if (!title) throw new ValidationError("a convoy needs a name");
  const issues = await mustExist(town, [...new Set(input.issues)]);
  const ledger = openTownLedger(town);
  try {
    const metadata: Record<string, unknown> = { ...input.metadata, notify: input.notify ?? DEFAULT_NOTIFY };
    if (input.mergeStrategy) metadata.merge_strategy = input.mergeStrategy;
    if (input.owned) metadata.owned = true;
    // The issue and its edges are written in one transaction: no half-made convoy.
    const convoy = await ledger.createIssue(
      {
        id: newConvoyId(),
        force: true,
        title,
        issue_type: CONVOY_TYPE,
        ...(input.status ? { status: input.status } : {}),
        owner: input.owner ?? input.actor,
        metadata,
        deps: issues.map((id) => ({ type: TRACKS, depends_on_id: id })),
      },
      input.actor,
    );
    logEvent(town.root, "convoy_created", input.actor, { convoy: convoy.id, tracks: issues });
    // Awaited here, inside the try: the ledger must stay open until the view has read it.
    return await view(town, ledger, convoy);
  } finally {
    await ledger.close();
  }
}

/** Tracks more beads; a landed convoy opens again (it has work in flight once more). */
export async function addToConvoy(
  town: Town,
  id: string,
  issues: string[],
  actor: string,
): Promise<ConvoyView> {
  const wanted = await mustExist(town, [...new Set(issues)]);
  const ledger = openTownLedger(town);
  try {
    const convoy = await getConvoy(ledger, id);
    const have = new Set((await ledger.dependencyRecords(convoy.id)).map((e) => e.depends_on_id));
    for (const bead of wanted.filter((b) => !have.has(b)))
      await ledger.addDependency({ issue_id: convoy.id, depends_on_id: bead, type: TRACKS }, actor);
    if (convoy.status === "closed") await ledger.reopenIssue(convoy.id, "more work added", actor);
    return await view(town, ledger, (await ledger.getIssue(convoy.id))!);
  } finally {
    await ledger.close();
  }
}

export async function convoyStatus(town: Town, id: string): Promise<ConvoyView> {
  const ledger = openTownLedger(town);
  try {
    return await view(town, ledger, await getConvoy(ledger, id));
  } finally {
    await ledger.close();
  }
}

export async function listConvoys(
  town: Town,
  opts: { all?: boolean; status?: string } = {},
): Promise<ConvoyView[]> {
  const ledger = openTownLedger(town);
  try {
    const issues = await ledger.listIssues({
      types: [CONVOY_TYPE],
      includeInfra: true,
      sort: "created",
      ...(opts.status ? { statuses: [opts.status] } : opts.all ? { all: true } : {}),
    });
    const out: ConvoyView[] = [];
    for (const c of issues) out.push(await view(town, ledger, c));
    return out;
  } finally {
    await ledger.close();
  }
}

/** Open convoys tracking a bead (a sling skips its auto-convoy when there is one). */
export async function convoysTracking(town: Town, beadId: string): Promise<string[]> {
  const ledger = openTownLedger(town);
  try {
    const out: string[] = [];
    for (const e of await ledger.dependentRecords(beadId, TRACKS)) {
      const c = await ledger.getIssue(e.issue_id);
      if (c && c.issue_type === CONVOY_TYPE && c.status !== "closed") out.push(c.id);
    }
    return out;
  } finally {
    await ledger.close();
  }
}

function minutesBetween(from: string, to: string): string {
  const mins = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
  return mins < 60 ? `${mins} min` : `${Math.floor(mins / 60)} h ${mins % 60} min`;
}

/**
 * Closes the convoy if it is still open; true only for the one caller that closed it. The
 * check runs inside the write transaction, so concurrent landers cannot both win.
 */
export async function closeOnce(ledger: Ledger, id: string, reason: string, actor: string): Promise<boolean> {
  try {
    await ledger.updateIssue(id, { status: "closed", close_reason: reason }, actor, (cur) => {
      if (cur.status === "closed") throw new ConflictError("already_closed", `${id} is already closed`);
    });
    return true;
  } catch (e) {
    if (e instanceof ConflictError && e.code === "already_closed") return false;
    throw e;
  }
}

function mailboxOf(address: string): string {
  try {
    return addressOf(parseAddress(address));
  } catch {
    return address;
  }
}

/** The landing message to the convoy's owner (and its notify address when different). */
export async function notifyLanded(ledger: Ledger, v: ConvoyView, actor: string): Promise<string[]> {
  // Agent addresses are normalised ("mayor/" and "mayor" are one mailbox); anything else (a person) stays as given.
  const to = [
    ...new Set(
      [v.notify, ...(v.owner?.includes("/") ? [v.owner] : []), ...(v.watchers ?? [])].map(mailboxOf),
    ),
  ];
  const now = new Date().toISOString();
  const body = [
    `Convoy ${v.id} "${v.title}" landed: all ${v.total} tracked bead(s) are closed.`,
    "",
    ...v.tracked.map((t) => `- ${t.id} ${t.title}${t.rig ? ` (${t.rig})` : ""}`),
    "",
    `Took ${minutesBetween(v.created_at, now)}.`,
  ].join("\n");
  const sent: string[] = [];
  for (const address of to) {
    const msg = await ledger.createIssue(
      {
        title: `🚚 Convoy landed: ${v.title}`,
        issue_type: "message",
        assignee: address,
        sender: actor,
        description: body,
        labels: ["gt:convoy-landed"],
      },
      actor,
    );
    sent.push(msg.id);
  }
  return sent;
}

export interface CheckOptions {
  /** Only these convoys. */
  ids?: string[];
  /** Only convoys tracking these just-closed beads. */
  closedIds?: string[];
  dryRun?: boolean;
  actor: string;
}

/** Lands every candidate convoy whose tracked beads are all closed; returns the landed ones. */
export async function checkConvoys(town: Town, opts: CheckOptions): Promise<ConvoyView[]> {
  const ledger = openTownLedger(town);
  try {
    let candidates: Issue[];
    if (opts.ids) candidates = await Promise.all(opts.ids.map((id) => getConvoy(ledger, id)));
    else if (opts.closedIds) {
      const ids = new Set<string>();
      for (const b of opts.closedIds)
        for (const e of await ledger.dependentRecords(b, TRACKS)) ids.add(e.issue_id);
      candidates = (await ledger.getIssues([...ids])).filter((c) => c.issue_type === CONVOY_TYPE);
    } else
      candidates = await ledger.listIssues({ types: [CONVOY_TYPE], includeInfra: true, sort: "created" });

    const landed: ConvoyView[] = [];
    // A staged convoy has not been launched: it lands only after gt convoy launch opens it.
    for (const c of candidates.filter((c) => c.status !== "closed" && !c.status.startsWith("staged_"))) {
      const v = await view(town, ledger, c);
      // An owned convoy is its creator's to land (gt convoy land).
      if (v.total === 0 || v.closed < v.total || v.owned) continue;
      if (opts.dryRun) {
        landed.push(v);
        continue;
      }
      if (!(await closeOnce(ledger, c.id, "all tracked beads closed", opts.actor))) continue;
      const mail = await notifyLanded(ledger, v, opts.actor);
      logEvent(town.root, "convoy_landed", opts.actor, {
        convoy: c.id,
        title: c.title,
        beads: v.total,
        mail,
      });
      landed.push({ ...(await view(town, ledger, (await ledger.getIssue(c.id))!)) });
    }
    return landed;
  } finally {
    await ledger.close();
  }
}

/** For code that just closed beads in-process: lands what they completed; never throws. */
export async function landConvoysAfterClose(
  town: Town,
  closedIds: string[],
  actor: string,
): Promise<ConvoyView[]> {
  try {
    return await checkConvoys(town, { closedIds, actor });
  } catch {
    return [];
  }
}

/** Closes a convoy by hand; refuses while tracked beads are open unless `force`. */
export async function closeConvoy(
  town: Town,
  id: string,
  opts: { reason?: string; force?: boolean; actor: string },
): Promise<ConvoyView> {
  const ledger = openTownLedger(town);
  try {
    const convoy = await getConvoy(ledger, id);
    if (convoy.status === "closed")
      throw new ConflictError("already_closed", `convoy ${convoy.id} is already closed`);
    const v = await view(town, ledger, convoy);
    if (v.closed < v.total && !opts.force)
      throw new ConflictError(
        "open_beads",
        `convoy ${convoy.id} still has ${v.total - v.closed} open bead(s); use --force to close it anyway`,
      );
    await closeOnce(ledger, convoy.id, opts.reason ?? "closed by hand", opts.actor);
    logEvent(town.root, "convoy_closed", opts.actor, {
      convoy: convoy.id,
      reason: opts.reason ?? "closed by hand",
    });
    return await view(town, ledger, (await ledger.getIssue(convoy.id))!);
  } finally {
    await ledger.close();
  }
}
