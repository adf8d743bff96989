import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { ensureLedgerRecords, rigBeadIdOf } from "../town/agent-beads.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  parseAddress,
  sessionNameOf,
  workDirOf,
} from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import { DOCKED_LABEL } from "../town/rig.ts";
import { knownAgents } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "../work/hook.ts";

export type AgentState = "running" | "zombie" | "stopped";

export interface AgentStatus {
  address: string;
  role: string;
  rig: string | null;
  name: string | null;
  session: string;
  state: AgentState;
  running: boolean;
  pid: number | null;
  /** Preset last started for it (from its agent bead), if any. */
  agent: string | null;
  /** The bead on its hook, if any. */
  hook: string | null;
  hook_title: string | null;
  work_dir: string;
}

interface LedgerFacts {
  hooks: Map<string, { id: string; title: string }>;
  agents: Map<string, string>;
  /** The rig bead carries the docked label (rig ledgers). */
  docked: boolean;
}

async function ledgerFacts(town: Town, rig: string | undefined): Promise<LedgerFacts> {
  const facts: LedgerFacts = { hooks: new Map(), agents: new Map(), docked: false };
  let ledger: ReturnType<typeof openLedgerFor>;
  try {
    ledger = openLedgerFor(town, rig);
  } catch {
    return facts;
  }
  try {
    // A rebuilt database has no agent beads: they are re-derived from the agents on disk.
    await ensureLedgerRecords(town, ledger, rig).catch(() => undefined);
    for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true })) {
      if (b.assignee) facts.hooks.set(b.assignee, { id: b.id, title: b.title });
    }
    for (const b of await ledger.listIssues({ types: ["agent"], includeInfra: true, all: true })) {
      const agent = (b.metadata as Record<string, unknown> | undefined)?.agent;
      if (typeof agent === "string") facts.agents.set(b.id, agent);
    }
    // Read here, on the ledger already open, so gt status needs no second open per rig.
    if (rig)
      facts.docked =
        (await ledger.getIssue(rigBeadIdOf(town.prefixOf(rig), rig)))?.labels?.includes(DOCKED_LABEL) ??
        false;
  } finally {
    await ledger.close();
  }
  return facts;
}

export async function agentStatuses(
  town: Town,
  provider: RuntimeProvider,
  opts: { rigs?: string[] } = {},
): Promise<AgentStatus[]> {
  return (await townInventory(town, provider, opts)).agents;
}

export interface TownInventory {
  agents: AgentStatus[];
  /** The rigs whose rig bead is docked. */
  docked: Set<string>;
}

/** Every agent's status, and which rigs are docked: one open of each ledger. */
export async function townInventory(
  town: Town,
  provider: RuntimeProvider,
  opts: { rigs?: string[] } = {},
): Promise<TownInventory> {
  const rigs = opts.rigs ?? town.rigNames();
  const sessions = new Map<string, SessionInfo>((await provider.list()).map((s) => [s.name, s]));
  const facts = new Map<string, LedgerFacts>();
  facts.set("", await ledgerFacts(town, undefined));
  for (const rig of rigs) facts.set(rig, await ledgerFacts(town, rig));
  const townFacts = facts.get("")!;
  const docked = new Set(rigs.filter((r) => facts.get(r)!.docked));
  const agents = knownAgents(town, rigs).map((id): AgentStatus => {
    const prefix = id.rig ? town.prefixOf(id.rig) : undefined;
    const session = sessionNameOf(id, prefix);
    const info = sessions.get(session);
    const address = addressOf(id);
    const own = facts.get(id.rig ?? "")!;
    const hook = own.hooks.get(address) ?? townFacts.hooks.get(address);
    const state: AgentState = !info ? "stopped" : info.alive ? "running" : "zombie";
    return {
      address,
      role: id.role,
      rig: id.rig ?? null,
      name: id.name ?? null,
      session,
      state,
      running: state === "running",
      pid: info?.pid ?? null,
      agent: own.agents.get(agentBeadIdOf(id, prefix)) ?? null,
      hook: hook?.id ?? null,
      hook_title: hook?.title ?? null,
      work_dir: workDirOf(town.root, id),
    };
  });
  return { agents, docked };
}

/**
 * Resolves what a user typed to name a session: an agent address (`mayor`,
 * `gastown/witness`, `gastown/crew/max`, `gastown/toast`) or a session name (`gt-witness`).
 */
export function resolveSessionTarget(town: Town, target: string): { session: string; id?: AgentIdentity } {
  if (!target.includes("/") && target !== "mayor" && target !== "deacon") return { session: target };
  const id = parseAddress(target);
  return { session: sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined), id };
}
