// A real agent CLI started directly in a tmux session on a private socket (not through gt),
// for the real-agent tests: wait for what its screen shows, type into it the way gt nudges
// (load-buffer + bracketed paste-buffer, then Enter), press keys, and stop it with everything
// it started. Every tmux call is asynchronous, so a fake model server living in the same
// process keeps answering while a test waits on the screen.
import "../helpers/isolation.ts";
import { execFile, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { killGroups, processGroupsUnder } from "../helpers/procs.ts";
import { scratchDir } from "../helpers/temp.ts";

const run = promisify(execFile);

export interface AgentPaneOptions {
  /** argv of the agent. */
  command: string[];
  cwd: string;
  /** Added to this (isolated) process's environment for the tmux server and the agent. */
  env: Record<string, string>;
  /** Taken out of that environment (a preset's env_unset, as gt does). */
  unsetEnv?: readonly string[];
  width?: number;
  height?: number;
}

function paneEnvironment(opts: AgentPaneOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  for (const k of opts.unsetEnv ?? []) delete env[k];
  return env;
}

export class AgentPane {
  readonly socket: string;
  private readonly target = "agent";
  private panePids: number[] = [];

  private constructor(socket: string) {
    this.socket = socket;
  }

  /** Starts a private tmux server whose only session runs the agent. */
  static async start(opts: AgentPaneOptions): Promise<AgentPane> {
    const pane = new AgentPane(join(scratchDir("gt-agent-tmux-"), "s"));
    await run(
      "tmux",
      [
        "-S",
        pane.socket,
        "-f",
        "/dev/null",
        // The pane stays when the agent exits, so a test sees its last screen.
        "start-server",
        ";",
        "set-option",
        "-g",
        "remain-on-exit",
        "on",
        ";",
        "new-session",
        "-d",
        "-s",
        pane.target,
        "-x",
        String(opts.width ?? 120),
        "-y",
        String(opts.height ?? 40),
        "-c",
        opts.cwd,
        ...Object.entries(opts.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
        ...opts.command,
      ],
      { env: paneEnvironment(opts) },
    );
    const { stdout } = await pane.tmux("list-panes", "-t", pane.target, "-F", "#{pane_pid}");
    pane.panePids = stdout
      .split("\n")
      .map(Number)
      .filter((n) => n > 0);
    // A test process ended by an uncaught error (an EPIPE on stdout, say) still takes its
    // agents with it; a fatal signal does not.
    process.on("exit", pane.onExit);
    return pane;
  }

  private readonly onExit = () => {
    killGroups([...new Set([...this.panePids, ...processGroupsUnder(this.panePids)])]);
    try {
      execFileSync("tmux", ["-S", this.socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // already gone
    }
  };

  private tmux(...args: string[]) {
    return run("tmux", ["-S", this.socket, ...args], { encoding: "utf8" });
  }

  /** The visible screen, one string, lines right-trimmed, trailing blank lines dropped. */
  async screen(): Promise<string> {
    const { stdout } = await this.tmux("capture-pane", "-p", "-t", this.target);
    return stdout
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n")
      .trimEnd();
  }

  /** Whether the agent process has exited (the pane stays, remain-on-exit). */
  async dead(): Promise<boolean> {
    const { stdout } = await this.tmux("display-message", "-p", "-t", this.target, "#{pane_dead}");
    return stdout.trim() === "1";
  }

  /**
   * Waits until the screen satisfies `want` (a substring, a pattern or a predicate) and
   * returns it; fails with the last screen when it does not in time or the agent exits.
   */
  async waitFor(
    want: string | RegExp | ((screen: string) => boolean),
    what: string,
    timeoutMs = 45_000,
  ): Promise<string> {
    const test =
      typeof want === "string"
        ? (s: string) => s.includes(want)
        : want instanceof RegExp
          ? (s: string) => want.test(s)
          : want;
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      last = await this.screen();
      if (test(last)) return last;
      if (await this.dead()) throw new Error(`agent exited while waiting for ${what}; screen:\n${last}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${last}`);
      await sleep(100);
    }
  }

  /** Pastes `text` as one bracketed paste (as gt nudges), without submitting it. */
  async paste(text: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = execFile("tmux", ["-S", this.socket, "load-buffer", "-b", "nudge", "-"], (err) =>
        err ? reject(err) : resolve(),
      );
      child.stdin?.end(text);
    });
    await this.tmux("paste-buffer", "-p", "-d", "-b", "nudge", "-t", this.target);
  }

  /** Presses keys (tmux key names: Enter, Down, Escape, …). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", this.target, ...keys);
  }

  /**
   * Answers a dialog: waits until the screen shows `on` and has stopped changing (a TUI may
   * draw a dialog a moment before it reads keys), presses `key`, and waits for `expect`. A key
   * the agent dropped is pressed again (twice at most), but only when the screen has stayed
   * exactly as it was for 8 s, so a slow agent that is redrawing never gets it twice.
   */
  async answer(
    on: string | RegExp,
    key: string,
    expect: string | RegExp | ((s: string) => boolean),
    what: string,
    timeoutMs = 45_000,
  ): Promise<string> {
    const shows = (s: string) => (typeof on === "string" ? s.includes(on) : on.test(s));
    let before = await this.waitStable(shows, what);
    const deadline = Date.now() + timeoutMs;
    await this.keys(key);
    for (let presses = 1; ; ) {
      try {
        return await this.waitFor(
          expect,
          `${what} (after ${key})`,
          Math.max(0, Math.min(8_000, deadline - Date.now())),
        );
      } catch (e) {
        if (Date.now() >= deadline || (await this.dead())) throw e;
        const now = await this.screen();
        if (now === before && shows(now) && presses < 3) {
          await this.keys(key);
          presses++;
        }
        before = now;
      }
    }
  }

  /** Waits for `want`, then until two captures 300 ms apart are the same; returns the screen. */
  async waitStable(want: (s: string) => boolean, what: string): Promise<string> {
    let last = await this.waitFor(want, what);
    for (;;) {
      await sleep(300);
      const now = await this.screen();
      if (now === last && want(now)) return now;
      last = await this.waitFor(want, what);
    }
  }

  /**
   * Submits a one-line prompt as gt nudges: bracketed paste, then Enter once the screen shows
   * the text and has settled, then waits until `accepted` (e.g. the empty input's placeholder
   * is back). An Enter the agent took as part of the paste (Gemini CLI turns an Enter handled
   * within 30 ms of a paste into a newline) leaves the text in the input: Enter is pressed
   * again then, and only then.
   */
  async submit(text: string, accepted: (screen: string) => boolean): Promise<string> {
    await this.paste(text);
    await this.waitStable((s) => s.includes(text), "the pasted prompt in the input");
    for (let presses = 1; ; presses++) {
      await this.keys("Enter");
      try {
        return await this.waitFor(accepted, "the prompt submitted", presses < 3 ? 10_000 : 30_000);
      } catch (e) {
        if (presses >= 3 || (await this.dead())) throw e;
        const now = await this.waitStable(() => true, "a settled screen");
        if (accepted(now)) return now;
        if (!now.includes(text)) throw e;
      }
    }
  }

  /**
   * Ends the agent and everything it started (by parentage from the pane's pid: an agent
   * that ignores the terminal going away is still ended), then the tmux server.
   */
  async stop(): Promise<void> {
    process.off("exit", this.onExit);
    killGroups([...new Set([...this.panePids, ...processGroupsUnder(this.panePids)])]);
    await this.tmux("kill-server").catch(() => undefined);
  }
}

/** Pids of live processes whose working directory is `dir` or below it (Linux /proc). */
export function processesIn(dir: string): number[] {
  const found: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(join("/proc", name, "cwd"));
      if (cwd === dir || cwd.startsWith(`${dir}/`)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * Waits (killing takes a moment to land) until no process works in `dir`; fails naming the
 * ones left, with their command lines.
 */
export async function assertNoProcessesIn(dir: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesIn(dir);
    if (!left.length) return;
    if (Date.now() > deadline) {
      const described = left.map((pid) => {
        try {
          return `${pid} ${readFileSync(join("/proc", String(pid), "cmdline"), "utf8").replaceAll("\0", " ")}`;
        } catch {
          return String(pid);
        }
      });
      throw new Error(`processes left working in ${dir}:\n${described.join("\n")}`);
    }
    await sleep(100);
  }
}

/** Waits until `check` holds (polling); fails with `what` after the timeout. */
export async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an agent in print mode to its end with stdin at /dev/null (Codex reads a piped stdin
 * to its end first); asynchronous, so a fake server in this process keeps answering.
 */
export function runToExit(
  command: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      killGroups([child.pid!]);
      reject(
        new Error(`${command.join(" ")} did not end in ${opts.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`),
      );
    }, opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      // Whatever it left running in its group ends with it.
      killGroups([child.pid!]);
      resolve({ code, stdout, stderr });
    });
  });
}
