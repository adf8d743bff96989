// The Agent Client Protocol relay behind `gt mayor acp`: an IDE speaks ACP (JSON-RPC 2.0, one
// JSON object per line) on our stdin/stdout; we run the agent's ACP process and pass every
// line through unchanged, watching only enough of the conversation to speak ourselves:
//   - the handshake (initialize, then session/new, whose result names the sessionId);
//   - which session/prompt requests are still unanswered (the agent is busy until they are);
// and we add our own session/prompt requests (the startup context, queued nudges) when the
// agent is idle. Answers to our own requests are not passed to the IDE, which never asked;
// the agent's session/update notifications while it works on them are, so the IDE shows them.
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { lazyChildProcess } from "../lazy.ts";

type Id = string | number;

interface RpcMessage {
  jsonrpc?: string;
  id?: Id | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

export const OWN_ID_PREFIX = "gastown-";
export const STARTUP_PROMPT_ID = "gastown-startup-prompt";

export interface AcpProxyOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Sent as the first prompt once the IDE's session/new has its sessionId. */
  startupPrompt?: string;
  /** Where the agent's stderr goes (our stderr by default). */
  stderr?: Writable;
}

/** Splits a stream into lines, calling `onLine` for each whole one. */
function eachLine(stream: Readable, onLine: (line: string) => void, onEnd: () => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) onLine(line);
    }
  });
  stream.on("end", () => {
    if (buf.trim()) onLine(buf);
    onEnd();
  });
}

function parse(line: string): RpcMessage | undefined {
  try {
    const m = JSON.parse(line) as unknown;
    return m && typeof m === "object" && !Array.isArray(m) ? (m as RpcMessage) : undefined;
  } catch {
    return undefined;
  }
}

export class AcpProxy {
  private child: ChildProcess | undefined;
  private sessionId: string | undefined;
  /** IDs of session/prompt requests not yet answered (the IDE's and ours). */
  private readonly pending = new Set<string>();
  /** Our own requests (IDs) whose answers stay with us. */
  private readonly own = new Set<string>();
  /** session/load requests in flight: their ID → the session they load. */
  private readonly loads = new Map<string, string>();
  private ownCount = 0;
  private startupSent = false;
  private closed = false;
  private exit: Promise<number> | undefined;

  private readonly opts: AcpProxyOptions;
  private readonly ui: { input: Readable; output: Writable };

  constructor(opts: AcpProxyOptions, ui: { input: Readable; output: Writable }) {
    this.opts = opts;
    this.ui = ui;
  }

  /** Whether the agent has a session and no prompt in flight. */
  get idle(): boolean {
    return this.sessionId !== undefined && this.pending.size === 0 && this.startupSent;
  }

  get session(): string | undefined {
    return this.sessionId;
  }

  /** Starts the agent and relays until either side ends; resolves with the agent's exit code. */
  start(): Promise<number> {
    const child = lazyChildProcess().spawn(this.opts.command, this.opts.args, {
      cwd: this.opts.cwd,
      env: this.opts.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.exit = new Promise<number>((resolve, reject) => {
      child.once("error", (e) => reject(new Error(`cannot start ${this.opts.command}: ${e.message}`)));
      child.once("close", (code, signal) => {
        this.closed = true;
        // The IDE's side is done with too: a pipe left open would keep this process alive.
        this.ui.input.destroy();
        resolve(code ?? (signal ? 128 : 1));
      });
    });
    child.stderr!.pipe(this.opts.stderr ?? process.stderr, { end: false });
    child.stdin!.on("error", () => {
      // the agent went away mid-write: its exit ends the relay
    });
    eachLine(
      child.stdout!,
      (line) => this.fromAgent(line),
      () => {},
    );
    eachLine(
      this.ui.input,
      (line) => this.fromUi(line),
      () => this.stop(),
    );
    return this.exit;
  }

  /** Ends the agent: stdin closed, then SIGTERM if it lingers. */
  stop(): void {
    const child = this.child;
    if (!child || this.closed) return;
    child.stdin!.end();
    const timer = setTimeout(() => {
      if (!this.closed) child.kill("SIGTERM");
    }, 2000);
    timer.unref();
  }

  /**
   * Sends `text` as a prompt of our own in the IDE's session. False when it cannot be sent now
   * (no session yet, or the agent is busy): the caller keeps it for later.
   */
  injectPrompt(text: string, id = `${OWN_ID_PREFIX}prompt-${++this.ownCount}`): boolean {
    if (this.closed || !this.sessionId || this.pending.size > 0) return false;
    this.own.add(id);
    this.pending.add(id);
    this.toAgent({
      jsonrpc: "2.0",
      id,
      method: "session/prompt",
      params: { sessionId: this.sessionId, prompt: [{ type: "text", text }] },
    });
    return true;
  }

  private toAgent(msg: RpcMessage | string): void {
    if (this.closed) return;
    this.child?.stdin?.write(`${typeof msg === "string" ? msg : JSON.stringify(msg)}\n`);
  }

  private toUi(line: string): void {
    this.ui.output.write(`${line}\n`);
  }

  private fromUi(line: string): void {
    const m = parse(line);
    if (m?.method === "session/prompt" && m.id !== undefined && m.id !== null) this.pending.add(String(m.id));
    // session/load names the session in the request; its answer carries no sessionId.
    const loading = m?.params?.sessionId;
    if (m?.method === "session/load" && m.id !== undefined && m.id !== null && typeof loading === "string")
      this.loads.set(String(m.id), loading);
    this.toAgent(line);
  }

  private fromAgent(line: string): void {
    const m = parse(line);
    const isAnswer = m && m.method === undefined && m.id !== undefined && m.id !== null;
    if (isAnswer) {
      const id = String(m.id);
      this.pending.delete(id);
      const loaded = this.loads.get(id);
      this.loads.delete(id);
      const sid =
        (m.result as { sessionId?: unknown } | undefined)?.sessionId ?? (m.error ? undefined : loaded);
      if (typeof sid === "string" && sid && !this.own.has(id)) {
        // session/new (or session/load) answered: the IDE's session is the one we speak in.
        this.sessionId = sid;
      }
      if (this.own.delete(id)) {
        if (id === STARTUP_PROMPT_ID) this.startupSent = true;
        return;
      }
    }
    this.toUi(line);
    if (isAnswer && this.sessionId && !this.startupSent) this.sendStartup();
  }

  private sendStartup(): void {
    const text = this.opts.startupPrompt?.trim();
    if (!text) {
      this.startupSent = true;
      return;
    }
    // Not counted as sent until the agent answers it: nothing else is injected before.
    if (!this.injectPrompt(text, STARTUP_PROMPT_ID)) return;
  }
}
