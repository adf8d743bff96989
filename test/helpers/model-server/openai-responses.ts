// A fake OpenAI Responses API on loopback for driving real Codex offline: `POST /v1/responses`
// answered from a ScriptedModel, as plain JSON (`"stream": false`) or as the SSE stream Codex
// asks for: response.created, response.in_progress, then per output item output_item.added,
// for a message content_part.added / output_text.delta / output_text.done / content_part.done,
// for a function call function_call_arguments.delta / .done, then output_item.done with the
// whole item; last response.completed with usage. A shell command becomes a function call to
// the shell tool the request offers (exec_command {"cmd"} on current Codex; shell_command
// {"command"} or shell {"command": [argv]} on older builds). Requests without tools (thread
// titles) are side queries. Anything else gets a 404. Every request is in `server.log`.
//
// Usage: the script's fixed figures (usageFor), as the Responses API counts them:
// input_tokens = input + cacheRead (cached tokens are part of the input there),
// input_tokens_details.cached_tokens = cacheRead, output_tokens = output.
//
// What Codex needs to use it: writeCodexHome in test/real-agents/agent-homes.ts.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  type LoggedRequest,
  type ModelServer,
  type NeutralReply,
  type NeutralRequest,
  RequestLog,
  ScriptedModel,
  type ScriptTurn,
  sendJson,
  sseStream,
  startModelServer,
} from "./script.ts";

export interface ResponsesServer extends ModelServer {
  script: ScriptedModel;
}

type Json = Record<string, unknown>;

interface ResponsesBody {
  model?: string;
  stream?: boolean;
  instructions?: string;
  input?: string | Json[];
  tools?: Json[];
}

/** A shell tool a request offers, and how a command becomes its arguments. */
export interface ShellTool {
  name: string;
  encode(command: string): Json;
}

/** The shell tool among a request's `tools`, preferring exec_command; undefined if none. */
export function shellToolOf(tools: unknown): ShellTool | undefined {
  if (!Array.isArray(tools)) return undefined;
  const fns = (tools as Json[]).filter((t) => t?.type === "function");
  for (const name of ["exec_command", "shell_command", "shell"]) {
    const tool = fns.find((t) => t.name === name);
    if (!tool) continue;
    const props = ((tool.parameters as Json | undefined)?.properties ?? {}) as Json;
    if ("cmd" in props) return { name, encode: (cmd) => ({ cmd }) };
    if ((props.command as Json | undefined)?.type === "array")
      return { name, encode: (c) => ({ command: ["bash", "-lc", c] }) };
    return { name, encode: (command) => ({ command }) };
  }
  return undefined;
}

function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(textOf).filter(Boolean).join("\n");
  if (v && typeof v === "object") {
    const o = v as Json;
    if (typeof o.text === "string") return o.text;
    if (o.content !== undefined) return textOf(o.content);
    if (o.output !== undefined) return textOf(o.output);
  }
  return "";
}

/**
 * The neutral view of a Responses request: tools offered, and the last user text: everything
 * the request carries after the model's last output item (its message or tool call): tool
 * outputs, the user's message, and the developer messages Codex adds for hook output.
 */
export function neutralOf(body: ResponsesBody): NeutralRequest {
  const hasTools = (body.tools?.length ?? 0) > 0;
  if (typeof body.input === "string") return { hasTools, lastUserText: body.input };
  const input = body.input ?? [];
  const since: string[] = [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (item.type === "function_call" || item.type === "custom_tool_call" || item.role === "assistant") break;
    if (item.type === "reasoning") continue;
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output")
      since.unshift(textOf(item.output));
    else if (item.role === "user" || item.role === "developer") since.unshift(textOf(item.content));
  }
  return { hasTools, lastUserText: since.filter(Boolean).join("\n") };
}

