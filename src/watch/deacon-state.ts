// What the deacon keeps on disk (spec §4.3, §4.6): its heartbeat (`deacon/heartbeat.json`,
// written at the start of each patrol cycle; boot and the daemon read its age), the pause
// file (`.runtime/deacon/paused.json`), and the memory of its rate limits — health checks
// and force-kills per agent, re-dispatches per bead, feeds per convoy — in
// `deacon/*-state.json`. A state file that cannot be read is set aside and begun again:
// a lost count only allows one more attempt, never blocks the town.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as z from "../schema.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";

export const deaconPaths = (town: Town) => ({
  heartbeat: town.path("deacon", "heartbeat.json"),
  health: town.path("deacon", "health-check-state.json"),
  redispatch: town.path("deacon", "redispatch-state.json"),
  feed: town.path("deacon", "feed-stranded-state.json"),
  paused: join(town.runtimeDir, "deacon", "paused.json"),
});

/** Reads a state file; a missing one is `empty()`, an unreadable one is set aside first. */
function loadState<S extends z.ZodMiniType>(file: string, schema: S, empty: () => z.output<S>): z.output<S> {
  if (!existsSync(file)) return empty();
  try {
    const r = schema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (r.success) return r.data;
  } catch {
    // torn or not JSON: set aside below
  }
  try {
    renameSync(file, `${file}.corrupt-${Date.now()}`);
  } catch {
    // gone meanwhile
  }
  return empty();
}

const time = z._default(z.nullable(z.string()), null);

// ---- heartbeat -------------------------------------------------------------------------

export const deaconHeartbeatSchema = z.lazy(() =>
  z.object({
    timestamp: z.string(),
    cycle: z._default(z.int().check(z.gte(0)), 0),
    last_action: z._default(z.nullable(z.string()), null),
    healthy: z._default(z.int().check(z.gte(0)), 0),
    unhealthy: z._default(z.int().check(z.gte(0)), 0),
  }),
);
export type DeaconHeartbeat = z.output<typeof deaconHeartbeatSchema>;

