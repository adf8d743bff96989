// Export of the SQLite ledger to beads' JSONL, and the auto-export that keeps
// `.beads/issues.jsonl` current on every write. Rewriting every line on every write costs
// hundreds of milliseconds on a large ledger, so the refresh is incremental: temporary
// triggers (per connection) note which issues a write touched, the write commits them to
// `export_pending` with its changes, and the export that follows the commit rebuilds only
// their lines. The file therefore never holds anything the database has not committed; a
// process killed between the two leaves the file one write behind, and the next command
// (a read too) catches it up. A fingerprint of the file as we last wrote it tells whether
// the file can be patched or must be exported in full (first export, a crash between
// rename and commit, a git checkout, a hand edit). Lines bd does not read (`jsonl_kept`)
// stay where they were, byte for byte, through patches and full exports alike.
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { testPause } from "../../test-pause.ts";
import { issuesToJsonl, jsonlLine, writeJsonlFile } from "../jsonl.ts";
import { ISSUE_FIELDS, type Issue } from "../model.ts";
import { assembleExport, exportStatements } from "../sql/export.ts";
import type { ExportOptions } from "../store.ts";
import type { Db } from "./db.ts";
import { SQLITE } from "./dialect.ts";

export const FINGERPRINT_KEY = "jsonl_fingerprint";
export const STALE_KEY = "jsonl_stale";
/** Beyond this many touched issues a full export is as cheap as patching. */
const PATCH_LIMIT = 2000;
const LINE_HEAD = '{"_type":"issue","id":"';

/** Installs the per-connection triggers that record which issues a write touched. */
export function installExportTracking(db: Db): void {
  const columns = ISSUE_FIELDS.map(([n]) => n)
    .filter((n) => n !== "id")
    .join(", ");
  // No uniqueness here: an outer upsert's conflict policy would override the trigger's own.
  const note = (id: string) => `INSERT INTO temp.export_dirty (id) VALUES (${id});`;
  db.exec(`
    CREATE TEMP TABLE IF NOT EXISTS export_dirty (id TEXT NOT NULL);
    CREATE TEMP TRIGGER IF NOT EXISTS ex_issue_ins AFTER INSERT ON main.issues BEGIN ${note("NEW.id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_issue_upd AFTER UPDATE OF ${columns} ON main.issues BEGIN ${note("NEW.id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_issue_del AFTER DELETE ON main.issues BEGIN ${note("OLD.id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_label_ins AFTER INSERT ON main.labels BEGIN ${note("NEW.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_label_del AFTER DELETE ON main.labels BEGIN ${note("OLD.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_dep_ins AFTER INSERT ON main.dependencies BEGIN ${note("NEW.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_dep_upd AFTER UPDATE ON main.dependencies BEGIN ${note("NEW.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_dep_del AFTER DELETE ON main.dependencies BEGIN ${note("OLD.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_com_ins AFTER INSERT ON main.comments BEGIN ${note("NEW.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_com_upd AFTER UPDATE ON main.comments BEGIN ${note("NEW.issue_id")} END;
    CREATE TEMP TRIGGER IF NOT EXISTS ex_com_del AFTER DELETE ON main.comments BEGIN ${note("OLD.issue_id")} END;
  `);
}

/** Forgets what earlier (committed or rolled back) writes touched. */
export function resetExportTracking(db: Db): void {
  db.run("DELETE FROM temp.export_dirty");
}

/** Records what this write touched as waiting for export, in the write's own transaction. */
export function notePendingExport(db: Db): void {
  db.run(SQLITE.insertIgnore("export_pending", ["id"], "SELECT DISTINCT id FROM temp.export_dirty"));
  resetExportTracking(db);
}

export function hasPendingExport(db: Db): boolean {
  return db.get("SELECT 1 FROM export_pending LIMIT 1") !== undefined;
}

/** A line of the file that bd carries without reading it. */
export interface KeptLine {
  /** The ID of the issue line it followed ("" before the first). */
  anchor: string;
  bytes: Uint8Array;
  /** Its line number when the file was last read. */
  line: number;
  /** Why it is unreadable; absent for lines that are simply not issues. */
  reason?: string;
}

export function keptLines(db: Db): KeptLine[] {
  return db
    .all<{ anchor: string; line: Uint8Array; line_no: number; reason: string | null }>(
      "SELECT anchor, line, line_no, reason FROM jsonl_kept ORDER BY seq",
    )
    .map((r) => ({
      anchor: r.anchor,
      bytes: r.line,
      line: Number(r.line_no),
      reason: r.reason ?? undefined,
    }));
}

export function replaceKeptLines(db: Db, lines: KeptLine[]): void {
  db.run("DELETE FROM jsonl_kept");
  for (const k of lines) {
    db.run(
      "INSERT INTO jsonl_kept (anchor, line, line_no, reason) VALUES (?, ?, ?, ?)",
      k.anchor,
      k.bytes,
      k.line,
      k.reason ?? null,
    );
  }
}

