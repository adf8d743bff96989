// Cooking: a formula resolved (extends, expansions, advice, aspects), its step graph checked
// (unique ids, needs that name steps, no cycle) and, in runtime mode, its vars checked and
// substituted and the steps whose condition is false left out. The result is plain JSON: the
// shape `bd cook` prints and what pouring a molecule will read.
import type { FormulaLibrary } from "./library.ts";
import { type FormulaOrigin, type LoadedFormula, originError, stepError, varOrigin } from "./parse.ts";
import { allSteps, copySteps, resolveFormula, stepNeeds } from "./resolve.ts";
import type { Formula, Step, VarDef } from "./schema.ts";
import { effectiveValues, evaluateCondition, placeholdersIn, substitute, varProblem } from "./vars.ts";

export type CookMode = "compile" | "runtime";

export interface CookOptions {
  /** compile keeps `{{vars}}`; runtime substitutes them. Any given var means runtime. */
  mode?: CookMode | undefined;
  vars?: Readonly<Record<string, string>> | undefined;
}

/** A cooked formula, as `bd cook --json` prints it (see README, "Formulas"). */
export interface CookedFormula {
  formula: string;
  description?: string | undefined;
  version: number;
  type: Formula["type"];
  source: string;
  mode: CookMode;
  vars: Record<string, VarDef>;
  /** Every `{{name}}` the steps use, in order of first use. */
  variables: string[];
  /** Runtime mode: the value each var had (given, else its default). */
  values?: Record<string, string>;
  /** Every step, children nested under their parent; needs and depends_on merged into needs. */
  steps: Step[];
  /** How many steps in all, children included. */
  step_count: number;
  [kept: string]: unknown;
}

/** Checks ids are unique, every need names a step, and no step waits on itself through others. */
export function checkStepGraph(steps: readonly Step[]): void {
  const every = allSteps(steps);
  const byId = new Map<string, Step>();
  for (const s of every) {
    if (byId.has(s.id)) throw stepError(s, `duplicate step id "${s.id}"`, ["id"]);
    byId.set(s.id, s);
  }
  for (const s of every) {
    for (const n of stepNeeds(s)) {
      if (!byId.has(n)) {
        const key = (s.needs ?? []).includes(n) ? "needs" : "depends_on";
        throw stepError(s, `step "${s.id}" needs unknown step "${n}"`, [key], n);
      }
    }
  }
  // Depth-first search with colours; the path in progress names the cycle.
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 1);
    path.push(id);
    for (const n of stepNeeds(byId.get(id)!)) {
      const st = state.get(n);
      if (st === 1) {
        const cycle = [...path.slice(path.indexOf(n)), n];
        throw stepError(byId.get(id)!, `steps form a cycle: ${cycle.join(" -> ")}`, ["needs"], n);
      }
      if (st === undefined) visit(n);
    }
    path.pop();
    state.set(id, 2);
  };
  for (const s of every) if (!state.has(s.id)) visit(s.id);
}

/** Step ids in an order where every step comes after what it needs (stable otherwise). */
export function topologicalOrder(steps: readonly Step[]): string[] {
  const every = allSteps(steps);
  const indegree = new Map(every.map((s) => [s.id, 0]));
  const dependents = new Map<string, string[]>();
  for (const s of every)
    for (const n of stepNeeds(s)) {
      indegree.set(s.id, indegree.get(s.id)! + 1);
      dependents.set(n, [...(dependents.get(n) ?? []), s.id]);
    }
  const order: string[] = [];
  const ready = every.filter((s) => indegree.get(s.id) === 0).map((s) => s.id);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const d of dependents.get(id) ?? []) {
      indegree.set(d, indegree.get(d)! - 1);
      if (indegree.get(d) === 0) ready.push(d);
    }
  }
  return order;
}

/** The `{{name}}`s a formula's steps (and its description, legs, synthesis) use. */
export function usedVariables(f: Formula, steps: readonly Step[]): string[] {
  const used = new Set<string>();
  placeholdersIn(f.description, used);
  for (const s of allSteps(steps)) {
    for (const text of [
      s.title,
      s.description,
      s.notes,
      s.assignee,
      s.acceptance,
      s.condition,
      ...(s.labels ?? []),
    ])
      placeholdersIn(text, used);
    if (s.gate) for (const text of [s.gate.id, s.gate.await_id, s.gate.timeout]) placeholdersIn(text, used);
  }
  return [...used];
}

function substituteStep(s: Step, values: Record<string, string>): Step {
  const out: Step = { ...s };
  for (const k of ["title", "description", "notes", "assignee", "acceptance"] as const)
    if (typeof s[k] === "string") out[k] = substitute(s[k], values);
  if (s.labels) out.labels = s.labels.map((l) => substitute(l, values));
  if (s.gate) {
    out.gate = { ...s.gate };
    for (const k of ["id", "await_id", "timeout"] as const)
      if (s.gate[k] !== undefined) out.gate[k] = substitute(s.gate[k], values);
  }
  if (s.children) out.children = s.children.map((c) => substituteStep(c, values));
  return out;
}

/**
 * Leaves out the steps whose condition is false; a step that needed one of them needs what
 * that step needed instead, so the chain stays unbroken.
 */
