// A cross-process lock on a file, for read-modify-write of the town's registry files
// (rigs.json, routes.jsonl) when several gt commands run at once. The lock file holds the
// owner's PID; a lock whose owner is gone is taken over.
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GasTownError } from "../errors.ts";
import { processAlive } from "../process-alive.ts";

/** A lock file with no owner written in it for this long was left by a killed writer. */
const EMPTY_LOCK_GRACE_MS = 5_000;

function ownerAlive(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (!pid) return Date.now() - statSync(file).mtimeMs < EMPTY_LOCK_GRACE_MS;
    return processAlive(pid);
  } catch {
    return false; // the lock went away meanwhile
  }
}

/**
 * Takes the lock by hard-linking a file that already holds our PID: the lock appears with its
 * owner in it or not at all, so a kill -9 can never leave an empty lock nobody can judge.
 */
function tryAcquire(file: string): boolean {
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    if (!ownerAlive(file)) {
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first
      }
    }
    return false;
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` holding the lock `file`; waits up to `timeoutMs` for another holder. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(file)) {
    if (Date.now() > deadline) throw new GasTownError("lock_timeout", `timed out waiting for lock ${file}`);
    await sleep(20 + Math.random() * 30);
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
