// Crew: long-lived workspaces for a person or a named agent. Each is a full clone of the
// rig's repository at <rig>/crew/<name>, whose beads point at the rig ledger through a
// redirect the project never sees.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { AGENT_RUNTIME_EXCLUDES, addExcludes, clone, git, workingState } from "../adapters/git.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { ensureAgentBead } from "./agent-beads.ts";
import { type AgentIdentity, agentBeadIdOf, workDirOf } from "./identity.ts";
import { writeJsonFile } from "./json-file.ts";
import { openRigLedger, rigBeadsDir } from "./ledgers.ts";
import { withFileLock } from "./lock.ts";
import { checkNameLength, RESERVED_NAMES } from "./namepool.ts";
import { crewNames } from "./roster.ts";
import type { Town } from "./workspace.ts";

export const DEFAULT_CREW_NAME = "max";

export function validateWorkerName(name: string, kind = "crew"): void {
  checkNameLength(name, kind);
  if (!/^[a-z0-9][a-z0-9_]*$/i.test(name))
    throw new ValidationError(`invalid ${kind} name "${name}": letters, digits and "_" only`);
  if (RESERVED_NAMES.has(name.toLowerCase())) throw new ValidationError(`${kind} name "${name}" is reserved`);
}

export interface CrewMember {
  rig: string;
  name: string;
  path: string;
  branch: string | undefined;
  dirty: boolean;
  unpushed: number;
}

function crewIdentity(rig: string, name: string): AgentIdentity {
  return { role: "crew", rig, name };
}

export async function addCrew(
  town: Town,
  rig: string,
  name: string,
  opts: { branch?: boolean; actor?: string } = {},
): Promise<CrewMember> {
  validateWorkerName(name);
  const entry = town.rig(rig);
  const cfg = town.rigConfig(rig);
  const dir = workDirOf(town.root, crewIdentity(rig, name));
  return withFileLock(join(town.rigDir(rig), ".runtime", "locks", `crew-${name}.lock`), async () => {
    if (existsSync(dir))
      throw new ConflictError("crew_exists", `crew member "${name}" already exists in ${rig}`);
    mkdirSync(join(dir, ".."), { recursive: true });
    try {
      const bare = join(town.rigDir(rig), ".repo.git");
      await clone(entry.git_url, dir, ["--reference-if-able", bare, "--branch", cfg.default_branch]);
      if (opts.branch) await git(dir, ["checkout", "--quiet", "-b", `crew/${name}`]);
      // bd in the clone uses the rig ledger; git never sees the redirect or our files.
      const beads = join(dir, ".beads");
      const tracked = existsSync(join(beads, "issues.jsonl"));
      mkdirSync(beads, { recursive: true });
      writeFileSync(join(beads, "redirect"), `${relative(dir, rigBeadsDir(town, rig))}\n`);
      await addExcludes(dir, [
        ...AGENT_RUNTIME_EXCLUDES,
        ".beads/redirect",
        "mail/",
        "state.json",
        ...(tracked ? [] : [".beads/"]),
      ]);
      mkdirSync(join(dir, "mail"), { recursive: true });
      const now = new Date().toISOString();
      writeJsonFile(join(dir, "state.json"), {
        name,
        rig,
        clone_path: dir,
        branch: opts.branch ? `crew/${name}` : cfg.default_branch,
        created_at: now,
        updated_at: now,
      });
      const ledger = openRigLedger(town, rig);
      try {
        await ensureAgentBead(
          ledger,
          crewIdentity(rig, name),
          entry.beads.prefix,
          opts.actor ?? "gt crew add",
        );
      } finally {
        await ledger.close();
      }
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return crewMember(town, rig, name);
  });
}

export async function crewMember(town: Town, rig: string, name: string): Promise<CrewMember> {
  const path = workDirOf(town.root, crewIdentity(rig, name));
  if (!existsSync(join(path, ".git")))
    throw new NotFoundError(name, `no crew member "${name}" in rig ${rig}`);
  const state = await workingState(path);
  return { rig, name, path, branch: state.branch, dirty: state.dirty, unpushed: state.unpushed };
}

export async function listCrew(town: Town, rig?: string): Promise<CrewMember[]> {
  const rigs = rig ? [town.rig(rig).name] : town.rigNames();
  const out: CrewMember[] = [];
  for (const r of rigs) for (const n of crewNames(town, r)) out.push(await crewMember(town, r, n));
  return out;
}

/** Finds which rig a crew name belongs to when --rig is not given (must be unambiguous). */
export function rigOfCrew(town: Town, name: string): string {
  const rigs = town.rigNames().filter((r) => crewNames(town, r).includes(name));
  if (rigs.length === 1) return rigs[0]!;
  if (rigs.length === 0) throw new NotFoundError(name, `no crew member "${name}" in any rig`);
  throw new ValidationError(`crew member "${name}" exists in several rigs (${rigs.join(", ")}); pass --rig`);
}

/**
 * Deletes a crew workspace. Uncommitted changes or commits no remote has are refused
 * unless `force`: removing them would lose work.
 */
export async function removeCrew(
  town: Town,
  rig: string,
  name: string,
  opts: { force?: boolean; purge?: boolean; actor?: string } = {},
): Promise<CrewMember> {
  const member = await crewMember(town, rig, name);
  if (!opts.force && (member.dirty || member.unpushed > 0)) {
    const what = [
      member.dirty ? "uncommitted changes" : "",
      member.unpushed ? `${member.unpushed} unpushed commit(s)` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    throw new ConflictError("unsaved_work", `crew member "${name}" has ${what}; push them or use --force`);
  }
  rmSync(member.path, { recursive: true, force: true });
  if (opts.purge) {
    const ledger = openRigLedger(town, rig);
    try {
      const id = agentBeadIdOf(crewIdentity(rig, name), town.prefixOf(rig));
      if (await ledger.getIssue(id)) await ledger.deleteIssue(id, opts.actor ?? "gt crew remove");
    } finally {
      await ledger.close();
    }
  }
  return member;
}
