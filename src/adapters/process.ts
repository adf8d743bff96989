// Running outside programs (git, tmux, ...). The only place that spawns and waits for a
// child process; callers get stdout/stderr/exit code or a typed error naming the command.
import { execa } from "execa";
import { GasTownError } from "../errors.ts";

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