/**
 * The whole file: issue lines sorted by ID, each kept line after the last issue whose ID
 * is not above its anchor (where it stood, relative to the issues around it).
 */
export function fullJsonl(issues: Issue[], kept: KeptLine[]): string | Uint8Array {
  if (kept.length === 0) return issuesToJsonl(issues);
  const sorted = [...issues].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const newline = enc.encode("\n");
  let i = 0;
  const upTo = (anchor: string | undefined) => {
    const lines: string[] = [];
    while (i < sorted.length && (anchor === undefined || sorted[i]!.id <= anchor))
      lines.push(jsonlLine(sorted[i++]!));
    if (lines.length > 0) parts.push(enc.encode(`${lines.join("\n")}\n`));
  };
  for (const k of kept) {
    upTo(k.anchor);
    parts.push(k.bytes, newline);
  }
  upTo(undefined);
  return Buffer.concat(parts);
}

/** Issues with labels, dependencies and comments, sorted by ID, as `bd export` writes them. */
export function exportIssues(
  db: Db,
  infraTypes: string[],
  opts: ExportOptions & { ids?: string[] },
): Issue[] {
  const st = exportStatements(SQLITE, infraTypes, opts);
  if (!st) return [];
  return assembleExport(
    db.all(st.issues.sql, ...st.issues.params),
    db.all(st.labels, ...st.relParams),
    db.all(st.deps, ...st.relParams),
    db.all(st.comments, ...st.relParams),
  );
}

/** Identity of the file as written: inode, size and mtime in nanoseconds. */
export function fingerprint(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return undefined;
  }
}

function lineEnd(text: string, at: number): number {
  const end = text.indexOf("\n", at);
  return end < 0 ? text.length : end + 1;
}

/**
 * The issue ID of the line starting at `at`; null for a kept line (searches step over
 * those); undefined if the line is neither ours nor kept.
 */
function idAt(text: string, at: number, kept: Map<string, string>): string | null | undefined {
  if (kept.size > 0) {
    const end = text.indexOf("\n", at);
    if (kept.has(text.slice(at, end < 0 ? text.length : end))) return null;
  }
  if (!text.startsWith(LINE_HEAD, at)) return undefined;
  const end = text.indexOf('"', at + LINE_HEAD.length);
  return end < 0 ? undefined : text.slice(at + LINE_HEAD.length, end);
}

/** The first of our lines at or after `at` (kept lines skipped), before `limit`. */
function nextOurs(
  text: string,
  at: number,
  limit: number,
  kept: Map<string, string>,
): { at: number; id: string | undefined } | undefined {
  for (let s = at; s < limit; s = lineEnd(text, s)) {
    const id = idAt(text, s, kept);
    if (id !== null) return { at: s, id };
  }
  return undefined;
}

/**
 * Offset just after the last of our lines (from `from` on) whose ID is below `id`: our
 * lines are sorted, kept lines in between do not count. Undefined when a line is neither
 * ours nor kept.
 */
function lowerBound(text: string, id: string, from: number, kept: Map<string, string>): number | undefined {
  let lo = from;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = Math.max(lo, text.lastIndexOf("\n", mid - 1) + 1);
    const here = nextOurs(text, start, hi, kept);
    if (here === undefined) {
      hi = start;
      continue;
    }
    if (here.id === undefined) return undefined;
    if (here.id < id) lo = lineEnd(text, here.at);
    else hi = start;
  }
  return lo;
}

/**
 * The file with the lines of `touched` (sorted) replaced by `fresh` (absent: removed), kept
 * lines left where they are (`kept`: their text and anchor; a new line goes after the kept
 * lines anchored below it, as a full export places them). Binary search finds each line,
 * so a write costs one read and one write of the file, not a re-serialisation of every
 * issue. Undefined when the file is not in our format. Exported for its unit tests: a
 * failed patch falls back to a full export, so only a direct test sees the patcher.
 */
export function patchLines(
  text: string,
  touched: string[],
  fresh: Map<string, string>,
  kept: Map<string, string>,
): string | undefined {
  const parts: string[] = [];
  let cursor = 0;
  for (const id of touched) {
    const at = lowerBound(text, id, cursor, kept);
    if (at === undefined) return undefined;
    const next = nextOurs(text, at, text.length, kept);
    if (next && next.id === undefined) return undefined;
    if (next && next.id === id) {
      parts.push(text.slice(cursor, next.at));
      cursor = lineEnd(text, next.at);
    } else {
      let insertAt = at;
      for (const limit = next?.at ?? text.length; insertAt < limit; ) {
        const end = text.indexOf("\n", insertAt);
        const anchor = kept.get(text.slice(insertAt, end < 0 ? text.length : end));
        if (anchor === undefined || anchor >= id) break;
        insertAt = lineEnd(text, insertAt);
      }
      parts.push(text.slice(cursor, insertAt));
      cursor = insertAt;
    }
    const line = fresh.get(id);
    if (line !== undefined) parts.push(line, "\n");
  }
  parts.push(text.slice(cursor));
  return parts.join("");
}

