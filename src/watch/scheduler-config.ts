// The scheduler's settings and its one state file (spec §5.2). Settings are `scheduler` in
// the town's settings/config.json: max_polecats (-1 or 0: slings dispatch at once; N > 0:
// at most N polecats hold work town-wide, the rest wait in the queue), batch_size (beads per
// dispatch pass) and spawn_delay (a pause between two dispatches). The state file
// (.runtime/scheduler-state.json) says whether dispatch is paused, by whom, and what the
// last dispatch did. The queue itself is on the beads (work/sling-queue.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { durationMs } from "../comms/escalation.ts";
import * as z from "../schema.ts";
import { ConfigFileError, writeJsonFile } from "../town/json-file.ts";
import { loadTownSettings, settingsFile } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";

const duration = z.string().check(z.regex(/^\d+(\.\d+)?(ms|s|m|h)$/, "a duration such as 0s, 500ms or 3s"));

export const schedulerSettingsSchema = z.lazy(() =>
  z.looseObject({
    max_polecats: z._default(z.int().check(z.gte(-1)), -1),
    batch_size: z._default(z.int().check(z.gte(1)), 1),
    spawn_delay: z._default(duration, "0s"),
  }),
);

export interface SchedulerConfig {
  /** -1 or 0: no town-wide cap. */
  maxPolecats: number;
  batchSize: number;
  spawnDelayMs: number;
}

/** The town's scheduler settings; a bad value is one error naming the file and the key. */
export function loadSchedulerConfig(town: Town): SchedulerConfig {
  const raw = (loadTownSettings(town.root) as { scheduler?: unknown }).scheduler ?? {};
  const parsed = schedulerSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length ? `.${issue.path.join(".")}` : "";
    throw new ConfigFileError(settingsFile(town.root), `scheduler${key}: ${issue.message}`);
  }
  return {
    maxPolecats: parsed.data.max_polecats,
    batchSize: parsed.data.batch_size,
    spawnDelayMs: durationMs(parsed.data.spawn_delay),
  };
}

export interface SchedulerState {
  paused: boolean;
  paused_by: string | null;
  paused_at: string | null;
  last_dispatch_at: string | null;
  last_dispatch_count: number;
}

const EMPTY: SchedulerState = {
  paused: false,
  paused_by: null,
  paused_at: null,
  last_dispatch_at: null,
  last_dispatch_count: 0,
};

export const SCHEDULER_STATE = "scheduler-state.json";

export function schedulerStateFile(town: Town): string {
  return join(town.runtimeDir, SCHEDULER_STATE);
}

/** The lock every dispatch (the daemon's, gt scheduler run, a capped gt sling) holds. */
export function dispatchLockFile(town: Town): string {
  return join(town.runtimeDir, "locks", "scheduler-dispatch.lock");
}

/**
 * The state file; missing means "never paused, never dispatched". An unreadable one reads
 * as not paused and is rewritten whole by the next change (the queue is on the beads, so
 * nothing of the queue is lost with it).
 */
export function loadSchedulerState(town: Town): SchedulerState {
  const file = schedulerStateFile(town);
  if (!existsSync(file)) return { ...EMPTY };
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<SchedulerState>;
    return {
      paused: raw.paused === true,
      paused_by: typeof raw.paused_by === "string" ? raw.paused_by : null,
      paused_at: typeof raw.paused_at === "string" ? raw.paused_at : null,
      last_dispatch_at: typeof raw.last_dispatch_at === "string" ? raw.last_dispatch_at : null,
      last_dispatch_count: typeof raw.last_dispatch_count === "number" ? raw.last_dispatch_count : 0,
    };
  } catch {
    return { ...EMPTY };
  }
}

/** Changes the state file, re-reading it first so a pause written meanwhile is kept. */
export function updateSchedulerState(town: Town, change: (s: SchedulerState) => void): SchedulerState {
  const state = loadSchedulerState(town);
  change(state);
  writeJsonFile(schedulerStateFile(town), state);
  return state;
}
