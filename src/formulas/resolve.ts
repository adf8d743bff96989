// Resolving a formula into its full list of steps, in the order beads cooks:
//   1. extends: the parents' steps (in order), the child replacing a parent's step of the
//      same id in place and appending its new ones; vars, compose and advice merged;
//   2. the formula's own advice;
//   3. inline `expand` on a step, then compose.expand and compose.map (an expansion
//      formula's template replaces the target step);
//   4. compose.aspects (each aspect formula's advice, where its pointcuts allow);
//   5. a convoy's legs and synthesis (or Gas Town's analysis aspects) as steps.
// Wiring, where beads and this code differ on purpose: a step inserted before a target
// takes over the target's needs (it runs where the target would have), and the steps
// that needed a target now need the last step inserted after it; an expansion's first
// steps take the target's needs and the steps that needed the target need all of the
// expansion's last steps. So the inserted steps really sit between their neighbours.
import type { FormulaLibrary } from "./library.ts";
import {
  copyStepOrigin,
  type FormulaOrigin,
  type LoadedFormula,
  originError,
  setStepOrigin,
  stepError,
} from "./parse.ts";
import type { Advice, AdviceStep, Compose, Formula, Pointcut, Step } from "./schema.ts";

/** How deep expansions may nest (an expansion whose template expands again). */
const MAX_EXPANSION_DEPTH = 5;

/** needs and depends_on are one list once resolved. */
export function stepNeeds(step: Step): string[] {
  const all = [...(step.needs ?? []), ...(step.depends_on ?? [])];
  return [...new Set(all)];
}

function withNeeds(step: Step, needs: string[]): Step {
  const copy: Step = { ...step, needs };
  delete copy.depends_on;
  copyStepOrigin(step, copy);
  return copy;
}

function withChildren(step: Step, children: Step[]): Step {
  const copy: Step = { ...step, children };
  copyStepOrigin(step, copy);
  return copy;
}

/** A deep copy of a step list (children too), keeping each step's origin. */
export function copySteps(steps: readonly Step[] | undefined): Step[] {
  return (steps ?? []).map((s) => {
    const copy: Step = { ...s };
    if (s.needs) copy.needs = [...s.needs];
    if (s.depends_on) copy.depends_on = [...s.depends_on];
    if (s.labels) copy.labels = [...s.labels];
    if (s.children) copy.children = copySteps(s.children);
    copyStepOrigin(s, copy);
    return copy;
  });
}

/** Every step, children after their parent (depth first). */
export function allSteps(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  const walk = (list: readonly Step[]) => {
    for (const s of list) {
      out.push(s);
      if (s.children) walk(s.children);
    }
  };
  walk(steps);
  return out;
}

/** Rewrites every step's needs (children too) through `f`. */
function mapAllNeeds(steps: readonly Step[], f: (step: Step, needs: string[]) => string[]): Step[] {
  return steps.map((s) => {
    const copy = withNeeds(s, [...new Set(f(s, stepNeeds(s)))]);
    if (s.children) copy.children = mapAllNeeds(s.children, f);
    return copy;
  });
}

/** Glob over step ids: `*` any run of characters, `?` one character, else exact. */
export function matchGlob(pattern: string, id: string): boolean {
  if (pattern === "*") return true;
  if (!/[*?]/.test(pattern)) return pattern === id;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(id);
}

// ---------------------------------------------------------------------------------------
// extends

function mergeById(base: readonly Step[], over: readonly Step[]): Step[] {
  const out = [...base];
  for (const s of over) {
    const at = out.findIndex((b) => b.id === s.id);
    if (at >= 0) out[at] = s;
    else out.push(s);
  }
  return out;
}

function mergeListById<T extends { id: string }>(
  base: T[] | undefined,
  over: T[] | undefined,
): T[] | undefined {
  if (!base) return over;
  if (!over) return base;
  const out = [...base];
  for (const item of over) {
    const at = out.findIndex((b) => b.id === item.id);
    if (at >= 0) out[at] = item;
    else out.push(item);
  }
  return out;
}

