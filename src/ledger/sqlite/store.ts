// The embedded SQLite backend of LedgerStore: `.beads/beads.db` in WAL mode. This class is
// a facade: each concern lives in its own module over a shared LedgerContext (context.ts):
// creating issues (create.ts), changing them (lifecycle.ts), queries (queries.ts), edges
// and blocking (dependencies.ts, blocking.ts), labels, comments and events (labels.ts),
// config (config.ts), import, export and SQL (exchange.ts, export.ts), and the files that
// travel with the repository (files.ts: every write is one IMMEDIATE transaction, then
// issues.jsonl and config.yaml catch up; test/ledger/crash.test.ts). The SQL is written
// once for any dialect; what only SQLite says that way is in dialect.ts.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { NotFoundError, ValidationError } from "../../errors.ts";
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
import type { Vocabulary } from "../validate.ts";
import * as config from "./config.ts";
import { LedgerContext } from "./context.ts";
import * as create from "./create.ts";
import { Db } from "./db.ts";
import * as deps from "./dependencies.ts";
import * as exchange from "./exchange.ts";
import * as files from "./files.ts";
import * as labels from "./labels.ts";
import * as lifecycle from "./lifecycle.ts";
import * as queries from "./queries.ts";
import { SCHEMA_VERSION, schemaSql } from "./schema.ts";

export type { JsonlInspection } from "./files.ts";

export interface SqliteOpenOptions {
  /** Path of the database file (`:memory:` for tests). */
  path: string;
  /** Where `issues.jsonl` lives, for auto-export. */
  jsonlPath?: string;
  /** Where the travelling copy of the config lives (default: config.yaml next to the JSONL). */
  configPath?: string;
  readOnly?: boolean;
  /** Where warnings go (unreadable JSONL lines, an export that could not be written). */
  warn?: (message: string) => void;
  /** Clock override for tests. */
  now?: () => Date;
}

const CONFIG_FILENAME = "config.yaml";

export class SqliteLedger implements Ledger {
  readonly backend = "sqlite";
  readonly location: string;
  private readonly db: Db;
  private readonly c: LedgerContext;

  private constructor(db: Db, opts: SqliteOpenOptions) {
    this.db = db;
    this.location = opts.path;
    this.c = new LedgerContext(db, {
      jsonlPath: opts.jsonlPath,
      configPath:
        opts.configPath ?? (opts.jsonlPath ? join(dirname(opts.jsonlPath), CONFIG_FILENAME) : undefined),
      warn: opts.warn ?? ((m) => process.stderr.write(`${m}\n`)),
      clock: opts.now ?? (() => new Date()),
      write: files.writeWithFiles,
    });
  }

  /** Opens (and on first use creates) the ledger database. */
  static open(opts: SqliteOpenOptions): SqliteLedger {
    const fresh = opts.path === ":memory:" || !existsSync(opts.path);
    if (fresh && opts.readOnly) throw new NotFoundError(opts.path, `no beads database at ${opts.path}`);
    const db = new Db(opts.path, { readOnly: opts.readOnly ?? false });
    const ledger = new SqliteLedger(db, opts);
    if (!opts.readOnly) ledger.migrate();
    ledger.c.loadVocabulary();
    return ledger;
  }

