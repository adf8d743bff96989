// Cheap change detection for patrols that run on a timer (the script witness and deacon).
// A full `gt patrol scan` is a process that reads ledgers, sessions and sandboxes; in an idle
// town it finds nothing, cycle after cycle. Before each cycle the patrolling agent asks
// `PatrolGate` whether a scan could find anything new: it could when the inputs changed
// (the ledgers' files, the sessions, the polecats' directories and heartbeats, e-stops,
// settings — file stats and one session list), when the last scan found something, when
// a rig is busy (a live polecat session or held work, whose findings come with time:
// stalls, grace periods, idle reaps), and at least every `backstopMs`. Otherwise the
// cycle costs a few stats.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { estopFile } from "../town/estop.ts";
import { sessionNameOf } from "../town/identity.ts";
import { locate, openLedgerFor, rigBeadsDir } from "../town/ledgers.ts";
import { polecatNames } from "../town/roster.ts";
import { settingsFile } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "../work/hook.ts";

/** A full scan at least this often, whatever the gate sees. */
export const PATROL_BACKSTOP_MS = 10 * 60_000;

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return "-";
  }
}

function ledgerStamps(beadsDir: string): string {
  const loc = locate(beadsDir);
  return [loc.dbPath, `${loc.dbPath}-wal`, loc.jsonlPath].map(stamp).join(",");
}

function listing(dir: string): string {
  try {
    return readdirSync(dir).sort().join(",");
  } catch {
    return "-";
  }
}

/** Everything a patrol of `rigs` reads that can change without time passing, as one string. */
export function patrolFingerprint(town: Town, rigs: string[], sessions: SessionInfo[]): string {
  const parts = [
    ledgerStamps(town.beadsDir),
    stamp(settingsFile(town.root)),
    stamp(estopFile(town.root)),
    stamp(join(town.runtimeDir, "heartbeats")),
    sessions
      .map((s) => `${s.name}:${s.alive ? 1 : 0}:${s.pid ?? ""}`)
      .sort()
      .join(","),
  ];
  for (const rig of rigs) {
    parts.push(rig, stamp(estopFile(town.root, rig)), listing(join(town.rigDir(rig), "polecats")));
    try {
      parts.push(ledgerStamps(rigBeadsDir(town, rig)));
    } catch {
      parts.push("no-ledger");
    }
  }
  return parts.join("|");
}

/** A rig whose findings depend on time: a polecat session runs, or work is held there. */
async function busy(town: Town, rig: string, sessions: SessionInfo[]): Promise<boolean> {
  const live = new Set(sessions.filter((s) => s.alive).map((s) => s.name));
  const prefix = town.prefixOf(rig);
  if (polecatNames(town, rig).some((name) => live.has(sessionNameOf({ role: "polecat", rig, name }, prefix))))
    return true;
  for (const ledgerRig of [rig, undefined]) {
    const ledger = openLedgerFor(town, ledgerRig);
    try {
      const held = await ledger.listIssues({ statuses: [HOOKED, "in_progress"], includeInfra: true });
      if (held.some((b) => ledgerRig !== undefined || b.assignee?.startsWith(`${rig}/`))) return true;
    } finally {
      await ledger.close();
    }
  }
  return false;
}

export interface GateVerdict {
  due: boolean;
  why: string;
  fingerprint: string;
  /** A rig is busy (equal fingerprints: equal answer, so it is asked only when they differ). */
  busy: boolean;
}

export class PatrolGate {
  private last: { fingerprint: string; busy: boolean; at: number; findings: number } | undefined;
  private readonly backstopMs: number;

  constructor(backstopMs = PATROL_BACKSTOP_MS) {
    this.backstopMs = backstopMs;
  }

  /** Whether a scan of `rigs` could find anything the last one did not. */
  async check(town: Town, provider: RuntimeProvider, rigs: string[]): Promise<GateVerdict> {
    const sessions = await provider.list();
    const fingerprint = patrolFingerprint(town, rigs, sessions);
    const last = this.last;
    if (!last || last.fingerprint !== fingerprint) {
      let isBusy = false;
      for (const rig of rigs) if (!isBusy) isBusy = await busy(town, rig, sessions);
      return { due: true, why: last ? "something changed" : "first scan", fingerprint, busy: isBusy };
    }
    const verdict = (due: boolean, why: string) => ({ due, why, fingerprint, busy: last.busy });
    if (last.findings > 0) return verdict(true, "the last scan found something");
    if (last.busy) return verdict(true, "polecats are at work");
    if (Date.now() - last.at >= this.backstopMs) return verdict(true, "backstop");
    return verdict(false, "nothing changed");
  }

  /** Records a scan made on the inputs the verdict saw (taken before it ran). */
  scanned(v: GateVerdict, findings: number): void {
    this.last = { fingerprint: v.fingerprint, busy: v.busy, at: Date.now(), findings };
  }
}
