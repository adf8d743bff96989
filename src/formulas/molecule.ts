// Working a poured molecule: which molecule a step belongs to, moving on to the next step
// after a close (`bd close --continue`), and which molecules an actor is working on. Where a
// molecule stands is always read through moleculeProgress (progress.ts), never re-derived.
import { ConflictError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { type MoleculeProgress, type MoleculeStep, moleculeProgress } from "./progress.ts";

export const MOLECULE_TYPE = "molecule";

/** The parent of `id` through its parent-child edge, if it has one. */
async function parentOf(store: LedgerStore, id: string): Promise<string | undefined> {
  return (await store.dependencyRecords(id)).find((d) => d.type === "parent-child")?.depends_on_id;
}

/** The molecule root a bead sits under (itself when it is one), or undefined. */
export async function moleculeRootOf(store: LedgerStore, id: string): Promise<Issue | undefined> {
  const seen = new Set<string>();
  let at: string | undefined = id;
  while (at && !seen.has(at)) {
    seen.add(at);
    const issue = await store.getIssue(at);
    if (!issue) return undefined;
    if (issue.issue_type === MOLECULE_TYPE) return issue;
    at = await parentOf(store, at);
  }
  return undefined;
}

/** The molecule root `id` names; one clear error when it is missing or not a molecule. */
export async function requireMolecule(store: LedgerStore, id: string): Promise<Issue> {
  const issue = await store.getIssue(id);
  if (!issue) throw new ValidationError(`no molecule ${id}`);
  if (issue.issue_type !== MOLECULE_TYPE)
    throw new ValidationError(`${id} is not a molecule (it is a ${issue.issue_type})`);
  return issue;
}

export interface ContinueResult {
  molecule_id: string | null;
  /** The step now claimed (in progress, assigned to the actor), or null. */
  next: Issue | null;
  /** No step of the molecule is left open. */
  complete: boolean;
}

/**
 * Closes the container steps (steps with steps nested under them) whose nested steps are all
 * done, innermost first, so the steps that wait on a container can go. Returns what it closed.
 */
async function closeFinishedContainers(store: LedgerStore, rootId: string, actor: string): Promise<string[]> {
  const closed: string[] = [];
  for (;;) {
    const { steps } = await moleculeProgress(store, rootId);
    const kids = new Map<string, MoleculeStep[]>();
    for (const s of steps)
      if (s.issue.parent) kids.set(s.issue.parent, [...(kids.get(s.issue.parent) ?? []), s]);
    const finished = steps
      .filter(
        (s) =>
          s.status !== "done" &&
          kids.has(s.issue.id) &&
          kids.get(s.issue.id)!.every((k) => k.status === "done"),
      )
      .sort((a, b) => b.depth - a.depth)[0];
    if (!finished) return closed;
    await store.closeIssue(finished.issue.id, { reason: "All its steps are done" }, actor);
    closed.push(finished.issue.id);
  }
}

/**
 * After `stepId` closed: close the containers it finished, then claim the molecule's first
 * ready step that has no steps of its own (a container is worked through its nested steps)
 * for `actor`. A ready step that someone else claimed meanwhile is skipped; a bead outside
 * any molecule has no next step.
 */
export async function continueMolecule(
  store: LedgerStore,
  stepId: string,
  actor: string,
): Promise<ContinueResult> {
  const root = await moleculeRootOf(store, stepId);
  if (!root || root.id === stepId) return { molecule_id: root?.id ?? null, next: null, complete: false };
  await closeFinishedContainers(store, root.id, actor);
  const progress = await moleculeProgress(store, root.id);
  const containers = new Set(progress.steps.map((s) => s.issue.parent));
  for (const step of progress.steps) {
    if (step.status !== "ready" || containers.has(step.issue.id)) continue;
    try {
      const next = await store.claimIssue(step.issue.id, actor);
      return { molecule_id: root.id, next, complete: false };
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
  const complete = progress.steps.every((s) => s.status === "done");
  if (complete) await closeRootIfComplete(store, root, actor);
  return { molecule_id: root.id, next: null, complete };
}

/** Why a molecule root closed by itself (beads' wording, which tools match on). */
export const COMPLETE_REASON = "all steps complete";

async function closeRootIfComplete(store: LedgerStore, root: Issue, actor: string): Promise<boolean> {
  if (root.status === "closed") return false;
  const p = await moleculeProgress(store, root.id);
  if (p.total === 0 || p.completed < p.total) return false;
  // Forced: a bead bonded to the molecule may block on it, and the root may be on a hook.
  await store.closeIssue(root.id, { reason: COMPLETE_REASON, force: true }, actor);
  return true;
}

/**
 * After any close of `stepId`: when it was a molecule's last open step, close the containers
 * it finished and the root itself, as beads does, so a finished molecule does not linger
 * open in `bd list`, `bd ready` and the witness's view. Returns the root it closed.
 */
export async function closeMoleculeIfComplete(
  store: LedgerStore,
  stepId: string,
  actor: string,
): Promise<string | undefined> {
  const root = await moleculeRootOf(store, stepId);
  if (!root || root.id === stepId || root.status === "closed") return undefined;
  await closeFinishedContainers(store, root.id, actor);
  return (await closeRootIfComplete(store, root, actor)) ? root.id : undefined;
}

/**
 * gt done's end of a molecule (Gas Town closes the attached molecule when the work is handed
 * in): every bead under the root not yet closed (the step running gt done among them, and
 * gates) is closed, deepest first, then the root. Returns how many steps it closed; a
 * molecule already gone (burned) is nothing to do.
 */
export async function finishMolecule(
  store: LedgerStore,
  rootId: string,
  reason: string,
  actor: string,
): Promise<{ steps_closed: number; root_closed: boolean }> {
  const root = await store.getIssue(rootId);
  if (!root) return { steps_closed: 0, root_closed: false };
  const open = (await beadsUnder(store, rootId)).filter((b) => b.status !== "closed");
  const depth = (b: Issue) => b.id.split(".").length;
  open.sort((a, b) => depth(b) - depth(a) || (a.id < b.id ? -1 : 1));
  for (const b of open) await store.closeIssue(b.id, { reason, force: true }, actor);
  if (root.status === "closed") return { steps_closed: open.length, root_closed: false };
  await store.closeIssue(rootId, { reason, force: true }, actor);
  return { steps_closed: open.length, root_closed: true };
}

/**
 * The molecules `actor` is working on: roots of the steps they have in progress (or hooked),
 * then molecules assigned to them whose steps are not all done. Each read by moleculeProgress.
 */
export async function currentMolecules(store: LedgerStore, actor: string): Promise<MoleculeProgress[]> {
  const roots: string[] = [];
  const add = (id: string | undefined) => {
    if (id && !roots.includes(id)) roots.push(id);
  };
  const working = await store.listIssues({
    assignee: actor,
    statuses: ["in_progress", "hooked"],
    ephemeral: true,
    includeTemplates: true,
    limit: 0,
  });
  for (const w of working) add((await moleculeRootOf(store, w.id))?.id);
  const owned = await store.listIssues({
    assignee: actor,
    types: [MOLECULE_TYPE],
    ephemeral: true,
    limit: 0,
  });
  for (const m of owned) add(m.id);
  const out: MoleculeProgress[] = [];
  for (const id of roots) {
    const p = await moleculeProgress(store, id);
    if (p.total > 0 && p.completed === p.total && !working.some((w) => w.id === id)) continue;
    out.push(p);
  }
  return out;
}

/** Every bead under a molecule root (steps, nested steps, gates), wisps and templates too. */
async function beadsUnder(store: LedgerStore, rootId: string): Promise<Issue[]> {
  return store.listIssues({
    parent: rootId,
    all: true,
    ephemeral: true,
    includeTemplates: true,
    includeInfra: true,
    limit: 0,
  });
}

/** Deletes beads deepest first (their edges go with them). */
async function deleteAll(store: LedgerStore, ids: string[], actor: string): Promise<void> {
  const depth = (id: string) => id.split(".").length;
  for (const id of [...ids].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1)))
    await store.deleteIssue(id, actor);
}

export interface SquashOptions {
  /** The agent's own summary, put first in the digest. */
  summary?: string | undefined;
  /** Keep the step beads (wisps among them become persistent) instead of deleting them. */
  keepChildren?: boolean;
  actor: string;
}

export interface SquashResult {
  molecule_id: string;
  digest_id: string;
  /** Steps summarised in the digest. */
  squashed: number;
  /** Beads deleted (steps and gates), or none with keepChildren. */
  deleted: string[];
  kept: string[];
}

/**
 * Squash (beads §4.1 "digest"): a closed, persistent digest bead records every step (title,
 * state, close reason) and is linked (`related`) to the root; the steps and gates are then
 * deleted, or kept with keepChildren (wisps promoted to persistent). The root is closed, so a
 * wisp root goes at the next `bd mol wisp gc` while the digest stays. Done the same way for
 * wisps and poured molecules, as the spec says: the digest is the record.
 */
export async function squashMolecule(
  store: LedgerStore,
  rootId: string,
  opts: SquashOptions,
): Promise<SquashResult> {
  const root = await requireMolecule(store, rootId);
  const p = await moleculeProgress(store, root.id);
  const lines = p.steps.map((s) => {
    const box = s.status === "done" ? "[x]" : "[ ]";
    const why = s.issue.close_reason ? ` — ${s.issue.close_reason}` : "";
    return `${"  ".repeat(s.depth)}- ${box} ${s.issue.title} (${s.issue.id}, ${s.issue.status})${why}`;
  });
  const description = [
    ...(opts.summary ? [opts.summary, ""] : []),
    `Digest of ${root.ephemeral ? "wisp" : "molecule"} ${root.id}${root.source_formula ? ` (formula ${root.source_formula})` : ""}: ${p.completed}/${p.total} steps done.`,
    "",
    ...lines,
  ].join("\n");
  const digest = await store.createIssue(
    {
      title: `Digest: ${root.title}`,
      description,
      issue_type: "task",
      priority: root.priority,
      labels: ["digest"],
      ...(root.source_formula ? { source_formula: root.source_formula } : {}),
      deps: [{ type: "related", depends_on_id: root.id }],
    },
    opts.actor,
  );
  await store.closeIssue(digest.id, { reason: `Squashed from ${root.id}`, force: true }, opts.actor);
  const under = await beadsUnder(store, root.id);
  let deleted: string[] = [];
  const kept: string[] = [];
  if (opts.keepChildren) {
    for (const b of under) {
      if (b.ephemeral) await store.updateIssue(b.id, { ephemeral: false }, opts.actor);
      kept.push(b.id);
    }
  } else {
    deleted = under.map((b) => b.id);
    await deleteAll(store, deleted, opts.actor);
  }
  if (root.status !== "closed")
    await store.closeIssue(root.id, { reason: `Squashed into ${digest.id}`, force: true }, opts.actor);
  return { molecule_id: root.id, digest_id: digest.id, squashed: p.steps.length, deleted, kept };
}

export interface BurnResult {
  molecule_id: string;
  /** Every bead deleted: the steps, the gates and the root last. */
  deleted: string[];
}

/** Burn: deletes the root and everything under it (steps, gates, their edges), nothing else. */
export async function burnMolecule(store: LedgerStore, rootId: string, actor: string): Promise<BurnResult> {
  const root = await requireMolecule(store, rootId);
  const ids = (await beadsUnder(store, root.id)).map((b) => b.id);
  await deleteAll(store, ids, actor);
  await store.deleteIssue(root.id, actor);
  return { molecule_id: root.id, deleted: [...ids, root.id] };
}

/** How two bonded work graphs relate (beads' bond_type). */
export const BOND_TYPES = ["sequential", "parallel", "conditional"] as const;
export type BondType = (typeof BOND_TYPES)[number];

/**
 * The edge a bond leaves, from the second graph to the first: sequential waits for the first
 * to close (blocks), conditional runs only after it (conditional-blocks, which blocks like
 * blocks, beads §1.4), parallel only records the link (related), so both go at once.
 */
const BOND_EDGE: Record<BondType, string> = {
  sequential: "blocks",
  parallel: "related",
  conditional: "conditional-blocks",
};

export function bondType(value: string | undefined): BondType {
  const t = (value ?? "sequential") as BondType;
  if (!BOND_TYPES.includes(t))
    throw new ValidationError(`invalid bond type "${value}" (expected sequential, parallel or conditional)`);
  return t;
}

/**
 * Bonds `second` to `first` (molecule roots or work beads): `second` depends on `first`
 * through the bond's edge. `bd mol bond <wispRoot> <bead>` attaches a molecule to a work bead.
 */
export async function bondBeads(
  store: LedgerStore,
  first: string,
  second: string,
  type: BondType,
  actor: string,
): Promise<void> {
  if (first === second) throw new ValidationError(`cannot bond ${first} to itself`);
  await store.addDependency({ issue_id: second, depends_on_id: first, type: BOND_EDGE[type] }, actor);
}
