// Keeps the materialised `is_blocked` flag true to beads' rules (../sql/blocking.ts), inside
// the write transaction that changed statuses or edges.
import {
  blockedExpr,
  CHILDREN_SQL,
  computeBlockedSql,
  PARENTED_SQL,
  recomputePassSql,
  STATUS_READERS_SQL,
  WAITERS_SQL,
} from "../sql/blocking.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import type { Db } from "./db.ts";

export class BlockingIndex {
  private readonly db: Db;
  private readonly sql: SqlDialect;
  private dirty = new Set<string>();
  /** Issues that went from blocked to unblocked in the current write. */
  unblocked = new Set<string>();

  constructor(db: Db, sql: SqlDialect) {
    this.db = db;
    this.sql = sql;
  }

  /** SQL expression: is the issue aliased `x` blocked right now? */
  blockedExpr(x: string): string {
    return blockedExpr(this.sql, x);
  }

  /** The issue's own status changed: it and everything that reads its status. */
  touchStatus(id: string): void {
    this.dirty.add(id);
    for (const readers of STATUS_READERS_SQL)
      for (const r of this.db.column<string>(readers, id)) this.dirty.add(r);
  }

  /** An edge from `source` changed. */
  touchEdge(source: string, target: string, type: string): void {
    this.dirty.add(source);
    if (type === "parent-child") {
      for (const waiter of this.db.column<string>(WAITERS_SQL, target)) {
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
    const compute = computeBlockedSql(this.sql);
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
      for (const child of this.db.column<string>(CHILDREN_SQL, id)) {
        queue.push(child);
      }
    }
  }

  /**
   * Full recomputation (after import or repair). A few set-wide passes settle most rows;
   * the worklist then follows every child chain down, however deep, until nothing changes.
   */
  recomputeAll(): void {
    const pass = recomputePassSql(this.sql);
    for (let n = 0; n < 3; n++) {
      if (this.db.run(pass) === 0) return;
    }
    for (const id of this.db.column<string>(PARENTED_SQL)) {
      this.dirty.add(id);
    }
    this.settle();
  }

  reset(): void {
    this.dirty.clear();
    this.unblocked.clear();
  }
}
