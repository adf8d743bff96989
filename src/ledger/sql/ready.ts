// Which issues are ready work, as a WHERE clause over `issues i` (any dialect): the filter,
// the status, not blocked, not pinned, not deferred (nor a child of a deferred parent), work
// types only. Shared by ready, countReady and stats in every SQL store.
import { type Dependency, type IssueWithCounts, READY_EXCLUDED_TYPES } from "../model.ts";
import type { IssueFilter, ReadyFilter } from "../store.ts";
import { hiddenListStatuses, type Vocabulary } from "../validate.ts";
import type { Row, SqlDialect } from "./dialect.ts";
import { buildWhere, type Where } from "./filters.ts";
import { rowToIssue, toDependency } from "./rows.ts";

/** A list filter's WHERE clause with the ledger's vocabulary (hidden statuses, infra types). */
export function whereFor(sql: SqlDialect, vocab: Vocabulary, f: IssueFilter, now: string): Where {
  return buildWhere(f, {
    sql,
    infraTypes: vocab.infraTypes,
    now,
    hiddenStatuses: hiddenListStatuses(vocab),
  });
}

/**
 * WHERE clause of the ready query. `rows` checks deferred parents per row (fastest when a
 * LIMIT stops early); `count` collects the children of deferred parents once (fastest when
 * every row is visited).
 */
export function readyWhere(
  sql: SqlDialect,
  vocab: Vocabulary,
  filter: ReadyFilter,
  now: string,
  shape: "rows" | "count" = "rows",
): Where {
  const f: IssueFilter = {
    ...filter,
    statuses: [filter.status ?? "open"],
    includeInfra: true,
    excludeTypes:
      filter.types && filter.types.length > 0
        ? filter.excludeTypes
        : [...READY_EXCLUDED_TYPES, ...(filter.excludeTypes ?? [])],
  };
  const w = whereFor(sql, vocab, f, now);
  const base = `${w.sql} AND i.is_blocked = 0 AND i.pinned = 0`;
  if (filter.includeDeferred) return { sql: base, params: w.params };
  const deferredParent =
    shape === "rows"
      ? `NOT EXISTS (SELECT 1 FROM dependencies pd JOIN issues pp ON pp.id = pd.depends_on_id
                     WHERE pd.issue_id = i.id AND pd.type = 'parent-child' AND pp.defer_until > ?)`
      : `i.id NOT IN (SELECT pd.issue_id FROM issues pp ${sql.orderedJoin} dependencies pd ON pd.depends_on_id = pp.id
                      WHERE pp.defer_until > ? AND pd.type = 'parent-child')`;
  return {
    sql: `${base} AND (i.defer_until IS NULL OR i.defer_until <= ?) AND ${deferredParent}`,
    params: [...w.params, now, now],
  };
}

/** `LIMIT n` when n is positive, else nothing. */
export const limitClause = (n: number | undefined): string => (n && n > 0 ? ` LIMIT ${Math.floor(n)}` : "");

// The list-row counts and relations (withCounts), over `$SCOPE` (an ID list of the page).
// As in beads' list rows: counts cover `blocks` edges; `dependencies` lists every outgoing edge.
export const DEP_COUNT_SQL =
  "SELECT issue_id AS k, COUNT(*) AS n FROM dependencies WHERE $SCOPE AND type = 'blocks' GROUP BY issue_id";
export const DEPENDENT_COUNT_SQL =
  "SELECT depends_on_id AS k, COUNT(*) AS n FROM dependencies WHERE $SCOPE AND type = 'blocks' GROUP BY depends_on_id";
export const COMMENT_COUNT_SQL =
  "SELECT issue_id AS k, COUNT(*) AS n FROM comments WHERE $SCOPE GROUP BY issue_id";

/** Epics with children, all closed, themselves still open (stats). */
export const CLOSEABLE_EPICS_SQL = `SELECT COUNT(*) AS n FROM issues e WHERE e.ephemeral = 0 AND e.issue_type = 'epic' AND e.status != 'closed'
         AND EXISTS (SELECT 1 FROM dependencies d WHERE d.depends_on_id = e.id AND d.type = 'parent-child')
         AND NOT EXISTS (SELECT 1 FROM dependencies d JOIN issues c ON c.id = d.issue_id
                         WHERE d.depends_on_id = e.id AND d.type = 'parent-child' AND c.status != 'closed')`;

/** The page's outgoing edges (for withCounts), over `$SCOPE`. */
export const PAGE_EDGES_SQL =
  "SELECT issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id FROM dependencies WHERE $SCOPE ORDER BY issue_id, depends_on_id";

/** List rows with their counts, edges, parent and labels, from the reads above. */
export function assembleWithCounts(
  rows: Row[],
  counts: { deps: Map<string, number>; dependents: Map<string, number>; comments: Map<string, number> },
  edgeRows: Row[],
  labels: Map<string, string[]>,
): IssueWithCounts[] {
  const edges = new Map<string, Dependency[]>();
  const parents = new Map<string, string>();
  for (const r of edgeRows) {
    const d = toDependency(r);
    const l = edges.get(d.issue_id);
    if (l) l.push(d);
    else edges.set(d.issue_id, [d]);
    // The parent is the smallest parent-child target, as beads reports it.
    if (d.type === "parent-child" && !parents.has(d.issue_id)) parents.set(d.issue_id, d.depends_on_id);
  }
  return rows.map((r) => {
    const issue = rowToIssue(r) as IssueWithCounts;
    const l = labels.get(issue.id);
    if (l) issue.labels = l;
    const e = edges.get(issue.id);
    if (e) issue.dependencies = e;
    issue.dependency_count = counts.deps.get(issue.id) ?? 0;
    issue.dependent_count = counts.dependents.get(issue.id) ?? 0;
    issue.comment_count = counts.comments.get(issue.id) ?? 0;
    const p = parents.get(issue.id);
    if (p) issue.parent = p;
    return issue;
  });
}