function mergeCompose(base: Compose | undefined, over: Compose | undefined): Compose | undefined {
  if (!base) return over;
  if (!over) return base;
  return {
    ...base,
    ...over,
    expand: [...(base.expand ?? []), ...(over.expand ?? [])],
    map: [...(base.map ?? []), ...(over.map ?? [])],
    aspects: [...new Set([...(base.aspects ?? []), ...(over.aspects ?? [])])],
  };
}

const RECORD_KEYS = ["inputs", "prompts", "presets"] as const;

/** The formula with its parents merged in (recursively); its own fields win. */
export function applyExtends(lib: FormulaLibrary, loaded: LoadedFormula, chain: string[] = []): Formula {
  const f = loaded.formula;
  if (chain.includes(f.formula))
    throw originError(loaded.origin, ["extends"], `extends cycle: ${[...chain, f.formula].join(" -> ")}`);
  if (!f.extends || f.extends.length === 0) return f;
  let merged: Formula | undefined;
  f.extends.forEach((parentName, i) => {
    let parentLoaded: LoadedFormula;
    try {
      parentLoaded = lib.load(parentName);
    } catch (e) {
      if ((e as { code?: string }).code === "formula_invalid" && lib.find(parentName)) throw e;
      throw originError(
        loaded.origin,
        ["extends", i],
        `extends an unknown formula "${parentName}"`,
        parentName,
      );
    }
    const parent = applyExtends(lib, parentLoaded, [...chain, f.formula]);
    if (!merged) {
      merged = { ...parent, steps: copySteps(parent.steps), vars: { ...parent.vars } };
      return;
    }
    merged = {
      ...parent,
      ...merged,
      vars: { ...parent.vars, ...merged.vars },
      steps: mergeById(merged.steps ?? [], copySteps(parent.steps)),
      template: mergeListById(merged.template, parent.template),
      legs: mergeListById(merged.legs, parent.legs),
      compose: mergeCompose(merged.compose, parent.compose),
      advice: [...(merged.advice ?? []), ...(parent.advice ?? [])],
      pointcuts: [...(merged.pointcuts ?? []), ...(parent.pointcuts ?? [])],
    };
  });
  const base = merged!;
  const out: Formula = {
    ...base,
    ...f,
    vars: { ...base.vars, ...f.vars },
    steps: mergeById(base.steps ?? [], f.steps ?? []),
    template: mergeListById(base.template, f.template),
    legs: mergeListById(base.legs, f.legs),
    compose: mergeCompose(base.compose, f.compose),
    advice: [...(base.advice ?? []), ...(f.advice ?? [])],
    pointcuts: [...(base.pointcuts ?? []), ...(f.pointcuts ?? [])],
  };
  for (const k of RECORD_KEYS) {
    const b = base[k] as Record<string, unknown> | undefined;
    const c = f[k] as Record<string, unknown> | undefined;
    if (b || c) (out as Record<string, unknown>)[k] = { ...b, ...c };
  }
  // A child that says nothing of its description, pour or phase inherits them.
  for (const k of ["description", "pour", "phase", "squash", "review_only", "agent"] as const)
    if (f[k] === undefined && base[k] !== undefined) (out as Record<string, unknown>)[k] = base[k];
  if (out.advice?.length === 0) delete out.advice;
  if (out.pointcuts?.length === 0) delete out.pointcuts;
  return out;
}

// ---------------------------------------------------------------------------------------
// advice

function adviceText(text: string | undefined, target: Step): string | undefined {
  return text?.replaceAll("{step.id}", target.id).replaceAll("{step.title}", target.title ?? target.id);
}

