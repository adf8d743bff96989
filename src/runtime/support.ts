// What both runtime providers share: checking a SessionSpec, tidying captured output, and
// the Linux process-table sweep that stops a session together with everything it started
// (on systems without /proc it falls back to signalling the session's process group).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ValidationError } from "../errors.ts";
import type { SessionSpec } from "./provider.ts";

export const DEFAULT_GRACE_MS = 3000;
export const DEFAULT_CAPTURE_LINES = 100;
/** The rows of a session's terminal (tmux sessions are created 50 high). */
export const DEFAULT_SCREEN_LINES = 50;

// Letters, digits, '_' and '-': safe as a tmux target (no '.' or ':') and as a directory name.
const SESSION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/;

export function isValidSessionName(name: string): boolean {
  return SESSION_NAME.test(name);
}

/** Throws ValidationError unless the spec can be started: good name, a command, an existing cwd. */
export function checkSpec(spec: SessionSpec): void {
  if (!isValidSessionName(spec.name))
    throw new ValidationError(`invalid session name "${spec.name}" (letters, digits, '_' and '-')`);
  if (spec.command.length === 0 || !spec.command[0])
    throw new ValidationError(`session ${spec.name}: empty command`);
  let isDir = false;
  try {
    isDir = statSync(spec.cwd).isDirectory();
  } catch {
    // missing: reported below
  }
  if (!isDir) throw new ValidationError(`session ${spec.name}: working directory ${spec.cwd} does not exist`);
}

/** The environment a session's first process starts with: the starter's, the spec's on top, less its unsets. */
export function sessionEnvironment(spec: SessionSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
  for (const k of spec.unsetEnv ?? []) delete env[k];
  return env;
}

// CSI sequences, OSC strings (ended by BEL or ST), and the remaining two-byte escapes.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_]/g;

/**
 * The last `lines` lines of terminal output as plain text: escape sequences removed, a bare
 * '\r' treated as "back to column 0" (the text after it wins), trailing blanks trimmed.
 */
export function tidyOutput(raw: string, lines: number): string {
  const out = raw
    .replace(ANSI, "")
    .split("\n")
    .map((line) => {
      const cut = line.replace(/\r+$/, "");
      return cut.slice(cut.lastIndexOf("\r") + 1).trimEnd();
    });
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return lines > 0 ? out.slice(-lines).join("\n") : "";
}

// ---- processes -------------------------------------------------------------------------

export interface ProcStat {
  pid: number;
  ppid: number;
  sid: number;
  state: string;
  /** Field 22: clock ticks after boot; with the PID it names one process for good. */
  startTime: string;
}

export function hasProcFs(): boolean {
  return existsSync("/proc/self/stat");
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 2 (comm) may hold spaces and parentheses: everything after the last ')' is safe.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state), so field n is f[n - 3].
  return { pid, state: f[0] ?? "", ppid: Number(f[1]), sid: Number(f[3]), startTime: f[19] ?? "" };
}

/** The start time of a live process (Linux), to tell it apart from a later one reusing its PID. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** True while `pid` runs (zombies count as gone) and, when `startTime` is given, is that same process. */
export function isRunning(pid: number, startTime?: string): boolean {
  if (!(pid > 1)) return false;
  if (!hasProcFs()) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  const st = procStat(pid);
  if (!st || st.state === "Z" || st.state === "X") return false;
  return !startTime || st.startTime === startTime;
}

/** The state letter of a process (R, S, D, T for stopped, Z, ...), or undefined when it is gone. */
export function processState(pid: number): string | undefined {
  return procStat(pid)?.state;
}

/** The pid of a process's parent (Linux), or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

/** Every live process (Linux /proc; zombies left out). */
export function liveProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (st && st.state !== "Z" && st.state !== "X") out.push(st);
  }
  return out;
}

/**
 * PID → start time of every process a session owns: the leader (when alive), its
 * descendants, and whatever still runs in the leader's session (a session's first process
 * is a session leader under both providers), which catches orphans whose parent exited.
 */
function sessionMembers(leader: number, leaderAlive: boolean): Map<number, string> {
  const found = new Map<number, string>();
  if (!hasProcFs()) {
    if (leaderAlive) found.set(leader, "");
    return found;
  }
  const procs = liveProcesses();
  // A live process holding a dead leader's PID is a stranger that reused it.
  if (!leaderAlive && procs.some((p) => p.pid === leader)) return found;
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const queue = procs.filter((p) => (leaderAlive && p.pid === leader) || p.sid === leader);
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (found.has(p.pid)) continue;
    found.set(p.pid, p.startTime);
    queue.push(...(children.get(p.pid) ?? []));
  }
  // Never ourselves: a session may stop itself from inside (`gt` run by the agent).
  found.delete(process.pid);
  return found;
}

/**
 * Every process a session owns (its leader when alive, its descendants and the members of
 * its session), for signals that do not end it: the e-stop's SIGSTOP and SIGCONT.
 */
export function sessionProcesses(leader: number): number[] {
  if (!(leader > 1)) return [];
  return [...sessionMembers(leader, isRunning(leader)).keys()];
}

function signalAll(targets: Map<number, string>, group: number | undefined, signal: NodeJS.Signals): void {
  const send = (pid: number) => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  if (group !== undefined && group > 1) send(-group);
  for (const pid of targets.keys()) if (pid > 1) send(pid);
}

async function waitGone(targets: Map<number, string>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (![...targets].some(([pid, start]) => isRunning(pid, start))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/**
 * Stops a session's processes: SIGTERM to all of them (and the leader's group), up to
 * `graceMs` for them to exit, then `beforeKill` (tmux kills the session there), then
 * SIGKILL to whatever is left, including processes started during the grace period.
 */
export async function stopProcesses(
  leader: number,
  leaderAlive: boolean,
  graceMs: number,
  beforeKill?: () => Promise<void>,
): Promise<void> {
  const targets = leader > 1 ? sessionMembers(leader, leaderAlive) : new Map<number, string>();
  signalAll(targets, leaderAlive ? leader : undefined, "SIGTERM");
  await waitGone(targets, graceMs);
  await beforeKill?.();
  const leaderStill = leaderAlive && isRunning(leader, targets.get(leader));
  const left = new Map([...targets].filter(([pid, start]) => isRunning(pid, start)));
  if (leader > 1) for (const [pid, start] of sessionMembers(leader, leaderStill)) left.set(pid, start);
  if (left.size === 0 && !leaderStill) return;
  signalAll(left, leaderStill ? leader : undefined, "SIGKILL");
  await waitGone(left, 1000);
}
