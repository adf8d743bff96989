// Beads from gt: a bead ID names its ledger by its prefix (hq- the town's, a rig's prefix its
// rig's), so gt show/cat/close/release/bead move work from anywhere in the town. Everything
// runs in-process against the ledger that owns the ID.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { closeMoleculeIfComplete } from "../formulas/molecule.ts";
import type { Issue, IssueDetails } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { openLedgerFor, openLedgerOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { landConvoysAfterClose } from "./convoys.ts";
import { unhookBead } from "./hook.ts";

const HOOKED = "hooked";
const IN_PROGRESS = "in_progress";

/** `prefix-rest`: a lowercase prefix (letters, digits, dashes), a dash, then the rest. */
export function checkBeadId(id: string): void {
  if (!/^[a-z][a-z0-9-]*-[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id))
    throw new ValidationError(`invalid bead ID "${id}" (expected <prefix>-<id>, e.g. hq-abc12)`);
}

/** Where a bead ID leads: the rig whose prefix it carries, or the town (rig undefined). */
export interface BeadHome {
  rig: string | undefined;
  prefix: string;
}

/** The ledger a prefix (`hq`, `al`, with or without its dash) names; refuses one no ledger has. */
export function homeOfPrefix(town: Town, prefix: string): BeadHome {
  const p = prefix.replace(/-$/, "");
  if (p === "hq") return { rig: undefined, prefix: "hq" };
  const rig = town.rigNames().find((r) => town.prefixOf(r) === p);
  if (!rig) {
    const known = ["hq", ...town.rigNames().map((r) => town.prefixOf(r))].join(", ");
    throw new ValidationError(`no ledger in this town has prefix "${p}" (known: ${known})`);
  }
  return { rig, prefix: p };
}

/** Runs `fn` with the ledger that owns `id` and the bead's full ID (a unique partial ID is fine). */
export async function withBead<T>(
  town: Town,
  id: string,
  fn: (ledger: Ledger, fullId: string, rig: string | undefined) => Promise<T>,
): Promise<T> {
  checkBeadId(id);
  const { ledger, rig } = openLedgerOfBead(town, id);
  try {
    return await fn(ledger, await ledger.resolveId(id), rig);
  } finally {
    await ledger.close();
  }
}

/** The full details of each bead (every ID is checked before anything is read). */
export async function showBeads(town: Town, ids: string[]): Promise<IssueDetails[]> {
  if (ids.length === 0) throw new ValidationError("a bead ID is required");
  for (const id of ids) checkBeadId(id);
  const out: IssueDetails[] = [];
  for (const id of ids) out.push(await withBead(town, id, (l, full) => l.getDetails(full)));
  return out;
}

export interface CloseBeadsOptions {
  reason?: string;
  force?: boolean;
  /** Close the beads' open children (and theirs) first. */
  cascade?: boolean;
  actor: string;
}

export interface CloseBeadsResult {
  closed: Issue[];
  /** Molecules whose last step one of these closes was. */
  molecules: string[];
  /** Convoys these closes completed (and so landed). */
  convoys: string[];
}

/** Deep enough for any real tree; a parent-child cycle stops here instead of looping. */
const MAX_CASCADE_DEPTH = 50;

/** The open descendants of `id`, deepest first, so each closes before its parent. */
async function openDescendants(ledger: Ledger, id: string, depth = 0, seen = new Set<string>()) {
  if (depth > MAX_CASCADE_DEPTH)
    throw new ConflictError("cascade_depth", `children nest too deep under ${id}`);
  const out: string[] = [];
  for (const child of await ledger.children(id)) {
    if (seen.has(child.id)) continue;
    seen.add(child.id);
    out.push(...(await openDescendants(ledger, child.id, depth + 1, seen)));
    if (child.status !== "closed") out.push(child.id);
  }
  return out;
}

/**
 * Closes beads in whichever ledgers own them. Every ID must name a bead that is not yet
 * closed before anything closes; then molecules and convoys the closes completed close too.
 */
export async function closeBeads(
  town: Town,
  ids: string[],
  opts: CloseBeadsOptions,
): Promise<CloseBeadsResult> {
  if (ids.length === 0) throw new ValidationError("a bead ID is required");
  const targets: string[] = [];
  for (const id of ids) {
    const full = await withBead(town, id, async (l, f) => {
      const issue = (await l.getIssue(f))!;
      if (issue.status === "closed") throw new ConflictError("already_closed", `${f} is already closed`);
      return f;
    });
    if (!targets.includes(full)) targets.push(full);
  }
  const result: CloseBeadsResult = { closed: [], molecules: [], convoys: [] };
  for (const id of targets) {
    await withBead(town, id, async (ledger) => {
      const order = opts.cascade ? [...(await openDescendants(ledger, id)), id] : [id];
      for (const one of order) {
        const res = await ledger.closeIssue(
          one,
          {
            reason: opts.reason ?? (one === id ? undefined : `parent ${id} closed`),
            force: opts.force ?? false,
          },
          opts.actor,
        );
        result.closed.push(res.issue);
        if ((await ledger.dependencyRecords(one)).some((d) => d.type === "parent-child")) {
          const root = await closeMoleculeIfComplete(ledger, one, opts.actor);
          if (root) result.molecules.push(root);
        }
      }
    });
  }
  const landed = await landConvoysAfterClose(
    town,
    result.closed.map((i) => i.id),
    opts.actor,
  );
  result.convoys = landed.map((c) => c.id);
  return result;
}

export interface ReleaseResult {
  bead: string;
  /** What the bead was before: in_progress or hooked. */
  was: string;
  /** Who held it. */
  from: string | null;
}

/**
 * Gives a stuck bead back: in_progress (or hooked) → open, assignee cleared, the reason kept
 * in its notes. A hooked bead also leaves its holder's hook.
 */
export async function releaseBead(
  town: Town,
  id: string,
  opts: { reason?: string; actor: string },
): Promise<ReleaseResult> {
  const cur = await withBead(town, id, async (l, f) => (await l.getIssue(f))!);
  if (cur.status === HOOKED && cur.assignee) {
    const r = await unhookBead(town, cur.id, { actor: opts.actor });
    if (opts.reason)
      await withBead(town, cur.id, (l, f) =>
        l.updateIssue(f, { append_notes: `Released: ${opts.reason}` }, opts.actor),
      );
    return { bead: r.bead, was: HOOKED, from: r.from };
  }
  let was = "";
  let from: string | null = null;
  await withBead(town, id, (l, f) =>
    l.updateIssue(
      f,
      {
        status: "open",
        assignee: null,
        ...(opts.reason ? { append_notes: `Released: ${opts.reason}` } : {}),
      },
      opts.actor,
      (c) => {
        if (c.status !== IN_PROGRESS && c.status !== HOOKED)
          throw new ConflictError(
            "not_in_progress",
            `${c.id} is ${c.status}, not in progress: nothing to release`,
          );
        was = c.status;
        from = c.assignee ?? null;
      },
    ),
  );
  return { bead: cur.id, was, from };
}

export interface MoveResult {
  from: string;
  to: string;
  title: string;
  dryRun: boolean;
}

/**
 * Moves an open bead to another ledger of the town: a copy (title, type, priority,
 * description, assignee, labels) under the target prefix, then the source closed with a
 * pointer to it. Should the close fail, the copy is deleted again.
 */
export async function moveBead(
  town: Town,
  id: string,
  targetPrefix: string,
  opts: { dryRun?: boolean; actor: string },
): Promise<MoveResult> {
  const target = homeOfPrefix(town, targetPrefix);
  const source = await withBead(town, id, (l, f) => l.getDetails(f));
  if (source.status === "closed")
    throw new ConflictError("already_closed", `cannot move closed bead ${source.id}`);
  if (
    source.id.startsWith(`${target.prefix}-`) &&
    homeOfPrefix(town, source.id.split("-")[0]!).rig === target.rig
  )
    throw new ValidationError(`${source.id} already lives in the ${target.prefix} ledger`);
  if (opts.dryRun) return { from: source.id, to: `${target.prefix}-…`, title: source.title, dryRun: true };
  const dest = openLedgerFor(town, target.rig);
  let created: Issue;
  try {
    created = await dest.createIssue(
      {
        title: source.title,
        issue_type: source.issue_type,
        priority: source.priority,
        ...(source.description ? { description: source.description } : {}),
        ...(source.assignee ? { assignee: source.assignee } : {}),
        ...(source.labels?.length ? { labels: source.labels } : {}),
      },
      opts.actor,
    );
  } finally {
    await dest.close();
  }
  try {
    await withBead(town, source.id, (l, f) =>
      l.closeIssue(f, { reason: `Moved to ${created.id}`, force: true }, opts.actor),
    );
  } catch (e) {
    const undo = openLedgerFor(town, target.rig);
    try {
      await undo.deleteIssue(created.id, opts.actor);
    } finally {
      await undo.close();
    }
    throw e;
  }
  return { from: source.id, to: created.id, title: source.title, dryRun: false };
}

/** A bead that must exist: its issue, from whichever ledger owns it. */
export async function getBead(town: Town, id: string): Promise<Issue> {
  const issue = await withBead(town, id, (l, f) => l.getIssue(f));
  if (!issue) throw new NotFoundError(id);
  return issue;
}
