// The merge queue by hand: submitting a branch that is not a polecat's, rejecting, retrying,
// and recording a merge made outside the refinery. Each goes through the same ledger steps
// as the engine, under the refinery's lock, so a person and a running refinery never clash.
import { git, gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { addressOf, callerIdentity } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { pushBranch } from "../work/done.ts";
import { createMergeRequest, getMergeRequest, type MergeRequest } from "../work/merge-requests.ts";
import { type Ctx, emptyReport, finishLanded, reject, withRefinery } from "./engine.ts";

function openMr(c: Ctx, id: string): Promise<MergeRequest> {
  return getMergeRequest(c.ledger, id);
}

export async function rejectByHand(
  town: Town,
  rig: string,
  id: string,
  reason: string,
  actor: string,
): Promise<MergeRequest> {
  return withRefinery(town, rig, actor, emptyReport(rig), undefined, async (c) => {
    const mr = await openMr(c, id);
    if (mr.status === "closed") throw new ConflictError("closed", `${mr.id} is already closed`);
    await reject(c, mr, "manual", reason, "");
    return openMr(c, mr.id);
  });
}

/** A rejected (closed, not merged) MR goes back in the queue with one more retry counted. */
export async function retryMergeRequest(
  town: Town,
  rig: string,
  id: string,
  actor: string,
): Promise<MergeRequest> {
  return withRefinery(town, rig, actor, emptyReport(rig), undefined, async (c) => {
    const mr = await openMr(c, id);
    const phase = ((await c.ledger.getIssue(mr.id))?.metadata as Record<string, unknown> | undefined)?.phase;
    if (phase === "merged") throw new ConflictError("merged", `${mr.id} is already merged`);
    if (mr.status === "closed") await c.ledger.reopenIssue(mr.id, "retry", actor);
    await c.ledger.updateIssue(
      mr.id,
      { set_metadata: { retry_count: mr.retry_count + 1 }, unset_metadata: ["phase", "rejection"] },
      actor,
    );
    const source = await c.ledger.getIssue(mr.source_issue);
    if (source && source.status === "open")
      await c.ledger.updateIssue(
        source.id,
        { status: "in_progress", remove_labels: ["gt:rejected", "gt:conflict"] },
        actor,
      );
    return openMr(c, mr.id);
  });
}

/** Closes an MR whose commit already reached its target some other way. */
export async function postMerge(
  town: Town,
  rig: string,
  id: string,
  opts: { actor: string; deleteBranch: boolean },
): Promise<{ mr: string; commit: string; target: string }> {
  return withRefinery(town, rig, opts.actor, emptyReport(rig), undefined, async (c) => {
    const mr = await openMr(c, id);
    if (mr.status === "closed") throw new ConflictError("closed", `${mr.id} is already closed`);
    const target = mr.target || town.rigConfig(rig).default_branch;
    await git(c.bare, ["fetch", "--quiet", "origin"]);
    if (
      !(await gitOk(c.bare, ["merge-base", "--is-ancestor", mr.commit_sha, `refs/remotes/origin/${target}`]))
    )
      throw new ConflictError(
        "not_merged",
        `${mr.commit_sha.slice(0, 8)} is not in origin/${target}; nothing to record`,
      );
    c.cfg = { ...c.cfg, delete_merged_branches: opts.deleteBranch };
    await finishLanded(c, mr, mr.commit_sha, target);
    return { mr: mr.id, commit: mr.commit_sha, target };
  });
}

export interface SubmitOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  issue: string;
  branch?: string;
  target?: string;
  priority?: number;
}

/** `gt mq submit`: push a branch of a rig workspace (crew or polecat) and queue it. */
export async function submitBranch(town: Town, opts: SubmitOptions) {
  const id = callerIdentity(town.root, opts.env, opts.cwd);
  if (!id?.rig)
    throw new ValidationError("run gt mq submit inside a rig workspace (a crew clone or a polecat worktree)");
  const rig = id.rig;
  const head = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: opts.cwd });
  const branch = opts.branch ?? (head.exitCode === 0 ? head.stdout.trim() : "");
  const base = town.rigConfig(rig).default_branch;
  const target = opts.target ?? base;
  if (!branch || branch === base || branch === target || branch.startsWith("integration/"))
    throw new ValidationError(`submit a work branch, not ${branch || "a detached HEAD"}`);
  const sha = (await git(opts.cwd, ["rev-parse", `refs/heads/${branch}^{commit}`])).trim();
  await runCommand("git", ["checkout", "--quiet", branch], { cwd: opts.cwd });
  await pushBranch(opts.cwd, branch, sha);
  const ledger = openRigLedger(town, rig);
  try {
    const issue = await ledger.getIssue(await ledger.resolveId(opts.issue).catch(() => opts.issue));
    if (!issue) throw new NotFoundError(opts.issue, `no bead ${opts.issue} in rig ${rig}`);
    const meta = (issue.metadata as Record<string, unknown> | undefined) ?? {};
    const filed = await createMergeRequest(
      ledger,
      {
        branch,
        target,
        source_issue: issue.id,
        rig,
        commit_sha: sha,
        worker: addressOf(id),
        ...(typeof meta.convoy === "string" ? { convoy: meta.convoy } : {}),
        retry_count: 0,
      },
      opts.priority ?? issue.priority,
      addressOf(id),
    );
    if (issue.status === "open") await ledger.updateIssue(issue.id, { status: "in_progress" }, addressOf(id));
    return filed;
  } finally {
    await ledger.close();
  }
}
