// A pg Pool for one ledger's schema: `?` placeholders become `$n` here (the one place), the
// ledger's statements run on a transaction's own client, and transactions that lose a race
// (serialization failure 40001, deadlock 40P01) or a connection dropped before COMMIT are
// run again from the start, a bounded number of times. An unreachable server is one clear
// error naming the DSN's host and port, never its password.
import type pg from "pg";
import { GasTownError } from "../../errors.ts";
import type { Param, Row } from "../sql/dialect.ts";
import { describeDsn } from "./dsn.ts";

export type { Param, Row };

/** The statements of one transaction (or, outside one, of any pooled connection). */
export interface Queries {
  all<T = Row>(sql: string, ...params: Param[]): Promise<T[]>;
  get<T = Row>(sql: string, ...params: Param[]): Promise<T | undefined>;
  /** Rows changed. */
  run(sql: string, ...params: Param[]): Promise<number>;
  column<T = unknown>(sql: string, ...params: Param[]): Promise<T[]>;
  /** Text run as written, no parameters (DDL, several statements, a caller's own query). */
  exec<T = Row>(sql: string): Promise<T[]>;
}

/** The database could not be reached or refused us: a configuration problem, exit non-zero. */
export class DatabaseUnreachableError extends GasTownError {
  constructor(message: string) {
    super("db_unreachable", message);
  }
}

const numbered = new Map<string, string>();

/** `?` → `$1, $2, …`, leaving quoted text, quoted names and comments alone. */
export function toPgPlaceholders(sql: string): string {
  let out = numbered.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  out = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\?/g, (m) =>
    m === "?" ? `$${++n}` : m,
  );
  if (numbered.size < 2000) numbered.set(sql, out);
  return out;
}

function toPg(p: Param): unknown {
  if (p === undefined) return null;
  if (typeof p === "boolean") return p ? 1 : 0;
  if (typeof p === "bigint") return p.toString();
  return p;
}

export function queriesOn(client: pg.Pool | pg.PoolClient): Queries {
  const exec = (sql: string, params: Param[], rowMode?: "array"): Promise<pg.QueryResult> =>
    client.query({ text: toPgPlaceholders(sql), values: params.map(toPg), rowMode } as pg.QueryConfig);
  return {
    all: async <T>(sql: string, ...params: Param[]) => (await exec(sql, params)).rows as T[],
    get: async <T>(sql: string, ...params: Param[]) => (await exec(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, ...params: Param[]) => (await exec(sql, params)).rowCount ?? 0,
    column: async <T>(sql: string, ...params: Param[]) =>
      ((await exec(sql, params, "array")).rows as unknown as unknown[][]).map((r) => r[0] as T),
    exec: async <T>(sql: string) => {
      const res = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(res) ? (res.at(-1)?.rows ?? []) : res.rows) as T[];
    },
  };
}

/** Errors after which the transaction is known not to have committed and may run again. */
const RETRY_SQLSTATES = new Set(["40001", "40P01"]);
/** The connection went away (killed backend, server restart, network). */
const LOST_SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006"]);
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ECONNRESET",
  "ENOENT",
]);

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

function connectionLost(e: unknown): boolean {
  const state = sqlState(e);
  if (state && LOST_SQLSTATES.has(state)) return true;
  const msg = String((e as Error)?.message ?? "");
  return /Connection terminated|connection (?:is )?closed|Client has encountered a connection error/i.test(
    msg,
  );
}

export type Isolation = "SERIALIZABLE" | "REPEATABLE READ" | "READ COMMITTED";

export interface PgDbOptions {
  dsn: string;
  /** The ledger's schema (a validated lower-case name). */
  schema: string;
  /** Pool size; a bd process needs few. */
  max?: number;
  /** How many times a transaction that lost a race runs again. */
  retries?: number;
  /** Every transaction read-only (bd --readonly): the server refuses writes. */
  readOnly?: boolean;
}

export class PgDb {
  readonly where: string;
  private readonly retries: number;
  private readonly opts: PgDbOptions;
  private poolMade: Promise<pg.Pool> | undefined;
  private closed = false;

  constructor(opts: PgDbOptions) {
    this.where = describeDsn(opts.dsn);
    this.retries = opts.retries ?? 12;
    this.opts = opts;
  }

