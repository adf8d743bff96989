// The problems view's model (spec §6.2): each agent in one of five states sorted by urgency,
// GUPP violation, stalled, zombie, working, idle. The states are derived from ledger facts
// (the hook, its progress times) and the session's liveness, never from pane text. This file
// is the pure part (events sits low in the layers); gatherProblems in src/watch/problems.ts
// reads a town's facts and uses the patrol's own verdicts to fill it.

export const PROBLEM_STATES = ["gupp", "stalled", "zombie", "working", "idle"] as const;
export type ProblemState = (typeof PROBLEM_STATES)[number];

export const PROBLEM_GLYPHS: Record<ProblemState, string> = {
  gupp: "🔥",
  stalled: "⚠",
  zombie: "💀",
  working: "●",
  idle: "○",
};

export const PROBLEM_LABELS: Record<ProblemState, string> = {
  gupp: "GUPP violation",
  stalled: "STALLED",
  zombie: "zombie",
  working: "working",
  idle: "idle",
};

/** One agent's row in the problems view (also `--json`: a stable shape). */
export interface AgentProblem {
  agent: string;
  rig: string;
  role: string;
  session: string | null;
  session_alive: boolean;
  bead: string | null;
  state: ProblemState;
  glyph: string;
  detail: string;
  /** Milliseconds since the hooked work last made progress (null when nothing is hooked). */
  quiet_ms: number | null;
}

/** The facts the state depends on (the patrol's finding classes carry the thresholds). */
export interface ProblemFacts {
  hooked: boolean;
  sessionAlive: boolean;
  /** The session exists in the runtime but its agent process is dead. */
  sessionListed: boolean;
  /** Classes of the patrol findings for this agent (gupp-violation, stalled, ...). */
  findingClasses: readonly string[];
}

const ZOMBIE = new Set(["session-dead-active", "agent-dead-in-session", "done-intent-dead", "stuck-in-done"]);

/** The state of one agent from its facts: the most urgent one that holds. */
export function problemState(f: ProblemFacts): ProblemState {
  const classes = new Set(f.findingClasses);
  if (classes.has("gupp-violation")) return "gupp";
  if (classes.has("stalled") || classes.has("hung")) return "stalled";
  if ([...classes].some((c) => ZOMBIE.has(c))) return "zombie";
  if (f.sessionListed && !f.sessionAlive) return "zombie";
  if (f.hooked) return f.sessionAlive ? "working" : "zombie";
  return "idle";
}

/** Most urgent first, then by rig and agent. */
export function sortProblems(rows: AgentProblem[]): AgentProblem[] {
  const rank = (s: ProblemState) => PROBLEM_STATES.indexOf(s);
  return [...rows].sort(
    (a, b) => rank(a.state) - rank(b.state) || a.rig.localeCompare(b.rig) || a.agent.localeCompare(b.agent),
  );
}

/** Counts per state (the summary line). */
export function problemCounts(rows: AgentProblem[]): Record<ProblemState, number> {
  const out = { gupp: 0, stalled: 0, zombie: 0, working: 0, idle: 0 };
  for (const r of rows) out[r.state] += 1;
  return out;
}
