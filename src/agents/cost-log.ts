// The cost log (`gt costs record|digest`): an agent's Stop hook records what its session has
// used so far to `.runtime/costs.jsonl` (a plain append: it never waits on the ledger), and a
// daily digest folds one day's entries into a permanent "Cost Report <date>" bead and drops
// them from the log. Usage in a transcript only grows, so a session's last entry is its total.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ValidationError } from "../errors.ts";
import {
  listTranscripts,
  recordTranscript,
  type TranscriptRecord,
  type TranscriptUsage,
  transcriptUsage,
} from "../sessions/transcripts.ts";
import { BUILTIN_PRESETS } from "../town/agent-presets.ts";
import { agentDefinition } from "../town/agent-resolve.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const COST_DIGEST_LABEL = "gt:cost-digest";

export interface CostEntry extends TranscriptUsage {
  recorded_at: string;
  session_id: string;
  session: string;
  actor: string;
  agent: string;
  work_item: string | null;
  transcript: string;
}

export function costLogFile(town: Town): string {
  return join(town.runtimeDir, "costs.jsonl");
}

function providerOf(town: Town, agent: string): string {
  try {
    return agentDefinition(town.root, agent).provider;
  } catch {
    return BUILTIN_PRESETS[agent]?.provider ?? agent;
  }
}

export interface RecordInput {
  /** What the hook got on stdin (`{session_id, transcript_path}`), if anything. */
  hookInput?: string | undefined;
  /** The gt session (--session, else GT_SESSION). */
  session?: string | undefined;
  actor: string;
  agent: string;
  workItem?: string | undefined;
}

/**
 * Appends the session's usage so far. The transcript is the hook's, else the last one
 * recorded for the session; an unreadable one is an error, since its figures are unknown.
 */
export function recordCost(town: Town, input: RecordInput): CostEntry {
  const session = input.session ?? "";
  let rec: TranscriptRecord | undefined;
  if (input.hookInput) {
    recordTranscript(town.runtimeDir, input.hookInput, { actor: input.actor, session, agent: input.agent });
    let hook: { session_id?: unknown; transcript_path?: unknown } = {};
    try {
      hook = JSON.parse(input.hookInput) as typeof hook;
    } catch {
      throw new ValidationError("the hook input on stdin is not JSON");
    }
    if (typeof hook.session_id === "string" && typeof hook.transcript_path === "string")
      rec = listTranscripts(town.runtimeDir).find((r) => r.session_id === hook.session_id) ?? {
        session_id: hook.session_id,
        transcript: hook.transcript_path,
        actor: input.actor,
        session,
        agent: input.agent,
        recorded_at: new Date().toISOString(),
      };
  }
  if (!rec && session)
    rec = listTranscripts(town.runtimeDir)
      .filter((r) => r.session === session)
      .at(-1);
  if (!rec)
    throw new ValidationError(
      session
        ? `no transcript is known for session ${session} (its hooks record one; or pipe the hook's JSON)`
        : "which session: --session, GT_SESSION, or the hook's JSON on stdin",
    );
  const usage = transcriptUsage(providerOf(town, rec.agent || input.agent), rec.transcript);
  if (!usage) throw new ValidationError(`cannot read the usage in ${rec.transcript}`);
  const entry: CostEntry = {
    recorded_at: new Date().toISOString(),
    session_id: rec.session_id,
    session: rec.session || session,
    actor: rec.actor || input.actor,
    agent: rec.agent || input.agent,
    work_item: input.workItem ?? null,
    transcript: rec.transcript,
    ...usage,
  };
  const file = costLogFile(town);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
  return entry;
}

/** The log's entries; lines that do not parse are kept as they are (never dropped). */
function readLog(town: Town): Array<{ line: string; entry?: CostEntry }> {
  const file = costLogFile(town);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      try {
        return { line, entry: JSON.parse(line) as CostEntry };
      } catch {
        return { line };
      }
    });
}

export interface CostDigestRow extends TranscriptUsage {
  actor: string;
  sessions: number;
}

export interface CostDigest {
  date: string;
  digest: string | null;
  existing: boolean;
  sessions: number;
  by_actor: CostDigestRow[];
  total: TranscriptUsage;
  /** Log lines removed (every entry of the day, not only each session's last). */
  removed: number;
  dry_run: boolean;
}

const ZERO = (): TranscriptUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  replies: 0,
});

function add(into: TranscriptUsage, u: TranscriptUsage): void {
  for (const k of Object.keys(ZERO()) as (keyof TranscriptUsage)[]) into[k] += u[k] ?? 0;
}

/** Folds `date`'s (UTC, YYYY-MM-DD) entries into one closed digest bead in the town ledger. */
export async function digestCosts(
  town: Town,
  date: string,
  dryRun: boolean,
  actor: string,
): Promise<CostDigest> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
    throw new ValidationError(`invalid date "${date}" (use YYYY-MM-DD)`);
  const title = `Cost Report ${date}`;
  const ledger = openTownLedger(town);
  try {
    const base = { date, sessions: 0, by_actor: [], total: ZERO(), removed: 0, dry_run: dryRun };
    const existing = (
      await ledger.listIssues({ labels: [COST_DIGEST_LABEL], all: true, includeInfra: true, limit: 0 })
    ).find((i) => i.title === title);
    if (existing) return { ...base, digest: existing.id, existing: true };
    const lines = readLog(town);
    const ofDay = lines.filter((l) => l.entry?.recorded_at?.slice(0, 10) === date);
    // The last entry of each session is its total.
    const last = new Map<string, CostEntry>();
    for (const l of ofDay) last.set(l.entry!.session_id, l.entry!);
    const byActor = new Map<string, CostDigestRow>();
    const total = ZERO();
    for (const e of last.values()) {
      const row = byActor.get(e.actor) ?? { actor: e.actor, sessions: 0, ...ZERO() };
      byActor.set(e.actor, row);
      row.sessions++;
      add(row, e);
      add(total, e);
    }
    const rows = [...byActor.values()].sort((a, b) => b.output_tokens - a.output_tokens);
    const result = { ...base, sessions: last.size, by_actor: rows, total, existing: false, digest: null };
    if (dryRun || last.size === 0) return result;
    const fmt = (u: TranscriptUsage) =>
      `${u.input_tokens} in, ${u.output_tokens} out, ${u.cache_read_input_tokens} cache read, ${u.cache_creation_input_tokens} cache write, ${u.replies} replies`;
    const description = [
      `${last.size} agent session(s) on ${date}: ${fmt(total)}.`,
      "",
      ...rows.map((r) => `- ${r.actor || "(unknown)"}: ${r.sessions} session(s), ${fmt(r)}`),
      "",
    ].join("\n");
    const bead = await ledger.createIssue(
      { title, description, issue_type: "task", priority: 4, labels: [COST_DIGEST_LABEL] },
      actor,
    );
    await ledger.closeIssue(bead.id, { reason: "cost digest" }, actor);
    // Drop the day's lines; a line written meanwhile (not read above) is kept.
    const file = costLogFile(town);
    const gone = new Set(ofDay.map((l) => l.line));
    const now = readLog(town).filter((l) => !gone.has(l.line));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, now.map((l) => `${l.line}\n`).join(""));
    renameSync(tmp, file);
    return { ...result, digest: bead.id, removed: ofDay.length };
  } finally {
    await ledger.close();
  }
}
