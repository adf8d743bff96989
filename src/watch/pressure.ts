// The daemon's pressure gate (spec §4.1): before it starts a new session — a refinery, crew,
// a polecat coming back to its hooked work, or a polecat of the scheduler's queue — it looks
// at the 1-minute load per core, the memory available and the number of live sessions
// against `daemon.pressure_*` in the town's settings (0, the default, switches a check off).
// A start the gate holds back is deferred, not lost: the agent stays in the plan, the
// deferral is logged once per condition (and as a daemon_start_deferred event), and the
// daemon looks again after `pressure_retry`. The watchdogs (deacon, mayor, witnesses) are
// never held back: they are what recovers the town.
import { type SystemLoad, systemLoad } from "../adapters/system.ts";
import type { RoleName } from "../town/roles.ts";

export interface PressureLimits {
  /** Most 1-minute load per core; 0: off. */
  maxLoadPerCore: number;
  /** Least memory available, in MiB; 0: off. */
  minFreeMemoryMb: number;
  /** Most live sessions in the town; 0: off. */
  maxSessions: number;
  retryMs: number;
}

/** Roles whose new sessions wait for pressure to ease (the watchdogs never do). */
const GATED: ReadonlySet<RoleName> = new Set(["refinery", "crew", "polecat"]);

export function isGated(role: RoleName): boolean {
  return GATED.has(role);
}

export function gateIsOff(l: PressureLimits): boolean {
  return l.maxLoadPerCore <= 0 && l.minFreeMemoryMb <= 0 && l.maxSessions <= 0;
}

/** Why new sessions must wait now, or undefined when they may start. Pure. */
export function pressureVerdict(
  l: PressureLimits,
  load: SystemLoad,
  liveSessions: number,
): string | undefined {
  const perCore = load.load1 / load.cores;
  if (l.maxLoadPerCore > 0 && perCore > l.maxLoadPerCore)
    return `load ${perCore.toFixed(2)} per core (max ${l.maxLoadPerCore})`;
  if (l.minFreeMemoryMb > 0 && load.availableMemMb < l.minFreeMemoryMb)
    return `${load.availableMemMb} MiB available (min ${l.minFreeMemoryMb})`;
  if (l.maxSessions > 0 && liveSessions >= l.maxSessions)
    return `${liveSessions} live sessions (max ${l.maxSessions})`;
  return undefined;
}

/** The verdict for this machine now; undefined at once when every check is off. */
export function pressureNow(l: PressureLimits, liveSessions: number): string | undefined {
  return gateIsOff(l) ? undefined : pressureVerdict(l, systemLoad(), liveSessions);
}
