// The refinery's engine: a Bors-style merge queue (spec §3.4). Pending merge requests are
// stacked, one rebased on another, onto the target branch; the gates run once on the top of
// the stack. Green: the whole stack lands with one push (all of it or none of it). Red: the
// stack is bisected (gates on prefixes) to find the first bad MR; everything before it
// lands, it is rejected with the gate's output, and the rest is stacked again.
//
// Crash safety: an MR is marked with the commit it is about to land as before the push, and
// closed as merged only after the push. A refinery killed in between finds, on its next run,
// marked MRs whose commit is in the target (it finishes them) or not (it forgets the mark).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { clearStaleGitLocks, git, gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { noticeToWitness } from "../comms/mail.ts";
import { ConflictError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Ledger } from "../ledger/store.ts";
import { testPause } from "../test-pause.ts";
import { activeEstop } from "../town/estop.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import { workingRepoOf } from "../town/rig.ts";
import type { Town } from "../town/workspace.ts";
import { landConvoysAfterClose } from "../work/convoys.ts";
import { listMergeRequests, type MergeRequest, MR_TYPE, readMergeRequest } from "../work/merge-requests.ts";
import { heldFrom } from "./claims.ts";
import { loadMergeQueueConfig, type MergeQueueConfig } from "./config.ts";
import { describeFailure, type GateFailure, runGates } from "./gates.ts";
import { gitReasonLine, LandingError, type NewLandingFailure, recordLandingFailure } from "./landing.ts";
import { mergeQueue } from "./queue.ts";
import { syncWorkingRepo, type WorkingRepoSync } from "./working-repo.ts";

export interface LandedMr {
  mr: string;
  source_issue: string;
  branch: string;
  worker: string;
  /** The MR's commit on the target branch. */
  commit: string;
}

export interface RejectedMr {
  mr: string;
  source_issue: string;
  branch: string;
  worker: string;
  reason: "gate" | "conflict" | "manual";
  detail: string;
  output: string;
}

export interface RunReport {
  rig: string;
  batches: number;
  gate_runs: number;
  landed: LandedMr[];
  rejected: RejectedMr[];
  /** MRs put back for another try on the new target (auto_rebase conflicts). */
  retried: string[];
  /** MRs dropped without a merge (source closed, branch gone), with why. */
  dropped: Array<{ mr: string; reason: string }>;
  /** MRs found landed by an interrupted run and finished now. */
  recovered: string[];
  /** Target branch → its commit after this run. */
  targets: Record<string, string>;
  /** A mirrored rig: how the user's working repository and the mirror were put in step. */
  working_repo: (Omit<WorkingRepoSync, "problem"> & { problem: string | null }) | null;
}

export interface Ctx {
  town: Town;
  rig: string;
  cfg: MergeQueueConfig;
  ledger: Ledger;
  bare: string;
  worktree: string;
  actor: string;
  env: NodeJS.ProcessEnv;
  report: RunReport;
  log: (line: string) => void;
}

interface StackEntry {
  mr: MergeRequest;
  tip: string;
}

const OUTPUT_KEEP = 4000;

/** `gastown/polecats/toast` → `toast`, as protocol subjects name workers. */
function workerName(address: string): string {
  return address.split("/").pop() || address;
}

function short(sha: string): string {
  return sha.slice(0, 8);
}

function tail(text: string, n = OUTPUT_KEEP): string {
  return text.length > n ? `…${text.slice(-n)}` : text;
}

