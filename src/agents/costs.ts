// gt costs: the tokens each agent session used, read from the agent's own transcript (the
// paths its hooks recorded; see sessions/transcripts.ts), one row per agent session and a
// total. Figures are what the model server reported to the agent, nothing estimated.

import {
  listTranscripts,
  type TokenUsage,
  type TranscriptRecord,
  type TranscriptUsage,
  transcriptUsage,
} from "../sessions/transcripts.ts";
import { BUILTIN_PRESETS } from "../town/agent-presets.ts";
import { agentDefinition } from "../town/agent-resolve.ts";
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

/** Every recorded agent session's usage (optionally only one agent address's). */
export function sessionCosts(town: Town, filter: { actor?: string } = {}): CostReport {
  const sessions: SessionCost[] = [];
  const total = { ...ZERO };
  for (const rec of listTranscripts(town.runtimeDir)) {
    if (filter.actor && rec.actor !== filter.actor) continue;
    const usage = transcriptUsage(providerOf(town, rec.agent), rec.transcript);
    sessions.push({ ...rec, ...(usage ?? ZERO), ...(usage ? {} : { unreadable: true }) });
    if (!usage) continue;
    for (const k of Object.keys(total) as (keyof TranscriptUsage)[]) total[k] += usage[k];
  }
  return { sessions, total };
}
