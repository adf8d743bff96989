// Boot (spec §4.2): the deacon's own watchdog, run on the daemon's heartbeat (or by hand,
// `gt boot triage`) as deterministic code — observe the deacon, decide with the spec's
// table, act, record. The decision (`decideBoot`) is a pure function of the facts:
//
//   gt down under way, e-stop, deacon switched off, paused, quarantined → nothing
//   session dead                                   → START (the daemon's, when one runs)
//   heartbeat (or, before its first, the session) younger than heartbeat_stale → nothing
//   stale, under wake_after, no unread mail        → nothing
//   stale, under wake_after, unread mail           → NUDGE
//   stale and showing an error on screen           → INTERRUPT
//   silent past wake_after                         → WAKE: a health check; after
//                                                    health_check_failures misses in a row,
//                                                    FORCE-KILL and START
//
// One triage at a time (a lock); its outcome is kept in deacon/dogs/boot/.boot-status.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { unreadMail } from "../comms/mailbox.ts";
import { nudge } from "../comms/nudge.ts";
import { ConflictError, GasTownError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { executeWarrant, listWarrants } from "../sessions/warrants.ts";
import { readEstop } from "../town/estop.ts";
import { writeJsonFile } from "../town/json-file.ts";
import { openTownLedger } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";
import { loadPatrolRoles } from "./daemon-config.ts";
import { daemonLiveness, loadDaemonState, shutdownHolder } from "./daemon-files.ts";
import { type DeaconThresholds, loadDeaconThresholds } from "./deacon-config.ts";
import { forceKill, healthCheck } from "./deacon-health.ts";
import { readDeaconHeartbeat, readDeaconPause } from "./deacon-state.ts";
import { startPlanned } from "./start-agent.ts";

export const BOOT_ACTIONS = [
  "nothing",
  "start",
  "nudge",
  "interrupt",
  "wake",
  "force-kill",
  "error",
] as const;
export type BootAction = (typeof BOOT_ACTIONS)[number];

/** What boot looks at. */
export interface BootFacts {
  shutdown: boolean;
  estop: boolean;
  enabled: boolean;
  paused: boolean;
  quarantined: boolean;
  /** The town's daemon runs: a dead deacon is its to restart, with its backoff. */
  daemon: boolean;
  alive: boolean;
  /** Age of the deacon's heartbeat, else of its session; null when neither is known. */
  silentMs: number | null;
  unreadMail: number;
  /** The screen shows an error. */
  error: boolean;
}

/** The decision table; WAKE may become FORCE-KILL once the health check has failed enough. */
export function decideBoot(f: BootFacts, t: DeaconThresholds): { action: BootAction; reason: string } {
  if (f.shutdown) return { action: "nothing", reason: "gt down is under way" };
  if (f.estop) return { action: "nothing", reason: "an e-stop stands" };
  if (!f.enabled) return { action: "nothing", reason: "the deacon is switched off in mayor/daemon.json" };
  if (f.paused) return { action: "nothing", reason: "the deacon is paused (gt deacon resume)" };
  if (f.quarantined)
    return {
      action: "nothing",
      reason: "the daemon quarantined the deacon (gt daemon clear-backoff deacon)",
    };
  if (!f.alive && f.daemon)
    return {
      action: "nothing",
      reason: "the deacon is not running: the daemon restarts it (with its backoff)",
    };
  if (!f.alive) return { action: "start", reason: "the deacon's session is not running" };
  const silent = f.silentMs ?? 0;
  const secs = `${Math.round(silent / 1000)}s`;
  if (silent < t.heartbeatStaleMs) return { action: "nothing", reason: `active (heartbeat ${secs} old)` };
  if (f.error) return { action: "interrupt", reason: `silent ${secs} with an error on its screen` };
  if (silent >= t.wakeAfterMs)
    return { action: "wake", reason: `silent ${secs}: past ${Math.round(t.wakeAfterMs / 1000)}s` };
  if (f.unreadMail > 0)
    return { action: "nudge", reason: `idle ${secs} with ${f.unreadMail} unread message(s)` };
  return { action: "nothing", reason: `idle ${secs}, no mail` };
}

export interface BootStatus {
  started_at: string;
  completed_at: string | null;
  by: string;
  action: BootAction;
  reason: string;
  /** What acting did (the health check's verdict, the new session). */
  result: string | null;
  error: string | null;
  facts: BootFacts | null;
  /** Triage runs recorded so far. */
  runs: number;
  /** When boot last started the deacon (and the time before which it will not again). */
  last_start: string | null;
  /** Death warrants (gt warrant file) executed by this triage: their targets. */
  warrants_executed?: string[];
  /** Warrants that could not be executed, with why (they stay pending for the next triage). */
  warrants_failed?: Array<{ target: string; error: string }>;
}

export function bootDir(town: Town): string {
  return town.path("deacon", "dogs", "boot");
}

const statusFile = (town: Town) => join(bootDir(town), ".boot-status.json");

export function readBootStatus(town: Town): BootStatus | undefined {
  try {
    const raw = JSON.parse(readFileSync(statusFile(town), "utf8")) as BootStatus;
    return typeof raw.started_at === "string" && typeof raw.action === "string" ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** A new start of the deacon by boot waits this long after its last one (the daemon's backoff rules the rest). */
const START_COOLDOWN_MS = 2 * 60_000;

/** An error line at the bottom of the screen (what an agent left showing when it got stuck). */
const ERROR_LINE =
  /^\s*(error|fatal|panic)\b|Traceback \(most recent call last\)|Unhandled (promise )?rejection/im;

async function gatherFacts(town: Town, provider: RuntimeProvider, session: string): Promise<BootFacts> {
  const info = (await provider.list()).find((s) => s.name === session);
  const alive = info?.alive === true;
  // The later of its last heartbeat and its session's start: a deacon started since its
  // predecessor's last heartbeat has not had the time to write its own.
  const beat = readDeaconHeartbeat(town);
  const times = [beat?.timestamp, info?.createdAt].map((x) => (x ? Date.parse(x) : Number.NaN));
  const known = times.filter((x) => !Number.isNaN(x));
  const since = known.length ? Math.max(...known) : Number.NaN;
  let unread = 0;
  const ledger = openTownLedger(town);
  try {
    unread = (await unreadMail([ledger], "deacon")).length;
  } finally {
    await ledger.close();
  }
  let error = false;
  if (alive) {
    const screen = await provider.screen(session).catch(() => "");
    error = ERROR_LINE.test(screen.trimEnd().split("\n").slice(-6).join("\n"));
  }
  return {
    shutdown: shutdownHolder(town) !== undefined,
    estop: readEstop(town.root) !== undefined,
    enabled: loadPatrolRoles(town).deacon,
    paused: readDeaconPause(town) !== undefined,
    quarantined: Boolean(loadDaemonState(town).state.agents.deacon?.quarantined_at),
    daemon: daemonLiveness(town).state === "running",
    alive,
    silentMs: Number.isNaN(since) ? null : Math.max(0, Date.now() - since),
    unreadMail: unread,
    error,
  };
}

const DEACON = {
  id: { role: "deacon" as const },
  address: "deacon",
  session: "hq-deacon",
  why: "boot triage",
};

async function startDeacon(
  town: Town,
  provider: RuntimeProvider,
  last: BootStatus | undefined,
  afterKill: boolean,
): Promise<string> {
  const since = last?.last_start ? Date.now() - Date.parse(last.last_start) : Number.POSITIVE_INFINITY;
  // A session boot just killed is replaced at once; a deacon that keeps dying is the
  // daemon's to restart, with its backoff and crash-loop quarantine.
  if (since < START_COOLDOWN_MS && !afterKill)
    return `not started: boot started it ${Math.round(since / 1000)}s ago (the daemon restarts it with backoff)`;
  try {
    const s = await startPlanned(town, provider, DEACON, { sender: "boot", topic: "start" });
    return `started in session ${s.session} (${s.agent})`;
  } catch (e) {
    if (e instanceof ConflictError) return "already running (started meanwhile)";
    throw e;
  }
}

export interface TriageOptions {
  actor?: string;
  thresholds?: DeaconThresholds;
}

/** One triage of the deacon: observe, decide, act, record. Never two at once. */
export async function bootTriage(
  town: Town,
  provider: RuntimeProvider,
  opts: TriageOptions = {},
): Promise<BootStatus> {
  const by = opts.actor ?? "boot";
  const lock = join(bootDir(town), ".boot.lock");
  try {
    return await withFileLock(lock, () => triageLocked(town, provider, by, opts.thresholds), 0);
  } catch (e) {
    if (e instanceof GasTownError && e.code === "lock_timeout")
      throw new ConflictError("boot_running", "another boot triage is running");
    throw e;
  }
}

async function triageLocked(
  town: Town,
  provider: RuntimeProvider,
  by: string,
  given: DeaconThresholds | undefined,
): Promise<BootStatus> {
  const t = given ?? loadDeaconThresholds(town);
  const last = readBootStatus(town);
  const status: BootStatus = {
    started_at: new Date().toISOString(),
    completed_at: null,
    by,
    action: "nothing",
    reason: "",
    result: null,
    error: null,
    facts: null,
    runs: (last?.runs ?? 0) + 1,
    last_start: last?.last_start ?? null,
  };
  // Pending death warrants first, as Gas Town's boot does: mechanical, and apart from the
  // decision about the deacon.
  await executePendingWarrants(town, provider, status);
  try {
    const facts = await gatherFacts(town, provider, DEACON.session);
    status.facts = facts;
    const d = decideBoot(facts, t);
    status.action = d.action;
    status.reason = d.reason;
    status.result = await act(town, provider, status, last, t);
  } catch (e) {
    status.error = (e as Error).message.split("\n")[0]!;
    status.action = "error";
  }
  status.completed_at = new Date().toISOString();
  writeJsonFile(statusFile(town), status);
  if (status.action !== "nothing")
    logEvent(
      town.root,
      "boot_triage",
      by,
      { action: status.action, reason: status.reason, result: status.result, error: status.error },
      status.action === "error" ? "audit" : "feed",
    );
  return status;
}

async function executePendingWarrants(
  town: Town,
  provider: RuntimeProvider,
  status: BootStatus,
): Promise<void> {
  const executed: string[] = [];
  const failed: Array<{ target: string; error: string }> = [];
  for (const w of listWarrants(town)) {
    try {
      await executeWarrant(town, provider, w.target);
      executed.push(w.target);
      logEvent(town.root, "warrant_executed", status.by, { target: w.target, reason: w.reason }, "feed");
    } catch (e) {
      failed.push({ target: w.target, error: (e as Error).message.split("\n")[0]! });
    }
  }
  if (executed.length) status.warrants_executed = executed;
  if (failed.length) status.warrants_failed = failed;
}

async function act(
  town: Town,
  provider: RuntimeProvider,
  status: BootStatus,
  last: BootStatus | undefined,
  t: DeaconThresholds,
): Promise<string | null> {
  const start = async (afterKill = false) => {
    const r = await startDeacon(town, provider, last, afterKill);
    if (r.startsWith("started")) status.last_start = new Date().toISOString();
    return r;
  };
  switch (status.action) {
    case "nothing":
    case "error":
      return null;
    case "start":
      return start();
    case "nudge": {
      const n = status.facts?.unreadMail ?? 0;
      const r = await nudge(
        town,
        provider,
        DEACON.id,
        `boot: you have ${n} unread message(s): gt mail inbox`,
        {
          sender: "boot",
          mode: "wait-idle",
          idleTimeoutMs: 5000,
        },
      );
      return `nudge ${r.outcome}`;
    }
    case "interrupt": {
      await provider.pressKey(DEACON.session, "Escape");
      const r = await nudge(
        town,
        provider,
        DEACON.id,
        "boot: you looked stuck on an error; carry on with your patrol",
        {
          sender: "boot",
          mode: "immediate",
          force: true,
        },
      );
      return `interrupted (Escape), nudge ${r.outcome}`;
    }
    case "wake":
    case "force-kill": {
      const h = await healthCheck(town, provider, "deacon", {
        timeoutMs: t.healthCheckTimeoutMs,
        failures: t.healthCheckFailures,
        cooldownMs: t.forceKillCooldownMs,
        actor: "boot",
      });
      const verdict = `health check: ${h.outcome} (${h.consecutive_failures}/${h.failures_to_kill} failures)`;
      if (!h.should_force_kill) return verdict;
      status.action = "force-kill";
      const k = await forceKill(town, provider, "deacon", {
        reason: `silent and unresponsive to ${h.consecutive_failures} health checks`,
        cooldownMs: t.forceKillCooldownMs,
        actor: "boot",
      });
      const again = await start(true);
      return `${verdict}; force-killed (${k.killed ? "session stopped" : "was gone"}); ${again}`;
    }
  }
}