function pendingPath(path: string): string {
  return `${path}.pending`;
}

/**
 * True when the file is neither the one our last committed export wrote nor one an
 * export of ours renamed into place before its transaction was lost.
 */
export function jsonlChangedOutside(db: Db, path: string, current = fingerprint(path)): boolean {
  const stored = db.get<{ value: string }>(
    "SELECT value FROM local_metadata WHERE key = ?",
    FINGERPRINT_KEY,
  )?.value;
  if (current === undefined || current === stored) return false;
  // A database that never recorded an export (a fresh one beside a cloned file) takes the file in.
  if (stored === undefined) return true;
  try {
    // Ours only if it was written on top of exactly the export the database still records.
    return readFileSync(pendingPath(path), "utf8") !== `${stored ?? ""} ${current}`;
  } catch {
    return true;
  }
}

/** The file can no longer be patched (export filter changed, writes while export was off). */
export function markJsonlStale(db: Db): void {
  db.run(SQLITE.upsert("local_metadata", ["key", "value"], ["key"], ["value"]), STALE_KEY, "1");
}

export function jsonlStale(db: Db): boolean {
  return db.get("SELECT 1 FROM local_metadata WHERE key = ?", STALE_KEY) !== undefined;
}

/**
 * Brings `path` up to date with the ledger's committed state. Runs in a write transaction
 * of its own after the write's commit (the lock serialises exporters, so a stale export
 * never overwrites a newer one), takes every pending issue, whoever's write it was, and
 * clears them when it commits.
 */
export function refreshJsonl(
  db: Db,
  path: string,
  infraTypes: string[],
  opts: { markPending: boolean },
): void {
  const pending = db.column<string>("SELECT id FROM export_pending");
  const stored = db.get<{ value: string }>(
    "SELECT value FROM local_metadata WHERE key = ?",
    FINGERPRINT_KEY,
  )?.value;
  const current = fingerprint(path);
  const stale = jsonlStale(db);
  const inSync = current !== undefined && current === stored && !stale;
  if (inSync && pending.length === 0) return;
  const kept = keptLines(db);
  let out: string | Uint8Array | undefined;
  if (inSync && pending.length <= PATCH_LIMIT) {
    const keptText = decodeAll(kept);
    if (keptText) {
      const fresh = new Map(exportIssues(db, infraTypes, { ids: pending }).map((i) => [i.id, jsonlLine(i)]));
      // Touched IDs sorted the way the file is (plain string order).
      const order = [...pending].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out = patchLines(readFileSync(path, "utf8"), order, fresh, keptText);
    }
  }
  out ??= fullJsonl(exportIssues(db, infraTypes, {}), kept);
  if (current === undefined && out.length === 0) {
    // Nothing to export and no file yet (a fresh `bd init`): the first issue creates it, as in beads.
    db.run("DELETE FROM export_pending");
    db.run("DELETE FROM local_metadata WHERE key IN (?, ?)", STALE_KEY, FINGERPRINT_KEY);
    rmSync(pendingPath(path), { force: true });
    return;
  }
  // The new file's fingerprint goes to a side file before the rename: if this process dies
  // between the rename and the commit, the next command knows the file as its own export
  // (of committed issues; to be redone in full), not as issues that arrived through git.
  writeJsonlFile(path, out, (tmp) => {
    if (opts.markPending) writeFileSync(pendingPath(path), `${stored ?? ""} ${fingerprint(tmp) ?? ""}`);
    else rmSync(pendingPath(path), { force: true });
    testPause("ledger:jsonl-written");
  });
  testPause("ledger:jsonl-renamed");
  db.run("DELETE FROM export_pending");
  db.run("DELETE FROM local_metadata WHERE key = ?", STALE_KEY);
  recordFingerprint(db, fingerprint(path));
}

/** Kept lines (text → anchor) for the patcher; undefined when one is not UTF-8 (full export then). */
function decodeAll(kept: KeptLine[]): Map<string, string> | undefined {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const out = new Map<string, string>();
  try {
    for (const k of kept) out.set(strict.decode(k.bytes), k.anchor);
  } catch {
    return undefined;
  }
  return out;
}

/** Records `fp` as the file's state as bd last wrote or read it. */
export function recordFingerprint(db: Db, fp: string | undefined): void {
  if (fp === undefined) return;
  db.run(SQLITE.upsert("local_metadata", ["key", "value"], ["key"], ["value"]), FINGERPRINT_KEY, fp);
}
