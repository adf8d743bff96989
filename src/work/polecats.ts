// Polecats: a rig's workers. A polecat has three layers (spec §2.1): an identity that
// lasts (its name and agent bead), a sandbox kept between assignments (a git worktree of
// the rig's shared repo under polecats/<name>/<rig>/), and short-lived sessions. States
// are derived at read time from the hook (ledger) and the session (runtime), never stored.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { AGENT_RUNTIME_EXCLUDES, addExcludes, clearStaleGitLocks, git, gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { noticeToWitness } from "../comms/mail.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { testPause } from "../test-pause.ts";
import { ensureAgentBead } from "../town/agent-beads.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import { allocateName, checkNameLength, POOL_SIZE, RESERVED_NAMES } from "../town/namepool.ts";
import { poolNames } from "../town/namepool-config.ts";
import { polecatNames, polecatsDir } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "./hook.ts";

export type PolecatState = "working" | "idle" | "done" | "stuck" | "zombie";

export interface PolecatInfo {
  rig: string;
  name: string;
  address: string;
  session: string;
  state: PolecatState;
  session_alive: boolean;
  /** The bead on its hook. */
  hook: string | null;
  hook_title: string | null;
  branch: string | null;
  work_dir: string;
  /** Facts from the agent bead. */
  agent_state: string | null;
  agent: string | null;
  merge_request: string | null;
}

const NAME_RE = /^[a-z0-9][a-z0-9_]*$/;

export function polecatId(rig: string, name: string): AgentIdentity {
  return { role: "polecat", rig, name };
}

export function validatePolecatName(name: string): string {
  checkNameLength(name, "polecat");
  if (!NAME_RE.test(name) || RESERVED_NAMES.has(name))
    throw new ValidationError(`invalid polecat name "${name}": lowercase letters, digits and _ only`);
  return name;
}

/** The state a polecat is in, from what its hook and session say (spec §2.6). */
export function derivePolecatState(
  hooked: boolean,
  sessionAlive: boolean,
  agentState?: string,
): PolecatState {
  if (hooked) return sessionAlive ? "working" : "zombie";
  if (agentState === "stuck") return "stuck";
  if (agentState === "done" && sessionAlive) return "done";
  return "idle";
}

function meta(issue: Issue | undefined): Record<string, unknown> {
  return (issue?.metadata as Record<string, unknown> | undefined) ?? {};
}

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}

async function currentBranch(dir: string): Promise<string | null> {
  if (!existsSync(dir)) return null;
  const r = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: dir });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/** Every polecat of the rig (or of every rig) with its derived state. */
export async function listPolecats(
  town: Town,
  provider: RuntimeProvider,
  rig?: string,
): Promise<PolecatInfo[]> {
  if (rig) town.rig(rig); // unknown rig → one clear error
  const rigs = rig ? [rig] : town.rigNames();
  const alive = new Map((await provider.list()).map((s) => [s.name, s.alive]));
  const out: PolecatInfo[] = [];
  for (const r of rigs) {
    const names = polecatNames(town, r);
    if (names.length === 0) continue;
    const prefix = town.prefixOf(r);
    const ledger = openRigLedger(town, r);
    try {
      const hooks = new Map<string, Issue>();
      for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true })) {
        if (b.assignee) hooks.set(b.assignee, b);
      }
      for (const name of names) {
        const id = polecatId(r, name);
        const address = addressOf(id);
        const session = sessionNameOf(id, prefix);
        const agentBead = await ledger.getIssue(agentBeadIdOf(id, prefix));
        const facts = meta(agentBead);
        const hook = hooks.get(address);
        const sessionAlive = alive.get(session) === true;
        const workDir = workDirOf(town.root, id);
        out.push({
          rig: r,
          name,
          address,
          session,
          state: derivePolecatState(hook !== undefined, sessionAlive, str(facts.agent_state) ?? undefined),
          session_alive: sessionAlive,
          hook: hook?.id ?? null,
          hook_title: hook?.title ?? null,
          branch: await currentBranch(workDir),
          work_dir: workDir,
          agent_state: str(facts.agent_state),
          agent: str(facts.agent),
          merge_request: str(facts.merge_request),
        });
      }
    } finally {
      await ledger.close();
    }
  }
  return out;
}

