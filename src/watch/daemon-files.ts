// The daemon's files under <town>/daemon/ (spec §4.1): the pid file with its ownership
// nonce, the state file, the rotated log, and the two locks — shutdown.lock, held by
// gt down so the daemon does not restart what is being stopped, and reconcile.lock, held
// by the daemon for each pass (gt up and gt down take it to wait out a pass in flight).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { lazyCrypto } from "../lazy.ts";
import { processAlive } from "../process-alive.ts";
import { hasProcFs } from "../runtime/support.ts";
import * as z from "../schema.ts";
import type { Town } from "../town/workspace.ts";

export const NONCE_ENV = "GT_DAEMON_NONCE";

export function daemonDir(town: Town): string {
  return town.path("daemon");
}

export const daemonPaths = (town: Town) => {
  const dir = daemonDir(town);
  return {
    dir,
    pid: join(dir, "daemon.pid"),
    state: join(dir, "state.json"),
    log: join(dir, "daemon.log"),
    /** Held briefly while a daemon claims the pid file (two starting at once). */
    claim: join(dir, "daemon.lock"),
    shutdown: join(dir, "shutdown.lock"),
    reconcile: join(dir, "reconcile.lock"),
    /** Backoffs and quarantines to clear, left by gt daemon clear-backoff for the running daemon. */
    clearRequest: join(dir, "clear-backoff.json"),
  };
};

export function newNonce(): string {
  return lazyCrypto().randomBytes(8).toString("hex");
}

// ---- pid file --------------------------------------------------------------------------

export interface PidFile {
  pid: number;
  nonce: string;
}

/** The pid file's pid and nonce; undefined when it is missing or does not hold a pid. */
export function readPidFile(town: Town): PidFile | undefined {
  try {
    const [pid, nonce] = readFileSync(daemonPaths(town).pid, "utf8").trim().split("\n");
    const n = Number(pid);
    return Number.isInteger(n) && n > 1 ? { pid: n, nonce: (nonce ?? "").trim() } : undefined;
  } catch {
    return undefined;
  }
}

export function writePidFile(town: Town, pid: number, nonce: string): void {
  const p = daemonPaths(town);
  mkdirSync(p.dir, { recursive: true });
  const tmp = `${p.pid}.tmp-${pid}`;
  writeFileSync(tmp, `${pid}\n${nonce}\n`);
  renameSync(tmp, p.pid);
}

/** Removes the pid file if it is still `nonce`'s (a newer daemon's is left alone). */
export function removePidFile(town: Town, nonce: string): void {
  if (readPidFile(town)?.nonce === nonce) rmSync(daemonPaths(town).pid, { force: true });
}

/** The nonce a process was started with (its environment), when it can be read. */
function nonceOf(pid: number): string | undefined {
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, "latin1").split("\0"))
      if (kv.startsWith(`${NONCE_ENV}=`)) return kv.slice(NONCE_ENV.length + 1);
    return "";
  } catch {
    return undefined;
  }
}

export type DaemonLiveness =
  | { state: "running"; pid: number; nonce: string }
  | { state: "stopped" }
  | { state: "stale"; pid: number; why: "dead" | "reused" };

/**
 * Whether the pid file names this town's running daemon. A live pid is the daemon's only
 * when that process carries the file's nonce: after a reboot or a crash the pid may belong
 * to another program by now, which is then left alone ("reused").
 */
