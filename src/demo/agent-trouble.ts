// Saying why an agent failed, from what it recorded itself, and where its full log is.
// The script agent writes a transcript per session (<town>/.runtime/agent-logs/<session>.jsonl,
// one JSON line per thing it printed or was told); the subprocess runtime keeps each
// session's output in .runtime/sessions/<session>/output.log; tmux keeps a dead pane's last
// screen. A command that waits on agents reads these instead of timing out in silence.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { READY_LINE } from "../agents/script-agent.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { Town } from "../town/workspace.ts";

/** Lines an agent prints when something went wrong (its own words or a tool's it relays). */
const ERROR_LINE =
  /\b(fail(ed|s|ure)?|fatal|errors?|cannot|can't|could not|unable|denied|not found|need help|refused)\b/i;

export function isErrorLine(text: string): boolean {
  return ERROR_LINE.test(text);
}

export function transcriptPath(town: Town, session: string): string {
  return join(town.runtimeDir, "agent-logs", `${session}.jsonl`);
}

/** Where the full story of a session is: its transcript, else its runtime output, else how to look. */
export function agentLogLocation(town: Town, session: string): string {
  const transcript = transcriptPath(town, session);
  if (existsSync(transcript)) return transcript;
  const output = join(town.runtimeDir, "sessions", session, "output.log");
  if (existsSync(output)) return output;
  return `gt session peek ${session}`;
}

interface TranscriptLine {
  kind: string;
  text: string;
}

function readTranscript(file: string): TranscriptLine[] {
  if (!existsSync(file)) return [];
  const out: TranscriptLine[] = [];
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    if (!raw.trim()) continue;
    try {
      const l = JSON.parse(raw) as Partial<TranscriptLine>;
      if (typeof l.text === "string") out.push({ kind: String(l.kind ?? "log"), text: l.text });
    } catch {
      // a line being written as we read: the next read has it whole
      break;
    }
  }
  return out;
}

/** "script-agent: git commit failed: …" → "git commit failed: …"; "  > Error: …" → "Error: …". */
export function tidyAgentLine(text: string): string {
  return text
    .replace(/^script-agent:\s*/, "")
    .replace(/^\s*[|>]\s?/, "")
    .trim();
}

/** The last error line in what a session recorded or shows; undefined when none is known. */
export async function lastAgentError(
  town: Town,
  provider: RuntimeProvider,
  session: string,
): Promise<string | undefined> {
  const lines = readTranscript(transcriptPath(town, session)).filter((l) => l.kind === "log");
  const fromTranscript = lines
    .map((l) => l.text)
    .filter(isErrorLine)
    .pop();
  if (fromTranscript) return tidyAgentLine(fromTranscript);
  const screen = (await provider.capture(session, 40).catch(() => ""))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return screen.filter(isErrorLine).pop() ?? screen.pop();
}

/** One attempt of a script agent at a bead that ended (it went back to waiting for work). */
export interface EndedAttempt {
  /** Error lines the agent printed during the attempt, in order, tidied. */
  errors: string[];
}

/**
 * Follows a script agent's transcript for one bead: each new read reports the attempts at
 * the bead that have ended since the last read. An attempt starts at "working on <bead>"
 * and ends when the agent prints its ready line again.
 */
export class AttemptTracker {
  private seen = 0;
  private current: string[] | undefined;
  private readonly file: string;
  private readonly startLine: RegExp;

  constructor(town: Town, session: string, bead: string) {
    this.file = transcriptPath(town, session);
    this.startLine = new RegExp(`\\bworking on ${bead.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`);
  }

  private latest: string[] = [];

  read(): EndedAttempt[] {
    const lines = readTranscript(this.file);
    const ended: EndedAttempt[] = [];
    for (const l of lines.slice(this.seen)) {
      if (l.kind !== "log") continue;
      if (this.startLine.test(l.text)) {
        this.current = [];
        this.latest = this.current;
      } else if (this.current && l.text.startsWith(READY_LINE)) {
        ended.push({ errors: this.current });
        this.current = undefined;
      } else if (this.current && isErrorLine(l.text)) this.current.push(tidyAgentLine(l.text));
    }
    this.seen = Math.max(this.seen, lines.length);
    return ended;
  }

  /** The error lines of the latest attempt, going on or ended, as of the last read. */
  latestErrors(): string[] {
    return [...this.latest];
  }
}
