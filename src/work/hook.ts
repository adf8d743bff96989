// An agent's hook: the bead it must run. A bead is on X's hook when its status is
// `hooked` and its assignee is X's address. The hook may live in the agent's rig ledger
// or in the town ledger (work slung to the mayor, or cross-rig work).
import { hostname } from "node:os";
import { ConflictError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue, IssueWithCounts } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { processAlive } from "../process-alive.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf, parseAddress } from "../town/identity.ts";
import { GT_CUSTOM_TYPES, openLedgerFor, openLedgerOfBead, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const HOOKED = "hooked";

/** Beads hooked to `address` in these ledgers, oldest first (normally zero or one). */
/**
 * A sling is a sequence (hook → sandbox → ready → done) whose every prefix must be
 * recoverable: the bead records how far its sling got (`sling_stage`) and which process runs
 * it (`sling_pid`). Until the stage is "ready" the sandbox is being made; an agent that
 * started on the bead then would commit on whatever its sandbox held before.
 */
export type SlingStage = "hooking" | "sandbox" | "ready" | "done";

export function slingProgress(issue: Issue): { stage?: SlingStage; pid?: number; branch?: string } {
  const m = (issue.metadata as Record<string, unknown> | undefined) ?? {};
  return {
    stage: typeof m.sling_stage === "string" ? (m.sling_stage as SlingStage) : undefined,
    pid: typeof m.sling_pid === "number" ? m.sling_pid : undefined,
    branch: typeof m.branch === "string" ? m.branch : undefined,
  };
}

/**
 * Where a sling ran: this machine and town root. Towns on several machines share their
 * ledgers (PostgreSQL), so a hook can be another town's, whose sessions and processes this
 * one cannot see: such a hook is never judged dead or interrupted from here.
 */
export function townKey(town: Town): string {
  return `${hostname()}:${town.root}`;
}

/** The bead was hooked by a sling of another town (see townKey). */
export function hookedElsewhere(issue: Issue, town: Town): string | undefined {
  const at = (issue.metadata as Record<string, unknown> | undefined)?.sling_town;
  return typeof at === "string" && at !== townKey(town) ? at : undefined;
}

/** Another live process is still slinging this bead right now. */
export function slingInFlight(issue: Issue): boolean {
  const { stage, pid } = slingProgress(issue);
  return (
    stage !== undefined && stage !== "done" && pid !== undefined && pid !== process.pid && processAlive(pid)
  );
}

/** A sling that stopped part-way: its process died before the agent was told. */
export function slingInterrupted(issue: Issue): boolean {
  const { stage } = slingProgress(issue);
  return stage !== undefined && stage !== "done" && !slingInFlight(issue);
}

/**
 * The bead's sandbox is not made yet (a sling is making it, or was killed before it did):
 * not work an agent may start; the sling, or the next sling of the bead, readies it first.
 */
export function sandboxPending(issue: Issue): boolean {
  const { stage } = slingProgress(issue);
  return stage === "hooking" || stage === "sandbox";
}

/**
 * What is on `address`'s hook, oldest first. `forAgent`: only what the agent may start on
 * now, leaving out beads whose sandbox is not made yet (the sling nudges the agent once it
 * is ready).
 */
export async function findHookedWork(
  ledgers: Ledger[],
  address: string,
  opts: { forAgent?: boolean } = {},
): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const ledger of ledgers) {
    const hooked = await ledger.listIssues({
      statuses: [HOOKED],
      assignee: address,
      includeInfra: true,
      sort: "created",
    });
    out.push(...(opts.forAgent ? hooked.filter((b) => !sandboxPending(b)) : hooked));
  }
  return out;
}

/**
 * Takes a bead off whoever holds it: back to open and unassigned (`gt unsling`). `force` also
 * takes back one its holder has started (in_progress); `dryRun` only checks it could.
 */
export async function unhookBead(
  town: Town,
  beadId: string,
  opts: { actor: string; from?: string; force?: boolean; dryRun?: boolean },
): Promise<{ bead: string; from: string }> {
  const { ledger } = openLedgerOfBead(town, beadId);
  let from = "";
  const check = (cur: Issue) => {
    const taken = cur.status === HOOKED || (opts.force === true && cur.status === "in_progress");
    if (!taken || !cur.assignee) throw new ConflictError("not_hooked", notHookedMessage(cur));
    if (opts.from && cur.assignee !== opts.from)
      throw new ConflictError("not_hooked", `${cur.id} is on ${cur.assignee}'s hook, not ${opts.from}'s`);
    from = cur.assignee;
  };
  try {
    const id = await ledger.resolveId(beadId);
    if (opts.dryRun) {
      check((await ledger.getIssue(id))!);
      return { bead: id, from };
    }
    await ledger.updateIssue(id, { status: "open", assignee: null }, opts.actor, check);
    beadId = id;
  } finally {
    await ledger.close();
  }
  await forgetHook(town, from, beadId, opts.actor);
  logEvent(town.root, "unhook", opts.actor, { bead: beadId, target: from });
  return { bead: beadId, from };
}

/** Why `gt unsling` cannot take this bead: its status, who holds it, and what to do instead. */
function notHookedMessage(cur: Issue): string {
  const give = `bd update ${cur.id} --status open --assignee ""`;
  if (cur.status === HOOKED)
    return `${cur.id} is hooked but assigned to no one; to make it open again: ${give}`;
  if (cur.status === "in_progress" && cur.assignee)
    return `${cur.id} is in progress with ${cur.assignee}, no longer just hooked; --force takes it back anyway`;
  if (!cur.assignee)
    return `${cur.id} is not on anyone's hook: it is ${cur.status} and unassigned, so there is nothing to unsling`;
  return `${cur.id} is not on anyone's hook: it is ${cur.status}, assigned to ${cur.assignee}; ask ${cur.assignee} about it, or give it back yourself: ${give}`;
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

/**
 * Town bookkeeping beads: tracked by the town, never work for an agent to pick up. Every type
 * Gas Town registers is one (convoy, merge-request, message, agent, rig, slot, queue, ...), so
 * the list is that one; a new type of work would be registered by bd, not by Gas Town.
 */
const NOT_WORK: string[] = [...GT_CUSTOM_TYPES];

/** Ready work in the town ledger and every rig's, most urgent first (`gt ready`). */
export async function townReady(
  town: Town,
  opts: { limit?: number; rig?: string } = {},
): Promise<TownReadyIssue[]> {
  const out: TownReadyIssue[] = [];
  // --rig: that rig's ledger only (an unknown rig is one clear error).
  const rigs = opts.rig ? [town.rig(opts.rig).name] : [undefined, ...town.rigNames()];
  for (const rig of rigs) {
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