export async function polecatInfo(town: Town, provider: RuntimeProvider, rig: string, name: string) {
  const found = (await listPolecats(town, provider, rig)).find((p) => p.name === name);
  if (!found) throw new NotFoundError(`${rig}/${name}`, `unknown polecat ${rig}/${name}`);
  return found;
}

/**
 * A bead id as one safe part of a git ref name: ids come from ledgers that may hold anything
 * (imports, hand edits), and `..`, `~`, `:`, spaces or a `.lock` ending would make git refuse
 * the branch half-way through a sling.
 */
export function refSafe(part: string): string {
  const cleaned = part
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[.-]+/, "")
    .replace(/(\.lock)+$/i, "")
    .replace(/[.-]+$/, "")
    .slice(0, 80);
  return cleaned || "work";
}

/** `polecat/<name>/<bead>@<base36 ms>`, or `polecat/<name>-<base36 ms>` with no bead. */
export function polecatBranchName(name: string, beadId?: string, now = Date.now()): string {
  const stamp = now.toString(36);
  return beadId ? `polecat/${name}/${refSafe(beadId)}@${stamp}` : `polecat/${name}-${stamp}`;
}

/** Branches a polecat may push: its own `polecat/<name>/…` or `polecat/<name>-…`, nothing else. */
export function isOwnPolecatBranch(branch: string, name: string): boolean {
  return branch.startsWith(`polecat/${name}/`) || branch.startsWith(`polecat/${name}-`);
}

function poolLock(town: Town, rig: string): string {
  return join(town.rigDir(rig), ".runtime", "locks", "polecat-pool.lock");
}

/**
 * Runs `fn` holding the rig's pool lock: choosing a polecat and putting work on its hook
 * happen under it, so two slings never pick the same idle polecat or the same new name.
 */
export function withPolecatPool<T>(town: Town, rig: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(poolLock(town, rig), fn, 60_000);
}

/**
 * Runs `fn` as the only process changing a polecat's sandbox (its HEAD, index and files).
 * gt done releases the hook before it tidies the sandbox, so a sling may pick the polecat
 * while done is still checking out there: two git checkouts in one worktree interleave their
 * HEAD and index writes and leave an index that silently deletes files on the next commit.
 */
export function withSandbox<T>(town: Town, rig: string, name: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(town.rigDir(rig), ".runtime", "locks", `sandbox-${name}.lock`), fn, 120_000);
}

interface NamepoolState {
  overflow_next?: number;
}

/**
 * Picks a new name from the rig's theme and creates its directory. Call inside
 * withPolecatPool: "in use" is what exists on disk (spec §2.2), so the directory is the claim.
 */
/** The polecat name of `address` when it is one of `rig`'s polecats. */
export function isPolecatOfRig(address: string, rig: string): string | undefined {
  const m = /^([^/]+)\/polecats\/([^/]+)$/.exec(address);
  return m && m[1] === rig ? m[2] : undefined;
}

/**
 * Reserves a polecat name in the rig's pool (or `wanted`). `hooked` are the addresses holding
 * hooks in the rig's ledger: a name among them is taken even with no sandbox here, since a
 * ledger shared by towns on several machines has other towns' polecats on it.
 */
export function reservePolecatName(town: Town, rig: string, wanted?: string, hooked?: Set<string>): string {
  const dir = polecatsDir(town, rig);
  mkdirSync(dir, { recursive: true });
  if (wanted) {
    validatePolecatName(wanted);
    mkdirSync(join(dir, wanted), { recursive: true });
    return wanted;
  }
  const pool = poolNames(town, rig); // the rig's own names, else its theme's (built-in or the town's)
  const stateFile = join(town.rigDir(rig), ".runtime", "namepool-state.json");
  let state: NamepoolState = {};
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as NamepoolState;
  } catch {
    // first allocation
  }
  const inUse = new Set(polecatNames(town, rig));
  for (const address of hooked ?? []) {
    const name = isPolecatOfRig(address, rig);
    if (name) inUse.add(name);
  }
  const { name, overflowNext } = allocateName(pool, inUse, state.overflow_next ?? POOL_SIZE + 1);
  mkdirSync(join(dir, name), { recursive: true });
  if (overflowNext !== state.overflow_next) {
    mkdirSync(join(town.rigDir(rig), ".runtime"), { recursive: true });
    writeFileSync(stateFile, `${JSON.stringify({ ...state, overflow_next: overflowNext })}\n`);
  }
  return name;
}

