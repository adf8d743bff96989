// Typed edges between issues: adding (type rules, cycle refusal), removing, re-parenting,
// and the reads over them (related issues, records, the tree, cycles). Blocking follows
// every change through the context's BlockingIndex.
import { ConflictError, ValidationError } from "../../errors.ts";
import { CYCLE_CHECKED_DEP_TYPES, type Dependency, type IssueWithDependencyType } from "../model.ts";
import { findCycles as stronglyConnected } from "../sql/cycles.ts";
import { edgeTargetsSql, relatedSql, withStubs } from "../sql/reads.ts";
import { rowToIssue, toDependency } from "../sql/rows.ts";
import type { DependencyInput, DependencyTreeNode } from "../store.ts";
import { validateDepType } from "../validate.ts";
import type { LedgerContext } from "./context.ts";
import type { Row } from "./db.ts";

const DEP_COLUMNS = "issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id";

export const INSERT_DEPENDENCY_SQL = `INSERT INTO dependencies (${DEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;

export function existingEdge(from: string, to: string, have: string, want: string): ConflictError {
  return new ConflictError(
    "dependency_exists",
    `dependency ${from} -> ${to} already exists with type "${have}" (requested "${want}"); remove it first with 'bd dep remove' then re-add`,
  );
}

export function addDependency(c: LedgerContext, dep: DependencyInput, actor: string): Dependency {
  return c.write(() => {
    const source = c.resolveId(dep.issue_id);
    const target = c.resolveTarget(dep.depends_on_id);
    return addDependencyRow(c, { ...dep, issue_id: source, depends_on_id: target }, actor, c.now());
  });
}

/** Adds (or, same type, updates the metadata of) an edge inside the caller's write. */
export function addDependencyRow(
  c: LedgerContext,
  dep: DependencyInput,
  actor: string,
  now: string,
): Dependency {
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
  const existing = c.db.get<{ type: string }>(
    "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
    dep.issue_id,
    dep.depends_on_id,
  );
  if (existing && existing.type !== type) {
    throw existingEdge(dep.issue_id, dep.depends_on_id, existing.type, type);
  }
  const source = c.mustGet(dep.issue_id);
  const targetIssue = c.getIssue(dep.depends_on_id);
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
    const path = pathBetween(c, dep.depends_on_id, dep.issue_id);
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
    c.db.run(
      "UPDATE dependencies SET metadata = ?, thread_id = COALESCE(?, thread_id) WHERE issue_id = ? AND depends_on_id = ?",
      record.metadata,
      record.thread_id,
      dep.issue_id,
      dep.depends_on_id,
    );
    return record;
  }
  insertDependency(c, record, actor, now);
  return record;
}

/** A new edge, unchecked: its event, the source's updated_at, and blocking to settle. */
export function insertDependency(c: LedgerContext, dep: DependencyInput, actor: string, now: string): void {
  const type = dep.type ?? "blocks";
  c.db.run(
    INSERT_DEPENDENCY_SQL,
    dep.issue_id,
    dep.depends_on_id,
    type,
    now,
    actor,
    dep.metadata ?? null,
    dep.thread_id ?? null,
  );
  c.event(dep.issue_id, "dependency_added", actor, null, dep.depends_on_id, type);
  c.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", now, dep.issue_id);
  c.blocking.touchEdge(dep.issue_id, dep.depends_on_id, type);
}

/** Moves `id` under `parent` (null: no parent), inside the caller's write. */
export function reparent(
  c: LedgerContext,
  id: string,
  parent: string | null,
  actor: string,
  now: string,
): void {
  const old = c.parentOf(id);
  if (old) {
    c.db.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", id, old);
    c.blocking.touchEdge(id, old, "parent-child");
    c.event(id, "dependency_removed", actor, old, null, "parent-child");
  }
  if (parent) {
    const target = c.resolveId(parent);
    if (target === id) throw new ValidationError("an issue cannot be its own parent");
    const existing = c.db.get<{ type: string }>(
      "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
      id,
      target,
    );
    if (existing) throw existingEdge(id, target, existing.type, "parent-child");
    insertDependency(c, { issue_id: id, depends_on_id: target, type: "parent-child" }, actor, now);
  }
}

function cycleTypes(): string {
  return CYCLE_CHECKED_DEP_TYPES.map((t) => `'${t}'`).join(", ");
}

/** A path of blocking edges from `from` to `to`, if one exists (for cycle refusal). */
function pathBetween(c: LedgerContext, from: string, to: string): string[] | undefined {
  const types = cycleTypes();
  const prev = new Map<string, string>([[from, ""]]);
  const queue = [from];
  while (queue.length > 0) {
    const cur = queue.shift()!;
    if (cur === to) {
      const path: string[] = [];
      for (let n: string | undefined = cur; n; n = prev.get(n) || undefined) path.unshift(n);
      return path;
    }
    for (const next of c.db.column<string>(
      `SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type IN (${types})`,
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

export function removeDependency(
  c: LedgerContext,
  issueId: string,
  dependsOnId: string,
  actor: string,
): boolean {
  return c.write(() => {
    const source = c.resolveId(issueId);
    const target = c.resolveTarget(dependsOnId);
    const edge = c.db.get<{ type: string }>(
      "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
      source,
      target,
    );
    if (!edge) return false;
    c.db.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", source, target);
    c.event(source, "dependency_removed", actor, target, null, edge.type);
    c.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.now(), source);
    c.blocking.touchEdge(source, target, edge.type);
    return true;
  });
}

/** Issues an issue depends on (down) or that depend on it (up), with the edge's type. */
export function related(
  c: LedgerContext,
  id: string,
  direction: "down" | "up",
  type?: string,
): IssueWithDependencyType[] {
  const params = type ? [id, type] : [id];
  const rows = c.db.all(relatedSql(direction, type !== undefined), ...params);
  const out = rows.map((r) => ({ ...rowToIssue(r), dependency_type: String(r.dependency_type) }));
  if (direction === "up") return out;
  return withStubs(
    out,
    c.db.all<{ depends_on_id: string; type: string }>(edgeTargetsSql(type !== undefined), ...params),
  );
}

export function dependencies(c: LedgerContext, id: string, direction: "down" | "up", type?: string) {
  c.mustGet(id);
  return related(c, id, direction, type);
}

/** Edges from `id`, by target. */
export function dependencyRecords(c: LedgerContext, id: string): Dependency[] {
  return c.db
    .all<Row>(`SELECT ${DEP_COLUMNS} FROM dependencies WHERE issue_id = ? ORDER BY depends_on_id`, id)
    .map(toDependency);
}

export function dependentRecords(c: LedgerContext, id: string, type?: string): Dependency[] {
  const rows = type
    ? c.db.all<Row>(
        `SELECT ${DEP_COLUMNS} FROM dependencies WHERE depends_on_id = ? AND type = ? ORDER BY issue_id`,
        id,
        type,
      )
    : c.db.all<Row>(`SELECT ${DEP_COLUMNS} FROM dependencies WHERE depends_on_id = ? ORDER BY issue_id`, id);
  return rows.map(toDependency);
}

export function dependencyTree(
  c: LedgerContext,
  id: string,
  opts: { maxDepth: number; direction: "down" | "up" | "both" },
): DependencyTreeNode[] {
  const root = c.mustGet(id);
  const out: DependencyTreeNode[] = [
    {
      id: root.id,
      title: root.title,
      status: root.status,
      priority: root.priority,
      issue_type: root.issue_type,
      depth: 0,
      parent_id: "",
      dependency_type: "",
      truncated: false,
    },
  ];
  const walk = (dir: "down" | "up") => {
    const seen = new Set<string>([id]);
    const visit = (node: string, depth: number) => {
      for (const rel of related(c, node, dir)) {
        const truncated = depth + 1 >= opts.maxDepth && related(c, rel.id, dir).length > 0;
        out.push({
          id: rel.id,
          title: rel.title,
          status: rel.status,
          priority: rel.priority,
          issue_type: rel.issue_type,
          depth: depth + 1,
          parent_id: node,
          dependency_type: rel.dependency_type,
          truncated,
        });
        if (!seen.has(rel.id) && depth + 1 < opts.maxDepth) {
          seen.add(rel.id);
          visit(rel.id, depth + 1);
        }
      }
    };
    visit(id, 0);
  };
  if (opts.direction !== "up") walk("down");
  if (opts.direction !== "down") walk("up");
  return out;
}

/** Tarjan's strongly connected components over the cycle-checked edge kinds (../sql/cycles.ts). */
export function findCycles(c: LedgerContext): string[][] {
  const adj = new Map<string, string[]>();
  for (const r of c.db.all<{ a: string; b: string }>(
    `SELECT issue_id AS a, depends_on_id AS b FROM dependencies WHERE type IN (${cycleTypes()})`,
  )) {
    const l = adj.get(r.a);
    if (l) l.push(r.b);
    else adj.set(r.a, [r.b]);
  }
  return stronglyConnected(adj);
}
