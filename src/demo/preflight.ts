// What `gt demo` needs before it builds anything, checked in well under a second so a
// machine that lacks something fails at once with the reason, instead of five agents
// failing quietly in their sessions while the demo waits for them:
//   - git, new enough for `git init --initial-branch` (2.28);
//   - sh, which runs the beads' scripts;
//   - a runtime for the agents: tmux able to start a session (probed on a private socket,
//     torn down again), or, where tmux is not installed, the subprocess runtime's mkfifo.
// A git identity is not checked: the demo town brings its own (see town-demo.ts), so a
// machine with no ~/.gitconfig (a blank HOME) runs it too.
import { accessSync, constants, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { Tmux } from "../adapters/tmux.ts";
import { GasTownError } from "../errors.ts";
import type { ProviderKind } from "../runtime/provider.ts";

export class DemoPreflightError extends GasTownError {
  constructor(reason: string) {
    super("demo_preflight", `gt demo cannot start: ${reason}`);
  }
}

export interface Preflight {
  git: string;
  runtime: ProviderKind;
  /** What the runtime is, for one line of the demo's output ("tmux 3.4", "subprocess: ..."). */
  runtimeNote: string;
}

const MIN_GIT: [number, number] = [2, 28];

function onPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // not here
    }
  }
  return undefined;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ""
  );
}

async function checkGit(env: NodeJS.ProcessEnv): Promise<string> {
  if (!onPath("git", env))
    throw new DemoPreflightError(
      "git is not installed (or not on PATH); the demo's project, worktrees and merges need it",
    );
  const r = await runCommand("git", ["--version"], { env, timeoutMs: 10_000 });
  const m = /(\d+)\.(\d+)/.exec(r.stdout);
  if (r.exitCode !== 0 || !m)
    throw new DemoPreflightError(`git --version failed: ${lastLine(r.stderr || r.stdout)}`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MIN_GIT[0] || (major === MIN_GIT[0] && minor < MIN_GIT[1]))
    throw new DemoPreflightError(`git ${m[0]} is too old; the demo needs git ${MIN_GIT.join(".")} or newer`);
  return lastLine(r.stdout).replace(/^git version /, "");
}

/** Starts and kills one session on a private tmux server: tmux is there and works. */
async function probeTmux(env: NodeJS.ProcessEnv): Promise<string> {
  const socket = `gt-demo-preflight-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = new Tmux(socket);
  try {
    await tmux.newSession("preflight", tmpdir(), ["sleep", "10"], {});
  } catch (e) {
    throw new DemoPreflightError(
      `tmux cannot start a session (${(e as Error).message}); fix tmux, or run the agents as plain processes with GT_RUNTIME_PROVIDER=subprocess`,
    );
  } finally {
    await tmux.killServer().catch(() => undefined);
    // kill-server leaves the socket file behind.
    const uid = process.getuid?.() ?? 0;
    rmSync(join(env.TMUX_TMPDIR || "/tmp", `tmux-${uid}`, socket), { force: true });
  }
  const v = await runCommand("tmux", ["-V"], { timeoutMs: 5000 }).catch(() => undefined);
  return lastLine(v?.stdout ?? "") || "tmux";
}

/** Checks everything the demo needs; throws a DemoPreflightError naming the first thing missing. */
export async function demoPreflight(env: NodeJS.ProcessEnv = process.env): Promise<Preflight> {
  const git = await checkGit(env);
  if (!onPath("sh", env))
    throw new DemoPreflightError("sh is not on PATH; the beads' scripts are run with it");
  const wanted = env.GT_RUNTIME_PROVIDER || "tmux";
  if (wanted !== "tmux" && wanted !== "subprocess")
    throw new DemoPreflightError(
      `unknown runtime provider "${wanted}" in GT_RUNTIME_PROVIDER (use tmux or subprocess)`,
    );
  if (wanted === "tmux" && onPath("tmux", env))
    return { git, runtime: "tmux", runtimeNote: await probeTmux(env) };
  // The subprocess runtime: a detached process group per session, its stdin a FIFO.
  if (!onPath("mkfifo", env))
    throw new DemoPreflightError(
      wanted === "tmux"
        ? "neither tmux nor mkfifo (for the subprocess runtime) is on PATH; install tmux"
        : "mkfifo is not on PATH; the subprocess runtime needs it for each session's input",
    );
  if (!existsSync("/bin/sh"))
    throw new DemoPreflightError("/bin/sh is missing; agent sessions start through it");
  return {
    git,
    runtime: "subprocess",
    runtimeNote:
      wanted === "tmux"
        ? "subprocess (tmux is not installed: sessions run as detached processes)"
        : "subprocess",
  };
}
