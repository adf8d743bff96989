// Several Claude accounts for one town (gt account, gt quota). mayor/accounts.json registers
// each account's config dir (CLAUDE_CONFIG_DIR) and the default; mayor/quota.json says which
// are rate-limited. A Claude session starts on the default account, or on the first one not
// limited when the default is; quota scan finds sessions showing a rate limit, and quota
// rotate restarts the sessions of a limited account on an available one.
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { readJsonFile, writeJsonFile } from "./json-file.ts";
import type { Town } from "./workspace.ts";

const accountSchema = z.lazy(() =>
  z.looseObject({
    email: z._default(z.string(), ""),
    description: z.optional(z.string()),
    config_dir: z.string().check(z.minLength(1)),
  }),
);
const accountsSchema = z.lazy(() =>
  z.looseObject({
    version: z._default(z.int(), 1),
    accounts: z._default(z.record(z.string(), accountSchema), {}),
    default: z._default(z.string(), ""),
  }),
);
const quotaSchema = z.lazy(() =>
  z.looseObject({
    version: z._default(z.int(), 1),
    accounts: z._default(
      z.record(
        z.string(),
        z.looseObject({
          status: z.enum(["available", "limited"]),
          limited_at: z.optional(z.string()),
          reason: z.optional(z.string()),
        }),
      ),
      {},
    ),
  }),
);
export type Accounts = z.output<typeof accountsSchema>;
export type QuotaState = z.output<typeof quotaSchema>;

const accountsFile = (town: Town) => town.path("mayor", "accounts.json");
const quotaFile = (town: Town) => town.path("mayor", "quota.json");

export function loadAccounts(town: Town): Accounts {
  return readJsonFile(accountsFile(town), accountsSchema, () => accountsSchema.parse({}));
}
export function loadQuota(town: Town): QuotaState {
  return readJsonFile(quotaFile(town), quotaSchema, () => quotaSchema.parse({}));
}

function known(a: Accounts, handle: string): void {
  if (!Object.hasOwn(a.accounts, handle)) {
    const handles = Object.keys(a.accounts).sort();
    throw new NotFoundError(
      handle,
      `no account "${handle}" (${handles.length ? `accounts: ${handles.join(", ")}` : "none yet; gt account add <handle>"})`,
    );
  }
}

export interface AccountRow {
  handle: string;
  email: string;
  description: string | null;
  config_dir: string;
  default: boolean;
  status: "available" | "limited";
  limited_at: string | null;
  reason: string | null;
}

export function listAccounts(town: Town): AccountRow[] {
  const a = loadAccounts(town);
  const q = loadQuota(town);
  return Object.entries(a.accounts)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([handle, acc]) => {
      const st = q.accounts[handle];
      return {
        handle,
        email: acc.email,
        description: acc.description ?? null,
        config_dir: acc.config_dir,
        default: a.default === handle,
        status: st?.status ?? "available",
        limited_at: st?.limited_at ?? null,
        reason: st?.reason ?? null,
      };
    });
}

/** Registers an account and makes its config dir; the first account becomes the default. */
export function addAccount(
  town: Town,
  handle: string,
  opts: { email?: string; description?: string; configDir?: string; env?: NodeJS.ProcessEnv } = {},
): AccountRow {
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/i.test(handle))
    throw new ValidationError(`invalid handle "${handle}" (letters, digits, '_' and '-', up to 32)`);
  if (opts.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(opts.email))
    throw new ValidationError(`invalid email "${opts.email}"`);
  const a = loadAccounts(town);
  if (Object.hasOwn(a.accounts, handle))
    throw new ConflictError("exists", `account "${handle}" already exists`);
  const home = opts.env?.HOME || homedir();
  const dir = resolve(opts.configDir ?? join(home, ".claude-accounts", handle));
  mkdirSync(dir, { recursive: true });
  a.accounts[handle] = {
    email: opts.email ?? "",
    ...(opts.description ? { description: opts.description } : {}),
    config_dir: dir,
  };
  if (!a.default) a.default = handle;
  writeJsonFile(accountsFile(town), a);
  return listAccounts(town).find((r) => r.handle === handle)!;
}

/** Makes `handle` the default: Claude sessions started from now on use it. */
export function switchAccount(town: Town, handle: string): AccountRow {
  const a = loadAccounts(town);
  known(a, handle);
  a.default = handle;
  writeJsonFile(accountsFile(town), a);
  return listAccounts(town).find((r) => r.handle === handle)!;
}

/** The account `handle` names (gt sling --account); a one-line NotFoundError for an unknown one. */
export function namedAccount(town: Town, handle: string): { handle: string; config_dir: string } {
  const a = loadAccounts(town);
  known(a, handle);
  return { handle, config_dir: a.accounts[handle]!.config_dir };
}

/** The account a new Claude session gets: the default unless it is limited, then the first available. */
export function accountForNewSession(town: Town): { handle: string; config_dir: string } | undefined {
  const rows = listAccounts(town);
  const pick =
    rows.find((r) => r.default && r.status === "available") ?? rows.find((r) => r.status === "available");
  return pick ? { handle: pick.handle, config_dir: pick.config_dir } : undefined;
}

export function markLimited(town: Town, handle: string, reason: string): void {
  const a = loadAccounts(town);
  known(a, handle);
  const q = loadQuota(town);
  q.accounts[handle] = { status: "limited", limited_at: new Date().toISOString(), reason };
  writeJsonFile(quotaFile(town), q);
}

/** Marks accounts available again (all with none named); returns the handles cleared. */
export function clearLimits(town: Town, handles: string[]): string[] {
  const a = loadAccounts(town);
  for (const h of handles) known(a, h);
  const q = loadQuota(town);
  const which = handles.length ? handles : Object.keys(q.accounts);
  for (const h of which) q.accounts[h] = { status: "available" };
  writeJsonFile(quotaFile(town), q);
  return which;
}

/** What a rate-limited Claude session shows. */
const LIMIT_PATTERNS = [
  /usage limit reached/i,
  /rate[- ]limit(ed)? (reached|exceeded)/i,
  /\b429\b.*too many requests/i,
  /you('|’)ve hit your (usage )?limit/i,
  /limit will reset at/i,
];

export function looksRateLimited(screen: string): string | undefined {
  for (const re of LIMIT_PATTERNS) {
    const m = re.exec(screen);
    if (m) return m[0];
  }
  return undefined;
}
