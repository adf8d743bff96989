// Polecat upkeep (spec §2.6, gt polecat git-state/check-recovery/gc/prune/stale): what a
// polecat's sandbox holds that no remote has, whether it may be nuked, and clearing away
// what is left over — old polecat branches and polecats gone quiet. One rule runs through
// all of it: nothing is deleted whose commits are not on a remote or landed by a merged
// merge request (the refinery cherry-picks, so a merged branch is no ancestor of main).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { NotFoundError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { addressOf, agentBeadIdOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openRigLedger, openTownLedger } from "../town/ledgers.ts";
import { polecatNames, polecatsDir } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "./hook.ts";
import { listMergeRequests, type MergeRequest } from "./merge-requests.ts";
import {
  isOwnPolecatBranch,
  nukePolecat,
  polecatId,
  refreshSharedRepo,
  unpushedCommits,
  workLeftIn,
} from "./polecats.ts";
import { sweepWipBranches, type WipSweep, wipOwner } from "./wip-branches.ts";

async function out(cwd: string, args: string[]): Promise<string | undefined> {
  const r = await runCommand("git", args, { cwd });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

function bareOf(town: Town, rig: string): string {
  return join(town.rigDir(rig), ".repo.git");
}

function assertPolecat(town: Town, rig: string, name: string): void {
  town.rig(rig);
  if (!existsSync(join(polecatsDir(town, rig), name)))
    throw new NotFoundError(`${rig}/${name}`, `unknown polecat ${rig}/${name}`);
}

// ---- git-state ---------------------------------------------------------------------------

export interface GitState {
  rig: string;
  polecat: string;
  work_dir: string;
  /** The sandbox (worktree) exists. */
  sandbox: boolean;
  branch: string | null;
  clean: boolean;
  uncommitted_files: string[];
  /** Commits on the sandbox's HEAD or the polecat's branches that no remote has. */
  unpushed_commits: number;
  unpushed: string[];
  /** Stashes made on this polecat's branches (the stash list is shared by every worktree). */
  stash_count: number;
  verdict: "clean" | "dirty";
}

async function polecatStashes(workDir: string, name: string): Promise<number> {
  const list = await out(workDir, ["stash", "list", "--format=%gs"]);
  if (!list) return 0;
  // "WIP on <branch>: ..." or "On <branch>: ...": only this polecat's branches are its own.
  return list.split("\n").filter((line) => {
    const m = /^(?:WIP on|On) ([^:]+):/.exec(line);
    return m !== null && isOwnPolecatBranch(m[1]!, name);
  }).length;
}

/** What a polecat's sandbox holds that would be lost if it were removed now. */
export async function polecatGitState(town: Town, rig: string, name: string): Promise<GitState> {
  assertPolecat(town, rig, name);
  const workDir = workDirOf(town.root, polecatId(rig, name));
  const sandbox = existsSync(join(workDir, ".git"));
  const uncommitted = sandbox ? await workLeftIn(workDir) : [];
  const unpushed = sandbox ? await unpushedCommits(workDir, name) : [];
  const stashes = sandbox ? await polecatStashes(workDir, name) : 0;
  const clean = uncommitted.length === 0 && unpushed.length === 0 && stashes === 0;
  return {
    rig,
    polecat: name,
    work_dir: workDir,
    sandbox,
    branch: sandbox ? ((await out(workDir, ["symbolic-ref", "--quiet", "--short", "HEAD"])) ?? null) : null,
    clean,
    uncommitted_files: uncommitted,
    unpushed_commits: unpushed.length,
    unpushed,
    stash_count: stashes,
    verdict: clean ? "clean" : "dirty",
  };
}

// ---- check-recovery ----------------------------------------------------------------------

export type RecoveryVerdict = "SAFE_TO_NUKE" | "NEEDS_RECOVERY" | "NEEDS_MQ_SUBMIT";

export interface RecoveryStatus {
  rig: string;
  polecat: string;
  /** clean, or what is at risk: uncommitted, unpushed, stash; hooked when work is on its hook. */
  cleanup_status: "clean" | "uncommitted" | "unpushed" | "stash" | "hooked";
  needs_recovery: boolean;
  verdict: RecoveryVerdict;
  /** Its current branch, else the last one it worked on (agent bead). */
  branch: string | null;
  /** The bead on its hook, else the one that branch was for. */
  issue: string | null;
  issue_status: string | null;
  /** submitted (a merge request names the branch), not_submitted, or none (nothing to submit). */
  mq_status: "submitted" | "not_submitted" | "none";
  merge_request: string | null;
  reasons: string[];
}

/** The bead a polecat branch was made for: polecat/<name>/<bead>@<stamp>. */
function beadOfBranch(branch: string): string | undefined {
  return /^polecat\/[^/]+\/(.+)@[0-9a-z]+$/.exec(branch)?.[1];
}

/** Commits the branch (local, else origin's copy) has beyond origin's default branch; undefined when it is gone. */
async function aheadOfDefault(bare: string, branch: string, base: string): Promise<number | undefined> {
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
    if (!(await gitOk(bare, ["rev-parse", "--verify", "--quiet", ref]))) continue;
    const n = await out(bare, ["rev-list", "--count", ref, "--not", `refs/remotes/origin/${base}`]);
    return n === undefined ? undefined : Number(n);
  }
  return undefined;
}