/**
 * An idle polecat that can take work now: a sandbox, nothing hooked and no work in flight.
 * Call inside withPolecatPool with the addresses currently holding hooks.
 */
export function findIdlePolecat(
  town: Town,
  rig: string,
  busy: Set<string>,
  facts: Map<string, Record<string, unknown>>,
): string | undefined {
  for (const name of polecatNames(town, rig)) {
    const address = addressOf(polecatId(rig, name));
    if (busy.has(address)) continue;
    const state = facts.get(name)?.agent_state;
    if (state === "stuck" || state === "nuked") continue;
    if (!existsSync(workDirOf(town.root, polecatId(rig, name)))) continue;
    return name;
  }
  return undefined;
}

/** Addresses holding hooked work and the agent-bead facts of every polecat of a rig. */
export async function poolFacts(
  town: Town,
  rig: string,
  ledger: Ledger,
): Promise<{ busy: Set<string>; facts: Map<string, Record<string, unknown>> }> {
  const busy = new Set<string>();
  for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true })) {
    if (b.assignee) busy.add(b.assignee);
  }
  const prefix = town.prefixOf(rig);
  const facts = new Map<string, Record<string, unknown>>();
  for (const name of polecatNames(town, rig)) {
    facts.set(name, meta(await ledger.getIssue(agentBeadIdOf(polecatId(rig, name), prefix))));
  }
  return { busy, facts };
}

/** Fetches the shared repo so new branches start from the project's latest default branch. */
export async function refreshSharedRepo(town: Town, rig: string): Promise<void> {
  // A remote that cannot be reached must not stop work: the branch then starts from what we have.
  await gitOk(join(town.rigDir(rig), ".repo.git"), ["fetch", "--quiet", "origin"]);
}

