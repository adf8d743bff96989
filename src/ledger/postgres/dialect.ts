// The PostgreSQL side of SqlDialect: everything in the ledger's statements that only
// PostgreSQL says this way. Booleans are integer columns (0/1) as in SQLite, so the shared
// statements compare them the same way; JSON documents are text, read through jsonb.
import type { SqlDialect } from "../sql/dialect.ts";

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export const POSTGRES: SqlDialect = {
  upsert: (table, columns, key, update) =>
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${marks(columns.length)}) ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${update.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`,
  insertIgnore: (table, columns, select) =>
    `INSERT INTO ${table} (${columns.join(", ")}) ${select ?? `VALUES (${marks(columns.length)})`} ON CONFLICT DO NOTHING`,
  inList: (col) => `${col} IN (SELECT jsonb_array_elements_text(?::jsonb))`,
  listParam: (ids) => JSON.stringify(ids),
  jsonText: (doc, key) => {
    if (key === undefined) return `(${doc})::jsonb ->> ?`;
    if (!/^\w+$/.test(key)) throw new Error(`JSON key must be a word: ${key}`);
    return `((${doc})::jsonb ->> '${key}')`;
  },
  jsonHas: (doc) => `jsonb_exists((${doc})::jsonb, ?)`,
  jsonKey: (key) => key,
  // gt_glob (schema.ts) turns the shell pattern into an anchored regular expression.
  glob: (expr) => `${expr} ~ gt_glob(?)`,
  hoursBetween: (from, to) =>
    `(EXTRACT(EPOCH FROM ((${to})::timestamptz - (${from})::timestamptz)) / 3600.0)`,
  undotted: (col) => `strpos(${col}, '.') = 0`,
  orderedJoin: "JOIN",
  insertionOrder: "seq",
  tableColumns: (table) =>
    `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' ORDER BY ordinal_position`,
  schemaVersion: "SELECT value::int AS user_version FROM ledger_meta WHERE key = 'schema_version'",
  readOnlyOn: "SET TRANSACTION READ ONLY",
  readOnlyOff: "",
  // PostgreSQL checks its own pages; a reachable schema with its tables is what we can check.
  integrityCheck: () =>
    "SELECT CASE WHEN to_regclass('issues') IS NOT NULL THEN 'ok' ELSE 'issues table missing' END AS check",
};
