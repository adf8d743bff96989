// Agent beads: one lifecycle record per agent (hq-mayor, gt-gastown-witness, ...), type
// `agent`, label gt:agent; and one rig bead per rig (type `rig`, label gt:rig). They store
// facts an observer cannot see from outside (role, rig, the agent it runs, its hook);
// whether it is running is read from the runtime.
//
// They are infrastructure: the JSONL export leaves them out, so a ledger rebuilt from its
// JSONL (beads.db deleted) has none. Everything they identify is still on disk — the rig in
// rigs.json, the agents as directories — so they are re-derived from there: one "ensure"
// path (ensureLedgerRecords) serves both creation (install, rig add, crew add) and repair
// (status, prime, and any write of agent facts that finds its bead missing).
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf } from "./identity.ts";
import { ledgerOwner } from "./ledgers.ts";
import { agentsOfLedger } from "./roster.ts";
import type { Town } from "./workspace.ts";

export const AGENT_LABEL = "gt:agent";
export const RIG_LABEL = "gt:rig";

/** Creates the bead `input.id` unless it exists; a concurrent creator winning is fine. */
async function ensureBead(
  ledger: Ledger,
  input: Parameters<Ledger["createIssue"]>[0] & { id: string },
  actor: string,
): Promise<Issue> {
  const existing = await ledger.getIssue(input.id);
  if (existing) return existing;
  try {
    return await ledger.createIssue({ ...input, force: true }, actor);
  } catch (e) {
    const now = await ledger.getIssue(input.id);
    if (now) return now;
    throw e;
  }
}

/** Creates the agent bead if it does not exist yet; returns it either way. */
export async function ensureAgentBead(
  ledger: Ledger,
  id: AgentIdentity,
  rigPrefix: string | undefined,
  actor: string,
): Promise<Issue> {
  return ensureBead(
    ledger,
    {
      id: agentBeadIdOf(id, rigPrefix),
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

/** What a rig bead records (from rigs.json and the rig's config.json once the rig exists). */
export interface RigFacts {
  name: string;
  git_url: string;
  default_branch: string;
  prefix: string;
}

export function rigBeadIdOf(prefix: string, rig: string): string {
  return `${prefix}-rig-${rig}`;
}

/** Creates the rig bead if it does not exist yet; returns it either way. */
export async function ensureRigBead(ledger: Ledger, rig: RigFacts, actor: string): Promise<Issue> {
  return ensureBead(
    ledger,
    {
      id: rigBeadIdOf(rig.prefix, rig.name),
      title: rig.name,
      description: `Rig ${rig.name}: ${rig.git_url} (default branch ${rig.default_branch}).`,
      issue_type: "rig",
      labels: [RIG_LABEL],
      metadata: { git_url: rig.git_url, default_branch: rig.default_branch, prefix: rig.prefix },
    },
    actor,
  );
}

function rigFactsOf(town: Town, rig: string): RigFacts {
  const entry = town.rig(rig);
  return {
    name: rig,
    git_url: entry.git_url,
    default_branch: town.rigConfig(rig).default_branch,
    prefix: entry.beads.prefix,
  };
}

/**
 * Ensures a ledger holds the records Gas Town keeps in it: the rig bead (rig ledgers) and the
 * agent bead of every agent of that ledger that exists. One query when nothing is missing.
 * `rigFacts` is for `gt rig add`, before the rig's files exist. Returns the IDs it created.
 */
export async function ensureLedgerRecords(
  town: Town,
  ledger: Ledger,
  rig: string | undefined,
  opts: { actor?: string; rigFacts?: RigFacts } = {},
): Promise<string[]> {
  const actor = opts.actor ?? "gt";
  const prefix = rig ? (opts.rigFacts?.prefix ?? town.prefixOf(rig)) : undefined;
  const agents = agentsOfLedger(town, rig).map((id) => ({ id, bead: agentBeadIdOf(id, prefix) }));
  const rigBead = rig && prefix ? rigBeadIdOf(prefix, rig) : undefined;
  const wanted = [...(rigBead ? [rigBead] : []), ...agents.map((a) => a.bead)];
  const have = new Set((await ledger.getIssues(wanted)).map((i) => i.id));
  const created: string[] = [];
  if (rig && rigBead && !have.has(rigBead)) {
    await ensureRigBead(ledger, opts.rigFacts ?? rigFactsOf(town, rig), actor);
    created.push(rigBead);
  }
  for (const a of agents) {
    if (have.has(a.bead)) continue;
    await ensureAgentBead(ledger, a.id, prefix, actor);
    created.push(a.bead);
  }
  return created;
}

/**
 * Records facts on an agent bead's metadata (agent preset, last start, state). A missing
 * bead of a ledger the town opened (a rebuilt database) is re-derived first; a bead that
 * is still missing (the agent no longer exists) is left alone.
 */
export async function recordAgentFacts(
  ledger: Ledger,
  beadId: string,
  facts: Record<string, unknown>,
  actor: string,
): Promise<void> {
  if (!(await ledger.getIssue(beadId))) {
    const owner = ledgerOwner(ledger);
    if (!owner) return;
    // Best effort: a repair that cannot be made must not fail the work that records facts.
    await ensureLedgerRecords(owner.town, ledger, owner.rig, { actor }).catch(() => undefined);
    if (!(await ledger.getIssue(beadId))) return;
  }
  await ledger.updateIssue(beadId, { set_metadata: facts }, actor);
}