function stepFromAdvice(
  a: AdviceStep,
  target: Step,
  origin: { origin: FormulaOrigin; path: (string | number)[] },
): Step {
  const { id, title, description, ...rest } = a;
  const newId = adviceText(id, target)!;
  const step: Step = { ...rest, id: newId, title: adviceText(title, target) ?? newId };
  const d = adviceText(description, target);
  if (d !== undefined) step.description = d;
  setStepOrigin(step, origin.origin, origin.path);
  return step;
}

/**
 * Inserts advice steps before and after the steps that match (children included). Only the
 * steps present before this call are matched, so advice never matches its own steps.
 */
export function applyAdvice(
  steps: readonly Step[],
  advice: readonly Advice[],
  origin: FormulaOrigin,
  pointcuts: readonly Pointcut[] = [],
): Step[] {
  if (advice.length === 0) return [...steps];
  const original = new Set(allSteps(steps).map((s) => s.id));
  const after = new Map<string, string>(); // target id -> the last step inserted after it
  const inserted = new Set<string>();
  const applies = (s: Step) =>
    pointcuts.length === 0 ||
    pointcuts.some(
      (p) =>
        (p.glob === undefined || matchGlob(p.glob, s.id)) &&
        (p.type === undefined || (s.type ?? "task") === p.type) &&
        (p.label === undefined || (s.labels ?? []).includes(p.label)),
    );
  const walk = (list: readonly Step[]): Step[] => {
    const out: Step[] = [];
    for (const step of list) {
      if (!original.has(step.id) || !applies(step)) {
        out.push(step.children ? withChildren(step, walk(step.children)) : step);
        continue;
      }
      const befores: Step[] = [];
      const afters: Step[] = [];
      advice.forEach((rule, r) => {
        if (!matchGlob(rule.target, step.id)) return;
        const at = (key: string, i?: number) => ({
          origin,
          path: i === undefined ? ["advice", r, key] : ["advice", r, "around", key, i],
        });
        if (rule.before) befores.push(stepFromAdvice(rule.before, step, at("before")));
        rule.around?.before?.forEach((a, i) => {
          befores.push(stepFromAdvice(a, step, at("before", i)));
        });
        if (rule.after) afters.push(stepFromAdvice(rule.after, step, at("after")));
        rule.around?.after?.forEach((a, i) => {
          afters.push(stepFromAdvice(a, step, at("after", i)));
        });
      });
      let targetNeeds = stepNeeds(step);
      befores.forEach((b, i) => {
        const chained = withNeeds(b, i === 0 ? targetNeeds : [befores[i - 1]!.id]);
        befores[i] = chained;
      });
      if (befores.length > 0) targetNeeds = [befores[befores.length - 1]!.id];
      afters.forEach((a, i) => {
        afters[i] = withNeeds(a, [i === 0 ? step.id : afters[i - 1]!.id]);
      });
      const target = withNeeds(step, targetNeeds);
      if (step.children) target.children = walk(step.children);
      for (const s of [...befores, ...afters]) inserted.add(s.id);
      if (afters.length > 0) after.set(step.id, afters[afters.length - 1]!.id);
      out.push(...befores, target, ...afters);
    }
    return out;
  };
  const placed = walk(steps);
  if (after.size === 0) return placed;
  return mapAllNeeds(placed, (s, needs) =>
    inserted.has(s.id) ? needs : needs.map((n) => after.get(n) ?? n),
  );
}

// ---------------------------------------------------------------------------------------
// expansions

