// Running outside programs (git, tmux, ...). The only place that spawns and waits for a
// child process; callers get stdout/stderr/exit code or a typed error naming the command.
import { GasTownError } from "../errors.ts";
import { lazyChildProcess } from "../lazy.ts";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin. */
  input?: string;
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A command that failed: carries its output so callers can word the error. */
export class CommandError extends GasTownError {
  readonly result: RunResult;
  readonly command: string;
  constructor(command: string, result: RunResult) {
    const detail = (result.stderr || result.stdout).trim().split("\n").filter(Boolean).pop() ?? "";
    super("command_failed", `${command} failed (exit ${result.exitCode})${detail ? `: ${detail}` : ""}`);
    this.result = result;
    this.command = command;
  }
}

/** What one command may print before it is stopped (as much as any git or tmux call needs). */
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * Runs `file args`; resolves with its output whatever the exit code. Node's own execFile:
 * a process-running library costs every gt start that runs one command (tmux ls) more
 * than the command itself.
 */
export function runCommand(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = lazyChildProcess().execFile(
      file,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs,
        maxBuffer: MAX_OUTPUT,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) return resolvePromise({ stdout, stderr, exitCode: 0 });
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        if (typeof failure.code === "number")
          return resolvePromise({ stdout, stderr, exitCode: failure.code });
        // Could not start at all (ENOENT), was killed by the timeout, or died of a signal.
        const why =
          failure.killed && opts.timeoutMs !== undefined
            ? `timed out after ${opts.timeoutMs} ms`
            : failure.signal
              ? `killed by ${failure.signal}`
              : failure.message;
        reject(new GasTownError("command_failed", `${file}: ${why}`));
      },
    );
    // Without input the child's stdin is closed at once, as if it were /dev/null.
    child.stdin?.on("error", () => undefined); // a child that exits before reading its input
    child.stdin?.end(opts.input);
  });
}

/** Runs `file args` and throws CommandError on a non-zero exit. */
export async function runChecked(file: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await runCommand(file, args, opts);
  if (r.exitCode !== 0) throw new CommandError(`${file} ${args[0] ?? ""}`.trim(), r);
  return r.stdout;
}

export interface ShellResult {
  exitCode: number;
  /** stdout and stderr interleaved as the command wrote them (the tail, when long). */
  output: string;
  timedOut: boolean;
  durationMs: number;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs a shell command line in its own process group; on timeout the whole group is killed,
 * so a hung test runner and everything it started go away instead of stalling the caller.
 */
export function runShell(
  commandLine: string,
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ShellResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = lazyChildProcess().spawn("sh", ["-c", commandLine], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.length > OUTPUT_LIMIT * 2) output = output.slice(-OUTPUT_LIMIT);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    const finish = (code: number) => {
      clearTimeout(timer);
      resolvePromise({
        exitCode: timedOut ? 124 : code,
        output: output.length > OUTPUT_LIMIT ? output.slice(-OUTPUT_LIMIT) : output,
        timedOut,
        durationMs: Date.now() - started,
      });
    };
    child.on("error", (e) => {
      output += `${e.message}\n`;
      finish(127);
    });
    child.on("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
