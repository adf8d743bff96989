// Reads of the PostgreSQL ledger, each inside the caller's read-only snapshot (store.ts):
// lists, counts, ready and blocked work, children, stale, stats, details, edges and the
// tree, cycles, labels, comments, events and the export. The WHERE clauses, the ready and
// blocked rules and the export's shape are ../sql/, shared with SQLite.
import { ValidationError } from "../../errors.ts";
import type {
  BlockedIssue,
  Comment,
  Dependency,
  Issue,
  IssueDetails,
  IssueWithCounts,
  IssueWithDependencyType,
  LedgerEvent,
  Statistics,
} from "../model.ts";
import type { Row } from "../sql/dialect.ts";
import { assembleExport, exportStatements } from "../sql/export.ts";
import { orderBy } from "../sql/filters.ts";
import {
  assembleDetails,
  blockersFrom,
  blockersSql,
  DONE_STATUSES,
  edgeTargetsSql,
  relatedSql,
  withStubs,
} from "../sql/reads.ts";
import {
  assembleWithCounts,
  CLOSEABLE_EPICS_SQL,
  COMMENT_COUNT_SQL,
  DEP_COUNT_SQL,
  DEPENDENT_COUNT_SQL,
  limitClause,
  PAGE_EDGES_SQL,
  readyWhere,
  whereFor,
} from "../sql/ready.ts";
import { rowToIssue, toDependency } from "../sql/rows.ts";
import type {
  DependencyTreeNode,
  ExportOptions,
  IssueFilter,
  LabelCount,
  ReadyFilter,
  StaleOptions,
} from "../store.ts";
import { unexportedTypes } from "../validate.ts";
import type { PgContext } from "./context.ts";
import { CYCLE_TYPES, DEP_COLUMNS } from "./edges.ts";

const where = (c: PgContext, f: IssueFilter) => whereFor(c.sql, c.vocab, f, c.now());

/** Labels of many issues, each list sorted. */
async function labelsOf(c: PgContext, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const sc = c.scope(ids, "issue_id");
  for (const r of await c.q.all<{ issue_id: string; label: string }>(
    `SELECT issue_id, label FROM labels WHERE ${sc.sql} ORDER BY issue_id, label`,
    ...sc.params,
  )) {
    const l = out.get(r.issue_id);
    if (l) l.push(r.label);
    else out.set(r.issue_id, [r.label]);
  }
  return out;
}

/** Adds the list-row counts (and labels) to a batch of rows. */
async function withCounts(c: PgContext, rows: Row[]): Promise<IssueWithCounts[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const count = async (sql: string, col: string) => {
    const sc = c.scope(ids, col);
    const m = new Map<string, number>();
    for (const r of await c.q.all<{ k: string; n: string }>(sql.replace("$SCOPE", sc.sql), ...sc.params))
      m.set(r.k, Number(r.n));
    return m;
  };
  const counts = {
    deps: await count(DEP_COUNT_SQL, "issue_id"),
    dependents: await count(DEPENDENT_COUNT_SQL, "depends_on_id"),
    comments: await count(COMMENT_COUNT_SQL, "issue_id"),
  };
  const sc = c.scope(ids, "issue_id");
  const edgeRows = await c.q.all<Row>(PAGE_EDGES_SQL.replace("$SCOPE", sc.sql), ...sc.params);
  return assembleWithCounts(rows, counts, edgeRows, await labelsOf(c, ids));
}

export async function listIssues(c: PgContext, filter: IssueFilter): Promise<IssueWithCounts[]> {
  const w = where(c, filter);
  const rows = await c.q.all(
    `SELECT i.* FROM issues i WHERE ${w.sql} ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${limitClause(filter.limit)}`,
    ...w.params,
  );
  return withCounts(c, rows);
}

export async function countIssues(
  c: PgContext,
  filter: IssueFilter,
  groupBy?: string,
): Promise<number | Record<string, number>> {
  const w = where(c, filter);
  if (!groupBy)
    return Number(
      (await c.q.get<{ n: string }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params))?.n ??
        0,
    );
  const out: Record<string, number> = {};
  if (groupBy === "label") {
    for (const r of await c.q.all<{ k: string; n: string }>(
      `SELECT l.label AS k, COUNT(*) AS n FROM issues i JOIN labels l ON l.issue_id = i.id WHERE ${w.sql} GROUP BY l.label`,
      ...w.params,
    ))
      out[r.k] = Number(r.n);
    return out;
  }
  const col = { status: "i.status", priority: "i.priority", type: "i.issue_type", assignee: "i.assignee" }[
    groupBy
  ];
  if (!col)
    throw new ValidationError(`invalid group "${groupBy}" (use status, priority, type, assignee or label)`);
  for (const r of await c.q.all<{ k: string | number | null; n: string }>(
    `SELECT ${col} AS k, COUNT(*) AS n FROM issues i WHERE ${w.sql} GROUP BY ${col}`,
    ...w.params,
  ))
    out[r.k === null || r.k === "" ? "(none)" : String(r.k)] = Number(r.n);
  return out;
}

