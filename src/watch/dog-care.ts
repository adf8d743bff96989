// Looking after dog agents (`gt dog call|clear|health-check|dispatch`): wake idle dogs, free a
// dog whose session died with a job on its hook, find zombies (a job, no session) and orphans
// (a session, no job), and hand a plugin's instructions to a dog as a job. Working or idle is
// still only the hook (dog-agents.ts): clearing a dog is putting its job back.
import { readFileSync } from "node:fs";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { startAgentSession } from "../sessions/session.ts";
import { openLedgerOfBead, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { type DogAgent, type DogSlingReport, dogId, listDogAgents, slingToDog } from "./dog-agents.ts";
import { findPlugin } from "./plugins.ts";

export const PLUGIN_LABEL = "gt:plugin";

async function theDog(town: Town, provider: RuntimeProvider, name: string): Promise<DogAgent> {
  const dog = (await listDogAgents(town, provider)).find((d) => d.name === name);
  if (!dog) throw new NotFoundError(name, `no dog ${name} in the kennel (gt dog list)`);
  return dog;
}

export interface CalledDog {
  dog: string;
  session: string;
  action: "started" | "running";
}

/** Starts the sessions of idle dogs: `name`, every idle one (`all`), or the first idle one down. */
export async function callDogs(
  town: Town,
  provider: RuntimeProvider,
  opts: { name?: string; all?: boolean; actor: string },
): Promise<CalledDog[]> {
  if (opts.name && opts.all) throw new ValidationError("name a dog or give --all, not both");
  const dogs = await listDogAgents(town, provider);
  let chosen: DogAgent[];
  if (opts.name) {
    const dog = await theDog(town, provider, opts.name);
    if (dog.hook) throw new ConflictError("dog_working", `${dog.address} is working on ${dog.hook}`);
    chosen = [dog];
  } else {
    const idle = dogs.filter((d) => d.state === "idle");
    if (idle.length === 0)
      throw new ConflictError(
        "no_idle_dog",
        dogs.length ? "every dog is working" : "the kennel is empty (gt dog add <name>)",
      );
    chosen = opts.all ? idle : [idle.find((d) => !d.session_alive) ?? idle[0]!];
  }
  const out: CalledDog[] = [];
  for (const d of chosen) {
    if (d.session_alive) {
      out.push({ dog: d.address, session: d.session, action: "running" });
      continue;
    }
    const s = await startAgentSession(town, provider, dogId(d.name), { sender: opts.actor, topic: "call" });
    out.push({ dog: d.address, session: s.session, action: "started" });
  }
  return out;
}

export interface ClearedDog {
  dog: string;
  /** The job put back to open, or null when the hook was empty. */
  bead: string | null;
  /** Its session was stopped (--force). */
  stopped: boolean;
}

/** Frees a stuck dog: its job back to open and unassigned; a live session only with `force`. */
export async function clearDog(
  town: Town,
  provider: RuntimeProvider,
  name: string,
  opts: { force?: boolean; actor: string },
): Promise<ClearedDog> {
  const dog = await theDog(town, provider, name);
  if (dog.session_alive && !opts.force)
    throw new ConflictError(
      "dog_running",
      `${dog.address}'s session ${dog.session} is alive: it may still be working (--force stops it)`,
    );
  const stopped = dog.session_alive ? await provider.stop(dog.session) : false;
  if (dog.hook) {
    const { ledger } = openLedgerOfBead(town, dog.hook);
    try {
      await ledger.addComment(dog.hook, opts.actor, `cleared from ${dog.address} by ${opts.actor}`);
      await ledger.updateIssue(dog.hook, { status: "open", assignee: null }, opts.actor);
    } finally {
      await ledger.close();
    }
    logEvent(town.root, "dog_cleared", opts.actor, { dog: dog.address, bead: dog.hook });
  }
  return { dog: dog.address, bead: dog.hook, stopped };
}

export interface DogHealth {
  dog: string;
  state: "working" | "idle";
  session_alive: boolean;
  hook: string | null;
  /** zombie: a job but no session; orphan: a session but no job. */
  problem: "zombie" | "orphan" | null;
  cleared: boolean;
}

/** Each dog (or `name`) checked; with `autoClear`, zombies get their job put back. */
export async function dogHealth(
  town: Town,
  provider: RuntimeProvider,
  opts: { name?: string; autoClear?: boolean; actor: string },
): Promise<{ dogs: DogHealth[]; attention: number }> {
  const dogs = opts.name ? [await theDog(town, provider, opts.name)] : await listDogAgents(town, provider);
  const out: DogHealth[] = [];
  for (const d of dogs) {
    const problem = d.hook && !d.session_alive ? "zombie" : !d.hook && d.session_alive ? "orphan" : null;
    let cleared = false;
    if (problem === "zombie" && opts.autoClear) {
      await clearDog(town, provider, d.name, { actor: opts.actor });
      cleared = true;
    }
    out.push({
      dog: d.address,
      state: d.state,
      session_alive: d.session_alive,
      hook: d.hook,
      problem,
      cleared,
    });
  }
  return { dogs: out, attention: out.filter((d) => d.problem && !d.cleared).length };
}

export interface PluginDispatch {
  plugin: string;
  file: string;
  /** The job bead made for it; null on a dry run. */
  bead: string | null;
  dry_run: boolean;
  report: DogSlingReport | null;
}

/** Files the plugin's instructions as a job in the town ledger and slings it at a dog. */
export async function dispatchPlugin(
  town: Town,
  provider: RuntimeProvider,
  opts: { plugin: string; rig?: string; dog?: string; create?: boolean; dryRun?: boolean; actor: string },
): Promise<PluginDispatch> {
  const file = findPlugin(town, opts.plugin, opts.rig);
  const text = readFileSync(file, "utf8");
  const target = opts.dog ? `deacon/dogs/${opts.dog}` : "deacon/dogs";
  if (opts.dryRun) {
    if (opts.dog && !opts.create) await theDog(town, provider, opts.dog);
    return { plugin: opts.plugin, file, bead: null, dry_run: true, report: null };
  }
  const ledger = openTownLedger(town);
  let bead: string;
  try {
    bead = (
      await ledger.createIssue(
        {
          title: `Plugin: ${opts.plugin}${opts.rig ? ` (${opts.rig})` : ""}`,
          description: text,
          issue_type: "task",
          labels: [PLUGIN_LABEL],
        },
        opts.actor,
      )
    ).id;
  } finally {
    await ledger.close();
  }
  const dropBead = async () => {
    const l = openTownLedger(town);
    try {
      await l.deleteIssue(bead, opts.actor);
    } finally {
      await l.close();
    }
  };
  let report: DogSlingReport;
  try {
    report = await slingToDog(town, provider, [bead], target, {
      actor: opts.actor,
      noConvoy: true,
      ...(opts.create ? { create: true } : {}),
    });
  } catch (e) {
    await dropBead(); // no dog took it: no job left behind
    throw e;
  }
  if (report.outcomes.length === 0) {
    await dropBead();
    throw new ConflictError(
      "not_dispatched",
      report.failures[0]?.error ?? `no dog took plugin ${opts.plugin}`,
    );
  }
  return { plugin: opts.plugin, file, bead, dry_run: false, report };
}
