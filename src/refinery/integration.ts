// gt mq integration create|status|land: an epic's integration branch. Created from the rig's
// default branch (or --base-branch) on origin and recorded on the epic; gt done sends the merge
// requests of the epic's beads to it, and the refinery lands them there like on any target.
// `land` then merges the whole branch into its base as one --no-ff merge, runs the rig's
// gates on the result and pushes it, under the refinery's lock (only the refinery moves a
// protected branch), closes the epic and deletes the branch. Each step can be run again: a
// land killed after its push finds the branch already in the base and only tidies up.
import { runCommand } from "../adapters/process.ts";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { openRigLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import {
  BASE_BRANCH_FIELD,
  buildIntegrationBranchName,
  descriptionField,
  INTEGRATION_FIELD,
  integrationSettings,
  recordedIntegrationBranch,
  validateBranchName,
  withDescriptionField,
} from "../work/integration-branch.ts";
import { listMergeRequests, type MergeRequest } from "../work/merge-requests.ts";
import { emptyReport, withRefinery } from "./engine.ts";
import { describeFailure, runGates } from "./gates.ts";
import { gitReasonLine } from "./landing.ts";

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: "0" };

async function gitIn(dir: string, args: string[], env: NodeJS.ProcessEnv = GIT_ENV) {
  return runCommand("git", args, { cwd: dir, env });
}

