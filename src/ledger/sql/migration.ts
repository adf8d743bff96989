// What a migration between backends carries besides the issues (which travel through the
// export and import): the event history with its IDs and times, and the ID counters. The
// same statements read and write them in every SQL dialect.
import type { Param, Row } from "./dialect.ts";

export interface MigrationRows {
  events: Row[];
  child_counters: Row[];
  issue_counter: Row[];
}

const EVENT_COLUMNS = [
  "id",
  "issue_id",
  "event_type",
  "actor",
  "old_value",
  "new_value",
  "comment",
  "created_at",
];

export const MIGRATION_TABLES: Record<keyof MigrationRows, { read: string; columns: string[] }> = {
  events: { read: `SELECT ${EVENT_COLUMNS.join(", ")} FROM events ORDER BY id`, columns: EVENT_COLUMNS },
  child_counters: {
    read: "SELECT parent_id, last_child FROM child_counters ORDER BY parent_id",
    columns: ["parent_id", "last_child"],
  },
  issue_counter: {
    read: "SELECT prefix, last_id FROM issue_counter ORDER BY prefix",
    columns: ["prefix", "last_id"],
  },
};

/** The INSERT of one row of `table`. */
export function migrationInsert(table: keyof MigrationRows): string {
  const { columns } = MIGRATION_TABLES[table];
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
}

/** A row's values in column order; IDs and counters as numbers whatever the engine returned. */
export function migrationParams(table: keyof MigrationRows, row: Row): Param[] {
  return MIGRATION_TABLES[table].columns.map((c) => {
    const v = row[c];
    if (c === "id" || c === "last_child" || c === "last_id") return Number(v);
    return v === undefined || v === null ? null : String(v);
  });
}
