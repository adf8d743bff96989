// Ending exactly the processes a test (or benchmark) started: found by parentage from pids
// it knows (a session's pid, a pane's pid, a spawned child), never by name, so nothing
// else on the machine is touched. No side effects on import (bench/ uses it too).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

function processTable(): Proc[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-eo", "pid=,ppid=,pgid="], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return [];
  }
  return out
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every((n) => Number.isInteger(n) && n > 0))
    .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid! }));
}

/** The process groups of `roots` and of every descendant of theirs (detached ones too). */
export function processGroupsUnder(roots: number[]): number[] {
  const table = processTable();
  const children = new Map<number, Proc[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const groups = new Set<number>();
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const self = table.find((p) => p.pid === pid);
    if (self && self.pgid > 1) groups.add(self.pgid);
    for (const c of children.get(pid) ?? []) queue.push(c.pid);
  }
  // Never our own group (a child that did not detach shares it).
  const own = table.find((p) => p.pid === process.pid)?.pgid;
  if (own) groups.delete(own);
  return [...groups];
}

/**
 * The process groups to end for a town's sessions: each session leader's own group (kept
 * even when the leader itself has exited and left members behind) and those of everything
 * the sessions started.
 */
export function sessionGroups(root: string, socket: string): number[] {
  const leaders = sessionPids(root, socket);
  return [...new Set([...leaders, ...processGroupsUnder(leaders)])];
}

/** SIGKILLs whole process groups; ones already gone are skipped. */
export function killGroups(groups: number[]): void {
  for (const g of groups) {
    try {
      process.kill(-g, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Whether process `pid` exists: the project's own check, shared with the tests. */
export { processAlive } from "../../src/process-alive.ts";

/** Whether a process group still has a live member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pids of a town's sessions: its tmux panes, or its subprocess session leaders. */
export function sessionPids(root: string, socket: string): number[] {
  const pids: number[] = [];
  try {
    const out = execFileSync("tmux", ["-L", socket, "list-panes", "-a", "-F", "#{pane_pid}"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    pids.push(
      ...out
        .split("\n")
        .map(Number)
        .filter((n) => n > 0),
    );
  } catch {
    // no server was started
  }
  const sessions = join(root, ".runtime", "sessions");
  if (existsSync(sessions)) {
    for (const name of readdirSync(sessions)) {
      try {
        const pid = Number(JSON.parse(readFileSync(join(sessions, name, "meta.json"), "utf8")).pid);
        if (pid > 0) pids.push(pid);
      } catch {
        // no meta, or not readable: nothing to find
      }
    }
  }
  return pids;
}
