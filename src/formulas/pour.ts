// Pouring: a cooked formula (runtime mode, vars substituted) becomes beads. The root is a
// `molecule` bead `<prefix>-mol-<hash>` (a wisp: `<prefix>-wisp-<hash>`, ephemeral); each
// step is a child `<root>.<step id>` under its parent (the root, or the step it is nested
// in) with a `blocks` edge to every step it needs; a step's gate is a `gate` bead
// `<parent>.gate-<step id>` that blocks it. Everything is written in one transaction, so a
// molecule is there whole or not at all.

import { durationMs } from "../duration.ts";
import { ValidationError } from "../errors.ts";
import { generateId, idSeed, issueIdProblem } from "../ledger/ids.ts";
import type { Dependency, Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import type { CookedFormula } from "./cook.ts";
import type { Step } from "./schema.ts";

const STEP_TYPES = new Set(["task", "bug", "feature", "epic", "chore"]);

export interface PourOptions {
  /** A wisp: ephemeral beads with `-wisp-` ids. */
  ephemeral: boolean;
  /** Only the root bead (a wisp whose steps are read from the formula, not stored). */
  rootOnly?: boolean;
  /** The root's assignee. */
  assignee?: string | undefined;
  actor: string;
  now?: Date;
  /**
   * A proto (`bd cook --persist`, beads §4.1 "solid"): template beads under the root
   * `<prefix>-<formula>`, written from a compile-mode cook so the {{vars}} stay.
   */
  proto?: boolean;
}

/** `bd mol pour|wisp --json` (beads' shape: gt reads new_epic_id, root_id or result_id). */
export interface PourResult {
  new_epic_id: string;
  root_id: string;
  /** The proto's ids (`<formula>`, `<formula>.<step>`) to the beads made for them. */
  id_mapping: Record<string, string>;
  created: number;
  phase: "solid" | "liquid" | "vapor";
  formula: string;
}

function stepType(step: Step): string {
  if (step.children && step.children.length > 0) return "epic";
  const t = (step.type ?? "task").toLowerCase();
  return STEP_TYPES.has(t) ? t : "task";
}

export async function freshRootId(store: LedgerStore, infix: string, seed: string): Promise<string> {
  const prefix = `${await store.prefix()}-${infix}`;
  // generateId wants a synchronous "taken?"; the few candidates it tries are checked first.
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = generateId(prefix, `${seed}|${attempt}`, 6, () => false);
    if (!(await store.getIssue(candidate))) return candidate;
  }
  throw new ValidationError(`could not find a free molecule id under ${prefix}`);
}

/** The id of a formula's persisted proto: `<prefix>-<formula>`. */
export function protoId(prefix: string, formula: string): string {
  const id = `${prefix}-${formula}`;
  const problem = issueIdProblem(id);
  if (problem) throw new ValidationError(`formula "${formula}" cannot name a proto bead: ${problem}`);
  return id;
}

