// bd migrate --to postgres|sqlite: moves this ledger between backends through the export
// (src/ledger/migrate.ts), with nothing lost: IDs, timestamps as stored, events, comments,
// labels, wisps, config. The target must be empty and is written in one transaction.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { readMetadata } from "../../ledger/discovery.ts";
import { migrateToPostgres, migrateToSqlite } from "../../ledger/migrate.ts";
import type { BdContext } from "./context.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

async function migrate(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const to = o.to as string | undefined;
  if (to !== "postgres" && to !== "sqlite")
    throw new ValidationError(`bd migrate needs --to postgres or --to sqlite (got ${to ?? "nothing"})`);
  const loc = ctx.location();
  const source = ctx.ledger();
  const actor = ctx.actor();
  let result: Awaited<ReturnType<typeof migrateToPostgres>>;
  if (to === "postgres") {
    const dsn = (o.dsn as string | undefined) ?? ctx.env.BEADS_DSN;
    if (!dsn)
      throw new ValidationError(
        "--to postgres needs --dsn <postgres://user@host:port/database> or BEADS_DSN",
      );
    const prefix = await source.prefix();
    const schema =
      (o.schema as string | undefined) ?? `bd_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
    result = await migrateToPostgres(source, loc, { dsn, schema, actor, version: BD_VERSION });
  } else {
    result = await migrateToSqlite(source, loc, { actor, version: BD_VERSION });
  }
  if (ctx.json) return ctx.printJson({ ...result, metadata: readMetadata(loc.beadsDir) });
  ctx.out(
    `✓ Migrated ${result.issues} issue(s) and ${result.events} event(s) from ${result.from} to ${result.to} (${result.location})`,
  );
}

export const MIGRATE: CommandGroup = { names: ["migrate"], register: registerMigrate };

function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("Move the ledger to another backend (PostgreSQL or SQLite), losing nothing")
    .option("--to <backend>", "postgres or sqlite")
    .option("--dsn <dsn>", "with --to postgres: postgres://user@host:port/database (or BEADS_DSN)")
    .option("--schema <name>", "with --to postgres: the ledger's schema (default bd_<prefix>)")
    .action(act(migrate));
}
