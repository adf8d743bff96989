// What every concern of the SQLite ledger shares: the connection, the dialect, the clock,
// the vocabulary, the blocking index, and the few reads and writes all of them make (the
// event history, config values, an issue by ID). The store (store.ts) builds one and hands
// it to the concern modules; `write` is its own write (transaction, blocking settle, files).
import { AmbiguousIdError, NotFoundError, ValidationError } from "../../errors.ts";
import type { Issue, LedgerEvent } from "../model.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import { likeEscape } from "../sql/filters.ts";
import { rowToIssue } from "../sql/rows.ts";
import { EMPTY_VOCABULARY, parseCustomStatuses, parseList, type Vocabulary } from "../validate.ts";
import { BlockingIndex } from "./blocking.ts";
import type { Db, Param } from "./db.ts";
import { SQLITE } from "./dialect.ts";

export interface ContextOptions {
  jsonlPath: string | undefined;
  configPath: string | undefined;
  warn: (message: string) => void;
  clock: () => Date;
  /** The store's write: one transaction, blocking settled, then the files catch up. */
  write: <T>(c: LedgerContext, fn: () => T) => T;
}

export class LedgerContext {
  readonly db: Db;
  readonly sql: SqlDialect = SQLITE;
  readonly blocking: BlockingIndex;
  readonly jsonlPath: string | undefined;
  readonly configPath: string | undefined;
  readonly warn: (message: string) => void;
  readonly clock: () => Date;
  vocab: Vocabulary = EMPTY_VOCABULARY;
  /** Export triggers installed on this connection (see export.ts). */
  tracking = false;
  private readonly writer: ContextOptions["write"];

  constructor(db: Db, opts: ContextOptions) {
    this.db = db;
    this.blocking = new BlockingIndex(db, this.sql);
    this.jsonlPath = opts.jsonlPath;
    this.configPath = opts.configPath;
    this.warn = opts.warn;
    this.clock = opts.clock;
    this.writer = opts.write;
  }

  write<T>(fn: () => T): T {
    return this.writer(this, fn);
  }

  now(): string {
    return this.clock().toISOString();
  }

  event(
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

  // ---------------------------------------------------------------- config and local metadata

  getConfig(key: string): string | undefined {
    return this.db.get<{ value: string }>("SELECT value FROM config WHERE key = ?", key)?.value;
  }

  putConfig(key: string, value: string): void {
    this.db.run(this.sql.upsert("config", ["key", "value"], ["key"], ["value"]), key, value);
  }

  configMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.db.all<{ key: string; value: string }>("SELECT key, value FROM config"))
      out[r.key] = r.value;
    return out;
  }

  prefix(): string {
    return this.getConfig("issue_prefix") ?? "bd";
  }

  loadVocabulary(): void {
    const cfg = this.configMap();
    const infra = cfg["types.infra"];
    this.vocab = {
      customStatuses: parseCustomStatuses(cfg["status.custom"]),
      customTypes: parseList(cfg["types.custom"]),
      infraTypes: infra !== undefined ? parseList(infra) : [...EMPTY_VOCABULARY.infraTypes],
      exportedInfraTypes: parseList(cfg["types.infra_exported"]),
    };
  }

  meta(key: string): string | undefined {
    return this.db.get<{ value: string }>("SELECT value FROM local_metadata WHERE key = ?", key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.run(this.sql.upsert("local_metadata", ["key", "value"], ["key"], ["value"]), key, value);
  }

  // ---------------------------------------------------------------- issues by ID

  getIssue(id: string): Issue | undefined {
    const row = this.db.get(`SELECT * FROM issues WHERE id = ?`, id);
    if (!row) return undefined;
    const issue = rowToIssue(row);
    const labels = this.labels(id);
    if (labels.length > 0) issue.labels = labels;
    return issue;
  }

  mustGet(id: string): Issue {
    const issue = this.getIssue(id);
    if (!issue) throw new NotFoundError(id);
    return issue;
  }

  exists = (id: string): boolean => this.db.get("SELECT 1 FROM issues WHERE id = ?", id) !== undefined;

  labels(id: string): string[] {
    return this.db.column<string>("SELECT label FROM labels WHERE issue_id = ? ORDER BY label", id);
  }

  parentOf(id: string): string | undefined {
    return this.db.column<string>(
      "SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type = 'parent-child' LIMIT 1",
      id,
    )[0];
  }

  /** Full or partial ID (with or without prefix) to the one ID it names. */
  resolveId(partial: string): string {
    const input = partial.trim();
    if (!input) throw new ValidationError("issue ID must not be empty");
    if (this.exists(input)) return input;
    const prefix = this.getConfig("issue_prefix") ?? "";
    const prefixed = `${prefix}-${input}`;
    if (prefix && this.exists(prefixed)) return prefixed;
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

  /** Local IDs resolve (partial allowed); other prefixes and `external:` stay as given. */
  resolveTarget(id: string): string {
    if (id.startsWith("external:")) return id;
    try {
      return this.resolveId(id);
    } catch (e) {
      if (e instanceof NotFoundError && id.includes("-") && !id.startsWith(`${this.prefix()}-`)) return id;
      throw e;
    }
  }

  /** `col IN (ids)`: bound parameters for a page of rows, one list parameter for thousands. */
  scope(ids: string[], col: string): { sql: string; params: Param[] } {
    if (ids.length > 400) return { sql: this.sql.inList(col), params: [this.sql.listParam(ids)] };
    return { sql: `${col} IN (${ids.map(() => "?").join(", ")})`, params: ids };
  }
}
