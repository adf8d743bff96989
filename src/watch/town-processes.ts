// The town's processes outside its live sessions, found in the process table (Linux /proc)
// by what they carry: an agent process names its town and session in its environment
// (GT_TOWN_ROOT, GT_SESSION), a nudge poller its session on its command line. gt down ends
// those whose session is gone, so a stopped town leaves nothing of itself running. A
// process that names no session (a person's shell with GT_TOWN_ROOT set) is never touched.
import { readFileSync, realpathSync } from "node:fs";
import { hasProcFs, isRunning, liveProcesses, stopProcesses } from "../runtime/support.ts";

export interface TownProcess {
  pid: number;
  ppid: number;
  startTime: string;
  /** The session it was started for. */
  session: string;
  argv: string[];
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

function environ(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  for (const kv of readProc(pid, "environ").split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Processes of this town (an agent's, a nudge poller's, the daemon's) whose session is not
 * among `liveSessions`. Never this process or any process above it.
 */
export function strayTownProcesses(townRoot: string, liveSessions: ReadonlySet<string>): TownProcess[] {
  if (!hasProcFs()) return [];
  const root = real(townRoot);
  const procs = liveProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const ours = new Set<number>();
  for (let pid = process.pid; pid > 1 && !ours.has(pid); pid = byPid.get(pid)?.ppid ?? 0) ours.add(pid);
  const out: TownProcess[] = [];
  for (const p of procs) {
    if (ours.has(p.pid)) continue;
    const env = environ(p.pid);
    const town = env.get("GT_TOWN_ROOT") || env.get("GT_ROOT");
    if (!town || real(town) !== root) continue;
    if (readProc(p.pid, "comm").startsWith("tmux")) continue;
    const argv = readProc(p.pid, "cmdline").split("\0").filter(Boolean);
    const poller = argv.indexOf("nudge-poller");
    const session = poller >= 0 ? (argv[poller + 1] ?? "") : (env.get("GT_SESSION") ?? "");
    const daemon = argv.includes("daemon") && argv.includes("run") && env.has("GT_DAEMON_NONCE");
    if (!daemon && (!session || liveSessions.has(session))) continue;
    out.push({
      pid: p.pid,
      ppid: p.ppid,
      startTime: p.startTime,
      session: daemon ? "(daemon)" : session,
      argv,
    });
  }
  return out;
}

/** Ends stray processes (SIGTERM, then SIGKILL), each with what it started; returns those ended. */
export async function endStrayProcesses(found: TownProcess[], graceMs = 2000): Promise<TownProcess[]> {
  const pids = new Set(found.map((p) => p.pid));
  // The top of each stray tree takes its descendants with it.
  const roots = found.filter((p) => !pids.has(p.ppid));
  await Promise.all(
    roots.map(async (p) => {
      if (isRunning(p.pid, p.startTime)) await stopProcesses(p.pid, true, graceMs);
    }),
  );
  return found;
}
