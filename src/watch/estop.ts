// gt estop / gt thaw (spec §4.7): the sentinel first (town/estop.ts, the source of truth the
// daemon, the refinery and gt sling read), then every session but the mayor's frozen with
// its whole process tree — SIGTSTP, and SIGSTOP for what did not stop (a process in an
// orphaned process group, as a tmux pane's are, discards SIGTSTP) — context kept in memory.
// Thaw lifts the sentinel, sends SIGCONT and queues each session a note to carry on.
import { setTimeout as sleep } from "node:timers/promises";
import { enqueueNudge } from "../comms/nudge.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { processState, sessionProcesses } from "../runtime/support.ts";
import { type EstopInfo, liftEstop, raiseEstop, readEstop } from "../town/estop.ts";
import { sessionNameOf } from "../town/identity.ts";
import { withFileLock } from "../town/lock.ts";
import { ROLE_NAMES, ROLES } from "../town/roles.ts";
import { knownAgents } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { daemonPaths } from "./daemon-files.ts";

/** The mayor coordinates the recovery: never frozen (roles.ts marks who is exempt). */
const EXEMPT = new Set(
  ROLE_NAMES.filter((r) => ROLES[r].estopExempt && ROLES[r].scope === "town").map((role) =>
    sessionNameOf({ role }),
  ),
);

export interface EstopReport {
  /** False when an e-stop already stood (nothing was signalled again). */
  raised: boolean;
  info: EstopInfo;
  frozen: string[];
  exempt: string[];
  /** Sessions with processes that would not stop. */
  failed: string[];
}

/** The sessions an e-stop of the town (or of one rig) covers, alive, with their pids. */
async function coveredSessions(town: Town, provider: RuntimeProvider, rig?: string): Promise<SessionInfo[]> {
  const all = (await provider.list()).filter((s) => s.alive && s.pid);
  if (!rig) return all;
  const names = new Set(knownAgents(town, [rig]).map((id) => sessionNameOf(id, town.prefixOf(rig))));
  return all.filter((s) => names.has(s.name));
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Stops one session's processes; false when some would not stop. A tmux pane's own process
 * (the shell gt starts the agent from) is left running: tmux continues a pane process that
 * stops, and its whole process group with it. That shell only waits for the agent.
 */
async function freeze(leader: number, spareLeader: boolean): Promise<boolean> {
  const pids = sessionProcesses(leader).filter((p) => !(spareLeader && p === leader));
  // Stopped, or gone (a zombie is a child that ended as its parent froze).
  const stopped = () => pids.every((p) => ["T", "t", "Z", "X", undefined].includes(processState(p)));
  signal(pids, "SIGTSTP");
  for (let i = 0; i < 10 && !stopped(); i++) await sleep(20);
  if (stopped()) return true;
  signal(
    pids.filter((p) => !["T", "Z"].includes(processState(p) ?? "Z")),
    "SIGSTOP",
  );
  for (let i = 0; i < 25 && !stopped(); i++) await sleep(20);
  return stopped();
}

export async function raiseTownEstop(
  town: Town,
  provider: RuntimeProvider,
  opts: { rig?: string; reason?: string; actor: string },
): Promise<EstopReport> {
  if (opts.rig) town.rig(opts.rig);
  const raised = raiseEstop(town.root, { rig: opts.rig, reason: opts.reason });
  const info = readEstop(town.root, opts.rig)!;
  const report: EstopReport = { raised, info, frozen: [], exempt: [], failed: [] };
  if (!raised) return report;
  // A daemon pass under way may be starting an agent: it finishes first, so that agent is
  // frozen too; every later pass sees the sentinel and starts nothing.
  await withFileLock(
    daemonPaths(town).reconcile,
    async () => {
      for (const s of await coveredSessions(town, provider, opts.rig)) {
        if (EXEMPT.has(s.name)) {
          report.exempt.push(s.name);
          continue;
        }
        if (await freeze(s.pid!, provider.kind === "tmux")) report.frozen.push(s.name);
        else report.failed.push(s.name);
      }
    },
    120_000,
  );
  logEvent(
    town.root,
    "estop",
    opts.actor,
    { rig: opts.rig ?? null, reason: info.reason, frozen: report.frozen },
    "feed",
  );
  return report;
}

export interface ThawReport {
  /** False when no e-stop stood. */
  lifted: boolean;
  info: EstopInfo | null;
  thawed: string[];
  nudged: string[];
  /** An e-stop that still holds these sessions (the town's, after a rig's thaw). */
  still: EstopInfo | null;
}

export async function thawTown(
  town: Town,
  provider: RuntimeProvider,
  opts: { rig?: string; actor: string },
): Promise<ThawReport> {
  if (opts.rig) town.rig(opts.rig);
  const info = readEstop(town.root, opts.rig) ?? null;
  const report: ThawReport = { lifted: false, info, thawed: [], nudged: [], still: null };
  if (!info) return report;
  // The sentinel goes first: whatever resumes must not find the e-stop still standing.
  report.lifted = liftEstop(town.root, opts.rig);
  const townStop = opts.rig ? readEstop(town.root) : undefined;
  if (townStop) {
    report.still = townStop;
    return report;
  }
  // A rig with its own e-stop stays frozen when the town's is lifted.
  const held = new Set<string>();
  if (!opts.rig)
    for (const rig of town.rigNames())
      if (readEstop(town.root, rig))
        for (const id of knownAgents(town, [rig])) held.add(sessionNameOf(id, town.prefixOf(rig)));
  for (const s of await coveredSessions(town, provider, opts.rig)) {
    if (held.has(s.name) || EXEMPT.has(s.name)) continue;
    signal(sessionProcesses(s.pid!), "SIGCONT");
    report.thawed.push(s.name);
    try {
      enqueueNudge(town, s.name, {
        sender: opts.actor,
        message: "E-stop lifted (gt thaw): carry on with the work on your hook.",
        priority: "normal",
      });
      report.nudged.push(s.name);
    } catch {
      // a full queue: the agent is not draining it, and the thaw stands anyway
    }
  }
  logEvent(town.root, "thaw", opts.actor, { rig: opts.rig ?? null, thawed: report.thawed }, "feed");
  return report;
}
