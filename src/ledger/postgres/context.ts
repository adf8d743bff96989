// What every operation of the PostgreSQL ledger shares, bound to one transaction's
// statements: the dialect, the clock, the vocabulary, the blocking upkeep and the few reads
// and writes all of them make (events, config, an issue by ID, ID resolution). A fresh
// context per transaction attempt, so a retried transaction starts from nothing.
import { AmbiguousIdError, NotFoundError, ValidationError } from "../../errors.ts";
import type { Issue, LedgerEvent } from "../model.ts";
import {
  CHILDREN_SQL,
  computeBlockedSql,
  PARENTED_SQL,
  recomputePassSql,
  STATUS_READERS_SQL,
  WAITERS_SQL,
} from "../sql/blocking.ts";
import type { Param } from "../sql/dialect.ts";
import { likeEscape } from "../sql/filters.ts";
import { rowToIssue } from "../sql/rows.ts";
import { EMPTY_VOCABULARY, parseCustomStatuses, parseList, type Vocabulary } from "../validate.ts";
import type { Queries } from "./db.ts";
import { POSTGRES } from "./dialect.ts";

export class PgContext {
  readonly q: Queries;
  readonly sql = POSTGRES;
  readonly clock: () => Date;
  vocab: Vocabulary;
  private dirty = new Set<string>();
  /** The config table as this transaction read it (one query for all of a write's lookups). */
  private config: Record<string, string> | undefined;
  /** Issues that went from blocked to unblocked in this transaction. */
  readonly unblocked = new Set<string>();

  constructor(q: Queries, clock: () => Date, vocab: Vocabulary) {
    this.q = q;
    this.clock = clock;
    this.vocab = vocab;
  }

  now(): string {
    return this.clock().toISOString();
  }

  async event(
    issueId: string,
    type: LedgerEvent["event_type"],
    actor: string,
    old?: Param,
    now?: Param,
    comment?: string,
  ): Promise<void> {
    await this.q.run(
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

  async getConfig(key: string): Promise<string | undefined> {
    return (await this.configMap())[key];
  }

  async putConfig(key: string, value: string): Promise<void> {
    this.config = undefined;
    await this.q.run(this.sql.upsert("config", ["key", "value"], ["key"], ["value"]), key, value);
  }

  async deleteConfig(key: string): Promise<number> {
    this.config = undefined;
    return this.q.run("DELETE FROM config WHERE key = ?", key);
  }

  async configMap(): Promise<Record<string, string>> {
    if (this.config) return { ...this.config };
    const out: Record<string, string> = {};
    for (const r of await this.q.all<{ key: string; value: string }>("SELECT key, value FROM config"))
      out[r.key] = r.value;
    this.config = out;
    return { ...out };
  }

  async prefix(): Promise<string> {
    return (await this.getConfig("issue_prefix")) ?? "bd";
  }

  async loadVocabulary(): Promise<Vocabulary> {
    const cfg = await this.configMap();
    const infra = cfg["types.infra"];
    this.vocab = {
      customStatuses: parseCustomStatuses(cfg["status.custom"]),
      customTypes: parseList(cfg["types.custom"]),
      infraTypes: infra !== undefined ? parseList(infra) : [...EMPTY_VOCABULARY.infraTypes],
      exportedInfraTypes: parseList(cfg["types.infra_exported"]),
    };
    return this.vocab;
  }

  // ---------------------------------------------------------------- issues by ID

  /** The issue; `lock` takes its row lock (SELECT … FOR UPDATE) for a compare-and-swap. */
  async getIssue(id: string, lock = false): Promise<Issue | undefined> {
    // The row and its labels in one statement (one round trip to the server).
    const row = await this.q.get(
      `SELECT i.*, ARRAY(SELECT l.label FROM labels l WHERE l.issue_id = i.id ORDER BY l.label) AS labels_
       FROM issues i WHERE i.id = ?${lock ? " FOR UPDATE OF i" : ""}`,
      id,
    );
    if (!row) return undefined;
    const issue = rowToIssue(row);
    const labels = row.labels_ as string[];
    if (labels.length > 0) issue.labels = labels;
    return issue;
  }

  async mustGet(id: string, lock = false): Promise<Issue> {
    const issue = await this.getIssue(id, lock);
    if (!issue) throw new NotFoundError(id);
    return issue;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.q.get("SELECT 1 FROM issues WHERE id = ?", id)) !== undefined;
  }

  labels(id: string): Promise<string[]> {
    return this.q.column<string>("SELECT label FROM labels WHERE issue_id = ? ORDER BY label", id);
  }

  async parentOf(id: string): Promise<string | undefined> {
    return (
      await this.q.column<string>(
        "SELECT depends_on_id FROM dependencies WHERE issue_id = ? AND type = 'parent-child' ORDER BY depends_on_id LIMIT 1",
        id,
      )
    )[0];
  }

  /** Full or partial ID (with or without prefix) to the one ID it names. */
  async resolveId(partial: string): Promise<string> {
    const input = partial.trim();
    if (!input) throw new ValidationError("issue ID must not be empty");
    if (await this.exists(input)) return input;
    const prefix = (await this.getConfig("issue_prefix")) ?? "";
    const prefixed = `${prefix}-${input}`;
    if (prefix && (await this.exists(prefixed))) return prefixed;
    const esc = likeEscape(input);
    // Prefer IDs whose hash part starts with the input; fall back to any substring.
    let candidates = await this.q.column<string>(
      "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 50",
      `${esc}%`,
      `%-${esc}%`,
    );
    if (candidates.length === 0) {
      candidates = await this.q.column<string>(
        "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 50",
        `%${esc}%`,
      );
    }
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) {
      const top = candidates.filter((c) => !candidates.some((o) => o !== c && c.startsWith(`${o}.`)));
      if (top.length === 1) return top[0]!;
      throw new AmbiguousIdError(input, candidates);
    }
    throw new NotFoundError(input);
  }