/** Every text a request carries (instructions, messages, tool calls and outputs): what the model was shown. */
export function shownText(entry: LoggedRequest): string {
  const body = entry.body as ResponsesBody | undefined;
  if (!body) return "";
  const parts: string[] = [];
  if (body.instructions) parts.push(body.instructions);
  if (typeof body.input === "string") parts.push(body.input);
  else
    for (const item of body.input ?? [])
      parts.push(item.type === "function_call" ? String(item.arguments ?? "") : textOf(item));
  return parts.filter(Boolean).join("\n");
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

/** The completed output items of a reply: the message (if any text), then one call per command. */
function outputOf(reply: NeutralReply, tool: ShellTool | undefined): Json[] {
  const items: Json[] = [];
  if (reply.text || reply.shell.length === 0)
    items.push({
      id: id("msg"),
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: reply.text, annotations: [] }],
    });
  for (const command of reply.shell) {
    if (!tool) throw new Error("the script runs a shell command but the request offers no shell tool");
    items.push({
      id: id("fc"),
      type: "function_call",
      status: "completed",
      call_id: id("call"),
      name: tool.name,
      arguments: JSON.stringify(tool.encode(command)),
    });
  }
  return items;
}

function usageOf(reply: NeutralReply): Json {
  const input = reply.usage.input + reply.usage.cacheRead;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: reply.usage.cacheRead },
    output_tokens: reply.usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + reply.usage.output,
  };
}

/** Splits a string in two deltas (the client must accumulate them); none when empty. */
function halves(s: string): string[] {
  const mid = Math.ceil(s.length / 2);
  return !s ? [] : mid < s.length ? [s.slice(0, mid), s.slice(mid)] : [s];
}

function answer(entry: LoggedRequest, res: ServerResponse, script: ScriptedModel): void {
  const body = (entry.body ?? {}) as ResponsesBody;
  const reply = script.reply(neutralOf(body));
  entry.reply = reply;
  const output = outputOf(reply, shellToolOf(body.tools));
  const response = {
    id: id("resp"),
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "in_progress",
    model: body.model ?? "gpt-fake",
    output: [] as Json[],
  };
  const done = { ...response, status: "completed", output, usage: usageOf(reply) };
  if (body.stream === false) {
    sendJson(res, 200, done);
    return;
  }

  const sse = sseStream(res);
  let sequence_number = 0;
  const send = (type: string, data: Json) =>
    sse.send(type, { type, sequence_number: sequence_number++, ...data });
  send("response.created", { response });
  send("response.in_progress", { response });
  output.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === "function_call") {
      const args = String(item.arguments);
      send("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", arguments: "" },
      });
      for (const delta of halves(args))
        send("response.function_call_arguments.delta", { item_id, output_index, delta });
      send("response.function_call_arguments.done", { item_id, output_index, arguments: args });
    } else {
      const text = reply.text;
      const at = { item_id, output_index, content_index: 0 };
      send("response.output_item.added", {
        output_index,
        item: { ...item, status: "in_progress", content: [] },
      });
      send("response.content_part.added", {
        ...at,
        part: { type: "output_text", text: "", annotations: [] },
      });
      for (const delta of halves(text)) send("response.output_text.delta", { ...at, delta });
      send("response.output_text.done", { ...at, text });
      send("response.content_part.done", { ...at, part: { type: "output_text", text, annotations: [] } });
    }
    send("response.output_item.done", { output_index, item });
  });
  send("response.completed", { response: done });
  sse.end();
}

/** Starts the fake Responses API with a script (more turns can be pushed later). */
export async function startResponsesServer(turns: ScriptTurn[] = []): Promise<ResponsesServer> {
  const script = new ScriptedModel(turns);
  const server = await startModelServer((entry, res) => {
    const path = entry.url.split("?")[0];
    if (entry.method === "POST" && path === "/v1/responses") return answer(entry, res, script);
    sendJson(res, 404, { error: { type: "not_found", message: `no route ${entry.method} ${path}` } });
  }, new RequestLog());
  return { ...server, script };
}
