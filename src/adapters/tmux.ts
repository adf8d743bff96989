// A thin adapter over the tmux CLI. Every call names a private server with `-L <socket>`
// (one per town), so Gas Town never touches the user's own tmux sessions. Also home to the
// POSIX shell-quoting helpers, since tmux is where argv first becomes a shell string.
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConflictError, NotFoundError } from "../errors.ts";
import { lazyChildProcess, lazyCrypto } from "../lazy.ts";
import { CommandError, type RunResult, runCommand } from "./process.ts";

/** Quotes one word for a POSIX shell: bare when plainly safe, else single-quoted ('\'' for '). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one shell command line that runs exactly that argv. */
export function shellJoin(argv: string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * The tmux socket of a town: `<dir name>-<6 hex of sha256(real path)>`, sanitised to
 * [a-z0-9_-], so two towns with the same directory name never share a server.
 * GT_TMUX_SOCKET overrides it unless it is '', 'default' or 'auto'.
 * The name is kept in the town's .runtime/tmux-socket with the path it was made from:
 * loading node:crypto for the hash costs a good part of a gt start, and every command that
 * looks at sessions needs the name (a file of another path, as in a moved town, is ignored).
 */
export function townSocketName(townRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const forced = env.GT_TMUX_SOCKET;
  if (forced && forced !== "default" && forced !== "auto") return forced;
  let path = resolve(townRoot);
  try {
    path = realpathSync(path);
  } catch {
    // not created yet: the absolute path is the best name we have
  }
  const cache = join(path, ".runtime", "tmux-socket");
  try {
    const [madeFrom, name] = readFileSync(cache, "utf8").split("\n");
    if (madeFrom === path && name && /^[a-z0-9_-]+-[0-9a-f]{6}$/.test(name)) return name;
  } catch {
    // not kept yet
  }
  const base =
    basename(path)
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, "-") || "town";
  const hash = lazyCrypto().createHash("sha256").update(path).digest("hex").slice(0, 6);
  const name = `${base}-${hash}`;
  // Only in a town (its .runtime exists); written whole, so a reader never sees half of it.
  const tmp = `${cache}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${path}\n${name}\n`, { flag: "wx" });
    renameSync(tmp, cache);
  } catch {
    rmSync(tmp, { force: true });
  }
  return name;
}

/** Whether a tmux binary can be run at all. */
export async function tmuxAvailable(): Promise<boolean> {
  try {
    return (await runCommand("tmux", ["-V"], { timeoutMs: 5000 })).exitCode === 0;
  } catch {
    return false;
  }
}

// tmux reads an argument ending in ';' as a command separator; "\;" at the end is a literal ';'.
function tmuxArg(arg: string): string {
  return arg.endsWith(";") ? `${arg.slice(0, -1)}\\;` : arg;
}

const NO_SERVER = /no server running|error connecting to|server exited/i;
const NO_SESSION = /can't find (session|window|pane)|session not found/i;

/**
 * The pane's shell script: runs the argv (via /bin/sh whatever the user's shell is) and
 * lingers 0.2 s before exiting with its status. Without that pause tmux can close a pane
 * whose process exits right after printing before it has read the output (measured: ~1
 * in 6 instant exits lost it), and a crashed agent's last words are the point of
 * remain-on-exit. `trap : INT` keeps Ctrl-C for the agent: a handler, unlike an ignored
 * signal, is reset for the child, and the script survives an agent that handles it.
 */
function paneScript(command: string[], unset: string[]): string {
  const names = unset.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  const clear = names.length ? `unset ${names.join(" ")} 2>/dev/null; ` : "";
  return `${clear}trap : INT; ${shellJoin(command)}; s=$?; sleep 0.2 2>/dev/null; exit $s`;
}

export interface PaneState {
  dead: boolean;
  pid: number;
}

export interface TmuxSession {
  name: string;
  createdAt: Date;
  /** PID of the first pane's process (kept after it died while remain-on-exit is on). */
  pid: number;
  dead: boolean;
}

