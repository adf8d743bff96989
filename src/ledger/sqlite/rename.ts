// Renaming an issue's ID (bd rename): the row moves to the new ID with its labels, comments,
// events, children counter and every edge from or to it; other issues' text that names the
// old ID (title, description, design, notes, acceptance criteria) is rewritten to the new one.
import { ConflictError, NotFoundError } from "../../errors.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import { checkRename, MENTION_FIELDS, mentionLike, rewriteMentions } from "../sql/rename.ts";
import type { Db } from "./db.ts";

export { RENAME_ID } from "../sql/rename.ts";

/**
 * Moves `oldId` to `newId` inside the caller's write transaction. Returns the IDs of other
 * issues whose text was rewritten. The caller records the event and settles blocking.
 */
export function renameIssueRows(
  db: Db,
  sql: SqlDialect,
  oldId: string,
  newId: string,
  now: string,
): string[] {
  checkRename(oldId, newId);
  if (!db.get("SELECT 1 FROM issues WHERE id = ?", oldId)) throw new NotFoundError(oldId);
  if (db.get("SELECT 1 FROM issues WHERE id = ?", newId))
    throw new ConflictError("id_exists", `issue ${newId} already exists`);
  const columns = db
    .all<{ name: string }>(sql.tableColumns("issues"))
    .map((c) => c.name)
    .filter((n) => n !== "id");
  const list = columns.join(", ");
  // Insert-then-delete (not UPDATE of the key) so the export sees both IDs change.
  db.run(`INSERT INTO issues (id, ${list}) SELECT ?, ${list} FROM issues WHERE id = ?`, newId, oldId);
  db.run("UPDATE issues SET updated_at = ? WHERE id = ?", now, newId);
  db.run("UPDATE labels SET issue_id = ? WHERE issue_id = ?", newId, oldId);
  db.run("UPDATE comments SET issue_id = ? WHERE issue_id = ?", newId, oldId);
  db.run("UPDATE events SET issue_id = ? WHERE issue_id = ?", newId, oldId);
  db.run("UPDATE child_counters SET parent_id = ? WHERE parent_id = ?", newId, oldId);
  db.run("UPDATE dependencies SET issue_id = ? WHERE issue_id = ?", newId, oldId);
  db.run("UPDATE dependencies SET depends_on_id = ? WHERE depends_on_id = ?", newId, oldId);
  db.run("DELETE FROM issues WHERE id = ?", oldId);
  const touched: string[] = [];
  const like = mentionLike(oldId);
  const where = MENTION_FIELDS.map((f) => `${f} LIKE ? ESCAPE '\\'`).join(" OR ");
  const rows = db.all<Record<string, string | null>>(
    `SELECT id, ${MENTION_FIELDS.join(", ")} FROM issues WHERE id != ? AND (${where})`,
    newId,
    ...MENTION_FIELDS.map(() => like),
  );
  for (const row of rows) {
    const changes = rewriteMentions(row, oldId, newId);
    if (changes.length === 0) continue;
    db.run(
      `UPDATE issues SET ${changes.map(([f]) => `${f} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
      ...changes.map(([, v]) => v),
      now,
      row.id!,
    );
    touched.push(row.id!);
  }
  return touched;
}

/**
 * Moves every issue whose ID starts with `old-` to `next-` (bd rename-prefix), inside the
 * caller's write transaction. Returns the pairs renamed, in ID order.
 */
export function renamePrefixRows(
  db: Db,
  sql: SqlDialect,
  old: string,
  next: string,
  now: string,
): Array<[string, string]> {
  const like = `${old.replace(/[\\%_]/g, (c) => `\\${c}`)}-%`;
  const ids = db.column<string>("SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' ORDER BY id", like);
  // Parents before children, so `old-abc.1` is moved after `old-abc` (its counter follows).
  const pairs: Array<[string, string]> = ids.map((id) => [id, `${next}-${id.slice(old.length + 1)}`]);
  for (const [from, to] of pairs) renameIssueRows(db, sql, from, to, now);
  db.run("UPDATE issue_counter SET prefix = ? WHERE prefix = ?", next, old);
  return pairs;
}
