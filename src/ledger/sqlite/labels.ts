// Labels, comments and the event history of issues. The `*Row` functions run inside the
// caller's write; the rest are whole store operations.
import { ValidationError } from "../../errors.ts";
import { lazyCrypto } from "../../lazy.ts";
import type { Comment, LedgerEvent } from "../model.ts";
import type { LabelCount } from "../store.ts";
import { validateLabel } from "../validate.ts";
import type { LedgerContext } from "./context.ts";
import type { Row } from "./db.ts";

export function addLabelRow(c: LedgerContext, id: string, label: string, actor: string): boolean {
  const n = c.db.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), id, label);
  if (n > 0) {
    c.event(id, "label_added", actor, null, label);
    c.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), id);
  }
  return n > 0;
}

export function removeLabelRow(c: LedgerContext, id: string, label: string, actor: string): boolean {
  const n = c.db.run("DELETE FROM labels WHERE issue_id = ? AND label = ?", id, label);
  if (n > 0) {
    c.event(id, "label_removed", actor, label, null);
    c.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), id);
  }
  return n > 0;
}

export function addLabel(c: LedgerContext, id: string, label: string, actor: string): boolean {
  const l = validateLabel(label);
  return c.write(() => {
    c.mustGet(id);
    return addLabelRow(c, id, l, actor);
  });
}

export function removeLabel(c: LedgerContext, id: string, label: string, actor: string): boolean {
  return c.write(() => {
    c.mustGet(id);
    return removeLabelRow(c, id, label, actor);
  });
}

export function labels(c: LedgerContext, id: string): string[] {
  c.mustGet(id);
  return c.labels(id);
}

export function allLabels(c: LedgerContext): LabelCount[] {
  return c.db
    .all<{ label: string; n: number }>(
      "SELECT l.label, COUNT(*) AS n FROM labels l JOIN issues i ON i.id = l.issue_id WHERE i.ephemeral = 0 GROUP BY l.label ORDER BY l.label",
    )
    .map((r) => ({ label: r.label, count: Number(r.n) }));
}

/** Labels of many issues, each list sorted. */
export function labelsOf(c: LedgerContext, ids: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const sc = c.scope(ids, "issue_id");
  for (const r of c.db.all<{ issue_id: string; label: string }>(
    `SELECT issue_id, label FROM labels WHERE ${sc.sql} ORDER BY issue_id, label`,
    ...sc.params,
  )) {
    const l = out.get(r.issue_id);
    if (l) l.push(r.label);
    else out.set(r.issue_id, [r.label]);
  }
  return out;
}

export function addCommentRow(c: LedgerContext, id: string, author: string, text: string): Comment {
  const cm: Comment = { id: lazyCrypto().randomUUID(), issue_id: id, author, text, created_at: c.now() };
  c.db.run(
    "INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
    cm.id,
    cm.issue_id,
    cm.author,
    cm.text,
    cm.created_at,
  );
  c.event(id, "commented", author, null, null, text);
  c.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", cm.created_at, id);
  return cm;
}

export function addComment(c: LedgerContext, id: string, author: string, text: string): Comment {
  if (!text.trim()) throw new ValidationError("comment text must not be empty");
  return c.write(() => {
    c.mustGet(id);
    return addCommentRow(c, id, author, text);
  });
}

/** An issue's comments, oldest first (insertion order among equal times). */
export function commentsOf(c: LedgerContext, id: string): Comment[] {
  return c.db.all<Comment>(
    `SELECT id, issue_id, author, text, created_at FROM comments WHERE issue_id = ? ORDER BY created_at, ${c.sql.insertionOrder}`,
    id,
  );
}

export function comments(c: LedgerContext, id: string): Comment[] {
  c.mustGet(id);
  return commentsOf(c, id);
}

export function events(c: LedgerContext, id: string): LedgerEvent[] {
  return c.db.all<Row>("SELECT * FROM events WHERE issue_id = ? ORDER BY id", id).map((r) => {
    const e: LedgerEvent = {
      id: String(r.id),
      issue_id: String(r.issue_id),
      event_type: r.event_type as LedgerEvent["event_type"],
      actor: String(r.actor),
      created_at: String(r.created_at),
    };
    if (r.old_value !== null) e.old_value = String(r.old_value);
    if (r.new_value !== null) e.new_value = String(r.new_value);
    if (r.comment !== null) e.comment = String(r.comment);
    return e;
  });
}
