// Processes as /proc shows them: finding a town's processes (by the tmux socket every gt,
// bd and agent process of that town carries in its environment), killing them by pid, and
// reading their memory. Linux only, like the rest of the chaos harness.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface Proc {
  pid: number;
  ppid: number;
  /** argv, as the kernel keeps it. */
  argv: string[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Every process we can read, with argv (and its parent when `parents`, one more read each). */
export function listProcs(parents = true): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = readText(`/proc/${name}/cmdline`);
    if (!cmdline) continue; // kernel thread, or gone
    let ppid = 0;
    if (parents) {
      const stat = readText(`/proc/${name}/stat`);
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
      ppid = stat ? Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) : 0;
    }
    const argv = cmdline.split("\0");
    if (argv[argv.length - 1] === "") argv.pop();
    out.push({ pid: Number(name), ppid, argv });
  }
  return out;
}

/** One variable of a process's environment (as it was at exec). */
export function envOf(pid: number, key: string): string | undefined {
  const env = readText(`/proc/${pid}/environ`);
  if (!env) return undefined;
  const prefix = `${key}=`;
  for (const kv of env.split("\0")) if (kv.startsWith(prefix)) return kv.slice(prefix.length);
  return undefined;
}

export function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Processes of one town: those whose environment names its private tmux socket. */
export function townProcs(socket: string, procs = listProcs()): Proc[] {
  return procs.filter((p) => p.pid !== process.pid && envOf(p.pid, "GT_TMUX_SOCKET") === socket);
}

/** `gt <sub...>` as the launcher runs it: node …/dist/gt.cjs <sub...> (or the TS source). */
export function isGt(p: Proc, ...sub: string[]): boolean {
  const i = p.argv.findIndex((a) => /(^|\/)(gt\.cjs|gt\/main\.ts)$/.test(a));
  if (i < 0) return false;
  return sub.every((s, k) => p.argv[i + 1 + k] === s);
}

export function isBd(p: Proc): boolean {
  return p.argv.some((a) => /(^|\/)(bd\.cjs|bd\/main\.ts)$/.test(a));
}

/** SIGKILL one process by pid; false when it was already gone. */
export function kill9(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return readText(`/proc/${pid}/stat`)?.split(") ")[1]?.startsWith("Z") !== true;
  } catch {
    return false;
  }
}

/** Resident and peak resident memory of a process in KiB (VmRSS, VmHWM). */
export function memoryKb(pid: number): { rss: number; hwm: number } | undefined {
  const status = readText(`/proc/${pid}/status`);
  if (!status) return undefined;
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** A process and all its descendants (pids), from one snapshot. */
export function treeOf(root: number, procs: Proc[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}
