// The API-neutral half of the fake model servers the real-agent tests point agent CLIs at:
// a scripted model (which reply a request gets), a log of every request (what the model was
// shown), fixed token usage per reply (so cost figures are checkable), and a loopback HTTP
// server frame. A wire adapter (anthropic.ts; OpenAI Responses and Gemini next to it) turns
// a request body into a NeutralRequest, asks the script for a NeutralReply and writes that
// reply in its API's format, plain JSON or streamed.
//
// A script is a list of turns taken in order. A turn may wait for the last user text (all the
// input since the model's last reply: user text, tool results, hook output) to contain a
// string or match a pattern; it
// replies with text, shell commands (one tool call each, in one assistant message), or both.
// Requests that offer no tools are side queries (session titles, topics, summaries): they get
// the side reply and never consume a turn. When no turn is left, or the next one does not
// match yet, the reply is IDLE_TEXT, so an agent never waits on the server and ends its turn.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ScriptTurn {
  /** Only taken when the last user text contains this string / matches this pattern. */
  when?: string | RegExp;
  /** Text of the reply (before the tool calls, when both). */
  text?: string;
  /**
   * Shell commands the model asks the agent to run, one tool call each, in this order; or a
   * function of the input (the request's lastUserText) when a command needs what the agent
   * just showed, such as an id.
   */
  shell?: string[] | ((input: string) => string[]);
}

/** What a wire adapter extracts from a request body. */
export interface NeutralRequest {
  /** Whether the request offers any tools (false: a side query). */
  hasTools: boolean;
  /**
   * The input since the model's last reply: the user's text, tool results, and hook output
   * the agent adds (as its API carries it); "" if none. What a turn's `when` is matched on.
   */
  lastUserText: string;
}

/** Token figures a reply reports (each wire adapter maps them onto its own usage fields). */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export interface NeutralReply {
  text: string;
  shell: string[];
  /** The turn's index in the script, or "side" / "idle". */
  source: number | "side" | "idle";
  usage: Usage;
}

export const IDLE_TEXT = "(no scripted turn left)";
export const SIDE_TEXT = "Scripted side reply";

/**
 * The usage every reply reports: fixed, and different per kind of reply (and per turn) so
 * a sum over a transcript tells which replies it counted. Tests read the figures from the
 * log (`RequestLog.totalUsage`), never from a literal.
 */
export function usageFor(source: NeutralReply["source"]): Usage {
  if (source === "side") return { input: 40, output: 4, cacheRead: 0, cacheCreation: 0 };
  if (source === "idle") return { input: 900, output: 9, cacheRead: 300, cacheCreation: 0 };
  return { input: 1000 + source, output: 20 + source, cacheRead: 500, cacheCreation: 100 + source };
}

export class ScriptedModel {
  private next = 0;
  private readonly turns: ScriptTurn[];
  private readonly sideText: string;

  constructor(turns: ScriptTurn[] = [], sideText = SIDE_TEXT) {
    this.turns = [...turns];
    this.sideText = sideText;
  }

  /** Turns taken so far. */
  get consumed(): number {
    return this.next;
  }

  /** Appends turns (a test adds the next part of the story once the agent got there). */
  push(...turns: ScriptTurn[]): void {
    this.turns.push(...turns);
  }

  reply(req: NeutralRequest): NeutralReply {
    if (!req.hasTools) return { text: this.sideText, shell: [], source: "side", usage: usageFor("side") };
    const turn = this.turns[this.next];
    if (!turn || !matches(turn.when, req.lastUserText))
      return { text: IDLE_TEXT, shell: [], source: "idle", usage: usageFor("idle") };
    const index = this.next++;
    const shell = typeof turn.shell === "function" ? turn.shell(req.lastUserText) : (turn.shell ?? []);
    return { text: turn.text ?? "", shell, source: index, usage: usageFor(index) };
  }
}

function matches(when: string | RegExp | undefined, text: string): boolean {
  if (when === undefined) return true;
  return typeof when === "string" ? text.includes(when) : when.test(text);
}

export interface LoggedRequest {
  method: string;
  /** Path with query string. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body text. */
  raw: string;
  /** The parsed JSON body (undefined when not JSON). */
  body: unknown;
  /** What the script replied, for requests it answered. */
  reply?: NeutralReply;
  at: number;
}

type Needle = string | RegExp | ((r: LoggedRequest) => boolean);

function testOf(needle: Needle): (r: LoggedRequest) => boolean {
  if (typeof needle === "string") return (r) => r.raw.includes(needle);
  if (needle instanceof RegExp) return (r) => needle.test(r.raw);
  return needle;
}

/** Every request a server received, in order, with ways to find one and to await one. */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.entries.push(entry);
  }

  /** Where the log is now: pass it as `since` to look only at requests that come later. */
  mark(): number {
    return this.entries.length;
  }

  /** Requests the script answered as model turns (tools offered), in order. */
  get modelRequests(): LoggedRequest[] {
    return this.entries.filter((e) => e.reply && e.reply.source !== "side");
  }

  /** The first request (from index `since`) whose raw body contains `needle` or satisfies it. */
  find(needle: Needle, since = 0): LoggedRequest | undefined {
    return this.entries.slice(since).find(testOf(needle));
  }

  /** Waits for a request (from index `since`) whose raw body contains `needle` or satisfies it. */
  async waitFor(
    needle: Needle,
    opts: number | { timeoutMs?: number; since?: number } = {},
  ): Promise<LoggedRequest> {
    const { timeoutMs = 30_000, since = 0 } = typeof opts === "number" ? { timeoutMs: opts } : opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.find(needle, since);
      if (hit) return hit;
      if (Date.now() > deadline) {
        const seen = this.entries.map((e) => `${e.method} ${e.url}`).join(", ") || "none";
        throw new Error(`no request matched ${String(needle)} in ${timeoutMs} ms (seen: ${seen})`);
      }
      await sleep(50);
    }
  }

  /** The usage of the replies sent so far (all, or those `which` picks), added up. */
  totalUsage(which: (e: LoggedRequest) => boolean = () => true): Usage {
    const sum: Usage = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
    for (const e of this.entries) {
      if (!e.reply || !which(e)) continue;
      for (const k of Object.keys(sum) as (keyof Usage)[]) sum[k] += e.reply.usage[k];
    }
    return sum;
  }
}

/**
 * Answers one logged request: write the reply to `res` (set `entry.reply` when the script
 * answered it). The frame has already read and parsed the body.
 */
export type RouteHandler = (entry: LoggedRequest, res: ServerResponse) => void | Promise<void>;

export interface ModelServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  log: RequestLog;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server on a random port that reads each request whole, logs it, and hands
 * it to `route`. A handler that throws answers 500 with the message (the agent then shows an
 * API error, which a test sees). `close` also ends keep-alive connections, so it never hangs.
 */
export async function startModelServer(route: RouteHandler, log = new RequestLog()): Promise<ModelServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const entry: LoggedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        raw,
        body,
        at: Date.now(),
      };
      log.add(entry);
      Promise.resolve()
        .then(() => route(entry, res))
        .catch((e: unknown) => {
          if (!res.headersSent) sendJson(res, 500, { error: { message: String(e) } });
          else res.end();
        });
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts a server-sent event stream; `send(event, data)` writes one event with its data as
 * JSON (an empty event name writes the `data:` line alone, as the Gemini API does).
 */
export function sseStream(res: ServerResponse): { send(event: string, data: unknown): void; end(): void } {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  return {
    send(event, data) {
      res.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      res.end();
    },
  };
}