/** Writes the molecule for `cooked` (a runtime-mode cook) and returns what was made. */
export async function pourCooked(
  store: LedgerStore,
  cooked: CookedFormula,
  opts: PourOptions,
): Promise<PourResult> {
  if (cooked.mode !== "runtime" && !opts.proto)
    throw new ValidationError("a molecule is poured from a runtime-mode cook");
  const created = (opts.now ?? new Date()).toISOString();
  const infix = opts.ephemeral ? "wisp" : "mol";
  const rootId = opts.proto
    ? protoId(await store.prefix(), cooked.formula)
    : await freshRootId(
        store,
        infix,
        idSeed(cooked.formula, cooked.description ?? "", opts.actor, new Date(created)),
      );
  const values = cooked.values ?? {};
  const base = (id: string, title: string): Issue => ({
    id,
    title,
    status: "open",
    priority: 2,
    issue_type: "task",
    created_at: created,
    created_by: opts.actor,
    updated_at: created,
    ...(opts.ephemeral ? { ephemeral: true } : {}),
    ...(opts.proto ? { is_template: true } : {}),
    source_formula: cooked.formula,
  });
  const edge = (issue: string, on: string, type: string): Dependency => ({
    issue_id: issue,
    depends_on_id: on,
    type,
    created_at: created,
    created_by: opts.actor,
  });
  const root: Issue = {
    ...base(rootId, values.title ?? cooked.formula),
    issue_type: "molecule",
    description: values.desc ?? cooked.description,
    ...(opts.assignee ? { assignee: opts.assignee } : {}),
    ...(opts.ephemeral && values.wisp_type ? { wisp_type: values.wisp_type } : {}),
  };
  const issues: Issue[] = [root];
  const mapping: Record<string, string> = { [cooked.formula]: rootId };
  if (!opts.rootOnly) {
    const idOf = new Map<string, string>();
    // Every step's id first: a step may need one written after it.
    const name = (steps: readonly Step[]) => {
      for (const s of steps) {
        const id = `${rootId}.${s.id}`;
        const problem = issueIdProblem(id);
        if (problem) throw new ValidationError(`step "${s.id}" cannot be a bead id: ${problem}`);
        idOf.set(s.id, id);
        mapping[`${cooked.formula}.${s.id}`] = id;
        if (s.children) name(s.children);
      }
    };
    name(cooked.steps);
    const make = (steps: readonly Step[], parentId: string) => {
      for (const s of steps) {
        const id = idOf.get(s.id)!;
        const deps = [
          edge(id, parentId, "parent-child"),
          ...(s.needs ?? []).map((n) => edge(id, idOf.get(n)!, "blocks")),
        ];
        const labels = [...(s.labels ?? []), ...(s.waits_for ? [`gate:${s.waits_for}`] : [])];
        const issue: Issue = {
          ...base(id, s.title ?? s.id),
          issue_type: stepType(s),
          ...(s.priority !== undefined ? { priority: s.priority } : {}),
          ...(s.description ? { description: s.description } : {}),
          ...(s.notes ? { notes: s.notes } : {}),
          ...(s.acceptance ? { acceptance_criteria: s.acceptance } : {}),
          ...(s.assignee ? { assignee: s.assignee } : {}),
          ...(labels.length > 0 ? { labels } : {}),
          source_location: s.id,
          dependencies: deps,
        };
        if (s.gate) {
          const gateId = `${parentId}.gate-${s.id}`;
          if ([...idOf.values()].includes(gateId))
            throw new ValidationError(`step "${s.id}": its gate bead ${gateId} would have the id of a step`);
          const awaitId = s.gate.await_id ?? s.gate.id;
          issues.push({
            ...base(gateId, `Gate: ${s.gate.type}${awaitId ? ` ${awaitId}` : ""}`),
            issue_type: "gate",
            description: `Waits before step ${s.id}; close it to let the step go.`,
            await_type: s.gate.type,
            ...(awaitId ? { await_id: awaitId } : {}),
            // beads keeps a gate's timeout in nanoseconds; `bd gate check` passes a due timer.
            ...(s.gate.timeout
              ? { timeout: durationMs(s.gate.timeout, `step "${s.id}" gate timeout`) * 1e6 }
              : {}),
            dependencies: [edge(gateId, parentId, "parent-child")],
          });
          issue.dependencies!.push(edge(id, gateId, "blocks"));
          mapping[`${cooked.formula}.gate-${s.id}`] = gateId;
        }
        issues.push(issue);
        if (s.children) make(s.children, id);
      }
    };
    make(cooked.steps, rootId);
  }
  try {
    await store.createIssues(issues, opts.actor);
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(`pouring ${cooked.formula}: ${e.message}`);
    throw e;
  }
  return {
    new_epic_id: rootId,
    root_id: rootId,
    id_mapping: mapping,
    created: issues.length,
    phase: opts.proto ? "solid" : opts.ephemeral ? "vapor" : "liquid",
    formula: cooked.formula,
  };
}
