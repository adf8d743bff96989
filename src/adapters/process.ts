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

/** Runs `file args`; resolves with its output whatever the exit code. */
export async function runCommand(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  // execa (and the stream modules it pulls in) loads on the first command run, not at start-up.
  const { execa } = await import("execa");
  const r = await execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.env === undefined,
    input: opts.input,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: false,
    stdin: opts.input === undefined ? "ignore" : "pipe",
  });
  if (r.failed && r.exitCode === undefined) {
    // Could not start at all (ENOENT) or was killed by the timeout.
    const why = r.timedOut ? `timed out after ${opts.timeoutMs} ms` : (r.cause as Error | undefined)?.message;
    throw new GasTownError("command_failed", `${file}: ${why ?? r.shortMessage}`);
  }
  return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode ?? 1 };
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
