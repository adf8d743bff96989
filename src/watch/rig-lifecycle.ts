// A rig's agents as a group (gt rig start/stop/restart/park/unpark/dock/undock). Start runs
// its witness and refinery (refused for a parked, docked or e-stopped rig); stop ends them
// and its polecats' sessions (hooks and sandboxes stay). Park and dock record the hold
// first — so the daemon, woken by the event, never restarts what is being stopped — then
// stop the patrols (dock: the polecats too). Unpark and undock lift the hold; the daemon
// then brings the patrols back (gt rig start does at once).
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { type AgentIdentity, addressOf, sessionNameOf } from "../town/identity.ts";
import { withFileLock } from "../town/lock.ts";
import { assertRigTakesWork, type RigHold, setDocked, setParked } from "../town/rig.ts";
import { polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { daemonPaths } from "./daemon-files.ts";
import type { PlannedAgent } from "./reconcile.ts";
import { type ServiceResult, serviceName, startAgents } from "./town-lifecycle.ts";

function patrols(rig: string): AgentIdentity[] {
  return [
    { role: "witness", rig },
    { role: "refinery", rig },
  ];
}

function planned(town: Town, id: AgentIdentity, why: string): PlannedAgent {
  return { id, address: addressOf(id), session: sessionNameOf(id, town.prefixOf(id.rig!)), why };
}

function row(id: AgentIdentity, ok: boolean, detail: string): ServiceResult {
  return { name: serviceName(id), type: id.role, rig: id.rig ?? null, ok, detail };
}

/** Starts the rig's witness and refinery (those not running). */
export async function startRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  actor: string,
): Promise<ServiceResult[]> {
  town.rig(rig);
  await assertRigTakesWork(town, rig);
  return startAgents(
    town,
    provider,
    patrols(rig).map((id) => planned(town, id, "gt rig start")),
    actor,
  );
}

/** The rig's agents a stop ends, in order: polecats (if asked), refinery, witness. */
function stopOrder(town: Town, rig: string, polecats: boolean): AgentIdentity[] {
  return [
    ...(polecats
      ? polecatNames(town, rig).map((name): AgentIdentity => ({ role: "polecat", rig, name }))
      : []),
    ...patrols(rig).reverse(),
  ];
}

/** Stops the rig's witness and refinery, and with `polecats` its polecats' sessions. */
export async function stopRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  opts: { polecats: boolean },
): Promise<ServiceResult[]> {
  town.rig(rig);
  const out: ServiceResult[] = [];
  for (const id of stopOrder(town, rig, opts.polecats)) {
    const session = sessionNameOf(id, town.prefixOf(rig));
    try {
      const stopped = await provider.stop(session);
      if (stopped || id.role !== "polecat") out.push(row(id, true, stopped ? "stopped" : "not running"));
    } catch (e) {
      out.push(row(id, false, (e as Error).message.split("\n")[0]!));
    }
  }
  return out;
}

/**
 * Stops the rig's witness and refinery and starts them again, holding the daemon's
 * reconcile lock so that it does not restart them in between.
 */
export async function restartRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  actor: string,
): Promise<ServiceResult[]> {
  town.rig(rig);
  await assertRigTakesWork(town, rig);
  return withFileLock(
    daemonPaths(town).reconcile,
    async () => {
      await stopRig(town, provider, rig, { polecats: false });
      return startRig(town, provider, rig, actor);
    },
    120_000,
  );
}

export interface HoldResult {
  rig: string;
  hold: RigHold;
  /** False when the rig already was (or was not) held that way. */
  changed: boolean;
  stopped: ServiceResult[];
}

/** Parks or docks a rig (the hold first, then its agents stopped). */
export async function holdRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  hold: RigHold,
  actor: string,
): Promise<HoldResult> {
  town.rig(rig);
  // What runs now is what the hold stops, whoever gets there first: this command or the
  // daemon, which the hold's event wakes.
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  const ran = new Set(
    stopOrder(town, rig, hold === "docked")
      .filter((id) => alive.has(sessionNameOf(id, town.prefixOf(rig))))
      .map(serviceName),
  );
  const changed =
    hold === "parked" ? setParked(town, rig, true, actor) : await setDocked(town, rig, true, actor);
  if (changed) logEvent(town.root, `rig_${hold}`, actor, { rig }, "feed");
  const stopped = (await stopRig(town, provider, rig, { polecats: hold === "docked" }))
    .filter((r) => !r.ok || ran.has(r.name))
    .map((r) => (r.ok ? { ...r, detail: "stopped" } : r));
  return { rig, hold, changed, stopped };
}

/** Unparks or undocks a rig; its agents are not started here (the daemon or gt rig start does). */
export async function releaseRig(town: Town, rig: string, hold: RigHold, actor: string): Promise<boolean> {
  town.rig(rig);
  const changed =
    hold === "parked" ? setParked(town, rig, false, actor) : await setDocked(town, rig, false, actor);
  if (changed)
    logEvent(town.root, hold === "parked" ? "rig_unparked" : "rig_undocked", actor, { rig }, "feed");
  return changed;
}
