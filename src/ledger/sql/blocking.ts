// The blocked-state rule as SQL text, written once for every dialect (the stores keep the
// materialised `is_blocked` flag with it, each inside its own write transaction). A row that
// is not closed/pinned is blocked when (1) a `blocks`/`conditional-blocks` target is not
// closed/pinned, (2) its parent is blocked, or (3) a `waits-for` spawner still has
// unfinished children (for `any-children`: none closed yet). Targets missing here (other
// rigs, external) never block.
import { NON_BLOCKING_STATUSES } from "../model.ts";
import type { SqlDialect } from "./dialect.ts";

/** As in beads, only closed and pinned holders stop blocking; custom statuses still block. */
export const DONE_LIST = NON_BLOCKING_STATUSES.map((s) => `'${s}'`).join(", ");

/** SQL expression: is the issue aliased `x` blocked right now? */
export function blockedExpr(sql: SqlDialect, x: string): string {
  const done = DONE_LIST;
  return `(${x}.status NOT IN (${done}) AND (
      EXISTS (SELECT 1 FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
              WHERE d.issue_id = ${x}.id AND d.type IN ('blocks', 'conditional-blocks') AND t.status NOT IN (${done}))
      OR EXISTS (SELECT 1 FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
              WHERE d.issue_id = ${x}.id AND d.type = 'parent-child' AND p.is_blocked = 1)
      OR EXISTS (SELECT 1 FROM dependencies w
              WHERE w.issue_id = ${x}.id AND w.type = 'waits-for'
                AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                            WHERE c.depends_on_id = w.depends_on_id AND c.type = 'parent-child' AND ci.status NOT IN (${done}))
                AND NOT (COALESCE(${sql.jsonText("w.metadata", "gate")}, 'all-children') = 'any-children'
                         AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                                     WHERE c.depends_on_id = w.depends_on_id AND c.type = 'parent-child' AND ci.status = 'closed')))
    ))`;
}

/** The issue's own status changed: who else reads it (its `blocks` dependents, waits-for spawners' waiters). */
export const STATUS_READERS_SQL = [
  "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type IN ('blocks', 'conditional-blocks')",
  `SELECT w.issue_id FROM dependencies pc JOIN dependencies w ON w.depends_on_id = pc.depends_on_id AND w.type = 'waits-for'
       WHERE pc.issue_id = ? AND pc.type = 'parent-child'`,
];

/** Waiters on `target`'s children, when a parent-child edge to it changed. */
export const WAITERS_SQL = "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'waits-for'";

export const CHILDREN_SQL =
  "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child'";

/** One row's computed flag beside its stored one. */
export const computeBlockedSql = (sql: SqlDialect) =>
  `SELECT ${blockedExpr(sql, "x")} AS b, x.is_blocked AS cur FROM issues x WHERE x.id = ?`;

/** A set-wide pass of the full recomputation. */
export const recomputePassSql = (sql: SqlDialect) => {
  const expr = `CASE WHEN ${blockedExpr(sql, "issues")} THEN 1 ELSE 0 END`;
  return `UPDATE issues SET is_blocked = ${expr} WHERE is_blocked != ${expr}`;
};

export const PARENTED_SQL = "SELECT DISTINCT issue_id FROM dependencies WHERE type = 'parent-child'";
