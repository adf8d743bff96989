// Reading one formula file: TOML (smol-toml) or JSON, checked against the schema, with the
// defaults filled in (version 1, vars in table form, the type inferred from the content as
// Gas Town does). Every error is one line: "<file>:<line>: <problem>".
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { GasTownError } from "../errors.ts";
import type * as z from "../schema.ts";
import { indexJson, indexToml, JsonSyntaxError, type KeyPath, type LineIndex } from "./locate.ts";
import { type Formula, type FormulaType, formulaFileSchema, type Step, type VarDef } from "./schema.ts";

export const TOML_SUFFIX = ".formula.toml";
export const JSON_SUFFIX = ".formula.json";

/** A formula file that cannot be used, or a formula that cannot be cooked as asked. */
export class FormulaError extends GasTownError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, problem: string) {
    super("formula_invalid", `${line === undefined ? file : `${file}:${line}`}: ${problem}`);
    this.file = file;
    this.line = line;
  }
}

/** Where each part of a loaded formula was written: its file and the lines of its keys. */
export interface FormulaOrigin {
  file: string;
  lines: LineIndex;
}

export interface LoadedFormula {
  formula: Formula;
  origin: FormulaOrigin;
}

/**
 * The file and key path each step object came from. Steps are copied as formulas are
 * resolved (extends, expansions, advice); the copies keep their origin, so an error found
 * after resolution still names the file and line that wrote the step.
 */
const stepOrigins = new WeakMap<object, { origin: FormulaOrigin; path: KeyPath }>();

/** The file each var definition was written in (a var may come from a parent formula). */
const varOrigins = new WeakMap<object, FormulaOrigin>();

export function varOrigin(def: object): FormulaOrigin | undefined {
  return varOrigins.get(def);
}

export function setStepOrigin(step: object, origin: FormulaOrigin, path: KeyPath): void {
  stepOrigins.set(step, { origin, path });
}

export function copyStepOrigin(from: object, to: object): void {
  const o = stepOrigins.get(from);
  if (o) stepOrigins.set(to, o);
}

/** An error about a step, at the line that wrote it (or the key under it). */
export function stepError(step: object, problem: string, under: KeyPath = [], value?: string): FormulaError {
  const o = stepOrigins.get(step);
  if (!o) return new FormulaError("(formula)", undefined, problem);
  return new FormulaError(o.origin.file, o.origin.lines.lineOf([...o.path, ...under], value), problem);
}

export function originError(
  origin: FormulaOrigin,
  path: KeyPath,
  problem: string,
  value?: string,
): FormulaError {
  return new FormulaError(origin.file, origin.lines.lineOf(path, value), problem);
}

/** Line maps are only needed for an error: built on the first question, not on every load. */
function lazyLines(build: () => LineIndex): LineIndex {
  let index: LineIndex | undefined;
  return {
    lineOf(path, value) {
      index ??= build();
      return index.lineOf(path, value);
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.map(String).join(".") : "the file";
  return `${key}: ${issue.message}`;
}

/** Gas Town leaves `type` out of most files; what the content says it is. */
function inferType(raw: Record<string, unknown>): FormulaType {
  const has = (k: string) => Array.isArray(raw[k]) && (raw[k] as unknown[]).length > 0;
  if (raw.extends !== undefined || raw.compose !== undefined || has("steps")) return "workflow";
  if (has("legs")) return "convoy";
  if (has("template")) return "expansion";
  if (has("aspects") || has("advice")) return "aspect";
  return "workflow";
}

function tagSteps(steps: Step[] | undefined, origin: FormulaOrigin, path: KeyPath): void {
  steps?.forEach((s, i) => {
    setStepOrigin(s, origin, [...path, i]);
    tagSteps(s.children, origin, [...path, i, "children"]);
  });
}

/** Parses the text of one formula file; `file` names it in errors and decides the format. */
export function parseFormula(text: string, file: string): LoadedFormula {
  const source = resolve(file);
  let raw: unknown;
  let lines: LineIndex;
  if (file.endsWith(".json")) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      // JSON.parse does not say which line; the strict scanner does.
      try {
        indexJson(text);
      } catch (located) {
        if (located instanceof JsonSyntaxError)
          throw new FormulaError(file, located.line, `not valid JSON: ${located.message}`);
      }
      throw new FormulaError(file, undefined, `not valid JSON: ${(e as Error).message}`);
    }
    lines = lazyLines(() => indexJson(text));
  } else {
    try {
      raw = parseToml(text);
    } catch (e) {
      if (e instanceof TomlError) {
        const problem = e.message.replace(/^Invalid TOML document:\s*/, "").split("\n")[0]!;
        throw new FormulaError(file, e.line, `TOML syntax error: ${problem}`);
      }
      throw e;
    }
    lines = lazyLines(() => indexToml(text));
  }
  const origin: FormulaOrigin = { file, lines };
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new FormulaError(file, 1, "a formula file holds one table (object)");
  const checked = formulaFileSchema().safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new FormulaError(file, lines.lineOf(issue.path as KeyPath), describeIssue(issue));
  }
  const f = checked.data;
  const vars: Record<string, VarDef> = {};
  for (const [name, v] of Object.entries(f.vars ?? {})) {
    vars[name] = typeof v === "string" ? { default: v } : v;
    varOrigins.set(vars[name], origin);
  }
  for (const [name, v] of Object.entries(vars)) {
    if (v.pattern !== undefined) {
      try {
        new RegExp(v.pattern, "u");
      } catch {
        throw originError(
          origin,
          ["vars", name, "pattern"],
          `var "${name}": pattern is not a valid regular expression`,
        );
      }
    }
  }
  const formula: Formula = {
    ...f,
    version: f.version ?? 1,
    type: f.type ?? inferType(raw as Record<string, unknown>),
    vars,
    source,
  };
  tagSteps(formula.steps, origin, ["steps"]);
  tagSteps(formula.template, origin, ["template"]);
  return { formula, origin };
}

export function readFormulaFile(file: string): LoadedFormula {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormulaError(file, undefined, code === "ENOENT" ? "no such file" : `cannot read (${code})`);
  }
  return parseFormula(text, file);
}
