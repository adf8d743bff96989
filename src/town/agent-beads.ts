// Agent beads: one lifecycle record per agent (hq-mayor, gt-gastown-witness, ...), type
// `agent`, label gt:agent. They store facts an observer cannot see from outside (role,
// rig, the agent it runs, its hook); whether it is running is read from the runtime.
import type { Issue } from "../ledger/model.ts";
import type { SqliteLedger } from "../ledger/sqlite/store.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf } from "./identity.ts";

export const AGENT_LABEL = "gt:agent";

/** Creates the agent bead if it does not exist yet; returns it either way. */
export async function ensureAgentBead(
  ledger: SqliteLedger,
  id: AgentIdentity,
  rigPrefix: string | undefined,
  actor: string,
): Promise<Issue> {
  const beadId = agentBeadIdOf(id, rigPrefix);
  const existing = await ledger.getIssue(beadId);
  if (existing) return existing;
  return ledger.createIssue(
    {
      id: beadId,
      force: true,
      title: addressOf(id),
      description: `Agent bead for ${addressOf(id)}.`,
      issue_type: "agent",
      labels: [AGENT_LABEL],
      metadata: {
        role_type: id.role,
        ...(id.rig ? { rig: id.rig } : {}),
        ...(id.name ? { name: id.name } : {}),
        agent_state: "idle",
      },
    },
    actor,
  );
}

/** Records facts on an agent bead's metadata (agent preset, last start, state). */
export async function recordAgentFacts(
  ledger: SqliteLedger,
  beadId: string,
  facts: Record<string, unknown>,
  actor: string,
): Promise<void> {
  if (!(await ledger.getIssue(beadId))) return;
  await ledger.updateIssue(beadId, { set_metadata: facts }, actor);
}
