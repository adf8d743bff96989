// Starting, stopping and asking after a town's daemon from another process (gt daemon
// start/stop/status, gt up, gt down). The daemon is `gt daemon run`, detached, with an
// environment stripped of the caller's agent identity and a fresh nonce, so its pid file
// can be told from a pid that another program took over after a crash.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GasTownError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { gtExecutable } from "../package-paths.ts";
import { processAlive } from "../process-alive.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";
import { cleared } from "./backoff.ts";
import {
  type DaemonLiveness,
  type DaemonState,
  daemonLiveness,
  daemonPaths,
  loadDaemonState,
  NONCE_ENV,
  newNonce,
  readPidFile,
  saveDaemonState,
  tailDaemonLog,
} from "./daemon-files.ts";

/** Variables that make a process an agent (or a sling in flight); the daemon is none of these. */
const AGENT_VARS = [
  "GT_ROLE",
  "GT_SESSION",
  "GT_RUN",
  "GT_RIG",
  "GT_POLECAT",
  "GT_POLECAT_PATH",
  "GT_CREW",
  "GT_BRANCH",
  "GT_AGENT",
  "GT_PROCESS_NAMES",
  "BD_ACTOR",
  "BEADS_AGENT_NAME",
  "BEADS_DIR",
  "GIT_AUTHOR_NAME",
  "GIT_COMMITTER_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_EMAIL",
  "TMUX",
  "TMUX_PANE",
];

/** The environment a daemon runs with: the caller's, less any agent identity, for this town. */
export function daemonEnv(town: Town, env: NodeJS.ProcessEnv, nonce: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of AGENT_VARS) delete out[k];
  out.GT_TOWN_ROOT = town.root;
  out.GT_ROOT = town.root;
  out[NONCE_ENV] = nonce;
  return out;
}

export interface StartResult {
  pid: number;
  /** It was running already (nothing was started). */
  already: boolean;
}

/**
 * Starts the town's daemon unless one runs; waits until it has claimed the pid file. A
 * daemon that exits while starting is an error carrying the last line of its log.
 */
export async function startDaemon(town: Town, env: NodeJS.ProcessEnv = process.env): Promise<StartResult> {
  const live = daemonLiveness(town);
  if (live.state === "running") return { pid: live.pid, already: true };
  const p = daemonPaths(town);
  mkdirSync(p.dir, { recursive: true });
  const nonce = newNonce();
  // What the process says before its own log is open (a crash at load) lands here.
  const out = openSync(join(p.dir, "daemon.out"), "a");
  let exited: number | null | undefined;
  try {
    const child = spawn(gtExecutable(), ["daemon", "run"], {
      cwd: town.root,
      env: daemonEnv(town, env, nonce),
      detached: true,
      stdio: ["ignore", out, out],
    });
    child.on("exit", (code) => {
      exited = code;
    });
    child.on("error", () => {
      exited = -1;
    });
    child.unref();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = daemonLiveness(town);
      if (now.state === "running" && now.nonce === nonce) return { pid: now.pid, already: false };
      if (exited !== undefined) {
        // Lost a race to another gt daemon start: that one is the town's daemon now.
        if (now.state === "running") return { pid: now.pid, already: true };
        const last = tailDaemonLog(town, 1)[0]?.replace(/^\S+ /, "");
        throw new GasTownError("daemon_failed", `the daemon exited while starting${last ? `: ${last}` : ""}`);
      }
      if (Date.now() > deadline) {
        if (child.pid) process.kill(child.pid, "SIGKILL");
        throw new GasTownError("daemon_failed", "the daemon did not come up within 15 s (gt daemon logs)");
      }
      await sleep(30);
    }
  } finally {
    closeSync(out);
  }
}

export interface StopResult {
  /** The daemon's pid when one ran. */
  pid: number | null;
  stopped: boolean;
  /** A pid file was left by a daemon that is gone, or whose pid another program has now. */
  stale: DaemonLiveness | null;
}

/** Stops the town's daemon (SIGTERM, then SIGKILL after `graceMs`) and clears its pid file. */
export async function stopDaemon(town: Town, graceMs = 15_000): Promise<StopResult> {
  const live = daemonLiveness(town);
  const p = daemonPaths(town);
  if (live.state === "stopped") return { pid: null, stopped: false, stale: null };
  if (live.state === "stale") {
    rmSync(p.pid, { force: true });
    return { pid: null, stopped: false, stale: live };
  }
  process.kill(live.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (processAlive(live.pid) && daemonLiveness(town).state === "running") {
    if (Date.now() > deadline) {
      process.kill(live.pid, "SIGKILL");
      break;
    }
    await sleep(25);
  }
  // A killed daemon left its pid file (one that stopped itself removed it); a newer one's stays.
  if (readPidFile(town)?.nonce === live.nonce) rmSync(p.pid, { force: true });
  return { pid: live.pid, stopped: true, stale: null };
}

export interface DaemonStatus {
  running: boolean;
  pid: number | null;
  /** A pid file whose daemon is gone ("dead") or whose pid another program now holds ("reused"). */
  stale_pid: { pid: number; why: "dead" | "reused" } | null;
  state: DaemonState;
  /** Why the state file could not be read (it is rebuilt when the daemon next starts). */
  state_problem: string | null;
  quarantined: Array<{ agent: string; since: string; escalation: string | null; last_error: string | null }>;
  backing_off: Array<{ agent: string; until: string; restarts: number }>;
}

export function daemonStatus(town: Town, now = Date.now()): DaemonStatus {
  const live = daemonLiveness(town);
  const { state, rebuilt } = loadDaemonState(town);
  const agents = Object.entries(state.agents);
  return {
    running: live.state === "running",
    pid: live.state === "running" ? live.pid : null,
    stale_pid: live.state === "stale" ? { pid: live.pid, why: live.why } : null,
    state,
    state_problem: rebuilt ?? null,
    quarantined: agents
      .filter(([, r]) => r.quarantined_at)
      .map(([agent, r]) => ({
        agent,
        since: r.quarantined_at!,
        escalation: r.escalation,
        last_error: r.last_error,
      })),
    backing_off: agents
      .filter(([, r]) => !r.quarantined_at && r.backoff_until && Date.parse(r.backoff_until) > now)
      .map(([agent, r]) => ({ agent, until: r.backoff_until!, restarts: r.restarts.length })),
  };
}

/**
 * Clears the backoff and quarantine of `agents` (or every agent): a running daemon is asked
 * to (it owns its state file), a stopped one's state file is edited. Returns the agents cleared.
 */
export function clearBackoff(town: Town, agents: string[] | "all"): string[] {
  const { state } = loadDaemonState(town);
  const names = agents === "all" ? Object.keys(state.agents) : agents.filter((a) => state.agents[a]);
  if (daemonLiveness(town).state === "running") {
    writeJsonFile(daemonPaths(town).clearRequest, { agents: names });
    // The event wakes the daemon, which applies the request at the start of its next pass.
    logEvent(town.root, "daemon_clear_backoff", "gt", { agents: names }, "audit");
  } else if (existsSync(daemonPaths(town).state) || names.length) {
    for (const n of names) state.agents[n] = cleared(state.agents[n]);
    saveDaemonState(town, state);
  }
  return names;
}