/** Where new work starts: origin's copy of `branch` when the shared repo has fetched one, else its own. */
export async function startPoint(bare: string, branch: string): Promise<string> {
  return (await gitOk(bare, ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}`]))
    ? `origin/${branch}`
    : branch;
}

/** Paths Gas Town and agent runtimes write into a worktree; never the customer's work. */
const RUNTIME_PATHS = [".beads/", ...AGENT_RUNTIME_EXCLUDES];

/** git pathspecs that leave the runtime paths out of an add or a status. */
export const RUNTIME_PATHSPECS = RUNTIME_PATHS.map((p) => `:(exclude)${p.replace(/\/$/, "")}`);

export function isRuntimePath(path: string): boolean {
  return RUNTIME_PATHS.some((p) => path === p.slice(0, -1) || path.startsWith(p));
}

/**
 * Puts tracked runtime files (a project that commits its `.claude/settings.json`, say) back
 * as committed. An agent's edits there are never work (no auto-save or rescue takes them),
 * and left in place they make git refuse to switch the sandbox to its next branch.
 */
export async function dropRuntimeEdits(workDir: string): Promise<void> {
  const paths = RUNTIME_PATHS.map((p) => p.replace(/\/$/, ""));
  const edited = (await git(workDir, ["diff", "--name-only", "-z", "HEAD", "--", ...paths]))
    .split("\0")
    .filter(Boolean);
  if (edited.length > 0) await git(workDir, ["checkout", "--quiet", "HEAD", "--", ...edited]);
}

interface ChangedPath {
  path: string;
  /** The working tree differs from the index (untracked, modified or deleted there). */
  unstaged: boolean;
}

/** Uncommitted changes in a worktree that are real work (runtime files do not count). */
async function changedPaths(dir: string, untracked: "all" | "no" = "all"): Promise<ChangedPath[]> {
  const out = await git(dir, ["status", "--porcelain", "-z", `--untracked-files=${untracked}`]);
  const changes: ChangedPath[] = [];
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (entry.length < 4) continue;
    // A rename or copy is followed by its source path as a field of its own.
    if (entry[0] === "R" || entry[0] === "C") i++;
    const path = entry.slice(3);
    if (!isRuntimePath(path)) changes.push({ path, unstaged: entry[1] !== " " });
  }
  return changes;
}

/** Paths with uncommitted changes in a worktree that are real work (runtime files do not count). */
export async function workLeftIn(dir: string): Promise<string[]> {
  return (await changedPaths(dir)).map((c) => c.path);
}

/** A git identity for commits made on a polecat's behalf (auto-save, rescue). */
export function polecatGitEnv(env: NodeJS.ProcessEnv, address: string): NodeJS.ProcessEnv {
  const email = env.GIT_AUTHOR_EMAIL || `${address.replaceAll("/", ".")}@gastown.local`;
  return {
    ...process.env,
    GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME || address,
    GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME || env.GIT_AUTHOR_NAME || address,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL || email,
    GIT_TERMINAL_PROMPT: "0",
  };
}

/** What a sandbox held that no remote had, saved before the sandbox moved on. */
export interface RescuedWork {
  /** Branches now holding the work (pushed to origin unless `pushed` is false). */
  branches: string[];
  commits: number;
  /** Uncommitted changes committed onto the rescue branch. */
  saved_changes: number;
  pushed: boolean;
}

async function symbolicBranch(dir: string): Promise<string | null> {
  const r = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: dir });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/**
 * Saves work a sandbox holds that is on no remote ref — uncommitted changes, commits on a
 * detached HEAD, the polecat's local branches ahead of origin — on `polecat/<name>/…`
 * branches pushed to origin, and tells the witness. Run before a sandbox is switched to new
 * work, so reuse can never orphan a commit (what `gt polecat nuke` refuses, reuse saves).
 */
export async function rescueUnsavedWork(
  town: Town,
  rig: string,
  name: string,
  workDir: string,
  actor: string,
): Promise<RescuedWork | undefined> {
  const address = addressOf(polecatId(rig, name));
  const env = polecatGitEnv({}, address);
  const stamp = Date.now().toString(36);
  let head = await symbolicBranch(workDir);
  const changes = await changedPaths(workDir);
  const dirty = changes.map((c) => c.path);
  const unpushed = await unpushedCommits(workDir, name);
  if (dirty.length === 0 && unpushed.length === 0) return undefined;

  const needsOwnBranch = head === null || !isOwnPolecatBranch(head, name);
  const headUnpushed = (
    await runCommand("git", ["rev-list", "--count", "HEAD", "--not", "--remotes"], { cwd: workDir })
  ).stdout.trim();
  if ((dirty.length > 0 || Number(headUnpushed) > 0) && needsOwnBranch) {
    head = `polecat/${name}/rescued-${stamp}`;
    await git(workDir, ["checkout", "--quiet", "-b", head]);
  }
  let saved = 0;
  if (dirty.length > 0) {
    // Staged changes (a staged deletion has no path left to name) go in as they are.
    const toStage = changes.filter((c) => c.unstaged).map((c) => c.path);
    if (toStage.length > 0) await git(workDir, ["add", "-A", "--", ...toStage]);
    const commit = await runCommand(
      "git",
      ["commit", "--quiet", "--no-verify", "-m", `rescue: work left uncommitted in ${address}'s sandbox`],
      { cwd: workDir, env },
    );
    if (commit.exitCode !== 0)
      throw new ConflictError(
        "rescue_failed",
        `could not save the uncommitted work in ${workDir} (${commit.stderr.trim().split("\n").pop()}); nothing was switched`,
      );
    saved = dirty.length;
  }
  // Every local branch of this polecat with commits no remote has goes to origin as it is.
  const refs = (
    await git(workDir, [
      "for-each-ref",
      "--format=%(refname:short)",
      `refs/heads/polecat/${name}/`,
      `refs/heads/polecat/${name}-*`,
    ])
  )
    .split("\n")
    .filter(Boolean);
  const branches: string[] = [];
  for (const ref of refs) {
    const ahead = await runCommand("git", ["rev-list", "--count", ref, "--not", "--remotes"], {
      cwd: workDir,
    });
    if (ahead.exitCode === 0 && Number(ahead.stdout.trim()) > 0) branches.push(ref);
  }
  let pushed = branches.length > 0;
  if (branches.length > 0) {
    const push = await runCommand(
      "git",
      ["push", "--quiet", "origin", ...branches.map((b) => `refs/heads/${b}:refs/heads/${b}`)],
      { cwd: workDir, env },
    );
    pushed = push.exitCode === 0;
  }
  const rescued: RescuedWork = { branches, commits: unpushed.length, saved_changes: saved, pushed };
  logEvent(town.root, "rescue", actor, { rig, polecat: name, ...rescued });
  await noticeToWitness(
    town,
    rig,
    actor,
    `RESCUED ${name}`,
    [
      `Polecat ${address} had work on no remote before its sandbox was reused.`,
      `Branches: ${branches.join(", ") || "-"}`,
      `Commits: ${unpushed.length}${saved ? ` (+ ${saved} uncommitted change(s) committed)` : ""}`,
      pushed
        ? "Pushed to origin."
        : `Not pushed (origin refused or unreachable); kept in the rig's repository (${join(town.rigDir(rig), ".repo.git")}).`,
    ].join("\n"),
  ).catch(() => undefined);
  return rescued;
}

