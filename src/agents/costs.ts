// gt costs: the tokens each agent session used, read from the agent's own transcript (the
// paths its hooks recorded; see sessions/transcripts.ts), one row per agent session and a
// total. Figures are what the model server reported to the agent, nothing estimated.

import { readEvents } from "../events/log.ts";
import {
  listTranscripts,
  type TokenUsage,
  type TranscriptRecord,
  type TranscriptUsage,
  transcriptUsage,
} from "../sessions/transcripts.ts";
import { BUILTIN_PRESETS } from "../town/agent-presets.ts";
import { agentDefinition } from "../town/agent-resolve.ts";
import { openLedgerOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export interface SessionCost extends TranscriptRecord, TranscriptUsage {
  /** The transcript is gone or in a format gt cannot read: no figures. */
  unreadable?: boolean;
}

export interface CostReport {
  sessions: SessionCost[];
  total: TokenUsage & { replies: number };
}

function providerOf(town: Town, agent: string): string {
  try {
    return agentDefinition(town.root, agent).provider;
  } catch {
    return BUILTIN_PRESETS[agent]?.provider ?? agent;
  }
}

const ZERO: TranscriptUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  replies: 0,
};

export interface CostFilter {
  /** Only this agent address. */
  actor?: string | undefined;
  /** Only agents of this rig. */
  rig?: string | undefined;
  /** Only sessions recorded at or after this time (ms since the epoch). */
  since?: number | undefined;
}

/** Every recorded agent session's usage, filtered by agent, rig and start time. */
export function sessionCosts(town: Town, filter: CostFilter = {}): CostReport {
  const sessions: SessionCost[] = [];
  const total = { ...ZERO };
  for (const rec of listTranscripts(town.runtimeDir)) {
    if (filter.actor && rec.actor !== filter.actor) continue;
    if (filter.rig && !rec.actor.startsWith(`${filter.rig}/`)) continue;
    if (filter.since !== undefined && !(Date.parse(rec.recorded_at) >= filter.since)) continue;
    const usage = transcriptUsage(providerOf(town, rec.agent), rec.transcript);
    sessions.push({ ...rec, ...(usage ?? ZERO), ...(usage ? {} : { unreadable: true }) });
    if (!usage) continue;
    for (const k of Object.keys(total) as (keyof TranscriptUsage)[]) total[k] += usage[k];
  }
  return { sessions, total };
}

export const COST_GROUPINGS = ["agent", "bead", "convoy"] as const;
export type CostGrouping = (typeof COST_GROUPINGS)[number];

export interface CostGroup extends TranscriptUsage {
  /** The agent, bead or convoy; null for sessions that cannot be tied to one. */
  key: string | null;
  sessions: number;
  /** Sessions whose transcript could not be read (their tokens are unknown, not zero). */
  unreadable: number;
}

/**
 * The bead each session worked: the last bead slung to its agent before the session began
 * (the event log's sling events). A session with no sling before it (a crew member's, the
 * mayor's) has none.
 */
function beadsOfSessions(town: Town, sessions: SessionCost[]): Map<SessionCost, string | null> {
  const slings = readEvents(town.root)
    .filter(
      (e) => e.type === "sling" && typeof e.payload.bead === "string" && typeof e.payload.target === "string",
    )
    .map((e) => ({
      at: Date.parse(e.ts),
      bead: e.payload.bead as string,
      target: e.payload.target as string,
    }));
  const out = new Map<SessionCost, string | null>();
  for (const s of sessions) {
    const began = Date.parse(s.recorded_at);
    const last = slings.filter((x) => x.target === s.actor && x.at <= began).at(-1);
    out.set(s, last?.bead ?? null);
  }
  return out;
}

/** The convoy a bead is tracked by (its `convoy` field, set when it was slung in one). */
async function convoyOf(town: Town, bead: string): Promise<string | null> {
  try {
    const { ledger } = openLedgerOfBead(town, bead);
    try {
      const convoy = ((await ledger.getIssue(bead))?.metadata as Record<string, unknown> | undefined)?.convoy;
      return typeof convoy === "string" ? convoy : null;
    } finally {
      await ledger.close();
    }
  } catch {
    return null;
  }
}

/** Sums the report's sessions by agent, bead or convoy; the largest output first. */
export async function groupCosts(town: Town, report: CostReport, by: CostGrouping): Promise<CostGroup[]> {
  const keyOf = new Map<SessionCost, string | null>();
  if (by === "agent") for (const s of report.sessions) keyOf.set(s, s.actor);
  else {
    const beads = beadsOfSessions(town, report.sessions);
    const convoys = new Map<string, string | null>();
    for (const s of report.sessions) {
      const bead = beads.get(s) ?? null;
      if (by === "bead" || !bead) keyOf.set(s, bead);
      else {
        if (!convoys.has(bead)) convoys.set(bead, await convoyOf(town, bead));
        keyOf.set(s, convoys.get(bead) ?? null);
      }
    }
  }
  const groups = new Map<string | null, CostGroup>();
  for (const s of report.sessions) {
    const key = keyOf.get(s) ?? null;
    const g = groups.get(key) ?? { key, sessions: 0, unreadable: 0, ...ZERO };
    groups.set(key, g);
    g.sessions++;
    if (s.unreadable) g.unreadable++;
    for (const k of Object.keys(ZERO) as (keyof TranscriptUsage)[]) g[k] += s[k];
  }
  return [...groups.values()].sort(
    (a, b) => b.output_tokens - a.output_tokens || String(a.key).localeCompare(String(b.key)),
  );
}
