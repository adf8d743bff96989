// Line numbers for errors. The TOML and JSON parsers give positions for syntax errors only;
// a problem found later (an unknown step in needs, a cycle, a var that fails its pattern)
// must still name the line. These scanners map each key's path ("steps.2.needs") to the
// line it is written on, so an error points at the value a person has to change.

export type KeyPath = readonly (string | number)[];

export interface LineIndex {
  /** The line of `path`, or of the nearest enclosing key that has one; 1 when none. */
  lineOf(path: KeyPath, value?: string): number;
}

const pathKey = (path: KeyPath) => path.map(String).join(".");

class MappedLines implements LineIndex {
  readonly lines: Map<string, number>;
  readonly text: string[];
  constructor(lines: Map<string, number>, text: string) {
    this.lines = lines;
    this.text = text.split("\n");
  }
  lineOf(path: KeyPath, value?: string): number {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(pathKey(path.slice(0, n)));
      if (line === undefined) continue;
      // A value inside an array written over several lines: find it from the key's line.
      if (value !== undefined) {
        const quoted = [`"${value}"`, `'${value}'`];
        for (let i = line - 1; i < this.text.length && i < line + 200; i++) {
          if (quoted.some((q) => this.text[i]!.includes(q))) return i + 1;
        }
      }
      return line;
    }
    return 1;
  }
}

/** Splits a dotted TOML key (`a."b.c".d`) into its parts. */
function tomlKeyParts(key: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/y;
  re.lastIndex = 0;
  while (re.lastIndex < key.length) {
    const m = re.exec(key);
    if (!m || m[0].length === 0) break;
    parts.push(m[1] ?? m[2] ?? m[3] ?? "");
  }
  return parts;
}

/**
 * Maps the key paths of a TOML document to lines: table headers, array-of-tables headers
 * (numbered in order, nested ones under the current element) and key assignments. It skips
 * the inside of multi-line strings. Inline tables are indexed by their key only.
 */
export function indexToml(text: string): LineIndex {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  const arrayTables = new Set<string>();
  let table: string[] = [];
  let inString: '"""' | "'''" | undefined;
  const record = (path: string[], line: number) => {
    const k = path.join(".");
    if (!lines.has(k)) lines.set(k, line);
  };
  // The concrete path of a header's parts: each part that is an array of tables stands for
  // its last element so far.
  const concrete = (parts: string[]): string[] => {
    const out: string[] = [];
    const plain: string[] = [];
    for (const p of parts) {
      plain.push(p);
      out.push(p);
      const name = plain.join(".");
      if (arrayTables.has(name)) out.push(String(arrayCounts.get(name)! - 1));
    }
    return out;
  };
  const src = text.split("\n");
  for (let i = 0; i < src.length; i++) {
    const raw = src[i]!;
    const lineNo = i + 1;
    if (inString) {
      if (raw.includes(inString)) inString = undefined;
      continue;
    }
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const arrayHeader = /^\[\[\s*(.+?)\s*\]\]/.exec(line);
    if (arrayHeader) {
      const parts = tomlKeyParts(arrayHeader[1]!);
      const name = parts.join(".");
      arrayTables.add(name);
      // A nested array restarts its numbering under each new parent element.
      const parent = concrete(parts.slice(0, -1)).join(".");
      const countKey = `${parent}|${name}`;
      const index = arrayCounts.get(countKey) ?? 0;
      arrayCounts.set(countKey, index + 1);
      arrayCounts.set(name, index + 1);
      table = [...concrete(parts.slice(0, -1)), parts[parts.length - 1]!, String(index)];
      record(table.slice(0, -1), lineNo);
      record(table, lineNo);
      continue;
    }
    const header = /^\[\s*(.+?)\s*\]/.exec(line);
    if (header) {
      table = concrete(tomlKeyParts(header[1]!));
      record(table, lineNo);
      continue;
    }
    const assign = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=\s*(.*)$/.exec(line);
    if (assign) {
      record([...table, ...tomlKeyParts(assign[1]!)], lineNo);
      const value = assign[2]!;
      for (const q of ['"""', "'''"] as const) {
        const at = value.indexOf(q);
        if (at >= 0 && value.indexOf(q, at + 3) < 0) inString = q;
      }
    }
  }
  return new MappedLines(lines, text);
}

const STRING = /"(?:[^"\\\n]|\\.)*"/y;
const LITERAL = /(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

/** Where a JSON document stops being JSON (JSON.parse does not say which line). */
export class JsonSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/**
 * Maps the key paths of a JSON document to the line each value starts on. A strict
 * reader: on text that is not JSON it throws JsonSyntaxError with the line.
 */
export function indexJson(text: string): LineIndex {
  const lines = new Map<string, number>();
  let pos = 0;
  let line = 1;
  const fail = (what: string): never => {
    const got = pos < text.length ? JSON.stringify(text[pos]) : "the end";
    throw new JsonSyntaxError(line, `expected ${what}, found ${got}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) {
      if (text[pos] === "\n") line++;
      pos++;
    }
  };
  const expect = (c: string) => {
    skipSpace();
    if (text[pos] !== c) fail(JSON.stringify(c));
    pos++;
  };
  const readString = (): string => {
    if (text[pos] !== '"') fail("a string");
    STRING.lastIndex = pos;
    const m = STRING.exec(text);
    if (!m) fail("a closed string");
    pos += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  const value = (path: (string | number)[]): void => {
    skipSpace();
    lines.set(pathKey(path), line);
    const c = text[pos];
    if (c === "{") {
      pos++;
      skipSpace();
      if (text[pos] === "}") {
        pos++;
        return;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        expect(":");
        value([...path, key]);
        skipSpace();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return;
        } else fail('"," or "}"');
      }
    } else if (c === "[") {
      pos++;
      skipSpace();
      if (text[pos] === "]") {
        pos++;
        return;
      }
      for (let i = 0; ; i++) {
        value([...path, i]);
        skipSpace();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return;
        } else fail('"," or "]"');
      }
    } else if (c === '"') {
      readString();
    } else {
      LITERAL.lastIndex = pos;
      const m = LITERAL.exec(text);
      if (!m) fail("a value");
      pos += m![0].length;
    }
  };
  value([]);
  skipSpace();
  if (pos < text.length) fail("the end of the document");
  lines.delete("");
  return new MappedLines(lines, text);
}
