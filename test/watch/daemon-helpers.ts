// Towns for the daemon's tests: a rig on a bare origin, script agents for every role (the
// refinery runs the built-in merge queue), the daemon's timings shortened so backoffs and
// crash loops play out in seconds, and a cleanup that also ends the daemon (it is detached,
// outside every session). Plus the process-table view the tests judge "nothing of the town
// is left running" by.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../helpers/procs.ts";
import { addBareRig, eventually, newTown, type TestTown } from "../helpers/town.ts";

export interface DaemonTown extends TestTown {
  /** The daemon's pid from its pid file, if one is written. */
  daemonPid(): number | undefined;
  settings(change: (s: Record<string, unknown>) => void): void;
  /** The pid of a live session's agent process (the pane's child), for killing it like a crash. */
  agentPid(session: string): Promise<number>;
  /** The pid of a session's pane process (undefined when there is no live session). */
  panePid(session: string): number | undefined;
}

/** Timings that make the daemon's loops testable in seconds. */
export const FAST = {
  session_check_interval: "200ms",
  wake_debounce: "50ms",
  restart_backoff_initial: "300ms",
  restart_backoff_max: "2s",
  crash_loop_window: "60s",
  recovery_heartbeat_interval: "1m",
};

export async function daemonTown(
  opts: { mergeQueue?: Record<string, unknown>; daemon?: Record<string, string | number> } = {},
): Promise<DaemonTown> {
  const town = await newTown("tmux");
  await addBareRig(town, "alpha", {
    mergeQueue: opts.mergeQueue ?? { test_command: "true", poll_interval_seconds: 1 },
  });
  const file = join(town.root, "settings", "config.json");
  const settings = (change: (s: Record<string, unknown>) => void) => {
    const s = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    change(s);
    writeFileSync(file, JSON.stringify(s, null, 2));
  };
  settings((s) => {
    s.default_agent = "script";
    s.daemon = { ...FAST, ...opts.daemon };
  });
  const socket = String(town.env.GT_TMUX_SOCKET);
  const panePid = (session: string) => {
    try {
      const out = execFileSync(
        "tmux",
        ["-L", socket, "list-panes", "-t", `=${session}:`, "-F", "#{pane_dead} #{pane_pid}"],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        },
      ).trim();
      const [dead, pid] = out.split(" ");
      return dead === "0" ? Number(pid) : undefined;
    } catch {
      return undefined;
    }
  };
  const daemonPid = () => {
    try {
      const pid = Number(readFileSync(join(town.root, "daemon", "daemon.pid"), "utf8").split("\n")[0]);
      return pid > 1 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    ...town,
    daemonPid,
    settings,
    panePid,
    async agentPid(session: string) {
      const pid = await eventually(
        async () => {
          const pane = panePid(session);
          return pane ? childrenOf(pane)[0] : undefined;
        },
        20_000,
        `the agent process of ${session}`,
      );
      return pid!;
    },
    async cleanup() {
      // The daemon of the pid file, and any other daemon of this town a failed test left.
      const pids = new Set([
        daemonPid(),
        ...townProcesses(town)
          .filter((p) => / daemon run/.test(p.argv))
          .map((p) => p.pid),
      ]);
      for (const pid of pids) {
        if (!pid || !processAlive(pid)) continue;
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      await town.cleanup();
    },
  };
}

/** Switches the daemon's roles (mayor/daemon.json patrols) on or off together. */
export function setPatrols(town: TestTown, enabled: boolean): void {
  const file = join(town.root, "mayor", "daemon.json");
  const cfg = JSON.parse(readFileSync(file, "utf8")) as { patrols: Record<string, { enabled?: boolean }> };
  for (const role of ["mayor", "deacon", "witness", "refinery"])
    cfg.patrols[role] = { ...cfg.patrols[role], enabled };
  writeFileSync(file, JSON.stringify(cfg, null, 2));
}

/** Direct children of a process (Linux). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

/** The state letter of a process (T: stopped), or undefined when it is gone. */
export function procState(pid: number): string | undefined {
  const stat = readProc(String(pid), "stat");
  return stat ? stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] : undefined;
}

/** A process and all its descendants (Linux). */
export function treeOf(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i]!));
  return out;
}

/**
 * Every process of the town in the process table, whatever started it: its environment or
 * command line names the town's root, or it is the town's tmux server. Never this process
 * or its ancestors.
 */
export function townProcesses(town: TestTown): Array<{ pid: number; argv: string }> {
  const ours = new Set<number>();
  for (let pid = process.pid; pid > 1 && !ours.has(pid); ) {
    ours.add(pid);
    const stat = readProc(String(pid), "stat");
    pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  }
  const socket = String(town.env.GT_TMUX_SOCKET);
  const out: Array<{ pid: number; argv: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || ours.has(Number(entry))) continue;
    const state = procState(Number(entry));
    if (!state || state === "Z") continue;
    const argv = readProc(entry, "cmdline").split("\0").join(" ").trim();
    const env = readProc(entry, "environ");
    if (argv.includes(town.root) || env.includes(town.root) || argv.includes(socket))
      out.push({ pid: Number(entry), argv });
  }
  return out;
}

/** Whether the town's tmux server runs. */
export function tmuxServerUp(town: TestTown): boolean {
  try {
    execFileSync("tmux", ["-L", String(town.env.GT_TMUX_SOCKET), "list-sessions"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The events of one type in the town's event log. */
export function eventsOf(town: TestTown, type: string): Array<{ payload: Record<string, unknown> }> {
  const file = join(town.root, ".events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> })
    .filter((e) => e.type === type);
}

/** What `gt <role> status --json` says of an agent. */
export interface AgentStatus {
  state: string;
  pid: number | null;
  session: string;
}
