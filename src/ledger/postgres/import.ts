// Import of checked issues into the PostgreSQL ledger, inside the caller's transaction: an
// upsert per issue (skipped when nothing would change), relations added and never deleted,
// then every blocked flag recomputed. As the SQLite ledger's importRows.
import { lazyCrypto } from "../../lazy.ts";
import { contentKey } from "../model.ts";
import { coversRelations } from "../sql/exchange.ts";
import { INSERT_ISSUE_SQL, issueToParams, REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { ImportResult } from "../store.ts";
import type { ImportedIssue } from "../validate.ts";
import type { PgContext } from "./context.ts";
import { commentsOf, dependencyRecords } from "./reads.ts";

async function hasRelations(c: PgContext, id: string, imported: ImportedIssue): Promise<boolean> {
  return coversRelations(
    {
      labels: await c.labels(id),
      deps: await dependencyRecords(c, id),
      commentIds: (await commentsOf(c, id)).map((x) => x.id),
    },
    imported,
  );
}

export async function importRows(c: PgContext, list: ImportedIssue[], actor: string): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, skipped: 0, ids: [] };
  const upsertDep = c.sql.upsert(
    "dependencies",
    ["issue_id", "depends_on_id", "type", "created_at", "created_by", "metadata", "thread_id"],
    ["issue_id", "depends_on_id"],
    ["type", "metadata"],
  );
  const addLabel = c.sql.insertIgnore("labels", ["issue_id", "label"]);
  const addComment = c.sql.insertIgnore("comments", ["id", "issue_id", "author", "text", "created_at"]);
  // One query for which incoming issues are stored already: a fresh ledger (a migration)
  // then reads nothing per issue.
  const ids = list.map((x) => x.issue.id);
  const sc = c.scope(ids, "id");
  const stored = new Set(
    ids.length > 0 ? await c.q.column<string>(`SELECT id FROM issues WHERE ${sc.sql}`, ...sc.params) : [],
  );
  for (const imported of list) {
    const incoming = imported.issue;
    const existing = stored.has(incoming.id) ? await c.getIssue(incoming.id) : undefined;
    if (
      existing &&
      contentKey(existing) === contentKey(incoming) &&
      (await hasRelations(c, existing.id, imported))
    ) {
      result.unchanged++;
      continue;
    }
    if (existing) {
      await c.q.run(REPLACE_ISSUE_SQL, ...replaceParams(incoming));
      await c.event(incoming.id, "updated", actor, null, null, "import");
      result.updated++;
    } else {
      await c.q.run(INSERT_ISSUE_SQL, ...issueToParams(incoming));
      await c.event(incoming.id, "created", actor, null, null, "import");
      result.created++;
    }
    result.ids.push(incoming.id);
    stored.add(incoming.id);
    for (const l of imported.labels) await c.q.run(addLabel, incoming.id, l);
    for (const d of imported.dependencies) {
      await c.q.run(
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
      await c.q.run(
        addComment,
        cm.id ?? lazyCrypto().randomUUID(),
        incoming.id,
        cm.author ?? actor,
        cm.text,
        cm.created_at ?? incoming.created_at,
      );
    }
  }
  await c.recomputeAll();
  return result;
}
