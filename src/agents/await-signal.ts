// `gt mol await-signal`: a patrol agent's sleep between rounds. It returns as soon as anything
// is appended to the town's event stream (a sling, mail, a nudge, a spawn…) or when its
// timeout passes. With backoff the timeout grows with the agent's idle rounds — the `idle:N`
// state label on its agent bead, counted up on each timeout — so a quiet town is polled less.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { EVENTS_FILE } from "../events/log.ts";
import type { AgentIdentity } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { agentState } from "./health.ts";

export interface Backoff {
  baseMs: number;
  mult: number;
  maxMs?: number | undefined;
}

export interface AwaitResult {
  reason: "signal" | "timeout";
  elapsed_ms: number;
  /** The timeout this wait ran under (backoff applied). */
  timeout_ms: number;
  /** The first event line appended while waiting. */
  signal: string | null;
  /** The agent's idle rounds after this wait (backoff mode), else null. */
  idle_cycles: number | null;
}

const POLL_MS = 100;

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The first complete line written after `from`, if one is there yet. */
function lineAfter(file: string, from: number): string | null {
  const size = sizeOf(file);
  if (size <= from) return null;
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(size - from, 64 * 1024));
    const n = readSync(fd, buf, 0, buf.length, from);
    const text = buf.subarray(0, n).toString("utf8");
    const nl = text.indexOf("\n");
    return nl < 0 ? null : text.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}

export async function awaitSignal(
  town: Town,
  opts: { timeoutMs: number; backoff?: Backoff; agent?: AgentIdentity; actor: string },
): Promise<AwaitResult> {
  let timeoutMs = opts.timeoutMs;
  let idle: number | null = null;
  if (opts.backoff) {
    if (!opts.agent)
      throw new ValidationError("backoff counts an agent's idle rounds: run as an agent or give --agent");
    if (!(opts.backoff.mult >= 1)) throw new ValidationError("--backoff-mult must be 1 or more");
    const state = (await agentState(town, opts.agent, {}, opts.actor)).state;
    idle = Number.parseInt(state.idle ?? "0", 10) || 0;
    timeoutMs = opts.backoff.baseMs * opts.backoff.mult ** idle;
    if (opts.backoff.maxMs !== undefined) timeoutMs = Math.min(timeoutMs, opts.backoff.maxMs);
  }
  const file = join(town.root, EVENTS_FILE);
  const from = existsSync(file) ? sizeOf(file) : 0;
  const start = Date.now();
  for (;;) {
    const line = lineAfter(file, from);
    if (line !== null)
      return {
        reason: "signal",
        elapsed_ms: Date.now() - start,
        timeout_ms: timeoutMs,
        signal: line,
        idle_cycles: idle,
      };
    if (Date.now() - start >= timeoutMs) break;
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(1, timeoutMs - (Date.now() - start)))));
  }
  if (opts.backoff && opts.agent)
    idle = Number((await agentState(town, opts.agent, { incr: "idle" }, opts.actor)).state.idle ?? idle);
  return {
    reason: "timeout",
    elapsed_ms: Date.now() - start,
    timeout_ms: timeoutMs,
    signal: null,
    idle_cycles: idle,
  };
}
