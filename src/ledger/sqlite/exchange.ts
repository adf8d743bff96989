import { lazyCrypto } from "../../lazy.ts";
import { contentKey, type Issue } from "../model.ts";
import { coversRelations, importChecked, readOnlyQueryText, timeKey } from "../sql/exchange.ts";
import { INSERT_ISSUE_SQL, issueToParams, REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { ExportOptions, ImportResult } from "../store.ts";
import { type ImportedIssue, unexportedTypes } from "../validate.ts";
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
    const { checked, errors } = importChecked(issues, c.vocab, c.now());
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

function hasRelations(c: LedgerContext, id: string, imported: ImportedIssue): boolean {
  return coversRelations(
    { labels: c.labels(id), deps: dependencyRecords(c, id), commentIds: commentsOf(c, id).map((x) => x.id) },
    imported,
  );
}

/** A read-only SQL query; rows keyed by column name. */
export function query(c: LedgerContext, sql: string): Array<Record<string, unknown>> {
  // SQLite would silently ignore a second statement; readOnlyQueryText refuses it.
  const text = readOnlyQueryText(sql);
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
