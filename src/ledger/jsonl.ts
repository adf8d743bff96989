// beads' JSONL exchange format: one issue per line (labels, dependencies and comments
// embedded), sorted by ID so git diffs stay small. Writes go to a temp file that is
// renamed into place, so a reader or a crash never sees half a file.
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ValidationError } from "../errors.ts";
import { processAlive } from "../process-alive.ts";
import { issueIdProblem } from "./ids.ts";
import type { Issue } from "./model.ts";

/** One export line: `_type` first, then the issue's fields in beads' order. */
export function jsonlLine(issue: Issue): string {
  return JSON.stringify({ _type: "issue", ...issue });
}

export function issuesToJsonl(issues: Issue[]): string {
  const sorted = [...issues].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.map(jsonlLine).join("\n") + (sorted.length > 0 ? "\n" : "");
}

/**
 * Writes `text` to a temp file and renames it into place: a reader or a killed writer never
 * sees half a file. No fsync: the database is the durable copy and a later write re-exports.
 */
export function writeJsonlFile(
  path: string,
  text: string | Uint8Array,
  beforeRename?: (tmp: string) => void,
): void {
  sweepStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  beforeRename?.(tmp);
  renameSync(tmp, path);
}

/** Removes temp files left by writers that were killed mid-export. */
function sweepStaleTemps(path: string): void {
  const dir = dirname(path);
  const stem = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(stem)) continue;
    const pid = Number(name.slice(stem.length));
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another writer swept it first
    }
  }
}

/**
 * One non-blank line of a JSONL file. `issue`: an object that claims to be a bead (its
 * fields are checked later, against the ledger's vocabulary). `kept`: a line this ledger
 * does not read and must carry through its exports byte for byte: with a `reason` when it
 * is unreadable (broken JSON, a torn line, a bad ID, invalid UTF-8), without one when it is
 * simply not an issue (a memory record, a schema header, a tombstone, a `#` comment).
 */
export type JsonlEntry =
  | { kind: "issue"; line: number; text: string; record: Record<string, unknown> }
  | { kind: "kept"; line: number; bytes: Uint8Array; text?: string; reason?: string };

export interface ParsedJsonl {
  entries: JsonlEntry[];
  /** The issue records, in file order. */
  issues: Issue[];
  /** Unreadable lines: line number and reason. */
  errors: Array<{ line: number; reason: string }>;
}

const encoder = new TextEncoder();

/** Classifies one line (without its newline); undefined for a blank line. */
function classify(line: number, text: string | undefined, bytes: () => Uint8Array): JsonlEntry | undefined {
  if (text === undefined) return { kind: "kept", line, bytes: bytes(), reason: "not valid UTF-8" };
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const kept = (reason?: string): JsonlEntry => ({ kind: "kept", line, bytes: bytes(), text, reason });
  if (trimmed.startsWith("#")) return kept();
  let obj: unknown;
  try {
    obj = JSON.parse(trimmed);
  } catch (e) {
    return kept(`invalid JSON (${(e as Error).message})`);
  }
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return kept("not a JSON object");
  const rec = obj as Record<string, unknown>;
  // Other record kinds (memories), schema headers and tombstones are not beads to import,
  // but they are someone's data: carried through as they are.
  if (rec._type !== undefined && rec._type !== "issue") return kept();
  if (rec._schema !== undefined && rec.id === undefined) return kept();
  if (rec.status === "tombstone") return kept();
  const idProblem = issueIdProblem(rec.id);
  if (idProblem) return kept(idProblem);
  if (typeof rec.title !== "string") return kept(`issue ${rec.id} has no title`);
  delete rec._type;
  // Older beads wrote wisps as `"wisp": true`.
  if (rec.wisp === true && rec.ephemeral === undefined) rec.ephemeral = true;
  delete rec.wisp;
  return { kind: "issue", line, text, record: rec };
}

function collect(entries: Array<JsonlEntry | undefined>): ParsedJsonl {
  const out: ParsedJsonl = { entries: [], issues: [], errors: [] };
  for (const e of entries) {
    if (!e) continue;
    out.entries.push(e);
    if (e.kind === "issue") out.issues.push(e.record as unknown as Issue);
    else if (e.reason) out.errors.push({ line: e.line, reason: e.reason });
  }
  return out;
}

export function parseJsonl(text: string): ParsedJsonl {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return collect(lines.map((l, i) => classify(i + 1, l, () => encoder.encode(l))));
}

/**
 * Parses a file's bytes. Valid UTF-8 throughout (the usual case) is decoded at once; else
 * line by line, and a line that is not UTF-8 is kept as unreadable, its bytes untouched.
 */
export function parseJsonlBytes(bytes: Uint8Array): ParsedJsonl {
  try {
    return parseJsonl(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    // some line is not UTF-8: go line by line
  }
  const strict = new TextDecoder("utf-8", { fatal: true });
  const entries: Array<JsonlEntry | undefined> = [];
  let start = 0;
  for (let n = 1; start < bytes.length; n++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const raw = bytes.subarray(start, end);
    let text: string | undefined;
    try {
      text = strict.decode(raw);
    } catch {
      text = undefined;
    }
    entries.push(classify(n, text, () => Uint8Array.from(raw)));
    start = end + 1;
  }
  return collect(entries);
}

export function readJsonlFile(path: string): ParsedJsonl {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ValidationError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseJsonlBytes(bytes);
}