/**
 * Makes a leftover directory where a worktree should be harmless: git worktree add needs the
 * path free. An empty one goes; one with files is moved aside (never deleted: it may be work).
 * Returns where it was moved.
 */
export function clearStaleWorkDir(workDir: string): string | undefined {
  if (!existsSync(workDir)) return undefined;
  if (readdirSync(workDir).length === 0) {
    rmSync(workDir, { recursive: true, force: true });
    return undefined;
  }
  const aside = `${workDir}.orphaned-${Date.now().toString(36)}`;
  renameSync(workDir, aside);
  return aside;
}

/**
 * Runs `fn` as the only process adding or pruning worktrees of the rig's shared repo: git
 * names a worktree's admin dir after the path's last part (the rig name, for every polecat)
 * and picks free suffixes racily, so concurrent adds in one repo must take turns.
 */
export function withWorktreeAdds<T>(town: Town, rig: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(town.rigDir(rig), ".runtime", "locks", "worktree-add.lock"), fn);
}

export interface SandboxOptions {
  /** The bead's existing branch (a resumed sling): check it out instead of making a new one. */
  branch?: string;
  /** Where a new branch starts (default: the rig's default branch). */
  base?: string;
}

/** Whether the rig's shared repository has `branch` (its own or origin's). */
export async function rigHasBranch(town: Town, rig: string, branch: string): Promise<boolean> {
  const bare = join(town.rigDir(rig), ".repo.git");
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`])
    if (await gitOk(bare, ["rev-parse", "--verify", "--quiet", ref])) return true;
  return false;
}

/**
 * Makes the polecat's sandbox ready for `beadId`: a new worktree, the kept one switched to a
 * fresh branch from the default branch (the cheap path, spec §2.3), or — for a resumed bead —
 * put back on the bead's own branch, rebuilt from the rig's repository or origin when the
 * worktree was deleted. Work the sandbox held that no remote has is rescued first.
 */
export async function prepareSandbox(
  town: Town,
  rig: string,
  name: string,
  beadId: string,
  actor: string,
  opts: SandboxOptions = {},
): Promise<PreparedSandbox> {
  return withSandbox(town, rig, name, () => prepareSandboxHeld(town, rig, name, beadId, actor, opts));
}

type PreparedSandbox = { workDir: string; branch: string; reused: boolean; rescued?: RescuedWork };

async function prepareSandboxHeld(
  town: Town,
  rig: string,
  name: string,
  beadId: string,
  actor: string,
  opts: SandboxOptions,
): Promise<PreparedSandbox> {
  const id = polecatId(rig, name);
  const workDir = workDirOf(town.root, id);
  const rigDir = town.rigDir(rig);
  const bare = join(rigDir, ".repo.git");
  const base = opts.base ?? town.rigConfig(rig).default_branch;
  const from = await startPoint(bare, base);
  const hasWorktree = existsSync(join(workDir, ".git"));
  if (hasWorktree) await assertOwnedWorktree(town, rig, name);
  const head = hasWorktree ? await symbolicBranch(workDir) : null;
  // The sandbox may already be on a branch of this very bead (an earlier, interrupted sling).
  const current = head?.startsWith(`polecat/${name}/${refSafe(beadId)}@`) ? head : undefined;
  const asked = opts.branch && isOwnPolecatBranch(opts.branch, name) ? opts.branch : undefined;
  const wanted = asked ?? current;
  const localHas = async (b: string) => gitOk(bare, ["rev-parse", "--verify", "--quiet", `refs/heads/${b}`]);
  const originHas = async (b: string) =>
    gitOk(bare, ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${b}`]);
  // A resumed bead continues on its branch when anything of it survives; else it starts fresh.
  const branch =
    wanted && ((await localHas(wanted)) || (await originHas(wanted)))
      ? wanted
      : polecatBranchName(name, beadId);
  // Rigs added before these paths were excluded get them now (idempotent).
  await addExcludes(bare, AGENT_RUNTIME_EXCLUDES);
  let reused = false;
  let rescued: RescuedWork | undefined;
  if (hasWorktree) {
    await clearStaleGitLocks(workDir);
    if (head !== branch) {
      rescued = await rescueUnsavedWork(town, rig, name, workDir, actor);
      await dropRuntimeEdits(workDir);
      if (await localHas(branch)) await git(workDir, ["checkout", "--quiet", branch]);
      else if (await originHas(branch))
        await git(workDir, ["checkout", "--quiet", "--no-track", "-b", branch, `origin/${branch}`]);
      else await git(workDir, ["checkout", "--quiet", "--no-track", "-b", branch, from]);
      testPause("sandbox:switched");
      await settleSwitchedSandbox(town, rig, name, workDir, branch, actor);
    }
    reused = true;
  } else {
    mkdirSync(join(workDir, ".."), { recursive: true });
    clearStaleWorkDir(workDir);
    // --no-track: setting an upstream writes the shared config file, which parallel slings
    // would fight over (config.lock); polecat branches are pushed explicitly by gt done.
    await withWorktreeAdds(town, rig, async () => {
      // A worktree deleted by hand is still registered until pruned, and blocks its path.
      await gitOk(bare, ["worktree", "prune"]);
      if (await localHas(branch)) await git(bare, ["worktree", "add", "--quiet", workDir, branch]);
      else
        await git(bare, [
          "worktree",
          "add",
          "--quiet",
          "--no-track",
          "-b",
          branch,
          workDir,
          (await originHas(branch)) ? `origin/${branch}` : from,
        ]);
    });
  }
  // The worktree finds the rig ledger through a redirect the project never sees (excluded).
  mkdirSync(join(workDir, ".beads"), { recursive: true });
  writeFileSync(join(workDir, ".beads", "redirect"), `${relative(workDir, join(rigDir, ".beads"))}\n`);
  const ledger = openRigLedger(town, rig);
  try {
    await ensureAgentBead(ledger, id, town.prefixOf(rig), actor);
  } finally {
    await ledger.close();
  }
  if (!reused) logEvent(town.root, "spawn", actor, { rig, polecat: name });
  return { workDir, branch, reused, ...(rescued ? { rescued } : {}) };
}

