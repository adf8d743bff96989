// What gt reads on stdin (from an agent CLI that runs it as a hook, or for --stdin flags), and
// the day flags of digests.
import { ValidationError } from "../../errors.ts";

/** Everything on stdin, up to its end (for --stdin flags: a message, a body, a list). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A hook's JSON on stdin (Claude Code pipes it to SessionStart, Stop, PreToolUse … commands);
 * nothing when stdin is a terminal, or when nothing comes within `timeoutMs` (a hook runner
 * that keeps stdin open). 200 ms suits hooks that only enrich what they print; a guard waits
 * longer, since one that gave up on a slow pipe would let the tool call through.
 */
export async function readStdinIfPiped(timeoutMs = 200): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  const timer = setTimeout(() => process.stdin.destroy(), timeoutMs);
  try {
    for await (const c of process.stdin) chunks.push(c as Buffer);
  } catch {
    // nothing piped
  } finally {
    clearTimeout(timer);
  }
  const text = Buffer.concat(chunks).toString().trim();
  return text || undefined;
}

/** The day a digest covers: --date YYYY-MM-DD or --yesterday (one of them). */
export function digestDay(opts: Record<string, unknown>): string {
  const date = opts.date as string | undefined;
  if (opts.yesterday) {
    if (date) throw new ValidationError("give --yesterday or --date, not both");
    return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  }
  if (!date) throw new ValidationError("which day: --yesterday or --date YYYY-MM-DD");
  return date;
}
