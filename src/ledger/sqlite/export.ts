// Export of the SQLite ledger to beads' JSONL, and the auto-export that keeps
// `.beads/issues.jsonl` current on every write. Rewriting every line on every write costs
// hundreds of milliseconds on a large ledger, so the refresh is incremental: temporary
// triggers (per connection) note which issues a write touched, and only their lines are
// rebuilt. A fingerprint of the file as we last wrote it (stored in the same transaction)
// tells whether the file can be patched or must be exported in full (first export, a crash
// between rename and commit, a git checkout, a hand edit).
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { issuesToJsonl, jsonlLine, writeJsonlFile } from "../jsonl.ts";
import { type Comment, ISSUE_FIELDS, type Issue } from "../model.ts";
import type { ExportOptions } from "../store.ts";
import type { Db, Param, Row } from "./db.ts";
import { rowToIssue, toDependency } from "./rows.ts";

const FINGERPRINT_KEY = "jsonl_fingerprint";
const STALE_KEY = "jsonl_stale";
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

/** Issues with labels, dependencies and comments, sorted by ID, as `bd export` writes them. */
export function exportIssues(
  db: Db,
  infraTypes: string[],
  opts: ExportOptions & { ids?: string[] },
): Issue[] {
  const conds: string[] = [];
  const params: Param[] = [];
  if (!opts.includeEphemeral) conds.push("ephemeral = 0");
  if (!opts.includeTemplates) conds.push("is_template = 0");
  if (!opts.includeInfra && infraTypes.length > 0) {
    conds.push(`issue_type NOT IN (${infraTypes.map(() => "?").join(", ")})`);
    params.push(...infraTypes);
  }
  const only = opts.ids ? `IN (${opts.ids.map(() => "?").join(", ")})` : "";
  if (opts.ids) {
    if (opts.ids.length === 0) return [];
    conds.push(`id ${only}`);
    params.push(...opts.ids);
  }
  const rows = db.all(
    `SELECT * FROM issues ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""} ORDER BY id`,
    ...params,
  );
  const relParams = opts.ids ?? [];
  const rel = (col: string) => (opts.ids ? `WHERE ${col} ${only}` : "");
  const group = <T>(sql: string, key: (r: T) => string) => {
    const m = new Map<string, T[]>();
    for (const r of db.all<T>(sql, ...relParams)) {
      const k = key(r);
      const l = m.get(k);
      if (l) l.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const labels = group<{ issue_id: string; label: string }>(
    `SELECT issue_id, label FROM labels ${rel("issue_id")} ORDER BY issue_id, label`,
    (r) => r.issue_id,
  );
  const deps = group<Row>(
    `SELECT issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id FROM dependencies ${rel("issue_id")}
     ORDER BY issue_id, depends_on_id`,
    (r) => String(r.issue_id),
  );
  const comments = group<Comment>(
    `SELECT id, issue_id, author, text, created_at FROM comments ${rel("issue_id")} ORDER BY issue_id, created_at, rowid`,
    (r) => r.issue_id,
  );
  return rows.map((r) => {
    const issue = rowToIssue(r);
    const l = labels.get(issue.id);
    if (l) issue.labels = l.map((x) => x.label);
    const d = deps.get(issue.id);
    if (d) issue.dependencies = d.map(toDependency);
    const c = comments.get(issue.id);
    if (c) issue.comments = c.map((x) => ({ ...x }));
    return issue;
  });
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

/** The issue ID of the line starting at `at`; undefined if the line is not one we write. */
function idAt(text: string, at: number): string | undefined {
  if (!text.startsWith(LINE_HEAD, at)) return undefined;
  const end = text.indexOf('"', at + LINE_HEAD.length);
  return end < 0 ? undefined : text.slice(at + LINE_HEAD.length, end);
}

/** Offset of the first line at or after `from` whose ID is not below `id` (lines are sorted). */
function lowerBound(text: string, id: string, from: number): number | undefined {
  let lo = from;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = Math.max(lo, text.lastIndexOf("\n", mid - 1) + 1);
    const here = idAt(text, start);
    if (here === undefined) return undefined;
    if (here < id) {
      const end = text.indexOf("\n", start);
      lo = end < 0 ? text.length : end + 1;
    } else {
      hi = start;
    }
  }
  return lo;
}

/**
 * The file with the lines of `touched` (sorted) replaced by `fresh` (absent: removed).
 * Binary search finds each line, so a write costs one read and one write of the file, not
 * a re-serialisation of every issue. Undefined when the file is not in our format.
 */
function patchLines(text: string, touched: string[], fresh: Map<string, string>): string | undefined {
  const parts: string[] = [];
  let cursor = 0;
  for (const id of touched) {
    const at = lowerBound(text, id, cursor);
    if (at === undefined) return undefined;
    parts.push(text.slice(cursor, at));
    cursor = at;
    if (idAt(text, at) === id) {
      const end = text.indexOf("\n", at);
      cursor = end < 0 ? text.length : end + 1;
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
  try {
    // Ours only if it was written on top of exactly the export the database still records.
    return readFileSync(pendingPath(path), "utf8") !== `${stored ?? ""} ${current}`;
  } catch {
    return true;
  }
}

/** The file can no longer be patched (export filter changed, writes while export was off). */
export function markJsonlStale(db: Db): void {
  db.run(
    "INSERT INTO local_metadata (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = '1'",
    STALE_KEY,
  );
}

export function jsonlStale(db: Db): boolean {
  return db.get("SELECT 1 FROM local_metadata WHERE key = ?", STALE_KEY) !== undefined;
}

/**
 * Brings `path` up to date with the ledger inside the current write transaction.
 * Called after the write's changes and before COMMIT, so concurrent writers, serialised by
 * the database lock, never overwrite each other's exports with stale ones.
 */
export function refreshJsonl(
  db: Db,
  path: string,
  infraTypes: string[],
  opts: { markPending: boolean },
): void {
  const touched = db.column<string>("SELECT DISTINCT id FROM temp.export_dirty ORDER BY id");
  resetExportTracking(db);
  const stored = db.get<{ value: string }>(
    "SELECT value FROM local_metadata WHERE key = ?",
    FINGERPRINT_KEY,
  )?.value;
  const current = fingerprint(path);
  const stale = db.get("SELECT 1 FROM local_metadata WHERE key = ?", STALE_KEY) !== undefined;
  const inSync = current !== undefined && current === stored && !stale;
  if (inSync && touched.length === 0) return;
  let patched: string | undefined;
  if (inSync && touched.length <= PATCH_LIMIT) {
    const fresh = new Map(exportIssues(db, infraTypes, { ids: touched }).map((i) => [i.id, jsonlLine(i)]));
    // Touched IDs sorted the way the file is (plain string order).
    const order = [...touched].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    patched = patchLines(readFileSync(path, "utf8"), order, fresh);
  }
  // The new file's fingerprint goes to a side file before the rename: if this process dies
  // between the rename and the commit, the next write knows the file as its own unfinished
  // export (to be redone in full), not as issues that arrived through git.
  writeJsonlFile(path, patched ?? issuesToJsonl(exportIssues(db, infraTypes, {})), (tmp) => {
    if (opts.markPending) writeFileSync(pendingPath(path), `${stored ?? ""} ${fingerprint(tmp) ?? ""}`);
    else rmSync(pendingPath(path), { force: true });
  });
  db.run("DELETE FROM local_metadata WHERE key = ?", STALE_KEY);
  const written = fingerprint(path);
  if (written) {
    db.run(
      "INSERT INTO local_metadata (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      FINGERPRINT_KEY,
      written,
    );
  }
}
