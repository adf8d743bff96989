// Reads over many issues: list, count, ready work, blocked work, children, stale, stats, and
// an issue's details. Filters become SQL in ../sql/filters.ts.
import { ValidationError } from "../../errors.ts";
import type { BlockedIssue, Issue, IssueDetails, IssueWithCounts, Statistics } from "../model.ts";
import { orderBy } from "../sql/filters.ts";
import { assembleDetails, blockersFrom, blockersSql, DONE_STATUSES } from "../sql/reads.ts";
import {
  assembleWithCounts,
  CLOSEABLE_EPICS_SQL,
  COMMENT_COUNT_SQL,
  DEP_COUNT_SQL,
  DEPENDENT_COUNT_SQL,
  PAGE_EDGES_SQL,
  readyWhere as sharedReadyWhere,
  whereFor as sharedWhereFor,
} from "../sql/ready.ts";
import { rowToIssue } from "../sql/rows.ts";
import type { IssueFilter, ReadyFilter, StaleOptions } from "../store.ts";
import type { LedgerContext } from "./context.ts";
import type { Param, Row } from "./db.ts";
import { related } from "./dependencies.ts";
import { commentsOf, labelsOf } from "./labels.ts";

export function getDetails(c: LedgerContext, id: string): IssueDetails {
  return c.db.read(() =>
    assembleDetails(
      c.mustGet(id),
      related(c, id, "down"),
      related(c, id, "up"),
      commentsOf(c, id),
      c.parentOf(id),
    ),
  );
}

/** Adds the list-row counts (and labels) to a batch of rows. */
function withCounts(c: LedgerContext, rows: Row[]): IssueWithCounts[] {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const count = (sql: string, col: string) => {
    const sc = c.scope(ids, col);
    const m = new Map<string, number>();
    for (const r of c.db.all<{ k: string; n: number }>(sql.replace("$SCOPE", sc.sql), ...sc.params)) {
      m.set(r.k, Number(r.n));
    }
    return m;
  };
  const counts = {
    deps: count(DEP_COUNT_SQL, "issue_id"),
    dependents: count(DEPENDENT_COUNT_SQL, "depends_on_id"),
    comments: count(COMMENT_COUNT_SQL, "issue_id"),
  };
  const sc = c.scope(ids, "issue_id");
  const edgeRows = c.db.all<Row>(PAGE_EDGES_SQL.replace("$SCOPE", sc.sql), ...sc.params);
  return assembleWithCounts(rows, counts, edgeRows, labelsOf(c, ids));
}

function whereFor(c: LedgerContext, f: IssueFilter) {
  return sharedWhereFor(c.sql, c.vocab, f, c.now());
}

export function listIssues(c: LedgerContext, filter: IssueFilter): IssueWithCounts[] {
  return c.db.read(() => {
    const w = whereFor(c, filter);
    const limit = filter.limit && filter.limit > 0 ? ` LIMIT ${Math.floor(filter.limit)}` : "";
    const rows = c.db.all(
      `SELECT i.* FROM issues i WHERE ${w.sql} ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${limit}`,
      ...w.params,
    );
    return withCounts(c, rows);
  });
}

export function countIssues(
  c: LedgerContext,
  filter: IssueFilter,
  groupBy?: string,
): number | Record<string, number> {
  const w = whereFor(c, filter);
  if (!groupBy) {
    return Number(
      c.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params)?.n ?? 0,
    );
  }
  const col = { status: "i.status", priority: "i.priority", type: "i.issue_type", assignee: "i.assignee" }[
    groupBy
  ];
  const out: Record<string, number> = {};
  if (groupBy === "label") {
    for (const r of c.db.all<{ k: string; n: number }>(
      `SELECT l.label AS k, COUNT(*) AS n FROM issues i JOIN labels l ON l.issue_id = i.id WHERE ${w.sql} GROUP BY l.label`,
      ...w.params,
    )) {
      out[r.k] = Number(r.n);
    }
    return out;
  }
  if (!col)
    throw new ValidationError(`invalid group "${groupBy}" (use status, priority, type, assignee or label)`);
  for (const r of c.db.all<{ k: string | null; n: number }>(
    `SELECT ${col} AS k, COUNT(*) AS n FROM issues i WHERE ${w.sql} GROUP BY ${col}`,
    ...w.params,
  )) {
    out[r.k === null || r.k === "" ? "(none)" : String(r.k)] = Number(r.n);
  }
  return out;
}

function readyWhere(c: LedgerContext, filter: ReadyFilter, shape: "rows" | "count" = "rows") {
  return sharedReadyWhere(c.sql, c.vocab, filter, c.now(), shape);
}

