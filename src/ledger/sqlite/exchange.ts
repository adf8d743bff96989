// Issues in and out as whole records: export (beads' JSONL shape, see export.ts), import
// (upsert; the stored issue wins only when strictly newer with `onlyNewer`), and the
// read-only SQL query of `bd sql`.
import { ValidationError } from "../../errors.ts";
import { lazyCrypto } from "../../lazy.ts";
import { contentKey, type Issue } from "../model.ts";
import { INSERT_ISSUE_SQL, issueToParams, REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { ExportOptions, ImportResult } from "../store.ts";
import { checkImportedIssue, type ImportedIssue, unexportedTypes } from "../validate.ts";
import type { LedgerContext } from "./context.ts";
import { dependencyRecords } from "./dependencies.ts";
import { exportIssues as exportRows } from "./export.ts";
import { commentsOf } from "./labels.ts";

export function exportIssues(c: LedgerContext, opts: ExportOptions = {}): Issue[] {
  return c.db.read(() => exportRows(c.db, unexportedTypes(c.vocab), opts));
}

/**
 * Imports issues (as read from JSONL). Each is checked like CLI input: one that is not a
 * bead this ledger can store is skipped, with its reason in `errors`, never stored wrong.
 */
export function importIssues(c: LedgerContext, issues: Issue[], actor: string): ImportResult {
  return c.write(() => {
    const now = c.now();
    const checked: ImportedIssue[] = [];
    const errors: NonNullable<ImportResult["errors"]> = [];
    for (const raw of issues) {
      try {
        if (!raw || typeof raw !== "object") throw new ValidationError("not an issue object");
        checked.push(checkImportedIssue(raw as unknown as Record<string, unknown>, c.vocab, now));
      } catch (e) {
        errors.push({ id: typeof raw?.id === "string" ? raw.id : "", reason: (e as Error).message });
      }
    }
    const result = importRows(c, checked, actor, {});
    result.skipped += errors.length;
    if (errors.length > 0) result.errors = errors;
    return result;
  });
}

/** Upserts checked issues; with `onlyNewer`, an incoming issue not newer than the stored one is left alone. */
export function importRows(
  c: LedgerContext,
  list: ImportedIssue[],
  actor: string,
  opts: { onlyNewer?: boolean },
): ImportResult {
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, skipped: 0, ids: [] };
  const upsertDep = c.sql.upsert(
    "dependencies",
    ["issue_id", "depends_on_id", "type", "created_at", "created_by", "metadata", "thread_id"],
    ["issue_id", "depends_on_id"],
    ["type", "metadata"],
  );
  const addLabel = c.sql.insertIgnore("labels", ["issue_id", "label"]);
  const addComment = c.sql.insertIgnore("comments", ["id", "issue_id", "author", "text", "created_at"]);
  for (const imported of list) {
    const incoming = imported.issue;
    const existing = c.getIssue(incoming.id);
    // Fields: the stored issue wins only when strictly newer (a hand edit that kept the
    // timestamp still applies). Relations below are added either way.
    const fieldsStale =
      opts.onlyNewer === true &&
      existing !== undefined &&
      timeKey(existing.updated_at) > timeKey(incoming.updated_at);
    if (fieldsStale && existing && hasRelations(c, existing.id, imported)) {
      result.unchanged++;
      continue;
    }
    if (existing && contentKey(existing) === contentKey(incoming) && hasRelations(c, existing.id, imported)) {
      result.unchanged++;
      continue;
    }
    if (fieldsStale) {
      result.updated++;
    } else if (existing) {
      c.db.run(REPLACE_ISSUE_SQL, ...replaceParams(incoming));
      c.event(incoming.id, "updated", actor, null, null, "import");
      result.updated++;
    } else {
      c.db.run(INSERT_ISSUE_SQL, ...issueToParams(incoming));
      c.event(incoming.id, "created", actor, null, null, "import");
      result.created++;
    }
    result.ids.push(incoming.id);
    // Relations: add what is new; import never deletes.
    for (const l of imported.labels) c.db.run(addLabel, incoming.id, l);
    for (const d of imported.dependencies) {
      c.db.run(
        upsertDep,
        incoming.id,
        d.depends_on_id,
        d.type,
        d.created_at ?? incoming.created_at,
        d.created_by ?? null,
        d.metadata ?? null,
        d.thread_id ?? null,
      );
    }
    for (const cm of imported.comments) {
      c.db.run(
        addComment,
        cm.id ?? lazyCrypto().randomUUID(),
        incoming.id,
        cm.author ?? actor,
        cm.text,
        cm.created_at ?? incoming.created_at,
      );
    }
  }
  c.blocking.recomputeAll();
  return result;
}

/** True when the stored labels/edges/comments already include everything incoming. */
function hasRelations(c: LedgerContext, id: string, imported: ImportedIssue): boolean {
  const labels = new Set(c.labels(id));
  if (imported.labels.some((l) => !labels.has(l))) return false;
  const deps = new Map(dependencyRecords(c, id).map((d) => [d.depends_on_id, d]));
  for (const d of imported.dependencies) {
    const have = deps.get(d.depends_on_id);
    if (!have || have.type !== d.type || (have.metadata ?? "") !== (d.metadata ?? "")) return false;
  }
  const comments = new Set(commentsOf(c, id).map((x) => x.id));
  return imported.comments.every((x) => x.id !== undefined && comments.has(x.id));
}

/** Sortable form of an RFC 3339 UTC time whatever its fraction's precision (beads writes up to ns). */
function timeKey(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t);
  if (!m) return Number.isNaN(Date.parse(t)) ? t : timeKey(new Date(t).toISOString());
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}`;
}

/** A read-only SQL query; rows keyed by column name. */
export function query(c: LedgerContext, sql: string): Array<Record<string, unknown>> {
  const text = sql.trim().replace(/;\s*$/, "");
  // SQLite would silently ignore a second statement; refuse it (`;` outside quotes and comments).
  const bare = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, "");
  if (!/^(select|with|explain)\b/i.test(text) || bare.includes(";")) {
    throw new ValidationError("only a single read-only query (SELECT or WITH) is allowed");
  }
  // The engine itself refuses any write, whatever the statement looks like.
  c.db.exec(c.sql.readOnlyOn);
  try {
    return c.db.raw
      .prepare(text)
      .all()
      .map((r) => ({ ...r }));
  } finally {
    c.db.exec(c.sql.readOnlyOff);
  }
}
