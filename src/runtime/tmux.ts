// The tmux runtime: one session per agent on the town's private tmux server. A pane whose
// process exited stays (remain-on-exit) as a zombie, so its last words can be read before
// the next start clears it.
import { Tmux } from "../adapters/tmux.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { RuntimeProvider, SessionInfo, SessionSpec } from "./provider.ts";
import { checkSpec, DEFAULT_CAPTURE_LINES, DEFAULT_GRACE_MS, stopProcesses, tidyOutput } from "./support.ts";

// What tmux prints in a pane whose process exited; not the agent's output.
const DEAD_PANE_NOTE = /(^|\n)Pane is dead \([^\n]*\)\s*$/;

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
    await this.tmux.newSession(spec.name, spec.cwd, spec.command, spec.env);
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

  async pressKey(name: string, key: "Enter" | "C-u"): Promise<void> {
    if (!(await this.isAlive(name))) throw new NotFoundError(name, `session ${name} is not running`);
    await this.tmux.sendKey(name, key);
  }

  async capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    const raw = await this.tmux.capturePane(name, lines);
    return tidyOutput(raw.replace(DEAD_PANE_NOTE, ""), lines);
  }

  async attach(name: string): Promise<number> {
    if (!(await this.tmux.hasSession(name))) throw new NotFoundError(name, `no session ${name}`);
    return this.tmux.attach(name);
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
