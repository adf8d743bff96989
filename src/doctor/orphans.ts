// What runs for this town without an agent behind it: sessions on the town's runtime that
// belong to no agent the town has, and agent processes whose session is gone (their
// environment names the town and the session they were started for). Crew sessions are
// reported, never stopped: a person may be working in one.
import { readFileSync, realpathSync } from "node:fs";
import { hasProcFs, isRunning, liveProcesses, type ProcStat, stopProcesses } from "../runtime/support.ts";
import { sessionNameOf } from "../town/identity.ts";
import { knownAgents } from "../town/roster.ts";
import type { DoctorCheck, DoctorContext } from "./types.ts";
import { inTurn, ok } from "./util.ts";

/** Session names of every agent the town has a place for. */
function agentSessions(ctx: DoctorContext): Set<string> {
  const { town } = ctx;
  return new Set(
    knownAgents(town).map((id) => sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined)),
  );
}

export const orphanSessionsCheck: DoctorCheck = {
  name: "orphan-sessions",
  category: "Cleanup",
  description: "every session on the town's runtime belongs to an agent the town has",
  async run(ctx) {
    const { town } = ctx;
    const sessions = await ctx.sessions();
    const known = agentSessions(ctx);
    const orphans = sessions.filter((s) => !known.has(s.name));
    if (orphans.length === 0) return ok(`${sessions.length} session(s), each an agent of the town`);
    const crewPrefixes = town.rigNames().map((r) => `${town.prefixOf(r)}-crew-`);
    const isCrew = (name: string) => crewPrefixes.some((p) => name.startsWith(p));
    const stoppable = orphans.filter((s) => !isCrew(s.name));
    const details = orphans.map(
      (s) =>
        `${s.name} (${s.alive ? "running" : "exited"}${s.pid ? `, pid ${s.pid}` : ""})${isCrew(s.name) ? ": a crew session, left for a person to stop" : ""}`,
    );
    return {
      status: "warning",
      message: `${orphans.length} session(s) with no agent of the town: ${orphans.map((s) => s.name).join(", ")}`,
      details,
      hint:
        stoppable.length > 0
          ? "gt doctor --fix stops them and everything they started (crew sessions are left alone)"
          : "stop the crew session yourself once nobody works in it",
      ...(stoppable.length > 0
        ? {
            fix: () =>
              inTurn(stoppable, async (s) =>
                (await ctx.provider().stop(s.name)) ? [`stopped session ${s.name}`] : [],
              ),
          }
        : {}),
    };
  },
};

// ---------------------------------------------------------------------------------------
// Processes (Linux /proc)

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux). */
const USER_HZ = 100;

interface AgentProcess {
  pid: number;
  ppid: number;
  /** With the pid, names this one process (a pid may be reused before the fix runs). */
  startTime: string;
  session: string;
  argv: string[];
  ageMs: number;
}

function environ(pid: number): Map<string, string> | undefined {
  try {
    const env = new Map<string, string>();
    for (const kv of readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")) {
      const eq = kv.indexOf("=");
      if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    return env;
  } catch {
    return undefined; // another user's process, or gone
  }
}

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
}

function bootTimeMs(): number {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) * 1000 : 0;
  } catch {
    return 0;
  }
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

/** This process and every process above it: never candidates (doctor may run inside a session). */
function ourLine(procs: ProcStat[]): Set<number> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const line = new Set<number>();
  for (let pid = process.pid; pid > 1 && !line.has(pid); pid = byPid.get(pid)?.ppid ?? 0) line.add(pid);
  return line;
}

/**
 * Processes started for one of this town's sessions (GT_TOWN_ROOT and GT_SESSION in their
 * environment) whose session no longer runs, older than `graceMs` (a handoff's helper
 * outlives the session it replaces for a moment). A nudge poller serving a live session
 * and the tmux server are not agents.
 */
export function orphanedAgentProcesses(
  townRoot: string,
  liveSessions: Set<string>,
  graceMs: number,
  now = Date.now(),
): AgentProcess[] {
  const procs = liveProcesses();
  const skip = ourLine(procs);
  const boot = bootTimeMs();
  const out: AgentProcess[] = [];
  for (const p of procs) {
    if (skip.has(p.pid)) continue;
    const env = environ(p.pid);
    const root = env?.get("GT_TOWN_ROOT") || env?.get("GT_ROOT");
    const session = env?.get("GT_SESSION");
    if (!root || !session || liveSessions.has(session) || !sameDir(root, townRoot)) continue;
    if (readProc(p.pid, "comm").startsWith("tmux")) continue;
    const argv = readProc(p.pid, "cmdline").split("\0").filter(Boolean);
    const poller = argv.indexOf("nudge-poller");
    if (poller >= 0 && liveSessions.has(argv[poller + 1] ?? "")) continue;
    const ageMs = boot > 0 ? now - (boot + (Number(p.startTime) * 1000) / USER_HZ) : Number.POSITIVE_INFINITY;
    if (ageMs < graceMs) continue;
    out.push({ pid: p.pid, ppid: p.ppid, startTime: p.startTime, session, argv, ageMs });
  }
  return out;
}

function ago(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  const s = Math.round(ms / 1000);
  return s < 120
    ? `, ${s}s old`
    : s < 7200
      ? `, ${Math.round(s / 60)}m old`
      : `, ${Math.round(s / 3600)}h old`;
}

export const orphanProcessesCheck: DoctorCheck = {
  name: "orphan-processes",
  category: "Cleanup",
  description: "no agent process of the town outlives its session",
  async run(ctx) {
    if (!hasProcFs()) return ok("not checked: this system has no /proc");
    const live = new Set((await ctx.sessions()).filter((s) => s.alive).map((s) => s.name));
    const found = orphanedAgentProcesses(ctx.town.root, live, ctx.processGraceMs);
    if (found.length === 0) return ok("no agent process outlives its session");
    // Stopping the top of each orphaned tree takes its descendants with it.
    const pids = new Set(found.map((p) => p.pid));
    const roots = found.filter((p) => !pids.has(p.ppid));
    const details = found.map(
      (p) => `pid ${p.pid} ${p.argv.join(" ").slice(0, 80)} (session ${p.session}, gone${ago(p.ageMs)})`,
    );
    return {
      status: "warning",
      message: `${found.length} agent process(es) outlive their session: ${[...new Set(found.map((p) => p.session))].join(", ")}`,
      details,
      hint: "gt doctor --fix stops them (SIGTERM, then SIGKILL) with everything they started",
      fix: () =>
        inTurn(roots, async (r) => {
          // The same process still (its pid may have been reused since it was found).
          if (!isRunning(r.pid, r.startTime)) return [];
          await stopProcesses(r.pid, true, 2000);
          return [`stopped pid ${r.pid} and what it started (session ${r.session})`];
        }),
    };
  },
};