export class Tmux {
  readonly socket: string;

  constructor(socket: string) {
    this.socket = socket;
  }

  /** Runs one tmux command, or several in one invocation (joined by tmux's ';'). */
  private run(...commands: string[][]): Promise<RunResult> {
    return this.runWith(undefined, ...commands);
  }

  /** `run` with the tmux client itself started with `env` (undefined: gt's own). */
  private runWith(env: NodeJS.ProcessEnv | undefined, ...commands: string[][]): Promise<RunResult> {
    const args = commands.map((c) => c.map(tmuxArg)).flatMap((c, i) => (i === 0 ? c : [";", ...c]));
    return runCommand("tmux", ["-L", this.socket, ...args], { timeoutMs: 15_000, ...(env ? { env } : {}) });
  }

  /** Runs a command; a missing session or server is `undefined`, any other failure throws. */
  private async query(args: string[]): Promise<string | undefined> {
    const r = await this.run(args);
    if (r.exitCode === 0) return r.stdout;
    if (NO_SERVER.test(r.stderr) || NO_SESSION.test(r.stderr)) return undefined;
    throw new CommandError(`tmux ${args[0]}`, r);
  }

  /**
   * Creates a detached session running `command` with `env` given to its first process
   * (over the server's global environment, less the `unset` names), and keeps the pane
   * after the command exits so its last output stays readable (remain-on-exit, set in the
   * same tmux invocation so even an instant exit is kept). tmux gives a new pane the PATH of
   * the client that asked for it, whatever `-e` says: the client runs with `env.PATH`.
   */
  async newSession(
    name: string,
    cwd: string,
    command: string[],
    env: Record<string, string>,
    unset: string[] = [],
  ): Promise<void> {
    const client = env.PATH === undefined ? undefined : { ...process.env, PATH: env.PATH };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const create = [
      ...["new-session", "-d", "-s", name, "-c", cwd, "-x", "220", "-y", "50", ...envArgs],
      ...["/bin/sh", "-c", paneScript(command, unset)],
    ];
    const keepDead = ["set-option", "-w", "-t", `=${name}:`, "remain-on-exit", "on"];
    for (let attempt = 1; ; attempt++) {
      const r = await this.runWith(client, create, keepDead);
      if (r.exitCode === 0) return;
      if (/duplicate session/i.test(r.stderr))
        throw new ConflictError("session_exists", `session ${name} already running`);
      // The server was exiting (its last session just ended) as we reached it: start a new one.
      if (attempt >= 5 || !(NO_SERVER.test(r.stderr) || /lost server/i.test(r.stderr)))
        throw new CommandError("tmux new-session", r);
      await sleep(50 * attempt);
    }
  }