function filterByCondition(steps: readonly Step[], values: Record<string, string>): Step[] {
  const dropped = new Map<string, string[]>();
  const keep = (list: readonly Step[]): Step[] =>
    list.flatMap((s) => {
      if (s.condition !== undefined) {
        const ok = evaluateCondition(s.condition, values);
        if (ok === undefined)
          throw stepError(
            s,
            `step "${s.id}": condition "${s.condition}" is not {{v}}, !{{v}}, {{v}} == x or {{v}} != x`,
            ["condition"],
          );
        if (!ok) {
          for (const d of allSteps([s])) dropped.set(d.id, stepNeeds(d));
          return [];
        }
      }
      return [s.children ? { ...s, children: keep(s.children) } : s];
    });
  const kept = keep(steps);
  if (dropped.size === 0) return kept;
  const through = (id: string, seen = new Set<string>()): string[] => {
    if (!dropped.has(id)) return [id];
    if (seen.has(id)) return [];
    seen.add(id);
    return dropped.get(id)!.flatMap((n) => through(n, seen));
  };
  const rewire = (list: Step[]): Step[] =>
    list.map((s) => {
      const needs = [...new Set(stepNeeds(s).flatMap((n) => through(n)))];
      const out: Step = { ...s, needs };
      delete out.depends_on;
      if (s.children) out.children = rewire(s.children);
      return out;
    });
  return rewire(kept);
}

/** needs and depends_on as one `needs` list on every step (what the JSON shows). */
function normalizeNeeds(steps: readonly Step[]): Step[] {
  return steps.map((s) => {
    const out: Step = { ...s, needs: stepNeeds(s) };
    delete out.depends_on;
    if (s.children) out.children = normalizeNeeds(s.children);
    return out;
  });
}

/** Checks runtime values: required vars given, every value passing its enum/pattern/type. */
function checkValues(
  f: Formula,
  origin: FormulaOrigin,
  given: Readonly<Record<string, string>>,
  values: Record<string, string>,
  used: readonly string[],
  steps: readonly Step[],
): void {
  for (const [name, def] of Object.entries(f.vars)) {
    const at = varOrigin(def) ?? origin;
    if (def.required && !Object.hasOwn(given, name))
      throw originError(at, ["vars", name], `var "${name}" is required (give --var ${name}=...)`);
    const value = values[name];
    if (value === undefined) continue;
    const problem = varProblem(name, def, value);
    if (problem) {
      const key =
        def.enum && !def.enum.includes(value) ? "enum" : def.pattern !== undefined ? "pattern" : "type";
      throw originError(at, ["vars", name, key], problem);
    }
  }
  for (const name of used) {
    if (Object.hasOwn(values, name)) continue;
    if (Object.hasOwn(f.vars, name))
      throw originError(
        varOrigin(f.vars[name]!) ?? origin,
        ["vars", name],
        `var "${name}" has no value and no default (give --var ${name}=...)`,
      );
    const placeholder = `{{${name}}}`;
    const user = allSteps(steps).find((s) => JSON.stringify(s).includes(placeholder));
    if (user) {
      const field = Object.keys(user).find(
        (k) => k !== "children" && JSON.stringify(user[k]).includes(placeholder),
      );
      throw stepError(
        user,
        `step "${user.id}" uses ${placeholder}, which has no value (give --var ${name}=...)`,
        [field ?? "id"],
      );
    }
    throw originError(origin, ["description"], `{{${name}}} has no value (give --var ${name}=...)`);
  }
}

export function cookLoaded(
  lib: FormulaLibrary,
  loaded: LoadedFormula,
  opts: CookOptions = {},
): CookedFormula {
  const given = opts.vars ?? {};
  const mode: CookMode = opts.mode ?? (Object.keys(given).length > 0 ? "runtime" : "compile");
  const f = resolveFormula(lib, loaded);
  let steps = copySteps(f.steps);
  if (f.type === "workflow" && steps.length === 0)
    throw originError(loaded.origin, [], `workflow formula "${f.formula}" has no steps`);
  checkStepGraph(steps);
  if (f.template) checkStepGraph(f.template);
  const used = usedVariables(f, steps);
  let values: Record<string, string> | undefined;
  let description = f.description;
  if (mode === "runtime") {
    values = effectiveValues(f.vars, given);
    checkValues(f, loaded.origin, given, values, used, steps);
    steps = filterByCondition(steps, values).map((s) => substituteStep(s, values!));
    if (description !== undefined) description = substitute(description, values);
  }
  steps = normalizeNeeds(steps);
  const { extends: parents, steps: _raw, vars, ...rest } = f;
  const cooked: CookedFormula = {
    ...rest,
    description,
    mode,
    vars,
    variables: used,
    steps,
    step_count: allSteps(steps).length,
  };
  if (parents && parents.length > 0) cooked.extends = parents;
  if (values) cooked.values = values;
  if (description === undefined) delete cooked.description;
  return cooked;
}

/** Loads `nameOrPath` (a name on the search path or a file) and cooks it. */
export function cookFormula(
  lib: FormulaLibrary,
  nameOrPath: string,
  cwd: string,
  opts: CookOptions = {},
): CookedFormula {
  return cookLoaded(lib, lib.loadNameOrPath(nameOrPath, cwd), opts);
}
