// The town's audit stream, `<town>/.events.jsonl`: one JSON object per line, appended by
// every gt process. Each event is written with one append-mode write, which the kernel
// keeps whole even when many agents log at once, so no lock is needed. Logging is
// best-effort: a full disk must not fail the command that did the work.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const EVENTS_FILE = ".events.jsonl";

export type EventVisibility = "audit" | "feed" | "both";

export interface TownEvent {
  ts: string;
  source: "gt";
  type: string;
  actor: string;
  payload: Record<string, unknown>;
  visibility: EventVisibility;
}

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
