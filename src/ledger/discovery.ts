// Finding and creating ledgers on disk: walk up to `.beads/` (or BEADS_DIR), follow
// `.beads/redirect` (how worktrees share their rig's ledger), and route an ID prefix to
// another ledger through `routes.jsonl` (how `bd show other-123` works across a town).
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { NoLedgerError, ValidationError } from "../errors.ts";
import { isValidPrefix } from "./ids.ts";
import { readJsonlFile } from "./jsonl.ts";
import { idPrefix } from "./model.ts";
import { PostgresLedger } from "./postgres/store.ts";
import { SqliteLedger } from "./sqlite/store.ts";
import type { Ledger } from "./store.ts";

export const BEADS_DIRNAME = ".beads";
export const DB_FILENAME = "beads.db";
export const JSONL_FILENAME = "issues.jsonl";
export const ROUTES_FILENAME = "routes.jsonl";
const MAX_REDIRECT_DEPTH = 3;

export interface LedgerLocation {
  /** The `.beads` directory that holds the database (after redirects). */
  beadsDir: string;
  dbPath: string;
  jsonlPath: string;
  /** The `.beads` directory where the search found us (before redirects). */
  foundAt: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Follows `.beads/redirect`: its content is a path to the real `.beads`, relative to the workspace. */
export function followRedirect(beadsDir: string): string {
  let current = beadsDir;
  for (let depth = 0; depth < MAX_REDIRECT_DEPTH; depth++) {
    const file = join(current, "redirect");
    if (!existsSync(file)) return current;
    // The first line that is not blank or a `#` comment names the target.
    const target =
      readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith("#")) ?? "";
    if (!target) return current;
    const next = isAbsolute(target) ? target : resolve(dirname(current), target);
    if (resolve(next) === resolve(current)) {
      // A redirect to itself is a leftover; drop it rather than loop.
      unlinkSync(file);
      return current;
    }
    if (!isDir(next))
      throw new NoLedgerError(`redirect in ${current} points to ${next}, which does not exist`);
    current = next;
  }
  return current;
}

function locationFor(found: string): LedgerLocation {
  const beadsDir = followRedirect(found);
  return {
    beadsDir,
    dbPath: join(beadsDir, DB_FILENAME),
    jsonlPath: join(beadsDir, JSONL_FILENAME),
    foundAt: found,
  };
}

