// gt vitals: the town's health on one screen — sessions, machine load and memory, disk, the
// size of each ledger and log, and how deep the queues are (merge requests, the scheduler's
// queue, hooked work, open escalations). Read-only and quick: file stats and counts.
import { existsSync, statfsSync, statSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { ESCALATION_LABEL } from "../comms/escalation.ts";
import { EVENTS_FILE, TOWN_LOG } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { locate, openRigLedger, openTownLedger, rigBeadsDir } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { listMergeRequests } from "../work/merge-requests.ts";
import { readQueue } from "../work/sling-queue.ts";

export interface LedgerVitals {
  /** null for the town's own (hq) ledger. */
  rig: string | null;
  db_bytes: number;
  jsonl_bytes: number;
  open: number;
  in_progress: number;
  hooked: number;
  closed: number;
  /** Merge requests waiting (open or being merged); rigs only. */
  merge_queue: number;
}

export interface Vitals {
  at: string;
  sessions: { running: number; names: string[] };
  machine: {
    cpus: number;
    load: [number, number, number];
    /** 1-minute load per core: above 1 the machine is oversubscribed. */
    load_per_core: number;
    mem_total_bytes: number;
    mem_free_bytes: number;
  };
  disk: { path: string; total_bytes: number; free_bytes: number; used_pct: number } | null;
  logs: { events_bytes: number; town_log_bytes: number };
  ledgers: LedgerVitals[];
  queues: { merge_requests: number; scheduled: number; hooked: number; escalations_open: number };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The database's size with its write-ahead log, which holds recent writes until a checkpoint. */
function dbBytes(dbPath: string): number {
  return sizeOf(dbPath) + sizeOf(`${dbPath}-wal`);
}

export async function gatherVitals(town: Town, provider: RuntimeProvider): Promise<Vitals> {
  const sessions = await provider.list().catch(() => []);
  const ledgers: LedgerVitals[] = [];
  let escalations = 0;
  const targets: Array<[string | null, string]> = [
    [null, join(town.root, ".beads")],
    ...town.rigNames().map((r): [string, string] => [r, rigBeadsDir(town, r)]),
  ];
  for (const [rig, beadsDir] of targets) {
    if (!existsSync(beadsDir)) continue;
    const where = locate(beadsDir);
    let ledger: ReturnType<typeof openTownLedger>;
    try {
      ledger = rig ? openRigLedger(town, rig) : openTownLedger(town);
    } catch {
      continue; // a ledger that cannot open is gt doctor's business; vitals shows the rest
    }
    try {
      const byStatus = (await ledger.countIssues({ all: true, includeInfra: true }, "status")) as Record<
        string,
        number
      >;
      const mrs = rig ? await listMergeRequests(ledger, { status: ["open", "in_progress"] }) : [];
      if (!rig)
        escalations = (await ledger.countIssues({
          labels: [ESCALATION_LABEL],
          includeInfra: true,
        })) as number;
      ledgers.push({
        rig,
        db_bytes: dbBytes(where.dbPath),
        jsonl_bytes: sizeOf(where.jsonlPath),
        open: byStatus.open ?? 0,
        in_progress: byStatus.in_progress ?? 0,
        hooked: byStatus.hooked ?? 0,
        closed: byStatus.closed ?? 0,
        merge_queue: mrs.length,
      });
    } finally {
      await ledger.close();
    }
  }
  const scheduled = (await readQueue(town).catch(() => ({ queued: [] }))).queued.length;
  let disk: Vitals["disk"] = null;
  try {
    const fs = statfsSync(town.root);
    const total = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    disk = {
      path: town.root,
      total_bytes: total,
      free_bytes: free,
      used_pct: total ? ((total - free) / total) * 100 : 0,
    };
  } catch {
    disk = null;
  }
  const load = loadavg() as [number, number, number];
  const cores = cpus().length || 1;
  return {
    at: new Date().toISOString(),
    sessions: { running: sessions.length, names: sessions.map((s) => s.name).sort() },
    machine: {
      cpus: cores,
      load,
      load_per_core: load[0] / cores,
      mem_total_bytes: totalmem(),
      mem_free_bytes: freemem(),
    },
    disk,
    logs: {
      events_bytes: sizeOf(join(town.root, EVENTS_FILE)),
      town_log_bytes: sizeOf(join(town.root, TOWN_LOG)),
    },
    ledgers,
    queues: {
      merge_requests: ledgers.reduce((n, l) => n + l.merge_queue, 0),
      scheduled,
      hooked: ledgers.reduce((n, l) => n + l.hooked, 0),
      escalations_open: escalations,
    },
  };
}
