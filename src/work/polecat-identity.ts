// A polecat's identity (spec §2.1: the layer that lasts): its name in the rig (the polecat
// directory) and its agent bead, which outlives its sandboxes and sessions and whose history
// is the polecat's CV — the beads it was given, the merge requests it filed. gt polecat
// identity add/list/show/rename/remove. Renaming moves the sandbox with `git worktree move`
// and leaves the old bead closed, pointing at the new; neither rename nor remove ever drops
// work that is on no remote.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { git } from "../adapters/git.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { ensureAgentBead } from "../town/agent-beads.ts";
import { addressOf, agentBeadIdOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { GT_CUSTOM_TYPES, openRigLedger } from "../town/ledgers.ts";
import { polecatNames, polecatsDir } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED, unhookBead } from "./hook.ts";
import { listMergeRequests } from "./merge-requests.ts";
import { polecatGitState } from "./polecat-upkeep.ts";
import {
  nukePolecat,
  polecatId,
  reservePolecatName,
  validatePolecatName,
  withPolecatPool,
  withSandbox,
} from "./polecats.ts";

export interface PolecatIdentity {
  rig: string;
  name: string;
  address: string;
  agent_bead: string;
  /** The agent bead exists (and is not closed). */
  active: boolean;
  agent_state: string | null;
  hook: string | null;
  sandbox: boolean;
  session_alive: boolean;
  created_at: string | null;
  /** Names it had before a rename, oldest first. */
  former_names: string[];
}

function meta(issue: Issue | undefined): Record<string, unknown> {
  return (issue?.metadata as Record<string, unknown> | undefined) ?? {};
}

function formerNames(issue: Issue | undefined): string[] {
  const v = meta(issue).former_names;
  return Array.isArray(v) ? v.map(String) : [];
}

/** Every polecat identity of a rig: its directories and its polecat agent beads (nuked ones too). */
export async function listIdentities(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
): Promise<PolecatIdentity[]> {
  town.rig(rig);
  const prefix = town.prefixOf(rig);
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  const ledger = openRigLedger(town, rig);
  try {
    const beads = new Map<string, Issue>();
    for (const b of await ledger.listIssues({ types: ["agent"], includeInfra: true, all: true })) {
      const m = meta(b);
      if (m.role_type === "polecat" && m.rig === rig && typeof m.name === "string") beads.set(m.name, b);
    }
    const hooks = new Map<string, string>();
    for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true }))
      if (b.assignee) hooks.set(b.assignee, b.id);
    const names = [...new Set([...polecatNames(town, rig), ...beads.keys()])].sort();
    return names.map((name) => {
      const id = polecatId(rig, name);
      const bead = beads.get(name);
      const state = meta(bead).agent_state;
      return {
        rig,
        name,
        address: addressOf(id),
        agent_bead: agentBeadIdOf(id, prefix),
        active: bead !== undefined && bead.status !== "closed",
        agent_state: bead ? (typeof state === "string" ? state : null) : null,
        hook: hooks.get(addressOf(id)) ?? null,
        sandbox: existsSync(join(workDirOf(town.root, id), ".git")),
        session_alive: alive.has(sessionNameOf(id, prefix)),
        created_at: bead?.created_at ?? null,
        former_names: formerNames(bead),
      };
    });
  } finally {
    await ledger.close();
  }
}

async function identityOf(town: Town, provider: RuntimeProvider, rig: string, name: string) {
  const found = (await listIdentities(town, provider, rig)).find((i) => i.name === name);
  if (!found) throw new NotFoundError(`${rig}/${name}`, `no polecat identity ${rig}/${name}`);
  return found;
}

/** Creates a polecat identity (name and agent bead) without a sandbox; a name is picked when none is given. */
export async function addIdentity(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  name: string | undefined,
  actor: string,
): Promise<PolecatIdentity> {
  town.rig(rig);
  if (name) validatePolecatName(name);
  const chosen = await withPolecatPool(town, rig, async () => {
    if (name && existsSync(join(polecatsDir(town, rig), name)))
      throw new ConflictError("exists", `polecat ${rig}/${name} already exists`);
    return reservePolecatName(town, rig, name);
  });
  const ledger = openRigLedger(town, rig);
  try {
    const id = polecatId(rig, chosen);
    const bead = await ledger.getIssue(agentBeadIdOf(id, town.prefixOf(rig)));
    // A nuked or removed identity of the same name comes back to life with its history.
    if (bead?.status === "closed") await ledger.reopenIssue(bead.id, "identity added again", actor);
    await ensureAgentBead(ledger, id, town.prefixOf(rig), actor);
    if (bead) await ledger.updateIssue(bead.id, { set_metadata: { agent_state: "idle" } }, actor);
  } finally {
    await ledger.close();
  }
  logEvent(town.root, "polecat_identity_add", actor, { rig, polecat: chosen });
  return identityOf(town, provider, rig, chosen);
}