  /** Local IDs resolve (partial allowed); other prefixes and `external:` stay as given. */
  async resolveTarget(id: string): Promise<string> {
    if (id.startsWith("external:")) return id;
    try {
      return await this.resolveId(id);
    } catch (e) {
      if (e instanceof NotFoundError && id.includes("-") && !id.startsWith(`${await this.prefix()}-`))
        return id;
      throw e;
    }
  }

  /** `col IN (ids)`: bound parameters for a page of rows, one list parameter for thousands. */
  scope(ids: string[], col: string): { sql: string; params: Param[] } {
    if (ids.length > 400) return { sql: this.sql.inList(col), params: [this.sql.listParam(ids)] };
    return { sql: `${col} IN (${ids.map(() => "?").join(", ")})`, params: ids };
  }

  // ---------------------------------------------------------------- blocked-state upkeep
  // The rule is ../sql/blocking.ts; this follows changes to a fixed point, as the SQLite
  // ledger's BlockingIndex does, inside the same transaction as the change.

  async touchStatus(id: string): Promise<void> {
    this.dirty.add(id);
    for (const readers of STATUS_READERS_SQL)
      for (const r of await this.q.column<string>(readers, id)) this.dirty.add(r);
  }

  async touchEdge(source: string, target: string, type: string): Promise<void> {
    this.dirty.add(source);
    if (type === "parent-child")
      for (const waiter of await this.q.column<string>(WAITERS_SQL, target)) this.dirty.add(waiter);
  }

  touch(id: string): void {
    this.dirty.add(id);
  }

  async settle(): Promise<void> {
    const queue = [...this.dirty];
    this.dirty.clear();
    const compute = computeBlockedSql(this.sql);
    let budget = 1_000_000;
    while (queue.length > 0 && budget-- > 0) {
      const id = queue.pop()!;
      const row = await this.q.get<{ b: boolean | number; cur: number }>(compute, id);
      if (!row) continue;
      const next = row.b === true || Number(row.b) === 1 ? 1 : 0;
      if (next === Number(row.cur)) continue;
      await this.q.run("UPDATE issues SET is_blocked = ? WHERE id = ?", next, id);
      if (next === 0) this.unblocked.add(id);
      else this.unblocked.delete(id);
      for (const child of await this.q.column<string>(CHILDREN_SQL, id)) queue.push(child);
    }
  }

  async recomputeAll(): Promise<void> {
    const pass = recomputePassSql(this.sql);
    for (let n = 0; n < 3; n++) {
      if ((await this.q.run(pass)) === 0) return;
    }
    for (const id of await this.q.column<string>(PARENTED_SQL)) this.dirty.add(id);
    await this.settle();
  }
}
