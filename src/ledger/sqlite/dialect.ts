// The SQLite side of SqlDialect: everything in the ledger's statements that only SQLite says
// this way. The schema (schema.ts), the export triggers (export.ts) and the connection's
// PRAGMAs and BEGIN IMMEDIATE (db.ts, store.ts) are SQLite's own and stay with them.
import type { SqlDialect } from "../sql/dialect.ts";

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export const SQLITE: SqlDialect = {
  upsert: (table, columns, key, update) =>
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${marks(columns.length)}) ON CONFLICT(${key.join(", ")}) DO UPDATE SET ${update.map((c) => `${c} = excluded.${c}`).join(", ")}`,
  insertIgnore: (table, columns, select) =>
    `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) ${select ?? `VALUES (${marks(columns.length)})`}`,
  inList: (col) => `${col} IN (SELECT value FROM json_each(?))`,
  listParam: (ids) => JSON.stringify(ids),
  jsonText: (doc, key) => {
    if (key === undefined) return `json_extract(${doc}, ?)`;
    if (!/^\w+$/.test(key)) throw new Error(`JSON key must be a word: ${key}`);
    return `json_extract(${doc}, '$.${key}')`;
  },
  jsonHas: (doc) => `json_type(${doc}, ?) IS NOT NULL`,
  jsonKey: (key) => `$.${JSON.stringify(key)}`,
  glob: (expr) => `${expr} GLOB ?`,
  hoursBetween: (from, to) => `(julianday(${to}) - julianday(${from})) * 24.0`,
  undotted: (col) => `instr(${col}, '.') = 0`,
  orderedJoin: "CROSS JOIN",
  insertionOrder: "rowid",
  tableColumns: (table) => `PRAGMA table_info(${table})`,
  schemaVersion: "PRAGMA user_version",
  readOnlyOn: "PRAGMA query_only = ON",
  readOnlyOff: "PRAGMA query_only = OFF",
  integrityCheck: (full) => (full ? "PRAGMA integrity_check" : "PRAGMA quick_check"),
};