export interface IdentityCv {
  identity: PolecatIdentity;
  /** Beads given to it (under this name or a former one), by status. */
  work: { total: number; closed: number; by_status: Record<string, number> };
  merge_requests: { total: number; merged: number; rejected: number; open: number };
  recent: Array<{ id: string; title: string; status: string; updated_at: string }>;
}

/** An identity with its history: the work it was given and the merge requests it filed. */
export async function showIdentity(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  name: string,
): Promise<IdentityCv> {
  const identity = await identityOf(town, provider, rig, name);
  const addresses = new Set([name, ...identity.former_names].map((n) => addressOf(polecatId(rig, n))));
  const ledger = openRigLedger(town, rig);
  try {
    const work: Issue[] = [];
    for (const address of addresses)
      work.push(
        ...(await ledger.listIssues({ assignee: address, all: true, excludeTypes: [...GT_CUSTOM_TYPES] })),
      );
    const byStatus: Record<string, number> = {};
    for (const w of work) byStatus[w.status] = (byStatus[w.status] ?? 0) + 1;
    const mrs = (await listMergeRequests(ledger, { all: true })).filter((m) => addresses.has(m.worker));
    const closed = await ledger.getIssues(mrs.filter((m) => m.status === "closed").map((m) => m.id));
    const reason = new Map(closed.map((i) => [i.id, i.close_reason ?? ""]));
    return {
      identity,
      work: { total: work.length, closed: byStatus.closed ?? 0, by_status: byStatus },
      merge_requests: {
        total: mrs.length,
        merged: mrs.filter((m) => reason.get(m.id) === "merged").length,
        rejected: mrs.filter((m) => (reason.get(m.id) ?? "").startsWith("rejected")).length,
        open: mrs.filter((m) => m.status !== "closed").length,
      },
      recent: work
        .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
        .slice(0, 10)
        .map((w) => ({ id: w.id, title: w.title, status: w.status, updated_at: w.updated_at })),
    };
  } finally {
    await ledger.close();
  }
}

/** Refuses to move or remove an identity that is running, holds work, or has unsaved work. */
async function assertQuiet(town: Town, ident: PolecatIdentity, what: string) {
  if (ident.session_alive)
    throw new ConflictError("running", `${ident.address} is running; stop it before you ${what} it`);
  if (ident.hook)
    throw new ConflictError(
      "hooked_work",
      `${ident.address} has ${ident.hook} on its hook; unsling it first`,
    );
  if (ident.sandbox) {
    const state = await polecatGitState(town, ident.rig, ident.name);
    if (!state.clean)
      throw new ConflictError(
        "unsaved_work",
        `${ident.address}'s sandbox holds work no remote has (${state.uncommitted_files.length} uncommitted, ${state.unpushed_commits} unpushed, ${state.stash_count} stashed); gt polecat git-state ${ident.rig}/${ident.name}`,
      );
  }
}

/**
 * Renames a polecat: its directory and sandbox move (git worktree move), a new agent bead
 * takes its facts and history (former_names), the old bead is closed naming the new one.
 */
