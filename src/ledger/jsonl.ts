// beads' JSONL exchange format: one issue per line (labels, dependencies and comments
// embedded), sorted by ID so git diffs stay small. Writes go to a temp file that is
// renamed into place, so a reader or a crash never sees half a file.
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ValidationError } from "../errors.ts";
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
export function writeJsonlFile(path: string, text: string, beforeRename?: (tmp: string) => void): void {
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
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another writer swept it first
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface ParsedJsonl {
  issues: Issue[];
  /** Lines that were not valid issue objects: line number and reason. */
  errors: Array<{ line: number; reason: string }>;
}

export function parseJsonl(text: string): ParsedJsonl {
  const issues: Issue[] = [];
  const errors: ParsedJsonl["errors"] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      errors.push({ line: i + 1, reason: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) {
      errors.push({ line: i + 1, reason: "not an object" });
      return;
    }
    const rec = obj as Record<string, unknown>;
    // Other record kinds (memories), schema headers and soft-deleted issues are not beads to import.
    if (rec._type !== undefined && rec._type !== "issue") return;
    if (rec._schema !== undefined && rec.id === undefined) return;
    if (rec.status === "tombstone") return;
    if (typeof rec.id !== "string" || !rec.id) {
      errors.push({ line: i + 1, reason: "missing id" });
      return;
    }
    if (typeof rec.title !== "string") {
      errors.push({ line: i + 1, reason: `issue ${rec.id} has no title` });
      return;
    }
    delete rec._type;
    // Older beads wrote wisps as `"wisp": true`.
    if (rec.wisp === true && rec.ephemeral === undefined) rec.ephemeral = true;
    delete rec.wisp;
    issues.push(rec as unknown as Issue);
  });
  return { issues, errors };
}

export function readJsonlFile(path: string): ParsedJsonl {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ValidationError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseJsonl(text);
}
