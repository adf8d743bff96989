// The embedded SQLite backend of LedgerStore: `.beads/beads.db` in WAL mode. Every write
// is one IMMEDIATE transaction that also settles `is_blocked` and, with `export.auto`,
// records what it touched; after the commit a second short transaction brings
// `.beads/issues.jsonl` (and `.beads/config.yaml`) up to date, so the files never hold
// anything the database has not committed. A killed process leaves the old or the new
// database and a whole export; killed between the commit and the export, the files are one
// write behind until the next command, a read included, catches them up
// (test/ledger/crash.test.ts).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AmbiguousIdError, ConflictError, NotFoundError, ValidationError } from "../../errors.ts";
import { lazyCrypto } from "../../lazy.ts";
import { safeText } from "../../terminal-text.ts";
import { testPause } from "../../test-pause.ts";
import { parseConfigFile, travelsInFile, updateConfigFile } from "../config-file.ts";
import {
  DEFAULT_ID_LENGTH,
  generateId,
  hashLengthFor,
  type IdLengthConfig,
  idSeed,
  issueIdProblem,
  isValidPrefix,
} from "../ids.ts";
import { jsonlLine, readJsonlFile, writeJsonlFile } from "../jsonl.ts";
import {
  type BlockedIssue,
  type Comment,
  CYCLE_CHECKED_DEP_TYPES,
  childDepth,
  contentKey,
  DEFAULT_PRIORITY,
  type Dependency,
  type Issue,
  type IssueDetails,
  type IssueWithCounts,
  type IssueWithDependencyType,
  type LedgerEvent,
  MAX_CHILD_DEPTH,
  NON_BLOCKING_STATUSES,
  READY_EXCLUDED_TYPES,
  type Statistics,
} from "../model.ts";
import { buildWhere, likeEscape, orderBy } from "../sql/filters.ts";
import {
  INSERT_ISSUE_SQL,
  ISSUE_COLUMN_LIST_I,
  issueToParams,
  REPLACE_ISSUE_SQL,
  replaceParams,
  rowToIssue,
  toDependency,
} from "../sql/rows.ts";
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
  LedgerStore,
  ReadyFilter,
  StaleOptions,
} from "../store.ts";
import {
  checkImportedIssue,
  EMPTY_VOCABULARY,
  hiddenListStatuses,
  type ImportedIssue,
  normalizeTime,
  parseCustomStatuses,
  parseList,
  unexportedTypes,
  type Vocabulary,
  validateDepType,
  validateLabel,
  validateStatus,
  validateTitle,
  validateType,
} from "../validate.ts";
import { BlockingIndex } from "./blocking.ts";
import { Db, type Param, type Row } from "./db.ts";
import { SQLITE } from "./dialect.ts";
import {
  exportIssues,
  FINGERPRINT_KEY,
  fingerprint,
  hasPendingExport,
  installExportTracking,
  jsonlChangedOutside,
  type KeptLine,
  keptLines,
  markJsonlStale,
  notePendingExport,
  recordFingerprint,
  refreshJsonl,
  replaceKeptLines,
  resetExportTracking,
  STALE_KEY,
} from "./export.ts";
import { renameIssueRows, renamePrefixRows } from "./rename.ts";
import { SCHEMA_VERSION, schemaSql } from "./schema.ts";

/** What `bd doctor` reports about issues.jsonl. */
export interface JsonlInspection {
  path: string;
  exists: boolean;
  autoExport: boolean;
  /** Lines kept without being imported, and why. */
  unreadable: Array<{ line: number; reason: string }>;
  /** Exported issues the file lacks. */
  missing: string[];
  /** Exported issues whose line in the file differs from the database. */
  differing: string[];
  /** Issues in the file the database does not have. */
  extra: string[];
}

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

/** Free-text fields a patch sets as given, or clears with null / "". */
const TEXT_FIELDS = [
  "description",
  "design",
  "acceptance_criteria",
  "notes",
  "spec_id",
  "assignee",
  "owner",
  "external_ref",
  "source_system",
  "wisp_type",
  "mol_type",
  "work_type",
  "sender",
  "await_type",
  "await_id",
  "close_reason",
] as const satisfies ReadonlyArray<keyof IssuePatch & keyof Issue>;

/** Fields whose changes are recorded as `updated` events. */
const FIELD_EVENTS: Array<keyof IssuePatch & keyof Issue> = [
  "title",
  ...TEXT_FIELDS,
  "priority",
  "issue_type",
  "estimated_minutes",
  "due_at",
  "defer_until",
  "pinned",
  "is_template",
  "ephemeral",
];

export class SqliteLedger implements LedgerStore {
  readonly location: string;
  private readonly db: Db;
  private readonly jsonlPath: string | undefined;
  private readonly configPath: string | undefined;
  private readonly warn: (message: string) => void;
  private readonly clock: () => Date;
  private vocab: Vocabulary = EMPTY_VOCABULARY;
  private readonly blocking: BlockingIndex;
  private tracking = false;

  private constructor(db: Db, opts: SqliteOpenOptions) {
    this.db = db;
    this.location = opts.path;
    this.jsonlPath = opts.jsonlPath;
    this.configPath =
      opts.configPath ?? (opts.jsonlPath ? join(dirname(opts.jsonlPath), CONFIG_FILENAME) : undefined);
    this.warn = opts.warn ?? ((m) => process.stderr.write(`${m}\n`));
    this.clock = opts.now ?? (() => new Date());
    this.blocking = new BlockingIndex(db, SQLITE);
  }

  /** Opens (and on first use creates) the ledger database. */
  static open(opts: SqliteOpenOptions): SqliteLedger {
    const fresh = opts.path === ":memory:" || !existsSync(opts.path);
    if (fresh && opts.readOnly) throw new NotFoundError(opts.path, `no beads database at ${opts.path}`);
    const db = new Db(opts.path, { readOnly: opts.readOnly ?? false });
    const ledger = new SqliteLedger(db, opts);
    if (!opts.readOnly) ledger.migrate();
    ledger.loadVocabulary();
    return ledger;
  }

  private migrate(): void {
    const version = Number(this.db.get<{ user_version: number }>("PRAGMA user_version")?.user_version ?? 0);
    if (version === SCHEMA_VERSION) return;
    // WAL lets readers proceed while one writer commits; it persists in the file.
    if (this.location !== ":memory:") this.db.raw.exec("PRAGMA journal_mode = WAL");
    this.db.write(() => {
      const again = Number(this.db.get<{ user_version: number }>("PRAGMA user_version")?.user_version ?? 0);
      if (again === SCHEMA_VERSION) return;
      if (again > SCHEMA_VERSION) {
        throw new ValidationError(
          `ledger schema version ${again} is newer than this bd understands (${SCHEMA_VERSION})`,
        );
      }
      this.db.exec(schemaSql());
    });
  }

  private loadVocabulary(): void {
    const cfg = this.configMap();
    const infra = cfg["types.infra"];
    this.vocab = {
      customStatuses: parseCustomStatuses(cfg["status.custom"]),
      customTypes: parseList(cfg["types.custom"]),
      infraTypes: infra !== undefined ? parseList(infra) : [...EMPTY_VOCABULARY.infraTypes],
      exportedInfraTypes: parseList(cfg["types.infra_exported"]),
    };
  }

