// A fake Anthropic Messages API on loopback for driving real Claude Code offline: `POST
// /v1/messages` (with or without `?beta=true`) answered from a ScriptedModel, as plain JSON
// or as the SSE stream Claude Code asks for (message_start, content_block_start/delta/stop
// per block with text_delta or input_json_delta, message_delta with the stop reason and
// usage, message_stop). A shell command becomes a `tool_use` block named Bash with
// {command, description}. `HEAD /` (Claude's preconnect) and anything else get a 404;
// count_tokens gets a figure. Every request is in `server.log`.
//
// What Claude Code needs to use it: claudeEnv(server, configDir) below.
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

export interface AnthropicServer extends ModelServer {
  script: ScriptedModel;
}

interface ContentBlock {
  type: string;
  text?: string;
  content?: unknown;
}
interface MessagesBody {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: Array<{ role: string; content: string | ContentBlock[] }>;
}

function blockText(b: ContentBlock): string {
  if (b.type === "text") return b.text ?? "";
  if (b.type === "tool_result") {
    if (typeof b.content === "string") return b.content;
    if (Array.isArray(b.content)) return (b.content as ContentBlock[]).map(blockText).join("\n");
  }
  return "";
}

/**
 * The neutral view of a Messages request: tools offered, and everything since the model's
 * last reply (the user's text, tool results, and hook output, which Claude Code sends as
 * `system` messages after the user's).
 */
export function neutralOf(body: MessagesBody): NeutralRequest {
  const messages = body.messages ?? [];
  let from = messages.length;
  while (from > 0 && messages[from - 1]!.role !== "assistant") from--;
  const text = messages
    .slice(from)
    .map((m) => (typeof m.content === "string" ? m.content : m.content.map(blockText).join("\n")))
    .join("\n");
  return { hasTools: (body.tools?.length ?? 0) > 0, lastUserText: text };
}

/** Every text a request carries (system prompt, messages, tool results), joined: what the model was shown. */
export function shownText(entry: LoggedRequest): string {
  const body = entry.body as (MessagesBody & { system?: string | ContentBlock[] }) | undefined;
  if (!body) return "";
  const parts: string[] = [];
  if (typeof body.system === "string") parts.push(body.system);
  else if (Array.isArray(body.system)) parts.push(...body.system.map(blockText));
  for (const m of body.messages ?? [])
    parts.push(typeof m.content === "string" ? m.content : m.content.map(blockText).join("\n"));
  return parts.join("\n");
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

function contentOf(reply: NeutralReply): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (reply.text || reply.shell.length === 0) blocks.push({ type: "text", text: reply.text });
  for (const command of reply.shell)
    blocks.push({
      type: "tool_use",
      id: id("toolu"),
      name: "Bash",
      input: { command, description: `run: ${command.slice(0, 60)}` },
    });
  return blocks;
}

function usageOf(reply: NeutralReply) {
  return {
    input_tokens: reply.usage.input,
    output_tokens: reply.usage.output,
    cache_read_input_tokens: reply.usage.cacheRead,
    cache_creation_input_tokens: reply.usage.cacheCreation,
  };
}

function answer(entry: LoggedRequest, res: ServerResponse, script: ScriptedModel): void {
  const body = (entry.body ?? {}) as MessagesBody;
  const reply = script.reply(neutralOf(body));
  entry.reply = reply;
  const content = contentOf(reply);
  const stopReason = reply.shell.length ? "tool_use" : "end_turn";
  const usage = usageOf(reply);
  const message = {
    id: id("msg"),
    type: "message",
    role: "assistant",
    model: body.model ?? "claude-fake",
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
  if (!body.stream) {
    sendJson(res, 200, message);
    return;
  }

  const sse = sseStream(res);
  sse.send("message_start", {
    type: "message_start",
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === "text") {
      sse.send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      });
      sse.send("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: block.text },
      });
    } else {
      sse.send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { ...block, input: {} },
      });
      sse.send("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      });
    }
    sse.send("content_block_stop", { type: "content_block_stop", index });
  });
  sse.send("message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage,
  });
  sse.send("message_stop", { type: "message_stop" });
  sse.end();
}

/** Starts the fake Messages API with a script (more turns can be pushed later). */
export async function startAnthropicServer(turns: ScriptTurn[] = []): Promise<AnthropicServer> {
  const script = new ScriptedModel(turns);
  const server = await startModelServer((entry, res) => {
    const path = entry.url.split("?")[0];
    if (entry.method === "POST" && path === "/v1/messages") answer(entry, res, script);
    else if (entry.method === "POST" && path === "/v1/messages/count_tokens")
      sendJson(res, 200, { input_tokens: Math.ceil(entry.raw.length / 4) });
    else
      sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: `no route ${path}` } });
  }, new RequestLog());
  return { ...server, script };
}

/**
 * The environment that points Claude Code at `server`, offline: ANTHROPIC_AUTH_TOKEN (the
 * API-key variable would raise the "custom API key" dialog), no telemetry or other traffic,
 * its own config dir, and IS_SANDBOX=1 (as root it refuses --dangerously-skip-permissions
 * without it).
 */
export function claudeEnv(server: { url: string }, configDir: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_AUTH_TOKEN: "fake-token-for-tests",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    IS_SANDBOX: "1",
    CLAUDE_CONFIG_DIR: configDir,
  };
}