async function revParse(dir: string, ref: string): Promise<string | undefined> {
  const r = await runCommand("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: dir });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

async function isAncestor(dir: string, a: string, b: string): Promise<boolean> {
  return gitOk(dir, ["merge-base", "--is-ancestor", a, b]);
}

/** Puts the refinery worktree at `sha`, detached and clean (ignored files such as .beads/redirect stay). */
async function checkoutClean(c: Ctx, sha: string): Promise<void> {
  await runCommand("git", ["cherry-pick", "--abort"], { cwd: c.worktree });
  await git(c.worktree, ["checkout", "--quiet", "--force", "--detach", sha]);
  await git(c.worktree, ["reset", "--quiet", "--hard", sha]);
  await git(c.worktree, ["clean", "--quiet", "-fd"]);
}

/** Stacks each MR's commits on the previous tip; MRs that conflict are handed back. */
async function buildStack(
  c: Ctx,
  base: string,
  target: string,
  mrs: MergeRequest[],
): Promise<{ entries: StackEntry[]; conflicts: MergeRequest[]; alreadyIn: MergeRequest[] }> {
  await checkoutClean(c, base);
  const entries: StackEntry[] = [];
  const conflicts: MergeRequest[] = [];
  const alreadyIn: MergeRequest[] = [];
  let tip = base;
  for (const mr of mrs) {
    const from = (await git(c.bare, ["merge-base", `refs/remotes/origin/${target}`, mr.commit_sha])).trim();
    if ((await isAncestor(c.bare, mr.commit_sha, base)) || from === mr.commit_sha) {
      alreadyIn.push(mr);
      continue;
    }
    const pick = await runCommand(
      "git",
      ["cherry-pick", "--allow-empty", "--keep-redundant-commits", `${from}..${mr.commit_sha}`],
      { cwd: c.worktree, env: c.env },
    );
    if (pick.exitCode !== 0) {
      await runCommand("git", ["cherry-pick", "--abort"], { cwd: c.worktree });
      await checkoutClean(c, tip);
      conflicts.push(mr);
      continue;
    }
    tip = (await git(c.worktree, ["rev-parse", "HEAD"])).trim();
    entries.push({ mr, tip });
  }
  return { entries, conflicts, alreadyIn };
}

async function gatesAt(c: Ctx, sha: string) {
  await checkoutClean(c, sha);
  const r = await runGates(c.worktree, c.cfg, c.env);
  c.report.gate_runs++;
  c.log(
    `refinery: gates on ${short(sha)}: ${r.ok ? "green" : describeFailure(r.failure!)} (${r.durationMs} ms)`,
  );
  return r;
}

async function setMeta(c: Ctx, id: string, meta: Record<string, unknown>): Promise<void> {
  await c.ledger.updateIssue(id, { set_metadata: meta }, c.actor);
}

/** Label of a merged MR whose source branch still waits to be deleted (survives a killed run). */
export const BRANCH_CLEANUP_LABEL = "gt:branch-cleanup";

/**
 * Branches the refinery must never delete: the default branch, every branch any merge
 * request targets, integration branches, and the branches other open MRs still name.
 */
async function protectedBranches(c: Ctx, except: Set<string>): Promise<Set<string>> {
  const keep = new Set<string>([c.town.rigConfig(c.rig).default_branch]);
  for (const mr of await listMergeRequests(c.ledger, { all: true })) {
    if (mr.target) keep.add(mr.target);
    if (!except.has(mr.id) && mr.status !== "closed") keep.add(mr.branch);
  }
  return keep;
}

/**
 * Deletes the source branches of merged MRs on origin and in the rig's repository, in one
 * push. Only an MR's own source branch goes, never a protected one, and only while origin
 * still has it at the MR's commit (a lease): a branch someone moved on is left alone.
 */
async function deleteBranches(c: Ctx, mrs: MergeRequest[]): Promise<void> {
  if (mrs.length === 0) return;
  const done = async () => {
    for (const mr of mrs) {
      const issue = await c.ledger.getIssue(mr.id);
      if (issue?.labels?.includes(BRANCH_CLEANUP_LABEL))
        await c.ledger.updateIssue(mr.id, { remove_labels: [BRANCH_CLEANUP_LABEL] }, c.actor);
    }
  };
  if (!c.cfg.delete_merged_branches) return done();
  const keep = await protectedBranches(c, new Set(mrs.map((m) => m.id)));
  const doomed = mrs.filter(
    (mr) => mr.branch && mr.branch !== mr.target && !keep.has(mr.branch) && !/^integration\//.test(mr.branch),
  );
  if (doomed.length > 0) {
    const push = await runCommand(
      "git",
      [
        "push",
        "--quiet",
        "--atomic",
        "origin",
        ...doomed.map((mr) => `--force-with-lease=refs/heads/${mr.branch}:${mr.commit_sha}`),
        ...doomed.map((mr) => `:refs/heads/${mr.branch}`),
      ],
      { cwd: c.bare, env: c.env },
    );
    if (push.exitCode !== 0) {
      // One moved or already-gone branch fails an atomic push: go one at a time.
      for (const mr of doomed)
        await runCommand(
          "git",
          [
            "push",
            "--quiet",
            "origin",
            `--force-with-lease=refs/heads/${mr.branch}:${mr.commit_sha}`,
            `:refs/heads/${mr.branch}`,
          ],
          { cwd: c.bare, env: c.env },
        );
    }
    for (const mr of doomed) {
      await runCommand("git", ["branch", "-D", mr.branch], { cwd: c.bare });
      await runCommand("git", ["update-ref", "-d", `refs/remotes/origin/${mr.branch}`], { cwd: c.bare });
    }
  }
  await done();
}

/** Deletes branches of MRs a killed run closed as merged before it got to tidy them. */
async function finishBranchCleanups(c: Ctx): Promise<void> {
  const waiting = await c.ledger.listIssues({
    types: [MR_TYPE],
    labels: [BRANCH_CLEANUP_LABEL],
    all: true,
    includeInfra: true,
  });
  await deleteBranches(c, waiting.map(readMergeRequest));
}

/** After the target holds the MR's commit: close MR and source, land convoys, tidy the branch. */
export async function finishLanded(
  c: Ctx,
  mr: MergeRequest,
  commit: string,
  target: string,
  opts: { deleteBranch?: boolean } = {},
): Promise<void> {
  const reason = `merged into ${target} as ${short(commit)}`;
  await c.ledger.updateIssue(
    mr.id,
    {
      status: "closed",
      close_reason: "merged",
      set_metadata: { phase: "merged", merge_commit: commit, merged_at: new Date().toISOString() },
      unset_metadata: ["landing_commit", "landing_target"],
      add_labels: [BRANCH_CLEANUP_LABEL],
    },
    c.actor,
  );
  const source = await c.ledger.getIssue(mr.source_issue);
  if (source && source.status !== "closed") {
    await c.ledger.closeIssue(source.id, { reason, force: true }, c.actor);
    await c.ledger.updateIssue(source.id, { set_metadata: { merge_commit: commit } }, c.actor);
  }
  await landConvoysAfterClose(c.town, [mr.source_issue], c.actor);
  if (opts.deleteBranch !== false) await deleteBranches(c, [mr]);
  await noticeToWitness(
    c.town,
    c.rig,
    c.actor,
    `MERGED ${workerName(mr.worker)}`,
    `MR: ${mr.id}\nIssue: ${mr.source_issue}\nBranch: ${mr.branch}\nCommit: ${commit}`,
  );
  logEvent(c.town.root, "merged", c.actor, { mr: mr.id, worker: mr.worker, branch: mr.branch, commit });
  c.report.landed.push({
    mr: mr.id,
    source_issue: mr.source_issue,
    branch: mr.branch,
    worker: mr.worker,
    commit,
  });
  c.log(`refinery: ✓ merged ${mr.id} (${mr.source_issue}) as ${short(commit)}`);
}

/**
 * Keeps the shared repo's own `target` branch in step with origin, but only where that
 * loses nothing: a fast-forward, and never under a checkout. A worktree with the branch
 * checked out (an agent that strayed onto main) shares the ref: moving it would orphan the
 * commits made there and leave the worktree looking as if it reverted the landed work.
 */
async function advanceLocalBranch(c: Ctx, target: string, top: string): Promise<void> {
  const ref = `refs/heads/${target}`;
  const current = await revParse(c.bare, ref);
  if (current === top) return;
  if (current && !(await isAncestor(c.bare, current, top))) return;
  const worktrees = await git(c.bare, ["worktree", "list", "--porcelain"]);
  if (worktrees.split("\n").some((line) => line === `branch ${ref}`)) return;
  // Compare-and-swap on the value just read: a concurrent commit there is never overwritten.
  await runCommand("git", ["update-ref", ref, top, current ?? ""], { cwd: c.bare });
}

/** Lands a green prefix of the stack: one push of its top moves the target over all of it. */
async function land(c: Ctx, target: string, entries: StackEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // An e-stop raised while the gates ran: nothing lands; the MRs wait in the queue.
  if (activeEstop(c.town.root, c.rig)) throw new EstopHold();
  const top = entries[entries.length - 1]!.tip;
  for (const e of entries)
    await setMeta(c, e.mr.id, { phase: "merging", landing_commit: e.tip, landing_target: target });
  testPause("refinery:merging");
  const push = await runCommand("git", ["push", "--quiet", "origin", `${top}:refs/heads/${target}`], {
    cwd: c.bare,
    env: c.env,
  });
  if (push.exitCode !== 0) {
    for (const e of entries)
      await c.ledger.updateIssue(
        e.mr.id,
        { unset_metadata: ["landing_commit", "landing_target", "phase"] },
        c.actor,
      );
    throw new LandingError({
      stage: "push",
      target,
      summary: `cannot push ${target} to origin: ${gitReasonLine(push.stderr)}`,
      reason: push.stderr.trim() || `git push exited ${push.exitCode}`,
      mrs: entries.map((e) => e.mr.id),
    });
  }
  testPause("refinery:pushed");
  await git(c.bare, ["update-ref", `refs/remotes/origin/${target}`, top]);
  await advanceLocalBranch(c, target, top);
  for (const e of entries) await finishLanded(c, e.mr, e.tip, target, { deleteBranch: false });
  testPause("refinery:landed");
  await deleteBranches(
    c,
    entries.map((e) => e.mr),
  );
}

/** Sends an MR's work back: MR closed as rejected, source bead open again with the reason. */
export async function reject(
  c: Ctx,
  mr: MergeRequest,
  reason: RejectedMr["reason"],
  detail: string,
  output: string,
) {
  const kept = tail(output);
  await c.ledger.updateIssue(
    mr.id,
    {
      status: "closed",
      close_reason: `rejected: ${detail}`,
      set_metadata: { phase: "rejected", rejection: detail },
      unset_metadata: ["landing_commit", "landing_target"],
    },
    c.actor,
  );
  const note = `Merge request ${mr.id} (${mr.branch}) was rejected by the refinery: ${detail}.${kept ? `\n\n${kept}` : ""}`;
  await c.ledger.addComment(mr.id, c.actor, note);
  const source = await c.ledger.getIssue(mr.source_issue);
  if (source && source.status !== "closed") {
    await c.ledger.updateIssue(
      source.id,
      {
        status: "open",
        assignee: null,
        add_labels: [reason === "conflict" ? "gt:conflict" : "gt:rejected"],
        set_metadata: { rejected_mr: mr.id, rejection: detail },
      },
      c.actor,
    );
    await c.ledger.addComment(source.id, c.actor, note);
  }
  await noticeToWitness(
    c.town,
    c.rig,
    c.actor,
    `MERGE_FAILED ${workerName(mr.worker)}`,
    `MR: ${mr.id}\nIssue: ${mr.source_issue}\nBranch: ${mr.branch}\nReason: ${detail}${kept ? `\n\n${kept}` : ""}`,
  );
  logEvent(c.town.root, "merge_failed", c.actor, {
    mr: mr.id,
    worker: mr.worker,
    branch: mr.branch,
    reason: detail,
  });
  c.report.rejected.push({
    mr: mr.id,
    source_issue: mr.source_issue,
    branch: mr.branch,
    worker: mr.worker,
    reason,
    detail,
    output: kept,
  });
  c.log(`refinery: ✗ rejected ${mr.id} (${mr.source_issue}): ${detail}`);
}

async function dropStale(c: Ctx, mr: MergeRequest, reason: string): Promise<void> {
  await c.ledger.updateIssue(mr.id, { status: "closed", close_reason: `dropped: ${reason}` }, c.actor);
  await c.ledger.addComment(mr.id, c.actor, `Dropped by the refinery: ${reason}.`);
  c.report.dropped.push({ mr: mr.id, reason });
  c.log(`refinery: dropped ${mr.id}: ${reason}`);
}

/** Finishes what a killed run left: MRs marked for landing whose commit reached the target. */
async function recover(c: Ctx, queue: MergeRequest[]): Promise<void> {
  for (const mr of queue) {
    const issue = await c.ledger.getIssue(mr.id);
    const meta = (issue?.metadata as Record<string, unknown> | undefined) ?? {};
    const commit = typeof meta.landing_commit === "string" ? meta.landing_commit : undefined;
    const target = typeof meta.landing_target === "string" ? meta.landing_target : mr.target;
    if (!commit) continue;
    const head = await revParse(c.bare, `refs/remotes/origin/${target}`);
    if (head && (await revParse(c.bare, commit)) && (await isAncestor(c.bare, commit, head))) {
      await finishLanded(c, mr, commit, target);
      c.report.recovered.push(mr.id);
    } else {
      await c.ledger.updateIssue(
        mr.id,
        { unset_metadata: ["landing_commit", "landing_target", "phase"] },
        c.actor,
      );
    }
  }
}

/**
 * Gas Town's pre-verification fast path: a batch of one MR whose agent ran the gates (gt done
 * --pre-verified) on exactly the target's tip, with its work on top of that tip, would land the
 * very tree the gates passed on; anything else (a moved target, a stack of several) is gated.
 */
async function stillVerified(c: Ctx, entries: StackEntry[], base: string): Promise<boolean> {
  const mr = entries.length === 1 ? entries[0]!.mr : undefined;
  if (!mr || mr.pre_verified_base !== base) return false;
  return isAncestor(c.bare, base, mr.commit_sha);
}

/** Runs one target branch's pending MRs to the end: batches, bisection, landing, rejection. */
async function processTarget(c: Ctx, target: string, pending: MergeRequest[]): Promise<void> {
  const retriedOnce = new Set<string>();
  while (pending.length > 0) {
    const batch = pending.splice(0, c.cfg.batch_size);
    const base = await revParse(c.bare, `refs/remotes/origin/${target}`);
    if (!base) {
      for (const mr of batch) await dropStale(c, mr, `target branch ${target} not found on origin`);
      continue;
    }
    c.report.batches++;
    c.log(`refinery: batch of ${batch.length} onto ${target} at ${short(base)}`);
    const { entries, conflicts, alreadyIn } = await buildStack(c, base, target, batch);
    for (const mr of alreadyIn) await finishLanded(c, mr, mr.commit_sha, target);
    for (const mr of conflicts) {
      const againstOthers = entries.length > 0;
      if (c.cfg.on_conflict === "auto_rebase" && againstOthers && !retriedOnce.has(mr.id)) {
        // It may only clash with work that will not land; try it again on the new target.
        retriedOnce.add(mr.id);
        await c.ledger.updateIssue(
          mr.id,
          { set_metadata: { retry_count: mr.retry_count + 1, last_conflict: base } },
          c.actor,
        );
        pending.push({ ...mr, retry_count: mr.retry_count + 1 });
        c.report.retried.push(mr.id);
        c.log(`refinery: ${mr.id} conflicts; retrying it on the new target (auto_rebase)`);
      } else {
        await reject(c, mr, "conflict", `merge conflict with ${target}`, "");
      }
    }
    if (entries.length === 0) continue;
    if (await stillVerified(c, entries, base)) {
      c.log(
        `refinery: ${entries[0]!.mr.id} is pre-verified on ${short(base)}, which has not moved: no gates`,
      );
      await land(c, target, entries);
      continue;
    }

    const top = await gatesAt(c, entries[entries.length - 1]!.tip);
    if (top.ok) {
      await land(c, target, entries);
      continue;
    }
    // Bisect: entries[0..good] pass, entries[bad] is the first that fails.
    let good = -1;
    let bad = entries.length - 1;
    let failure: GateFailure = top.failure!;
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      const r = await gatesAt(c, entries[mid]!.tip);
      if (r.ok) good = mid;
      else {
        bad = mid;
        failure = r.failure!;
      }
    }
    await land(c, target, entries.slice(0, good + 1));
    await reject(c, entries[bad]!.mr, "gate", describeFailure(failure), failure.output);
    // What came after the bad MR was never tested without it: stack it again on the new target.
    pending.unshift(...entries.slice(bad + 1).map((e) => e.mr));
  }
}

export interface RunOptions {
  actor: string;
  log?: (line: string) => void;
}

/** Processes a rig's merge queue until it is empty (or everything left is waiting on others). */
export async function runQueueOnce(town: Town, rig: string, opts: RunOptions): Promise<RunReport> {
  town.rig(rig);
  const worktree = join(town.rigDir(rig), "refinery", "rig");
  if (!existsSync(join(worktree, ".git")))
    throw new ConflictError("no_refinery_worktree", `rig ${rig} has no refinery worktree at ${worktree}`);
  const report = emptyReport(rig);
  const held = () => opts.log?.("refinery: e-stop is on: landing nothing until gt thaw");
  if (activeEstop(town.root, rig)) {
    held();
    return report;
  }
  return withRefinery(town, rig, opts.actor, report, opts.log, async (c) => {
    if (!c.cfg.enabled) return report;
    const rigDir = town.rigDir(rig);
    let problem: NewLandingFailure | null;
    try {
      problem = await workQueue(c);
    } catch (e) {
      if (e instanceof EstopHold) {
        held();
        return report;
      }
      recordLandingFailure(rigDir, failureOf(e));
      throw e;
    }
    const recorded = recordLandingFailure(rigDir, problem);
    if (recorded) c.log(`refinery: ⚠ ${recorded.summary}`);
    return report;
  });
}

/** An e-stop stood when a batch was about to land (town/estop.ts). */
class EstopHold extends ConflictError {
  constructor() {
    super("estop", "e-stop is on: landing nothing until gt thaw");
  }
}

/** What a round that threw leaves for gt status: the landing step that failed, or the error. */
function failureOf(e: unknown): NewLandingFailure {
  if (e instanceof LandingError) return e.failure;
  const message = e instanceof Error ? e.message : String(e);
  const output = (e as { result?: { stderr?: string; stdout?: string } }).result;
  const reason = (output?.stderr || output?.stdout || "").trim();
  return { stage: "run", target: null, summary: message, reason: reason || message, mrs: [] };
}

/** Puts a mirrored rig's working repository and mirror in step; reports it on the run. */
async function syncWorking(c: Ctx): Promise<NewLandingFailure | null> {
  const working = workingRepoOf(c.town, c.rig);
  if (!working) return null;
  const branch = c.town.rigConfig(c.rig).default_branch;
  const r = await syncWorkingRepo(working.mirror, working.path, branch, c.env);
  const prev = c.report.working_repo;
  c.report.working_repo = {
    path: r.path,
    branch: r.branch,
    pulled: r.pulled ?? prev?.pulled ?? null,
    delivered: r.delivered ?? prev?.delivered ?? null,
    problem: r.problem?.summary ?? null,
  };
  if (r.pulled) c.log(`refinery: took your ${branch} at ${short(r.pulled)} from ${r.path}`);
  if (r.delivered) c.log(`refinery: fast-forwarded ${branch} in ${r.path} to ${short(r.delivered)}`);
  return r.problem;
}

/** One round: the queue worked to the end; returns what keeps the working repository behind. */
async function workQueue(c: Ctx): Promise<NewLandingFailure | null> {
  const { town, rig, report } = c;
  await syncWorking(c);
  await git(c.bare, ["fetch", "--quiet", "--prune", "origin"]);
  const queue = await mergeQueue(town, c.ledger);
  await recover(c, queue);
  await finishBranchCleanups(c);
  const byTarget = new Map<string, MergeRequest[]>();
  // Claimed by someone else (gt refinery claim) or blocked by an open bead: not ours to take.
  const held = await heldFrom(
    c.ledger,
    queue.map((m) => m.id),
    c.actor,
  );
  for (const mr of queue) {
    if (report.recovered.includes(mr.id) || held.has(mr.id)) continue;
    const stale = await staleReason(c, mr);
    if (stale) {
      await dropStale(c, mr, stale);
      continue;
    }
    const t = mr.target || town.rigConfig(rig).default_branch;
    byTarget.set(t, [...(byTarget.get(t) ?? []), { ...mr, target: t }]);
  }
  for (const [target, mrs] of byTarget) {
    await processTarget(c, target, mrs);
    const head = await revParse(c.bare, `refs/remotes/origin/${target}`);
    if (head) report.targets[target] = head;
  }
  if (report.batches > 0 || report.dropped.length > 0 || report.recovered.length > 0)
    logEvent(town.root, "merge_queue_run", c.actor, {
      rig,
      batches: report.batches,
      gate_runs: report.gate_runs,
      landed: report.landed.length,
      rejected: report.rejected.length,
    });
  return syncWorking(c);
}

/** Why an MR can never land as it is (dropped with a note rather than retried forever). */
async function staleReason(c: Ctx, mr: MergeRequest): Promise<string | undefined> {
  const source = await c.ledger.getIssue(mr.source_issue);
  if (!source || source.status === "closed")
    return `source bead ${mr.source_issue} is ${source ? "closed" : "gone"}`;
  if (!(await revParse(c.bare, mr.commit_sha)))
    return `commit ${short(mr.commit_sha)} of ${mr.branch} is not in the repository`;
  if (!(await revParse(c.bare, `refs/remotes/origin/${mr.branch}`)))
    return `branch ${mr.branch} is gone from origin`;
  return undefined;
}

/**
 * Runs `fn` as the rig's refinery: holding its lock (one at a time per rig), with its ledger,
 * settings, worktree and git identity; the worktree is left clean on the target afterwards.
 */
export async function withRefinery<T>(
  town: Town,
  rig: string,
  actor: string,
  report: RunReport,
  log: ((line: string) => void) | undefined,
  fn: (c: Ctx) => Promise<T>,
): Promise<T> {
  const rigDir = town.rigDir(rig);
  const worktree = join(rigDir, "refinery", "rig");
  return withFileLock(
    join(rigDir, ".runtime", "locks", "refinery.lock"),
    async () => {
      const ledger = openRigLedger(town, rig);
      const email = town.townJson().owner || "refinery@gastown.local";
      const c: Ctx = {
        town,
        rig,
        cfg: loadMergeQueueConfig(rigDir),
        ledger,
        bare: join(rigDir, ".repo.git"),
        worktree,
        actor,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: "0",
          GIT_COMMITTER_NAME: `${rig}/refinery`,
          GIT_COMMITTER_EMAIL: email,
          GIT_AUTHOR_NAME: `${rig}/refinery`,
          GIT_AUTHOR_EMAIL: email,
        },
        report,
        log: log ?? (() => undefined),
      };
      try {
        // We hold the refinery's lock: a git lock left in its worktree is a killed run's.
        await clearStaleGitLocks(worktree);
        return await fn(c);
      } finally {
        const base = town.rigConfig(rig).default_branch;
        const head = await revParse(c.bare, `refs/remotes/origin/${base}`);
        if (head) await checkoutClean(c, head).catch(() => undefined);
        await ledger.close();
      }
    },
    30 * 60_000,
  );
}

export function emptyReport(rig: string): RunReport {
  return {
    rig,
    batches: 0,
    gate_runs: 0,
    landed: [],
    rejected: [],
    retried: [],
    dropped: [],
    recovered: [],
    targets: {},
    working_repo: null,
  };
}