/**
 * A sandbox just switched to a bead's branch must hold exactly that branch's tree: everything
 * it held before was saved by the rescue, so any difference now is damage, not work. The
 * chaos run found switched sandboxes whose index and files had lost a file of the new branch
 * (a file another polecat had merged), which the agent's next `git add -A` committed as a
 * deletion; the writer that races the checkout is not identified. Reset such a sandbox to its
 * branch head and say so; refuse the sling if it will not come clean.
 */
async function settleSwitchedSandbox(
  town: Town,
  rig: string,
  name: string,
  workDir: string,
  branch: string,
  actor: string,
): Promise<void> {
  // Tracked files only: an untracked file loses nothing (the agent's commit would add it).
  const tracked = async () => (await changedPaths(workDir, "no")).map((c) => c.path);
  const damaged = await tracked();
  if (damaged.length === 0) return;
  await git(workDir, ["reset", "--quiet", "--hard", "HEAD"]);
  const left = await tracked();
  logEvent(town.root, "sandbox_repaired", actor, { rig, polecat: name, branch, paths: damaged, left });
  if (left.length > 0)
    throw new ConflictError(
      "sandbox_unclean",
      `${rig}/polecats/${name}'s sandbox does not match ${branch} after switching (${left.slice(0, 3).join(", ")}); nothing was started`,
    );
}