function expansionText(
  text: string | undefined,
  target: Step,
  vars: Record<string, string>,
): string | undefined {
  if (text === undefined) return undefined;
  const out = text
    .replaceAll("{target}", target.id)
    .replaceAll("{target.id}", target.id)
    .replaceAll("{target.title}", target.title ?? target.id)
    .replaceAll("{target.description}", target.description ?? "");
  // {name} (single braces) are the expansion's own vars; {{name}} belong to the formula.
  return out.replace(/(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g, (whole, name: string) =>
    Object.hasOwn(vars, name) ? vars[name]! : whole,
  );
}

function instantiateTemplate(template: readonly Step[], target: Step, vars: Record<string, string>): Step[] {
  return template.map((t) => {
    const s: Step = { ...t, id: expansionText(t.id, target, vars)! };
    for (const k of ["title", "description", "notes", "acceptance", "assignee"] as const) {
      const v = expansionText(t[k], target, vars);
      if (v !== undefined) s[k] = v;
    }
    if (t.needs) s.needs = t.needs.map((n) => expansionText(n, target, vars)!);
    if (t.depends_on) s.depends_on = t.depends_on.map((n) => expansionText(n, target, vars)!);
    if (t.labels) s.labels = t.labels.map((n) => expansionText(n, target, vars)!);
    if (t.children) s.children = instantiateTemplate(t.children, target, vars);
    copyStepOrigin(t, s);
    return s;
  });
}

interface ExpansionSource {
  /** An error at the line that asks for the expansion. */
  at: (problem: string) => Error;
  name: string;
  vars: Record<string, string> | undefined;
}

function loadExpansion(lib: FormulaLibrary, src: ExpansionSource): Formula {
  let f: Formula;
  try {
    f = applyExtends(lib, lib.load(src.name));
  } catch (e) {
    if ((e as { code?: string }).code === "formula_invalid" && lib.find(src.name)) throw e;
    throw src.at(`expands an unknown formula "${src.name}"`);
  }
  if (!f.template || f.template.length === 0)
    throw src.at(`"${src.name}" is a ${f.type} formula with no template, not an expansion`);
  return f;
}

/** Replaces the step `targetId` (anywhere in the tree) by the expansion's steps. */
function expandOne(
  steps: Step[],
  target: Step,
  expansion: Formula,
  ruleVars: Record<string, string> | undefined,
): Step[] {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(expansion.vars)) if (v.default !== undefined) vars[k] = v.default;
  Object.assign(vars, ruleVars ?? {});
  const made = instantiateTemplate(expansion.template!, target, vars);
  const ids = new Set(made.map((s) => s.id));
  const needed = new Set(made.flatMap((s) => stepNeeds(s)));
  const sinks = made.filter((s) => !needed.has(s.id)).map((s) => s.id);
  const targetNeeds = stepNeeds(target);
  const wired = made.map((s) => {
    const own = stepNeeds(s);
    const isRoot = !own.some((n) => ids.has(n));
    return withNeeds(s, isRoot ? [...targetNeeds, ...own] : own);
  });
  const replace = (list: Step[]): Step[] =>
    list.flatMap((s) => {
      if (s === target) return wired;
      return s.children ? [withChildren(s, replace(s.children))] : [s];
    });
  return mapAllNeeds(replace(steps), (s, needs) =>
    ids.has(s.id) ? needs : needs.flatMap((n) => (n === target.id ? sinks : [n])),
  );
}

function applyInlineExpansions(lib: FormulaLibrary, steps: Step[], depth = 0): Step[] {
  let out = steps;
  for (;;) {
    const next = allSteps(out).find((s) => s.expand);
    if (!next) return out;
    if (depth > MAX_EXPANSION_DEPTH * 100) throw stepError(next, "expansions nest too deep");
    const expansion = loadExpansion(lib, {
      name: next.expand!,
      vars: next.expand_vars,
      at: (problem) => stepError(next, `step "${next.id}" ${problem}`, ["expand"]),
    });
    out = expandOne(out, next, expansion, next.expand_vars);
    depth++;
  }
}

