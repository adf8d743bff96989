// Agents' own transcripts and the token usage in them. An agent whose hooks tell us where its
// transcript is (Claude passes `transcript_path` to every hook, Codex to its Stop hook,
// Gemini CLI to AfterAgent) has it recorded once per
// agent session under `.runtime/transcripts/`; `gt costs` then reads the usage from those
// files when asked, so a turn costs the agent nothing more than a file check.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What is known of one agent session's transcript. */
export interface TranscriptRecord {
  /** The agent's own session id (Claude's), which names its transcript. */
  session_id: string;
  transcript: string;
  /** Gas Town's side: the agent's address, its tmux session, its preset. */
  actor: string;
  session: string;
  agent: string;
  recorded_at: string;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface TranscriptUsage extends TokenUsage {
  /** Model replies counted (one per message id, however many lines the agent wrote for it). */
  replies: number;
}

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

function transcriptsDir(runtimeDir: string): string {
  return join(runtimeDir, "transcripts");
}

/**
 * Notes where an agent session's transcript is, from what a hook received on stdin (Claude:
 * `{session_id, transcript_path, …}`). Written once per agent session; later calls with the
 * same id cost one existence check.
 */
export function recordTranscript(
  runtimeDir: string,
  hookInput: string | undefined,
  who: { actor: string; session: string; agent: string },
): TranscriptRecord | undefined {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(hookInput ?? "") as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const id = input.session_id;
  const path = input.transcript_path;
  if (typeof id !== "string" || !SAFE_ID.test(id) || typeof path !== "string" || !path) return undefined;
  const file = join(transcriptsDir(runtimeDir), `${id}.json`);
  if (existsSync(file)) return undefined;
  const record: TranscriptRecord = {
    session_id: id,
    transcript: path,
    ...who,
    recorded_at: new Date().toISOString(),
  };
  mkdirSync(transcriptsDir(runtimeDir), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, file);
  return record;
}

/** Every recorded transcript, oldest first. */
export function listTranscripts(runtimeDir: string): TranscriptRecord[] {
  const dir = transcriptsDir(runtimeDir);
  if (!existsSync(dir)) return [];
  const out: TranscriptRecord[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), "utf8")) as TranscriptRecord);
    } catch {
      // a half-written or broken record says nothing
    }
  }
  return out.sort(
    (a, b) => a.recorded_at.localeCompare(b.recorded_at) || a.session_id.localeCompare(b.session_id),
  );
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * The usage in a Claude Code session JSONL: every assistant entry carries its reply's
 * `message.usage`, and a reply with several content blocks is written as several entries
 * with the same message id (and request id), so each reply is counted once. Lines that do
 * not parse (a line still being written) are skipped.
 */
export function claudeTranscriptUsage(text: string): TranscriptUsage {
  const seen = new Set<string>();
  const sum: TranscriptUsage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    replies: 0,
  };
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let entry: {
      type?: string;
      requestId?: string;
      message?: { id?: string; usage?: Record<string, unknown> };
    };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const usage = entry.message?.usage;
    if (entry.type !== "assistant" || !usage) continue;
    const key = `${entry.requestId ?? ""}:${entry.message?.id ?? line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sum.replies++;
    sum.input_tokens += num(usage.input_tokens);
    sum.output_tokens += num(usage.output_tokens);
    sum.cache_read_input_tokens += num(usage.cache_read_input_tokens);
    sum.cache_creation_input_tokens += num(usage.cache_creation_input_tokens);
  }
  return sum;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) out.push(v as Record<string, unknown>);
    } catch {
      // a line still being written
    }
  }
  return out;
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The usage in a Codex rollout (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-….jsonl`): after each
 * model response Codex writes an `event_msg` of type `token_count` whose
 * `info.total_token_usage` is the session's running total, so the last one is the sum; a
 * reply is a total that moved. Codex counts cached tokens inside `input_tokens`; here, as
 * for Claude, input is what was not read from the cache.
 */
export function codexTranscriptUsage(text: string): TranscriptUsage {
  let replies = 0;
  let last: Record<string, unknown> | undefined;
  let lastKey = "";
  for (const e of jsonLines(text)) {
    const payload = obj(e.payload);
    if (e.type !== "event_msg" || payload.type !== "token_count") continue;
    const total = obj(obj(payload.info).total_token_usage);
    if (Object.keys(total).length === 0) continue;
    const key = JSON.stringify(total);
    if (key === lastKey) continue; // the same total again (a rate-limit update)
    lastKey = key;
    last = total;
    replies++;
  }
  const input = num(last?.input_tokens);
  const cached = num(last?.cached_input_tokens);
  return {
    input_tokens: input - cached,
    output_tokens: num(last?.output_tokens),
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
    replies,
  };
}

/**
 * The usage in a Gemini CLI chat (`…/.gemini/tmp/<project>/chats/session-….jsonl`): each
 * `type: "gemini"` message carries its `tokens` {input, output, cached, thoughts, tool,
 * total}; a message is written again when its tool calls are added, so the last line of
 * each message id counts, once. Input counts cached tokens; here it is what was not cached.
 * Thoughts are output the model was paid for.
 */
export function geminiTranscriptUsage(text: string): TranscriptUsage {
  const byId = new Map<string, Record<string, unknown>>();
  for (const e of jsonLines(text)) {
    if (e.type !== "gemini" || !e.tokens) continue;
    byId.set(typeof e.id === "string" ? e.id : `line-${byId.size}`, obj(e.tokens));
  }
  const sum: TranscriptUsage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    replies: byId.size,
  };
  for (const t of byId.values()) {
    sum.input_tokens += num(t.input) - num(t.cached);
    sum.cache_read_input_tokens += num(t.cached);
    sum.output_tokens += num(t.output) + num(t.thoughts);
  }
  return sum;
}

/** Transcript formats by the agent preset's provider; agents not listed have no usage to read. */
const USAGE_READERS: Record<string, (text: string) => TranscriptUsage> = {
  claude: claudeTranscriptUsage,
  codex: codexTranscriptUsage,
  gemini: geminiTranscriptUsage,
};

/** The usage in a transcript file written by an agent of `provider`; undefined when unreadable. */
export function transcriptUsage(provider: string, file: string): TranscriptUsage | undefined {
  const read = USAGE_READERS[provider];
  if (!read || !existsSync(file)) return undefined;
  return read(readFileSync(file, "utf8"));
}
