// The PostgreSQL backend of LedgerStore, for towns whose agents run on several machines: a
// pg Pool over one database, each ledger (rig) in a schema of its own, created on open.
// Every operation is one transaction of the isolation it needs:
// - writes: READ COMMITTED behind the ledger's write lock (a transaction-scoped advisory
//   lock per schema), taken first: writers to one ledger run one at a time, as SQLite's
//   BEGIN IMMEDIATE makes them, and each statement reads what the writer before committed.
//   (SERIALIZABLE alone was tried: every create reads the whole table to size its ID, so 20
//   concurrent creators failed each other round after round.) The blocked-state upkeep,
//   ID allocation and counters are therefore exact without per-row reasoning. Deadlocks
//   (40P01), serialization failures (40001) and a connection lost before COMMIT run the
//   transaction again from the start (db.ts), with a fresh context.
//   Compare-and-swap writes (claim, guarded update, close, reopen) also lock the row with
//   SELECT … FOR UPDATE before the check, so the check holds even for a writer that does
//   not take the ledger's lock (another tool on the same tables).
// - multi-statement reads: REPEATABLE READ READ ONLY, one snapshot for the whole answer
//   (a list and its counts agree); no lock, so reads never wait for writers.
// - `query` runs the caller's SQL READ ONLY: the server itself refuses writes.
// No files travel with this ledger (no issues.jsonl, no config.yaml): the database is shared.
import type { AsyncLocalStorage } from "node:async_hooks";
import { NoLedgerError, ValidationError } from "../../errors.ts";
import type {
  BlockedIssue,
  Comment,
  Dependency,
  Issue,
  IssueDetails,
  IssueWithCounts,
  LedgerEvent,
  Statistics,
} from "../model.ts";
import { findCycles } from "../sql/cycles.ts";
import { configValueProblem, importChecked, readOnlyQueryText } from "../sql/exchange.ts";
import { MIGRATION_TABLES, type MigrationRows, migrationInsert, migrationParams } from "../sql/migration.ts";
import type {
  CloseOptions,
  CloseResult,
  CreateIssueInput,
  DeletePlan,
  DependencyInput,
  DependencyTreeNode,
  ExportOptions,
  ImportResult,
  IssueFilter,
  IssuePatch,
  LabelCount,
  Ledger,
  ReadyFilter,
  StaleOptions,
} from "../store.ts";
import { EMPTY_VOCABULARY, type Vocabulary, validateLabel } from "../validate.ts";
import { PgContext } from "./context.ts";
import { PgDb, type Queries } from "./db.ts";
import { POSTGRES } from "./dialect.ts";
import * as edges from "./edges.ts";
import { importRows } from "./import.ts";
import * as issues from "./issues.ts";
import * as reads from "./reads.ts";
import { PG_SCHEMA_VERSION, pgSchemaSql, SCHEMA_NAME } from "./schema.ts";

export interface PostgresOpenOptions {
  /** postgres://user[:password]@host:port/database (the password never appears in messages). */
  dsn: string;
  /** The ledger's schema: one per rig in a shared database. */
  schema: string;
  /** Clock override for tests. */
  now?: () => Date;
  /** Pool size (default 4). */
  max?: number;
  /** Refuse every write (bd --readonly); the schema must exist already. */
  readOnly?: boolean;
  /**
   * Config the ledger must hold before its first operation (gt's bead types and statuses):
   * given the config as stored, the writes still missing; made once, under the write lock,
   * in the open step.
   */
  configDefaults?: (config: Record<string, string>) => Array<[string, string]>;
}

export class PostgresLedger implements Ledger {
  readonly backend = "postgres";
  readonly location: string;
  readonly schema: string;
  private readonly readOnly: boolean;
  private readonly db: PgDb;
  private readonly clock: () => Date;
  private vocab: Vocabulary = EMPTY_VOCABULARY;
  /** Schema created and vocabulary read; every operation waits for it (see connect). */
  private opened: Promise<void> = Promise.resolve();
  /** The transaction of a batch() in progress, which the store calls inside it join. */
  private readonly batchTx: AsyncLocalStorage<Queries>;