/**
 * Refuses to act on a directory that is not this polecat's worktree of the rig's shared
 * repo: commit, reset and removal must never reach another checkout (or the customer's).
 */
export async function assertOwnedWorktree(town: Town, rig: string, name: string): Promise<string> {
  const workDir = workDirOf(town.root, polecatId(rig, name));
  const bare = realpathSync(join(town.rigDir(rig), ".repo.git"));
  const r = await runCommand(
    "git",
    ["rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel"],
    {
      cwd: workDir,
    },
  );
  const [common, top] = r.stdout.trim().split("\n");
  if (
    r.exitCode !== 0 ||
    !common ||
    realpathSync(common) !== bare ||
    !top ||
    realpathSync(top) !== realpathSync(workDir)
  )
    throw new ConflictError(
      "not_owned",
      `${workDir} is not ${rig}/${name}'s worktree of the rig's shared repo; refusing to touch it`,
    );
  return workDir;
}

/**
 * Commits no remote branch has, on the sandbox's HEAD or on any of the polecat's branches
 * (escalated work stays on its branch after the sandbox moves on): work a nuke would lose.
 */
export async function unpushedCommits(workDir: string, name: string): Promise<string[]> {
  if (!existsSync(join(workDir, ".git"))) return [];
  const r = await runCommand(
    "git",
    [
      "log",
      "--oneline",
      "HEAD",
      `--branches=polecat/${name}/*`,
      `--branches=polecat/${name}-*`,
      "--not",
      "--remotes",
    ],
    { cwd: workDir },
  );
  return r.exitCode === 0 ? r.stdout.split("\n").filter(Boolean) : [];
}

/** The branch the checkpoint dog saves a polecat's uncommitted work on (src/watch/dog-checkpoint.ts). */
export const wipBranchOf = (polecat: string) => `polecat/${polecat}/wip`;

export interface WipDrop {
  branch: string;
  /** Deleted in the rig's shared repository. */
  local: boolean;
  /** Deleted on origin. */
  remote: boolean;
  /** Why origin kept it (refused, or it moved since it was seen). */
  error: string | null;
}

/**
 * Deletes a polecat's WIP branch in the rig's shared repository and (with `remote`) on origin,
 * with a lease on the commit seen there, so a checkpoint pushed meanwhile stays. The caller
 * has decided it holds nothing still needed. Without a trace of it here (no local branch, no
 * remote-tracking ref) origin is not asked: nothing was saved for this polecat from this town.
 */
export async function dropWipBranch(
  town: Town,
  rig: string,
  name: string,
  opts: { remote: boolean },
): Promise<WipDrop> {
  const bare = join(town.rigDir(rig), ".repo.git");
  const branch = wipBranchOf(name);
  const drop: WipDrop = { branch, local: false, remote: false, error: null };
  const shaOf = async (ref: string) => {
    const r = await runCommand("git", ["rev-parse", "-q", "--verify", ref], { cwd: bare });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  };
  if (await shaOf(`refs/heads/${branch}`)) drop.local = await gitOk(bare, ["branch", "-D", branch]);
  const tracking = `refs/remotes/origin/${branch}`;
  const seen = await shaOf(tracking);
  if (opts.remote && seen) {
    const push = await runCommand(
      "git",
      [
        "push",
        "--quiet",
        `--force-with-lease=refs/heads/${branch}:${seen}`,
        "origin",
        `:refs/heads/${branch}`,
      ],
      { cwd: bare, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, timeoutMs: 120_000 },
    );
    if (push.exitCode === 0) {
      drop.remote = true;
      await gitOk(bare, ["update-ref", "-d", tracking]);
    } else drop.error = `origin kept ${branch}: ${(push.stderr || push.stdout).trim().split("\n").pop()}`;
  }
  return drop;
}

export interface NukeResult {
  rig: string;
  name: string;
  removed_worktree: boolean;
  deleted_branch: string | null;
  /** Its WIP checkpoint branch, deleted here and on origin (only when nothing unsaved was left). */
  deleted_wip: string | null;
  killed_session: boolean;
  released_hook: string | null;
}

