// An agent's hook: the bead it must run. A bead is on X's hook when its status is
// `hooked` and its assignee is X's address. The hook may live in the agent's rig ledger
// or in the town ledger (work slung to the mayor, or cross-rig work).
import { ConflictError } from "../errors.ts";
import type { Issue, IssueWithCounts } from "../ledger/model.ts";
import type { SqliteLedger } from "../ledger/sqlite/store.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf, parseAddress } from "../town/identity.ts";
import { openLedgerFor, openLedgerOfBead, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { logEvent } from "./events.ts";

export const HOOKED = "hooked";

/** Beads hooked to `address` in these ledgers, oldest first (normally zero or one). */
export async function findHookedWork(ledgers: SqliteLedger[], address: string): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const ledger of ledgers) {
    const hooked = await ledger.listIssues({
      statuses: [HOOKED],
      assignee: address,
      includeInfra: true,
      sort: "created",
    });
    out.push(...hooked);
  }
  return out;
}

/** Takes a bead off whoever holds it: back to open and unassigned (`gt unsling`). */
export async function unhookBead(
  town: Town,
  beadId: string,
  opts: { actor: string; from?: string },
): Promise<{ bead: string; from: string }> {
  const { ledger } = openLedgerOfBead(town, beadId);
  let from = "";
  try {
    const id = await ledger.resolveId(beadId);
    await ledger.updateIssue(id, { status: "open", assignee: null }, opts.actor, (cur) => {
      if (cur.status !== HOOKED || !cur.assignee)
        throw new ConflictError("not_hooked", `${cur.id} is not on anyone's hook (status ${cur.status})`);
      if (opts.from && cur.assignee !== opts.from)
        throw new ConflictError("not_hooked", `${cur.id} is on ${cur.assignee}'s hook, not ${opts.from}'s`);
      from = cur.assignee;
    });
    beadId = id;
  } finally {
    await ledger.close();
  }
  await forgetHook(town, from, beadId, opts.actor);
  logEvent(town.root, "unhook", opts.actor, { bead: beadId, target: from });
  return { bead: beadId, from };
}

/** Clears `hook_bead` on the holder's agent bead when it still names this bead. */
async function forgetHook(town: Town, holder: string, beadId: string, actor: string): Promise<void> {
  let id: AgentIdentity;
  try {
    id = parseAddress(holder);
  } catch {
    return; // held by a person: no agent bead
  }
  if (id.rig && !town.rigNames().includes(id.rig)) return;
  const prefix = id.rig ? town.prefixOf(id.rig) : undefined;
  const ledger = openLedgerFor(town, id.rig);
  try {
    const agentBead = await ledger.getIssue(agentBeadIdOf(id, prefix));
    const facts = (agentBead?.metadata as Record<string, unknown> | undefined) ?? {};
    if (agentBead && facts.hook_bead === beadId)
      await recordAgentFacts(ledger, agentBead.id, { hook_bead: null, agent_state: "idle" }, actor);
  } finally {
    await ledger.close();
  }
}

/** What is on an agent's hook, looking in its own ledger and the town's. */
export async function hookOf(town: Town, id: AgentIdentity): Promise<Issue[]> {
  const ledgers = [openLedgerFor(town, id.rig)];
  if (id.rig) ledgers.push(openTownLedger(town));
  try {
    return await findHookedWork(ledgers, addressOf(id));
  } finally {
    for (const l of ledgers) await l.close();
  }
}

export interface TownReadyIssue extends IssueWithCounts {
  /** The rig whose ledger holds it; null for the town ledger. */
  rig: string | null;
}

/** Town bookkeeping beads: tracked by the town, never work for an agent to pick up. */
const NOT_WORK = ["convoy", "message", "merge-request", "escalation", "agent", "rig", "role", "event"];

/** Ready work in the town ledger and every rig's, most urgent first (`gt ready`). */
export async function townReady(town: Town, opts: { limit?: number } = {}): Promise<TownReadyIssue[]> {
  const out: TownReadyIssue[] = [];
  for (const rig of [undefined, ...town.rigNames()]) {
    const ledger = openLedgerFor(town, rig);
    try {
      for (const issue of await ledger.ready({ status: "open", sort: "priority", excludeTypes: NOT_WORK }))
        out.push({ ...issue, rig: rig ?? null });
    } finally {
      await ledger.close();
    }
  }
  out.sort(
    (a, b) => a.priority - b.priority || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  );
  return opts.limit && opts.limit > 0 ? out.slice(0, opts.limit) : out;
}