  private constructor(opts: PostgresOpenOptions) {
    // Loaded here, not at bd's start: only a PostgreSQL ledger needs it.
    const hooks = process.getBuiltinModule("node:async_hooks") as typeof import("node:async_hooks");
    this.batchTx = new hooks.AsyncLocalStorage<Queries>();
    this.schema = opts.schema;
    this.db = new PgDb({ dsn: opts.dsn, schema: opts.schema, max: opts.max, readOnly: opts.readOnly });
    this.readOnly = opts.readOnly === true;
    this.location = `postgres://${this.db.where}#${opts.schema}`;
    this.clock = opts.now ?? (() => new Date());
  }

  /** Connects, creates the schema when missing (or older), and reads the vocabulary. */
  static async open(opts: PostgresOpenOptions): Promise<PostgresLedger> {
    const ledger = PostgresLedger.connect(opts);
    try {
      await ledger.opened;
    } catch (e) {
      await ledger.db.close();
      throw e;
    }
    return ledger;
  }

  /**
   * The ledger at once, for callers that open synchronously (bd's context): the schema
   * check and the vocabulary are read before the first operation, which reports their
   * failure (an unreachable server) as its own.
   */
  static connect(opts: PostgresOpenOptions): PostgresLedger {
    if (!SCHEMA_NAME.test(opts.schema))
      throw new ValidationError(
        `invalid ledger schema name "${opts.schema}" (lower-case letters, digits and _, not starting with pg_)`,
      );
    const ledger = new PostgresLedger(opts);
    ledger.opened = (async () => {
      await ledger.migrate();
      const defaults = opts.readOnly ? undefined : opts.configDefaults;
      ledger.vocab = await ledger.db.transaction({ isolation: "READ COMMITTED" }, async (q) => {
        const c = new PgContext(q, ledger.clock, ledger.vocab);
        if (defaults) {
          const missing = defaults(await c.configMap());
          if (missing.length > 0) {
            await ledger.lockForWrite(q);
            // Read again under the lock: another process may have written them meanwhile.
            for (const [key, value] of defaults(await c.configMap())) await c.putConfig(key, value);
          }
        }
        return c.loadVocabulary();
      });
    })();
    // Reported by the first operation that waits for it, not as an unhandled rejection.
    ledger.opened.catch(() => undefined);
    return ledger;
  }

  private async migrate(): Promise<void> {
    const current = async (q: Queries) => {
      const exists = await q.get<{ t: string | null }>(
        "SELECT to_regclass(?) AS t",
        `${this.schema}.ledger_meta`,
      );
      if (!exists?.t) return 0;
      return Number((await q.get<{ user_version: number }>(POSTGRES.schemaVersion))?.user_version ?? 0);
    };
    const version = await current(this.db.q).catch((e) => Promise.reject(this.db.unreachable(e)));
    if (version === PG_SCHEMA_VERSION) return;
    if (this.readOnly)
      throw new NoLedgerError(`no beads ledger in schema ${this.schema} at ${this.db.where} (run 'bd init')`);
    // One opener creates the schema; the others wait on the advisory lock, then find it done.
    await this.db.transaction({ isolation: "READ COMMITTED" }, async (q) => {
      await q.get("SELECT pg_advisory_xact_lock(hashtext(?))", `gt-ledger:${this.schema}`);
      const again = await current(q);
      if (again === PG_SCHEMA_VERSION) return;
      if (again > PG_SCHEMA_VERSION)
        throw new ValidationError(
          `ledger schema version ${again} is newer than this bd understands (${PG_SCHEMA_VERSION})`,
        );
      await q.exec(pgSchemaSql(this.schema));
    });
  }

