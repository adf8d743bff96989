// Agents' own transcripts and the token usage in them. An agent whose hooks tell us where its
// transcript is (Claude passes `transcript_path` to every hook) has it recorded once per
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

/** Transcript formats by the agent preset's provider; agents not listed have no usage to read. */
const USAGE_READERS: Record<string, (text: string) => TranscriptUsage> = {
  claude: claudeTranscriptUsage,
};

/** The usage in a transcript file written by an agent of `provider`; undefined when unreadable. */
export function transcriptUsage(provider: string, file: string): TranscriptUsage | undefined {
  const read = USAGE_READERS[provider];
  if (!read || !existsSync(file)) return undefined;
  return read(readFileSync(file, "utf8"));
}
