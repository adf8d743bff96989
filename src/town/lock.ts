// A cross-process lock on a file, for read-modify-write of the town's registry files
// (rigs.json, routes.jsonl) when several gt commands run at once. The lock file holds the
// owner's PID; a lock whose owner is gone is taken over.
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GasTownError } from "../errors.ts";
import { processAlive } from "../process-alive.ts";
import { testPause } from "../test-pause.ts";

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

/** Creates `file` holding our PID, atomically; false when it exists already. */
function linkOwned(file: string): boolean {
  // Linked from a file that already holds our PID: the lock appears with its owner in it or
  // not at all, so a kill -9 can never leave an empty lock nobody can judge.
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return false;
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      // already gone
    }
  }
}

function removeIfOwnerGone(file: string): void {
  if (ownerAlive(file)) return;
  try {
    unlinkSync(file);
  } catch {
    // gone meanwhile
  }
}

/**
 * Removes a lock judged stale. Between that judgement and the removal another process may
 * have removed it and taken the lock anew, and a removal by name would break that live lock
 * (two holders). So breakers take turns under `<file>.break` and judge again under it: while
 * one holds it, only a dead owner's lock can be removed. `.break` is held for a few
 * microseconds; one left by a breaker killed inside them is removed once its owner is gone.
 */
function breakStaleLock(file: string): void {
  const breaker = `${file}.break`;
  if (!linkOwned(breaker)) {
    removeIfOwnerGone(breaker);
    return;
  }
  try {
    removeIfOwnerGone(file);
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      // already gone
    }
  }
}

/** One attempt at the lock; a lock whose owner is gone is removed for the next attempt. */
function tryAcquire(file: string): boolean {
  if (linkOwned(file)) return true;
  if (!ownerAlive(file)) {
    testPause("lock:judged-stale"); // tests let another process take the lock over here
    breakStaleLock(file);
  }
  return false;
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