export function ready(c: LedgerContext, filter: ReadyFilter): IssueWithCounts[] {
  return c.db.read(() => {
    const w = readyWhere(c, filter);
    const limit = filter.limit === undefined ? 100 : filter.limit;
    const rows = c.db.all(
      `SELECT i.* FROM issues i WHERE ${w.sql}
       ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${limit > 0 ? ` LIMIT ${Math.floor(limit)}` : ""}`,
      ...w.params,
    );
    return withCounts(c, rows);
  });
}

export function countReady(c: LedgerContext, filter: ReadyFilter): number {
  const w = readyWhere(c, filter, "count");
  return Number(
    c.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params)?.n ?? 0,
  );
}

export function blocked(c: LedgerContext, filter: IssueFilter): BlockedIssue[] {
  return c.db.read(() => {
    const w = whereFor(c, filter);
    const rows = c.db.all(
      `SELECT i.* FROM issues i WHERE ${w.sql} AND i.is_blocked = 1 AND i.status NOT IN ('closed', 'pinned')
       ORDER BY ${orderBy(filter.sort, filter.reverse, c.clock())}${filter.limit ? ` LIMIT ${Math.floor(filter.limit)}` : ""}`,
      ...w.params,
    );
    const ids = rows.map((r) => String(r.id));
    const blockers = blockersOf(c, ids);
    const labels = labelsOf(c, ids);
    return rows.map((r) => {
      const issue = rowToIssue(r);
      const l = labels.get(issue.id);
      if (l) issue.labels = l;
      const by = blockers.get(issue.id) ?? [];
      return { ...issue, blocked_by_count: by.length, blocked_by: by };
    });
  });
}

/**
 * What keeps each issue blocked: its open `blocks`/`conditional-blocks` targets and
 * unfinished `waits-for` spawners; when there are none, the blocked parent it inherits from.
 */
function blockersOf(c: LedgerContext, ids: string[]): Map<string, string[]> {
  if (ids.length === 0) return new Map();
  const sc = c.scope(ids, "d.issue_id");
  return blockersFrom(
    blockersSql(sc.sql).map((q) =>
      c.db.all<{ k: string; v: string }>(q.sql, ...sc.params, ...(q.done ? DONE_STATUSES : [])),
    ),
  );
}

export function isBlocked(c: LedgerContext, id: string): boolean {
  return Number(c.db.get<{ b: number }>("SELECT is_blocked AS b FROM issues WHERE id = ?", id)?.b ?? 0) === 1;
}

export function children(c: LedgerContext, id: string): IssueWithCounts[] {
  c.mustGet(id);
  const rows = c.db.all(
    `SELECT i.* FROM issues i WHERE i.id IN (SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child')
     ORDER BY i.id`,
    id,
  );
  return withCounts(c, rows);
}

export function stale(c: LedgerContext, opts: StaleOptions): Issue[] {
  const cutoff = new Date(c.clock().getTime() - opts.days * 86_400_000).toISOString();
  const statuses = opts.status ? [opts.status] : ["open", "in_progress", "blocked", "hooked"];
  const rows = c.db.all(
    `SELECT * FROM issues WHERE ephemeral = 0 AND updated_at < ? AND status IN (${statuses.map(() => "?").join(", ")})
     ORDER BY updated_at ASC${opts.limit ? ` LIMIT ${Math.floor(opts.limit)}` : ""}`,
    cutoff,
    ...statuses,
  );
  return rows.map(rowToIssue);
}

export function stats(c: LedgerContext): Statistics {
  return c.db.read(() => {
    const n = (sql: string, ...p: Param[]) => Number(c.db.get<{ n: number }>(sql, ...p)?.n ?? 0);
    const base = "FROM issues WHERE ephemeral = 0";
    const byStatus = (s: string) => n(`SELECT COUNT(*) AS n ${base} AND status = ?`, s);
    const readyW = readyWhere(c, {}, "count");
    const readyCount = n(`SELECT COUNT(*) AS n FROM issues i WHERE ${readyW.sql}`, ...readyW.params);
    const lead = c.db.get<{ h: number | null }>(
      `SELECT AVG(${c.sql.hoursBetween("created_at", "closed_at")}) AS h ${base} AND status = 'closed'`,
    );
    const epics = n(CLOSEABLE_EPICS_SQL);
    return {
      total_issues: n(`SELECT COUNT(*) AS n ${base}`),
      open_issues: byStatus("open"),
      in_progress_issues: byStatus("in_progress"),
      closed_issues: byStatus("closed"),
      blocked_issues: n(
        `SELECT COUNT(*) AS n ${base} AND is_blocked = 1 AND status NOT IN ('closed', 'pinned')`,
      ),
      deferred_issues: byStatus("deferred"),
      ready_issues: readyCount,
      pinned_issues: byStatus("pinned"),
      epics_eligible_for_closure: epics,
      average_lead_time_hours: Math.round(Number(lead?.h ?? 0) * 100) / 100,
    };
  });
}
