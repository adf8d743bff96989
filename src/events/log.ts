// The town's audit stream, `<town>/.events.jsonl`: one JSON object per line, appended by
// every gt process. Each event is written with one append-mode write, which the kernel
// keeps whole even when many agents log at once, so no lock is needed. Logging is
// best-effort: a full disk must not fail the command that did the work.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { countMetric, logRecord, telemetryOn } from "../adapters/otel.ts";
import { townLogLine } from "./describe.ts";
import type { EventVisibility, TownEvent } from "./event.ts";

export type { EventVisibility, TownEvent } from "./event.ts";

export const EVENTS_FILE = ".events.jsonl";
/** The human lifecycle log (spec §6.1), one line per lifecycle event. */
export const TOWN_LOG = join("logs", "town.log");

/** The events a person reading the town log follows an agent's life by. */
export const LIFECYCLE_TYPES: readonly string[] = [
  "spawn",
  "wake",
  "nudge",
  "handoff",
  "done",
  "crash",
  "kill",
  "force_kill",
  "callback",
  "session_start",
  "session_end",
  "session_death",
  "mass_death",
  "respawn_failed",
];
const IS_LIFECYCLE = new Set(LIFECYCLE_TYPES);

/** Appends one event; never throws. */
export function logEvent(
  townRoot: string,
  type: string,
  actor: string,
  payload: Record<string, unknown> = {},
  visibility: EventVisibility = "feed",
): void {
  const event: TownEvent = { ts: new Date().toISOString(), source: "gt", type, actor, payload, visibility };
  try {
    appendFileSync(join(townRoot, EVENTS_FILE), `${JSON.stringify(event)}\n`);
  } catch {
    // best-effort by design
  }
  if (IS_LIFECYCLE.has(type)) appendTownLog(townRoot, event);
  exportEvent(event);
}

/** Spec §6.4's counters that events stand for (the rest are counted where they happen). */
const EVENT_COUNTERS: Record<string, string> = {
  sling: "sling.dispatches.total",
  done: "done.total",
  spawn: "polecat.spawns.total",
  polecat_identity_remove: "polecat.removes.total",
  session_start: "session.starts.total",
  session_end: "session.stops.total",
  session_death: "session.stops.total",
  nudge: "nudge.total",
  mail: "mail.operations.total",
  convoy_created: "convoy.creates.total",
};

/** Spec §6.4's log event names where they differ from ours. */
const LOG_NAMES: Record<string, string> = { session_start: "session.start", session_end: "session.stop" };

/** The event as OpenTelemetry counters and a log record (nothing happens when telemetry is off). */
function exportEvent(e: TownEvent): void {
  // Every gt command logs events: with telemetry off, build no attributes and no JSON.
  if (!telemetryOn()) return;
  const counter = EVENT_COUNTERS[e.type];
  if (counter) countMetric(counter, { type: e.type });
  const attrs: Record<string, string | number | boolean> = { actor: e.actor, "gt.event": e.type };
  for (const [k, v] of Object.entries(e.payload))
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") attrs[k] = v;
  logRecord(LOG_NAMES[e.type] ?? e.type, JSON.stringify(e.payload), attrs);
}

function appendTownLog(townRoot: string, event: TownEvent): void {
  const line = `${townLogLine(event)}\n`;
  try {
    appendFileSync(join(townRoot, TOWN_LOG), line);
  } catch {
    try {
      // A town made before logs/ existed: make it once, then write.
      if (!existsSync(townRoot)) return;
      mkdirSync(join(townRoot, "logs"), { recursive: true });
      appendFileSync(join(townRoot, TOWN_LOG), line);
    } catch {
      // best-effort by design
    }
  }
}

/** Every event logged so far, oldest first; unreadable lines are skipped. */
export function readEvents(townRoot: string): TownEvent[] {
  const file = join(townRoot, EVENTS_FILE);
  if (!existsSync(file)) return [];
  const out: TownEvent[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as TownEvent);
    } catch {
      // a torn or hand-edited line
    }
  }
  return out;
}