export async function ready(c: PgContext, filter: ReadyFilter): Promise<IssueWithCounts[]> {
  const w = readyWhere(c.sql, c.vocab, filter, c.now());
  const rows = await c.q.all(
    `SELECT i.* FROM issues i WHERE ${w.sql}
     ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${limitClause(filter.limit === undefined ? 100 : filter.limit)}`,
    ...w.params,
  );
  return withCounts(c, rows);
}

export async function countReady(c: PgContext, filter: ReadyFilter): Promise<number> {
  const w = readyWhere(c.sql, c.vocab, filter, c.now(), "count");
  return Number(
    (await c.q.get<{ n: string }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params))?.n,
  );
}

export async function blocked(c: PgContext, filter: IssueFilter): Promise<BlockedIssue[]> {
  const w = where(c, filter);
  const rows = await c.q.all(
    `SELECT i.* FROM issues i WHERE ${w.sql} AND i.is_blocked = 1 AND i.status NOT IN ('closed', 'pinned')
     ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${limitClause(filter.limit)}`,
    ...w.params,
  );
  const ids = rows.map((r) => String(r.id));
  const blockers = await blockersOf(c, ids);
  const labels = await labelsOf(c, ids);
  return rows.map((r) => {
    const issue = rowToIssue(r);
    const l = labels.get(issue.id);
    if (l) issue.labels = l;
    const by = blockers.get(issue.id) ?? [];
    return { ...issue, blocked_by_count: by.length, blocked_by: by };
  });
}

/** What keeps each issue blocked (../sql/reads.ts). */
async function blockersOf(c: PgContext, ids: string[]): Promise<Map<string, string[]>> {
  if (ids.length === 0) return new Map();
  const sc = c.scope(ids, "d.issue_id");
  const rows: Array<Array<{ k: string; v: string }>> = [];
  for (const q of blockersSql(sc.sql))
    rows.push(await c.q.all(q.sql, ...sc.params, ...(q.done ? DONE_STATUSES : [])));
  return blockersFrom(rows);
}

export async function isBlocked(c: PgContext, id: string): Promise<boolean> {
  return (
    Number((await c.q.get<{ b: number }>("SELECT is_blocked AS b FROM issues WHERE id = ?", id))?.b ?? 0) ===
    1
  );
}

export async function children(c: PgContext, id: string): Promise<IssueWithCounts[]> {
  await c.mustGet(id);
  const rows = await c.q.all(
    `SELECT i.* FROM issues i WHERE i.id IN (SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child')
     ORDER BY i.id`,
    id,
  );
  return withCounts(c, rows);
}

export async function stale(c: PgContext, opts: StaleOptions): Promise<Issue[]> {
  const cutoff = new Date(c.clock().getTime() - opts.days * 86_400_000).toISOString();
  const statuses = opts.status ? [opts.status] : ["open", "in_progress", "blocked", "hooked"];
  const rows = await c.q.all(
    `SELECT * FROM issues WHERE ephemeral = 0 AND updated_at < ? AND status IN (${statuses.map(() => "?").join(", ")})
     ORDER BY updated_at ASC${limitClause(opts.limit)}`,
    cutoff,
    ...statuses,
  );
  return rows.map(rowToIssue);
}