/** Walks up from `cwd` to the nearest `.beads/` directory, honouring BEADS_DIR. */
export function findLedger(cwd: string, env: NodeJS.ProcessEnv = process.env): LedgerLocation | undefined {
  const pinned = env.BEADS_DIR;
  if (pinned) {
    const dir = resolve(cwd, pinned);
    if (!isDir(dir)) return undefined;
    return locationFor(dir);
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, BEADS_DIRNAME);
    if (
      isDir(candidate) &&
      (existsSync(join(candidate, DB_FILENAME)) ||
        existsSync(join(candidate, "redirect")) ||
        existsSync(join(candidate, "metadata.json")))
    ) {
      return locationFor(candidate);
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function requireLedger(cwd: string, env: NodeJS.ProcessEnv = process.env): LedgerLocation {
  const loc = findLedger(cwd, env);
  if (!loc) {
    throw new NoLedgerError("no beads database found (run 'bd init' to create one here, or set BEADS_DIR)");
  }
  return loc;
}

/**
 * Where a PostgreSQL ledger lives, as metadata.json records it (as beads records its Dolt
 * server): host, port, user, database and the ledger's schema, never a password. BEADS_DSN
 * gives the whole DSN instead (a password too, or PGPASSWORD does).
 */
export interface PostgresMetadata {
  backend: "postgres";
  postgres_host: string;
  postgres_port: number;
  postgres_user?: string;
  postgres_database: string;
  postgres_schema: string;
}

/** metadata.json of a `.beads` directory (an empty object when absent or unreadable). */
export function readMetadata(beadsDir: string): Record<string, unknown> {
  try {
    const m = JSON.parse(readFileSync(join(beadsDir, "metadata.json"), "utf8"));
    return m && typeof m === "object" ? (m as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The DSN of a PostgreSQL ledger: BEADS_DSN, else built from metadata.json (no password). */
export function postgresDsn(meta: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BEADS_DSN) return env.BEADS_DSN;
  const host = String(meta.postgres_host ?? "localhost");
  const user = meta.postgres_user ? `${encodeURIComponent(String(meta.postgres_user))}@` : "";
  return `postgres://${user}${host}:${Number(meta.postgres_port ?? 5432)}/${encodeURIComponent(String(meta.postgres_database ?? "postgres"))}`;
}

/** The DSN-less connection facts of `dsn`, for metadata.json. */
export function postgresMetadata(dsn: string, schema: string): PostgresMetadata {
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    throw new ValidationError("invalid PostgreSQL DSN (expected postgres://user@host:port/database)");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    throw new ValidationError("invalid PostgreSQL DSN (expected postgres://user@host:port/database)");
  return {
    backend: "postgres",
    postgres_host: u.hostname || "localhost",
    postgres_port: Number(u.port || 5432),
    ...(u.username ? { postgres_user: decodeURIComponent(u.username) } : {}),
    postgres_database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    postgres_schema: schema,
  };
}

/**
 * Opens the ledger at `loc` with the backend its metadata.json names: PostgreSQL (the
 * schema named there, on BEADS_DSN or the recorded server) or the SQLite file.
 */
export function openLedger(
  loc: LedgerLocation,
  opts: {
    readOnly?: boolean;
    env?: NodeJS.ProcessEnv;
    /** PostgreSQL: config written in the open step when missing (see PostgresOpenOptions). */
    configDefaults?: (config: Record<string, string>) => Array<[string, string]>;
  } = {},
): Ledger {
  const meta = readMetadata(loc.beadsDir);
  if (meta.backend === "postgres") {
    const env = opts.env ?? process.env;
    return PostgresLedger.connect({
      dsn: postgresDsn(meta, env),
      schema: String(meta.postgres_schema ?? ""),
      readOnly: opts.readOnly,
      configDefaults: opts.configDefaults,
    });
  }
  return openSqliteLedger(loc, opts);
}

/** Opens the SQLite ledger at `loc` (callers that need its database itself). */
export function openSqliteLedger(loc: LedgerLocation, opts: { readOnly?: boolean } = {}): SqliteLedger {
  // A clone brings issues.jsonl and config.yaml (the database is git-ignored); a ledger with
  // no issue yet has only config.yaml (init writes no empty issues.jsonl).
  const configPath = join(loc.beadsDir, "config.yaml");
  const cloned = existsSync(loc.jsonlPath) || existsSync(configPath);
  if (!existsSync(loc.dbPath) && (opts.readOnly || !cloned)) {
    throw new NoLedgerError(`no beads database in ${loc.beadsDir} (run 'bd init')`);
  }
  const ledger = SqliteLedger.open({ path: loc.dbPath, jsonlPath: loc.jsonlPath, readOnly: opts.readOnly });
  if (!opts.readOnly) {
    // A fresh clone (no database) or a database another process is still setting up.
    if (cloned) configureFromJsonl(ledger, loc);
    // A JSONL brought by git (clone, pull, checkout) is taken in before the command reads.
    ledger.syncFromJsonl();
  }
  return ledger;
}

/** The ID prefix most issues in a JSONL file use, if it has any issues. */
export function prefixOfJsonl(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const counts = new Map<string, number>();
  for (const i of readJsonlFile(path).issues) {
    if (i.id.includes("-wisp-")) continue;
    const p = idPrefix(i.id);
    if (p) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** A prefix from a directory name, as bd init derives it: `.`→`_`, must start with a letter or `_`. */
export function prefixFromDirName(name: string): string {
  let p = name.replace(/^\.+/, "").replace(/-+$/, "").replace(/\./g, "_").toLowerCase();
  // Hyphens become underscores: an ID's prefix is everything before its first hyphen.
  p = p.replace(/-/g, "_").replace(/[^a-z0-9_]+/g, "");
  if (!/^[a-z_]/.test(p)) p = `bd_${p}`;
  return p.slice(0, 32);
}

/**
 * A fresh clone carries `.beads/issues.jsonl` but no database (it is git-ignored): give the
 * new database the prefix the issues use and turn auto-export on, so the first sync imports
 * them. `.beads/config.yaml`, when the clone has it, is read right after and wins (its
 * prefix, export setting, custom types and statuses). Idempotent, and a no-op for any
 * ledger that already has a prefix.
 */
function configureFromJsonl(ledger: SqliteLedger, loc: LedgerLocation): void {
  const db = ledger.database;
  if (db.get("SELECT 1 FROM config WHERE key = 'issue_prefix'")) return;
  const prefix = prefixOfJsonl(loc.jsonlPath);
  db.write(() => {
    const set = (k: string, v: string) =>
      db.run("INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", k, v);
    if (prefix) set("issue_prefix", prefix);
    set("export.auto", "true");
  });
}

const GITIGNORE = `# bd: the SQLite database is local, per-clone state; issues.jsonl is what travels with git.

# The database and its journal, WAL and SHM files
*.db
*.db?*
*.db-journal
*.db-wal
*.db-shm
beads.db-*

# Daemon, socket and lock files
daemon.lock
daemon.log
daemon.pid
bd.sock
*.lock
sync-state.json

# Per-clone state
last-touched
*.tmp-*
*.pending

# Kept in git: the exported issues and the ledger's settings
!*.jsonl
!metadata.json
!config.json
`;

export interface InitOptions {
  prefix: string;
  /**
   * The prefix was only derived (from the directory or the issues), not asked for: a
   * prefix the ledger already has (from its config.yaml) stands.
   */
  prefixDerived?: boolean;
  /** Refresh issues.jsonl on every write (default true, so the ledger travels with git). */
  autoExport?: boolean;
  version: string;
}

export interface InitResult {
  location: LedgerLocation;
  created: boolean;
  prefix: string;
}

/**
 * Creates `.beads/` in `dir` for a ledger on PostgreSQL: the schema (made if missing) with
 * the prefix, and metadata.json naming the server without its password. Nothing is written
 * when the server cannot be reached.
 */
export async function initPostgresLedger(
  dir: string,
  opts: { prefix: string; dsn: string; schema?: string; version: string },
): Promise<InitResult & { schema: string }> {
  if (!isValidPrefix(opts.prefix)) {
    throw new ValidationError(
      `invalid prefix "${opts.prefix}" (letters, digits, "_" and inner "-"; at most 32 characters)`,
    );
  }
  const schema = opts.schema ?? `bd_${opts.prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
  const meta = postgresMetadata(opts.dsn, schema);
  const ledger = await PostgresLedger.open({ dsn: opts.dsn, schema });
  let created: boolean;
  try {
    created = (await ledger.getConfig("issue_prefix")) === undefined;
    await ledger.setConfig("issue_prefix", opts.prefix);
  } finally {
    await ledger.close();
  }
  const beadsDir = join(dir, BEADS_DIRNAME);
  mkdirSync(beadsDir, { recursive: true });
  writeFileSync(
    join(beadsDir, "metadata.json"),
    `${JSON.stringify({ ...meta, last_bd_version: opts.version }, null, 2)}\n`,
  );
  writeFileSync(join(beadsDir, ".gitignore"), GITIGNORE);
  return {
    location: {
      beadsDir,
      dbPath: join(beadsDir, DB_FILENAME),
      jsonlPath: join(beadsDir, JSONL_FILENAME),
      foundAt: beadsDir,
    },
    created,
    prefix: opts.prefix,
    schema,
  };
}

/**
 * Creates `.beads/` in `dir` (database, config.yaml, metadata.json, .gitignore). issues.jsonl
 * is not made here: the first write exports it, as beads does.
 */
export function initLedger(dir: string, opts: InitOptions): InitResult {
  if (!isValidPrefix(opts.prefix)) {
    throw new ValidationError(
      `invalid prefix "${opts.prefix}" (letters, digits, "_" and inner "-"; at most 32 characters)`,
    );
  }
  const beadsDir = join(dir, BEADS_DIRNAME);
  const loc: LedgerLocation = {
    beadsDir,
    dbPath: join(beadsDir, DB_FILENAME),
    jsonlPath: join(beadsDir, JSONL_FILENAME),
    foundAt: beadsDir,
  };
  const created = !existsSync(loc.dbPath);
  mkdirSync(beadsDir, { recursive: true });
  const ledger = SqliteLedger.open({ path: loc.dbPath, jsonlPath: loc.jsonlPath });
  let prefix = opts.prefix;
  try {
    const db = ledger.database;
    // A clone's config.yaml is taken in first: its settings stand unless given here.
    if (created && existsSync(join(beadsDir, "config.yaml"))) ledger.syncFromJsonl();
    db.write(() => {
      const get = (k: string) =>
        db.get<{ value: string }>("SELECT value FROM config WHERE key = ?", k)?.value;
      const set = (k: string, v: string) =>
        db.run(
          "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          k,
          v,
        );
      const have = get("issue_prefix");
      if (!opts.prefixDerived || !have) set("issue_prefix", opts.prefix);
      else prefix = have;
      if (opts.autoExport === false) set("export.auto", "false");
      else if (get("export.auto") === undefined) set("export.auto", "true");
    });
    // config.yaml, which travels with the JSONL, gets the settings now.
    ledger.noteConfigChanged();
    ledger.syncFromJsonl();
  } finally {
    void ledger.close();
  }
  writeFileSync(
    join(beadsDir, "metadata.json"),
    `${JSON.stringify({ database: DB_FILENAME, backend: "sqlite", jsonl_export: JSONL_FILENAME, last_bd_version: opts.version }, null, 2)}\n`,
  );
  writeFileSync(join(beadsDir, ".gitignore"), GITIGNORE);
  return { location: loc, created, prefix };
}

export interface Route {
  prefix: string;
  path: string;
}

/** Reads a routes.jsonl; comment and malformed lines are skipped. */
export function readRoutes(file: string): Route[] {
  if (!existsSync(file)) return [];
  const out: Route[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    try {
      const r = JSON.parse(t) as Partial<Route>;
      if (typeof r.prefix === "string" && typeof r.path === "string")
        out.push({ prefix: r.prefix, path: r.path });
    } catch {
      // skip bad lines, as beads does
    }
  }
  return out;
}

/**
 * The ledger that owns `id` according to the nearest routes.jsonl (in this ledger's
 * `.beads`, or a town's `.beads` further up). Undefined when no route matches or the
 * route points back at `here`.
 */
export function routeFor(id: string, here: LedgerLocation): LedgerLocation | undefined {
  const p = idPrefix(id);
  if (!p) return undefined;
  const key = `${p}-`;
  const starts = [here.foundAt, here.beadsDir];
  for (const start of starts) {
    let dir = dirname(start);
    for (;;) {
      const file = join(dir, BEADS_DIRNAME, ROUTES_FILENAME);
      const route = readRoutes(file).find((r) => r.prefix === key || r.prefix === p);
      if (route) {
        const target = join(resolve(dir, route.path), BEADS_DIRNAME);
        if (!isDir(target)) return undefined;
        const loc = locationFor(target);
        return resolve(loc.beadsDir) === resolve(here.beadsDir) ? undefined : loc;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}
