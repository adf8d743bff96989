// The ledger's configuration as a file that travels with issues.jsonl: `.beads/config.yaml`,
// where beads keeps its project settings too. The database's config table is the working
// copy; every change is written here, and a database rebuilt from a clone (or a file that
// changed through git) reads it back, so custom types and statuses, the prefix and the
// export setting are never lost with beads.db.
//
// beads edits this file line by line (`key: "value"` at the top level, dotted keys kept
// flat) and reads it with viper, which also accepts nested maps and lists. This reads that
// subset of YAML and edits the same way, so lines bd does not own (comments, beads-only
// settings) stay as they are.

/** Config table key → the key beads uses in config.yaml, where they differ. */
const FILE_KEY: Record<string, string> = { issue_prefix: "issue-prefix" };
const TABLE_KEY: Record<string, string> = { "issue-prefix": "issue_prefix", issue_prefix: "issue_prefix" };

/** Secrets never go to a git-tracked file (as beads refuses them). */
const SECRET_RE = /api[_-]?key|secret|token|password/i;

export function travelsInFile(key: string): boolean {
  return !SECRET_RE.test(key) && /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(key);
}

export const CONFIG_FILE_HEADER = `# beads ledger configuration. bd writes every 'bd config set' here and reads it back when
# .beads/beads.db is rebuilt (a fresh clone): commit it with issues.jsonl.
`;

interface Entry {
  /** The config-table key. */
  key: string;
  value: string;
  /** First and last line (0-based) holding the entry (a block list spans several). */
  first: number;
  last: number;
}

/** A YAML scalar as text, or undefined for forms this reader does not take. */
function scalar(raw: string): string | undefined {
  const v = raw.trim();
  if (v.startsWith('"')) {
    const end = closingQuote(v, '"');
    if (end < 0) return undefined;
    const body = v.slice(0, end + 1);
    try {
      return JSON.parse(body.replace(/\\x([0-9a-fA-F]{2})/g, "\\u00$1")) as string;
    } catch {
      return undefined;
    }
  }
  if (v.startsWith("'")) {
    const end = closingQuote(v, "'");
    return end < 0 ? undefined : v.slice(1, end).replace(/''/g, "'");
  }
  if (v.startsWith("[")) {
    if (!v.endsWith("]")) return undefined;
    const items = v
      .slice(1, -1)
      .split(",")
      .map((s) => scalar(s))
      .filter((s): s is string => s !== undefined && s !== "");
    return items.join(",");
  }
  if (/^[|>{&*!]/.test(v)) return undefined;
  const hash = v.search(/\s#/);
  return (hash >= 0 ? v.slice(0, hash) : v).trim();
}

function closingQuote(v: string, q: string): number {
  for (let i = 1; i < v.length; i++) {
    if (q === '"' && v[i] === "\\") {
      i++;
      continue;
    }
    if (v[i] === q) {
      if (q === "'" && v[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

const KEY_LINE = /^(\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(?:\s+(.*))?$/;
const ITEM_LINE = /^(\s*)-\s+(.*)$/;

function entries(text: string): Entry[] {
  const lines = text.split("\n");
  const out: Entry[] = [];
  // Open maps: indentation and dotted path.
  const stack: Array<{ indent: number; path: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const m = KEY_LINE.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    const name = m[2]!.startsWith('"') || m[2]!.startsWith("'") ? (scalar(m[2]!) ?? "") : m[2]!.trim();
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.path), name].join(".");
    const rest = m[3]?.trim() ?? "";
    if (rest === "" || rest.startsWith("#")) {
      // A map or a block list follows.
      const items: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const l = lines[j]!.replace(/\r$/, "");
        if (!l.trim() || l.trimStart().startsWith("#")) continue;
        const item = ITEM_LINE.exec(l);
        if (!item || item[1]!.length < indent) break;
        const v = scalar(item[2]!);
        if (v !== undefined && v !== "") items.push(v);
      }
      if (items.length > 0) {
        out.push({ key: TABLE_KEY[path] ?? path, value: items.join(","), first: i, last: j - 1 });
        i = j - 1;
      } else {
        stack.push({ indent, path: name });
      }
      continue;
    }
    const value = scalar(rest);
    if (value !== undefined) out.push({ key: TABLE_KEY[path] ?? path, value, first: i, last: i });
  }
  return out;
}

/** The settings a config.yaml holds, under the config table's names. */
export function parseConfigFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  // The first of duplicate keys counts (updateConfigFile comments the others out).
  for (const e of entries(text)) if (travelsInFile(e.key) && !out.has(e.key)) out.set(e.key, e.value);
  return out;
}

/** How beads writes a value: booleans, numbers and durations bare, anything else quoted. */
function formatValue(value: string): string {
  if (value === "true" || value === "false") return value;
  if (/^-?[0-9]+(\.[0-9]+)?[smh]?$/.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * `text` with the settings of `config` (the config table) written in: a changed value
 * replaces its line in place (at whatever nesting), a new key is appended at the top level
 * as beads appends it, and a key the table no longer has is commented out (as `bd config
 * unset` does in beads). Everything else in the file is left as it is.
 */
export function updateConfigFile(text: string, config: Record<string, string>): string {
  const lines = text === "" ? CONFIG_FILE_HEADER.trimEnd().split("\n") : text.split("\n");
  const trailingNewline = text === "" || text.endsWith("\n");
  if (trailingNewline && lines.at(-1) === "") lines.pop();
  const found = entries(lines.join("\n"));
  const seen = new Set<string>();
  const edits: Array<{ first: number; last: number; with: string[] }> = [];
  for (const e of found) {
    if (!travelsInFile(e.key)) continue;
    const duplicate = seen.has(e.key);
    seen.add(e.key);
    const want = duplicate ? undefined : config[e.key];
    if (!duplicate && want === e.value) continue;
    const first = lines[e.first]!;
    const head = KEY_LINE.exec(first.replace(/\r$/, ""));
    const indent = head?.[1] ?? "";
    const name = head?.[2] ?? FILE_KEY[e.key] ?? e.key;
    if (want === undefined) {
      const block = lines.slice(e.first, e.last + 1).map((l) => `${indent}# ${l.trimStart()}`);
      edits.push({ first: e.first, last: e.last, with: block });
    } else {
      edits.push({ first: e.first, last: e.last, with: [`${indent}${name}: ${formatValue(want)}`] });
    }
  }
  for (const edit of edits.sort((a, b) => b.first - a.first)) {
    lines.splice(edit.first, edit.last - edit.first + 1, ...edit.with);
  }
  const added = Object.keys(config)
    .filter((k) => travelsInFile(k) && !seen.has(k))
    .sort();
  if (added.length > 0 && lines.length > 0 && lines.at(-1) !== "" && !lines.at(-1)!.startsWith("#"))
    lines.push("");
  for (const k of added) lines.push(`${FILE_KEY[k] ?? k}: ${formatValue(config[k]!)}`);
  return `${lines.join("\n")}\n`;
}