export function daemonLiveness(town: Town): DaemonLiveness {
  const f = readPidFile(town);
  if (!f) return { state: "stopped" };
  if (!processAlive(f.pid)) return { state: "stale", pid: f.pid, why: "dead" };
  if (hasProcFs()) {
    const seen = nonceOf(f.pid);
    // Unreadable (another user's process): not ours either, a daemon runs as the town's user.
    if (seen === undefined || !f.nonce || seen !== f.nonce)
      return { state: "stale", pid: f.pid, why: "reused" };
    try {
      if (readFileSync(`/proc/${f.pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z"))
        return { state: "stale", pid: f.pid, why: "dead" };
    } catch {
      return { state: "stale", pid: f.pid, why: "dead" };
    }
  }
  return { state: "running", pid: f.pid, nonce: f.nonce };
}

// ---- state file ------------------------------------------------------------------------

const agentRecordSchema = z.lazy(() =>
  z.object({
    /** ISO times of the daemon's starts of this agent in the current streak (newest last). */
    restarts: z._default(z.array(z.string()), []),
    last_start: z._default(z.nullable(z.string()), null),
    backoff_until: z._default(z.nullable(z.string()), null),
    quarantined_at: z._default(z.nullable(z.string()), null),
    last_error: z._default(z.nullable(z.string()), null),
    escalation: z._default(z.nullable(z.string()), null),
  }),
);
export type AgentRecord = z.output<typeof agentRecordSchema>;

export const daemonStateSchema = z.lazy(() =>
  z.object({
    running: z._default(z.boolean(), false),
    pid: z._default(z.nullable(z.int()), null),
    started_at: z._default(z.nullable(z.string()), null),
    stopped_at: z._default(z.nullable(z.string()), null),
    last_heartbeat: z._default(z.nullable(z.string()), null),
    heartbeat_count: z._default(z.int(), 0),
    last_reconcile: z._default(z.nullable(z.string()), null),
    reconcile_count: z._default(z.int(), 0),
    last_mass_death: z._default(z.nullable(z.string()), null),
    agents: z._default(z.record(z.string(), agentRecordSchema), {}),
  }),
);
export type DaemonState = z.output<typeof daemonStateSchema>;

export function emptyAgentRecord(): AgentRecord {
  return agentRecordSchema.parse({});
}

export function emptyDaemonState(): DaemonState {
  return daemonStateSchema.parse({});
}

export interface LoadedState {
  state: DaemonState;
  /** Why the file could not be used (it was set aside and a fresh state begun). */
  rebuilt?: string;
}

/**
 * The state file, or a fresh state when there is none. A file that is not valid JSON or not
 * a state is never fatal: it is kept aside as state.json.corrupt-<time> and `rebuilt` says why.
 */
export function loadDaemonState(town: Town, opts: { setAside?: boolean } = {}): LoadedState {
  const file = daemonPaths(town).state;
  if (!existsSync(file)) return { state: emptyDaemonState() };
  let why: string;
  try {
    const parsed = daemonStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return { state: parsed.data };
    why = `${parsed.error.issues[0]!.path.join(".") || "(top level)"}: ${parsed.error.issues[0]!.message}`;
  } catch (e) {
    why = `not valid JSON (${(e as Error).message.split("\n")[0]})`;
  }
  if (opts.setAside) {
    try {
      renameSync(file, `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    } catch {
      // it is rewritten below either way
    }
  }
  return { state: emptyDaemonState(), rebuilt: why };
}

export function saveDaemonState(town: Town, state: DaemonState): void {
  const p = daemonPaths(town);
  mkdirSync(p.dir, { recursive: true });
  const tmp = `${p.state}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, p.state);
}

// ---- log -------------------------------------------------------------------------------

/** The daemon's log: one timestamped line per entry, rotated by size (daemon.log.1, .2, ...). */
export class DaemonLog {
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private size: number;

  constructor(town: Town, opts: { maxBytes: number; keep: number }) {
    this.file = daemonPaths(town).log;
    this.maxBytes = opts.maxBytes;
    this.keep = opts.keep;
    mkdirSync(daemonDir(town), { recursive: true });
    this.size = existsSync(this.file) ? statSync(this.file).size : 0;
  }

  write(line: string): void {
    const text = `${new Date().toISOString()} ${line.replace(/\n/g, " ")}\n`;
    try {
      if (this.size + text.length > this.maxBytes && this.size > 0) this.rotate();
      appendFileSync(this.file, text);
      this.size += Buffer.byteLength(text);
    } catch {
      // a full disk must not stop the daemon keeping agents alive
    }
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--)
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}

/** The last `lines` lines of the daemon's log (older rotated files are not read). */
export function tailDaemonLog(town: Town, lines: number): string[] {
  try {
    const all = readFileSync(daemonPaths(town).log, "utf8").split("\n").filter(Boolean);
    return lines > 0 ? all.slice(-lines) : all;
  } catch {
    return [];
  }
}

// ---- shutdown lock ---------------------------------------------------------------------

/** The pid of the gt down holding the shutdown lock, when one holds it and still runs. */
export function shutdownHolder(town: Town): number | undefined {
  try {
    const pid = Number(readFileSync(daemonPaths(town).shutdown, "utf8").trim());
    return pid > 1 && processAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
