// What should run in the town, and what to do about what does (spec §4.1; Gas City's
// reconcile loop). `townPlan` reads the facts: which agents must run (mayor, deacon, each
// open rig's witness and refinery, crew marked to start with the town, polecats with work
// on their hook) and which must not (the patrols of a parked or docked rig, a docked rig's
// polecats, roles switched off in mayor/daemon.json). `planReconcile` is a pure function
// from those facts, the live sessions and the restart records to the actions to take.
import { existsSync } from "node:fs";
import type { Issue } from "../ledger/model.ts";
import type { SessionInfo } from "../runtime/provider.ts";
import { sessionHeld } from "../sessions/session-hold.ts";
import { activeEstop } from "../town/estop.ts";
import { type AgentIdentity, addressOf, parseAddress, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openRigLedger, openTownLedger } from "../town/ledgers.ts";
import { type RigHold, rigHold } from "../town/rig.ts";
import type { RoleName } from "../town/roles.ts";
import { crewNames, polecatNames } from "../town/roster.ts";
import { loadRigSettings } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED, slingInFlight, slingProgress } from "../work/hook.ts";
import { restartVerdict } from "./backoff.ts";
import { type DaemonTimings, loadPatrolRoles, patrolsRig } from "./daemon-config.ts";
import type { AgentRecord } from "./daemon-files.ts";

export interface PlannedAgent {
  id: AgentIdentity;
  address: string;
  session: string;
  /** Why it must (or must not) run, for the log and gt up's report. */
  why: string;
  /** Polecats: the hooked bead and its branch. */
  bead?: string;
  branch?: string;
}

export interface TownPlan {
  /** Agents that must run, in the order to start them. */
  want: PlannedAgent[];
  /** Agents that must not run. */
  unwanted: PlannedAgent[];
  /** Rigs held by park or dock. */
  holds: Map<string, RigHold>;
  /** Rigs under an e-stop of their own (the whole town's stops the daemon altogether). */
  frozenRigs: Set<string>;
}

/** Start order: the town's watchdog and coordinator first, then each rig's patrols, then workers. */
const ROLE_ORDER: RoleName[] = ["deacon", "mayor", "witness", "refinery", "crew", "polecat"];

function planned(
  town: Town,
  id: AgentIdentity,
  why: string,
  extra: Partial<PlannedAgent> = {},
): PlannedAgent {
  return {
    id,
    address: addressOf(id),
    session: sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined),
    why,
    ...extra,
  };
}

/**
 * The crew a rig starts with the town: `crew.startup` in the rig's settings, "all", or
 * names (an array, or one string separated by commas or spaces). Unknown names are skipped.
 */
export function autostartCrew(town: Town, rig: string): string[] {
  let startup: unknown;
  try {
    startup = (loadRigSettings(town.rigDir(rig)) as { crew?: { startup?: unknown } }).crew?.startup;
  } catch {
    return [];
  }
  const have = crewNames(town, rig);
  if (startup === "all") return have;
  const names = Array.isArray(startup)
    ? startup.map(String)
    : typeof startup === "string"
      ? startup.split(/[\s,]+/)
      : [];
  return names.filter((n) => have.includes(n));
}

/** Hooked beads of a rig's polecats (rig ledger, and the town ledger for cross-rig work). */
async function polecatHooks(town: Town, rig: string): Promise<Map<string, Issue>> {
  const names = new Set(polecatNames(town, rig));
  const out = new Map<string, Issue>();
  if (names.size === 0) return out;
  for (const open of [() => openRigLedger(town, rig), () => openTownLedger(town)]) {
    const ledger = open();
    try {
      for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true, sort: "created" })) {
        if (!b.assignee || out.has(b.assignee)) continue;
        let id: AgentIdentity;
        try {
          id = parseAddress(b.assignee);
        } catch {
          continue;
        }
        if (id.role === "polecat" && id.rig === rig && names.has(id.name!)) out.set(b.assignee, b);
      }
    } finally {
      await ledger.close();
    }
  }
  return out;
}

