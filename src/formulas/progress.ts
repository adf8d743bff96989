// Where a molecule stands: its steps (the beads under its root, gates left out) in the order
// they are meant to run, each done, current, ready, blocked or pending. The one reading that
// `bd mol current/progress`, `gt mol status`, `gt prime`'s checklist and the script agent share,
// so they can never disagree on which step is next.
import { NotFoundError } from "../errors.ts";
import type { Issue, IssueWithCounts } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";

/**
 * done: closed. current: in progress (the first such is *the* current step). ready: open
 * with nothing open before it. blocked: its status says so, or a gate before it is open.
 * pending: waits on steps not closed yet.
 */
export type StepState = "done" | "current" | "ready" | "blocked" | "pending";

export interface MoleculeStep {
  issue: IssueWithCounts;
  status: StepState;
  is_current: boolean;
  /** 0 for the root's children, 1 for theirs, … */
  depth: number;
}

/** `bd mol current --json` gives an array of these (beads' shape). */
export interface MoleculeProgress {
  molecule_id: string;
  molecule_title: string;
  assignee: string | null;
  /** The first step in progress, else null. */
  current_step: string | null;
  /** The first ready step that is not the current one, else null. */
  next_step: string | null;
  steps: MoleculeStep[];
  completed: number;
  total: number;
}

const GATE_TYPE = "gate";

/** Orders siblings so a step comes after the siblings it needs; ties keep ID order. */
function bySequence(siblings: IssueWithCounts[], needs: Map<string, Set<string>>): IssueWithCounts[] {
  const left = new Map(siblings.map((s) => [s.id, s]));
  const out: IssueWithCounts[] = [];
  while (left.size > 0) {
    const free = [...left.values()].filter((s) => ![...(needs.get(s.id) ?? [])].some((n) => left.has(n)));
    // A cycle cannot be poured, but a hand-made edge could make one: keep the rest in ID order.
    const take = free.length > 0 ? free : [...left.values()];
    take.sort((a, b) => (a.id < b.id ? -1 : 1));
    const first = take[0]!;
    out.push(first);
    left.delete(first.id);
  }
  return out;
}

/** The molecule rooted at `rootId` as it stands in `store`. */
export async function moleculeProgress(store: LedgerStore, rootId: string): Promise<MoleculeProgress> {
  const root: Issue | undefined = await store.getIssue(rootId);
  if (!root) throw new NotFoundError(`no molecule ${rootId}`);
  const under = await store.listIssues({
    parent: rootId,
    all: true,
    ephemeral: true,
    includeTemplates: true,
  });
  const ready = new Set(
    (await store.ready({ parent: rootId, ephemeral: true, includeTemplates: true, status: "open" })).map(
      (i) => i.id,
    ),
  );
  const byId = new Map(under.map((i) => [i.id, i]));
  // Blocking edges of each bead under the root (needs between steps, gates before steps).
  const needs = new Map<string, Set<string>>();
  await Promise.all(
    under.map(async (i) => {
      const blocks = (await store.dependencyRecords(i.id)).filter((d) => d.type === "blocks");
      needs.set(i.id, new Set(blocks.map((d) => d.depends_on_id)));
    }),
  );
  const kids = new Map<string, IssueWithCounts[]>();
  for (const i of under) {
    if (i.issue_type === GATE_TYPE) continue;
    const parent = i.parent && (i.parent === rootId || byId.has(i.parent)) ? i.parent : rootId;
    kids.set(parent, [...(kids.get(parent) ?? []), i]);
  }
  const steps: MoleculeStep[] = [];
  let current: string | null = null;
  const walk = (parent: string, depth: number) => {
    for (const issue of bySequence(kids.get(parent) ?? [], needs)) {
      const gateOpen = [...(needs.get(issue.id) ?? [])].some((n) => {
        const before = byId.get(n);
        return before?.issue_type === GATE_TYPE && before.status !== "closed";
      });
      let status: StepState;
      if (issue.status === "closed") status = "done";
      else if (issue.status === "in_progress" || issue.status === "hooked") status = "current";
      else if (issue.status === "blocked" || gateOpen) status = "blocked";
      else if (ready.has(issue.id)) status = "ready";
      else status = "pending";
      const isCurrent = status === "current" && current === null;
      if (isCurrent) current = issue.id;
      steps.push({ issue, status, is_current: isCurrent, depth });
      walk(issue.id, depth + 1);
    }
  };
  walk(rootId, 0);
  const next = steps.find((s) => s.status === "ready" && s.issue.id !== current)?.issue.id ?? null;
  return {
    molecule_id: root.id,
    molecule_title: root.title,
    assignee: root.assignee ?? null,
    current_step: current,
    next_step: next,
    steps,
    completed: steps.filter((s) => s.status === "done").length,
    total: steps.length,
  };
}
