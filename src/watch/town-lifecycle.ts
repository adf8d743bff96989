// The town as a whole (gt up, gt down, gt start, gt shutdown). Up starts the daemon, then
// every agent the reconcile plan says must run (deacon, mayor, each open rig's witness and
// refinery, crew marked to start, polecats with hooked work), idempotently. Down holds the
// shutdown lock the daemon respects, stops everything in order — polecats (with --all),
// crew, refineries, witnesses, mayor, deacon, the daemon — then ends whatever of the town
// still runs outside a session (nudge pollers, orphaned agent processes).
import { ConflictError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { activeEstop, readEstop } from "../town/estop.ts";
import { type AgentIdentity, addressOf, sessionNameOf } from "../town/identity.ts";
import { withFileLock } from "../town/lock.ts";
import { ROLES, type RoleName } from "../town/roles.ts";
import { crewNames, dogNames, polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { nukePolecat } from "../work/polecats.ts";
import { startDaemon, stopDaemon } from "./daemon-control.ts";
import { daemonLiveness, daemonPaths } from "./daemon-files.ts";
import { type PlannedAgent, townPlan } from "./reconcile.ts";
import { startPlanned } from "./start-agent.ts";
import { endStrayProcesses, strayTownProcesses, type TownProcess } from "./town-processes.ts";

export interface ServiceResult {
  /** "Daemon", "Mayor", "Witness (alpha)", "Polecat (alpha/toast)", ... */
  name: string;
  type: RoleName | "daemon" | "processes";
  rig: string | null;
  ok: boolean;
  detail: string;
}

const TITLES: Record<RoleName, string> = {
  mayor: "Mayor",
  deacon: "Deacon",
  witness: "Witness",
  refinery: "Refinery",
  crew: "Crew",
  polecat: "Polecat",
  dog: "Dog",
};

export function serviceName(id: AgentIdentity): string {
  const title = TITLES[id.role];
  if (!id.rig) return id.name ? `${title} (${id.name})` : title;
  return id.name ? `${title} (${id.rig}/${id.name})` : `${title} (${id.rig})`;
}

function result(id: AgentIdentity, ok: boolean, detail: string): ServiceResult {
  return { name: serviceName(id), type: id.role, rig: id.rig ?? null, ok, detail };
}

/** The row for processes of the town left outside any session, by the sessions they came from. */
function leftoverRow(verb: "ended" | "would end", strays: TownProcess[]): ServiceResult {
  const from = [...new Set(strays.map((p) => p.session))].join(", ");
  return {
    name: "Leftover processes",
    type: "processes",
    rig: null,
    ok: true,
    detail: `${verb} ${strays.length} (${from})`,
  };
}

/** How long gt up and gt down wait for a daemon pass in flight (it may be starting an agent). */
const PASS_WAIT_MS = 120_000;

async function sessionsOf(provider: RuntimeProvider): Promise<Map<string, SessionInfo>> {
  return new Map((await provider.list()).map((s) => [s.name, s]));
}

/** Starts the agents of `want` that are not running, one after another, in the plan's order. */
export async function startAgents(
  town: Town,
  provider: RuntimeProvider,
  want: PlannedAgent[],
  sender: string,
): Promise<ServiceResult[]> {
  const sessions = await sessionsOf(provider);
  const out: ServiceResult[] = [];
  for (const agent of want) {
    if (sessions.get(agent.session)?.alive) {
      out.push(result(agent.id, true, `already running (${agent.session})`));
      continue;
    }
    try {
      const s = await startPlanned(town, provider, agent, {
        sender,
        topic: agent.id.role === "polecat" ? "restart" : "start",
      });
      out.push(result(agent.id, true, `started ${s.session} (${s.agent})`));
    } catch (e) {
      const message = (e as Error).message.split("\n")[0]!;
      // Started by the daemon or someone else meanwhile: running is what was asked.
      if (e instanceof ConflictError) out.push(result(agent.id, true, `already running (${agent.session})`));
      else out.push(result(agent.id, false, message));
    }
  }
  return out;
}

/** Parked and docked rigs, said once each in gt up's report. */
function heldRigs(holds: Map<string, string>): ServiceResult[] {
  return [...holds].map(([rig, hold]) => ({
    name: `Rig ${rig}`,
    type: "witness" as const,
    rig,
    ok: true,
    detail: `${hold}: no agents started (gt rig ${hold === "parked" ? "unpark" : "undock"} ${rig})`,
  }));
}

/** gt up: the daemon, then every agent that must run. Running ones are left as they are. */
export async function townUp(
  town: Town,
  provider: RuntimeProvider,
  env: NodeJS.ProcessEnv,
  actor: string,
): Promise<ServiceResult[]> {
  const out: ServiceResult[] = [];
  // The daemon waits while gt up starts things, so the two never start one agent twice.
  await withFileLock(
    daemonPaths(town).reconcile,
    async () => {
      try {
        const d = await startDaemon(town, env);
        out.push({
          name: "Daemon",
          type: "daemon",
          rig: null,
          ok: true,
          detail: d.already ? `already running (pid ${d.pid})` : `started (pid ${d.pid})`,
        });
      } catch (e) {
        out.push({ name: "Daemon", type: "daemon", rig: null, ok: false, detail: (e as Error).message });
      }
      const stop = readEstop(town.root);
      if (stop) {
        out.push({
          name: "Agents",
          type: "processes",
          rig: null,
          ok: false,
          detail: `e-stop is on${stop.reason ? ` (${stop.reason})` : ""}: nothing started (gt thaw)`,
        });
        return;
      }
      const plan = await townPlan(town);
      const want = plan.want.filter((a) => !(a.id.rig && plan.frozenRigs.has(a.id.rig)));
      out.push(...(await startAgents(town, provider, want, actor)), ...heldRigs(plan.holds));
    },
    PASS_WAIT_MS,
  );
  logEvent(town.root, "town_up", actor, { ok: out.every((r) => r.ok) }, "feed");
  return out;
}

/** gt start: the deacon and the mayor; with `all` each open rig's witness and refinery too. */
export async function townStart(
  town: Town,
  provider: RuntimeProvider,
  opts: { all: boolean; actor: string },
): Promise<ServiceResult[]> {
  const plan = await townPlan(town);
  const want = plan.want.filter(
    (a) =>
      a.id.role === "deacon" ||
      a.id.role === "mayor" ||
      (opts.all &&
        (a.id.role === "witness" || a.id.role === "refinery") &&
        !plan.frozenRigs.has(a.id.rig ?? "")),
  );
  return [
    ...(await startAgents(town, provider, want, opts.actor)),
    ...(opts.all ? heldRigs(plan.holds) : []),
  ];
}

export interface DownOptions {
  /** Polecats too (gt down --all, --polecats). */
  polecats: boolean;
  /** Crew too (gt shutdown keeps crew unless --all; gt down stops them). */
  crew: boolean;
  actor: string;
  /** No grace period: every agent killed at once, not asked to exit first (gt down --force). */
  force?: boolean;
  /** At the end, the town's runtime server goes too, with whatever still runs on it (gt down --nuke). */
  nuke?: boolean;
  /** Runs under the shutdown lock before anything is stopped (gt shutdown --graceful's wait). */
  beforeStop?: () => Promise<void>;
}

/** Every agent the town has a place for, in the order gt down stops them. */
export function stopOrder(town: Town, opts: Pick<DownOptions, "polecats" | "crew">): AgentIdentity[] {
  const rigs = town.rigNames();
  return [
    ...(opts.polecats
      ? rigs.flatMap((rig) =>
          polecatNames(town, rig).map((name): AgentIdentity => ({ role: "polecat", rig, name })),
        )
      : []),
    ...(opts.crew
      ? rigs.flatMap((rig) =>
          crewNames(town, rig).map((name): AgentIdentity => ({ role: "crew", rig, name })),
        )
      : []),
    ...rigs.map((rig): AgentIdentity => ({ role: "refinery", rig })),
    ...rigs.map((rig): AgentIdentity => ({ role: "witness", rig })),
    ...dogNames(town).map((name): AgentIdentity => ({ role: "dog", name })),
    { role: "mayor" },
    { role: "deacon" },
  ];
}

/**
 * gt down: under the shutdown lock (after any daemon pass in flight), stops the agents in
 * order (the deacon's dogs before the mayor and deacon), then the daemon, then stray processes of the town. With `polecats`, sessions no
 * agent owns go too, so nothing of the town is left running.
 */
export async function townDown(
  town: Town,
  provider: RuntimeProvider,
  opts: DownOptions,
): Promise<ServiceResult[]> {
  const p = daemonPaths(town);
  const out: ServiceResult[] = [];
  await withFileLock(
    p.shutdown,
    async () => {
      // A pass that began before the lock finishes first; every later pass sees the lock.
      await withFileLock(p.reconcile, async () => undefined, PASS_WAIT_MS);
      await opts.beforeStop?.();
      const sessions = await sessionsOf(provider);
      const known = new Set<string>();
      for (const id of stopOrder(town, opts)) {
        const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
        known.add(session);
        if (!sessions.has(session)) {
          if (!ROLES[id.role].named) out.push(result(id, true, "not running"));
          continue;
        }
        try {
          // A frozen agent cannot act on SIGTERM until it is continued: it is killed outright.
          const frozen = activeEstop(town.root, id.rig) !== undefined;
          await provider.stop(session, frozen || opts.force ? { graceMs: 0 } : {});
          out.push(result(id, true, "stopped"));
        } catch (e) {
          out.push(result(id, false, (e as Error).message.split("\n")[0]!));
        }
      }
      if (opts.polecats && opts.crew) {
        for (const s of sessions.values()) {
          if (known.has(s.name)) continue;
          await provider.stop(s.name, opts.force ? { graceMs: 0 } : {}).catch(() => false);
          out.push({ name: `Session ${s.name}`, type: "processes", rig: null, ok: true, detail: "stopped" });
        }
      }
      const d = await stopDaemon(town);
      out.push({
        name: "Daemon",
        type: "daemon",
        rig: null,
        ok: true,
        detail: d.stopped
          ? `stopped (was pid ${d.pid})`
          : d.stale
            ? "not running (stale pid file removed)"
            : "not running",
      });
      if (opts.nuke) out.push(await endServer(provider));
      const live = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
      const strays = await endStrayProcesses(strayTownProcesses(town.root, live), opts.force ? 0 : undefined);
      if (strays.length) out.push(leftoverRow("ended", strays));
    },
    PASS_WAIT_MS,
  );
  logEvent(town.root, "town_down", opts.actor, { polecats: opts.polecats, nuke: opts.nuke === true }, "feed");
  return out;
}

/** gt down --nuke's last step: the runtime's server for this town, and all still on it. */
async function endServer(provider: RuntimeProvider): Promise<ServiceResult> {
  const row = (ok: boolean, detail: string): ServiceResult => ({
    name: "Runtime server",
    type: "processes",
    rig: null,
    ok,
    detail,
  });
  if (!provider.endServer) return row(true, `none to end (the ${provider.kind} runtime has no server)`);
  try {
    const end = await provider.endServer();
    return row(true, end.ended ? `killed the ${end.name}` : `no ${end.name} was running`);
  } catch (e) {
    return row(false, (e as Error).message.split("\n")[0]!);
  }
}

/**
 * gt down --dry-run: what gt down with these options would stop, in its order, changing
 * nothing (no lock taken, no signal sent, no event logged).
 */
export async function planDown(
  town: Town,
  provider: RuntimeProvider,
  opts: DownOptions,
): Promise<ServiceResult[]> {
  const sessions = await sessionsOf(provider);
  const out: ServiceResult[] = [];
  const known = new Set<string>();
  for (const id of stopOrder(town, opts)) {
    const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
    known.add(session);
    const s = sessions.get(session);
    if (!s) {
      if (!ROLES[id.role].named) out.push(result(id, true, "not running"));
      continue;
    }
    out.push(result(id, true, `would stop ${session}${s.alive ? "" : " (its agent already exited)"}`));
  }
  if (opts.polecats && opts.crew)
    for (const s of sessions.values())
      if (!known.has(s.name))
        out.push({ name: `Session ${s.name}`, type: "processes", rig: null, ok: true, detail: "would stop" });
  const d = daemonLiveness(town);
  out.push({
    name: "Daemon",
    type: "daemon",
    rig: null,
    ok: true,
    detail:
      d.state === "running"
        ? `would stop (pid ${d.pid})`
        : d.state === "stale"
          ? "not running (its stale pid file would be removed)"
          : "not running",
  });
  if (opts.nuke)
    out.push({
      name: "Runtime server",
      type: "processes",
      rig: null,
      ok: true,
      detail: provider.endServer
        ? `would kill the town's ${provider.kind} server, with whatever else runs on it`
        : `none to end (the ${provider.kind} runtime has no server)`,
    });
  // What is left outside sessions now; the stops above would leave their processes' too.
  const live = new Set([...sessions.values()].filter((s) => s.alive).map((s) => s.name));
  // The daemon is listed above; a running one is no leftover.
  const strays = strayTownProcesses(town.root, live).filter(
    (p) => !(d.state === "running" && p.session === "(daemon)"),
  );
  if (strays.length) out.push(leftoverRow("would end", strays));
  return out;
}

export interface PolecatCleanup {
  polecat: string;
  removed: boolean;
  detail: string;
}

/**
 * gt shutdown's cleanup after the agents are stopped: every polecat's sandbox and branch
 * removed, except one holding unsaved or unpushed work or a hooked bead (unless `nuclear`).
 */
export async function removePolecats(
  town: Town,
  provider: RuntimeProvider,
  opts: { nuclear: boolean; actor: string },
): Promise<PolecatCleanup[]> {
  const out: PolecatCleanup[] = [];
  for (const rig of town.rigNames()) {
    for (const name of polecatNames(town, rig)) {
      const polecat = addressOf({ role: "polecat", rig, name });
      try {
        const r = await nukePolecat(town, provider, rig, name, { force: opts.nuclear, actor: opts.actor });
        out.push({
          polecat,
          removed: true,
          detail: `removed${r.deleted_branch ? ` (branch ${r.deleted_branch} deleted)` : ""}${r.deleted_wip ? ` (WIP checkpoint ${r.deleted_wip} deleted)` : ""}${r.released_hook ? `, ${r.released_hook} back to open` : ""}`,
        });
      } catch (e) {
        out.push({ polecat, removed: false, detail: `kept: ${(e as Error).message.split("\n")[0]}` });
      }
    }
  }
  return out;
}
