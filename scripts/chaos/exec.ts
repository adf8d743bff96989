// Running gt, bd and git the way a person at a terminal does: whole processes by absolute
// path, in a town's environment, with the pid known at once so a process can be killed.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The gt and bd under test: this checkout's, or a snapshot's (testProgramsOf). */
export let GT = join(ROOT, "bin", "gt");
export let BD = join(ROOT, "bin", "bd");

/** Runs the gt and bd of another checkout (a built snapshot of some commit). */
export function testProgramsOf(dir: string): void {
  GT = join(dir, "bin", "gt");
  BD = join(dir, "bin", "bd");
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Running {
  pid: number;
  done: Promise<Result>;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; the result then has signal SIGKILL. */
  timeoutMs?: number;
  input?: string;
}

/** Starts a process; `done` settles when it exits (never rejects). */
export function start(bin: string, args: string[], opts: RunOptions): Running {
  const t0 = Date.now();
  const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.on("error", () => undefined);
  child.stdin.end(opts.input ?? "");
  const timer =
    opts.timeoutMs !== undefined ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
  const done = new Promise<Result>((res) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      res({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    };
    child.on("error", (e) => {
      stderr += String(e);
      finish(127, null);
    });
    child.on("close", finish);
  });
  return { pid: child.pid ?? -1, done };
}

export function run(bin: string, args: string[], opts: RunOptions): Promise<Result> {
  return start(bin, args, opts).done;
}

/** Runs and insists on exit 0; the error carries the command and its stderr. */
export async function ok(bin: string, args: string[], opts: RunOptions): Promise<string> {
  const r = await run(bin, args, { timeoutMs: 120_000, ...opts });
  if (r.code !== 0) {
    const name = bin.split("/").pop();
    throw new Error(
      `${name} ${args.join(" ")} failed (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

export function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return run("git", args, { cwd, env, timeoutMs: 60_000 });
}

export async function gitOut(cwd: string, args: string[]): Promise<string> {
  return (await ok("git", args, { cwd, env: process.env })).trim();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
