// The witness patrol's thresholds: `patrol` in the town's settings/config.json, each a
// duration ("90s", "15m") or a count, validated on load (a bad value names the file and the
// key) and filled with the spec's defaults (§2.7, §4.4, §4.6).

import { durationMs } from "../comms/escalation.ts";
import * as z from "../schema.ts";
import { ConfigFileError } from "../town/json-file.ts";
import { loadTownSettings, settingsFile } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";

const duration = z
  .string()
  .check(z.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "a duration such as 500ms, 30s, 15m or 2h"));

export const patrolSettingsSchema = z.lazy(() =>
  z.strictObject({
    /** How often a witness (or deacon) running the script agent patrols. */
    interval: z._default(duration, "60s"),
    /** A hook this young is a sling still starting its session: never taken for a zombie. */
    spawn_grace: z._default(duration, "5m"),
    /** A gt done under way this long with its session alive is stuck in done. */
    done_intent_stuck: z._default(duration, "60s"),
    /** A gt done whose session died is left this long before it counts as dead. */
    done_intent_grace: z._default(duration, "30s"),
    /** A session this old that has not reached its prompt ... */
    startup_stall: z._default(duration, "90s"),
    /** ... and shows no activity for this long is stuck at startup. */
    startup_activity: z._default(duration, "60s"),
    /** A working session with no activity for this long is hung. */
    hung: z._default(duration, "30m"),
    /** Hooked work with no progress for this long breaks the propulsion rule (GUPP). */
    gupp: z._default(duration, "30m"),
    /** Hooked work with no progress for this long is stalled. */
    stalled: z._default(duration, "15m"),
    /** An idle polecat's session is stopped after this long (its sandbox and identity stay). */
    idle_reap: z._default(duration, "15m"),
    /** A heartbeat older than this says nothing about the agent any more. */
    heartbeat_stale: z._default(duration, "3m"),
    /** Restarts of one bead's polecat before the patrol escalates instead. */
    max_respawns: z._default(z.int().check(z.gte(0)), 3),
  }),
);
export type PatrolSettings = z.output<typeof patrolSettingsSchema>;

/** The thresholds in milliseconds, as the patrol uses them. */
export interface PatrolThresholds {
  intervalMs: number;
  spawnGraceMs: number;
  doneIntentStuckMs: number;
  doneIntentGraceMs: number;
  startupStallMs: number;
  startupActivityMs: number;
  hungMs: number;
  guppMs: number;
  stalledMs: number;
  idleReapMs: number;
  heartbeatStaleMs: number;
  maxRespawns: number;
}

function toThresholds(s: PatrolSettings): PatrolThresholds {
  return {
    intervalMs: durationMs(s.interval),
    spawnGraceMs: durationMs(s.spawn_grace),
    doneIntentStuckMs: durationMs(s.done_intent_stuck),
    doneIntentGraceMs: durationMs(s.done_intent_grace),
    startupStallMs: durationMs(s.startup_stall),
    startupActivityMs: durationMs(s.startup_activity),
    hungMs: durationMs(s.hung),
    guppMs: durationMs(s.gupp),
    stalledMs: durationMs(s.stalled),
    idleReapMs: durationMs(s.idle_reap),
    heartbeatStaleMs: durationMs(s.heartbeat_stale),
    maxRespawns: s.max_respawns,
  };
}

let defaults: PatrolThresholds | undefined;
/** The thresholds with no settings file (parsed on first use, not when the module loads). */
export const defaultThresholds = (): PatrolThresholds =>
  (defaults ??= toThresholds(patrolSettingsSchema.parse({})));

/** The town's patrol thresholds, with `overrides` (tests, benchmarks) on top. */
export function loadPatrolThresholds(
  town: Town,
  overrides: Partial<PatrolThresholds> = {},
): PatrolThresholds {
  const raw = (loadTownSettings(town.root) as { patrol?: unknown }).patrol ?? {};
  const parsed = patrolSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = ["patrol", ...issue.path.map(String), ...("keys" in issue ? [issue.keys.join(",")] : [])];
    throw new ConfigFileError(settingsFile(town.root), `${key.join(".")}: ${issue.message}`);
  }
  return { ...toThresholds(parsed.data), ...overrides };
}