/**
 * Destroys a polecat's session, sandbox and branch and frees its name (spec §2.6). Refuses
 * uncommitted or unpushed work, or hooked work, unless `force`. `keepIdentity` (remove) keeps
 * the agent bead; nuke marks it nuked.
 */
export async function nukePolecat(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  name: string,
  opts: { force?: boolean; actor: string },
): Promise<NukeResult> {
  return withSandbox(town, rig, name, () => nukePolecatHeld(town, provider, rig, name, opts));
}

async function nukePolecatHeld(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  name: string,
  opts: { force?: boolean; actor: string },
): Promise<NukeResult> {
  const id = polecatId(rig, name);
  const dir = join(polecatsDir(town, rig), name);
  if (!existsSync(dir)) throw new NotFoundError(`${rig}/${name}`, `unknown polecat ${rig}/${name}`);
  const workDir = workDirOf(town.root, id);
  const prefix = town.prefixOf(rig);
  const session = sessionNameOf(id, prefix);
  const address = addressOf(id);
  const ledger = openRigLedger(town, rig);
  try {
    const hooked = (
      await ledger.listIssues({ statuses: [HOOKED], assignee: address, includeInfra: true })
    )[0];
    const hasRepo = existsSync(join(workDir, ".git"));
    const dirty = hasRepo ? await workLeftIn(workDir) : [];
    const unpushed = await unpushedCommits(workDir, name);
    if (!opts.force) {
      if (dirty.length > 0)
        throw new ConflictError(
          "unsaved_work",
          `${rig}/${name} has ${dirty.length} uncommitted change(s); commit and gt done, or use --force`,
        );
      if (unpushed.length > 0)
        throw new ConflictError(
          "unpushed_work",
          `${rig}/${name} has ${unpushed.length} unpushed commit(s); gt done first, or use --force`,
        );
      if (hooked)
        throw new ConflictError(
          "hooked_work",
          `${rig}/${name} still has ${hooked.id} on its hook; unsling it first, or use --force`,
        );
    }
    // Nothing unsaved and nothing hooked: what a WIP checkpoint held was committed and pushed,
    // or dropped by the polecat itself. Forced past unsaved work, the checkpoint may be the
    // last copy of it: kept (the checkpoint dog lets it go once its bead is closed).
    const wipObsolete = dirty.length === 0 && unpushed.length === 0 && !hooked;
    let killed = false;
    if (await provider.isAlive(session)) {
      await provider.stop(session);
      killed = true;
    } else {
      // A dead session can still be listed (a zombie); stop clears it.
      await provider.stop(session).catch(() => undefined);
    }
    const branch = await currentBranch(workDir);
    const bare = join(town.rigDir(rig), ".repo.git");
    let removed = false;
    if (existsSync(join(workDir, ".git"))) await assertOwnedWorktree(town, rig, name);
    if (existsSync(workDir)) {
      await git(bare, ["worktree", "remove", "--force", workDir]).catch(() => undefined);
      removed = true;
    }
    await gitOk(bare, ["worktree", "prune"]);
    let deleted: string | null = null;
    if (branch?.startsWith("polecat/") && (await gitOk(bare, ["branch", "-D", branch]))) deleted = branch;
    rmSync(dir, { recursive: true, force: true });
    const wip = wipObsolete ? await dropWipBranch(town, rig, name, { remote: true }) : undefined;
    if (hooked) {
      await ledger.updateIssue(hooked.id, { status: "open", assignee: null }, opts.actor);
    }
    const beadId = agentBeadIdOf(id, prefix);
    if (await ledger.getIssue(beadId)) {
      await ledger.updateIssue(
        beadId,
        { set_metadata: { agent_state: "nuked", hook_bead: null, nuked_at: new Date().toISOString() } },
        opts.actor,
      );
    }
    logEvent(town.root, "kill", opts.actor, { rig, target: address, reason: "nuke" });
    return {
      rig,
      name,
      removed_worktree: removed,
      deleted_branch: deleted,
      deleted_wip: wip && (wip.local || wip.remote) ? wip.branch : null,
      killed_session: killed,
      released_hook: hooked?.id ?? null,
    };
  } finally {
    await ledger.close();
  }
}
