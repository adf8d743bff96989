// Stuck agents (spec §4.3): a session that is alive but no longer reacts. `healthCheck`
// sends a HEALTH_CHECK nudge and watches for any sign of life within the timeout (the
// nudge taken, the screen changing, a fresh `gt heartbeat` or deacon heartbeat); each
// failure counts, a reaction resets the count. After enough consecutive failures the agent
// should be force-killed; `forceKill` does it (mail to the agent, its session and every
// process in it stopped, the mayor told), at most once per cooldown per agent. What runs it
// again is the usual: the daemon's restart, or boot for the deacon.
import { setTimeout as sleep } from "node:timers/promises";
import { sendMail } from "../comms/mail.ts";
import { nudge } from "../comms/nudge.ts";
import { ConflictError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  parseAddress,
  sessionNameOf,
} from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";
import {
  type AgentHealth,
  cooldownLeft,
  deaconPaths,
  emptyAgentHealth,
  loadHealthState,
  readDeaconHeartbeat,
  saveHealthState,
} from "./deacon-state.ts";
import { readHeartbeat } from "./heartbeat.ts";

export const HEALTH_CHECK_TEXT =
  "HEALTH_CHECK: reply or run any gt command to show you are responsive (the deacon is asking)";

export interface AgentRef {
  id: AgentIdentity;
  address: string;
  session: string;
}

/** An agent address ("deacon", "alpha/witness", "alpha/polecats/toast") to its session. */
export function agentRef(town: Town, address: string): AgentRef {
  const id = parseAddress(address);
  const prefix = id.rig ? town.prefixOf(town.rig(id.rig).name) : undefined;
  return { id, address: addressOf(id), session: sessionNameOf(id, prefix) };
}

/** Reads, changes and writes one agent's record under the state file's lock. */
async function updateHealth(
  town: Town,
  address: string,
  change: (h: AgentHealth) => void,
): Promise<AgentHealth> {
  return withFileLock(`${deaconPaths(town).health}.lock`, async () => {
    const state = loadHealthState(town);
    const h = state.agents[address] ?? emptyAgentHealth();
    change(h);
    state.agents[address] = h;
    saveHealthState(town, state);
    return h;
  });
}

export type HealthOutcome = "responded" | "no-response" | "not-running" | "cooldown";

export interface HealthCheckResult {
  agent: string;
  session: string;
  outcome: HealthOutcome;
  consecutive_failures: number;
  failures_to_kill: number;
  should_force_kill: boolean;
  /** While a force-kill cooldown runs: how long it has left. */
  cooldown_ms: number;
  waited_ms: number;
  detail: string;
}

export interface HealthCheckOptions {
  timeoutMs: number;
  failures: number;
  cooldownMs: number;
  actor: string;
}

/** Any sign the agent is alive since `since`: its screen moved, or it wrote a heartbeat. */
async function reacted(
  town: Town,
  provider: RuntimeProvider,
  ref: AgentRef,
  baseline: string,
  since: number,
): Promise<string | undefined> {
  const screen = await provider.screen(ref.session).catch(() => baseline);
  if (screen !== baseline) return "its screen changed";
  const beat = readHeartbeat(town.runtimeDir, ref.session);
  if (beat && Date.parse(beat.ts) >= since) return `gt heartbeat ${beat.state}`;
  if (ref.id.role === "deacon") {
    const d = readDeaconHeartbeat(town);
    if (d && Date.parse(d.timestamp) >= since) return "a deacon heartbeat";
  }
  return undefined;
}

