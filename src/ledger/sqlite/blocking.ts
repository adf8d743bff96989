// Keeps the materialised `is_blocked` flag true to beads' rules, inside the write
// transaction that changed statuses or edges. A row that is not closed/pinned is blocked
// when (1) a `blocks`/`conditional-blocks` target is not closed/pinned, (2) its parent is
// blocked, or (3) a `waits-for` spawner still has unfinished children (for
// `any-children`: none closed yet). Targets missing here (other rigs, external) never block.
import { NON_BLOCKING_STATUSES } from "../model.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import type { Db } from "./db.ts";

export class BlockingIndex {
  private readonly db: Db;
  private readonly sql: SqlDialect;
  private readonly doneList: string;
  private dirty = new Set<string>();
  /** Issues that went from blocked to unblocked in the current write. */
  unblocked = new Set<string>();

  constructor(db: Db, sql: SqlDialect) {
    this.db = db;
    this.sql = sql;
    // As in beads, only closed and pinned holders stop blocking; custom statuses still block.
    this.doneList = NON_BLOCKING_STATUSES.map((s) => `'${s}'`).join(", ");
  }

  /** SQL expression: is the issue aliased `x` blocked right now? */
  blockedExpr(x: string): string {
    const done = this.doneList;
    return `(${x}.status NOT IN (${done}) AND (
      EXISTS (SELECT 1 FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
              WHERE d.issue_id = ${x}.id AND d.type IN ('blocks', 'conditional-blocks') AND t.status NOT IN (${done}))
      OR EXISTS (SELECT 1 FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
              WHERE d.issue_id = ${x}.id AND d.type = 'parent-child' AND p.is_blocked = 1)
      OR EXISTS (SELECT 1 FROM dependencies w
              WHERE w.issue_id = ${x}.id AND w.type = 'waits-for'
                AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                            WHERE c.depends_on_id = w.depends_on_id AND c.type = 'parent-child' AND ci.status NOT IN (${done}))
                AND NOT (COALESCE(${this.sql.jsonText("w.metadata", "gate")}, 'all-children') = 'any-children'
                         AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                                     WHERE c.depends_on_id = w.depends_on_id AND c.type = 'parent-child' AND ci.status = 'closed')))
    ))`;
  }

  /** The issue's own status changed: it and everything that reads its status. */
  touchStatus(id: string): void {
    this.dirty.add(id);
    for (const dep of this.db.column<string>(
      "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type IN ('blocks', 'conditional-blocks')",
      id,
    )) {
      this.dirty.add(dep);
    }
    for (const waiter of this.db.column<string>(
      `SELECT w.issue_id FROM dependencies pc JOIN dependencies w ON w.depends_on_id = pc.depends_on_id AND w.type = 'waits-for'
       WHERE pc.issue_id = ? AND pc.type = 'parent-child'`,
      id,
    )) {
      this.dirty.add(waiter);
    }
  }

  /** An edge from `source` changed. */
  touchEdge(source: string, target: string, type: string): void {
    this.dirty.add(source);
    if (type === "parent-child") {
      for (const waiter of this.db.column<string>(
        "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'waits-for'",
        target,
      )) {
        this.dirty.add(waiter);
      }
    }
  }

  touch(id: string): void {
    this.dirty.add(id);
  }

  /** Recomputes dirty rows to a fixed point, following changes down to children. */
  settle(): void {
    const queue = [...this.dirty];
    this.dirty.clear();
    const compute = `SELECT ${this.blockedExpr("x")} AS b, x.is_blocked AS cur FROM issues x WHERE x.id = ?`;
    let budget = 1_000_000;
    while (queue.length > 0 && budget-- > 0) {
      const id = queue.pop()!;
      const row = this.db.get<{ b: number; cur: number }>(compute, id);
      if (!row) continue;
      const next = Number(row.b) ? 1 : 0;
      if (next === Number(row.cur)) continue;
      this.db.run("UPDATE issues SET is_blocked = ? WHERE id = ?", next, id);
      if (next === 0) this.unblocked.add(id);
      else this.unblocked.delete(id);
      for (const child of this.db.column<string>(
        "SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child'",
        id,
      )) {
        queue.push(child);
      }
    }
  }

  /**
   * Full recomputation (after import or repair). A few set-wide passes settle most rows;
   * the worklist then follows every child chain down, however deep, until nothing changes.
   */
  recomputeAll(): void {
    const expr = `CASE WHEN ${this.blockedExpr("issues")} THEN 1 ELSE 0 END`;
    for (let pass = 0; pass < 3; pass++) {
      if (this.db.run(`UPDATE issues SET is_blocked = ${expr} WHERE is_blocked != ${expr}`) === 0) return;
    }
    for (const id of this.db.column<string>(
      "SELECT DISTINCT issue_id FROM dependencies WHERE type = 'parent-child'",
    )) {
      this.dirty.add(id);
    }
    this.settle();
  }

  reset(): void {
    this.dirty.clear();
    this.unblocked.clear();
  }
}
