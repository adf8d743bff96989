// Reading the event log with the filters gt log, gt activity, gt audit and gt trail share:
// since, rig, agent (an address prefix), type and actor. A filter is one predicate so the
// replay (readEvents) and the live tail (followEvents) keep exactly the same events.

import { durationMs } from "../duration.ts";
import { ValidationError } from "../errors.ts";
import { agentsOf, rigOf } from "./describe.ts";
import type { TownEvent } from "./log.ts";

export interface EventFilter {
  /** Only events at or after this time (ms since the epoch). */
  since?: number | undefined;
  /** Only events about this rig. */
  rig?: string | undefined;
  /** Only events whose actor or payload names an agent starting with this (`alpha/`, `mayor`). */
  agent?: string | undefined;
  /** Only these types. */
  types?: string[] | undefined;
  /** Only events whose actor contains this (gt audit --actor: a partial match). */
  actor?: string | undefined;
  /** Only events meant for the feed (visibility feed or both), as gt activity shows. */
  feedOnly?: boolean | undefined;
}

/**
 * `--since` as users write it: a duration back from now (`30m`, `1h`, `7d`) or a time
 * (`2026-12-01T10:00:00Z`, `2026-12-01`). One clear error otherwise.
 */
export function parseSince(text: string, now = Date.now()): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const at = Date.parse(t);
    if (Number.isNaN(at))
      throw new ValidationError(`invalid --since "${text}" (a duration like 1h, or a time)`);
    return at;
  }
  try {
    // A bare number has no unit a person would agree on: refused rather than read as seconds.
    if (/^\d+$/.test(t)) throw new ValidationError("no unit");
    return now - durationMs(t, "--since");
  } catch {
    throw new ValidationError(
      `invalid --since "${text}" (a duration like 30m, 1h, 7d, or a time like 2026-12-01T10:00Z)`,
    );
  }
}

/** Types given as `a,b` or repeated; empty parts dropped. */
export function parseTypes(raw: string | string[] | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((r) => r.split(",")).map((s) => s.trim());
  const types = list.filter(Boolean);
  return types.length > 0 ? types : undefined;
}

/** The filter as one predicate over an event. */
export function eventMatcher(f: EventFilter): (e: TownEvent) => boolean {
  return (e) => {
    if (f.since !== undefined && !(Date.parse(e.ts) >= f.since)) return false;
    if (f.types && !f.types.includes(e.type)) return false;
    if (f.feedOnly && e.visibility === "audit") return false;
    if (f.rig && rigOf(e) !== f.rig) return false;
    if (f.agent && !agentsOf(e).some((a) => a.startsWith(f.agent!))) return false;
    if (f.actor && !agentsOf(e).some((a) => a.includes(f.actor!))) return false;
    return true;
  };
}

/** The last `limit` of `events` (all of them with 0). */
export function lastOf<T>(events: T[], limit: number): T[] {
  return limit > 0 && events.length > limit ? events.slice(events.length - limit) : events;
}
