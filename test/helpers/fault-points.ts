// Running gt and bd into the test-only fault points of src/test-pause.ts:
//   GT_TEST_CRASH=<point>: the process SIGKILLs itself there (runCrashingAt);
//   GT_TEST_PAUSE=<point> with GT_TEST_PAUSE_FILE=<path>: it writes the file (its pid) and
//   blocks there, for GT_TEST_PAUSE_MS or until killed (spawnPaused, startPaused).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { GT, type RunResult } from "./bd.ts";
import { eventually, type TestTown } from "./town.ts";

/** How a process run into a crash point ended. */
export interface CrashResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `bin args` in `cwd` with GT_TEST_CRASH=<point> over this process's environment and
 * `env`; resolves with how it ended (signal SIGKILL when it reached the point) and its stderr.
 */
export function runCrashingAt(
  bin: string,
  cwd: string,
  args: string[],
  point: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CrashResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: { ...process.env, ...env, GT_TEST_CRASH: point },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** A gt command started towards a pause point. */
export interface PausedRun {
  /** The file the command writes (its pid) when it reaches the point. */
  marker: string;
  /** SIGKILLs the command and waits for it to exit. */
  kill(): Promise<void>;
  /** Waits for the command to exit: its exit code (-1 for a signal) and output. */
  finish(): Promise<RunResult>;
}

export interface PauseOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long the command stays at the point (GT_TEST_PAUSE_MS); by default until killed. */
  pauseMs?: number;
}

/**
 * Starts `gt args` in the town (in its root unless `cwd`), to stop at the pause `point`;
 * returns at once, without waiting for it to get there (see startPaused).
 */
export function spawnPaused(
  town: TestTown,
  args: string[],
  point: string,
  opts: PauseOptions = {},
): PausedRun {
  const marker = join(town.scratch, `pause-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const child = spawn(GT, args, {
    cwd: opts.cwd ?? town.root,
    env: {
      ...process.env,
      ...town.env,
      ...opts.env,
      GT_TEST_PAUSE: point,
      GT_TEST_PAUSE_FILE: marker,
      ...(opts.pauseMs ? { GT_TEST_PAUSE_MS: String(opts.pauseMs) } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? -1)));
  return {
    marker,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    finish: async () => ({ code: await exited, stdout, stderr }),
  };
}

/** Starts `gt args` as spawnPaused does; resolves once it is at `point` (within 20 s). */
export async function startPaused(
  town: TestTown,
  args: string[],
  point: string,
  opts: PauseOptions = {},
): Promise<PausedRun> {
  const run = spawnPaused(town, args, point, opts);
  await eventually(async () => existsSync(run.marker), 20_000, `gt ${args[0]} to reach ${point}`);
  return run;
}