export async function stats(c: PgContext): Promise<Statistics> {
  const n = async (sql: string, ...p: string[]) => Number((await c.q.get<{ n: string }>(sql, ...p))?.n ?? 0);
  const base = "FROM issues WHERE ephemeral = 0";
  const byStatus = (s: string) => n(`SELECT COUNT(*) AS n ${base} AND status = ?`, s);
  const readyW = readyWhere(c.sql, c.vocab, {}, c.now(), "count");
  const readyCount = Number(
    (await c.q.get<{ n: string }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${readyW.sql}`, ...readyW.params))
      ?.n,
  );
  const lead = await c.q.get<{ h: string | null }>(
    `SELECT AVG(${c.sql.hoursBetween("created_at", "closed_at")}) AS h ${base} AND status = 'closed'`,
  );
  return {
    total_issues: await n(`SELECT COUNT(*) AS n ${base}`),
    open_issues: await byStatus("open"),
    in_progress_issues: await byStatus("in_progress"),
    closed_issues: await byStatus("closed"),
    blocked_issues: await n(
      `SELECT COUNT(*) AS n ${base} AND is_blocked = 1 AND status NOT IN ('closed', 'pinned')`,
    ),
    deferred_issues: await byStatus("deferred"),
    ready_issues: readyCount,
    pinned_issues: await byStatus("pinned"),
    epics_eligible_for_closure: await n(CLOSEABLE_EPICS_SQL),
    average_lead_time_hours: Math.round(Number(lead?.h ?? 0) * 100) / 100,
  };
}

// ---------------------------------------------------------------- details and edges

/** Issues an issue depends on (down) or that depend on it (up), with the edge's type. */
export async function related(
  c: PgContext,
  id: string,
  direction: "down" | "up",
  type?: string,
): Promise<IssueWithDependencyType[]> {
  const params = type ? [id, type] : [id];
  const rows = await c.q.all(relatedSql(direction, type !== undefined), ...params);
  const out = rows.map((r) => ({ ...rowToIssue(r), dependency_type: String(r.dependency_type) }));
  if (direction === "up") return out;
  return withStubs(out, await c.q.all(edgeTargetsSql(type !== undefined), ...params));
}

export async function getDetails(c: PgContext, id: string): Promise<IssueDetails> {
  const issue = await c.mustGet(id);
  return assembleDetails(
    issue,
    await related(c, id, "down"),
    await related(c, id, "up"),
    await commentsOf(c, id),
    await c.parentOf(id),
  );
}

export async function dependencyRecords(c: PgContext, id: string): Promise<Dependency[]> {
  return (
    await c.q.all<Row>(
      `SELECT ${DEP_COLUMNS} FROM dependencies WHERE issue_id = ? ORDER BY depends_on_id`,
      id,
    )
  ).map(toDependency);
}

export async function dependentRecords(c: PgContext, id: string, type?: string): Promise<Dependency[]> {
  const rows = await c.q.all<Row>(
    `SELECT ${DEP_COLUMNS} FROM dependencies WHERE depends_on_id = ? ${type ? "AND type = ?" : ""} ORDER BY issue_id`,
    ...(type ? [id, type] : [id]),
  );
  return rows.map(toDependency);
}

export async function dependencyTree(
  c: PgContext,
  id: string,
  opts: { maxDepth: number; direction: "down" | "up" | "both" },
): Promise<DependencyTreeNode[]> {
  const root = await c.mustGet(id);
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
  const walk = async (dir: "down" | "up") => {
    const seen = new Set<string>([id]);
    const visit = async (node: string, depth: number) => {
      for (const rel of await related(c, node, dir)) {
        const truncated = depth + 1 >= opts.maxDepth && (await related(c, rel.id, dir)).length > 0;
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
          await visit(rel.id, depth + 1);
        }
      }
    };
    await visit(id, 0);
  };
  if (opts.direction !== "up") await walk("down");
  if (opts.direction !== "down") await walk("up");
  return out;
}

/** The cycle-checked edges as an adjacency map (findCycles runs Tarjan's algorithm over it). */
export async function cycleEdges(c: PgContext): Promise<Map<string, string[]>> {
  const adj = new Map<string, string[]>();
  for (const r of await c.q.all<{ a: string; b: string }>(
    `SELECT issue_id AS a, depends_on_id AS b FROM dependencies WHERE type IN (${CYCLE_TYPES})`,
  )) {
    const l = adj.get(r.a);
    if (l) l.push(r.b);
    else adj.set(r.a, [r.b]);
  }
  return adj;
}

// ---------------------------------------------------------------- labels, comments, events

export async function allLabels(c: PgContext): Promise<LabelCount[]> {
  return (
    await c.q.all<{ label: string; n: string }>(
      "SELECT l.label, COUNT(*) AS n FROM labels l JOIN issues i ON i.id = l.issue_id WHERE i.ephemeral = 0 GROUP BY l.label ORDER BY l.label",
    )
  ).map((r) => ({ label: r.label, count: Number(r.n) }));
}

/** An issue's comments, oldest first (insertion order among equal times). */
export function commentsOf(c: PgContext, id: string): Promise<Comment[]> {
  return c.q.all<Comment>(
    `SELECT id, issue_id, author, text, created_at FROM comments WHERE issue_id = ? ORDER BY created_at, ${c.sql.insertionOrder}`,
    id,
  );
}

export async function events(c: PgContext, id: string): Promise<LedgerEvent[]> {
  return (await c.q.all<Row>("SELECT * FROM events WHERE issue_id = ? ORDER BY id", id)).map((r) => {
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

export async function exportIssues(c: PgContext, opts: ExportOptions & { ids?: string[] }): Promise<Issue[]> {
  const st = exportStatements(c.sql, unexportedTypes(c.vocab), opts);
  if (!st) return [];
  return assembleExport(
    await c.q.all(st.issues.sql, ...st.issues.params),
    await c.q.all(st.labels, ...st.relParams),
    await c.q.all(st.deps, ...st.relParams),
    await c.q.all(st.comments, ...st.relParams),
  );
}