/**
 * Whether a dormant polecat can be nuked without losing anything (spec §2.6; the witness's
 * question before cleanup): its sandbox clean and pushed, nothing on its hook, and the work
 * of its last branch either handed to the merge queue, or closed, or nothing at all.
 */
export async function checkRecovery(town: Town, rig: string, name: string): Promise<RecoveryStatus> {
  const state = await polecatGitState(town, rig, name);
  const address = addressOf(polecatId(rig, name));
  const ledger = openRigLedger(town, rig);
  const townLedger = openTownLedger(town);
  try {
    const hooked = [
      ...(await ledger.listIssues({ statuses: [HOOKED], assignee: address, includeInfra: true })),
      ...(await townLedger.listIssues({ statuses: [HOOKED], assignee: address, includeInfra: true })),
    ][0];
    const facts =
      ((await ledger.getIssue(agentBeadIdOf(polecatId(rig, name), town.prefixOf(rig))))?.metadata as
        | Record<string, unknown>
        | undefined) ?? {};
    const branch = state.branch ?? (typeof facts.branch === "string" ? facts.branch : null);
    const issueId = hooked?.id ?? (branch ? beadOfBranch(branch) : undefined) ?? null;
    const issue = issueId && !hooked ? await ledger.getIssue(issueId) : hooked;
    const reasons: string[] = [];
    let cleanup: RecoveryStatus["cleanup_status"] = "clean";
    if (state.uncommitted_files.length > 0) {
      cleanup = "uncommitted";
      reasons.push(`${state.uncommitted_files.length} uncommitted change(s)`);
    } else if (state.unpushed_commits > 0) {
      cleanup = "unpushed";
      reasons.push(`${state.unpushed_commits} commit(s) on no remote`);
    } else if (state.stash_count > 0) {
      cleanup = "stash";
      reasons.push(`${state.stash_count} stash(es)`);
    } else if (hooked) {
      cleanup = "hooked";
      reasons.push(`${hooked.id} is on its hook`);
    }
    let mq: RecoveryStatus["mq_status"] = "none";
    let mr: MergeRequest | undefined;
    if (branch) {
      mr = (await listMergeRequests(ledger, { all: true })).reverse().find((m) => m.branch === branch);
      const ahead = await aheadOfDefault(bareOf(town, rig), branch, town.rigConfig(rig).default_branch);
      const closed = issue?.status === "closed" || issue?.status === "tombstone";
      if (mr) mq = "submitted";
      else if (ahead && ahead > 0 && !closed) {
        mq = "not_submitted";
        reasons.push(`${branch} has ${ahead} commit(s) no merge request names (gt mq submit, or gt done)`);
      }
    }
    const verdict: RecoveryVerdict =
      cleanup !== "clean" ? "NEEDS_RECOVERY" : mq === "not_submitted" ? "NEEDS_MQ_SUBMIT" : "SAFE_TO_NUKE";
    return {
      rig,
      polecat: name,
      cleanup_status: cleanup,
      needs_recovery: verdict !== "SAFE_TO_NUKE",
      verdict,
      branch,
      issue: issueId,
      issue_status: issue?.status ?? null,
      mq_status: mq,
      merge_request: mr?.id ?? null,
      reasons,
    };
  } finally {
    await ledger.close();
    await townLedger.close();
  }
}

