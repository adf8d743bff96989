// A fake Gemini API on loopback for driving real Gemini CLI offline. Routes:
//   POST /v1beta/models/<model>:streamGenerateContent?alt=sse  the agent's turns, answered from
//        a ScriptedModel as SSE chunks `data: {"candidates":[{"content":{"role":"model",
//        "parts":[…]}}],"usageMetadata":{…}}` (text split over two chunks, the finishReason on
//        the last); without alt=sse a JSON array of the same chunks;
//   POST /v1beta/models/<model>:generateContent  one-shot requests: one carrying a JSON schema
//        (the model router's complexity_score each turn, the next-speaker check) is answered
//        with an object built from the schema (minimum numbers: a complexity_score of 1, as 0
//        fails the CLI's validation; first enum values), never consuming a turn; others (the
//        utility_summarizer at start) go to the script, which answers a request without tools
//        with its side reply;
//   POST /v1beta/models/<model>:countTokens  a rough count.
// A shell command becomes a functionCall to the shell tool the request declares
// (run_shell_command {command, description}). Anything else gets a 404. Every request is in
// `server.log`.
//
// Usage: the script's fixed figures (usageFor), as Gemini counts them: promptTokenCount =
// input + cacheRead (cached tokens are part of the prompt there), cachedContentTokenCount =
// cacheRead, candidatesTokenCount = output.
//
// What Gemini CLI needs to use it: writeGeminiHome in test/real-agents/agent-homes.ts.
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
  usageFor,
} from "./script.ts";

export interface GeminiServer extends ModelServer {
  script: ScriptedModel;
}

type Json = Record<string, unknown>;

interface Part {
  text?: string;
  thought?: boolean;
  functionCall?: { name?: string; args?: unknown };
  functionResponse?: { name?: string; response?: unknown };
}
interface Content {
  role?: string;
  parts?: Part[];
}
interface GenerateBody {
  contents?: Content[];
  systemInstruction?: Content | string;
  tools?: Array<{ functionDeclarations?: Json[] }>;
  generationConfig?: { responseJsonSchema?: unknown; responseSchema?: unknown };
}

const ROUTE = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

function declarationsOf(body: GenerateBody): Json[] {
  return (body.tools ?? []).flatMap((t) => t?.functionDeclarations ?? []);
}

/** The shell tool a request declares: its name, and how a command becomes its args. */
export function shellDeclarationOf(
  body: GenerateBody,
): { name: string; encode(c: string): Json } | undefined {
  const decl = declarationsOf(body).find((d) => d.name === "run_shell_command");
  if (!decl) return undefined;
  const props = (((decl.parametersJsonSchema ?? decl.parameters) as Json | undefined)?.properties ??
    {}) as Json;
  return {
    name: String(decl.name),
    encode: (command) =>
      "description" in props ? { command, description: `run: ${command.slice(0, 60)}` } : { command },
  };
}

function partText(p: Part): string {
  if (typeof p.text === "string" && !p.thought) return p.text;
  if (p.functionResponse) return JSON.stringify(p.functionResponse.response ?? {});
  if (p.functionCall) return JSON.stringify(p.functionCall.args ?? {});
  return "";
}

/**
 * The neutral view: tools declared, and the text of the user turns since the model's last
 * one (the prompt, hook context parts, function responses as JSON).
 */
export function neutralOf(body: GenerateBody): NeutralRequest {
  const contents = body.contents ?? [];
  let from = contents.length;
  while (from > 0 && contents[from - 1]!.role !== "model") from--;
  const text = contents
    .slice(from)
    .flatMap((c) => (c.parts ?? []).map(partText))
    .filter(Boolean)
    .join("\n");
  return { hasTools: declarationsOf(body).length > 0, lastUserText: text };
}

/** Every text a request carries (system instruction, contents, calls and responses): what the model was shown. */
export function shownText(entry: LoggedRequest): string {
  const body = entry.body as GenerateBody | undefined;
  if (!body) return "";
  const parts: string[] = [];
  const sys = body.systemInstruction;
  if (typeof sys === "string") parts.push(sys);
  else if (sys) parts.push(...(sys.parts ?? []).map(partText));
  for (const c of body.contents ?? []) parts.push(...(c.parts ?? []).map(partText));
  return parts.filter(Boolean).join("\n");
}

