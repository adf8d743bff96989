// Small things every doctor check uses: findings, town-relative paths, keeping a broken
// file aside before a repair replaces it.
import { existsSync, readFileSync, renameSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { ConfigFileError } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";
import type { CheckStatus, Finding } from "./types.ts";

export function ok(message: string, details: string[] = []): Finding {
  return { status: "ok", message, details };
}

/** The worse of two statuses. */
export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  const rank = { ok: 0, warning: 1, error: 2 } as const;
  return rank[a] >= rank[b] ? a : b;
}

/** A path inside the town as the town sees it (`alpha/config.json`); others stay absolute. */
export function shown(town: Town, path: string): string {
  const rel = relative(town.root, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/** What is wrong with a file, without its path (the caller names the file). */
export function problemOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof ConfigFileError && msg.startsWith(`${e.file}: `)) return msg.slice(e.file.length + 2);
  return msg.split("\n")[0]!;
}

/** Moves a broken file aside (never deletes it: it may hold what a person wants back). */
export function keepAside(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const aside = `${file}.corrupt-${Date.now().toString(36)}`;
  renameSync(file, aside);
  return aside;
}

/**
 * String values still readable in a broken JSON file (`"key": "value"`), so a rebuilt file
 * keeps what it can of the old one.
 */
export function salvageStrings(file: string, keys: string[]): Record<string, string> {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    const m = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\\\n]|\\\\.)*)"`).exec(text);
    if (!m) continue;
    try {
      out[key] = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      // an escape the file broke: nothing to keep
    }
  }
  return out;
}

/** Runs repairs one after another (they may touch the same files); what each says it did. */
export async function inTurn<T>(
  items: readonly T[],
  repair: (item: T) => Promise<string[]>,
): Promise<string[]> {
  const did: string[] = [];
  for (const item of items) did.push(...(await repair(item)));
  return did;
}