async function revParse(dir: string, ref: string): Promise<string | undefined> {
  const r = await gitIn(dir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

function bareOf(town: Town, rig: string): string {
  return `${town.rigDir(rig)}/.repo.git`;
}

async function fetchOrigin(bare: string): Promise<void> {
  const r = await gitIn(bare, ["fetch", "--quiet", "--prune", "origin"]);
  if (r.exitCode !== 0)
    throw new GasTownError("fetch_failed", `cannot fetch from origin: ${gitReasonLine(r.stderr)}`);
}

async function loadEpic(ledger: Ledger, id: string): Promise<Issue> {
  const resolved = await ledger.resolveId(id).catch(() => id);
  const epic = await ledger.getIssue(resolved);
  if (!epic) throw new NotFoundError(id, `epic '${id}' not found`);
  if (epic.issue_type !== "epic")
    throw new ValidationError(`'${epic.id}' is a ${epic.issue_type}, not an epic`);
  return epic;
}

async function withLedger<T>(town: Town, rig: string, fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openRigLedger(town, rig);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

async function gitUserName(dir: string): Promise<string | undefined> {
  const r = await gitIn(dir, ["config", "user.name"]);
  return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

/** The epic's branch (recorded, else the template's name) and the branch it lands on. */
function branchesOf(town: Town, rig: string, epic: Issue): { branch: string; base: string } {
  const branch =
    recordedIntegrationBranch(epic) ??
    buildIntegrationBranchName(integrationSettings(town.rigDir(rig)).template, epic);
  const base = descriptionField(epic.description, BASE_BRANCH_FIELD) ?? town.rigConfig(rig).default_branch;
  return { branch, base };
}

export interface CreateIntegrationOptions {
  rig: string;
  epic: string;
  actor: string;
  /** A template (or a plain name) instead of the rig's merge_queue.integration_branch_template. */
  branch?: string;
  /** Start from this branch instead of the rig's default branch. */
  baseBranch?: string;
  /** Make a new branch though the epic already recorded one. */
  force?: boolean;
}

export interface CreatedIntegration {
  epic: string;
  branch: string;
  base_branch: string;
  commit: string;
  /** The template's name was taken: the epic's ID suffix was added. */
  renamed_from: string | null;
  /** Outside integration/…: the refinery's branch clean-up does not know it as one. */
  outside_namespace: boolean;
}

/** Creates the epic's integration branch on origin and records it on the epic. */
export async function createIntegrationBranch(
  town: Town,
  opts: CreateIntegrationOptions,
): Promise<CreatedIntegration> {
  town.rig(opts.rig);
  const bare = bareOf(town, opts.rig);
  return withLedger(town, opts.rig, async (ledger) => {
    const epic = await loadEpic(ledger, opts.epic);
    const existing = recordedIntegrationBranch(epic);
    if (existing && !opts.force)
      throw new ConflictError(
        "exists",
        `epic '${epic.id}' already has integration branch '${existing}' (use --force to make a new one)`,
      );
    const template = opts.branch ?? integrationSettings(town.rigDir(opts.rig)).template;
    const wanted = buildIntegrationBranchName(template, epic, await gitUserName(bare));
    validateBranchName(wanted);
    const base = (opts.baseBranch ?? town.rigConfig(opts.rig).default_branch).replace(/^origin\//, "");
    await fetchOrigin(bare);
    const baseSha = await revParse(bare, `refs/remotes/origin/${base}`);
    if (!baseSha) throw new ValidationError(`origin has no branch ${base} to start from`);

    const taken = async (name: string) =>
      (await revParse(bare, `refs/heads/${name}`)) !== undefined ||
      (await revParse(bare, `refs/remotes/origin/${name}`)) !== undefined;
    let branch = wanted;
    if (await taken(branch)) {
      const suffix = epic.id.slice(epic.id.lastIndexOf("-") + 1) || epic.id;
      branch = `${wanted}-${suffix}`;
      validateBranchName(branch);
      if (await taken(branch))
        throw new ConflictError(
          "exists",
          `branches '${wanted}' and '${branch}' both exist; name one with --branch`,
        );
    }
    // Never over anything: the push creates the branch or fails.
    const push = await gitIn(bare, [
      "push",
      "--quiet",
      "origin",
      `--force-with-lease=refs/heads/${branch}:`,
      `${baseSha}:refs/heads/${branch}`,
    ]);
    if (push.exitCode !== 0)
      throw new GasTownError(
        "push_failed",
        `cannot create ${branch} on origin: ${gitReasonLine(push.stderr)}`,
      );
    await gitIn(bare, ["update-ref", `refs/remotes/origin/${branch}`, baseSha]);

    let description = withDescriptionField(epic.description, INTEGRATION_FIELD, branch);
    description = withDescriptionField(description, BASE_BRANCH_FIELD, base);
    await ledger.updateIssue(
      epic.id,
      {
        description,
        set_metadata: {
          [INTEGRATION_FIELD]: branch,
          [BASE_BRANCH_FIELD]: base,
          integration_created_at: new Date().toISOString(),
        },
      },
      opts.actor,
    );
    logEvent(town.root, "integration_created", opts.actor, { rig: opts.rig, epic: epic.id, branch, base });
    return {
      epic: epic.id,
      branch,
      base_branch: base,
      commit: baseSha,
      renamed_from: branch === wanted ? null : wanted,
      outside_namespace: !branch.startsWith("integration/"),
    };
  });
}

export interface IntegrationMrSummary {
  id: string;
  title: string;
  status?: string;
}

/** gt mq integration status --json: Gas Town's fields. */
export interface IntegrationStatus {
  epic: string;
  branch: string;
  base_branch: string;
  created?: string;
  ahead_of_base: number;
  merged_mrs: IntegrationMrSummary[];
  pending_mrs: IntegrationMrSummary[];
  ready_to_land: boolean;
  auto_land_enabled: boolean;
  children_total: number;
  children_closed: number;
}

const titleOf = (mr: MergeRequest, issue: Issue | undefined) =>
  (issue?.title ?? `Merge: ${mr.source_issue}`).replace(/^Merge: /, "");

/** The merge requests naming `branch` as their target, closed ones too. */
async function mrsTargeting(ledger: Ledger, branch: string): Promise<MergeRequest[]> {
  return (await listMergeRequests(ledger, { all: true })).filter((m) => m.target === branch);
}

async function childrenCount(ledger: Ledger, epic: string): Promise<{ total: number; open: Issue[] }> {
  const kids = await ledger.children(epic);
  return { total: kids.length, open: kids.filter((k) => k.status !== "closed") };
}

export async function integrationStatus(town: Town, rig: string, epicId: string): Promise<IntegrationStatus> {
  town.rig(rig);
  const bare = bareOf(town, rig);
  await fetchOrigin(bare).catch(() => undefined); // local refs will do when origin is away
  return withLedger(town, rig, async (ledger) => {
    const epic = await loadEpic(ledger, epicId);
    const { branch, base } = branchesOf(town, rig, epic);
    const ref =
      (await revParse(bare, `refs/remotes/origin/${branch}`)) ??
      (await revParse(bare, `refs/heads/${branch}`));
    if (!ref) throw new NotFoundError(branch, `integration branch '${branch}' does not exist`);
    const count = await gitIn(bare, ["rev-list", "--count", `refs/remotes/origin/${base}..${ref}`]);
    const ahead = count.exitCode === 0 ? Number(count.stdout.trim()) || 0 : 0;
    const merged: IntegrationMrSummary[] = [];
    const pending: IntegrationMrSummary[] = [];
    for (const mr of await mrsTargeting(ledger, branch)) {
      const issue = await ledger.getIssue(mr.id);
      if (mr.status !== "closed") pending.push({ id: mr.id, title: titleOf(mr, issue), status: mr.status });
      else if (issue?.close_reason === "merged") merged.push({ id: mr.id, title: titleOf(mr, issue) });
    }
    const kids = await childrenCount(ledger, epic.id);
    const created = (epic.metadata as Record<string, unknown> | undefined)?.integration_created_at;
    const closed = kids.total - kids.open.length;
    return {
      epic: epic.id,
      branch,
      base_branch: base,
      ...(typeof created === "string" ? { created } : {}),
      ahead_of_base: ahead,
      merged_mrs: merged,
      pending_mrs: pending,
      ready_to_land: ahead > 0 && kids.total > 0 && closed === kids.total && pending.length === 0,
      auto_land_enabled: integrationSettings(town.rigDir(rig)).auto_land,
      children_total: kids.total,
      children_closed: closed,
    };
  });
}

export interface LandIntegrationOptions {
  rig: string;
  epic: string;
  actor: string;
  /** Land though merge requests or children are still open. */
  force?: boolean;
  /** Do not run the rig's gates on the merge. */
  skipTests?: boolean;
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface LandedIntegration {
  epic: string;
  branch: string;
  target: string;
  dry_run: boolean;
  /** The --no-ff merge commit now on the target (null: a dry run, or landed by an earlier run). */
  merge_commit: string | null;
  already_merged: boolean;
  gates: "passed" | "skipped" | "none";
  open_mrs: string[];
  open_children: string[];
  epic_closed: boolean;
  branch_deleted: boolean;
  /** Clean-up steps that failed after the landing (the branch is left for a rerun). */
  warnings: string[];
}

/** Merges the epic's integration branch into its base as one commit, then tidies up. */
export async function landIntegrationBranch(
  town: Town,
  opts: LandIntegrationOptions,
): Promise<LandedIntegration> {
  town.rig(opts.rig);
  const log = opts.log ?? (() => undefined);
  return withRefinery(town, opts.rig, opts.actor, emptyReport(opts.rig), undefined, async (c) => {
    const epic = await loadEpic(c.ledger, opts.epic);
    const { branch, base: target } = branchesOf(town, opts.rig, epic);
    await fetchOrigin(c.bare);
    const tip = await revParse(c.bare, `refs/remotes/origin/${branch}`);
    if (!tip) {
      const local = await revParse(c.bare, `refs/heads/${branch}`);
      throw new NotFoundError(
        branch,
        local
          ? `integration branch '${branch}' exists locally but not on origin; push it first`
          : `integration branch '${branch}' does not exist (locally or on origin)`,
      );
    }
    const targetSha = await revParse(c.bare, `refs/remotes/origin/${target}`);
    if (!targetSha) throw new ValidationError(`origin has no branch ${target} to land on`);

    const openMrs = (await mrsTargeting(c.ledger, branch))
      .filter((m) => m.status !== "closed")
      .map((m) => m.id);
    const kids = await childrenCount(c.ledger, epic.id);
    const result: LandedIntegration = {
      epic: epic.id,
      branch,
      target,
      dry_run: opts.dryRun === true,
      merge_commit: null,
      already_merged: false,
      gates: "none",
      open_mrs: openMrs,
      open_children: kids.open.map((k) => k.id),
      epic_closed: epic.status === "closed",
      branch_deleted: false,
      warnings: [],
    };
    if (!opts.force && openMrs.length > 0)
      throw new ConflictError(
        "open_mrs",
        `cannot land: ${openMrs.length} open merge request(s) target ${branch} (${openMrs.join(", ")}); use --force to land anyway`,
      );
    if (!opts.force && kids.open.length > 0)
      throw new ConflictError(
        "open_children",
        `cannot land: ${kids.open.length} child(ren) of ${epic.id} still open (${result.open_children.join(", ")}); use --force to land anyway`,
      );
    if (opts.dryRun) return result;

    // A land that died after its push: the branch is in the target already; only tidy up.
    const inTarget = (await gitIn(c.bare, ["merge-base", "--is-ancestor", tip, targetSha])).exitCode === 0;
    if (inTarget) {
      result.already_merged = true;
      log(`✓ ${branch} is already in ${target}: finishing the clean-up`);
    } else {
      await gitIn(c.worktree, ["checkout", "--quiet", "--force", "--detach", targetSha]);
      await gitIn(c.worktree, ["clean", "--quiet", "-fd"]);
      log(`Merging ${branch} into ${target}...`);
      const merge = await gitIn(
        c.worktree,
        ["merge", "--no-ff", "--quiet", "-m", `Merge ${branch}: ${epic.title}\n\nEpic: ${epic.id}`, tip],
        c.env,
      );
      if (merge.exitCode !== 0) {
        await gitIn(c.worktree, ["merge", "--abort"]);
        throw new ConflictError(
          "merge_conflict",
          `merge of ${branch} into ${target} failed: ${gitReasonLine(merge.stderr || merge.stdout)}; nothing was pushed`,
        );
      }
      const merged = (await revParse(c.worktree, "HEAD"))!;
      const diff = await gitIn(c.worktree, ["diff", "--stat", `${targetSha}..${merged}`]);
      if (diff.exitCode === 0 && diff.stdout.trim() === "")
        throw new ConflictError(
          "empty_merge",
          `merging ${branch} changes no file of ${target}; nothing was pushed and the branch is kept (compare: git diff ${target}...origin/${branch})`,
        );
      if (opts.skipTests) result.gates = "skipped";
      else {
        const g = await runGates(c.worktree, c.cfg, c.env);
        if (!g.ok)
          throw new GasTownError(
            "gates_failed",
            `gates failed on the merge of ${branch}: ${describeFailure(g.failure!)}; nothing was pushed`,
          );
        result.gates = g.commands > 0 ? "passed" : "none";
        if (g.commands > 0) log("✓ Gates passed");
      }
      // Not forced: if the target moved meanwhile, the push is refused and nothing lands.
      const push = await gitIn(
        c.bare,
        ["push", "--quiet", "origin", `${merged}:refs/heads/${target}`],
        c.env,
      );
      if (push.exitCode !== 0)
        throw new GasTownError(
          "push_failed",
          `cannot push ${target} to origin: ${gitReasonLine(push.stderr)}`,
        );
      await gitIn(c.bare, ["update-ref", `refs/remotes/origin/${target}`, merged]);
      result.merge_commit = merged;
      log(`✓ Pushed ${target} at ${merged.slice(0, 8)}`);
    }

    // The epic closes before the branch goes: a crash in between leaves a rerunnable state.
    if (epic.status !== "closed") {
      await c.ledger.closeIssue(
        epic.id,
        { reason: `integration branch ${branch} landed on ${target}`, force: true },
        opts.actor,
      );
      result.epic_closed = true;
    }
    const del = await gitIn(c.bare, [
      "push",
      "--quiet",
      "origin",
      `--force-with-lease=refs/heads/${branch}:${tip}`,
      `:refs/heads/${branch}`,
    ]);
    if (del.exitCode !== 0)
      result.warnings.push(`could not delete ${branch} on origin: ${gitReasonLine(del.stderr)}`);
    else result.branch_deleted = true;
    await gitIn(c.bare, ["update-ref", "-d", `refs/remotes/origin/${branch}`]);
    await gitIn(c.bare, ["branch", "--quiet", "-D", branch]);
    logEvent(town.root, "integration_landed", opts.actor, {
      rig: opts.rig,
      epic: epic.id,
      branch,
      target,
      ...(result.merge_commit ? { commit: result.merge_commit } : {}),
    });
    return result;
  });
}
