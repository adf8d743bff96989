// The deacon's and boot's thresholds (spec §4.2, §4.3, §4.6): `deacon` in the town's
// settings/config.json, each a duration ("30s", "5m") or a count, validated on load (a bad
// value names the file and the key) and filled with the spec's defaults. Tests shorten them.

import { durationMs } from "../comms/escalation.ts";
import { ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { ConfigFileError } from "../town/json-file.ts";
import { loadTownSettings, settingsFile } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";

const duration = z
  .string()
  .check(z.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "a duration such as 500ms, 30s, 15m or 2h"));
const count = z.int().check(z.gte(1));

export const deaconSettingsSchema = z.lazy(() =>
  z.strictObject({
    /** A deacon heartbeat older than this is stale: boot nudges a deacon with mail waiting. */
    heartbeat_stale: z._default(duration, "5m"),
    /** ... older than this is very stale (what gt deacon status calls it). */
    heartbeat_very_stale: z._default(duration, "20m"),
    /** A deacon silent this long is woken by boot: a HEALTH_CHECK, and a force-kill after enough failures. */
    wake_after: z._default(duration, "15m"),
    /** How long a HEALTH_CHECK waits for the agent to react. */
    health_check_timeout: z._default(duration, "30s"),
    /** Consecutive failed health checks that call for a force-kill. */
    health_check_failures: z._default(count, 3),
    /** Least time between two force-kills of one agent. */
    force_kill_cooldown: z._default(duration, "5m"),
    /** How often the script deacon health-checks each rig's witness and refinery. */
    health_check_interval: z._default(duration, "30m"),
    /** Re-dispatches of one recovered bead before it goes to the mayor instead. */
    redispatch_max: z._default(count, 3),
    /** Least time between two re-dispatches of one bead. */
    redispatch_cooldown: z._default(duration, "5m"),
    /** Stranded convoys fed per run of feed-stranded. */
    feed_max: z._default(count, 3),
    /** Least time between two feeds of one convoy. */
    feed_cooldown: z._default(duration, "10m"),
    /** A hooked bead this old whose holder is gone is unhooked by stale-hooks. */
    stale_hook_age: z._default(duration, "1h"),
  }),
);
export type DeaconSettings = z.output<typeof deaconSettingsSchema>;

export interface DeaconThresholds {
  heartbeatStaleMs: number;
  heartbeatVeryStaleMs: number;
  wakeAfterMs: number;
  healthCheckTimeoutMs: number;
  healthCheckFailures: number;
  forceKillCooldownMs: number;
  healthCheckIntervalMs: number;
  redispatchMax: number;
  redispatchCooldownMs: number;
  feedMax: number;
  feedCooldownMs: number;
  staleHookAgeMs: number;
}

function toThresholds(s: DeaconSettings): DeaconThresholds {
  return {
    heartbeatStaleMs: durationMs(s.heartbeat_stale),
    heartbeatVeryStaleMs: durationMs(s.heartbeat_very_stale),
    wakeAfterMs: durationMs(s.wake_after),
    healthCheckTimeoutMs: durationMs(s.health_check_timeout),
    healthCheckFailures: s.health_check_failures,
    forceKillCooldownMs: durationMs(s.force_kill_cooldown),
    healthCheckIntervalMs: durationMs(s.health_check_interval),
    redispatchMax: s.redispatch_max,
    redispatchCooldownMs: durationMs(s.redispatch_cooldown),
    feedMax: s.feed_max,
    feedCooldownMs: durationMs(s.feed_cooldown),
    staleHookAgeMs: durationMs(s.stale_hook_age),
  };
}

/** The town's deacon thresholds; a bad value is a ConfigFileError naming the key. */
export function loadDeaconThresholds(town: Town): DeaconThresholds {
  const raw = (loadTownSettings(town.root) as { deacon?: unknown }).deacon ?? {};
  const parsed = deaconSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = ["deacon", ...issue.path.map(String), ...("keys" in issue ? [issue.keys.join(",")] : [])];
    throw new ConfigFileError(settingsFile(town.root), `${key.join(".")}: ${issue.message}`);
  }
  return toThresholds(parsed.data);
}

/** A duration given on the command line ("90s", "5m"); a bad one is one clear error. */
export function durationFlag(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!duration.safeParse(text).success)
    throw new ValidationError(`${flag}: "${text}" is not a duration such as 500ms, 30s, 15m or 2h`);
  return durationMs(text);
}