  private migrate(): void {
    const read = () =>
      Number(this.db.get<{ user_version: number }>(this.c.sql.schemaVersion)?.user_version ?? 0);
    if (read() === SCHEMA_VERSION) return;
    // WAL lets readers proceed while one writer commits; it persists in the file.
    if (this.location !== ":memory:") this.db.raw.exec("PRAGMA journal_mode = WAL");
    this.db.write(() => {
      const again = read();
      if (again === SCHEMA_VERSION) return;
      if (again > SCHEMA_VERSION) {
        throw new ValidationError(
          `ledger schema version ${again} is newer than this bd understands (${SCHEMA_VERSION})`,
        );
      }
      this.db.exec(schemaSql());
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  // ---------------------------------------------------------------- the files and the database

  /** Catches the database and the files up with each other before a command reads (files.ts). */
  syncFromJsonl(): void {
    files.syncFromJsonl(this.c);
  }

  /** The config table changed behind setConfig's back (init): config.yaml is rewritten next. */
  noteConfigChanged(): void {
    files.noteConfigChanged(this.c);
  }

  async inspectJsonl(): Promise<files.JsonlInspection | undefined> {
    return files.inspectJsonl(this.c);
  }

  async inspectConfigFile(): Promise<{ path: string; exists: boolean; differing: string[] } | undefined> {
    return files.inspectConfigFile(this.c);
  }

  /**
   * The engine's own consistency check of the database file ("ok" when sound). `full` also
   * checks every index against its table (slower on big ledgers).
   */
  async integrityCheck(full = false): Promise<string[]> {
    return this.db
      .all<Record<string, unknown>>(this.c.sql.integrityCheck(full))
      .map((r) => String(Object.values(r)[0]));
  }

  /**
   * Runs several store calls (awaited one after another) as one transaction: all of them
   * or, when one throws, none (bd batch). The files follow once, after the commit.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    // The export triggers go in before the transaction (the first write would, outside one).
    files.ensureTracking(this.c);
    const result = await this.db.writeAsync(fn);
    files.flushFiles(this.c);
    return result;
  }

  // ---------------------------------------------------------------- config

  async getConfig(key: string): Promise<string | undefined> {
    return this.c.getConfig(key);
  }

  async setConfig(key: string, value: string): Promise<void> {
    config.setConfig(this.c, key, value);
  }

  async unsetConfig(key: string): Promise<boolean> {
    return config.unsetConfig(this.c, key);
  }

  async listConfig(): Promise<Record<string, string>> {
    return this.c.configMap();
  }

  async vocabulary(): Promise<Vocabulary> {
    return this.c.vocab;
  }

  async prefix(): Promise<string> {
    return this.c.prefix();
  }

  // ---------------------------------------------------------------- issues

  async createIssue(input: CreateIssueInput, actor: string): Promise<Issue> {
    return create.createIssue(this.c, input, actor);
  }

  async createIssues(issues: Issue[], actor: string): Promise<Issue[]> {
    return create.createIssues(this.c, issues, actor);
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    return this.c.getIssue(id);
  }

  async getIssues(ids: string[]): Promise<Issue[]> {
    return ids.map((id) => this.c.getIssue(id)).filter((x): x is Issue => x !== undefined);
  }

  async getDetails(id: string): Promise<IssueDetails> {
    return queries.getDetails(this.c, id);
  }

  async resolveId(partial: string): Promise<string> {
    return this.c.resolveId(partial);
  }

  async updateIssue(
    id: string,
    patch: IssuePatch,
    actor: string,
    guard?: (current: Issue) => void,
  ): Promise<Issue> {
    return lifecycle.updateIssue(this.c, id, patch, actor, guard);
  }

  async claimIssue(id: string, actor: string): Promise<Issue> {
    return lifecycle.claimIssue(this.c, id, actor);
  }

  async closeIssue(id: string, opts: CloseOptions, actor: string): Promise<CloseResult> {
    return lifecycle.closeIssue(this.c, id, opts, actor);
  }

  async reopenIssue(id: string, reason: string | undefined, actor: string): Promise<Issue> {
    return lifecycle.reopenIssue(this.c, id, reason, actor);
  }

  async renameIssue(
    oldId: string,
    newId: string,
    actor: string,
  ): Promise<{ issue: Issue; updated: string[] }> {
    return lifecycle.renameIssue(this.c, oldId, newId, actor);
  }

  async renamePrefix(next: string, actor: string): Promise<Array<[string, string]>> {
    return lifecycle.renamePrefix(this.c, next, actor);
  }

  async planDelete(id: string): Promise<DeletePlan> {
    return lifecycle.planDelete(this.c, id);
  }

  async deleteIssue(id: string, actor: string): Promise<DeletePlan> {
    return lifecycle.deleteIssue(this.c, id, actor);
  }

  // ---------------------------------------------------------------- queries

  async listIssues(filter: IssueFilter): Promise<IssueWithCounts[]> {
    return queries.listIssues(this.c, filter);
  }

  async countIssues(filter: IssueFilter, groupBy?: string): Promise<number | Record<string, number>> {
    return queries.countIssues(this.c, filter, groupBy);
  }

  async ready(filter: ReadyFilter): Promise<IssueWithCounts[]> {
    return queries.ready(this.c, filter);
  }

  async countReady(filter: ReadyFilter): Promise<number> {
    return queries.countReady(this.c, filter);
  }

  async blocked(filter: IssueFilter): Promise<BlockedIssue[]> {
    return queries.blocked(this.c, filter);
  }

  async isBlocked(id: string): Promise<boolean> {
    return queries.isBlocked(this.c, id);
  }

  async children(id: string): Promise<IssueWithCounts[]> {
    return queries.children(this.c, id);
  }

  async stale(opts: StaleOptions): Promise<Issue[]> {
    return queries.stale(this.c, opts);
  }

  async stats(): Promise<Statistics> {
    return queries.stats(this.c);
  }

  // ---------------------------------------------------------------- dependencies

  async addDependency(dep: DependencyInput, actor: string): Promise<Dependency> {
    return deps.addDependency(this.c, dep, actor);
  }

  async removeDependency(issueId: string, dependsOnId: string, actor: string): Promise<boolean> {
    return deps.removeDependency(this.c, issueId, dependsOnId, actor);
  }

  async dependencies(id: string, direction: "down" | "up", type?: string) {
    return deps.dependencies(this.c, id, direction, type);
  }

  async dependencyRecords(id: string): Promise<Dependency[]> {
    return deps.dependencyRecords(this.c, id);
  }

  async dependentRecords(id: string, type?: string): Promise<Dependency[]> {
    return deps.dependentRecords(this.c, id, type);
  }

  async dependencyTree(
    id: string,
    opts: { maxDepth: number; direction: "down" | "up" | "both" },
  ): Promise<DependencyTreeNode[]> {
    return deps.dependencyTree(this.c, id, opts);
  }

  async findCycles(): Promise<string[][]> {
    return deps.findCycles(this.c);
  }

  // ---------------------------------------------------------------- labels, comments, events

  async addLabel(id: string, label: string, actor: string): Promise<boolean> {
    return labels.addLabel(this.c, id, label, actor);
  }

  async removeLabel(id: string, label: string, actor: string): Promise<boolean> {
    return labels.removeLabel(this.c, id, label, actor);
  }

  async labels(id: string): Promise<string[]> {
    return labels.labels(this.c, id);
  }

  async allLabels(): Promise<LabelCount[]> {
    return labels.allLabels(this.c);
  }

  async addComment(id: string, author: string, text: string): Promise<Comment> {
    return labels.addComment(this.c, id, author, text);
  }

  async comments(id: string): Promise<Comment[]> {
    return labels.comments(this.c, id);
  }

  async events(id: string): Promise<LedgerEvent[]> {
    return labels.events(this.c, id);
  }

  // ---------------------------------------------------------------- exchange

  async exportIssues(opts: ExportOptions = {}): Promise<Issue[]> {
    return exchange.exportIssues(this.c, opts);
  }

  async importIssues(issues: Issue[], actor: string): Promise<ImportResult> {
    return exchange.importIssues(this.c, issues, actor);
  }

  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    return exchange.query(this.c, sql);
  }

  /** For benchmarks and repair: recompute every blocked flag from scratch. */
  recomputeBlocked(): void {
    this.db.write(() => this.c.blocking.recomputeAll());
  }

  /** Direct access for bulk fixtures in benchmarks. */
  get database(): Db {
    return this.db;
  }
}
