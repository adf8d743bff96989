// A thin wrapper over node:sqlite: statement cache, parameter conversion, and write
// transactions that wait for the lock instead of failing ("database is locked").
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Param, Row } from "../sql/dialect.ts";

export type { Param, Row };

function toSql(p: Param): SQLInputValue {
  if (p === undefined) return null;
  if (typeof p === "boolean") return p ? 1 : 0;
  return p;
}

export class Db {
  readonly raw: DatabaseSync;
  private readonly cache = new Map<string, StatementSync>();
  private depth = 0;

  constructor(path: string, opts: { readOnly?: boolean; busyTimeoutMs?: number } = {}) {
    this.raw = new DatabaseSync(path, {
      readOnly: opts.readOnly ?? false,
      timeout: opts.busyTimeoutMs ?? 60_000,
      enableForeignKeyConstraints: false,
    });
  }

  private stmt(sql: string): StatementSync {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  all<T = Row>(sql: string, ...params: Param[]): T[] {
    return this.stmt(sql).all(...params.map(toSql)) as T[];
  }

  get<T = Row>(sql: string, ...params: Param[]): T | undefined {
    return this.stmt(sql).get(...params.map(toSql)) as T | undefined;
  }

  run(sql: string, ...params: Param[]): number {
    return Number(this.stmt(sql).run(...params.map(toSql)).changes);
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Column values of the first column. */
  column<T = unknown>(sql: string, ...params: Param[]): T[] {
    const s = this.stmt(sql);
    s.setReturnArrays(true);
    try {
      return (s.all(...params.map(toSql)) as unknown as unknown[][]).map((r) => r[0] as T);
    } finally {
      s.setReturnArrays(false);
    }
  }

  /**
   * Runs `fn` in a write transaction. BEGIN IMMEDIATE takes the write lock up front, so
   * concurrent writers queue on the busy timeout rather than deadlocking on an upgrade.
   * Nested calls join the outer transaction.
   */
  write<T>(fn: () => T): T {
    return this.transaction(fn, false);
  }

  /**
   * As write, for a sequence of awaited steps (bd batch): one transaction around all of
   * them, rolled back whole when any fails. Nothing else may use this connection meanwhile.
   */
  async writeAsync<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn, true);
  }

  /** The one write transaction; `awaited` holds it open until fn's promise settles. */
  private transaction<T>(fn: () => T, awaited: boolean): T {
    if (this.depth > 0) return fn();
    this.beginImmediate();
    this.depth++;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.end(false);
      throw e;
    }
    if (!awaited) {
      this.end(true);
      return result;
    }
    return (result as Promise<unknown>).then(
      (value) => {
        this.end(true);
        return value;
      },
      (e: unknown) => {
        this.end(false);
        throw e;
      },
    ) as T;
  }

  /** Commits (or rolls back) the outermost write; a failed COMMIT rolls back too. */
  private end(commit: boolean): void {
    this.depth--;
    try {
      if (commit) {
        this.raw.exec("COMMIT");
        return;
      }
    } catch (e) {
      if (this.raw.isTransaction) this.raw.exec("ROLLBACK");
      throw e;
    }
    if (this.raw.isTransaction) this.raw.exec("ROLLBACK");
  }

  /** Consistent reads across several statements. */
  read<T>(fn: () => T): T {
    if (this.depth > 0 || this.raw.isTransaction) return fn();
    this.raw.exec("BEGIN");
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.raw.isTransaction) this.raw.exec("COMMIT");
    }
  }

  private beginImmediate(): void {
    // The busy handler covers BEGIN IMMEDIATE; retry anyway on the rare BUSY that
    // SQLite returns without consulting it (e.g. while a WAL reset is in progress).
    for (let attempt = 0; ; attempt++) {
      try {
        this.raw.exec("BEGIN IMMEDIATE");
        return;
      } catch (e) {
        const msg = String((e as Error).message);
        if (attempt < 200 && /locked|busy/i.test(msg)) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.floor(Math.random() * 20));
          continue;
        }
        throw e;
      }
    }
  }

  get inTransaction(): boolean {
    return this.raw.isTransaction;
  }

  close(): void {
    this.cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}
