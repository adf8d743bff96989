// What differs between the SQL backends of the ledger, in one place per backend. The
// ledger's statements are written once, in SQL both SQLite and PostgreSQL accept, and ask
// the dialect for the rest: conflict handling on insert, JSON access, date arithmetic, join order,
// long ID lists, insertion order, and the engine's own commands (schema version, checks).
export type Param = string | number | bigint | boolean | null | undefined | Uint8Array;
export type Row = Record<string, unknown>;

export interface SqlDialect {
  /** INSERT of `columns` (one placeholder each) that, when `key` exists, sets `update` from the new row. */
  upsert(
    table: string,
    columns: readonly string[],
    key: readonly string[],
    update: readonly string[],
  ): string;
  /** INSERT of `columns` (one placeholder each, or the rows of `select`) that skips rows already there. */
  insertIgnore(table: string, columns: readonly string[], select?: string): string;
  /** `col IN (…)` over a list bound as one parameter (lists too long for a placeholder each). */
  inList(col: string): string;
  /** The value inList binds for `ids`. */
  listParam(ids: readonly string[]): Param;
  /**
   * Text at `key` of the JSON document `doc`: `key` inline (word characters only), or bound
   * as a parameter made by jsonKey when absent.
   */
  jsonText(doc: string, key?: string): string;
  /** True when the JSON document `doc` has the key bound as a parameter made by jsonKey. */
  jsonHas(doc: string): string;
  /** The parameter jsonText and jsonHas bind for `key`. */
  jsonKey(key: string): Param;
  /** `expr` matches the shell-style pattern bound as a parameter (`*`, `?`, `[…]`). */
  glob(expr: string): string;
  /** Hours from one RFC 3339 time column to another, as a number. */
  hoursBetween(from: string, to: string): string;
  /** `col` holds no `.` (a top-level ID, not a dotted child); the text an index is built on. */
  undotted(col: string): string;
  /** A join taken in the order written (SQLite's planner hint; elsewhere a plain JOIN), with ON. */
  readonly orderedJoin: string;
  /** A column that orders a table's rows as they were inserted (ties of equal timestamps). */
  readonly insertionOrder: string;
  /** The query that lists a table's columns (a `name` column per row). */
  tableColumns(table: string): string;
  /** The statement reading the schema version (a `user_version` column). */
  readonly schemaVersion: string;
  /** Statements around a query that must not write, whatever it says. */
  readonly readOnlyOn: string;
  readonly readOnlyOff: string;
  /** The engine's consistency check of the store ("ok" rows when sound). */
  integrityCheck(full: boolean): string;
}
