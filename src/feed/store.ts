// What the feed's view subscribes to: the curated stream (fed by the follower), the latest
// activity per agent and the town snapshot. Listeners hear of every change; the view redraws
// on them, so nothing draws on a timer.
import { Curator, type CuratorOptions } from "../events/curate.ts";
import type { TownEvent } from "../events/log.ts";
import { ActivityIndex, EMPTY_SNAPSHOT, type FeedSnapshot, itemInRig } from "./model.ts";

export class FeedStore {
  readonly curator: Curator;
  readonly activity = new ActivityIndex();
  snapshot: FeedSnapshot = EMPTY_SNAPSHOT;
  /** Grows on every change (a cheap "did anything change" for the view). */
  version = 0;
  private readonly listeners = new Set<() => void>();

  readonly rig: string | undefined;

  constructor(rig?: string, curator: CuratorOptions = {}) {
    this.rig = rig;
    this.curator = new Curator(curator);
  }

  /** Folds one event in (audit-only events and, with a rig, other rigs' events are left out). */
  push(e: TownEvent): void {
    if (!this.curator.push(e)) return;
    this.activity.note(e);
    this.changed();
  }

  setSnapshot(s: FeedSnapshot): void {
    this.snapshot = s;
    this.changed();
  }

  /** The stream's items, oldest first (only the rig's with --rig). */
  items() {
    const all = this.curator.items();
    const rig = this.rig;
    return rig ? all.filter((i) => itemInRig(i, rig)) : all;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.version += 1;
    for (const fn of this.listeners) fn();
  }
}
