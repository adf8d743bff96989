// gt worktree: a crew member working on another rig's code keeps its identity. Its worktree
// of that rig's shared repository lives at <target-rig>/crew/<source-rig>-<name>/ on a branch
// of its own (crew/<source-rig>-<name>, from origin's default branch), so no checkout of the
// rig's protected branches is shared. Removal refuses uncommitted changes and commits no
// remote has unless forced; even then a branch with unpushed commits is kept in the shared
// repository, so nothing is lost. Also: every worktree of a rig's shared repository, with its
// owner and state (polecats, the refinery, cross-rig crew).
import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { workingState } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../errors.ts";
import { type AgentIdentity, addressOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: "0" };

export interface WorktreeState {
  rig: string;
  path: string;
  branch: string | null;
  dirty: boolean;
  /** Commits on HEAD that no remote branch has. */
  unpushed: number;
  /** Gas Town's summary: "clean", "N uncommitted", "N unpushed" (or "missing"). */
  status: string;
}

function crewCaller(id: AgentIdentity | undefined): { rig: string; name: string } {
  if (id?.role !== "crew" || !id.rig || !id.name)
    throw new ConflictError(
      "not_crew",
      `gt worktree is for crew members (you are ${id ? addressOf(id) : "not an agent"}); run it from your crew workspace`,
    );
  return { rig: id.rig, name: id.name };
}

/** Where crew `from` keeps its worktree of `rig`, and the branch it works on there. */
export function crossRigWorktree(town: Town, rig: string, from: { rig: string; name: string }) {
  const name = `${from.rig}-${from.name}`;
  return { path: join(town.rigDir(rig), "crew", name), branch: `crew/${name}` };
}

async function stateOf(rig: string, path: string): Promise<WorktreeState> {
  if (!existsSync(path)) return { rig, path, branch: null, dirty: false, unpushed: 0, status: "missing" };
  const s = await workingState(path);
  const count = s.dirty
    ? (await runCommand("git", ["status", "--porcelain"], { cwd: path })).stdout.split("\n").filter(Boolean)
        .length
    : 0;
  const status = s.dirty ? `${count} uncommitted` : s.unpushed > 0 ? `${s.unpushed} unpushed` : "clean";
  return { rig, path, branch: s.branch ?? null, dirty: s.dirty, unpushed: s.unpushed, status };
}

export interface CreatedWorktree extends WorktreeState {
  created: boolean;
  /** The identity kept there (BD_ACTOR, GT_ROLE, GT_RIG, GT_CREW to export). */
  actor: string;
  source_rig: string;
  crew: string;
}