  /** A write: the ledger's write lock, then READ COMMITTED statements (see the top). */
  private async write<T>(fn: (c: PgContext) => Promise<T>): Promise<T> {
    await this.opened;
    const run = async (q: Queries) => {
      const c = new PgContext(q, this.clock, this.vocab);
      // Another machine may have changed the custom types or statuses since we opened: a
      // write checks against the config as it is now (read once, kept for the transaction).
      this.vocab = await c.loadVocabulary();
      const out = await fn(c);
      await c.settle();
      return out;
    };
    const joined = this.batchTx.getStore();
    if (joined) return run(joined);
    return this.db.transaction({ isolation: "READ COMMITTED" }, async (q) => {
      await this.lockForWrite(q);
      return run(q);
    });
  }

  private async lockForWrite(q: Queries): Promise<void> {
    await q.get("SELECT pg_advisory_xact_lock(hashtext(?))", `gt-ledger-write:${this.schema}`);
  }

  /** A read over one snapshot (inside a batch: the batch's own transaction). */
  private async read<T>(fn: (c: PgContext) => Promise<T>): Promise<T> {
    await this.opened;
    const joined = this.batchTx.getStore();
    if (joined) return fn(new PgContext(joined, this.clock, this.vocab));
    return this.db.transaction({ isolation: "REPEATABLE READ", readOnly: true }, (q) =>
      fn(new PgContext(q, this.clock, this.vocab)),
    );
  }

  /** A single statement needs no transaction of its own. */
  private async single(): Promise<PgContext> {
    await this.opened;
    return new PgContext(this.batchTx.getStore() ?? this.db.q, this.clock, this.vocab);
  }

  /**
   * Runs several store calls (awaited one after another) as one transaction: all of them
   * or, when one throws, none (bd batch). Calls inside join it through async context.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    await this.opened;
    if (this.batchTx.getStore()) return fn();
    return this.db.transaction({ isolation: "READ COMMITTED" }, async (q) => {
      await this.lockForWrite(q);
      return this.batchTx.run(q, fn);
    });
  }

  /** The event history and ID counters, for a migration to another backend. */
  async migrationRows(): Promise<MigrationRows> {
    return this.read(async (c) => ({
      events: await c.q.all(MIGRATION_TABLES.events.read),
      child_counters: await c.q.all(MIGRATION_TABLES.child_counters.read),
      issue_counter: await c.q.all(MIGRATION_TABLES.issue_counter.read),
    }));
  }

  /** Replaces the event history and ID counters with a migration's (events keep their IDs). */
  async restoreMigrationRows(rows: MigrationRows): Promise<void> {
    await this.write(async (c) => {
      for (const table of ["events", "child_counters", "issue_counter"] as const) {
        await c.q.run(`DELETE FROM ${table}`);
        const insert = migrationInsert(table);
        for (const row of rows[table]) await c.q.run(insert, ...migrationParams(table, row));
      }
      // New events continue after the highest migrated ID.
      await c.q.get(
        "SELECT setval(pg_get_serial_sequence('events', 'id'), COALESCE((SELECT MAX(id) FROM events), 0) + 1, false)",
      );
    });
  }

  /** Nothing to catch up: no files travel with a PostgreSQL ledger. */
  syncFromJsonl(): void {}

  noteConfigChanged(): void {}

  async inspectJsonl(): Promise<undefined> {
    return undefined;
  }