  /**
   * The server's global environment (what every new pane starts from), or undefined when
   * no server runs. A value holding a newline is not told apart from the lines after it.
   */
  async globalEnvironment(): Promise<Map<string, string> | undefined> {
    const out = await this.query(["show-environment", "-g"]);
    if (out === undefined) return undefined;
    const vars = new Map<string, string>();
    let last: string | undefined;
    for (const line of out.split("\n")) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(line);
      if (m) {
        vars.set(m[1]!, m[2]!);
        last = m[1];
      } else if (last && line && !line.startsWith("-")) vars.set(last, `${vars.get(last)}\n${line}`);
    }
    return vars;
  }

  async hasSession(name: string): Promise<boolean> {
    return (await this.query(["has-session", "-t", `=${name}`])) !== undefined;
  }

  /** Dead flag and PID of the session's first pane; undefined when there is no such session. */
  async paneState(name: string): Promise<PaneState | undefined> {
    // list-panes, not display-message: display-message ignores a missing target.
    const out = await this.query(["list-panes", "-t", `=${name}:`, "-F", "#{pane_dead} #{pane_pid}"]);
    const [dead, pid] = (out ?? "").split("\n")[0]?.trim().split(" ") ?? [];
    if (!pid) return undefined;
    return { dead: dead === "1", pid: Number(pid) };
  }

  async paneDead(name: string): Promise<boolean | undefined> {
    return (await this.paneState(name))?.dead;
  }

  async panePid(name: string): Promise<number | undefined> {
    return (await this.paneState(name))?.pid;
  }

  /** The pane's text with `lines` lines of history (0: the visible screen only), wrapped lines joined. */
  async capturePane(name: string, lines: number): Promise<string> {
    const history = lines > 0 ? ["-S", `-${lines}`] : [];
    const out = await this.query(["capture-pane", "-p", "-J", "-t", `=${name}:`, ...history]);
    if (out === undefined) throw new NotFoundError(name, `no session ${name}`);
    return out;
  }

  /** Types `text` literally (no key-name lookup); Enter is a separate sendKey. */
  async sendLiteral(name: string, text: string): Promise<void> {
    if (text === "") return;
    await this.checked(name, ["send-keys", "-t", `=${name}:`, "-l", "--", text]);
  }

  /**
   * Pastes `text` into the pane as one bracketed paste (when the program asked for bracketed
   * paste, tmux wraps it in the paste markers): newlines stay inside the pasted text and
   * nothing in it is read as a key name. The buffer is given on stdin and deleted after.
   */
  async pasteText(name: string, text: string): Promise<void> {
    const buffer = `gt-nudge-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const load = await runCommand("tmux", ["-L", this.socket, "load-buffer", "-b", buffer, "-"], {
      input: text,
      timeoutMs: 15_000,
    });
    if (load.exitCode !== 0) throw new CommandError("tmux load-buffer", load);
    await this.checked(name, ["paste-buffer", "-p", "-r", "-d", "-b", buffer, "-t", `=${name}:`]);
  }

  async sendKey(name: string, key: string): Promise<void> {
    await this.checked(name, ["send-keys", "-t", `=${name}:`, key]);
  }

  private async checked(name: string, args: string[]): Promise<void> {
    if ((await this.query(args)) === undefined) throw new NotFoundError(name, `no session ${name}`);
  }

  /** False when there was no such session. */
  async killSession(name: string): Promise<boolean> {
    return (await this.query(["kill-session", "-t", `=${name}`])) !== undefined;
  }

  /** Every session of this server; no server at all is an empty list. */
  async listSessions(): Promise<TmuxSession[]> {
    const format = "#{session_name}\t#{session_created}\t#{pane_pid}\t#{pane_dead}";
    const out = await this.query(["list-sessions", "-F", format]);
    const rows: TmuxSession[] = [];
    for (const line of (out ?? "").split("\n")) {
      const [name, created, pid, dead] = line.split("\t");
      if (!name || created === undefined) continue;
      rows.push({ name, createdAt: new Date(Number(created) * 1000), pid: Number(pid), dead: dead === "1" });
    }
    return rows;
  }

  async killServer(): Promise<void> {
    await this.query(["kill-server"]);
  }

  /**
   * Kills this socket's server and removes its socket file (kill-server leaves it behind);
   * false when no server was running.
   */
  async endServer(): Promise<boolean> {
    const r = await this.run(["list-sessions"]);
    const running = r.exitCode === 0 || !NO_SERVER.test(r.stderr);
    if (running) await this.killServer();
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, this.socket), {
      force: true,
    });
    return running;
  }

  /** Attaches the caller's terminal (stdio inherited); resolves with tmux's exit code. */
  async attach(name: string): Promise<number> {
    const child = lazyChildProcess().spawn("tmux", ["-L", this.socket, "attach-session", "-t", `=${name}`], {
      stdio: "inherit",
    });
    return new Promise((resolvePromise) => {
      child.on("error", () => resolvePromise(1));
      child.on("close", (code) => resolvePromise(code ?? 1));
    });
  }
}
