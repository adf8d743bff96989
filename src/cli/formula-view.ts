// What `bd formula list/show` and `gt formula list/show` share: the search path for the
// directory a command runs in, the --json shapes, and the human layouts.
import { homedir } from "node:os";
import { join } from "node:path";
import { FormulaLibrary, formulaSearchPath, type ListedFormula } from "../formulas/library.ts";
import { allSteps, copySteps } from "../formulas/resolve.ts";
import type { Formula, Step } from "../formulas/schema.ts";
import { findLedger } from "../ledger/discovery.ts";
import { builtinFormulasDir } from "../package-paths.ts";
import { findTownRoot } from "../town/workspace.ts";
import { jsonText } from "./bd/context.ts";

/** bd's --json text (a single object with sorted keys and schema_version), for gt as well. */
export function formulaJson(value: unknown): string {
  return `${jsonText(value)}\n`;
}

/** The library for a command run in `cwd`: rig, town, ~/.beads, built-ins. */
export function formulaLibraryFor(cwd: string, env: NodeJS.ProcessEnv): FormulaLibrary {
  return new FormulaLibrary(
    formulaSearchPath({
      // No ledger yet: the directory's own .beads/formulas still counts (as in beads).
      rigBeadsDir: findLedger(cwd, env)?.beadsDir ?? join(cwd, ".beads"),
      townRoot: findTownRoot(cwd, env),
      home: env.HOME || homedir(),
      builtin: builtinFormulasDir(),
    }),
  );
}

/** One row of `formula list --json` (beads' shape). */
export interface FormulaListEntry {
  name: string;
  type: string;
  /** The first line of the description. */
  description: string;
  /** The file it was loaded from. */
  source: string;
  /** Steps the file writes, children included; for a convoy its legs and the synthesis. */
  steps: number;
  vars: number;
}

export function countSteps(f: Formula): number {
  if (f.steps && f.steps.length > 0) return allSteps(f.steps).length;
  if (f.type === "convoy") return (f.legs?.length ?? 0) + (f.synthesis ? 1 : 0);
  if (f.type === "expansion") return allSteps(f.template ?? []).length;
  return f.aspects?.length ?? 0;
}

export function listEntry(f: Formula): FormulaListEntry {
  return {
    name: f.formula,
    type: f.type,
    description: (f.description ?? "").split("\n")[0]!.trim(),
    source: f.source,
    steps: countSteps(f),
    vars: Object.keys(f.vars).length,
  };
}

export interface FormulaListing {
  entries: FormulaListEntry[];
  /** Files on the search path that failed to load ("<file>:<line>: <problem>"). */
  broken: string[];
}

export function listFormulas(lib: FormulaLibrary, type?: string): FormulaListing {
  const items: ListedFormula[] = lib.list();
  const broken = items.filter((i) => i.error).map((i) => i.error!);
  const entries = items
    .filter((i) => i.loaded && (type === undefined || i.loaded.formula.type === type))
    .map((i) => listEntry(i.loaded!.formula));
  return { entries, broken };
}

const TYPE_ORDER = ["workflow", "expansion", "aspect", "convoy"] as const;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function listText(entries: readonly FormulaListEntry[], dirs: readonly string[]): string {
  if (entries.length === 0)
    return ["No formulas found.", "", "Search path:", ...dirs.map((d) => `  ${d}`)].join("\n");
  const out = [`Formulas (${entries.length} found)`];
  for (const t of TYPE_ORDER) {
    const group = entries.filter((e) => e.type === t);
    if (group.length === 0) continue;
    out.push("", `${t[0]!.toUpperCase()}${t.slice(1)}:`);
    for (const e of group) {
      const vars = e.vars > 0 ? ` (${e.vars} vars)` : "";
      out.push(`  ${e.name.padEnd(32)} ${clip(e.description, 60)}${vars}`);
    }
  }
  return out.join("\n");
}

function stepTree(steps: readonly Step[], indent: string, out: string[]): void {
  for (const s of steps) {
    const needs = [...(s.needs ?? []), ...(s.depends_on ?? [])];
    const after = needs.length > 0 ? `  (needs ${needs.join(", ")})` : "";
    out.push(`${indent}${s.id}: ${s.title ?? ""}${after}`);
    if (s.children) stepTree(s.children, `${indent}  `, out);
  }
}

export function showText(f: Formula): string {
  const out = [f.formula, `  Type: ${f.type}  Version: ${f.version}`];
  if (f.description) out.push(`  Description: ${f.description.split("\n")[0]!.trim()}`);
  out.push(`  Source: ${f.source}`);
  if (f.extends?.length) out.push("", "Extends:", ...f.extends.map((e) => `  ${e}`));
  const names = Object.keys(f.vars).sort();
  if (names.length > 0) {
    out.push("", "Variables:");
    for (const name of names) {
      const v = f.vars[name]!;
      const attrs = [
        v.required ? "required" : "",
        v.default !== undefined ? `default=${JSON.stringify(v.default)}` : "",
        v.enum?.length ? `enum=[${v.enum.join(",")}]` : "",
        v.pattern !== undefined ? `pattern=${JSON.stringify(v.pattern)}` : "",
      ].filter(Boolean);
      out.push(
        `  {{${name}}}${v.description ? `: ${v.description}` : ""}${attrs.length ? ` [${attrs.join(", ")}]` : ""}`,
      );
    }
  }
  if (f.steps?.length) {
    out.push("", `Steps (${allSteps(f.steps).length}):`);
    stepTree(copySteps(f.steps), "  ", out);
  }
  if (f.template?.length) {
    out.push("", `Template (${f.template.length} steps):`);
    stepTree(f.template, "  ", out);
  }
  if (f.legs?.length) {
    out.push("", `Legs (${f.legs.length}):`);
    for (const l of f.legs) out.push(`  ${l.id}: ${l.title ?? ""}`);
    if (f.synthesis)
      out.push(
        `  synthesis: ${f.synthesis.title ?? ""}  (needs ${(f.synthesis.depends_on ?? f.legs.map((l) => l.id)).join(", ")})`,
      );
  }
  if (f.presets && Object.keys(f.presets).length > 0)
    out.push(
      "",
      "Presets:",
      ...Object.entries(f.presets).map(([n, p]) => `  ${n}: ${(p.legs ?? []).join(", ")}`),
    );
  if (f.advice?.length) {
    out.push("", "Advice:");
    for (const a of f.advice) {
      const parts = [
        a.before ? `before: ${a.before.id}` : "",
        a.after ? `after: ${a.after.id}` : "",
        a.around ? "around" : "",
      ].filter(Boolean);
      out.push(`  ${a.target} -> ${parts.join(", ")}`);
    }
  }
  if (f.pointcuts?.length) out.push("", "Pointcuts:", ...f.pointcuts.map((p) => `  ${JSON.stringify(p)}`));
  const c = f.compose;
  if (c && (c.expand?.length || c.map?.length || c.aspects?.length)) {
    out.push("", "Composition:");
    for (const e of c.expand ?? []) out.push(`  expand ${e.target} with ${e.with}`);
    for (const m of c.map ?? []) out.push(`  map ${m.select} with ${m.with}`);
    if (c.aspects?.length) out.push(`  aspects: ${c.aspects.join(", ")}`);
  }
  return out.join("\n");
}
