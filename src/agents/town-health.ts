// `gt health`: is the town in working order — every ledger opens and reads, its JSONL export
// keeps up, the daemon runs (or is cleanly stopped), no agent is quarantined, a zombie, or
// sitting on hooked work with no session. Each thing wrong is one line in `problems`.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { locate, openRigLedger, openTownLedger, rigBeadsDir } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { daemonStatus } from "../watch/daemon-control.ts";
import { type AgentProblem, checkAgents } from "./health.ts";

export interface LedgerHealth {
  /** null for the town's own (hq) ledger. */
  rig: string | null;
  ok: boolean;
  error: string | null;
  issues: number;
  open: number;
  /** How far the JSONL export's last write trails the database's, in seconds; null without one. */
  jsonl_behind_seconds: number | null;
}

export interface TownHealth {
  at: string;
  healthy: boolean;
  problems: string[];
  ledgers: LedgerHealth[];
  daemon: {
    running: boolean;
    pid: number | null;
    stale_pid: number | null;
    quarantined: string[];
    backing_off: string[];
  };
  agents: { total: number; running: number; problems: AgentProblem[] };
}

/** An export more than this far behind its database means exports have stopped. */
const JSONL_LAG_LIMIT_S = 15 * 60;

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

async function ledgerHealth(town: Town, rig: string | null): Promise<LedgerHealth | undefined> {
  const beadsDir = rig ? rigBeadsDir(town, rig) : join(town.root, ".beads");
  if (!existsSync(beadsDir)) return undefined;
  const where = locate(beadsDir);
  const base = { rig, issues: 0, open: 0, jsonl_behind_seconds: null };
  let ledger: ReturnType<typeof openTownLedger>;
  try {
    ledger = rig ? openRigLedger(town, rig) : openTownLedger(town);
  } catch (e) {
    return { ...base, ok: false, error: (e as Error).message.split("\n")[0]! };
  }
  try {
    const byStatus = (await ledger.countIssues({ all: true, includeInfra: true }, "status")) as Record<
      string,
      number
    >;
    const issues = Object.values(byStatus).reduce((a, b) => a + b, 0);
    const db = Math.max(mtime(where.dbPath) ?? 0, mtime(`${where.dbPath}-wal`) ?? 0);
    const jsonl = mtime(where.jsonlPath);
    return {
      rig,
      ok: true,
      error: null,
      issues,
      open: (byStatus.open ?? 0) + (byStatus.in_progress ?? 0) + (byStatus.hooked ?? 0),
      jsonl_behind_seconds: jsonl === undefined ? null : Math.max(0, Math.round((db - jsonl) / 1000)),
    };
  } catch (e) {
    return { ...base, ok: false, error: (e as Error).message.split("\n")[0]! };
  } finally {
    await ledger.close();
  }
}

export async function townHealth(town: Town, provider: RuntimeProvider): Promise<TownHealth> {
  const problems: string[] = [];
  const ledgers: LedgerHealth[] = [];
  for (const rig of [null, ...town.rigNames()]) {
    const h = await ledgerHealth(town, rig);
    if (!h) continue;
    ledgers.push(h);
    const name = rig ?? "hq (town)";
    if (!h.ok) problems.push(`ledger ${name} does not read: ${h.error}`);
    else if (h.jsonl_behind_seconds !== null && h.jsonl_behind_seconds > JSONL_LAG_LIMIT_S)
      problems.push(
        `ledger ${name}: its JSONL export is ${Math.round(h.jsonl_behind_seconds / 60)} min behind`,
      );
  }
  const d = daemonStatus(town);
  if (d.stale_pid)
    problems.push(
      `daemon: a pid file names ${d.stale_pid.pid}, which is ${d.stale_pid.why === "dead" ? "gone" : "another program"}`,
    );
  for (const q of d.quarantined)
    problems.push(`agent ${q.agent} is quarantined since ${q.since} (gt daemon clear-backoff)`);
  const a = await checkAgents(town, provider);
  for (const p of a.problems) problems.push(`agent ${p.address}: ${p.detail}`);
  return {
    at: new Date().toISOString(),
    healthy: problems.length === 0,
    problems,
    ledgers,
    daemon: {
      running: d.running,
      pid: d.pid,
      stale_pid: d.stale_pid?.pid ?? null,
      quarantined: d.quarantined.map((q) => q.agent),
      backing_off: d.backing_off.map((b) => b.agent),
    },
    agents: {
      total: a.agents.length,
      running: a.agents.filter((x) => x.running).length,
      problems: a.problems,
    },
  };
}
