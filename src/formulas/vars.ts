// Formula variables: `{{name}}` placeholders, their values (given, else the default), the
// checks a value must pass (required, enum, pattern, type) and step conditions.
import type { VarDef } from "./schema.ts";

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** Replaces `{{name}}` for every name in `values`; an unknown placeholder stays as written. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name]! : whole,
  );
}

/** The placeholder names used in `text`, added to `into` in order of appearance. */
export function placeholdersIn(text: string | undefined, into: Set<string>): void {
  if (!text) return;
  for (const m of text.matchAll(PLACEHOLDER)) into.add(m[1]!);
}

/** The values a cook or pour uses: what was given, else the var's default. */
export function effectiveValues(
  vars: Readonly<Record<string, VarDef>>,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(vars)) if (def.default !== undefined) out[name] = def.default;
  return { ...out, ...given };
}

/** Why `value` is not acceptable for `def`, or undefined when it is. */
export function varProblem(name: string, def: VarDef, value: string): string | undefined {
  if (def.enum && def.enum.length > 0 && !def.enum.includes(value))
    return `var "${name}": "${value}" is not one of ${def.enum.join(", ")}`;
  if (def.pattern !== undefined && !new RegExp(def.pattern, "u").test(value))
    return `var "${name}": "${value}" does not match the pattern ${def.pattern}`;
  const type = def.type?.toLowerCase();
  if ((type === "int" || type === "integer") && !/^-?\d+$/.test(value))
    return `var "${name}": "${value}" is not an integer`;
  if (type === "number" && (value.trim() === "" || !Number.isFinite(Number(value))))
    return `var "${name}": "${value}" is not a number`;
  if ((type === "bool" || type === "boolean") && !/^(true|false)$/i.test(value))
    return `var "${name}": "${value}" is not true or false`;
  return undefined;
}

/** Parses repeated `--var k=v` flags. */
export function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new Error(`--var "${f}" is not key=value`);
    out[f.slice(0, eq)] = f.slice(eq + 1);
  }
  return out;
}

function truthy(value: string | undefined): boolean {
  if (!value) return false;
  return !["false", "0", "no", "off"].includes(value.toLowerCase());
}

/**
 * Evaluates a step condition: `{{v}}` (set and not false/0/no/off), `!{{v}}`, `{{v}} == x`,
 * `{{v}} != x` (x may be quoted). Returns undefined when the condition has another form.
 */
export function evaluateCondition(
  condition: string,
  values: Readonly<Record<string, string>>,
): boolean | undefined {
  const c = condition.trim();
  if (c === "") return true;
  let m = /^\{\{(\w+)\}\}$/.exec(c);
  if (m) return truthy(values[m[1]!]);
  m = /^!\{\{(\w+)\}\}$/.exec(c);
  if (m) return !truthy(values[m[1]!]);
  m = /^\{\{(\w+)\}\}\s*(==|!=)\s*(.+)$/.exec(c);
  if (m) {
    const expected = m[3]!.trim().replace(/^(["'])(.*)\1$/, "$2");
    const actual = values[m[1]!] ?? "";
    return m[2] === "==" ? actual === expected : actual !== expected;
  }
  return undefined;
}