/** Creates (or finds) the caller's worktree of `rig`. */
export async function createCrossRigWorktree(
  town: Town,
  rig: string,
  caller: AgentIdentity | undefined,
): Promise<CreatedWorktree> {
  const from = crewCaller(caller);
  if (rig === from.rig)
    throw new ValidationError(`already in rig '${rig}': gt worktree is for working in another rig`);
  town.rig(rig);
  const { path, branch } = crossRigWorktree(town, rig, from);
  const extra = { actor: `${from.rig}/crew/${from.name}`, source_rig: from.rig, crew: from.name };
  if (existsSync(path)) return { ...(await stateOf(rig, path)), created: false, ...extra };
  const bare = join(town.rigDir(rig), ".repo.git");
  const base = town.rigConfig(rig).default_branch;
  await runCommand("git", ["fetch", "--quiet", "origin"], { cwd: bare, env: GIT_ENV });
  const start =
    (
      await runCommand("git", ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${base}`], {
        cwd: bare,
      })
    ).exitCode === 0
      ? `origin/${base}`
      : base;
  const hasBranch =
    (await runCommand("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], { cwd: bare }))
      .exitCode === 0;
  // A branch left by a forced removal (its unpushed commits) is picked up again.
  const args = hasBranch ? ["worktree", "add", path, branch] : ["worktree", "add", "-b", branch, path, start];
  const r = await runCommand("git", args, { cwd: bare, env: GIT_ENV });
  if (r.exitCode !== 0)
    throw new GasTownError(
      "worktree_failed",
      `cannot create the worktree: ${r.stderr.trim().split("\n").pop()}`,
    );
  return { ...(await stateOf(rig, path)), created: true, ...extra };
}

/** The caller's worktrees in the other rigs. */
export async function listCrossRigWorktrees(
  town: Town,
  caller: AgentIdentity | undefined,
): Promise<{ crew: string; worktrees: WorktreeState[] }> {
  const from = crewCaller(caller);
  const rows: WorktreeState[] = [];
  for (const rig of town.rigNames()) {
    if (rig === from.rig) continue;
    const { path } = crossRigWorktree(town, rig, from);
    if (existsSync(path)) rows.push(await stateOf(rig, path));
  }
  return { crew: `${from.rig}/crew/${from.name}`, worktrees: rows };
}

export interface RemovedWorktree extends WorktreeState {
  /** The branch was deleted (nothing on it unpushed); else kept with its commits. */
  branch_deleted: boolean;
}

/** Removes the caller's worktree of `rig`; unsaved work needs `force`. */
export async function removeCrossRigWorktree(
  town: Town,
  rig: string,
  caller: AgentIdentity | undefined,
  opts: { force?: boolean } = {},
): Promise<RemovedWorktree> {
  const from = crewCaller(caller);
  if (rig === from.rig) throw new ValidationError(`cannot remove a worktree in your own rig '${rig}'`);
  town.rig(rig);
  const { path, branch } = crossRigWorktree(town, rig, from);
  if (!existsSync(path)) throw new NotFoundError(path, `worktree does not exist at ${path}`);
  const state = await stateOf(rig, path);
  if (!opts.force && (state.dirty || state.unpushed > 0))
    throw new ConflictError("unsaved_work", `worktree has ${state.status} - use --force to remove anyway`);
  const bare = join(town.rigDir(rig), ".repo.git");
  const r = await runCommand("git", ["worktree", "remove", ...(opts.force ? ["--force"] : []), path], {
    cwd: bare,
  });
  if (r.exitCode !== 0)
    throw new GasTownError(
      "worktree_failed",
      `cannot remove the worktree: ${r.stderr.trim().split("\n").pop()}`,
    );
  let deleted = false;
  if (state.unpushed === 0 && state.branch === branch)
    deleted = (await runCommand("git", ["branch", "--quiet", "-D", branch], { cwd: bare })).exitCode === 0;
  return { ...state, branch_deleted: deleted };
}

export interface RigWorktree extends WorktreeState {
  /** polecat, refinery, crew (a cross-rig worktree) or other. */
  kind: string;
  owner: string | null;
}

/** Every worktree of `rig`'s shared repository, with who owns it and what it holds. */
export async function rigWorktrees(town: Town, rig: string): Promise<RigWorktree[]> {
  town.rig(rig);
  const rigDir = town.rigDir(rig);
  const list = await runCommand("git", ["worktree", "list", "--porcelain"], {
    cwd: join(rigDir, ".repo.git"),
  });
  const paths = list.stdout
    .split("\n")
    .filter((l) => l.startsWith("worktree "))
    .map((l) => l.slice("worktree ".length));
  const rows: RigWorktree[] = [];
  for (const path of paths) {
    const rel = relative(rigDir, path);
    if (rel === ".repo.git" || rel.startsWith("..")) continue;
    const [top, name] = rel.split(sep);
    const kind =
      top === "polecats" ? "polecat" : top === "refinery" ? "refinery" : top === "crew" ? "crew" : "other";
    const owner =
      kind === "polecat" || kind === "crew" ? (name ?? null) : kind === "refinery" ? "refinery" : null;
    rows.push({ ...(await stateOf(rig, path)), kind, owner });
  }
  return rows;
}