  private configMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.db.all<{ key: string; value: string }>("SELECT key, value FROM config"))
      out[r.key] = r.value;
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * One write: transaction, blocking settle, commit; then the files (issues.jsonl with
   * `export.auto`, config.yaml) catch up in a transaction of their own.
   */
  private write<T>(fn: () => T): T {
    // Tracking triggers are installed, outside any transaction (a rollback would take them
    // away), before the first write of this connection; the export uses what they record.
    if (!this.tracking && this.jsonlPath !== undefined && !this.db.inTransaction) {
      installExportTracking(this.db);
      this.tracking = true;
    }
    const outermost = !this.db.inTransaction;
    let configChanged = false;
    try {
      const result = this.db.write(() => {
        this.blocking.reset();
        if (this.tracking) resetExportTracking(this.db);
        // Config that arrived through git first: the vocabulary the JSONL is read with.
        configChanged = this.absorbConfigFile();
        const autoExport = this.tracking && this.getConfigSync("export.auto") === "true";
        // A JSONL changed outside bd (git pull, checkout) is taken in first, so the export
        // this write leads to never drops issues that arrived through git.
        const path = this.jsonlPath!;
        const atStart = autoExport ? fingerprint(path) : undefined;
        if (autoExport && jsonlChangedOutside(this.db, path, atStart)) this.absorbJsonl(atStart);
        const result = fn();
        this.blocking.settle();
        if (autoExport) {
          // We hold the write lock, so no bd process touched the file meanwhile: a new
          // fingerprint is a pull that landed mid-write. Take it in too.
          const now = fingerprint(path);
          if (now !== atStart) this.absorbJsonl(now);
          notePendingExport(this.db);
        } else if (this.tracking) {
          // While auto-export is off the file falls behind; the next export rewrites it whole.
          markJsonlStale(this.db);
        }
        return result;
      });
      if (outermost) testPause("ledger:committed");
      if (outermost) this.flushFiles();
      return result;
    } finally {
      if (configChanged) this.loadVocabulary();
    }
  }

  /**
   * After a commit: writes config.yaml when the config changed and brings issues.jsonl up to
   * the committed state. A failure here loses nothing (the database has the write, and what
   * is pending stays recorded): it is reported and the next command tries again.
   */
  private flushFiles(): void {
    if (!this.tracking || !this.filesBehind()) return;
    try {
      let configChanged = false;
      this.db.write(() => {
        configChanged = this.absorbConfigFile();
        if (this.meta(CONFIG_DIRTY_KEY) !== undefined) this.writeConfigFile();
        if (this.getConfigSync("export.auto") !== "true") return;
        const path = this.jsonlPath!;
        const current = fingerprint(path);
        // A pull between our commit and now: take it in before replacing the file, and
        // leave no "own export" marker, so a lost transaction means importing it again.
        const absorbed = jsonlChangedOutside(this.db, path, current) && this.absorbJsonl(current);
        refreshJsonl(this.db, path, unexportedTypes(this.vocab), { markPending: !absorbed });
      });
      if (configChanged) this.loadVocabulary();
    } catch (e) {
      this.warn(
        `warning: ${this.jsonlPath} was not brought up to date (${safeText((e as Error).message)}); the next bd command tries again`,
      );
    }
  }

  /** True when issues.jsonl or config.yaml lag behind the database or changed outside bd. */
  private filesBehind(): boolean {
    const meta = new Map(
      this.db
        .all<{ key: string; value: string }>(
          "SELECT key, value FROM local_metadata WHERE key IN (?, ?, ?, ?)",
          CONFIG_FP_KEY,
          CONFIG_DIRTY_KEY,
          FINGERPRINT_KEY,
          STALE_KEY,
        )
        .map((r) => [r.key, r.value]),
    );
    if (this.configPath) {
      if (meta.has(CONFIG_DIRTY_KEY) || fingerprint(this.configPath) !== meta.get(CONFIG_FP_KEY)) return true;
    }
    if (!this.jsonlPath || this.getConfigSync("export.auto") !== "true") return false;
    return (
      meta.has(STALE_KEY) ||
      fingerprint(this.jsonlPath) !== meta.get(FINGERPRINT_KEY) ||
      hasPendingExport(this.db)
    );
  }

  /**
   * Imports (adds and updates; the stored issue wins only when strictly newer) what the JSONL
   * holds. Lines that are not beads this ledger can store are kept (they go back into every
   * export as they are) and reported the first time they are met. False when there is no
   * file to read.
   */
  private absorbJsonl(current: string | undefined): boolean {
    if (!this.jsonlPath || current === undefined) return false;
    const parsed = readJsonlFile(this.jsonlPath);
    const now = this.now();
    const good: ImportedIssue[] = [];
    const kept: KeptLine[] = [];
    const encoder = new TextEncoder();
    let anchor = "";
    for (const e of parsed.entries) {
      if (e.kind === "kept") {
        kept.push({ anchor, bytes: e.bytes, line: e.line, reason: e.reason });
        continue;
      }
      try {
        const imported = checkImportedIssue(e.record, this.vocab, now);
        good.push(imported);
        // Issues the export leaves out (wisps, templates, infrastructure types) are stored,
        // and their lines stay in the file as they were.
        const i = imported.issue;
        if (i.ephemeral || i.is_template || unexportedTypes(this.vocab).includes(i.issue_type))
          kept.push({ anchor, bytes: encoder.encode(e.text), line: e.line });
        anchor = i.id;
      } catch (err) {
        kept.push({ anchor, bytes: encoder.encode(e.text), line: e.line, reason: (err as Error).message });
      }
    }
    const known = new Set(keptLines(this.db).map((k) => Buffer.from(k.bytes).toString("latin1")));
    const fresh = kept.filter((k) => k.reason && !known.has(Buffer.from(k.bytes).toString("latin1")));
    for (const k of fresh.slice(0, MAX_LINE_WARNINGS)) {
      this.warn(
        `warning: ${this.jsonlPath}:${k.line}: ${safeText(k.reason!)}; the line is kept as it is and not imported (bd doctor lists such lines)`,
      );
    }
    if (fresh.length > MAX_LINE_WARNINGS) {
      this.warn(
        `warning: ${this.jsonlPath}: ${fresh.length - MAX_LINE_WARNINGS} more unreadable lines (bd doctor)`,
      );
    }
    replaceKeptLines(this.db, kept);
    if (good.length > 0) this.importSync(good, "jsonl-sync", { onlyNewer: true });
    // The file as read is now known; the export that follows rewrites it whole.
    recordFingerprint(this.db, current);
    markJsonlStale(this.db);
    return true;
  }

  /**
   * Takes in config.yaml when it changed outside bd (a clone, a pull) or was never read:
   * its values win over the table's; keys only the table has stay (import never deletes)
   * and are written back. True when the table changed.
   */
  private absorbConfigFile(): boolean {
    if (!this.configPath) return false;
    const current = fingerprint(this.configPath);
    const stored = this.meta(CONFIG_FP_KEY);
    if (current !== undefined && current === stored) return false;
    let changed = false;
    const have = this.configMap();
    let file = new Map<string, string>();
    if (current !== undefined) {
      try {
        file = parseConfigFile(readFileSync(this.configPath, "utf8"));
      } catch (e) {
        this.warn(`warning: cannot read ${this.configPath}: ${safeText((e as Error).message)}`);
      }
      for (const [key, value] of file) {
        if (have[key] === value) continue;
        const problem = configValueProblem(key, value);
        if (problem) {
          this.warn(`warning: ${this.configPath}: ${key}: ${safeText(problem)}; ignored`);
          continue;
        }
        this.db.run(
          "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          key,
          value,
        );
        changed = true;
      }
      this.setMeta(CONFIG_FP_KEY, current);
    }
    const after = changed ? this.configMap() : have;
    if (Object.keys(after).some((k) => travelsInFile(k) && file.get(k) !== after[k]))
      this.setMeta(CONFIG_DIRTY_KEY, "1");
    if (changed) this.loadVocabulary();
    return changed;
  }

  /** Writes the config table into config.yaml (lines bd does not own stay as they are). */
  private writeConfigFile(): void {
    const path = this.configPath!;
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch {
      // not written yet
    }
    const next = updateConfigFile(text, this.configMap());
    if (next !== text) writeJsonlFile(path, next);
    const fp = fingerprint(path);
    if (fp !== undefined) this.setMeta(CONFIG_FP_KEY, fp);
    this.db.run("DELETE FROM local_metadata WHERE key = ?", CONFIG_DIRTY_KEY);
  }

  private meta(key: string): string | undefined {
    return this.db.get<{ value: string }>("SELECT value FROM local_metadata WHERE key = ?", key)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.run(
      "INSERT INTO local_metadata (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  /**
   * Brings the database up to date with files that changed outside bd (a fresh clone, a
   * git pull) and the files up to date with the database (a process killed after its
   * commit), before a command reads. Cheap when nothing changed: two stats and two queries.
   */
  syncFromJsonl(): void {
    if (!this.jsonlPath || this.db.inTransaction) return;
    if (!this.filesBehind()) return;
    this.write(() => undefined);
  }

  /** The config table changed behind setConfig's back (init): config.yaml is rewritten next. */
  noteConfigChanged(): void {
    if (this.configPath) this.db.write(() => this.setMeta(CONFIG_DIRTY_KEY, "1"));
  }

  /**
   * Reads issues.jsonl as a sync would and compares it with the database (for `bd doctor`):
   * the lines that are not beads this ledger can store and why, and the issues the file
   * lacks, holds differently, or holds that the database does not.
   */
  async inspectJsonl(): Promise<JsonlInspection | undefined> {
    if (!this.jsonlPath) return undefined;
    const out: JsonlInspection = {
      path: this.jsonlPath,
      exists: existsSync(this.jsonlPath),
      autoExport: this.getConfigSync("export.auto") === "true",
      unreadable: [],
      missing: [],
      differing: [],
      extra: [],
    };
    if (!out.exists) return out;
    const parsed = readJsonlFile(this.jsonlPath);
    const now = this.now();
    const inFile = new Map<string, string>();
    for (const e of parsed.entries) {
      if (e.kind === "kept") {
        if (e.reason) out.unreadable.push({ line: e.line, reason: e.reason });
        continue;
      }
      try {
        checkImportedIssue(e.record, this.vocab, now);
        inFile.set(String(e.record.id), e.text);
      } catch (err) {
        out.unreadable.push({ line: e.line, reason: (err as Error).message });
      }
    }
    for (const issue of exportIssues(this.db, unexportedTypes(this.vocab), {})) {
      const line = inFile.get(issue.id);
      if (line === undefined) out.missing.push(issue.id);
      else if (line !== jsonlLine(issue)) out.differing.push(issue.id);
    }
    for (const id of inFile.keys()) if (!this.exists(id)) out.extra.push(id);
    return out;
  }

  /** config.yaml against the config table: keys the file lacks or holds differently. */
  async inspectConfigFile(): Promise<{ path: string; exists: boolean; differing: string[] } | undefined> {
    if (!this.configPath) return undefined;
    const exists = existsSync(this.configPath);
    const file = exists ? parseConfigFile(readFileSync(this.configPath, "utf8")) : new Map<string, string>();
    const table = this.configMap();
    const differing = Object.keys(table)
      .filter((k) => travelsInFile(k) && file.get(k) !== table[k])
      .sort();
    return { path: this.configPath, exists, differing };
  }

  /**
   * SQLite's own consistency check of the database file ("ok" when sound). `full` also
   * checks every index against its table (PRAGMA integrity_check, slower on big ledgers).
   */
  async integrityCheck(full = false): Promise<string[]> {
    return this.db
      .all<Record<string, unknown>>(full ? "PRAGMA integrity_check" : "PRAGMA quick_check")
      .map((r) => String(Object.values(r)[0]));
  }

  private event(
    issueId: string,
    type: LedgerEvent["event_type"],
    actor: string,
    old?: Param,
    now?: Param,
    comment?: string,
  ) {
    this.db.run(
      "INSERT INTO events (issue_id, event_type, actor, old_value, new_value, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      issueId,
      type,
      actor,
      old === undefined || old === null ? null : String(old),
      now === undefined || now === null ? null : String(now),
      comment ?? null,
      this.now(),
    );
  }

  // ---------------------------------------------------------------- config

  private getConfigSync(key: string): string | undefined {
    return this.db.get<{ value: string }>("SELECT value FROM config WHERE key = ?", key)?.value;
  }

  async getConfig(key: string): Promise<string | undefined> {
    return this.getConfigSync(key);
  }

  async setConfig(key: string, value: string): Promise<void> {
    const problem = configValueProblem(key, value);
    if (problem) throw new ValidationError(problem);
    this.write(() => {
      this.db.run(
        "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
      if (this.configPath && travelsInFile(key)) this.setMeta(CONFIG_DIRTY_KEY, "1");
    });
    this.afterConfigChange(key);
  }

  async unsetConfig(key: string): Promise<boolean> {
    const n = this.write(() => {
      const n = this.db.run("DELETE FROM config WHERE key = ?", key);
      if (n > 0 && this.configPath && travelsInFile(key)) this.setMeta(CONFIG_DIRTY_KEY, "1");
      return n;
    });
    this.afterConfigChange(key);
    return n > 0;
  }

  /** New vocabulary; a changed export filter means the whole JSONL is rewritten once. */
  private afterConfigChange(key: string): void {
    this.loadVocabulary();
    if ((key === "types.infra" || key === "types.infra_exported") && this.tracking) {
      this.write(() => markJsonlStale(this.db));
    }
  }

  async listConfig(): Promise<Record<string, string>> {
    return this.configMap();
  }

  async vocabulary(): Promise<Vocabulary> {
    return this.vocab;
  }

  async prefix(): Promise<string> {
    return this.getConfigSync("issue_prefix") ?? "bd";
  }

  // ---------------------------------------------------------------- reading

  private getIssueSync(id: string): Issue | undefined {
    const row = this.db.get(`SELECT * FROM issues WHERE id = ?`, id);
    if (!row) return undefined;
    const issue = rowToIssue(row);
    const labels = this.labelsSync(id);
    if (labels.length > 0) issue.labels = labels;
    return issue;
  }

  private mustGet(id: string): Issue {
    const issue = this.getIssueSync(id);
    if (!issue) throw new NotFoundError(id);
    return issue;
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    return this.getIssueSync(id);
  }

  async getIssues(ids: string[]): Promise<Issue[]> {
    return ids.map((id) => this.getIssueSync(id)).filter((x): x is Issue => x !== undefined);
  }

  async resolveId(partial: string): Promise<string> {
    return this.resolveIdSync(partial);
  }

  private resolveIdSync(partial: string): string {
    const input = partial.trim();
    if (!input) throw new ValidationError("issue ID must not be empty");
    if (this.db.get("SELECT 1 FROM issues WHERE id = ?", input)) return input;
    const prefix = this.getConfigSync("issue_prefix") ?? "";
    const prefixed = `${prefix}-${input}`;
    if (prefix && this.db.get("SELECT 1 FROM issues WHERE id = ?", prefixed)) return prefixed;
    const esc = likeEscape(input);
    // Prefer IDs whose hash part starts with the input; fall back to any substring.
    let candidates = this.db.column<string>(
      "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 50",
      `${esc}%`,
      `%-${esc}%`,
    );
    if (candidates.length === 0) {
      candidates = this.db.column<string>(
        "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 50",
        `%${esc}%`,
      );
    }
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) {
      // A full ID that is also the prefix of its own children is not ambiguous.
      const top = candidates.filter((c) => !candidates.some((o) => o !== c && c.startsWith(`${o}.`)));
      if (top.length === 1) return top[0]!;
      throw new AmbiguousIdError(input, candidates);
    }
    throw new NotFoundError(input);
  }

  private labelsSync(id: string): string[] {
    return this.db.column<string>("SELECT label FROM labels WHERE issue_id = ? ORDER BY label", id);
  }

  private parentOf(id: string): string | undefined {
    return this.db.column<string>(
      "SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type = 'parent-child' LIMIT 1",
      id,
    )[0];
  }

  async getDetails(id: string): Promise<IssueDetails> {
    return this.db.read(() => {
      const issue = this.mustGet(id);
      const details = { ...issue } as IssueDetails;
      const deps = this.relatedSync(id, "down");
      const dependents = this.relatedSync(id, "up");
      if (deps.length > 0) details.dependencies = deps;
      if (dependents.length > 0) details.dependents = dependents;
      const comments = this.commentsSync(id);
      if (comments.length > 0) details.comments = comments;
      const parent = this.parentOf(id);
      if (parent) details.parent = parent;
      details.dependency_count = deps.length;
      details.dependent_count = dependents.length;
      details.comment_count = comments.length;
      if (issue.issue_type === "epic") {
        const kids = dependents.filter((d) => d.dependency_type === "parent-child");
        if (kids.length > 0) {
          const closed = kids.filter((k) => k.status === "closed").length;
          details.epic_total_children = kids.length;
          details.epic_closed_children = closed;
          details.epic_closeable = closed === kids.length && issue.status !== "closed";
        }
      }
      return details;
    });
  }

  private relatedSync(id: string, direction: "down" | "up", type?: string): IssueWithDependencyType[] {
    const [from, to] = direction === "down" ? ["issue_id", "depends_on_id"] : ["depends_on_id", "issue_id"];
    const rows = this.db.all(
      `SELECT ${ISSUE_COLUMN_LIST_I}, d.type AS dependency_type FROM dependencies d JOIN issues i ON i.id = d.${to}
       WHERE d.${from} = ? ${type ? "AND d.type = ?" : ""} ORDER BY i.priority, i.id`,
      ...(type ? [id, type] : [id]),
    );
    const out = rows.map((r) => ({ ...rowToIssue(r), dependency_type: String(r.dependency_type) }));
    if (direction === "down") {
      // Edges to other rigs or external trackers have no local row; show them as stubs.
      const local = new Set(out.map((o) => o.id));
      for (const d of this.db.all<{ depends_on_id: string; type: string }>(
        `SELECT depends_on_id, type FROM dependencies WHERE issue_id = ? ${type ? "AND type = ?" : ""}`,
        ...(type ? [id, type] : [id]),
      )) {
        if (!local.has(d.depends_on_id)) {
          out.push({
            id: d.depends_on_id,
            title: "",
            status: "",
            priority: DEFAULT_PRIORITY,
            issue_type: "",
            created_at: "",
            updated_at: "",
            dependency_type: d.type,
          });
        }
      }
    }
    return out;
  }

  /** Adds the list-row counts (and labels) to a batch of rows. */
  private withCounts(rows: Row[]): IssueWithCounts[] {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => String(r.id));
    const count = (sql: string, col: string) => {
      const sc = this.scope(ids, col);
      const m = new Map<string, number>();
      for (const r of this.db.all<{ k: string; n: number }>(sql.replace("$SCOPE", sc.sql), ...sc.params)) {
        m.set(r.k, Number(r.n));
      }
      return m;
    };
    // As in beads' list rows: counts cover `blocks` edges; `dependencies` lists every outgoing edge.
    const depCount = count(
      "SELECT issue_id AS k, COUNT(*) AS n FROM dependencies WHERE $SCOPE AND type = 'blocks' GROUP BY issue_id",
      "issue_id",
    );
    const revCount = count(
      "SELECT depends_on_id AS k, COUNT(*) AS n FROM dependencies WHERE $SCOPE AND type = 'blocks' GROUP BY depends_on_id",
      "depends_on_id",
    );
    const comCount = count(
      "SELECT issue_id AS k, COUNT(*) AS n FROM comments WHERE $SCOPE GROUP BY issue_id",
      "issue_id",
    );
    const sc = this.scope(ids, "issue_id");
    const edges = new Map<string, Dependency[]>();
    const parents = new Map<string, string>();
    for (const r of this.db.all<Row>(
      `SELECT issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id FROM dependencies
       WHERE ${sc.sql} ORDER BY issue_id, depends_on_id`,
      ...sc.params,
    )) {
      const d = toDependency(r);
      const l = edges.get(d.issue_id);
      if (l) l.push(d);
      else edges.set(d.issue_id, [d]);
      // The parent is the smallest parent-child target, as beads reports it.
      if (d.type === "parent-child" && !parents.has(d.issue_id)) parents.set(d.issue_id, d.depends_on_id);
    }
    const labels = this.labelsOf(ids);
    return rows.map((r) => {
      const issue = rowToIssue(r) as IssueWithCounts;
      const l = labels.get(issue.id);
      if (l) issue.labels = l;
      const e = edges.get(issue.id);
      if (e) issue.dependencies = e;
      issue.dependency_count = depCount.get(issue.id) ?? 0;
      issue.dependent_count = revCount.get(issue.id) ?? 0;
      issue.comment_count = comCount.get(issue.id) ?? 0;
      const p = parents.get(issue.id);
      if (p) issue.parent = p;
      return issue;
    });
  }

  private whereFor(f: IssueFilter) {
    return buildWhere(f, {
      sql: SQLITE,
      infraTypes: this.vocab.infraTypes,
      now: this.now(),
      hiddenStatuses: hiddenListStatuses(this.vocab),
    });
  }

  async listIssues(filter: IssueFilter): Promise<IssueWithCounts[]> {
    return this.db.read(() => {
      const w = this.whereFor(filter);
      const limit = filter.limit && filter.limit > 0 ? ` LIMIT ${Math.floor(filter.limit)}` : "";
      const rows = this.db.all(
        `SELECT i.* FROM issues i WHERE ${w.sql} ORDER BY ${orderBy(filter.sort, filter.reverse, this.clock())}${limit}`,
        ...w.params,
      );
      return this.withCounts(rows);
    });
  }

  async countIssues(filter: IssueFilter, groupBy?: string): Promise<number | Record<string, number>> {
    const w = this.whereFor(filter);
    if (!groupBy) {
      return Number(
        this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params)?.n ?? 0,
      );
    }
    const col = { status: "i.status", priority: "i.priority", type: "i.issue_type", assignee: "i.assignee" }[
      groupBy
    ];
    const out: Record<string, number> = {};
    if (groupBy === "label") {
      for (const r of this.db.all<{ k: string; n: number }>(
        `SELECT l.label AS k, COUNT(*) AS n FROM issues i JOIN labels l ON l.issue_id = i.id WHERE ${w.sql} GROUP BY l.label`,
        ...w.params,
      )) {
        out[r.k] = Number(r.n);
      }
      return out;
    }
    if (!col)
      throw new ValidationError(`invalid group "${groupBy}" (use status, priority, type, assignee or label)`);
    for (const r of this.db.all<{ k: string | null; n: number }>(
      `SELECT ${col} AS k, COUNT(*) AS n FROM issues i WHERE ${w.sql} GROUP BY ${col}`,
      ...w.params,
    )) {
      out[r.k === null || r.k === "" ? "(none)" : String(r.k)] = Number(r.n);
    }
    return out;
  }

  /** WHERE clause of the ready query: status, not blocked, not pinned, not deferred, work types only. */
  /**
   * WHERE clause of the ready query: status, not blocked, not pinned, not deferred, work types
   * only. `rows` checks deferred parents per row (fastest when a LIMIT stops early); `count`
   * collects the children of deferred parents once (fastest when every row is visited).
   */
  private readyWhere(
    filter: ReadyFilter,
    shape: "rows" | "count" = "rows",
  ): { sql: string; params: Param[] } {
    const now = this.now();
    const f: IssueFilter = {
      ...filter,
      statuses: [filter.status ?? "open"],
      includeInfra: true,
      excludeTypes:
        filter.types && filter.types.length > 0
          ? filter.excludeTypes
          : [...READY_EXCLUDED_TYPES, ...(filter.excludeTypes ?? [])],
    };
    const w = this.whereFor(f);
    const base = `${w.sql} AND i.is_blocked = 0 AND i.pinned = 0`;
    if (filter.includeDeferred) return { sql: base, params: w.params };
    const deferredParent =
      shape === "rows"
        ? `NOT EXISTS (SELECT 1 FROM dependencies pd JOIN issues pp ON pp.id = pd.depends_on_id
                       WHERE pd.issue_id = i.id AND pd.type = 'parent-child' AND pp.defer_until > ?)`
        : `i.id NOT IN (SELECT pd.issue_id FROM issues pp CROSS JOIN dependencies pd ON pd.depends_on_id = pp.id
                        WHERE pp.defer_until > ? AND pd.type = 'parent-child')`;
    return {
      sql: `${base} AND (i.defer_until IS NULL OR i.defer_until <= ?) AND ${deferredParent}`,
      params: [...w.params, now, now],
    };
  }

  async ready(filter: ReadyFilter): Promise<IssueWithCounts[]> {
    return this.db.read(() => {
      const w = this.readyWhere(filter);
      const limit = filter.limit === undefined ? 100 : filter.limit;
      const rows = this.db.all(
        `SELECT i.* FROM issues i WHERE ${w.sql}
         ORDER BY ${orderBy(filter.sort, filter.reverse, this.clock())}${limit > 0 ? ` LIMIT ${Math.floor(limit)}` : ""}`,
        ...w.params,
      );
      return this.withCounts(rows);
    });
  }

  async countReady(filter: ReadyFilter): Promise<number> {
    const w = this.readyWhere(filter, "count");
    return Number(
      this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, ...w.params)?.n ?? 0,
    );
  }

  async blocked(filter: IssueFilter): Promise<BlockedIssue[]> {
    return this.db.read(() => {
      const w = this.whereFor(filter);
      const rows = this.db.all(
        `SELECT i.* FROM issues i WHERE ${w.sql} AND i.is_blocked = 1 AND i.status NOT IN ('closed', 'pinned')
         ORDER BY ${orderBy(filter.sort, filter.reverse, this.clock())}${filter.limit ? ` LIMIT ${Math.floor(filter.limit)}` : ""}`,
        ...w.params,
      );
      const ids = rows.map((r) => String(r.id));
      const blockers = this.blockersOf(ids);
      const labels = this.labelsOf(ids);
      return rows.map((r) => {
        const issue = rowToIssue(r);
        const l = labels.get(issue.id);
        if (l) issue.labels = l;
        const by = blockers.get(issue.id) ?? [];
        return { ...issue, blocked_by_count: by.length, blocked_by: by };
      });
    });
  }

  /** `col IN (ids)`: bound parameters for a page of rows, one JSON array for thousands. */
  private scope(ids: string[], col: string): { sql: string; params: string[] } {
    if (ids.length > 400)
      return { sql: `${col} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(ids)] };
    return { sql: `${col} IN (${ids.map(() => "?").join(", ")})`, params: ids };
  }

  private labelsOf(ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const sc = this.scope(ids, "issue_id");
    for (const r of this.db.all<{ issue_id: string; label: string }>(
      `SELECT issue_id, label FROM labels WHERE ${sc.sql} ORDER BY issue_id, label`,
      ...sc.params,
    )) {
      const l = out.get(r.issue_id);
      if (l) l.push(r.label);
      else out.set(r.issue_id, [r.label]);
    }
    return out;
  }

  /**
   * What keeps each issue blocked: its open `blocks`/`conditional-blocks` targets and
   * unfinished `waits-for` spawners; when there are none, the blocked parent it inherits from.
   */
  private blockersOf(ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const done = [...NON_BLOCKING_STATUSES];
    const marks = done.map(() => "?").join(", ");
    const sc = this.scope(ids, "d.issue_id");
    const add = (rows: Array<{ k: string; v: string }>) => {
      for (const r of rows) {
        const l = out.get(r.k);
        if (!l) out.set(r.k, [r.v]);
        else if (!l.includes(r.v)) l.push(r.v);
      }
    };
    add(
      this.db.all(
        `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
         WHERE ${sc.sql} AND d.type IN ('blocks', 'conditional-blocks') AND t.status NOT IN (${marks})
         ORDER BY d.issue_id, d.depends_on_id`,
        ...sc.params,
        ...done,
      ),
    );
    add(
      this.db.all(
        `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d WHERE ${sc.sql} AND d.type = 'waits-for'
           AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                       WHERE c.depends_on_id = d.depends_on_id AND c.type = 'parent-child' AND ci.status NOT IN (${marks}))
         ORDER BY d.issue_id, d.depends_on_id`,
        ...sc.params,
        ...done,
      ),
    );
    const parents = this.db.all<{ k: string; v: string }>(
      `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
       WHERE ${sc.sql} AND d.type = 'parent-child' AND p.is_blocked = 1`,
      ...sc.params,
    );
    // The parent is named only for issues blocked through it alone.
    for (const p of parents) if (!out.has(p.k)) out.set(p.k, [p.v]);
    return out;
  }

  async isBlocked(id: string): Promise<boolean> {
    return (
      Number(this.db.get<{ b: number }>("SELECT is_blocked AS b FROM issues WHERE id = ?", id)?.b ?? 0) === 1
    );
  }

  async children(id: string): Promise<IssueWithCounts[]> {
    this.mustGet(id);
    const rows = this.db.all(
      `SELECT i.* FROM issues i WHERE i.id IN (SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child')
       ORDER BY i.id`,
      id,
    );
    return this.withCounts(rows);
  }

  async stale(opts: StaleOptions): Promise<Issue[]> {
    const cutoff = new Date(this.clock().getTime() - opts.days * 86_400_000).toISOString();
    const statuses = opts.status ? [opts.status] : ["open", "in_progress", "blocked", "hooked"];
    const rows = this.db.all(
      `SELECT * FROM issues WHERE ephemeral = 0 AND updated_at < ? AND status IN (${statuses.map(() => "?").join(", ")})
       ORDER BY updated_at ASC${opts.limit ? ` LIMIT ${Math.floor(opts.limit)}` : ""}`,
      cutoff,
      ...statuses,
    );
    return rows.map(rowToIssue);
  }

  async stats(): Promise<Statistics> {
    return this.db.read(() => {
      const n = (sql: string, ...p: Param[]) => Number(this.db.get<{ n: number }>(sql, ...p)?.n ?? 0);
      const base = "FROM issues WHERE ephemeral = 0";
      const byStatus = (s: string) => n(`SELECT COUNT(*) AS n ${base} AND status = ?`, s);
      const ready = this.readyWhere({}, "count");
      const readyCount = n(`SELECT COUNT(*) AS n FROM issues i WHERE ${ready.sql}`, ...ready.params);
      const lead = this.db.get<{ h: number | null }>(
        `SELECT AVG((julianday(closed_at) - julianday(created_at)) * 24.0) AS h ${base} AND status = 'closed'`,
      );
      const epics = n(
        `SELECT COUNT(*) AS n FROM issues e WHERE e.ephemeral = 0 AND e.issue_type = 'epic' AND e.status != 'closed'
           AND EXISTS (SELECT 1 FROM dependencies d WHERE d.depends_on_id = e.id AND d.type = 'parent-child')
           AND NOT EXISTS (SELECT 1 FROM dependencies d JOIN issues c ON c.id = d.issue_id
                           WHERE d.depends_on_id = e.id AND d.type = 'parent-child' AND c.status != 'closed')`,
      );
      return {
        total_issues: n(`SELECT COUNT(*) AS n ${base}`),
        open_issues: byStatus("open"),
        in_progress_issues: byStatus("in_progress"),
        closed_issues: byStatus("closed"),
        blocked_issues: n(
          `SELECT COUNT(*) AS n ${base} AND is_blocked = 1 AND status NOT IN ('closed', 'pinned')`,
        ),
        deferred_issues: byStatus("deferred"),
        ready_issues: readyCount,
        pinned_issues: byStatus("pinned"),
        epics_eligible_for_closure: epics,
        average_lead_time_hours: Math.round(Number(lead?.h ?? 0) * 100) / 100,
      };
    });
  }

  // ---------------------------------------------------------------- creating

  private idLengthConfig(): IdLengthConfig {
    const num = (k: string, d: number) => {
      const v = this.getConfigSync(k);
      return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : d;
    };
    return {
      minLength: num("min_hash_length", DEFAULT_ID_LENGTH.minLength),
      maxLength: num("max_hash_length", DEFAULT_ID_LENGTH.maxLength),
      maxCollisionProb: num("max_collision_prob", DEFAULT_ID_LENGTH.maxCollisionProb),
    };
  }

  private exists = (id: string): boolean =>
    this.db.get("SELECT 1 FROM issues WHERE id = ?", id) !== undefined;

  private newId(input: CreateIssueInput, actor: string, createdAt: Date): string {
    const base = this.getConfigSync("issue_prefix") ?? "bd";
    const prefix = input.ephemeral ? `${base}-wisp` : base;
    if (!input.ephemeral && this.getConfigSync("issue_id_mode") === "counter") {
      const next =
        Number(
          this.db.get<{ n: number }>("SELECT last_id AS n FROM issue_counter WHERE prefix = ?", prefix)?.n ??
            0,
        ) + 1;
      this.db.run(
        "INSERT INTO issue_counter (prefix, last_id) VALUES (?, ?) ON CONFLICT(prefix) DO UPDATE SET last_id = excluded.last_id",
        prefix,
        next,
      );
      let id = `${prefix}-${next}`;
      for (let n = next; this.exists(id); n++) id = `${prefix}-${n + 1}`;
      return id;
    }
    // Count top-level IDs of this partition; dotted children do not use up hash space.
    const count = Number(
      this.db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM issues WHERE ephemeral = ? AND instr(id, '.') = 0`,
        input.ephemeral ? 1 : 0,
      )?.n ?? 0,
    );
    const cfg = this.idLengthConfig();
    const seed = idSeed(input.title, input.description ?? "", actor, createdAt);
    return generateId(prefix, seed, hashLengthFor(count, cfg), this.exists, cfg);
  }

  private nextChildId(parentId: string): string {
    if (childDepth(parentId) + 1 > MAX_CHILD_DEPTH) {
      throw new ValidationError(
        `maximum hierarchy depth (${MAX_CHILD_DEPTH}) exceeded for parent ${parentId}`,
      );
    }
    const stored = Number(
      this.db.get<{ n: number }>("SELECT last_child AS n FROM child_counters WHERE parent_id = ?", parentId)
        ?.n ?? 0,
    );
    let highest = stored;
    const esc = likeEscape(parentId);
    for (const id of this.db.column<string>(
      "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\'",
      `${esc}.%`,
    )) {
      const rest = id.slice(parentId.length + 1);
      if (/^\d+$/.test(rest)) highest = Math.max(highest, Number(rest));
    }
    const next = highest + 1;
    this.db.run(
      "INSERT INTO child_counters (parent_id, last_child) VALUES (?, ?) ON CONFLICT(parent_id) DO UPDATE SET last_child = excluded.last_child",
      parentId,
      next,
    );
    return `${parentId}.${next}`;
  }

  private checkExplicitId(id: string, force: boolean | undefined): void {
    const problem = issueIdProblem(id);
    if (problem) throw new ValidationError(problem);
    const prefix = this.getConfigSync("issue_prefix") ?? "bd";
    const allowed = [prefix, ...parseList(this.getConfigSync("allowed_prefixes"))];
    const head = id.slice(0, id.indexOf("-"));
    if (!force && !allowed.some((a) => id.startsWith(`${a}-`) || head === a)) {
      throw new ValidationError(
        `issue ID "${id}" does not match the configured prefix "${prefix}" (use --force to override)`,
      );
    }
    if (
      !force &&
      id.slice(prefix.length + 1).includes("-") &&
      !allowed.some((a) => a.includes("-") && id.startsWith(`${a}-`))
    ) {
      throw new ValidationError(`issue ID "${id}" has more than one hyphen (use --force to override)`);
    }
    if (this.exists(id)) throw new ConflictError("exists", `issue ${id} already exists`);
  }

  async createIssue(input: CreateIssueInput, actor: string): Promise<Issue> {
    validateTitle(input.title);
    const type = validateType(input.issue_type ?? "task", this.vocab);
    const status = validateStatus(input.status ?? "open", this.vocab);
    const priority = input.priority ?? DEFAULT_PRIORITY;
    if (!Number.isInteger(priority) || priority < 0 || priority > 4) {
      throw new ValidationError(`invalid priority "${priority}" (expected 0-4 or P0-P4)`);
    }
    if (input.ephemeral && input.no_history)
      throw new ValidationError("--ephemeral and --no-history cannot be combined");
    const labels = (input.labels ?? []).map(validateLabel);
    for (const d of [...(input.deps ?? []), ...(input.dependents ?? [])]) validateDepType(d.type);
    return this.write(() => {
      const created = this.clock();
      const now = created.toISOString();
      let parentId: string | undefined;
      if (input.parent) {
        parentId = this.resolveIdSync(input.parent);
        // A child of a wisp is a wisp too: it lives and dies with its parent.
        if (!input.ephemeral && this.getIssueSync(parentId)?.ephemeral) input = { ...input, ephemeral: true };
      }
      let id: string;
      if (input.id) {
        this.checkExplicitId(input.id, input.force);
        id = input.id;
      } else if (parentId) {
        id = this.nextChildId(parentId);
      } else {
        id = this.newId(input, actor, created);
      }
      const issue: Issue = {
        id,
        title: input.title,
        description: input.description,
        design: input.design,
        acceptance_criteria: input.acceptance_criteria,
        notes: input.notes,
        spec_id: input.spec_id,
        status,
        priority,
        issue_type: type,
        assignee: input.assignee,
        owner: input.owner,
        estimated_minutes: input.estimated_minutes,
        created_at: now,
        created_by: actor,
        updated_at: now,
        started_at: status === "in_progress" ? now : undefined,
        closed_at: status === "closed" ? now : undefined,
        due_at: input.due_at ? normalizeTime(input.due_at, "due date") : undefined,
        defer_until: input.defer_until ? normalizeTime(input.defer_until, "defer time") : undefined,
        external_ref: input.external_ref,
        source_system: input.source_system,
        metadata: input.metadata,
        sender: input.sender,
        ephemeral: input.ephemeral,
        no_history: input.no_history,
        wisp_type: input.wisp_type,
        pinned: input.pinned,
        is_template: input.is_template,
        mol_type: input.mol_type,
        work_type: input.work_type,
        event_kind: input.event_kind,
        actor: input.actor,
        target: input.target,
        payload: input.payload,
        await_type: input.await_type,
        await_id: input.await_id,
        timeout: input.timeout,
        waiters: input.waiters,
        source_formula: input.source_formula,
        source_location: input.source_location,
      };
      this.db.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
      this.event(id, "created", actor, null, null);
      const allLabels = new Set(labels);
      if (parentId) {
        if (input.inheritLabels !== false) for (const l of this.labelsSync(parentId)) allLabels.add(l);
        this.insertDependency({ issue_id: id, depends_on_id: parentId, type: "parent-child" }, actor, now);
      }
      for (const l of allLabels)
        this.db.run("INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)", id, l);
      for (const d of input.deps ?? []) {
        const target = this.resolveTarget(d.depends_on_id);
        this.addDependencySync({ issue_id: id, depends_on_id: target, type: d.type }, actor, now);
      }
      for (const d of input.dependents ?? []) {
        const source = this.resolveIdSync(d.issue_id);
        this.addDependencySync({ issue_id: source, depends_on_id: id, type: d.type }, actor, now);
      }
      this.blocking.touch(id);
      const out = this.getIssueSync(id)!;
      return out;
    });
  }

  /** Local IDs resolve (partial allowed); other prefixes and `external:` stay as given. */
  async createIssues(issues: Issue[], actor: string): Promise<Issue[]> {
    return this.write(() => {
      const now = this.now();
      const checked = issues.map((raw) => {
        try {
          return checkImportedIssue(raw as unknown as Record<string, unknown>, this.vocab, now);
        } catch (e) {
          throw new ValidationError(`${typeof raw?.id === "string" ? raw.id : "?"}: ${(e as Error).message}`);
        }
      });
      const ids = new Set<string>();
      for (const { issue } of checked) {
        if (ids.has(issue.id) || this.getIssueSync(issue.id))
          throw new ConflictError("exists", `issue ${issue.id} already exists`);
        ids.add(issue.id);
      }
      for (const { issue, labels } of checked) {
        this.db.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
        this.event(issue.id, "created", actor, null, null);
        for (const l of labels)
          this.db.run("INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)", issue.id, l);
      }
      // is_blocked for the batch, worked out here (one UPDATE) rather than row by row: a new
      // bead is blocked by an open blocks target or a blocked parent; waits-for is settled.
      const byId = new Map(checked.map((c) => [c.issue.id, c]));
      const done = (status: string | undefined) =>
        status === undefined || NON_BLOCKING_STATUSES.includes(status);
      const blocked = new Map<string, boolean>();
      const isBlocked = (id: string): boolean => {
        const known = blocked.get(id);
        if (known !== undefined) return known;
        blocked.set(id, false); // a parent loop cannot recurse forever
        const c = byId.get(id)!;
        let b = false;
        if (!done(c.issue.status))
          for (const d of c.dependencies) {
            const inBatch = byId.get(d.depends_on_id);
            if (d.type === "blocks" || d.type === "conditional-blocks")
              b ||= !done(inBatch ? inBatch.issue.status : this.getIssueSync(d.depends_on_id)?.status);
            else if (d.type === "parent-child")
              b ||= inBatch
                ? isBlocked(d.depends_on_id)
                : this.db.get<{ b: number }>(
                    "SELECT is_blocked AS b FROM issues WHERE id = ?",
                    d.depends_on_id,
                  )?.b === 1;
            else if (d.type === "waits-for") this.blocking.touch(id);
          }
        blocked.set(id, b);
        return b;
      };
      for (const { issue, dependencies } of checked) {
        for (const d of dependencies) {
          if (d.depends_on_id === issue.id)
            throw new ValidationError(`cannot add self-dependency: ${issue.id} cannot depend on itself`);
          const target = ids.has(d.depends_on_id) ? d.depends_on_id : this.resolveTarget(d.depends_on_id);
          this.db.run(
            "INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            issue.id,
            target,
            validateDepType(d.type),
            d.created_at ?? now,
            d.created_by ?? actor,
            d.metadata ?? null,
            d.thread_id ?? null,
          );
        }
      }
      const blockedIds = checked.map((c) => c.issue.id).filter(isBlocked);
      this.db.run(
        "UPDATE issues SET is_blocked = 1 WHERE id IN (SELECT value FROM json_each(?))",
        JSON.stringify(blockedIds),
      );
      this.blocking.settle();
      return checked.map((c) => c.issue);
    });
  }

  private resolveTarget(id: string): string {
    if (id.startsWith("external:")) return id;
    try {
      return this.resolveIdSync(id);
    } catch (e) {
      const prefix = this.getConfigSync("issue_prefix") ?? "bd";
      if (e instanceof NotFoundError && id.includes("-") && !id.startsWith(`${prefix}-`)) return id;
      throw e;
    }
  }

  // ---------------------------------------------------------------- updating

  async updateIssue(
    id: string,
    patch: IssuePatch,
    actor: string,
    guard?: (current: Issue) => void,
  ): Promise<Issue> {
    return this.write(() => {
      guard?.(this.mustGet(id));
      return this.updateSync(id, patch, actor);
    });
  }

  private updateSync(id: string, patch: IssuePatch, actor: string): Issue {
    const before = this.mustGet(id);
    const next: Issue = { ...before };
    const now = this.now();
    const clear = <K extends keyof Issue>(k: K, v: unknown) => {
      if (v === undefined) return;
      (next as unknown as Record<string, unknown>)[k] = v === null || v === "" ? undefined : v;
    };
    if (patch.title !== undefined) next.title = validateTitle(patch.title);
    for (const k of TEXT_FIELDS) {
      clear(k, patch[k]);
    }
    if (patch.append_notes)
      next.notes = next.notes ? `${next.notes}\n${patch.append_notes}` : patch.append_notes;
    if (patch.priority !== undefined) {
      if (!Number.isInteger(patch.priority) || patch.priority < 0 || patch.priority > 4) {
        throw new ValidationError(`invalid priority "${patch.priority}" (expected 0-4 or P0-P4)`);
      }
      next.priority = patch.priority;
    }
    if (patch.issue_type !== undefined) next.issue_type = validateType(patch.issue_type, this.vocab);
    if (patch.estimated_minutes !== undefined) next.estimated_minutes = patch.estimated_minutes ?? undefined;
    if (patch.due_at !== undefined)
      next.due_at = patch.due_at ? normalizeTime(patch.due_at, "due date") : undefined;
    if (patch.defer_until !== undefined) {
      next.defer_until = patch.defer_until ? normalizeTime(patch.defer_until, "defer time") : undefined;
    }
    if (patch.pinned !== undefined) next.pinned = patch.pinned || undefined;
    if (patch.is_template !== undefined) next.is_template = patch.is_template || undefined;
    if (patch.ephemeral !== undefined) next.ephemeral = patch.ephemeral || undefined;
    if (patch.metadata !== undefined) next.metadata = patch.metadata ?? undefined;
    if (patch.set_metadata || patch.unset_metadata) {
      const m = { ...(next.metadata ?? {}) };
      Object.assign(m, patch.set_metadata ?? {});
      for (const k of patch.unset_metadata ?? []) delete m[k];
      next.metadata = Object.keys(m).length > 0 ? m : undefined;
    }
    if (patch.status !== undefined) {
      next.status = validateStatus(patch.status, this.vocab);
      if (next.status === "closed" && before.status !== "closed") next.closed_at = now;
      if (next.status !== "closed") {
        next.closed_at = undefined;
        if (before.status === "closed") {
          next.close_reason = undefined;
          next.closed_by_session = undefined;
        }
      }
      if (next.status === "in_progress" && !next.started_at) next.started_at = now;
    }
    next.updated_at = now;
    this.db.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
    if (before.status !== next.status) {
      this.event(
        id,
        next.status === "closed" ? "closed" : "status_changed",
        actor,
        before.status,
        next.status,
      );
      this.blocking.touchStatus(id);
    }
    for (const f of FIELD_EVENTS) {
      const a = before[f];
      const b = next[f];
      if (JSON.stringify(a) !== JSON.stringify(b)) this.event(id, "updated", actor, fmt(a), fmt(b), f);
    }
    if (JSON.stringify(before.metadata) !== JSON.stringify(next.metadata)) {
      this.event(id, "updated", actor, fmt(before.metadata), fmt(next.metadata), "metadata");
    }
    const labels = new Set(before.labels ?? []);
    if (patch.set_labels) {
      const want = new Set(patch.set_labels.map(validateLabel));
      for (const l of labels) if (!want.has(l)) this.removeLabelSync(id, l, actor);
      for (const l of want) if (!labels.has(l)) this.addLabelSync(id, l, actor);
    }
    for (const l of patch.add_labels ?? []) this.addLabelSync(id, validateLabel(l), actor);
    for (const l of patch.remove_labels ?? []) this.removeLabelSync(id, l, actor);
    if (patch.parent !== undefined) this.reparent(id, patch.parent, actor, now);
    return this.getIssueSync(id)!;
  }

  private reparent(id: string, parent: string | null, actor: string, now: string): void {
    const old = this.parentOf(id);
    if (old) {
      this.db.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", id, old);
      this.blocking.touchEdge(id, old, "parent-child");
      this.event(id, "dependency_removed", actor, old, null, "parent-child");
    }
    if (parent) {
      const target = this.resolveIdSync(parent);
      if (target === id) throw new ValidationError("an issue cannot be its own parent");
      const existing = this.db.get<{ type: string }>(
        "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
        id,
        target,
      );
      if (existing) throw existingEdge(id, target, existing.type, "parent-child");
      this.insertDependency({ issue_id: id, depends_on_id: target, type: "parent-child" }, actor, now);
    }
  }

  async claimIssue(id: string, actor: string): Promise<Issue> {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (issue.status === "in_progress" && issue.assignee === actor) return issue;
      if (issue.assignee && issue.assignee !== actor) {
        throw new ConflictError("already_claimed", `issue already claimed by ${issue.assignee}`);
      }
      if (issue.status !== "open") {
        throw new ConflictError("not_open", `issue not claimable: status ${issue.status}`);
      }
      return this.updateSync(id, { status: "in_progress", assignee: actor }, actor);
    });
  }

  async closeIssue(id: string, opts: CloseOptions, actor: string): Promise<CloseResult> {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (!opts.force && (issue.status === "pinned" || issue.pinned)) {
        throw new ConflictError("pinned", `cannot modify pinned issue ${id} (use --force to override)`);
      }
      if (!opts.force) {
        const done = [...NON_BLOCKING_STATUSES];
        const blockers = this.db.column<string>(
          `SELECT d.depends_on_id FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
           WHERE d.issue_id = ? AND d.type = 'blocks' AND t.status NOT IN (${done.map(() => "?").join(", ")}) ORDER BY 1`,
          id,
          ...done,
        );
        if (blockers.length > 0) {
          throw new ConflictError(
            "blocked",
            `cannot close ${id}: blocked by open issues [${blockers.join(" ")}] (use --force to override)`,
          );
        }
        if (issue.issue_type === "epic") {
          const open = this.db.column<string>(
            `SELECT d.issue_id FROM dependencies d JOIN issues c ON c.id = d.issue_id
             WHERE d.depends_on_id = ? AND d.type = 'parent-child' AND c.status != 'closed' ORDER BY 1`,
            id,
          );
          if (open.length > 0) {
            throw new ConflictError(
              "open_children",
              `cannot close epic ${id}: ${open.length} open child issue(s); close children first or use --force to override`,
            );
          }
        }
      }
      const reason = opts.reason ?? "Closed";
      const now = this.now();
      const next: Issue = {
        ...issue,
        status: "closed",
        closed_at: issue.status === "closed" ? (issue.closed_at ?? now) : now,
        close_reason: reason,
        closed_by_session: opts.session ?? issue.closed_by_session,
        updated_at: now,
      };
      this.db.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
      if (issue.status !== "closed") {
        this.event(id, "closed", actor, issue.status, "closed", reason);
        this.blocking.touchStatus(id);
      }
      this.blocking.settle();
      const unblocked = [...this.blocking.unblocked].filter((u) => u !== id);
      return { issue: this.getIssueSync(id)!, unblocked };
    });
  }

  async reopenIssue(id: string, reason: string | undefined, actor: string): Promise<Issue> {
    return this.write(() => {
      const issue = this.mustGet(id);
      if (issue.status === "open") throw new ConflictError("already_open", `${id} is already open`);
      const out = this.updateSync(id, { status: "open", close_reason: null }, actor);
      this.event(id, "reopened", actor, issue.status, "open", reason);
      if (reason) this.addCommentSync(id, actor, reason);
      return out;
    });
  }

  async planDelete(id: string): Promise<DeletePlan> {
    const issue = this.mustGet(id);
    return {
      issue,
      dependents: this.db.column<string>(
        "SELECT issue_id FROM dependencies WHERE depends_on_id = ? ORDER BY 1",
        id,
      ),
      dependencies: this.db.column<string>(
        "SELECT depends_on_id FROM dependencies WHERE issue_id = ? ORDER BY 1",
        id,
      ),
    };
  }

  async deleteIssue(id: string, actor: string): Promise<DeletePlan> {
    const plan = await this.planDelete(id);
    this.write(() => {
      this.blocking.touchStatus(id);
      const affected = this.db.column<string>(
        "SELECT issue_id FROM dependencies WHERE depends_on_id = ?",
        id,
      );
      const parent = this.parentOf(id);
      if (parent) this.blocking.touchEdge(id, parent, "parent-child");
      this.db.run("DELETE FROM dependencies WHERE issue_id = ? OR depends_on_id = ?", id, id);
      this.db.run("DELETE FROM labels WHERE issue_id = ?", id);
      this.db.run("DELETE FROM comments WHERE issue_id = ?", id);
      this.db.run("DELETE FROM events WHERE issue_id = ?", id);
      this.db.run("DELETE FROM child_counters WHERE parent_id = ?", id);
      this.db.run("DELETE FROM issues WHERE id = ?", id);
      for (const a of affected) {
        this.blocking.touch(a);
        this.event(a, "dependency_removed", actor, id, null, `deleted ${id}`);
      }
    });
    return plan;
  }

  /** bd rename: the issue moves to `newId` with everything attached; mentions in other issues follow. */
  async renameIssue(
    oldId: string,
    newId: string,
    actor: string,
  ): Promise<{ issue: Issue; updated: string[] }> {
    return this.write(() => {
      const from = this.resolveIdSync(oldId);
      const updated = renameIssueRows(this.db, SQLITE, from, newId.trim(), this.now());
      this.event(newId.trim(), "updated", actor, from, newId.trim(), "renamed");
      this.blocking.recomputeAll();
      return { issue: this.mustGet(newId.trim()), updated };
    });
  }

  /**
   * Runs several store calls (awaited one after another) as one transaction: all of them
   * or, when one throws, none (bd batch). The files follow once, after the commit.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    // The export triggers go in before the transaction (the first write would, outside one).
    if (!this.tracking && this.jsonlPath !== undefined && !this.db.inTransaction) {
      installExportTracking(this.db);
      this.tracking = true;
    }
    const result = await this.db.writeAsync(fn);
    this.flushFiles();
    return result;
  }

  /** bd rename-prefix: every `old-…` issue becomes `next-…` and the ledger's prefix is `next`. */
  async renamePrefix(next: string, actor: string): Promise<Array<[string, string]>> {
    if (!isValidPrefix(next)) throw new ValidationError(`invalid prefix "${next}"`);
    const pairs = this.write(() => {
      const old = this.getConfigSync("issue_prefix") ?? "";
      const pairs = old && old !== next ? renamePrefixRows(this.db, SQLITE, old, next, this.now()) : [];
      for (const [from, to] of pairs) this.event(to, "updated", actor, from, to, "renamed");
      this.db.run(
        "INSERT INTO config (key, value) VALUES ('issue_prefix', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        next,
      );
      if (this.configPath) this.setMeta(CONFIG_DIRTY_KEY, "1");
      this.blocking.recomputeAll();
      return pairs;
    });
    this.afterConfigChange("issue_prefix");
    return pairs;
  }

  // ---------------------------------------------------------------- dependencies

  async addDependency(dep: DependencyInput, actor: string): Promise<Dependency> {
    return this.write(() => {
      const source = this.resolveIdSync(dep.issue_id);
      const target = this.resolveTarget(dep.depends_on_id);
      return this.addDependencySync({ ...dep, issue_id: source, depends_on_id: target }, actor, this.now());
    });
  }

  private addDependencySync(dep: DependencyInput, actor: string, now: string): Dependency {
    const type = validateDepType(dep.type ?? "blocks");
    if (dep.issue_id === dep.depends_on_id)
      throw new ValidationError(`cannot add self-dependency: ${dep.issue_id} cannot depend on itself`);
    if (dep.metadata !== undefined && dep.metadata !== "") {
      try {
        JSON.parse(dep.metadata);
      } catch {
        throw new ValidationError(`dependency metadata must be valid JSON`);
      }
    }
    const existing = this.db.get<{ type: string }>(
      "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
      dep.issue_id,
      dep.depends_on_id,
    );
    if (existing && existing.type !== type) {
      throw existingEdge(dep.issue_id, dep.depends_on_id, existing.type, type);
    }
    const source = this.mustGet(dep.issue_id);
    const targetIssue = this.getIssueSync(dep.depends_on_id);
    if (
      type === "blocks" &&
      targetIssue &&
      (source.issue_type === "epic") !== (targetIssue.issue_type === "epic")
    ) {
      throw new ValidationError(
        targetIssue.issue_type === "epic"
          ? "epics can only block other epics, not tasks"
          : "tasks can only block other tasks, not epics",
      );
    }
    if (!existing && CYCLE_CHECKED_DEP_TYPES.includes(type) && !dep.noCycleCheck && targetIssue) {
      const path = this.pathBetween(dep.depends_on_id, dep.issue_id);
      if (path) {
        throw new ConflictError(
          "cycle",
          path.length <= 8
            ? `adding dependency would create a cycle: ${[dep.issue_id, ...path].join(" -> ")}`
            : `adding dependency would create a cycle (${path.length} issues long; bd dep cycles audits)`,
        );
      }
    }
    const record: Dependency = {
      issue_id: dep.issue_id,
      depends_on_id: dep.depends_on_id,
      type,
      created_at: now,
      created_by: actor,
      metadata: dep.metadata || undefined,
      thread_id: dep.thread_id || undefined,
    };
    if (existing) {
      this.db.run(
        "UPDATE dependencies SET metadata = ?, thread_id = COALESCE(?, thread_id) WHERE issue_id = ? AND depends_on_id = ?",
        record.metadata,
        record.thread_id,
        dep.issue_id,
        dep.depends_on_id,
      );
      return record;
    }
    this.insertDependency(record, actor, now);
    return record;
  }

  private insertDependency(dep: DependencyInput, actor: string, now: string): void {
    const type = dep.type ?? "blocks";
    this.db.run(
      "INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
      dep.issue_id,
      dep.depends_on_id,
      type,
      now,
      actor,
      dep.metadata ?? null,
      dep.thread_id ?? null,
    );
    this.event(dep.issue_id, "dependency_added", actor, null, dep.depends_on_id, type);
    this.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", now, dep.issue_id);
    this.blocking.touchEdge(dep.issue_id, dep.depends_on_id, type);
  }

  /** A path of blocking edges from `from` to `to`, if one exists (for cycle refusal). */
  private pathBetween(from: string, to: string): string[] | undefined {
    const types = CYCLE_CHECKED_DEP_TYPES.map((t) => `'${t}'`).join(", ");
    const prev = new Map<string, string>([[from, ""]]);
    const queue = [from];
    while (queue.length > 0) {
      const cur = queue.shift()!;
      if (cur === to) {
        const path: string[] = [];
        for (let n: string | undefined = cur; n; n = prev.get(n) || undefined) path.unshift(n);
        return path;
      }
      for (const next of this.db.column<string>(
        `SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type IN (${types})`,
        cur,
      )) {
        if (!prev.has(next)) {
          prev.set(next, cur);
          queue.push(next);
        }
      }
    }
    return undefined;
  }

  async removeDependency(issueId: string, dependsOnId: string, actor: string): Promise<boolean> {
    return this.write(() => {
      const source = this.resolveIdSync(issueId);
      const target = this.resolveTarget(dependsOnId);
      const edge = this.db.get<{ type: string }>(
        "SELECT type FROM dependencies WHERE issue_id = ? AND depends_on_id = ?",
        source,
        target,
      );
      if (!edge) return false;
      this.db.run("DELETE FROM dependencies WHERE issue_id = ? AND depends_on_id = ?", source, target);
      this.event(source, "dependency_removed", actor, target, null, edge.type);
      this.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", this.now(), source);
      this.blocking.touchEdge(source, target, edge.type);
      return true;
    });
  }

  async dependencies(id: string, direction: "down" | "up", type?: string) {
    this.mustGet(id);
    return this.relatedSync(id, direction, type);
  }

  async dependencyRecords(id: string): Promise<Dependency[]> {
    return this.depRecordsSync(id);
  }

  async dependentRecords(id: string, type?: string): Promise<Dependency[]> {
    const cols = "issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id";
    const rows = type
      ? this.db.all<Row>(
          `SELECT ${cols} FROM dependencies WHERE depends_on_id = ? AND type = ? ORDER BY issue_id`,
          id,
          type,
        )
      : this.db.all<Row>(`SELECT ${cols} FROM dependencies WHERE depends_on_id = ? ORDER BY issue_id`, id);
    return rows.map(toDependency);
  }

  private depRecordsSync(id: string): Dependency[] {
    return this.db
      .all<Row>(
        "SELECT issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id FROM dependencies WHERE issue_id = ? ORDER BY depends_on_id",
        id,
      )
      .map(toDependency);
  }

  async dependencyTree(
    id: string,
    opts: { maxDepth: number; direction: "down" | "up" | "both" },
  ): Promise<DependencyTreeNode[]> {
    const root = this.mustGet(id);
    const out: DependencyTreeNode[] = [
      {
        id: root.id,
        title: root.title,
        status: root.status,
        priority: root.priority,
        issue_type: root.issue_type,
        depth: 0,
        parent_id: "",
        dependency_type: "",
        truncated: false,
      },
    ];
    const walk = (dir: "down" | "up") => {
      const seen = new Set<string>([id]);
      const visit = (node: string, depth: number) => {
        for (const rel of this.relatedSync(node, dir)) {
          const truncated = depth + 1 >= opts.maxDepth && this.relatedSync(rel.id, dir).length > 0;
          out.push({
            id: rel.id,
            title: rel.title,
            status: rel.status,
            priority: rel.priority,
            issue_type: rel.issue_type,
            depth: depth + 1,
            parent_id: node,
            dependency_type: rel.dependency_type,
            truncated,
          });
          if (!seen.has(rel.id) && depth + 1 < opts.maxDepth) {
            seen.add(rel.id);
            visit(rel.id, depth + 1);
          }
        }
      };
      visit(id, 0);
    };
    if (opts.direction !== "up") walk("down");
    if (opts.direction !== "down") walk("up");
    return out;
  }

  async findCycles(): Promise<string[][]> {
    // Tarjan's strongly connected components over the cycle-checked edge kinds.
    const types = CYCLE_CHECKED_DEP_TYPES.map((t) => `'${t}'`).join(", ");
    const adj = new Map<string, string[]>();
    for (const r of this.db.all<{ a: string; b: string }>(
      `SELECT issue_id AS a, depends_on_id AS b FROM dependencies WHERE type IN (${types})`,
    )) {
      const l = adj.get(r.a);
      if (l) l.push(r.b);
      else adj.set(r.a, [r.b]);
    }
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const cycles: string[][] = [];
    const strong = (v: string) => {
      idx.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      on.add(v);
      for (const w of adj.get(v) ?? []) {
        if (!idx.has(w)) {
          strong(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) {
          low.set(v, Math.min(low.get(v)!, idx.get(w)!));
        }
      }
      if (low.get(v) === idx.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) cycles.push(comp.reverse());
      }
    };
    for (const v of adj.keys()) if (!idx.has(v)) strong(v);
    return cycles;
  }

  // ---------------------------------------------------------------- labels, comments, events

  private addLabelSync(id: string, label: string, actor: string): boolean {
    const n = this.db.run("INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)", id, label);
    if (n > 0) {
      this.event(id, "label_added", actor, null, label);
      this.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", this.now(), id);
    }
    return n > 0;
  }

  private removeLabelSync(id: string, label: string, actor: string): boolean {
    const n = this.db.run("DELETE FROM labels WHERE issue_id = ? AND label = ?", id, label);
    if (n > 0) {
      this.event(id, "label_removed", actor, label, null);
      this.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", this.now(), id);
    }
    return n > 0;
  }

  async addLabel(id: string, label: string, actor: string): Promise<boolean> {
    const l = validateLabel(label);
    return this.write(() => {
      this.mustGet(id);
      return this.addLabelSync(id, l, actor);
    });
  }

  async removeLabel(id: string, label: string, actor: string): Promise<boolean> {
    return this.write(() => {
      this.mustGet(id);
      return this.removeLabelSync(id, label, actor);
    });
  }

  async labels(id: string): Promise<string[]> {
    this.mustGet(id);
    return this.labelsSync(id);
  }

  async allLabels(): Promise<LabelCount[]> {
    return this.db
      .all<{ label: string; n: number }>(
        "SELECT l.label, COUNT(*) AS n FROM labels l JOIN issues i ON i.id = l.issue_id WHERE i.ephemeral = 0 GROUP BY l.label ORDER BY l.label",
      )
      .map((r) => ({ label: r.label, count: Number(r.n) }));
  }

  private addCommentSync(id: string, author: string, text: string): Comment {
    const c: Comment = { id: lazyCrypto().randomUUID(), issue_id: id, author, text, created_at: this.now() };
    this.db.run(
      "INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
      c.id,
      c.issue_id,
      c.author,
      c.text,
      c.created_at,
    );
    this.event(id, "commented", author, null, null, text);
    this.db.run("UPDATE issues SET updated_at = ? WHERE id = ?", c.created_at, id);
    return c;
  }

  async addComment(id: string, author: string, text: string): Promise<Comment> {
    if (!text.trim()) throw new ValidationError("comment text must not be empty");
    return this.write(() => {
      this.mustGet(id);
      return this.addCommentSync(id, author, text);
    });
  }

  private commentsSync(id: string): Comment[] {
    return this.db.all<Comment>(
      "SELECT id, issue_id, author, text, created_at FROM comments WHERE issue_id = ? ORDER BY created_at, rowid",
      id,
    );
  }

  async comments(id: string): Promise<Comment[]> {
    this.mustGet(id);
    return this.commentsSync(id);
  }

  async events(id: string): Promise<LedgerEvent[]> {
    return this.db.all<Row>("SELECT * FROM events WHERE issue_id = ? ORDER BY id", id).map((r) => {
      const e: LedgerEvent = {
        id: String(r.id),
        issue_id: String(r.issue_id),
        event_type: r.event_type as LedgerEvent["event_type"],
        actor: String(r.actor),
        created_at: String(r.created_at),
      };
      if (r.old_value !== null) e.old_value = String(r.old_value);
      if (r.new_value !== null) e.new_value = String(r.new_value);
      if (r.comment !== null) e.comment = String(r.comment);
      return e;
    });
  }

  // ---------------------------------------------------------------- exchange

  async exportIssues(opts: ExportOptions = {}): Promise<Issue[]> {
    return this.db.read(() => exportIssues(this.db, unexportedTypes(this.vocab), opts));
  }

  /**
   * Imports issues (as read from JSONL). Each is checked like CLI input: one that is not a
   * bead this ledger can store is skipped, with its reason in `errors`, never stored wrong.
   */
  async importIssues(issues: Issue[], actor: string): Promise<ImportResult> {
    return this.write(() => {
      const now = this.now();
      const checked: ImportedIssue[] = [];
      const errors: NonNullable<ImportResult["errors"]> = [];
      for (const raw of issues) {
        try {
          if (!raw || typeof raw !== "object") throw new ValidationError("not an issue object");
          checked.push(checkImportedIssue(raw as unknown as Record<string, unknown>, this.vocab, now));
        } catch (e) {
          errors.push({ id: typeof raw?.id === "string" ? raw.id : "", reason: (e as Error).message });
        }
      }
      const result = this.importSync(checked, actor, {});
      result.skipped += errors.length;
      if (errors.length > 0) result.errors = errors;
      return result;
    });
  }

  /** Upserts checked issues; with `onlyNewer`, an incoming issue not newer than the stored one is left alone. */
  private importSync(list: ImportedIssue[], actor: string, opts: { onlyNewer?: boolean }): ImportResult {
    const result: ImportResult = { created: 0, updated: 0, unchanged: 0, skipped: 0, ids: [] };
    for (const imported of list) {
      const incoming = imported.issue;
      const existing = this.getIssueSync(incoming.id);
      // Fields: the stored issue wins only when strictly newer (a hand edit that kept the
      // timestamp still applies). Relations below are added either way.
      const fieldsStale =
        opts.onlyNewer === true &&
        existing !== undefined &&
        timeKey(existing.updated_at) > timeKey(incoming.updated_at);
      if (fieldsStale && existing && this.hasRelations(existing.id, imported)) {
        result.unchanged++;
        continue;
      }
      if (
        existing &&
        contentKey(existing) === contentKey(incoming) &&
        this.hasRelations(existing.id, imported)
      ) {
        result.unchanged++;
        continue;
      }
      if (fieldsStale) {
        result.updated++;
      } else if (existing) {
        this.db.run(REPLACE_ISSUE_SQL, ...replaceParams(incoming));
        this.event(incoming.id, "updated", actor, null, null, "import");
        result.updated++;
      } else {
        this.db.run(INSERT_ISSUE_SQL, ...issueToParams(incoming));
        this.event(incoming.id, "created", actor, null, null, "import");
        result.created++;
      }
      result.ids.push(incoming.id);
      // Relations: add what is new; import never deletes.
      for (const l of imported.labels) {
        this.db.run("INSERT OR IGNORE INTO labels (issue_id, label) VALUES (?, ?)", incoming.id, l);
      }
      for (const d of imported.dependencies) {
        this.db.run(
          `INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(issue_id, depends_on_id) DO UPDATE SET type = excluded.type, metadata = excluded.metadata`,
          incoming.id,
          d.depends_on_id,
          d.type,
          d.created_at ?? incoming.created_at,
          d.created_by ?? null,
          d.metadata ?? null,
          d.thread_id ?? null,
        );
      }
      for (const c of imported.comments) {
        this.db.run(
          "INSERT OR IGNORE INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
          c.id ?? lazyCrypto().randomUUID(),
          incoming.id,
          c.author ?? actor,
          c.text,
          c.created_at ?? incoming.created_at,
        );
      }
    }
    this.blocking.recomputeAll();
    return result;
  }

  /** True when the stored labels/edges/comments already include everything incoming. */
  private hasRelations(id: string, imported: ImportedIssue): boolean {
    const labels = new Set(this.labelsSync(id));
    if (imported.labels.some((l) => !labels.has(l))) return false;
    const deps = new Map(this.depRecordsSync(id).map((d) => [d.depends_on_id, d]));
    for (const d of imported.dependencies) {
      const have = deps.get(d.depends_on_id);
      if (!have || have.type !== d.type || (have.metadata ?? "") !== (d.metadata ?? "")) return false;
    }
    const comments = new Set(this.commentsSync(id).map((c) => c.id));
    return imported.comments.every((c) => c.id !== undefined && comments.has(c.id));
  }

  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const text = sql.trim().replace(/;\s*$/, "");
    // SQLite would silently ignore a second statement; refuse it (`;` outside quotes and comments).
    const bare = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, "");
    if (!/^(select|with|explain)\b/i.test(text) || bare.includes(";")) {
      throw new ValidationError("only a single read-only query (SELECT or WITH) is allowed");
    }
    // query_only makes SQLite itself refuse any write, whatever the statement looks like.
    this.db.exec("PRAGMA query_only = ON");
    try {
      return this.db.raw
        .prepare(text)
        .all()
        .map((r) => ({ ...r }));
    } finally {
      this.db.exec("PRAGMA query_only = OFF");
    }
  }

  /** For benchmarks and repair: recompute every blocked flag from scratch. */
  recomputeBlocked(): void {
    this.db.write(() => this.blocking.recomputeAll());
  }

  /** Direct access for bulk fixtures in benchmarks. */
  get database(): Db {
    return this.db;
  }
}