export function readDeaconHeartbeat(town: Town): DeaconHeartbeat | undefined {
  const file = deaconPaths(town).heartbeat;
  try {
    const r = deaconHeartbeatSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return r.success && !Number.isNaN(Date.parse(r.data.timestamp)) ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the heartbeat: the cycle counts on from the last one. */
export function touchDeaconHeartbeat(
  town: Town,
  beat: { action?: string; healthy?: number; unhealthy?: number } = {},
  now = new Date(),
): DeaconHeartbeat {
  const prev = readDeaconHeartbeat(town);
  const next: DeaconHeartbeat = {
    timestamp: now.toISOString(),
    cycle: (prev?.cycle ?? 0) + 1,
    last_action: beat.action?.trim() || null,
    healthy: beat.healthy ?? 0,
    unhealthy: beat.unhealthy ?? 0,
  };
  writeJsonFile(deaconPaths(town).heartbeat, next);
  return next;
}

export type HeartbeatHealth = "fresh" | "stale" | "very-stale" | "none";

export function heartbeatHealth(
  beat: DeaconHeartbeat | undefined,
  t: { heartbeatStaleMs: number; heartbeatVeryStaleMs: number },
  now = Date.now(),
): { health: HeartbeatHealth; ageMs: number | null } {
  if (!beat) return { health: "none", ageMs: null };
  const ageMs = Math.max(0, now - Date.parse(beat.timestamp));
  const health =
    ageMs >= t.heartbeatVeryStaleMs ? "very-stale" : ageMs >= t.heartbeatStaleMs ? "stale" : "fresh";
  return { health, ageMs };
}

// ---- pause -----------------------------------------------------------------------------

export const pauseSchema = z.lazy(() =>
  z.object({
    paused_at: z.string(),
    paused_by: z.string(),
    reason: z._default(z.nullable(z.string()), null),
  }),
);
export type DeaconPause = z.output<typeof pauseSchema>;

export function readDeaconPause(town: Town): DeaconPause | undefined {
  try {
    const r = pauseSchema.safeParse(JSON.parse(readFileSync(deaconPaths(town).paused, "utf8")));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function pauseDeacon(town: Town, by: string, reason: string | undefined): DeaconPause {
  const p: DeaconPause = {
    paused_at: new Date().toISOString(),
    paused_by: by,
    reason: reason?.trim() || null,
  };
  writeJsonFile(deaconPaths(town).paused, p);
  return p;
}

/** True when the deacon was paused. */
export function resumeDeacon(town: Town): boolean {
  const file = deaconPaths(town).paused;
  const was = existsSync(file);
  rmSync(file, { force: true });
  return was;
}

// ---- health checks ---------------------------------------------------------------------

const agentHealthSchema = z.lazy(() =>
  z.object({
    consecutive_failures: z._default(z.int().check(z.gte(0)), 0),
    last_ping: time,
    last_response: time,
    last_force_kill: time,
    force_kills: z._default(z.int().check(z.gte(0)), 0),
  }),
);
export type AgentHealth = z.output<typeof agentHealthSchema>;

const healthStateSchema = z.lazy(() =>
  z.object({
    agents: z._default(z.record(z.string(), agentHealthSchema), {}),
    updated_at: time,
  }),
);
export type HealthState = z.output<typeof healthStateSchema>;

export function emptyAgentHealth(): AgentHealth {
  return agentHealthSchema.parse({});
}

export function loadHealthState(town: Town): HealthState {
  return loadState(deaconPaths(town).health, healthStateSchema, () => ({ agents: {}, updated_at: null }));
}

export function saveHealthState(town: Town, s: HealthState): void {
  writeJsonFile(deaconPaths(town).health, { ...s, updated_at: new Date().toISOString() });
}

// ---- re-dispatch -----------------------------------------------------------------------

const beadRedispatchSchema = z.lazy(() =>
  z.object({
    attempts: z._default(z.int().check(z.gte(0)), 0),
    last_attempt: time,
    last_rig: z._default(z.nullable(z.string()), null),
    last_error: z._default(z.nullable(z.string()), null),
    escalated_at: time,
    escalation: z._default(z.nullable(z.string()), null),
  }),
);
export type BeadRedispatch = z.output<typeof beadRedispatchSchema>;

const redispatchStateSchema = z.lazy(() =>
  z.object({
    beads: z._default(z.record(z.string(), beadRedispatchSchema), {}),
    updated_at: time,
  }),
);
export type RedispatchState = z.output<typeof redispatchStateSchema>;

export function emptyBeadRedispatch(): BeadRedispatch {
  return beadRedispatchSchema.parse({});
}

export function loadRedispatchState(town: Town): RedispatchState {
  return loadState(deaconPaths(town).redispatch, redispatchStateSchema, () => ({
    beads: {},
    updated_at: null,
  }));
}

export function saveRedispatchState(town: Town, s: RedispatchState): void {
  writeJsonFile(deaconPaths(town).redispatch, { ...s, updated_at: new Date().toISOString() });
}

// ---- stranded convoys ------------------------------------------------------------------

const convoyFeedSchema = z.lazy(() =>
  z.object({
    feeds: z._default(z.int().check(z.gte(0)), 0),
    last_feed: time,
  }),
);
export type ConvoyFeed = z.output<typeof convoyFeedSchema>;

const feedStateSchema = z.lazy(() =>
  z.object({
    convoys: z._default(z.record(z.string(), convoyFeedSchema), {}),
    updated_at: time,
  }),
);
export type FeedState = z.output<typeof feedStateSchema>;

export function loadFeedState(town: Town): FeedState {
  return loadState(deaconPaths(town).feed, feedStateSchema, () => ({ convoys: {}, updated_at: null }));
}

export function saveFeedState(town: Town, s: FeedState): void {
  writeJsonFile(deaconPaths(town).feed, { ...s, updated_at: new Date().toISOString() });
}

/** Time left of a cooldown that began at `since` (0: over, or never began). */
export function cooldownLeft(since: string | null, cooldownMs: number, now = Date.now()): number {
  if (!since) return 0;
  const t = Date.parse(since);
  return Number.isNaN(t) ? 0 : Math.max(0, t + cooldownMs - now);
}