/** The polecats whose hooked work wants a session: their sling finished and their sandbox is there. */
async function hookedPolecats(town: Town, rig: string): Promise<PlannedAgent[]> {
  const out: PlannedAgent[] = [];
  for (const bead of (await polecatHooks(town, rig)).values()) {
    const id = parseAddress(bead.assignee!);
    const { stage, branch } = slingProgress(bead);
    // A sling still under way (or stopped half-way) is finished by gt sling, not by us.
    if ((stage !== undefined && stage !== "done") || slingInFlight(bead)) continue;
    if (!existsSync(workDirOf(town.root, id))) continue;
    out.push(planned(town, id, `hooked ${bead.id}`, { bead: bead.id, ...(branch ? { branch } : {}) }));
  }
  return out;
}

/** Reads the town: which agents must run and which must not. */
export async function townPlan(town: Town): Promise<TownPlan> {
  const roles = loadPatrolRoles(town);
  const want: PlannedAgent[] = [];
  const unwanted: PlannedAgent[] = [];
  const holds = new Map<string, RigHold>();
  const frozenRigs = new Set<string>();
  for (const role of ["mayor", "deacon"] as const)
    (roles[role] ? want : unwanted).push(
      planned(town, { role }, roles[role] ? "town" : `${role} switched off`),
    );
  for (const rig of town.rigNames()) {
    if (readEstopFor(town, rig)) frozenRigs.add(rig);
    const hold = await rigHold(town, rig);
    for (const role of ["witness", "refinery"] as const) {
      const id: AgentIdentity = { role, rig };
      if (hold) unwanted.push(planned(town, id, `rig ${hold}`));
      else if (patrolsRig(roles, role, rig)) want.push(planned(town, id, "rig patrol"));
      else unwanted.push(planned(town, id, `${role} patrol off for ${rig}`));
    }
    const polecats = await hookedPolecats(town, rig);
    if (hold) {
      holds.set(rig, hold);
      // Parked: no session is started, but running polecats may finish what they hold.
      // Docked: the whole rig stops.
      if (hold === "docked") for (const p of polecats) unwanted.push({ ...p, why: "rig docked" });
      continue;
    }
    for (const name of autostartCrew(town, rig))
      want.push(planned(town, { role: "crew", rig, name }, "crew.startup"));
    want.push(...polecats);
  }
  want.sort((a, b) => ROLE_ORDER.indexOf(a.id.role) - ROLE_ORDER.indexOf(b.id.role));
  // A session someone is restarting by hand is theirs until they are done: not started here
  // meanwhile (with its last preset, racing their own start).
  return { want: want.filter((a) => !sessionHeld(town, a.session)), unwanted, holds, frozenRigs };
}

function readEstopFor(town: Town, rig: string): boolean {
  const stop = activeEstop(town.root, rig);
  return stop !== undefined && stop.rig === rig;
}

// ---- the plan --------------------------------------------------------------------------

export type ReconcileAction =
  | { kind: "start"; agent: PlannedAgent }
  | { kind: "stop"; agent: PlannedAgent }
  | { kind: "wait"; agent: PlannedAgent; untilMs: number }
  | { kind: "quarantine"; agent: PlannedAgent; restarts: number }
  /** A quarantined agent running again (a person started it): the quarantine is lifted. */
  | { kind: "release"; agent: PlannedAgent };

/**
 * The actions that bring the sessions to the plan: stop what must not run, start what must
 * and does not (within its backoff; a crash loop is quarantined instead). Nothing of a rig
 * under its own e-stop is touched.
 */
export function planReconcile(
  plan: TownPlan,
  sessions: ReadonlyMap<string, SessionInfo>,
  records: Readonly<Record<string, AgentRecord>>,
  now: number,
  t: DaemonTimings,
): ReconcileAction[] {
  const frozen = (a: PlannedAgent) => a.id.rig !== undefined && plan.frozenRigs.has(a.id.rig);
  const actions: ReconcileAction[] = [];
  for (const agent of plan.unwanted) {
    if (!frozen(agent) && sessions.get(agent.session)?.alive) actions.push({ kind: "stop", agent });
  }
  for (const agent of plan.want) {
    if (frozen(agent)) continue;
    const rec = records[agent.address];
    if (sessions.get(agent.session)?.alive) {
      if (rec?.quarantined_at) actions.push({ kind: "release", agent });
      continue;
    }
    const v = restartVerdict(rec, now, t);
    if (v.action === "start") actions.push({ kind: "start", agent });
    else if (v.action === "wait") actions.push({ kind: "wait", agent, untilMs: v.untilMs });
    else if (v.action === "quarantine") actions.push({ kind: "quarantine", agent, restarts: v.restarts });
  }
  return actions;
}
