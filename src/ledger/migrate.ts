// Moving a ledger between backends (bd migrate --to postgres|sqlite), through the export:
// every issue (wisps, templates and infrastructure beads included) with its labels, edges
// and comments, then the event history with its IDs and times, the ID counters and the
// config. Timestamps are the stored strings, so nothing is rounded. The target is written in
// one transaction and must be empty; the source is left as it was (the SQLite file is kept
// beside, as beads.db.migrated).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError, ValidationError } from "../errors.ts";
import { DB_FILENAME, JSONL_FILENAME, type LedgerLocation, postgresMetadata } from "./discovery.ts";
import type { Issue } from "./model.ts";
import { PostgresLedger } from "./postgres/store.ts";
import { MIGRATION_TABLES, type MigrationRows, migrationInsert, migrationParams } from "./sql/migration.ts";
import { SqliteLedger } from "./sqlite/store.ts";
import type { Ledger } from "./store.ts";

export interface LedgerDump {
  issues: Issue[];
  rows: MigrationRows;
  config: Record<string, string>;
}

const EVERYTHING = { includeEphemeral: true, includeInfra: true, includeTemplates: true } as const;

async function migrationRows(ledger: Ledger): Promise<MigrationRows> {
  if (ledger instanceof PostgresLedger) return ledger.migrationRows();
  if (ledger instanceof SqliteLedger) {
    const db = ledger.database;
    return {
      events: db.all(MIGRATION_TABLES.events.read),
      child_counters: db.all(MIGRATION_TABLES.child_counters.read),
      issue_counter: db.all(MIGRATION_TABLES.issue_counter.read),
    };
  }
  throw new ValidationError(`cannot migrate a ${ledger.backend} ledger`);
}

async function restoreRows(ledger: Ledger, rows: MigrationRows): Promise<void> {
  if (ledger instanceof PostgresLedger) return ledger.restoreMigrationRows(rows);
  if (ledger instanceof SqliteLedger) {
    const db = ledger.database;
    db.write(() => {
      for (const table of ["events", "child_counters", "issue_counter"] as const) {
        db.run(`DELETE FROM ${table}`);
        const insert = migrationInsert(table);
        for (const row of rows[table]) db.run(insert, ...migrationParams(table, row));
      }
    });
    return;
  }
  throw new ValidationError(`cannot migrate into a ${ledger.backend} ledger`);
}

/** Everything a ledger holds, as a migration carries it. */
export async function dumpLedger(ledger: Ledger): Promise<LedgerDump> {
  return {
    issues: await ledger.exportIssues(EVERYTHING),
    rows: await migrationRows(ledger),
    config: await ledger.listConfig(),
  };
}

/** Writes a dump into an empty ledger, all in one transaction or not at all. */
export async function restoreLedger(target: Ledger, dump: LedgerDump, actor: string): Promise<number> {
  const held = await target.countIssues({ ...EVERYTHING, all: true, ephemeral: true });
  if (held !== 0)
    throw new ConflictError(
      "not_empty",
      `the target ledger (${target.location}) already holds ${held} issue(s)`,
    );
  return target.batch(async () => {
    // Config first: the prefix, custom types and statuses the issues are checked against.
    const { issue_prefix, ...rest } = dump.config;
    if (issue_prefix !== undefined) await target.setConfig("issue_prefix", issue_prefix);
    for (const [key, value] of Object.entries(rest)) await target.setConfig(key, value);
    const result = await target.importIssues(dump.issues, actor);
    if (result.errors && result.errors.length > 0)
      throw new ValidationError(
        `could not migrate ${result.errors.length} issue(s): ${result.errors
          .slice(0, 3)
          .map((e) => `${e.id}: ${e.reason}`)
          .join("; ")}`,
      );
    // The import recorded its own events; the history it replaces them with is the source's.
    await restoreRows(target, dump.rows);
    return result.created;
  });
}

function writeMetadata(beadsDir: string, meta: Record<string, unknown>, version: string): void {
  writeFileSync(
    join(beadsDir, "metadata.json"),
    `${JSON.stringify({ ...meta, last_bd_version: version }, null, 2)}\n`,
  );
}

/** Moves the SQLite file (and its WAL/SHM) aside once the ledger lives elsewhere. */
function keepSqliteAside(beadsDir: string): void {
  for (const suffix of ["", "-wal", "-shm"]) {
    const from = join(beadsDir, `${DB_FILENAME}${suffix}`);
    if (existsSync(from)) renameSync(from, join(beadsDir, `${DB_FILENAME}.migrated${suffix}`));
  }
}

export interface MigrateResult {
  from: "sqlite" | "postgres";
  to: "sqlite" | "postgres";
  issues: number;
  events: number;
  location: string;
}

/** The SQLite ledger at `loc` to a schema on PostgreSQL; metadata.json then names the server. */
export async function migrateToPostgres(
  source: Ledger,
  loc: LedgerLocation,
  opts: { dsn: string; schema: string; actor: string; version: string },
): Promise<MigrateResult> {
  if (source.backend === "postgres") throw new ValidationError("this ledger is already on PostgreSQL");
  const meta = postgresMetadata(opts.dsn, opts.schema);
  const dump = await dumpLedger(source);
  const target = await PostgresLedger.open({ dsn: opts.dsn, schema: opts.schema });
  try {
    await restoreLedger(target, dump, opts.actor);
  } finally {
    await target.close();
  }
  await source.close();
  writeMetadata(loc.beadsDir, { ...meta }, opts.version);
  keepSqliteAside(loc.beadsDir);
  return {
    from: "sqlite",
    to: "postgres",
    issues: dump.issues.length,
    events: dump.rows.events.length,
    location: target.location,
  };
}

/**
 * The PostgreSQL ledger to a SQLite file in `loc`'s `.beads`. It is built in a scratch
 * directory and moved into place only when complete, with issues.jsonl and config.yaml
 * exported from it (they replace the ones the ledger had before it moved to the server).
 */
export async function migrateToSqlite(
  source: Ledger,
  loc: LedgerLocation,
  opts: { actor: string; version: string },
): Promise<MigrateResult> {
  if (source.backend === "sqlite") throw new ValidationError("this ledger is already on SQLite");
  const dump = await dumpLedger(source);
  // A SQLite ledger keeps issues.jsonl current unless told not to (bd init's default).
  dump.config["export.auto"] ??= "true";
  const scratch = join(loc.beadsDir, ".migrate");
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const target = SqliteLedger.open({
      path: join(scratch, DB_FILENAME),
      jsonlPath: join(scratch, JSONL_FILENAME),
    });
    try {
      await restoreLedger(target, dump, opts.actor);
    } finally {
      await target.close();
    }
    keepSqliteAside(loc.beadsDir);
    for (const name of [DB_FILENAME, JSONL_FILENAME, "config.yaml"]) {
      const from = join(scratch, name);
      if (existsSync(from)) renameSync(from, join(loc.beadsDir, name));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  await source.close();
  writeMetadata(
    loc.beadsDir,
    { database: DB_FILENAME, backend: "sqlite", jsonl_export: JSONL_FILENAME },
    opts.version,
  );
  return {
    from: "postgres",
    to: "sqlite",
    issues: dump.issues.length,
    events: dump.rows.events.length,
    location: join(loc.beadsDir, DB_FILENAME),
  };
}
