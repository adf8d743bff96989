// gt shutdown --graceful: before anything is stopped, every running agent is asked to save
// its state — polecats commit (their hook stays for the next session), the others leave a
// handoff note — and gt waits up to --wait seconds for each to go idle (its turn over: the
// idle marker or its prompt on reads a second apart) or to exit. The refinery's built-in
// merge queue, a program with nothing to save, is not asked. Runs under the
// shutdown lock, so the daemon starts nothing meanwhile. An agent still busy when the wait
// runs out is stopped all the same, and named.
import { setTimeout as sleep } from "node:timers/promises";
import { agentLooksIdle, nudge } from "../comms/nudge.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { lastStartedAgentOf } from "../sessions/session.ts";
import { type AgentIdentity, addressOf, sessionNameOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { stopOrder } from "./town-lifecycle.ts";

export interface GracefulReport {
  /** The agents asked to finish (their sessions were running). */
  asked: string[];
  /** Went idle or exited within the wait. */
  finished: string[];
  /** Still busy (or of an agent whose screen cannot be read) when the wait ran out. */
  still_busy: string[];
  waited_s: number;
}

/** The note each agent gets: polecats commit and keep their hook, the others hand off. */
export function shutdownNote(id: AgentIdentity, waitS: number, actor: string): string {
  const head = `[SHUTDOWN] Gas Town is shutting down in about ${waitS}s (gt shutdown by ${actor}).`;
  const todo =
    id.role === "polecat"
      ? "Save your state now: commit what you have done (git add, git commit) — not gt done unless the work is finished; your hook stays for your next session."
      : 'Save your state now: commit your work, and leave your successor a note with gt handoff -m "<what is in flight>".';
  return `${head} ${todo} Then wait: your session will be stopped.`;
}

/** The refinery's built-in program (town/agent-presets.ts). */
const MERGE_QUEUE_AGENT = "merge-queue";

/** How often the wait looks, and how long an agent must read idle to count as finished. */
const POLL_MS = 500;
const SETTLE_MS = 1000;

export async function askToFinish(
  town: Town,
  provider: RuntimeProvider,
  opts: { polecats: boolean; crew: boolean; waitS: number; actor: string; only?: "polecats" },
): Promise<GracefulReport> {
  const started = Date.now();
  const running: AgentIdentity[] = [];
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  for (const id of stopOrder(town, opts)) {
    if (opts.only && id.role !== "polecat") continue;
    if (!alive.has(sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined))) continue;
    // The built-in merge queue is a program, not a model: it keeps no state to save (an
    // interrupted landing is finished by its next run) and takes no note.
    if ((await lastStartedAgentOf(town, id).catch(() => undefined)) === MERGE_QUEUE_AGENT) continue;
    running.push(id);
  }
  await Promise.all(
    running.map((id) =>
      nudge(town, provider, id, shutdownNote(id, opts.waitS, opts.actor), {
        sender: opts.actor,
        mode: "wait-idle",
        idleTimeoutMs: 1000,
        priority: "urgent",
        force: true,
      }).catch(() => undefined),
    ),
  );
  logEvent(town.root, "shutdown_graceful", opts.actor, { asked: running.map(addressOf), wait_s: opts.waitS });
  const deadline = started + opts.waitS * 1000;
  const pending = new Map(running.map((id) => [addressOf(id), id]));
  /** Since when each agent has read idle without a break. */
  const idleSince = new Map<string, number>();
  const finished: string[] = [];
  while (pending.size && Date.now() < deadline) {
    await sleep(POLL_MS);
    for (const [address, id] of pending) {
      const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
      if (!(await provider.isAlive(session))) {
        pending.delete(address);
        finished.push(address);
        continue;
      }
      if ((await agentLooksIdle(town, provider, id)) !== true) {
        idleSince.delete(address);
        continue;
      }
      const since = idleSince.get(address) ?? Date.now();
      idleSince.set(address, since);
      if (Date.now() - since >= SETTLE_MS) {
        pending.delete(address);
        finished.push(address);
      }
    }
  }
  return {
    asked: running.map(addressOf),
    finished,
    still_busy: [...pending.keys()],
    waited_s: Math.round((Date.now() - started) / 100) / 10,
  };
}
