// Working a poured molecule: which molecule a step belongs to, moving on to the next step
// after a close (`bd close --continue`), and which molecules an actor is working on. Where a
// molecule stands is always read through moleculeProgress (progress.ts), never re-derived.
import { ConflictError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { type MoleculeProgress, moleculeProgress } from "./progress.ts";

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
 * After `stepId` closed: claim the molecule's first ready step for `actor`. A ready step that
 * someone else claimed meanwhile is skipped; a bead outside any molecule has no next step.
 */
export async function continueMolecule(
  store: LedgerStore,
  stepId: string,
  actor: string,
): Promise<ContinueResult> {
  const root = await moleculeRootOf(store, stepId);
  if (!root || root.id === stepId) return { molecule_id: root?.id ?? null, next: null, complete: false };
  const progress = await moleculeProgress(store, root.id);
  for (const step of progress.steps) {
    if (step.status !== "ready") continue;
    try {
      const next = await store.claimIssue(step.issue.id, actor);
      return { molecule_id: root.id, next, complete: false };
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
  return { molecule_id: root.id, next: null, complete: progress.steps.every((s) => s.status === "done") };
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