export async function renameIdentity(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  from: string,
  to: string,
  actor: string,
): Promise<PolecatIdentity> {
  validatePolecatName(to);
  const ident = await identityOf(town, provider, rig, from);
  const prefix = town.prefixOf(rig);
  await withPolecatPool(town, rig, () =>
    withSandbox(town, rig, from, async () => {
      const target = join(polecatsDir(town, rig), to);
      if (existsSync(target)) throw new ConflictError("exists", `polecat ${rig}/${to} already exists`);
      const ledger = openRigLedger(town, rig);
      try {
        const newBead = await ledger.getIssue(agentBeadIdOf(polecatId(rig, to), prefix));
        if (newBead && newBead.status !== "closed")
          throw new ConflictError("exists", `an identity ${rig}/${to} already exists (${newBead.id})`);
      } finally {
        await ledger.close();
      }
      await assertQuiet(town, ident, "rename");
      const source = join(polecatsDir(town, rig), from);
      mkdirSync(target, { recursive: true });
      if (existsSync(source)) {
        const oldWork = workDirOf(town.root, polecatId(rig, from));
        if (ident.sandbox)
          await git(join(town.rigDir(rig), ".repo.git"), [
            "worktree",
            "move",
            oldWork,
            workDirOf(town.root, polecatId(rig, to)),
          ]);
        for (const entry of readdirSync(source)) renameSync(join(source, entry), join(target, entry));
        rmdirSync(source);
      }
      await moveAgentBead(town, rig, from, to, actor);
    }),
  );
  logEvent(town.root, "polecat_identity_rename", actor, { rig, from, to });
  return identityOf(town, provider, rig, to);
}

async function moveAgentBead(
  town: Town,
  rig: string,
  from: string,
  to: string,
  actor: string,
): Promise<void> {
  const prefix = town.prefixOf(rig);
  const ledger = openRigLedger(town, rig);
  try {
    const oldId = agentBeadIdOf(polecatId(rig, from), prefix);
    const old = await ledger.getIssue(oldId);
    const fresh = await ensureAgentBead(ledger, polecatId(rig, to), prefix, actor);
    if (fresh.status === "closed") await ledger.reopenIssue(fresh.id, `renamed from ${from}`, actor);
    const carried = { ...meta(old) };
    for (const k of ["name", "role_type", "rig", "renamed_to", "former_names"]) delete carried[k];
    await ledger.updateIssue(
      fresh.id,
      { set_metadata: { ...carried, former_names: [...formerNames(old), from] } },
      actor,
    );
    if (old && old.status !== "closed") {
      await ledger.updateIssue(oldId, { set_metadata: { renamed_to: to, agent_state: "renamed" } }, actor);
      await ledger.closeIssue(oldId, { reason: `renamed to ${to}`, force: true }, actor);
    }
  } finally {
    await ledger.close();
  }
}

/**
 * Removes a polecat identity: its sandbox (through the nuke, which refuses unsaved work),
 * its name, and its agent bead (closed, history kept). Work on its hook is refused unless
 * `force`, which puts it back to open first; unsaved work is refused always.
 */
export async function removeIdentity(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  name: string,
  opts: { force?: boolean; actor: string },
): Promise<{
  rig: string;
  name: string;
  removed_sandbox: boolean;
  released_hook: string | null;
  agent_bead: string;
}> {
  const ident = await identityOf(town, provider, rig, name);
  if (ident.session_alive)
    throw new ConflictError("running", `${ident.address} is running; stop it before you remove it`);
  if (ident.hook && !opts.force)
    throw new ConflictError(
      "hooked_work",
      `${ident.address} has ${ident.hook} on its hook; unsling it first, or --force to put it back to open`,
    );
  await assertQuiet(town, { ...ident, hook: null }, "remove");
  let released: string | null = null;
  if (ident.hook) {
    await unhookBead(town, ident.hook, { actor: opts.actor, from: ident.address });
    released = ident.hook;
  }
  let removedSandbox = false;
  // Never forced: the nuke checks the sandbox again under its lock and refuses unsaved work.
  if (existsSync(join(polecatsDir(town, rig), name)))
    removedSandbox = (await nukePolecat(town, provider, rig, name, { actor: opts.actor })).removed_worktree;
  const ledger = openRigLedger(town, rig);
  try {
    const bead = await ledger.getIssue(ident.agent_bead);
    if (bead && bead.status !== "closed") {
      await ledger.updateIssue(
        bead.id,
        { set_metadata: { agent_state: "removed", hook_bead: null } },
        opts.actor,
      );
      await ledger.closeIssue(bead.id, { reason: "identity removed", force: true }, opts.actor);
    }
  } finally {
    await ledger.close();
  }
  logEvent(town.root, "polecat_identity_remove", opts.actor, { rig, polecat: name });
  return {
    rig,
    name,
    removed_sandbox: removedSandbox,
    released_hook: released,
    agent_bead: ident.agent_bead,
  };
}
