// The daemon's timings and limits: `daemon` in the town's settings/config.json, each a
// duration ("30s", "10m") or a count, filled with the spec's defaults (§4.1) and validated
// on load (a bad value names the file and the key). Tests set them in milliseconds' worth
// so a crash loop plays out in seconds. Which roles the daemon keeps running comes from
// mayor/daemon.json (the patrols gt install and gt rig add write).
import { readFileSync } from "node:fs";
import { durationMs } from "../comms/escalation.ts";
import * as z from "../schema.ts";
import { ConfigFileError } from "../town/json-file.ts";
import { loadTownSettings, settingsFile } from "../town/settings.ts";
import { DAEMON_JSON, type Town } from "../town/workspace.ts";
import type { PressureLimits } from "./pressure.ts";

const duration = z
  .string()
  .check(z.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "a duration such as 500ms, 30s, 15m or 2h"));

export const daemonSettingsSchema = z.lazy(() =>
  z.strictObject({
    /** The backstop: a reconcile this often even when nothing woke the daemon. */
    recovery_heartbeat_interval: z._default(duration, "3m"),
    /** How often the daemon looks whether a session's processes still run (a /proc read, no tmux). */
    session_check_interval: z._default(duration, "1s"),
    /** Changes arriving this close together are reconciled once. */
    wake_debounce: z._default(duration, "150ms"),
    /** The wait after the first restart of an agent; it doubles with each further restart ... */
    restart_backoff_initial: z._default(duration, "30s"),
    /** ... up to this. */
    restart_backoff_max: z._default(duration, "10m"),
    /** This many restarts within crash_loop_window is a crash loop: the agent is quarantined. */
    crash_loop_restarts: z._default(z.int().check(z.gte(1)), 5),
    crash_loop_window: z._default(duration, "15m"),
    /** An agent that ran this long since its last restart starts over with no backoff. */
    stable_after: z._default(duration, "30m"),
    /** This many session deaths within mass_death_window is recorded as a mass_death event. */
    mass_death_count: z._default(z.int().check(z.gte(2)), 3),
    mass_death_window: z._default(duration, "30s"),
    /** The daemon's log is rotated past this size (bytes), keeping this many old files. */
    log_max_bytes: z._default(z.int().check(z.gte(1024)), 5 * 1024 * 1024),
    log_keep: z._default(z.int().check(z.gte(1)).check(z.lte(20)), 3),
    /** The pressure gate (watch/pressure.ts): the most 1-minute load per core; 0: off. */
    pressure_max_load_per_core: z._default(z.number().check(z.gte(0)), 0),
    /** The least memory available to new sessions, in MiB; 0: off. */
    pressure_min_free_memory_mb: z._default(z.int().check(z.gte(0)), 0),
    /** The most live sessions in the town; 0: off. */
    pressure_max_sessions: z._default(z.int().check(z.gte(0)), 0),
    /** How soon the daemon looks again at starts the gate held back. */
    pressure_retry: z._default(duration, "30s"),
  }),
);
export type DaemonSettings = z.output<typeof daemonSettingsSchema>;

/** The timings in milliseconds, as the daemon uses them. */
export interface DaemonTimings {
  heartbeatMs: number;
  sessionCheckMs: number;
  debounceMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  crashLoopRestarts: number;
  crashLoopWindowMs: number;
  stableAfterMs: number;
  massDeathCount: number;
  massDeathWindowMs: number;
  logMaxBytes: number;
  logKeep: number;
}

function toTimings(s: DaemonSettings): DaemonTimings {
  return {
    heartbeatMs: durationMs(s.recovery_heartbeat_interval),
    sessionCheckMs: durationMs(s.session_check_interval),
    debounceMs: durationMs(s.wake_debounce),
    backoffInitialMs: durationMs(s.restart_backoff_initial),
    backoffMaxMs: durationMs(s.restart_backoff_max),
    crashLoopRestarts: s.crash_loop_restarts,
    crashLoopWindowMs: durationMs(s.crash_loop_window),
    stableAfterMs: durationMs(s.stable_after),
    massDeathCount: s.mass_death_count,
    massDeathWindowMs: durationMs(s.mass_death_window),
    logMaxBytes: s.log_max_bytes,
    logKeep: s.log_keep,
  };
}

let defaults: DaemonTimings | undefined;
/** The timings with no settings file (parsed on first use, not when the module loads). */
export const defaultTimings = (): DaemonTimings => (defaults ??= toTimings(daemonSettingsSchema.parse({})));

function loadDaemonSettings(town: Town): DaemonSettings {
  const raw = (loadTownSettings(town.root) as { daemon?: unknown }).daemon ?? {};
  const parsed = daemonSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(settingsFile(town.root), `daemon.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

/** The town's daemon timings; a bad value is a ConfigFileError naming the key. */
export function loadDaemonTimings(town: Town): DaemonTimings {
  return toTimings(loadDaemonSettings(town));
}

/** The pressure gate's limits, read again each pass (a change applies without a restart). */
export function loadPressureLimits(town: Town): PressureLimits {
  const s = loadDaemonSettings(town);
  return {
    maxLoadPerCore: s.pressure_max_load_per_core,
    minFreeMemoryMb: s.pressure_min_free_memory_mb,
    maxSessions: s.pressure_max_sessions,
    retryMs: durationMs(s.pressure_retry),
  };
}

/** Which patrol roles the daemon keeps alive (mayor/daemon.json), and for which rigs. */
export interface PatrolRoles {
  /** The mayor runs unless mayor/daemon.json switches it off (`patrols.mayor.enabled: false`). */
  mayor: boolean;
  deacon: boolean;
  /** Rigs whose witness the daemon keeps running; undefined: every rig. */
  witness: Set<string> | undefined | false;
  refinery: Set<string> | undefined | false;
}

interface PatrolEntry {
  enabled?: unknown;
  rigs?: unknown;
}

function roleRigs(entry: PatrolEntry | undefined): Set<string> | undefined | false {
  if (!entry) return undefined;
  if (entry.enabled === false) return false;
  return Array.isArray(entry.rigs) ? new Set(entry.rigs.map(String)) : undefined;
}

/**
 * The patrols of mayor/daemon.json. A missing or unreadable file means the defaults (every
 * role on, every rig): the daemon keeps the town running rather than stop over a bad file.
 */
export function loadPatrolRoles(town: Town): PatrolRoles {
  let patrols: Record<string, PatrolEntry> = {};
  try {
    const raw = JSON.parse(readFileSync(town.path(DAEMON_JSON), "utf8")) as {
      patrols?: Record<string, PatrolEntry>;
    };
    patrols = raw.patrols ?? {};
  } catch {
    // defaults
  }
  return {
    mayor: patrols.mayor?.enabled !== false,
    deacon: patrols.deacon?.enabled !== false,
    witness: roleRigs(patrols.witness),
    refinery: roleRigs(patrols.refinery),
  };
}

/** Whether a rig's witness or refinery is one the daemon keeps alive. */
export function patrolsRig(roles: PatrolRoles, role: "witness" | "refinery", rig: string): boolean {
  const rigs = roles[role];
  return rigs !== false && (rigs === undefined || rigs.has(rig));
}
