// Writes beside the issue row, each inside the caller's transaction: typed edges (type
// rules, cycle refusal, re-parenting), labels and comments. Same rules as the SQLite
// ledger's dependencies.ts and labels.ts; blocking follows every change (context.ts).
import { ConflictError, ValidationError } from "../../errors.ts";
import { lazyCrypto } from "../../lazy.ts";
import { type Comment, CYCLE_CHECKED_DEP_TYPES, type Dependency } from "../model.ts";
import type { DependencyInput } from "../store.ts";
import { validateDepType } from "../validate.ts";
import type { PgContext } from "./context.ts";

export const DEP_COLUMNS = "issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id";
export const INSERT_DEPENDENCY_SQL = `INSERT INTO dependencies (${DEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;

function existingEdge(from: string, to: string, have: string, want: string): ConflictError {
  return new ConflictError(
    "dependency_exists",
    `dependency ${from} -> ${to} already exists with type "${have}" (requested "${want}"); remove it first with 'bd dep remove' then re-add`,
  );
}

const edgeType = (c: PgContext, from: string, to: string) =>
  c.q.get<{ type: string }>(
    "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
    from,
    to,
  );

/** Adds (or, same type, updates the metadata of) an edge. */
export async function addDependencyRow(
  c: PgContext,
  dep: DependencyInput,
  actor: string,
  now: string,
): Promise<Dependency> {
  const type = validateDepType(dep.type ?? "blocks");
  if (dep.issue_id === dep.depends_on_id)
    throw new ValidationError(`cannot add self-dependency: ${dep.issue_id} cannot depend on itself`);
  if (dep.metadata !== undefined && dep.metadata !== "") {
    try {
      JSON.parse(dep.metadata);
    } catch {
      throw new ValidationError(`dependency metadata must be valid JSON`);
    }
  }
  const existing = await edgeType(c, dep.issue_id, dep.depends_on_id);
  if (existing && existing.type !== type)
    throw existingEdge(dep.issue_id, dep.depends_on_id, existing.type, type);
  const source = await c.mustGet(dep.issue_id);
  const targetIssue = await c.getIssue(dep.depends_on_id);
  if (
    type === "blocks" &&
    targetIssue &&
    (source.issue_type === "epic") !== (targetIssue.issue_type === "epic")
  ) {
    throw new ValidationError(
      targetIssue.issue_type === "epic"
        ? "epics can only block other epics, not tasks"
        : "tasks can only block other tasks, not epics",
    );
  }
  if (!existing && CYCLE_CHECKED_DEP_TYPES.includes(type) && !dep.noCycleCheck && targetIssue) {
    const path = await pathBetween(c, dep.depends_on_id, dep.issue_id);
    if (path) {
      throw new ConflictError(
        "cycle",
        path.length <= 8
          ? `adding dependency would create a cycle: ${[dep.issue_id, ...path].join(" -> ")}`
          : `adding dependency would create a cycle (${path.length} issues long; bd dep cycles audits)`,
      );
    }
  }
  const record: Dependency = {
    issue_id: dep.issue_id,
    depends_on_id: dep.depends_on_id,
    type,
    created_at: now,
    created_by: actor,
    metadata: dep.metadata || undefined,
    thread_id: dep.thread_id || undefined,
  };
  if (existing) {
    await c.q.run(
      "UPDATE dependencies SET metadata = ?, thread_id = COALESCE(?, thread_id) WHERE issue_id = ? AND depends_on_id = ?",
      record.metadata,
      record.thread_id,
      dep.issue_id,
      dep.depends_on_id,
    );
    return record;
  }
  await insertDependency(c, record, actor, now);
  return record;
}

/** A new edge, unchecked: its event, the source's updated_at, and blocking to settle. */
export async function insertDependency(c: PgContext, dep: DependencyInput, actor: string, now: string) {
  const type = dep.type ?? "blocks";
  await c.q.run(
    INSERT_DEPENDENCY_SQL,
    dep.issue_id,
    dep.depends_on_id,
    type,
    now,
    actor,
    dep.metadata ?? null,
    dep.thread_id ?? null,
  );
  await c.event(dep.issue_id, "dependency_added", actor, null, dep.depends_on_id, type);
  await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", now, dep.issue_id);
  await c.touchEdge(dep.issue_id, dep.depends_on_id, type);
}

export async function removeDependencyRow(c: PgContext, source: string, target: string, actor: string) {
  const edge = await edgeType(c, source, target);
  if (!edge) return false;
  await c.q.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", source, target);
  await c.event(source, "dependency_removed", actor, target, null, edge.type);
  await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), source);
  await c.touchEdge(source, target, edge.type);
  return true;
}

/** Moves `id` under `parent` (null: no parent). */
export async function reparent(c: PgContext, id: string, parent: string | null, actor: string, now: string) {
  const old = await c.parentOf(id);
  if (old) {
    await c.q.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", id, old);
    await c.touchEdge(id, old, "parent-child");
    await c.event(id, "dependency_removed", actor, old, null, "parent-child");
  }
  if (parent) {
    const target = await c.resolveId(parent);
    if (target === id) throw new ValidationError("an issue cannot be its own parent");
    const existing = await edgeType(c, id, target);
    if (existing) throw existingEdge(id, target, existing.type, "parent-child");
    await insertDependency(c, { issue_id: id, depends_on_id: target, type: "parent-child" }, actor, now);
  }
}

export const CYCLE_TYPES = CYCLE_CHECKED_DEP_TYPES.map((t) => `'${t}'`).join(", ");

/** A path of blocking edges from `from` to `to`, if one exists (for cycle refusal). */
async function pathBetween(c: PgContext, from: string, to: string): Promise<string[] | undefined> {
  const prev = new Map<string, string>([[from, ""]]);
  const queue = [from];
  while (queue.length > 0) {
    const cur = queue.shift()!;
    if (cur === to) {
      const path: string[] = [];
      for (let n: string | undefined = cur; n; n = prev.get(n) || undefined) path.unshift(n);
      return path;
    }
    for (const next of await c.q.column<string>(
      `SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type IN (${CYCLE_TYPES})`,
      cur,
    )) {
      if (!prev.has(next)) {
        prev.set(next, cur);
        queue.push(next);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- labels and comments

export async function addLabelRow(c: PgContext, id: string, label: string, actor: string): Promise<boolean> {
  const n = await c.q.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), id, label);
  if (n > 0) {
    await c.event(id, "label_added", actor, null, label);
    await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), id);
  }
  return n > 0;
}

export async function removeLabelRow(
  c: PgContext,
  id: string,
  label: string,
  actor: string,
): Promise<boolean> {
  const n = await c.q.run("DELETE FROM labels WHERE issue_id = ? AND label = ?", id, label);
  if (n > 0) {
    await c.event(id, "label_removed", actor, label, null);
    await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), id);
  }
  return n > 0;
}

export async function addCommentRow(
  c: PgContext,
  id: string,
  author: string,
  text: string,
): Promise<Comment> {
  const cm: Comment = { id: lazyCrypto().randomUUID(), issue_id: id, author, text, created_at: c.now() };
  await c.q.run(
    "INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
    cm.id,
    cm.issue_id,
    cm.author,
    cm.text,
    cm.created_at,
  );
  await c.event(id, "commented", author, null, null, text);
  await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", cm.created_at, id);
  return cm;
}
