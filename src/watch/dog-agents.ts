// Dog agents (spec §4.5): the deacon's reusable workers for the town's infrastructure jobs.
// A dog is `deacon/dogs/<name>` — session `hq-dog-<name>`, kennel `deacon/dogs/<name>/`
// holding `.dog.json` (`"kind": "agent"`), agent bead `hq-dog-<name>` in the town ledger.
// Working or idle is derived from its hook, never stored. `gt sling <bead> deacon/dogs` asks
// pickDog for an idle dog (adding one while the pool has fewer than DOG_POOL_MAX), then
// slings at `deacon/dogs/<name>` like at any agent; the dog does the job and runs
// `gt dog done`: the bead is closed (or, failed, back to open), the deacon gets a DOG_DONE
// nudge, never mail, and the dog's session ends. There is no merge request: a dog's work
// lands as it goes.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { nudge } from "../comms/nudge.ts";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { startAgentSession } from "../sessions/session.ts";
import { ensureLedgerRecords } from "../town/agent-beads.ts";
import { type AgentIdentity, addressOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { writeJsonFile } from "../town/json-file.ts";
import { openLedgerOfBead, openRigLedger, openTownLedger } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import { dogNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { landConvoysAfterClose } from "../work/convoys.ts";
import { findHookedWork, HOOKED } from "../work/hook.ts";
import { type SlingOptions, sling } from "../work/sling.ts";
import { BUILTIN_NAMES, commandDogs, kennelDir } from "./dog-config.ts";
import type { ScheduledSlingReport } from "./scheduler-sling.ts";

/** The most dogs a pool dispatch makes (spec: max_dog_pool_size 4). */
export const DOG_POOL_MAX = 4;
/** Names given to dogs a pool dispatch adds, in order. */
const POOL_NAMES = ["rex", "fido", "spot", "lassie", "bolt", "scout", "duke", "ace"];
const NAME = /^[a-z][a-z0-9_]{0,29}$/;

export const dogId = (name: string): AgentIdentity => ({ role: "dog", name });

export interface DogAgent {
  name: string;
  address: string;
  session: string;
  work_dir: string;
  session_alive: boolean;
  /** The bead on its hook. */
  hook: string | null;
  state: "working" | "idle";
}

/** Every ledger a dog's job may be in: the town's and each rig's. */
function allLedgers(town: Town) {
  return [openTownLedger(town), ...town.rigNames().map((rig) => openRigLedger(town, rig))];
}

async function hookedOf(town: Town, address: string): Promise<Issue[]> {
  const ledgers = allLedgers(town);
  try {
    return await findHookedWork(ledgers, address);
  } finally {
    for (const l of ledgers) await l.close();
  }
}

/** The dogs, each with its hook and session. */
export async function listDogAgents(town: Town, provider: RuntimeProvider): Promise<DogAgent[]> {
  const names = dogNames(town);
  if (names.length === 0) return [];
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  const hooks = new Map<string, string>();
  const ledgers = allLedgers(town);
  try {
    for (const l of ledgers)
      for (const b of await l.listIssues({ statuses: [HOOKED], includeInfra: true }))
        if (b.assignee?.startsWith("deacon/dogs/") && !hooks.has(b.assignee)) hooks.set(b.assignee, b.id);
  } finally {
    for (const l of ledgers) await l.close();
  }
  return names.map((name) => {
    const id = dogId(name);
    const address = addressOf(id);
    const hook = hooks.get(address) ?? null;
    return {
      name,
      address,
      session: sessionNameOf(id),
      work_dir: workDirOf(town.root, id),
      session_alive: alive.has(sessionNameOf(id)),
      hook,
      state: hook ? "working" : "idle",
    };
  });
}

/** Adds a dog to the kennel: its directory, `.dog.json` and agent bead. */
export async function addDogAgent(town: Town, name: string, by: string): Promise<DogAgent> {
  if (!NAME.test(name))
    throw new ValidationError(
      `invalid dog name "${name}": lowercase letters, digits and underscores, starting with a letter`,
    );
  if (name === "boot" || (BUILTIN_NAMES as string[]).includes(name))
    throw new ConflictError("dog_exists", `${name} is one of the daemon's dogs; pick another name`);
  if (commandDogs(town).dogs.some((d) => d.name === name) || existsSync(join(kennelDir(town), name)))
    throw new ConflictError("dog_exists", `a dog named ${name} already exists`);
  const dir = join(kennelDir(town), name);
  mkdirSync(dir, { recursive: true });
  writeJsonFile(join(dir, ".dog.json"), {
    name,
    kind: "agent",
    created_at: new Date().toISOString(),
    created_by: by,
  });
  const ledger = openTownLedger(town);
  try {
    await ensureLedgerRecords(town, ledger, undefined, { actor: by });
  } finally {
    await ledger.close();
  }
  logEvent(town.root, "dog_added", by, { dog: addressOf(dogId(name)) });
  const id = dogId(name);
  return {
    name,
    address: addressOf(id),
    session: sessionNameOf(id),
    work_dir: dir,
    session_alive: false,
    hook: null,
    state: "idle",
  };
}

/**
 * Runs `fn` as the only dispatch to the kennel: choosing a dog and putting the job on its
 * hook happen under it, so two slings at deacon/dogs never pick the same idle dog.
 */
export function withKennel<T>(town: Town, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(town.runtimeDir, "locks", "kennel.lock"), fn, 120_000);
}

export interface PickedDog {
  name: string;
  address: string;
  /** A new dog was added for this job. */
  added: boolean;
}

/**
 * The dog a job goes to: `name` (added first with `create`), else an idle dog (one whose
 * session is down first: a live idle one is finishing up), else a new one while the pool
 * has fewer than DOG_POOL_MAX. Call under withKennel.
 */
export async function pickDog(
  town: Town,
  provider: RuntimeProvider,
  opts: { name?: string; create?: boolean; by: string },
): Promise<PickedDog> {
  const dogs = await listDogAgents(town, provider);
  if (opts.name) {
    if (dogs.some((d) => d.name === opts.name)) return picked(opts.name, false);
    if (!opts.create)
      throw new NotFoundError(
        opts.name,
        `no dog ${opts.name} in the kennel (gt dog add ${opts.name}, or sling with --create)`,
      );
    await addDogAgent(town, opts.name, opts.by);
    return picked(opts.name, true);
  }
  const idle = dogs
    .filter((d) => d.state === "idle")
    .sort((a, b) => Number(a.session_alive) - Number(b.session_alive));
  if (idle[0]) return picked(idle[0].name, false);
  if (dogs.length >= DOG_POOL_MAX)
    throw new ConflictError(
      "no_idle_dog",
      `every dog is busy (${dogs.length} of ${DOG_POOL_MAX}): wait for one, or sling at deacon/dogs/<name>`,
    );
  const taken = new Set([...dogs.map((d) => d.name), ...commandDogs(town).dogs.map((d) => d.name)]);
  const name = POOL_NAMES.find((n) => !taken.has(n) && !existsSync(join(kennelDir(town), n)));
  if (!name) throw new ConflictError("no_dog_name", "no free dog name left: gt dog add <name>");
  await addDogAgent(town, name, opts.by);
  return picked(name, true);
}

export interface DogDone {
  dog: string;
  bead: string | null;
  outcome: "closed" | "failed" | "idle";
  /** How the deacon was told (a queued nudge, or why not). */
  deacon: string;
}

/**
 * `gt dog done`: the dog's job is finished. The bead on its hook is closed (with `failed`,
 * put back to open and unassigned, the reason as a comment), the deacon gets a DOG_DONE
 * nudge (queued: it reads it at its next turn), and the caller ends the dog's session.
 */
export async function dogDone(
  town: Town,
  provider: RuntimeProvider,
  name: string,
  opts: { message?: string; failed?: boolean },
): Promise<DogDone> {
  if (!dogNames(town).includes(name)) throw new NotFoundError(name, `no dog ${name} in the kennel`);
  const id = dogId(name);
  const address = addressOf(id);
  const bead = (await hookedOf(town, address))[0];
  let outcome: DogDone["outcome"] = "idle";
  if (bead) {
    const { ledger } = openLedgerOfBead(town, bead.id);
    try {
      if (opts.failed) {
        if (opts.message) await ledger.addComment(bead.id, address, `${address} failed: ${opts.message}`);
        await ledger.updateIssue(bead.id, { status: "open", assignee: null }, address);
        outcome = "failed";
      } else {
        await ledger.closeIssue(bead.id, { reason: opts.message || `done by ${address}` }, address);
        outcome = "closed";
      }
    } finally {
      await ledger.close();
    }
    if (outcome === "closed") await landConvoysAfterClose(town, [bead.id], address);
  }
  const word = outcome === "failed" ? "DOG_FAILED" : "DOG_DONE";
  const note = `${word} ${address}${bead ? ` ${bead.id} ${outcome}` : " idle"}${opts.message ? `: ${opts.message}` : ""}`;
  const told = await nudge(town, provider, { role: "deacon" }, note, { sender: address, mode: "queue" })
    .then((r) => r.outcome)
    .catch((e: Error) => `not told: ${e.message}`);
  logEvent(town.root, "dog_done", address, {
    bead: bead?.id ?? null,
    outcome,
    message: opts.message ?? null,
  });
  return { dog: address, bead: bead?.id ?? null, outcome, deacon: told };
}

/** Takes a dog out of the kennel: never one at work or running. */
export async function removeDogAgent(town: Town, provider: RuntimeProvider, name: string): Promise<void> {
  const dog = (await listDogAgents(town, provider)).find((d) => d.name === name);
  if (!dog) throw new NotFoundError(name, `no dog ${name} in the kennel`);
  if (dog.hook) throw new ConflictError("dog_working", `${dog.address} has ${dog.hook} on its hook`);
  if (dog.session_alive)
    throw new ConflictError(
      "dog_running",
      `${dog.address} is running (session ${dog.session}); it stops after gt dog done`,
    );
  rmSync(dog.work_dir, { recursive: true, force: true });
}

/** Stops a dog's session (after `gt dog done`, from outside the session). */
export async function stopDog(town: Town, provider: RuntimeProvider, name: string): Promise<boolean> {
  if (!dogNames(town).includes(name)) throw new NotFoundError(name, `no dog ${name} in the kennel`);
  return provider.stop(sessionNameOf(dogId(name)));
}

/** `deacon/dogs` (any idle dog) or `deacon/dogs/<name>`. */
export function isDogTarget(target: string | undefined): boolean {
  return target !== undefined && /^deacon\/dogs(\/[^/]*)?\/?$/.test(target);
}

export interface DogSlingReport extends ScheduledSlingReport {
  dog: PickedDog | null;
}

/**
 * `gt sling <bead> deacon/dogs[/<name>]`: the dog is picked (an idle one, or one added) and
 * the bead hooked to it under the kennel lock; then its session is started in its kennel
 * (a dog already running is nudged by the sling instead). Dogs bypass the scheduler.
 */
export async function slingToDog(
  town: Town,
  provider: RuntimeProvider,
  beads: string[],
  target: string,
  opts: SlingOptions & { create?: boolean },
): Promise<DogSlingReport> {
  if (beads.length !== 1)
    throw new ValidationError("a dog takes one job at a time: sling one bead at deacon/dogs");
  const name = /^deacon\/dogs\/([^/]+)\/?$/.exec(target)?.[1];
  const none = { queued: [], scheduler: null };
  if (opts.dryRun) {
    const idle = (await listDogAgents(town, provider)).find((d) =>
      name ? d.name === name : d.state === "idle",
    );
    if (!idle)
      return {
        outcomes: [],
        failures: [
          {
            bead: beads[0]!,
            code: "dry_run",
            error: name
              ? `no dog ${name} (a sling with --create adds it)`
              : "no idle dog: a sling would add one",
          },
        ],
        convoy: null,
        refineries_started: [],
        ...none,
        dog: null,
      };
    return {
      ...(await sling(town, provider, beads, idle.address, opts)),
      ...none,
      dog: picked(idle.name, false),
    };
  }
  const { dog, report } = await withKennel(town, async () => {
    const dog = await pickDog(town, provider, {
      ...(name ? { name } : {}),
      create: opts.create,
      by: opts.actor,
    });
    return { dog, report: await sling(town, provider, beads, dog.address, opts) };
  });
  const o = report.outcomes[0];
  if (
    o &&
    !opts.noStart &&
    o.session_action === "none" &&
    (o.action === "hooked" || o.action === "resumed")
  ) {
    try {
      const s = await startAgentSession(town, provider, dogId(dog.name), {
        ...(opts.agent ? { agent: opts.agent } : {}),
        sender: opts.actor,
        topic: "assigned",
        ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
      });
      o.session = s.session;
      o.work_dir = s.workDir;
      o.session_action = "started";
    } catch (e) {
      // The job stays on the dog's hook: it is done when the dog's session starts.
      report.failures.push({
        bead: o.bead,
        code: e instanceof GasTownError ? e.code : "start_failed",
        error: `hooked on ${dog.address}, but its session did not start: ${(e as Error).message.split("\n")[0]}`,
      });
    }
  }
  return { ...report, ...none, dog };
}

function picked(name: string, added: boolean): PickedDog {
  return { name, address: addressOf(dogId(name)), added };
}