/** A value satisfying a simple JSON schema: minimum numbers (at least 1), first enum values, all properties. */
export function valueForSchema(schema: unknown): unknown {
  const s = (schema ?? {}) as Json;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  switch (String(s.type ?? "object").toLowerCase()) {
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? Math.max(1, s.minimum) : 1;
    case "boolean":
      return false;
    case "string":
      return "scripted";
    case "array":
      return [];
    default:
      return Object.fromEntries(
        Object.entries((s.properties ?? {}) as Json).map(([k, v]) => [k, valueForSchema(v)]),
      );
  }
}

function partsOf(reply: NeutralReply, body: GenerateBody): Part[] {
  const parts: Part[] = [];
  if (reply.text || reply.shell.length === 0) parts.push({ text: reply.text });
  const tool = reply.shell.length ? shellDeclarationOf(body) : undefined;
  for (const command of reply.shell) {
    if (!tool) throw new Error("the script runs a shell command but the request declares no shell tool");
    parts.push({ functionCall: { name: tool.name, args: tool.encode(command) } });
  }
  return parts;
}

function usageMetadata(reply: NeutralReply): Json {
  const prompt = reply.usage.input + reply.usage.cacheRead;
  return {
    promptTokenCount: prompt,
    cachedContentTokenCount: reply.usage.cacheRead,
    candidatesTokenCount: reply.usage.output,
    totalTokenCount: prompt + reply.usage.output,
  };
}

function answer(
  entry: LoggedRequest,
  res: ServerResponse,
  script: ScriptedModel,
  model: string,
  method: string,
): void {
  const body = (entry.body ?? {}) as GenerateBody;
  const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
  const reply: NeutralReply =
    method === "generateContent" && schema !== undefined
      ? { text: JSON.stringify(valueForSchema(schema)), shell: [], source: "side", usage: usageFor("side") }
      : script.reply(neutralOf(body));
  entry.reply = reply;
  const parts = partsOf(reply, body);
  const chunk = (p: Part[], last: boolean) => ({
    candidates: [
      { content: { role: "model", parts: p }, index: 0, ...(last ? { finishReason: "STOP" } : {}) },
    ],
    usageMetadata: usageMetadata(reply),
    modelVersion: model,
    responseId: `fake-${entry.at}-${Math.random().toString(36).slice(2, 8)}`,
  });
  if (method === "generateContent") {
    sendJson(res, 200, chunk(parts, true));
    return;
  }
  // Text in two chunks (the client must accumulate them), each function call whole.
  const pieces: Part[][] = parts.flatMap((p) => {
    const t = p.text;
    if (t === undefined || t.length < 2) return [[p]];
    const mid = Math.ceil(t.length / 2);
    return [[{ text: t.slice(0, mid) }], [{ text: t.slice(mid) }]];
  });
  const chunks = pieces.map((p, i) => chunk(p, i === pieces.length - 1));
  if (!/[?&]alt=sse(&|$)/.test(entry.url)) {
    sendJson(res, 200, chunks);
    return;
  }
  const sse = sseStream(res);
  for (const c of chunks) sse.send("", c);
  sse.end();
}

/** Starts the fake Gemini API with a script (more turns can be pushed later). */
export async function startGeminiServer(turns: ScriptTurn[] = []): Promise<GeminiServer> {
  const script = new ScriptedModel(turns);
  const server = await startModelServer((entry, res) => {
    const route = ROUTE.exec(entry.url.split("?")[0] ?? "");
    if (entry.method === "POST" && route?.[2] === "countTokens")
      return sendJson(res, 200, { totalTokens: Math.ceil(entry.raw.length / 4) });
    if (entry.method === "POST" && route) return answer(entry, res, script, route[1]!, route[2]!);
    sendJson(res, 404, {
      error: { code: 404, status: "NOT_FOUND", message: `no route ${entry.method} ${entry.url}` },
    });
  }, new RequestLog());
  return { ...server, script };
}