// ---- branches: gc and prune --------------------------------------------------------------

export interface BranchVerdict {
  branch: string;
  reason: string;
}

export interface BranchReport {
  rig: string;
  dry_run: boolean;
  deleted: BranchVerdict[];
  kept: BranchVerdict[];
  /** prune --remote: origin's polecat branches. */
  remote_deleted: BranchVerdict[];
  remote_kept: BranchVerdict[];
}

/** Who a polecat branch belongs to: polecat/<name>/… or polecat/<name>-<stamp>. */
function ownerOf(branch: string): string | undefined {
  return /^polecat\/([a-z0-9_]+)(?:\/|-)/.exec(branch)?.[1];
}

/** Branches something still needs: a sandbox's checkout, a hooked bead's branch, an open MR's. */
async function branchesInUse(town: Town, rig: string, mrs: RigMrs): Promise<Map<string, string>> {
  const inUse = new Map<string, string>();
  for (const name of polecatNames(town, rig)) {
    const dir = workDirOf(town.root, polecatId(rig, name));
    if (!existsSync(join(dir, ".git"))) continue;
    const head = await out(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
    if (head) inUse.set(head, `checked out in ${rig}/polecats/${name}'s sandbox`);
  }
  const ledger = openRigLedger(town, rig);
  try {
    for (const b of await ledger.listIssues({ statuses: [HOOKED, "in_progress"], includeInfra: true })) {
      const branch = (b.metadata as Record<string, unknown> | undefined)?.branch;
      if (typeof branch === "string") inUse.set(branch, `the branch of ${b.id} (${b.status})`);
    }
  } finally {
    await ledger.close();
  }
  for (const m of mrs.all)
    if (m.status !== "closed" && m.branch) inUse.set(m.branch, `named by open merge request ${m.id}`);
  return inUse;
}

/** The rig's merge requests, and which of them were merged (their close reason). */
interface RigMrs {
  all: MergeRequest[];
  merged: Set<string>;
}

async function rigMergeRequests(town: Town, rig: string): Promise<RigMrs> {
  const ledger = openRigLedger(town, rig);
  try {
    const all = await listMergeRequests(ledger, { all: true });
    const closed = await ledger.getIssues(all.filter((m) => m.status === "closed").map((m) => m.id));
    return { all, merged: new Set(closed.filter((i) => i.close_reason === "merged").map((i) => i.id)) };
  } finally {
    await ledger.close();
  }
}

/** A merged merge request that carried everything `ref` holds, if there is one. */
async function landedBy(
  bare: string,
  ref: string,
  branch: string,
  mrs: RigMrs,
): Promise<MergeRequest | undefined> {
  for (const m of mrs.all) {
    if (m.branch !== branch || !mrs.merged.has(m.id) || !m.commit_sha) continue;
    if (await gitOk(bare, ["merge-base", "--is-ancestor", ref, m.commit_sha])) return m;
  }
  return undefined;
}

async function localPolecatBranches(bare: string): Promise<string[]> {
  return ((await out(bare, ["for-each-ref", "--format=%(refname:short)", "refs/heads/polecat/"])) ?? "")
    .split("\n")
    .filter(Boolean);
}

/** Why deleting `ref` loses nothing, or undefined when it would. */
async function safeToDelete(
  bare: string,
  ref: string,
  branch: string,
  mrs: RigMrs,
  base: string,
): Promise<string | undefined> {
  if (await gitOk(bare, ["merge-base", "--is-ancestor", ref, `refs/remotes/origin/${base}`]))
    return `merged into ${base}`;
  const landed = await landedBy(bare, ref, branch, mrs);
  if (landed) return `landed by ${landed.id}`;
  if (ref.startsWith("refs/heads/")) {
    const off = await out(bare, ["rev-list", "--count", ref, "--not", "--remotes"]);
    if (off === "0") return "its commits are on origin";
  }
  return undefined;
}

/** A WIP sweep's verdicts in a branch report: origin's deletions under remote_deleted. */
function addWipSweep(report: BranchReport, sweep: WipSweep): void {
  for (const d of sweep.deleted) {
    const why = `WIP checkpoint: ${d.reason}`;
    if (d.local) report.deleted.push({ branch: d.branch, reason: why });
    if (d.remote) report.remote_deleted.push({ branch: d.branch, reason: why });
  }
  for (const k of sweep.kept)
    report.kept.push({ branch: k.branch, reason: `WIP checkpoint kept: ${k.reason}` });
}

/**
 * `gt polecat gc`: the rig's local polecat branches nothing uses any more — those of polecats
 * that are gone, and old ones of polecats working elsewhere now — deleted when their work is
 * safe (on origin, or merged); a branch with commits no remote has is kept and named.
 */
export async function gcPolecatBranches(
  town: Town,
  rig: string,
  opts: { dryRun?: boolean; actor: string },
): Promise<BranchReport> {
  town.rig(rig);
  const bare = bareOf(town, rig);
  const base = town.rigConfig(rig).default_branch;
  await refreshSharedRepo(town, rig);
  const mrs = await rigMergeRequests(town, rig);
  const inUse = await branchesInUse(town, rig, mrs);
  const names = new Set(polecatNames(town, rig));
  const report: BranchReport = {
    rig,
    dry_run: opts.dryRun === true,
    deleted: [],
    kept: [],
    remote_deleted: [],
    remote_kept: [],
  };
  for (const branch of await localPolecatBranches(bare)) {
    if (wipOwner(branch)) continue; // by the WIP rule, below
    const use = inUse.get(branch);
    if (use) {
      report.kept.push({ branch, reason: use });
      continue;
    }
    const owner = ownerOf(branch);
    const why = owner && names.has(owner) ? `an old branch of ${owner}` : `${owner ?? "its polecat"} is gone`;
    const safe = await safeToDelete(bare, `refs/heads/${branch}`, branch, mrs, base);
    if (!safe) {
      const n = await out(bare, ["rev-list", "--count", `refs/heads/${branch}`, "--not", "--remotes"]);
      report.kept.push({ branch, reason: `${why}, but ${n ?? "some"} commit(s) are on no remote: kept` });
      continue;
    }
    if (!opts.dryRun && !(await gitOk(bare, ["branch", "-D", branch]))) {
      report.kept.push({ branch, reason: `${why}; git would not delete it` });
      continue;
    }
    report.deleted.push({ branch, reason: `${why}; ${safe}` });
  }
  addWipSweep(
    report,
    await sweepWipBranches(town, rig, { dryRun: opts.dryRun, remote: false, actor: opts.actor }),
  );
  if (!opts.dryRun && report.deleted.length)
    logEvent(town.root, "polecat_gc", opts.actor, { rig, deleted: report.deleted.map((d) => d.branch) });
  return report;
}

/**
 * `gt polecat prune`: polecat branches whose work is on the default branch (an ancestor of
 * it, or landed by a merged merge request) — local ones, and with `remote` origin's too
 * (deleted with a lease on the commit seen, so a branch moved meanwhile stays).
 */
export async function prunePolecatBranches(
  town: Town,
  rig: string,
  opts: { dryRun?: boolean; remote?: boolean; actor: string },
): Promise<BranchReport> {
  town.rig(rig);
  const bare = bareOf(town, rig);
  const base = town.rigConfig(rig).default_branch;
  await gitOk(bare, ["fetch", "--quiet", "--prune", "origin"]);
  const mrs = await rigMergeRequests(town, rig);
  const inUse = await branchesInUse(town, rig, mrs);
  const report: BranchReport = {
    rig,
    dry_run: opts.dryRun === true,
    deleted: [],
    kept: [],
    remote_deleted: [],
    remote_kept: [],
  };
  const merged = async (ref: string, branch: string): Promise<string | undefined> => {
    if (await gitOk(bare, ["merge-base", "--is-ancestor", ref, `refs/remotes/origin/${base}`]))
      return `merged into ${base}`;
    const m = await landedBy(bare, ref, branch, mrs);
    return m ? `landed by ${m.id}` : undefined;
  };
  for (const branch of await localPolecatBranches(bare)) {
    if (wipOwner(branch)) continue; // by the WIP rule, below
    const use = inUse.get(branch);
    const why = use ? undefined : await merged(`refs/heads/${branch}`, branch);
    if (!why) {
      report.kept.push({ branch, reason: use ?? "not merged" });
      continue;
    }
    if (!opts.dryRun && !(await gitOk(bare, ["branch", "-D", branch]))) {
      report.kept.push({ branch, reason: "git would not delete it" });
      continue;
    }
    report.deleted.push({ branch, reason: why });
  }
  if (opts.remote) {
    const refs = (
      (await out(bare, [
        "for-each-ref",
        "--format=%(refname:short) %(objectname)",
        "refs/remotes/origin/polecat/",
      ])) ?? ""
    )
      .split("\n")
      .filter(Boolean);
    for (const line of refs) {
      const [short, sha] = line.split(" ") as [string, string];
      const branch = short.replace(/^origin\//, "");
      if (wipOwner(branch)) continue;
      const use = inUse.get(branch);
      const why = use ? undefined : await merged(`refs/remotes/origin/${branch}`, branch);
      if (!why) {
        report.remote_kept.push({ branch, reason: use ?? "not merged" });
        continue;
      }
      if (!opts.dryRun) {
        const push = await runCommand(
          "git",
          [
            "push",
            "--quiet",
            `--force-with-lease=refs/heads/${branch}:${sha}`,
            "origin",
            `:refs/heads/${branch}`,
          ],
          { cwd: bare },
        );
        if (push.exitCode !== 0) {
          report.remote_kept.push({
            branch,
            reason: `origin refused: ${push.stderr.trim().split("\n").pop()}`,
          });
          continue;
        }
        await gitOk(bare, ["update-ref", "-d", `refs/remotes/origin/${branch}`]);
      }
      report.remote_deleted.push({ branch, reason: why });
    }
  }
  // WIP checkpoints go by their own rule: once the work they hold has a home (the branches
  // just pruned were merged, so their beads are closed), never before.
  addWipSweep(
    report,
    await sweepWipBranches(town, rig, {
      dryRun: opts.dryRun,
      remote: opts.remote === true,
      actor: opts.actor,
    }),
  );
  if (!opts.dryRun && (report.deleted.length || report.remote_deleted.length))
    logEvent(town.root, "polecat_prune", opts.actor, {
      rig,
      deleted: report.deleted.map((d) => d.branch),
      remote_deleted: report.remote_deleted.map((d) => d.branch),
    });
  return report;
}

// ---- stale -------------------------------------------------------------------------------

export interface StalePolecat {
  name: string;
  address: string;
  session_alive: boolean;
  sandbox: boolean;
  /** Commits its sandbox's HEAD is behind origin's default branch. */
  commits_behind: number;
  uncommitted: number;
  unpushed: number;
  hook: string | null;
  /** From its agent bead; null when it has none. */
  agent_state: string | null;
  stale: boolean;
  reason: string;
}

export interface StaleReport {
  rig: string;
  threshold: number;
  polecats: StalePolecat[];
  stale: number;
  /** With cleanup: the stale polecats nuked (or that would be, in a dry run). */
  cleanup: { dry_run: boolean; nuked: string[]; failed: Array<{ name: string; error: string }> } | null;
}

function staleVerdict(p: Omit<StalePolecat, "stale" | "reason">, threshold: number): [boolean, string] {
  if (p.uncommitted > 0) return [false, `${p.uncommitted} uncommitted change(s)`];
  if (p.unpushed > 0) return [false, `${p.unpushed} commit(s) on no remote`];
  if (p.session_alive) return [false, "session running"];
  if (p.hook) return [false, `${p.hook} on its hook`];
  if (p.agent_state === "stuck") return [false, "agent_state=stuck (asked for help)"];
  if (!p.sandbox) return [true, "no sandbox, no session"];
  if (p.agent_state === null) return [true, "no agent bead, no session"];
  if (p.commits_behind >= threshold) return [true, `${p.commits_behind} commits behind, no session`];
  return [false, `idle, ${p.commits_behind} commit(s) behind (threshold ${threshold}): kept for reuse`];
}

/**
 * `gt polecat stale`: polecats that are candidates for cleanup — no session, nothing on the
 * hook, nothing unsaved, and far behind the default branch (or without a sandbox or an agent
 * bead). With `cleanup` each is nuked (the nuke re-checks and refuses unsaved work).
 */
export async function stalePolecats(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  opts: { threshold?: number; cleanup?: boolean; dryRun?: boolean; actor: string },
): Promise<StaleReport> {
  town.rig(rig);
  const threshold = opts.threshold ?? 20;
  await refreshSharedRepo(town, rig);
  const base = town.rigConfig(rig).default_branch;
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  const prefix = town.prefixOf(rig);
  const ledger = openRigLedger(town, rig);
  const polecats: StalePolecat[] = [];
  try {
    const hooks = new Map<string, string>();
    for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true }))
      if (b.assignee) hooks.set(b.assignee, b.id);
    for (const name of polecatNames(town, rig)) {
      const id = polecatId(rig, name);
      const address = addressOf(id);
      const dir = workDirOf(town.root, id);
      const sandbox = existsSync(join(dir, ".git"));
      const agentBead = await ledger.getIssue(agentBeadIdOf(id, prefix));
      const state = (agentBead?.metadata as Record<string, unknown> | undefined)?.agent_state;
      const behind = sandbox
        ? await out(dir, ["rev-list", "--count", `HEAD..refs/remotes/origin/${base}`])
        : "0";
      const facts = {
        name,
        address,
        session_alive: alive.has(sessionNameOf(id, prefix)),
        sandbox,
        commits_behind: Number(behind ?? 0),
        uncommitted: sandbox ? (await workLeftIn(dir)).length : 0,
        unpushed: sandbox ? (await unpushedCommits(dir, name)).length : 0,
        hook: hooks.get(address) ?? null,
        agent_state: agentBead ? (typeof state === "string" ? state : "idle") : null,
      };
      const [stale, reason] = staleVerdict(facts, threshold);
      polecats.push({ ...facts, stale, reason });
    }
  } finally {
    await ledger.close();
  }
  const report: StaleReport = {
    rig,
    threshold,
    polecats,
    stale: polecats.filter((p) => p.stale).length,
    cleanup: null,
  };
  if (opts.cleanup) {
    report.cleanup = { dry_run: opts.dryRun === true, nuked: [], failed: [] };
    for (const p of polecats.filter((x) => x.stale)) {
      if (opts.dryRun) {
        report.cleanup.nuked.push(p.name);
        continue;
      }
      try {
        await nukePolecat(town, provider, rig, p.name, { actor: opts.actor });
        report.cleanup.nuked.push(p.name);
      } catch (e) {
        report.cleanup.failed.push({ name: p.name, error: (e as Error).message });
      }
    }
  }
  return report;
}
