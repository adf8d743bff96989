// Verification gates: the rig's setup/typecheck/lint/test/build commands, run in order in
// the refinery's worktree, each under a time limit. A gate that hangs fails as "timeout";
// a failing gate may be re-run (retry_flaky_tests) before its failure counts.
import { runShell } from "../adapters/process.ts";
import { gatesOf, type MergeQueueConfig } from "./config.ts";

export interface GateFailure {
  gate: string;
  command: string;
  exitCode: number;
  timedOut: boolean;
  /** The tail of what the gate printed. */
  output: string;
}

export interface GateResult {
  ok: boolean;
  failure?: GateFailure;
  /** Commands executed, counting retries. */
  commands: number;
  durationMs: number;
}

export async function runGates(
  workDir: string,
  cfg: MergeQueueConfig,
  env?: NodeJS.ProcessEnv,
): Promise<GateResult> {
  const started = Date.now();
  let commands = 0;
  for (const [gate, command] of gatesOf(cfg)) {
    let last: Awaited<ReturnType<typeof runShell>> | undefined;
    for (let attempt = 0; attempt <= cfg.retry_flaky_tests; attempt++) {
      commands++;
      last = await runShell(command, { cwd: workDir, env, timeoutMs: cfg.gate_timeout_seconds * 1000 });
      if (last.exitCode === 0) break;
      if (last.timedOut) break; // a hang is not flakiness: retrying would stall the queue again
    }
    if (last && last.exitCode !== 0) {
      return {
        ok: false,
        failure: {
          gate,
          command,
          exitCode: last.exitCode,
          timedOut: last.timedOut,
          output: last.timedOut
            ? `${last.output}\n[timeout after ${cfg.gate_timeout_seconds}s]`.trimStart()
            : last.output,
        },
        commands,
        durationMs: Date.now() - started,
      };
    }
  }
  return { ok: true, commands, durationMs: Date.now() - started };
}

/** One line describing a failure, for close reasons and events. */
export function describeFailure(f: GateFailure): string {
  return f.timedOut ? `${f.gate} gate: timeout` : `${f.gate} gate failed (exit ${f.exitCode})`;
}
