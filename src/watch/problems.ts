// The problems view's data (spec §6.2) for gt feed and the dashboard: every polecat of the
// town with its state, from the same facts and verdicts the witness patrol uses (hook,
// progress times, heartbeat, session liveness), so the view and the patrol never disagree.
// Read-only: the patrol's remembered screens are read, never saved.
import { type AgentProblem, PROBLEM_GLYPHS, problemState, sortProblems } from "../events/problems.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { Town } from "../town/workspace.ts";
import { classifyRig } from "./patrol-classify.ts";
import { loadPatrolThresholds, type PatrolThresholds } from "./patrol-config.ts";
import { gatherRigFacts, timeOf } from "./patrol-facts.ts";
import { loadPatrolState } from "./patrol-state.ts";

export interface ProblemsOptions {
  rigs?: string[];
  thresholds?: Partial<PatrolThresholds>;
  now?: number;
}

/** Every polecat's row, most urgent first. */
export async function gatherProblems(
  town: Town,
  provider: RuntimeProvider,
  opts: ProblemsOptions = {},
): Promise<AgentProblem[]> {
  const thresholds = loadPatrolThresholds(town, opts.thresholds);
  const rigs = opts.rigs ?? town.rigNames();
  const sessions = new Map((await provider.list()).map((s) => [s.name, s]));
  const now = opts.now ?? Date.now();
  const rows: AgentProblem[] = [];
  for (const rig of rigs) {
    const state = loadPatrolState(town.runtimeDir, rig);
    const facts = await gatherRigFacts({ town, provider, rig, sessions, state, now });
    const findings = classifyRig(facts, thresholds).map((p) => p.finding);
    for (const p of facts.polecats) {
      if (p.agent.agent_state === "nuked") continue;
      const mine = findings.filter((f) => f.agent === p.address);
      const st = problemState({
        hooked: p.hook !== undefined,
        sessionAlive: p.sessionFacts.alive,
        sessionListed: p.sessionFacts.listed,
        findingClasses: mine.map((f) => f.class),
      });
      const progress = p.hook
        ? Math.max(
            timeOf(p.hook.updated_at) ?? 0,
            timeOf((p.hook.metadata as Record<string, unknown> | undefined)?.slung_at) ?? 0,
            p.sandbox.lastCommitAt ?? 0,
          )
        : 0;
      const urgent = mine.find((f) => f.class !== "completion");
      rows.push({
        agent: p.address,
        rig,
        role: "polecat",
        session: p.sessionFacts.listed ? p.session : null,
        session_alive: p.sessionFacts.alive,
        bead: p.hook?.id ?? null,
        state: st,
        glyph: PROBLEM_GLYPHS[st],
        detail: urgent?.detail ?? (p.hook ? `${p.hook.id}: ${p.hook.title}` : "nothing hooked"),
        quiet_ms: p.hook && progress ? Math.max(0, now - progress) : null,
      });
    }
  }
  return sortProblems(rows);
}