export async function healthCheck(
  town: Town,
  provider: RuntimeProvider,
  address: string,
  opts: HealthCheckOptions,
): Promise<HealthCheckResult> {
  const ref = agentRef(town, address);
  const started = Date.now();
  const result = (outcome: HealthOutcome, h: AgentHealth, detail: string): HealthCheckResult => ({
    agent: ref.address,
    session: ref.session,
    outcome,
    consecutive_failures: h.consecutive_failures,
    failures_to_kill: opts.failures,
    should_force_kill: outcome === "no-response" && h.consecutive_failures >= opts.failures,
    cooldown_ms: cooldownLeft(h.last_force_kill, opts.cooldownMs),
    waited_ms: Date.now() - started,
    detail,
  });
  const before = loadHealthState(town).agents[ref.address] ?? emptyAgentHealth();
  const left = cooldownLeft(before.last_force_kill, opts.cooldownMs);
  if (left > 0)
    return result("cooldown", before, `force-killed recently: checked again in ${Math.ceil(left / 1000)}s`);
  if (!(await provider.isAlive(ref.session)))
    return result("not-running", before, "its session is not running");
  const baseline = await provider.screen(ref.session).catch(() => "");
  await updateHealth(town, ref.address, (h) => {
    h.last_ping = new Date(started).toISOString();
  });
  let sign: string | undefined;
  try {
    const r = await nudge(town, provider, ref.id, HEALTH_CHECK_TEXT, {
      sender: opts.actor,
      mode: "immediate",
      force: true,
    });
    if (r.outcome === "delivered") sign = "it took the nudge";
  } catch {
    // the session went away while being nudged: judged below like any silence
  }
  while (!sign && Date.now() - started < opts.timeoutMs) {
    sign = await reacted(town, provider, ref, baseline, started);
    if (!sign) await sleep(250);
  }
  sign ??= await reacted(town, provider, ref, baseline, started);
  const h = await updateHealth(town, ref.address, (h) => {
    if (sign) {
      h.consecutive_failures = 0;
      h.last_response = new Date().toISOString();
    } else h.consecutive_failures++;
  });
  const r = result(
    sign ? "responded" : "no-response",
    h,
    sign ?? `no reaction within ${Math.round(opts.timeoutMs / 1000)}s`,
  );
  logEvent(town.root, "health_check", opts.actor, {
    agent: ref.address,
    outcome: r.outcome,
    consecutive_failures: h.consecutive_failures,
    should_force_kill: r.should_force_kill,
  });
  return r;
}

export interface ForceKillResult {
  agent: string;
  session: string;
  killed: boolean;
  force_kills: number;
  reason: string;
  mailed: string[];
}

/**
 * Stops an unresponsive agent's session with everything in it. Refused within the cooldown
 * of the last force-kill of the same agent (a ConflictError saying how long is left).
 */
export async function forceKill(
  town: Town,
  provider: RuntimeProvider,
  address: string,
  opts: { reason?: string; notifyMayor?: boolean; cooldownMs: number; actor: string },
): Promise<ForceKillResult> {
  const ref = agentRef(town, address);
  const h = loadHealthState(town).agents[ref.address] ?? emptyAgentHealth();
  const left = cooldownLeft(h.last_force_kill, opts.cooldownMs);
  if (left > 0)
    throw new ConflictError(
      "cooldown",
      `${ref.address} was force-killed at ${h.last_force_kill}; the next force-kill is allowed in ${Math.ceil(left / 1000)}s`,
    );
  const reason =
    opts.reason?.trim() || `unresponsive after ${h.consecutive_failures} consecutive failed health checks`;
  if (!(await provider.isAlive(ref.session)))
    return {
      agent: ref.address,
      session: ref.session,
      killed: false,
      force_kills: h.force_kills,
      reason,
      mailed: [],
    };
  const mailed: string[] = [];
  const mail = async (to: string, subject: string, body: string) => {
    const m = await sendMail(town, { from: opts.actor, to, subject, body }).catch(() => undefined);
    if (m) mailed.push(to);
  };
  await mail(
    ref.address,
    "FORCE_KILL: unresponsive",
    `${opts.actor} found ${ref.address} unresponsive.\nReason: ${reason}\nAction: its session is being killed; it is restarted from its hook.`,
  );
  await provider.stop(ref.session, { graceMs: 2000 });
  const ledger = openLedgerFor(town, ref.id.rig);
  try {
    const bead = agentBeadIdOf(ref.id, ref.id.rig ? town.prefixOf(ref.id.rig) : undefined);
    await recordAgentFacts(
      ledger,
      bead,
      { agent_state: "killed", killed_at: new Date().toISOString() },
      opts.actor,
    );
  } catch {
    // the record is a courtesy; the kill stands
  } finally {
    await ledger.close();
  }
  if (opts.notifyMayor !== false && ref.address !== "mayor")
    await mail(
      "mayor",
      `Agent killed: ${ref.address}`,
      `${ref.address} was force-killed by ${opts.actor}.\nReason: ${reason}`,
    );
  const after = await updateHealth(town, ref.address, (x) => {
    x.last_force_kill = new Date().toISOString();
    x.force_kills++;
    x.consecutive_failures = 0;
  });
  logEvent(town.root, "force_kill", opts.actor, { agent: ref.address, session: ref.session, reason }, "feed");
  return {
    agent: ref.address,
    session: ref.session,
    killed: true,
    force_kills: after.force_kills,
    reason,
    mailed,
  };
}
