// The curated feed (spec §6.1): the raw event stream made readable. Audit-only events are
// dropped; an identical event repeated within the dedup window becomes one line with a count
// ("×4"); three or more related events within the burst window (slings to one rig, merges in
// one rig, spawns, mail to one address) become one aggregate line ("5 beads slung to alpha").
// Incremental: push events as the follower delivers them and re-render items().
import { detailOf, glyphOf, rigOf } from "./describe.ts";
import type { TownEvent } from "./log.ts";

export interface CuratorOptions {
  /** Identical events closer than this are one line with a count. */
  dedupWindowMs?: number;
  /** Related events closer than this (to the previous one) may aggregate. */
  burstWindowMs?: number;
  /** How many related events make an aggregate line. */
  burstMin?: number;
  /** Keep at most this many items (oldest dropped). */
  limit?: number;
}

export interface CuratedItem {
  /** Time of the latest event folded into this line. */
  ts: string;
  /** Time of the first. */
  first_ts: string;
  type: string;
  actor: string;
  glyph: string;
  text: string;
  /** How many events the line stands for (1 for a plain event). */
  count: number;
  kind: "event" | "repeat" | "burst";
  rig?: string;
  events: TownEvent[];
}

const DEFAULTS = { dedupWindowMs: 60_000, burstWindowMs: 30_000, burstMin: 3, limit: 500 };

/** The group related events share for burst aggregation, or undefined when a type never aggregates. */
function burstGroup(e: TownEvent): string | undefined {
  const p = e.payload ?? {};
  switch (e.type) {
    case "sling":
    case "done":
    case "merged":
    case "merge_failed":
    case "spawn":
    case "session_start":
    case "nudge":
    case "convoy_landed":
    case "bead_closed":
    case "bead_created":
      return `${e.type}|${rigOf(e) ?? ""}`;
    case "mail":
      return `mail|${typeof p.to === "string" ? p.to : ""}`;
    default:
      return undefined;
  }
}

function burstText(type: string, n: number, e: TownEvent): string {
  const rig = rigOf(e);
  const inRig = rig ? ` in ${rig}` : "";
  switch (type) {
    case "sling":
      return `${n} beads slung${rig ? ` to ${rig}` : ""}`;
    case "done":
      return `${n} beads done${inRig}`;
    case "merged":
      return `${n} merges landed${inRig}`;
    case "merge_failed":
      return `${n} merges failed${inRig}`;
    case "spawn":
      return `${n} polecats spawned${inRig}`;
    case "session_start":
      return `${n} sessions started${inRig}`;
    case "nudge":
      return `${n} nudges${inRig}`;
    case "convoy_landed":
      return `${n} convoys landed`;
    case "bead_closed":
      return `${n} beads closed${inRig} (batch complete)`;
    case "bead_created":
      return `${n} beads created${inRig}`;
    case "mail":
      return `${n} mails to ${typeof e.payload?.to === "string" ? e.payload.to : "?"}`;
    default:
      return `${n} ${type} events`;
  }
}

function dedupKey(e: TownEvent): string {
  return `${e.type}|${e.actor}|${JSON.stringify(e.payload ?? {})}`;
}

function single(e: TownEvent): CuratedItem {
  const rig = rigOf(e);
  return {
    ts: e.ts,
    first_ts: e.ts,
    type: e.type,
    actor: e.actor,
    glyph: glyphOf(e.type),
    text: detailOf(e),
    count: 1,
    kind: "event",
    ...(rig ? { rig } : {}),
    events: [e],
  };
}

function time(ts: string): number {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? 0 : t;
}

export class Curator {
  private readonly o: Required<CuratorOptions>;
  private list: CuratedItem[] = [];

  constructor(opts: CuratorOptions = {}) {
    this.o = { ...DEFAULTS, ...opts };
  }

  /** Folds one event in; returns the item it landed in (new or updated), or undefined if dropped. */
  push(e: TownEvent): CuratedItem | undefined {
    if (e.visibility === "audit") return undefined;
    const at = time(e.ts);
    const key = dedupKey(e);
    // A repeat of a recent identical event: count it on that line.
    for (let i = this.list.length - 1; i >= 0; i--) {
      const item = this.list[i] as CuratedItem;
      if (at - time(item.ts) > this.o.dedupWindowMs) break;
      if (item.kind !== "burst" && dedupKey(item.events[0] as TownEvent) === key) {
        item.count += 1;
        item.ts = e.ts;
        item.kind = "repeat";
        item.events.push(e);
        item.text = `${detailOf(e)} (×${item.count})`;
        return item;
      }
    }
    const group = burstGroup(e);
    if (group !== undefined) {
      const related: number[] = [];
      let last = at;
      for (let i = this.list.length - 1; i >= 0; i--) {
        const item = this.list[i] as CuratedItem;
        if (last - time(item.ts) > this.o.burstWindowMs) break;
        const first = item.events[0] as TownEvent;
        if (burstGroup(first) === group) {
          related.push(i);
          last = time(item.first_ts);
        }
      }
      const n = related.reduce((sum, i) => sum + (this.list[i] as CuratedItem).events.length, 0) + 1;
      if (related.length > 0 && n >= this.o.burstMin) {
        // Fold the related lines and this event into one aggregate line at the newest position.
        const events = related
          .sort((a, b) => a - b)
          .flatMap((i) => (this.list[i] as CuratedItem).events)
          .concat(e);
        const drop = new Set(related);
        this.list = this.list.filter((_, i) => !drop.has(i));
        const first = events[0] as TownEvent;
        const item: CuratedItem = {
          ...single(e),
          first_ts: first.ts,
          count: events.length,
          kind: "burst",
          text: burstText(e.type, events.length, e),
          events,
        };
        this.list.push(item);
        return item;
      }
    }
    const item = single(e);
    this.list.push(item);
    if (this.list.length > this.o.limit) this.list.splice(0, this.list.length - this.o.limit);
    return item;
  }

  /** The curated lines, oldest first. */
  items(): CuratedItem[] {
    return this.list;
  }
}

/** The curated feed of a list of events, oldest first. */
export function curate(events: Iterable<TownEvent>, opts: CuratorOptions = {}): CuratedItem[] {
  const c = new Curator(opts);
  for (const e of events) c.push(e);
  return c.items();
}