const CONFIG_FILENAME = "config.yaml";
const CONFIG_FP_KEY = "config_fingerprint";
const CONFIG_DIRTY_KEY = "config_dirty";
/** Unreadable lines named one by one when first met; the rest are counted. */
const MAX_LINE_WARNINGS = 10;

/** Why a config value cannot be stored, for the keys whose values bd reads. */
function configValueProblem(key: string, value: string): string | undefined {
  try {
    if (key === "status.custom") parseCustomStatuses(value);
  } catch (e) {
    return (e as Error).message;
  }
  if (key === "issue_prefix" && !isValidPrefix(value)) return `invalid prefix "${value}"`;
  if (key === "export.auto" && value !== "true" && value !== "false")
    return `invalid value "${value}" for export.auto (true or false)`;
  return undefined;
}

function existingEdge(from: string, to: string, have: string, want: string): ConflictError {
  return new ConflictError(
    "dependency_exists",
    `dependency ${from} -> ${to} already exists with type "${have}" (requested "${want}"); remove it first with 'bd dep remove' then re-add`,
  );
}

/** Sortable form of an RFC 3339 UTC time whatever its fraction's precision (beads writes up to ns). */
function timeKey(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t);
  if (!m) return Number.isNaN(Date.parse(t)) ? t : timeKey(new Date(t).toISOString());
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}`;
}

function fmt(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}