  async inspectConfigFile(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** The database's own check, as far as PostgreSQL offers one to a client ("ok" when sound). */
  async integrityCheck(_full = false): Promise<string[]> {
    await this.opened;
    return (await this.db.q.all<{ check: string }>(POSTGRES.integrityCheck(false))).map((r) => r.check);
  }

  /** Recomputes every blocked flag from scratch (repair, benchmarks). */
  async recomputeBlocked(): Promise<void> {
    await this.write((c) => c.recomputeAll());
  }

  // ---------------------------------------------------------------- config

  async getConfig(key: string): Promise<string | undefined> {
    return (await this.single()).getConfig(key);
  }

  async setConfig(key: string, value: string): Promise<void> {
    const problem = configValueProblem(key, value);
    if (problem) throw new ValidationError(problem);
    this.vocab = await this.write(async (c) => {
      await c.putConfig(key, value);
      return c.loadVocabulary();
    });
  }

  async unsetConfig(key: string): Promise<boolean> {
    const [n, vocab] = await this.write(async (c) => {
      const n = await c.deleteConfig(key);
      return [n, await c.loadVocabulary()] as const;
    });
    this.vocab = vocab;
    return n > 0;
  }

  async listConfig(): Promise<Record<string, string>> {
    return (await this.single()).configMap();
  }

  async vocabulary(): Promise<Vocabulary> {
    await this.opened;
    return this.vocab;
  }

  async prefix(): Promise<string> {
    return (await this.single()).prefix();
  }

  // ---------------------------------------------------------------- issues

  async createIssue(input: CreateIssueInput, actor: string): Promise<Issue> {
    return this.write((c) => issues.createIssue(c, input, actor));
  }

  async createIssues(list: Issue[], actor: string): Promise<Issue[]> {
    return this.write((c) => issues.createIssues(c, list, actor));
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    // One statement: consistent without a transaction of its own.
    return (await this.single()).getIssue(id);
  }

  async getIssues(ids: string[]): Promise<Issue[]> {
    return this.read(async (c) => {
      const out: Issue[] = [];
      for (const id of ids) {
        const issue = await c.getIssue(id);
        if (issue) out.push(issue);
      }
      return out;
    });
  }

  async getDetails(id: string): Promise<IssueDetails> {
    return this.read((c) => reads.getDetails(c, id));
  }

  async resolveId(partial: string): Promise<string> {
    return this.read((c) => c.resolveId(partial));
  }

  async updateIssue(
    id: string,
    patch: IssuePatch,
    actor: string,
    guard?: (current: Issue) => void,
  ): Promise<Issue> {
    return this.write((c) => issues.updateIssue(c, id, patch, actor, guard));
  }

  async claimIssue(id: string, actor: string): Promise<Issue> {
    return this.write((c) => issues.claimIssue(c, id, actor));
  }

  async closeIssue(id: string, opts: CloseOptions, actor: string): Promise<CloseResult> {
    return this.write((c) => issues.closeIssue(c, id, opts, actor));
  }

  async reopenIssue(id: string, reason: string | undefined, actor: string): Promise<Issue> {
    return this.write((c) => issues.reopenIssue(c, id, reason, actor));
  }

  async renameIssue(
    oldId: string,
    newId: string,
    actor: string,
  ): Promise<{ issue: Issue; updated: string[] }> {
    return this.write((c) => issues.renameIssue(c, oldId, newId, actor));
  }

  async renamePrefix(next: string, actor: string): Promise<Array<[string, string]>> {
    return this.write((c) => issues.renamePrefix(c, next, actor));
  }

  async planDelete(id: string): Promise<DeletePlan> {
    return this.read((c) => issues.planDelete(c, id));
  }

  async deleteIssue(id: string, actor: string): Promise<DeletePlan> {
    return this.write((c) => issues.deleteIssue(c, id, actor));
  }

  // ---------------------------------------------------------------- queries

  async listIssues(filter: IssueFilter): Promise<IssueWithCounts[]> {
    return this.read((c) => reads.listIssues(c, filter));
  }

  async countIssues(filter: IssueFilter, groupBy?: string): Promise<number | Record<string, number>> {
    return reads.countIssues(await this.single(), filter, groupBy);
  }

  async ready(filter: ReadyFilter): Promise<IssueWithCounts[]> {
    return this.read((c) => reads.ready(c, filter));
  }

  async countReady(filter: ReadyFilter): Promise<number> {
    return reads.countReady(await this.single(), filter);
  }

  async blocked(filter: IssueFilter): Promise<BlockedIssue[]> {
    return this.read((c) => reads.blocked(c, filter));
  }

  async isBlocked(id: string): Promise<boolean> {
    return reads.isBlocked(await this.single(), id);
  }

  async children(id: string): Promise<IssueWithCounts[]> {
    return this.read((c) => reads.children(c, id));
  }

  async stale(opts: StaleOptions): Promise<Issue[]> {
    return reads.stale(await this.single(), opts);
  }

  async stats(): Promise<Statistics> {
    return this.read((c) => reads.stats(c));
  }

  // ---------------------------------------------------------------- dependencies

  async addDependency(dep: DependencyInput, actor: string): Promise<Dependency> {
    return this.write(async (c) => {
      const source = await c.resolveId(dep.issue_id);
      const target = await c.resolveTarget(dep.depends_on_id);
      return edges.addDependencyRow(c, { ...dep, issue_id: source, depends_on_id: target }, actor, c.now());
    });
  }

  async removeDependency(issueId: string, dependsOnId: string, actor: string): Promise<boolean> {
    return this.write(async (c) =>
      edges.removeDependencyRow(c, await c.resolveId(issueId), await c.resolveTarget(dependsOnId), actor),
    );
  }

  async dependencies(id: string, direction: "down" | "up", type?: string) {
    return this.read(async (c) => {
      await c.mustGet(id);
      return reads.related(c, id, direction, type);
    });
  }

  async dependencyRecords(id: string): Promise<Dependency[]> {
    return reads.dependencyRecords(await this.single(), id);
  }

  async dependentRecords(id: string, type?: string): Promise<Dependency[]> {
    return reads.dependentRecords(await this.single(), id, type);
  }

  async dependencyTree(
    id: string,
    opts: { maxDepth: number; direction: "down" | "up" | "both" },
  ): Promise<DependencyTreeNode[]> {
    return this.read((c) => reads.dependencyTree(c, id, opts));
  }

  async findCycles(): Promise<string[][]> {
    return findCycles(await reads.cycleEdges(await this.single()));
  }

  // ---------------------------------------------------------------- labels, comments, events

  async addLabel(id: string, label: string, actor: string): Promise<boolean> {
    const l = validateLabel(label);
    return this.write(async (c) => {
      await c.mustGet(id);
      return edges.addLabelRow(c, id, l, actor);
    });
  }

  async removeLabel(id: string, label: string, actor: string): Promise<boolean> {
    return this.write(async (c) => {
      await c.mustGet(id);
      return edges.removeLabelRow(c, id, label, actor);
    });
  }

  async labels(id: string): Promise<string[]> {
    return this.read(async (c) => {
      await c.mustGet(id);
      return c.labels(id);
    });
  }

  async allLabels(): Promise<LabelCount[]> {
    return reads.allLabels(await this.single());
  }

  async addComment(id: string, author: string, text: string): Promise<Comment> {
    if (!text.trim()) throw new ValidationError("comment text must not be empty");
    return this.write(async (c) => {
      await c.mustGet(id);
      return edges.addCommentRow(c, id, author, text);
    });
  }

  async comments(id: string): Promise<Comment[]> {
    return this.read(async (c) => {
      await c.mustGet(id);
      return reads.commentsOf(c, id);
    });
  }

  async events(id: string): Promise<LedgerEvent[]> {
    return reads.events(await this.single(), id);
  }

  // ---------------------------------------------------------------- exchange

  async exportIssues(opts: ExportOptions = {}): Promise<Issue[]> {
    return this.read((c) => reads.exportIssues(c, opts));
  }

  async importIssues(list: Issue[], actor: string): Promise<ImportResult> {
    return this.write(async (c) => {
      const { checked, errors } = importChecked(list, c.vocab, c.now());
      const result = await importRows(c, checked, actor);
      result.skipped += errors.length;
      if (errors.length > 0) result.errors = errors;
      return result;
    });
  }

  /** The caller's SQL in a READ ONLY transaction: the server refuses any write. */
  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const text = readOnlyQueryText(sql);
    await this.opened;
    return this.db.transaction({ isolation: "REPEATABLE READ", readOnly: true }, async (q) =>
      (await q.exec<Record<string, unknown>>(text)).map((r) => ({ ...r })),
    );
  }
}
