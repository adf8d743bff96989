// The dashboard's live state, driven by writes, not by polling: file watches on what gt and bd write
// — the town's .events.jsonl (every gt lifecycle event), each ledger's issues.jsonl (bd
// writes it on every change; bd logs no town event) and mayor/rigs.json — trigger one read
// of the town; the panels' HTML goes out to subscribers only when it differs from the last.
// Reads never write those files, so a refresh cannot trigger itself. Only the clock of the
// patrol's time-based verdicts (CLOCK_MS) reads without a write.
import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { locate, rigBeadsDir } from "../town/ledgers.ts";
import { RIGS_JSON, type Town } from "../town/workspace.ts";
import {
  assembleDashboard,
  type DashboardState,
  readLedgerParts,
  readSessionParts,
  type SessionParts,
} from "./state.ts";
import { type PanelId, renderPanels } from "./views.ts";

export const EVENTS_FILE = ".events.jsonl";
/** Writes come in bursts (a sling touches several files): one read per burst. */
export const DEBOUNCE_MS = 40;
/**
 * The one read no write triggers: a polecat with hooked work turns stalled or GUPP-late by
 * time passing alone, so while a page is open and some polecat has work on its hook, the
 * town is read again this often (quiet times show in whole minutes, so an unchanged town
 * sends nothing). A town with no hooked work is not read at all while nothing is written.
 */
export const CLOCK_MS = 60_000;

export interface Snapshot {
  version: number;
  hash: string;
  panels: Record<PanelId, string>;
}

type Listener = (s: Snapshot) => void;

/** The files whose writes mean "look again", as directory -> file names in it. */
function watchedFiles(town: Town): Map<string, Set<string>> {
  const files = [join(town.root, EVENTS_FILE), town.path(RIGS_JSON), locate(town.beadsDir).jsonlPath];
  for (const rig of town.rigNames()) files.push(locate(rigBeadsDir(town, rig)).jsonlPath);
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const set = byDir.get(dirname(f)) ?? new Set();
    set.add(basename(f));
    byDir.set(dirname(f), set);
  }
  return byDir;
}

export class LiveTown {
  private listeners = new Set<Listener>();
  private watchers = new Map<string, FSWatcher>();
  private names = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private clock: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private last: Snapshot | undefined;
  /** The last screens and verdicts, shown with the next ledger read until it has its own. */
  private sessions: SessionParts | undefined;
  /** Reads of the town so far (the bench and tests check that idle means none). */
  reads = 0;

  readonly town: Town;
  readonly provider: RuntimeProvider;
  private readonly clockMs: number;

  constructor(town: Town, provider: RuntimeProvider, opts: { clockMs?: number } = {}) {
    this.town = town;
    this.provider = provider;
    this.clockMs = opts.clockMs ?? CLOCK_MS;
  }

  /** The current panels, read now if nothing was read yet. */
  async snapshot(): Promise<Snapshot> {
    if (!this.last) await this.refresh();
    return this.last!;
  }

  /** Calls `fn` with every new snapshot; the watches run while anyone listens. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.syncWatches();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.names.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.clock) clearTimeout(this.clock);
    this.clock = undefined;
  }

  /** Reads the town once (a read already under way is followed by one more). */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          await this.readOnce();
        } while (this.again);
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    this.reads++;
    const ledger = await readLedgerParts(this.town, this.provider);
    // A write's change (a bead closed, mail sent) goes out before the screens and the
    // patrol's verdicts are read again: those wait on tmux and git, and follow in a moment.
    if (this.sessions && this.listeners.size > 0) this.publish(assembleDashboard(ledger, this.sessions));
    this.sessions = await readSessionParts(this.town, this.provider, ledger.agents);
    const state = assembleDashboard(ledger, this.sessions);
    this.armClock(state.polecats.some((p) => p.bead !== null));
    this.publish(state);
  }

  private publish(state: DashboardState): void {
    const panels = renderPanels(state);
    const hash = createHash("sha1").update(JSON.stringify(panels)).digest("hex").slice(0, 16);
    if (this.last?.hash === hash) return;
    this.last = { version: (this.last?.version ?? 0) + 1, hash, panels };
    for (const fn of this.listeners) fn(this.last);
    if (this.listeners.size > 0) this.syncWatches(); // a rig added since: watch its ledger too
  }

  /** Schedules the next clock read (or none), counted from this read. */
  private armClock(hooked: boolean): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = undefined;
    if (!hooked || this.listeners.size === 0) return;
    this.clock = setTimeout(this.changed, this.clockMs);
    this.clock.unref();
  }

  private changed = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().catch(() => {
        // a ledger mid-rebuild: the next write triggers another read
      });
    }, DEBOUNCE_MS);
  };

  private syncWatches(): void {
    let wanted: Map<string, Set<string>>;
    try {
      wanted = watchedFiles(this.town);
    } catch {
      return;
    }
    this.names = wanted;
    for (const [dir, w] of this.watchers)
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    for (const dir of wanted.keys()) {
      if (this.watchers.has(dir)) continue;
      try {
        // The directory, not the file: issues.jsonl is replaced by a rename on every export.
        const w = watch(dir, { persistent: false }, (_e, name) => {
          if (name && this.names.get(dir)?.has(String(name))) this.changed();
        });
        w.on("error", () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // a rig without a ledger directory yet: picked up on a later read
      }
    }
  }
}
