// A session a person is stopping and starting again by hand (gt mayor restart, …): marked under
// .runtime/session-holds/ for the time it takes, so the daemon, which wakes on every session
// exit, does not start the agent again in between with its last preset and make the restart's
// own start fail with "already running".
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../process-alive.ts";
import type { Town } from "../town/workspace.ts";

/** A hold older than this is stale whatever its pid says (a restart takes seconds). */
const HOLD_MAX_MS = 120_000;

const holdFile = (town: Town, session: string) => join(town.runtimeDir, "session-holds", `${session}.json`);

/** Runs `fn` with the session held; the hold goes when fn ends, however it ends. */
export async function withSessionHold<T>(town: Town, session: string, fn: () => Promise<T>): Promise<T> {
  const file = holdFile(town, session);
  mkdirSync(join(town.runtimeDir, "session-holds"), { recursive: true });
  writeFileSync(file, JSON.stringify({ pid: process.pid, at: Date.now() }));
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/** Whether a live process holds the session (a dead holder's or an old hold counts for nothing). */
export function sessionHeld(town: Town, session: string, now = Date.now()): boolean {
  try {
    const { pid, at } = JSON.parse(readFileSync(holdFile(town, session), "utf8")) as {
      pid: number;
      at: number;
    };
    return now - at < HOLD_MAX_MS && processAlive(pid);
  } catch {
    return false;
  }
}
