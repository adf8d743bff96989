// Agent health and operational state (gt agents check/fix/state, gt session check/status):
// zombies (a session whose agent process died), hooked work with no session to run it, and
// key:value state labels on agent beads (idle:3, backoff:2m), as Gas Town keeps them.
import { NotFoundError, ValidationError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf } from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { type AgentStatus, agentStatuses } from "./inventory.ts";

export type ProblemKind = "zombie" | "hooked_not_running";

export interface AgentProblem {
  address: string;
  session: string;
  problem: ProblemKind;
  detail: string;
}

function problemsOf(a: AgentStatus): AgentProblem[] {
  const out: AgentProblem[] = [];
  if (a.state === "zombie")
    out.push({
      address: a.address,
      session: a.session,
      problem: "zombie",
      detail: "the session is there but its agent process has died",
    });
  if (a.hook && a.state !== "running" && (a.role === "polecat" || a.role === "crew"))
    out.push({
      address: a.address,
      session: a.session,
      problem: "hooked_not_running",
      detail: `${a.hook} is on its hook but no agent runs it`,
    });
  return out;
}

/** Problems of the town's agents (of one rig with `rig`). */
export async function checkAgents(
  town: Town,
  provider: RuntimeProvider,
  opts: { rig?: string } = {},
): Promise<{ agents: AgentStatus[]; problems: AgentProblem[] }> {
  if (opts.rig) town.rig(opts.rig);
  const all = await agentStatuses(town, provider, opts.rig ? { rigs: [opts.rig] } : {});
  const agents = opts.rig ? all.filter((a) => a.rig === opts.rig) : all;
  return { agents, problems: agents.flatMap(problemsOf) };
}

/**
 * Clears what can be cleared without a person: zombie sessions are removed (the witness or
 * a start brings the agent back). Hooked work with no agent is reported, not started.
 */
export async function fixAgents(
  town: Town,
  provider: RuntimeProvider,
  opts: { rig?: string; dryRun?: boolean } = {},
): Promise<{ fixed: AgentProblem[]; left: AgentProblem[] }> {
  const { problems } = await checkAgents(town, provider, opts);
  const fixed: AgentProblem[] = [];
  const left: AgentProblem[] = [];
  for (const p of problems) {
    if (p.problem !== "zombie") {
      left.push(p);
      continue;
    }
    if (!opts.dryRun) await provider.stop(p.session, { graceMs: 500 });
    fixed.push(p);
  }
  return { fixed, left };
}

export interface StateChange {
  set?: Record<string, string>;
  incr?: string;
  del?: string[];
}

const KEY = /^[a-z][a-z0-9_-]{0,40}$/i;

export function parseStateSets(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const at = p.indexOf("=");
    if (at <= 0) throw new ValidationError(`--set wants key=value, got "${p}"`);
    const key = p.slice(0, at);
    const value = p.slice(at + 1);
    if (!KEY.test(key)) throw new ValidationError(`invalid state key "${key}"`);
    if (!value || /[\s,]/.test(value))
      throw new ValidationError(`invalid value for ${key}: "${value}" (no spaces or commas)`);
    out[key] = value;
  }
  return out;
}

function stateOf(labels: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels ?? []) {
    const at = l.indexOf(":");
    if (at > 0 && !l.startsWith("gt:")) out[l.slice(0, at)] = l.slice(at + 1);
  }
  return out;
}

/** Reads (and with `change`, first changes) an agent bead's key:value state labels. */
export async function agentState(
  town: Town,
  id: AgentIdentity,
  change: StateChange,
  actor: string,
): Promise<{ agent: string; bead: string; state: Record<string, string> }> {
  for (const k of [...(change.incr ? [change.incr] : []), ...(change.del ?? [])])
    if (!KEY.test(k)) throw new ValidationError(`invalid state key "${k}"`);
  const ledger = openLedgerFor(town, id.rig);
  try {
    const beadId = agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
    const bead = await ledger.getIssue(beadId);
    if (!bead) throw new NotFoundError(beadId, `no agent bead ${beadId} for ${addressOf(id)}`);
    const state = stateOf(bead.labels);
    const next = { ...state, ...(change.set ?? {}) };
    if (change.incr) {
      const n = Number(state[change.incr] ?? "0");
      if (!Number.isInteger(n))
        throw new ValidationError(`${change.incr} is "${state[change.incr]}", not a count`);
      next[change.incr] = String(n + 1);
    }
    for (const k of change.del ?? []) delete next[k];
    for (const [k, v] of Object.entries(state))
      if (next[k] !== v) await ledger.removeLabel(beadId, `${k}:${v}`, actor);
    for (const [k, v] of Object.entries(next))
      if (state[k] !== v) await ledger.addLabel(beadId, `${k}:${v}`, actor);
    return { agent: addressOf(id), bead: beadId, state: next };
  } finally {
    await ledger.close();
  }
}