function applyComposeExpansions(
  lib: FormulaLibrary,
  f: Formula,
  steps: Step[],
  origin: FormulaOrigin,
): Step[] {
  let out = steps;
  const done = new Set<string>();
  f.compose?.expand?.forEach((rule, i) => {
    const target = allSteps(out).find((s) => s.id === rule.target);
    if (!target)
      throw originError(
        origin,
        ["compose", "expand", i, "target"],
        `compose.expand: no step "${rule.target}"`,
      );
    if (done.has(rule.target)) return;
    const expansion = loadExpansion(lib, {
      name: rule.with,
      vars: rule.vars,
      at: (problem) => originError(origin, ["compose", "expand", i, "with"], `compose.expand ${problem}`),
    });
    out = expandOne(out, target, expansion, rule.vars);
    done.add(rule.target);
  });
  f.compose?.map?.forEach((rule, i) => {
    const expansion = loadExpansion(lib, {
      name: rule.with,
      vars: rule.vars,
      at: (problem) => originError(origin, ["compose", "map", i, "with"], `compose.map ${problem}`),
    });
    const targets = allSteps(out).filter((s) => matchGlob(rule.select, s.id) && !done.has(s.id));
    for (const t of targets) {
      const current = allSteps(out).find((s) => s.id === t.id);
      if (!current) continue;
      out = expandOne(out, current, expansion, rule.vars);
      done.add(t.id);
    }
  });
  return out;
}

function applyAspects(lib: FormulaLibrary, f: Formula, steps: Step[], origin: FormulaOrigin): Step[] {
  let out = steps;
  f.compose?.aspects?.forEach((name, i) => {
    let aspect: LoadedFormula;
    try {
      aspect = lib.load(name);
    } catch (e) {
      if ((e as { code?: string }).code === "formula_invalid" && lib.find(name)) throw e;
      throw originError(
        origin,
        ["compose", "aspects", i],
        `compose.aspects: unknown formula "${name}"`,
        name,
      );
    }
    const a = applyExtends(lib, aspect);
    if (a.type !== "aspect")
      throw originError(
        origin,
        ["compose", "aspects", i],
        `compose.aspects: "${name}" is a ${a.type} formula, not an aspect`,
        name,
      );
    out = applyAdvice(out, a.advice ?? [], aspect.origin, a.pointcuts ?? []);
  });
  return out;
}

/** A convoy's legs run in parallel; its synthesis needs them (all, unless it names some). */
function convoySteps(f: Formula): Step[] {
  const legs = f.legs ?? [];
  const steps: Step[] = legs.map((leg) => {
    const { id, title, ...rest } = leg;
    return { ...rest, id, title: title ?? id, kind: "leg" };
  });
  if (f.synthesis) {
    const { depends_on, title, ...rest } = f.synthesis;
    steps.push({
      ...rest,
      id: "synthesis",
      title: title ?? "Synthesis",
      needs: depends_on ?? legs.map((l) => l.id),
      kind: "synthesis",
    });
  }
  return steps;
}

/** Gas Town's analysis aspects are parallel steps, like convoy legs without a synthesis. */
function analysisAspectSteps(f: Formula): Step[] {
  return (f.aspects ?? []).map((a) => {
    const { id, title, ...rest } = a;
    return { ...rest, id, title: title ?? id, kind: "aspect" };
  });
}

/** The formula with extends, advice, expansions and aspects applied to its steps. */
export function resolveFormula(lib: FormulaLibrary, loaded: LoadedFormula): Formula {
  const f = applyExtends(lib, loaded);
  let steps = copySteps(f.steps);
  if (steps.length === 0 && f.type === "convoy") steps = convoySteps(f);
  if (steps.length === 0 && f.type === "aspect") steps = analysisAspectSteps(f);
  // An aspect formula's advice is for others; applied to its own (analysis) steps it would
  // match nothing useful, so only workflows apply their own advice.
  if (f.type !== "aspect") steps = applyAdvice(steps, f.advice ?? [], loaded.origin);
  steps = applyInlineExpansions(lib, steps);
  steps = applyComposeExpansions(lib, f, steps, loaded.origin);
  steps = applyAspects(lib, f, steps, loaded.origin);
  return { ...f, steps };
}
