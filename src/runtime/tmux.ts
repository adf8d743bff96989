// The tmux runtime: one session per agent on the town's private tmux server. A pane whose
// process exited stays (remain-on-exit) as a zombie, so its last words can be read before
// the next start clears it. A session's environment is that of the gt starting it (plus
// the spec's), never what the long-lived server happened to start with.
import { Tmux } from "../adapters/tmux.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { RuntimeProvider, ServerEnd, SessionInfo, SessionKey, SessionSpec } from "./provider.ts";
import {
  checkSpec,
  DEFAULT_CAPTURE_LINES,
  DEFAULT_GRACE_MS,
  DEFAULT_SCREEN_LINES,
  sessionEnvironment,
  stopProcesses,
  tidyOutput,
} from "./support.ts";

// What tmux prints in a pane whose process exited; not the agent's output.
const DEAD_PANE_NOTE = /(^|\n)Pane is dead \([^\n]*\)\s*$/;

// Set by tmux or the shell for each pane, whatever the starting environment said.
const PANE_OWNED = new Set(["TMUX", "TMUX_PANE", "TERM", "PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES"]);

/**
 * What a new session must be told so that it starts with exactly `wanted`: the variables
 * the server's global environment lacks or holds with another value, and those it holds
 * that `wanted` does not. (With no server yet, the one new-session starts inherits gt's own
 * environment, so only what differs from that is passed.)
 */
export function environmentDelta(
  wanted: NodeJS.ProcessEnv,
  server: ReadonlyMap<string, string>,
): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(wanted))
    if (v !== undefined && !PANE_OWNED.has(k) && server.get(k) !== v) set[k] = v;
  const unset = [...server.keys()].filter((k) => wanted[k] === undefined && !PANE_OWNED.has(k));
  return { set, unset };
}

export class TmuxProvider implements RuntimeProvider {
  readonly kind = "tmux" as const;
  readonly tmux: Tmux;

  constructor(opts: { socket: string }) {
    this.tmux = new Tmux(opts.socket);
  }

  async start(spec: SessionSpec): Promise<void> {
    checkSpec(spec);
    const pane = await this.tmux.paneState(spec.name);
    if (pane && !pane.dead) throw new ConflictError("session_exists", `session ${spec.name} already running`);
    if (pane) await this.stop(spec.name, { graceMs: 0 });
    const wanted = sessionEnvironment(spec);
    const server =
      (await this.tmux.globalEnvironment()) ?? new Map(Object.entries(process.env) as [string, string][]);
    const { set, unset } = environmentDelta(wanted, server);
    // PATH always goes along: tmux takes a new pane's PATH from the client, not the server.
    if (wanted.PATH !== undefined) set.PATH = wanted.PATH;
    await this.tmux.newSession(spec.name, spec.cwd, spec.command, set, unset);
  }

  async stop(name: string, opts: { graceMs?: number } = {}): Promise<boolean> {
    const pane = await this.tmux.paneState(name);
    if (!pane) return false;
    // The session goes between the grace period and the final SIGKILL of leftovers.
    await stopProcesses(pane.pid, !pane.dead, opts.graceMs ?? DEFAULT_GRACE_MS, async () => {
      await this.tmux.killSession(name);
    });
    return true;
  }

  async isAlive(name: string): Promise<boolean> {
    const pane = await this.tmux.paneState(name);
    return pane !== undefined && !pane.dead;
  }

  async sendText(name: string, text: string): Promise<void> {
    if (!(await this.isAlive(name))) throw new NotFoundError(name, `session ${name} is not running`);
    await this.tmux.sendLiteral(name, text);
    await this.tmux.sendKey(name, "Enter");
  }

  async paste(name: string, text: string): Promise<void> {
    if (!(await this.isAlive(name))) throw new NotFoundError(name, `session ${name} is not running`);
    await this.tmux.pasteText(name, text);
  }

  async pressKey(name: string, key: SessionKey): Promise<void> {
    if (!(await this.isAlive(name))) throw new NotFoundError(name, `session ${name} is not running`);
    await this.tmux.sendKey(name, key);
  }

  async capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    const raw = await this.tmux.capturePane(name, lines);
    return tidyOutput(raw.replace(DEAD_PANE_NOTE, ""), lines);
  }

  async screen(name: string): Promise<string> {
    const raw = await this.tmux.capturePane(name, 0);
    return tidyOutput(raw.replace(DEAD_PANE_NOTE, ""), DEFAULT_SCREEN_LINES);
  }

  async attach(name: string): Promise<number> {
    if (!(await this.tmux.hasSession(name))) throw new NotFoundError(name, `no session ${name}`);
    return this.tmux.attach(name);
  }

  async endServer(): Promise<ServerEnd> {
    return { name: `tmux server (socket ${this.tmux.socket})`, ended: await this.tmux.endServer() };
  }

  async list(): Promise<SessionInfo[]> {
    return (await this.tmux.listSessions()).map((s) => ({
      name: s.name,
      alive: !s.dead,
      ...(s.pid > 0 ? { pid: s.pid } : {}),
      createdAt: s.createdAt.toISOString(),
    }));
  }
}