  /**
   * The pool, made on first use: pg is loaded then, not when bd starts (every bd process
   * would otherwise pay for it, SQLite ledgers included).
   */
  private pool(): Promise<pg.Pool> {
    this.poolMade ??= this.makePool();
    return this.poolMade;
  }

  private async makePool(): Promise<pg.Pool> {
    const { default: pgModule } = await import("pg");
    const opts = this.opts;
    const pool = new pgModule.Pool({
      connectionString: opts.dsn,
      max: opts.max ?? 4,
      connectionTimeoutMillis: 10_000,
      // Idle connections go quickly, so nothing keeps a bd process alive for long.
      idleTimeoutMillis: 5_000,
      allowExitOnIdle: true,
      // Every statement names tables bare; the rig's schema comes first on the search path.
      options: `-c search_path=${opts.schema},public${opts.readOnly ? " -c default_transaction_read_only=on" : ""}`,
    });
    // A pooled idle connection killed by the server must not crash the process; the next
    // checkout gets a fresh one.
    pool.on("error", () => {});
    return pool;
  }

  /** Statements on whatever pooled connection is free (single statements, no transaction). */
  get q(): Queries {
    const on = async () => queriesOn(await this.pool());
    return {
      all: async (sql, ...params) => (await on()).all(sql, ...params),
      get: async (sql, ...params) => (await on()).get(sql, ...params),
      run: async (sql, ...params) => (await on()).run(sql, ...params),
      column: async (sql, ...params) => (await on()).column(sql, ...params),
      exec: async (sql) => (await on()).exec(sql),
    };
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await (await this.pool()).connect();
    } catch (e) {
      throw this.unreachable(e);
    }
  }

  /** The error for a server we cannot reach or that refuses us, naming host and port only. */
  unreachable(e: unknown): Error {
    const code = sqlState(e);
    const msg = String((e as Error)?.message ?? e);
    if (code && UNREACHABLE.has(code))
      return new DatabaseUnreachableError(`cannot reach PostgreSQL at ${this.where}: ${code}`);
    if (code === "28P01" || code === "28000")
      return new DatabaseUnreachableError(`PostgreSQL at ${this.where} refused the login (${code})`);
    if (code === "3D000")
      return new DatabaseUnreachableError(`PostgreSQL at ${this.where}: the database does not exist`);
    if (/timeout/i.test(msg))
      return new DatabaseUnreachableError(`cannot reach PostgreSQL at ${this.where}: connection timed out`);
    return e instanceof Error ? e : new Error(msg);
  }

  /**
   * Runs `fn` in one transaction on one client. `fn` may run more than once: after a
   * serialization failure or deadlock, or when the connection dropped before COMMIT was
   * sent (nothing was committed then). A drop during COMMIT is not retried: whether it
   * committed is unknown, so the error goes to the caller.
   */
  async transaction<T>(
    mode: { isolation: Isolation; readOnly?: boolean },
    fn: (q: Queries) => Promise<T>,
  ): Promise<T> {
    const begin = `BEGIN ISOLATION LEVEL ${mode.isolation}${mode.readOnly || this.opts.readOnly ? " READ ONLY" : ""}`;
    for (let attempt = 0; ; attempt++) {
      const client = await this.connect();
      let committing = false;
      let broken: unknown;
      try {
        await client.query(begin);
        const result = await fn(queriesOn(client));
        committing = true;
        await client.query("COMMIT");
        return result;
      } catch (e) {
        const lost = connectionLost(e);
        if (lost) broken = e;
        else await client.query("ROLLBACK").catch((err: unknown) => (broken = err));
        const state = sqlState(e);
        const again = (state !== undefined && RETRY_SQLSTATES.has(state)) || (lost && !committing);
        if (state === "25006" && this.opts.readOnly)
          throw new GasTownError("read_only", `the ledger was opened read-only (${this.where})`);
        if (!again || attempt >= this.retries || this.closed) throw lost ? this.unreachable(e) : e;
        // Back off a little, more each time, so racing writers spread out.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** Math.min(attempt, 6)));
      } finally {
        client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poolMade) await (await this.poolMade).end();
  }
}
