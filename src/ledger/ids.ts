// Bead IDs: `prefix-hash` where the hash is SHA-256 in base36, short while the ledger
// is small and longer as it grows so that collisions stay unlikely (as beads does).
import { lazyCrypto } from "../lazy.ts";

export interface IdLengthConfig {
  minLength: number;
  maxLength: number;
  maxCollisionProb: number;
}

export const DEFAULT_ID_LENGTH: IdLengthConfig = { minLength: 3, maxLength: 8, maxCollisionProb: 0.25 };

/** Bytes of the digest taken for each hash length. */
const BYTES_FOR_LENGTH: Record<number, number> = { 3: 2, 4: 3, 5: 4, 6: 4, 7: 5, 8: 5 };

/** Smallest length whose birthday-collision probability for `count` existing IDs is acceptable. */
export function hashLengthFor(count: number, cfg: IdLengthConfig = DEFAULT_ID_LENGTH): number {
  for (let len = cfg.minLength; len <= cfg.maxLength; len++) {
    const space = 36 ** len;
    const p = 1 - Math.exp(-(count * count) / (2 * space));
    if (p <= cfg.maxCollisionProb) return len;
  }
  return cfg.maxLength;
}

/** The hash part of an ID for the given content, nonce and length. */
export function hashFor(seed: string, nonce: number, length: number): string {
  const digest = lazyCrypto().createHash("sha256").update(`${seed}|${nonce}`).digest();
  const bytes = BYTES_FOR_LENGTH[length] ?? 5;
  let n = 0n;
  for (let i = 0; i < bytes; i++) n = (n << 8n) | BigInt(digest[i]!);
  const s = n.toString(36).padStart(length, "0");
  return s.length > length ? s.slice(s.length - length) : s;
}

/** Seed text: title, description, creator and creation time in nanoseconds. */
export function idSeed(title: string, description: string, creator: string, createdAt: Date): string {
  const nanos = BigInt(createdAt.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  return `${title}|${description}|${creator}|${nanos}`;
}

/**
 * Picks a fresh ID: nonces 0–9 at the base length, then one longer, up to the maximum.
 * `exists` says whether a candidate is taken.
 */
export function generateId(
  prefix: string,
  seed: string,
  baseLength: number,
  exists: (id: string) => boolean,
  cfg: IdLengthConfig = DEFAULT_ID_LENGTH,
): string {
  for (let len = baseLength; len <= cfg.maxLength; len++) {
    for (let nonce = 0; nonce < 10; nonce++) {
      const id = `${prefix}-${hashFor(seed, nonce, len)}`;
      if (!exists(id)) return id;
    }
  }
  throw new Error(`could not generate a unique ID for prefix ${prefix} after trying every length`);
}

const PREFIX_RE = /^[a-z0-9][a-z0-9_]*(-[a-z0-9_]+)*$/i;

export function isValidPrefix(prefix: string): boolean {
  return prefix.length > 0 && prefix.length <= 32 && PREFIX_RE.test(prefix);
}

/**
 * Bead IDs as beads writes them: `prefix-hash`, optionally with more hyphenated parts
 * (`hq-cv-x1`, `gt-wisp-a3`) and dotted children (`bd-a3f.1.2`, `bd-p.gate-s1`). Parts are
 * letters, digits and `_`, joined by single `-` or `.`. IDs end up in git branch names and
 * paths, so nothing git or a shell would read specially gets in (spaces, `/`, `..`, `@`,
 * `~`, `^`, `:`, `?`, `*`, `[`, `\`, a leading `-`, a `.lock` ending).
 */
const ISSUE_ID_RE = /^[A-Za-z0-9_]+-[A-Za-z0-9_]+(?:[-.][A-Za-z0-9_]+)*$/;
export const MAX_ID_LENGTH = 200;

/** Why `id` is not a usable bead ID, or undefined when it is. */
export function issueIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string" || id === "") return "missing id";
  if (id.length > MAX_ID_LENGTH) return `id is longer than ${MAX_ID_LENGTH} characters`;
  if (!ISSUE_ID_RE.test(id) || /\.lock$/i.test(id)) {
    return `invalid issue ID ${JSON.stringify(id)} (expected prefix-hash[.N], letters, digits and _ joined by - or .)`;
  }
  return undefined;
}

export function isValidIssueId(id: unknown): id is string {
  return issueIdProblem(id) === undefined;
}
