// `gt done`: a polecat hands its finished work over (spec §2.5). The order matters for not
// losing work: save what is uncommitted, push the branch and check that the push really
// landed, and only then file the merge request and let go of the hook. A failure at any
// step before the merge request leaves the bead on the hook, so a new session picks it up.
import { existsSync, realpathSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { clearStaleGitLocks, git, gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { escalate, listEscalations } from "../comms/escalation.ts";
import { sendMail } from "../comms/mail.ts";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { testPause } from "../test-pause.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  callerIdentity,
  identityFromEnv,
  workDirOf,
} from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { findHookedWork, HOOKED } from "./hook.ts";
import { createMergeRequest } from "./merge-requests.ts";
import {
  assertOwnedWorktree,
  isOwnPolecatBranch,
  isRuntimePath,
  polecatGitEnv,
  polecatId,
  withSandbox,
} from "./polecats.ts";

export const DONE_STATUSES = ["COMPLETED", "ESCALATED", "DEFERRED"] as const;
export type DoneStatus = (typeof DONE_STATUSES)[number];

export interface DoneOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  status?: DoneStatus;
  /** The bead being finished (default: what is on the hook, else the branch name's). */
  issue?: string;
  /** Branch to merge into (default: the bead's base_branch, else the rig's default). */
  target?: string;
  /** Who the ledger changes are recorded under (default: the polecat's address). */
  actor?: string;
  /** Why (ESCALATED: what help is needed; default: the bead's latest comment). */
  message?: string;
  /** The merge request's priority (0-4; default: the bead's). */
  priority?: number;
  /** The agent ran the gates on origin/<target> itself: the merge request says so (and on which base). */
  preVerified?: boolean;
  /** What the agent saw of its sandbox (clean, uncommitted, unpushed, stash, unknown) for the agent bead. */
  cleanupStatus?: string;
  /** Finish the steps an interrupted gt done left (the checkpoints on the agent bead say which). */
  resume?: boolean;
}

export interface DoneResult {
  status: DoneStatus;
  rig: string;
  polecat: string;
  issue: string;
  branch: string | null;
  commit_sha: string | null;
  merge_request: string | null;
  /** ESCALATED: the escalation filed for a person (gt escalate list), reused on a retry. */
  escalation: string | null;
  /** The merge request already existed (gt done ran twice for the same commit). */
  already_submitted: boolean;
  auto_committed: boolean;
  pushed: boolean;
  /** The bead is no_merge/review_only: no merge request is filed for it. */
  no_merge: boolean;
  /** The bead was closed here (a no_merge bead with nothing to merge). */
  closed: boolean;
  /** COMPLETED: the molecule attached to the bead, closed here with its steps, or null. */
  molecule_closed: string | null;
  /** An interrupted gt done was finished (its done steps were not repeated). */
  resumed: boolean;
  /** The merge request is marked pre-verified. */
  pre_verified: boolean;
  /** Recorded on the agent bead (given with --cleanup-status, else observed); null: left as it was. */
  cleanup_status: string | null;
}

function polecatOf(town: Town, opts: DoneOptions): AgentIdentity {
  // The working directory may be gone (reset, removed); the session's env still says who we are.
  const id = existsSync(opts.cwd) ? callerIdentity(town.root, opts.env, opts.cwd) : identityFromEnv(opts.env);
  if (id?.role !== "polecat" || !id.rig || !id.name)
    throw new ConflictError(
      "not_polecat",
      `gt done is for polecats (you are ${id ? addressOf(id) : "not an agent"}); crew and others close beads with bd close`,
    );
  return id;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * The polecat's worktree, checked before anything is touched: the worktree the command runs
 * in (or GT_POLECAT_PATH when the working directory is gone) must be this polecat's own
 * worktree of the rig's shared repo. Running from outside any checkout of the town is fine
 * (the identity says which worktree); running from another checkout is refused.
 */
async function locateWorktree(town: Town, rig: string, name: string, opts: DoneOptions): Promise<string> {
  const own = realOrResolved(workDirOf(town.root, polecatId(rig, name)));
  let claimed: string | undefined;
  if (existsSync(opts.cwd)) {
    const r = await runCommand("git", ["rev-parse", "--show-toplevel"], { cwd: opts.cwd });
    const top = r.exitCode === 0 ? realOrResolved(r.stdout.trim()) : undefined;
    const root = realOrResolved(town.root);
    if (top && top !== root && isInside(root, top)) claimed = top;
  } else if (opts.env.GT_POLECAT_PATH) {
    claimed = realOrResolved(opts.env.GT_POLECAT_PATH);
  }
  if (claimed && claimed !== own)
    throw new ConflictError(
      "wrong_worktree",
      `gt done acts on ${rig}/${name}'s own worktree (${own}), not ${claimed}; run it from there`,
    );
  return assertOwnedWorktree(town, rig, name);
}

/** A flag stored on a bead: true, or "true" as text. */
function flag(value: unknown): boolean {
  return value === true || value === "true";
}

function branchIssue(branch: string | null, name: string): string | undefined {
  const m = branch ? new RegExp(`^polecat/${name}/(.+)@[0-9a-z]+$`).exec(branch) : null;
  return m?.[1];
}

async function findIssue(
  ledger: Ledger,
  address: string,
  wanted: string | undefined,
  branch: string | null,
  name: string,
): Promise<Issue> {
  if (wanted) {
    const issue = await ledger.getIssue(await ledger.resolveId(wanted).catch(() => wanted));
    if (!issue) throw new NotFoundError(wanted, `no bead ${wanted} in this rig`);
    return issue;
  }
  const hooked = await findHookedWork([ledger], address);
  if (hooked[0]) return hooked[0];
  const fromBranch = branchIssue(branch, name);
  if (fromBranch) {
    const issue = await ledger.getIssue(fromBranch);
    if (issue) return issue;
  }
  throw new NotFoundError(address, `nothing on ${address}'s hook; name the bead with --issue`);
}

async function currentBranch(dir: string): Promise<string | null> {
  const r = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: dir });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

/**
 * Commits what the agent left uncommitted ("auto-save"), except Gas Town's own files and
 * deletions of tracked files (a deletion might be an accident; it stays for a person to see).
 */
async function autoSave(
  workDir: string,
  env: NodeJS.ProcessEnv,
  address: string,
  issue: string,
): Promise<boolean> {
  const list = async (args: string[]) =>
    (await git(workDir, ["ls-files", "-z", ...args])).split("\0").filter((p) => p && !isRuntimePath(p));
  const deleted = new Set(await list(["--deleted"]));
  const changed = [
    ...(await list(["--modified"])),
    ...(await list(["--others", "--exclude-standard"])),
  ].filter((p) => !deleted.has(p));
  if (changed.length === 0) return false;
  await git(workDir, ["add", "--", ...new Set(changed)]);
  const r = await runCommand(
    "git",
    ["commit", "--quiet", "--no-verify", "-m", `auto-save: work on ${issue} left uncommitted by ${address}`],
    {
      cwd: workDir,
      env: polecatGitEnv(env, address),
    },
  );
  if (r.exitCode !== 0)
    throw new GasTownError("commit_failed", `auto-save commit failed: ${lastLine(r.stderr || r.stdout)}`);
  return true;
}

function lastLine(text: string): string {
  return (text.trim().split("\n").filter(Boolean).pop() ?? "").replace(/^(fatal|error): /, "");
}

/**
 * A polecat pushes only its own `polecat/<name>/…` branches: never the default branch, a
 * merge target or an integration branch. Those move only through the refinery's gates; a
 * polecat that pushed one would skip them, and the refinery, seeing the work "already in",
 * would tidy the branch away as if it were the MR's.
 */
function assertPushable(branch: string, name: string, target: string): void {
  if (branch === target || !isOwnPolecatBranch(branch, name))
    throw new ConflictError(
      "protected_branch",
      `gt done pushes only your own polecat/${name}/… branch, not ${branch}${branch === target ? " (the merge target)" : ""}; your commits stay here: move them with \`git checkout -b polecat/${name}/<bead>\` and run gt done again`,
    );
}

/** Pushes HEAD as `branch` to origin and checks the remote really has that commit. */
export async function pushBranch(workDir: string, branch: string, sha: string): Promise<void> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
  const push = await runCommand("git", ["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`], {
    cwd: workDir,
    env,
  });
  if (push.exitCode !== 0)
    throw new GasTownError(
      "push_failed",
      `push of ${branch} failed (${lastLine(push.stderr)}); your work is committed locally and the bead stays on your hook`,
    );
  const check = await runCommand("git", ["ls-remote", "origin", `refs/heads/${branch}`], {
    cwd: workDir,
    env,
  });
  const remoteSha = check.stdout.trim().split(/\s+/)[0];
  if (check.exitCode !== 0 || remoteSha !== sha)
    throw new GasTownError(
      "push_unverified",
      `origin does not show ${branch} at ${sha.slice(0, 8)} after the push; the bead stays on your hook`,
    );
}

/** Files (or, on a retry, finds) the escalation for a bead a polecat cannot finish. */
async function escalateStuckWork(
  town: Town,
  issue: Issue,
  address: string,
  actor: string,
  why: string,
): Promise<string> {
  const open = (await listEscalations(town)).find(
    (e) => e.related === issue.id && e.source === address && e.status !== "closed",
  );
  if (open) return open.id;
  const e = await escalate(town, {
    summary: `${address} needs help with ${issue.id}: ${issue.title}`,
    severity: "medium",
    reason: [
      why || "The polecat gave up without saying why.",
      "",
      `Bead ${issue.id} is blocked (label gt:escalated); the polecat's branch and sandbox are kept.`,
      `Fix what it needs (e.g. bd update ${issue.id} -d ...), then gt sling ${issue.id} again.`,
    ].join("\n"),
    related: issue.id,
    source: address,
    actor,
  });
  return e.id;
}

export async function runDone(town: Town, opts: DoneOptions): Promise<DoneResult> {
  const id = polecatOf(town, opts);
  const rig = id.rig!;
  const name = id.name!;
  const actor = opts.actor ?? addressOf(id);
  const workDir = await locateWorktree(town, rig, name, opts);
  // The hook is released before the sandbox is tidied: a sling reusing this polecat waits.
  return withSandbox(town, rig, name, () =>
    withDoneIntent(town, id, actor, () => finishWork(town, opts, id, workDir, actor)),
  );
}

/**
 * Marks gt done as under way on the agent bead (`done_intent`, its start time) for the whole
 * run, cleared however it ends. A mark left behind means the process died or hangs inside
 * gt done: the witness patrol's stuck-in-done and done-intent-dead.
 */
async function withDoneIntent<T>(
  town: Town,
  id: AgentIdentity,
  actor: string,
  fn: () => Promise<T>,
): Promise<T> {
  const mark = async (value: string | null) => {
    const ledger = openRigLedger(town, id.rig!);
    try {
      await recordAgentFacts(
        ledger,
        agentBeadIdOf(id, town.prefixOf(id.rig!)),
        { done_intent: value },
        actor,
      );
    } finally {
      await ledger.close();
    }
  };
  await mark(new Date().toISOString());
  try {
    return await fn();
  } finally {
    await mark(null).catch(() => undefined);
  }
}

/**
 * The work is handed in: the molecule it followed is finished too (its steps, the one that ran
 * gt done among them, and its root), or it would sit open forever once the refinery closes the
 * bead. Escalated and deferred work keeps its molecule for whoever resumes it.
 */
async function finishAttachedMolecule(ledger: Ledger, issue: Issue, actor: string): Promise<string | null> {
  if (!issue.description?.includes("attached_molecule")) return null;
  const { readAttachment } = await import("./attach.ts");
  const molecule = readAttachment(issue.description)?.attached_molecule;
  if (!molecule) return null;
  const { finishMolecule } = await import("../formulas/molecule.ts");
  const r = await finishMolecule(ledger, molecule, "done", actor);
  return r.root_closed || r.steps_closed > 0 ? molecule : null;
}

async function finishWork(
  town: Town,
  opts: DoneOptions,
  id: AgentIdentity,
  workDir: string,
  actor: string,
): Promise<DoneResult> {
  const status = opts.status ?? "COMPLETED";
  const rig = id.rig!;
  const name = id.name!;
  const address = addressOf(id);
  const prefix = town.prefixOf(rig);
  await clearStaleGitLocks(workDir);
  const ledger = openRigLedger(town, rig);
  try {
    const agentBeadId = agentBeadIdOf(id, prefix);
    const facts =
      ((await ledger.getIssue(agentBeadId))?.metadata as Record<string, unknown> | undefined) ?? {};
    // A message from an earlier session of this polecat must change nothing (spec: generations).
    if (opts.env.GT_RUN && typeof facts.run_id === "string" && facts.run_id !== opts.env.GT_RUN)
      throw new ConflictError(
        "stale_session",
        `stale session: ${address} was restarted since this one began (run ${opts.env.GT_RUN.slice(0, 8)}); nothing changed`,
      );
    const branch = await currentBranch(workDir);
    const issue = await findIssue(ledger, address, opts.issue, branch, name);
    const meta = (issue.metadata as Record<string, unknown> | undefined) ?? {};
    const noMerge = flag(meta.no_merge) || flag(meta.review_only);

    // Lazily loaded: done is a hot path (see done-steps.ts).
    const steps = await import("./done-steps.ts");
    const checkpoint = steps.readCheckpoint(facts, issue.id);
    const resuming = opts.resume === true || checkpoint !== undefined;
    // Done already: the same work submitted before (a retry of a finished gt done). An
    // interrupted one (--resume, or checkpoints left) still gets the steps it never reached.
    if (
      issue.status !== HOOKED &&
      issue.assignee === address &&
      typeof meta.merge_request === "string" &&
      status === "COMPLETED"
    ) {
      const submitted: DoneResult = {
        status,
        rig,
        polecat: name,
        issue: issue.id,
        branch: (meta.branch as string | undefined) ?? branch,
        commit_sha: (meta.commit_sha as string | undefined) ?? null,
        merge_request: meta.merge_request,
        escalation: null,
        already_submitted: true,
        auto_committed: false,
        pushed: false,
        no_merge: noMerge,
        closed: false,
        molecule_closed: null,
        resumed: resuming,
        pre_verified: false,
        cleanup_status: null,
      };
      if (!resuming) return submitted;
      await steps.handOver(town, ledger, opts, id, workDir, actor, issue, submitted, checkpoint);
      return submitted;
    }
    if (issue.status !== HOOKED || issue.assignee !== address)
      throw new ConflictError(
        "not_hooked",
        `${issue.id} is not on your hook (status ${issue.status}${issue.assignee ? `, held by ${issue.assignee}` : ""})`,
      );

    // Every exit path saves first: uncommitted work must not die with the sandbox.
    const autoCommitted = await autoSave(workDir, opts.env, address, issue.id);
    const result: DoneResult = {
      status,
      rig,
      polecat: name,
      issue: issue.id,
      branch,
      commit_sha: null,
      merge_request: null,
      escalation: null,
      already_submitted: false,
      auto_committed: autoCommitted,
      pushed: false,
      no_merge: noMerge,
      closed: false,
      molecule_closed: null,
      resumed: resuming,
      pre_verified: false,
      cleanup_status: null,
    };

    if (status === "COMPLETED") {
      // --target, else the bead's base_branch, else its epic's integration branch, else the default.
      const target =
        opts.target ??
        (typeof meta.base_branch === "string" ? meta.base_branch : undefined) ??
        (await steps.integrationTarget(ledger, issue.id, town.rigDir(rig), workDir)) ??
        town.rigConfig(rig).default_branch;
      await runCommand("git", ["fetch", "--quiet", "origin", target], {
        cwd: workDir,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      });
      if (!(await gitOk(workDir, ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${target}`])))
        throw new ValidationError(`origin has no branch ${target} to merge into; check --target`);
      const ahead = Number((await git(workDir, ["rev-list", "--count", `origin/${target}..HEAD`])).trim());
      if (ahead === 0 && !noMerge)
        throw new ConflictError(
          "no_commits",
          `nothing to submit: ${branch ?? "HEAD"} has no commits beyond origin/${target}; commit your work, or use --status ESCALATED or DEFERRED`,
        );
      if (ahead === 0) {
        // A no_merge bead (research, review, report) with no code: nothing to merge, so it is
        // finished here; no refinery will ever close it.
        await ledger.closeIssue(
          issue.id,
          { reason: "completed with no code changes (no_merge: nothing to merge)", force: true },
          actor,
        );
        result.closed = true;
      } else {
        if (!branch) throw new ConflictError("detached", `${workDir} is not on a branch; nothing to submit`);
        assertPushable(branch, name, target);
        const sha = (await git(workDir, ["rev-parse", "HEAD"])).trim();
        await pushBranch(workDir, branch, sha);
        testPause("done:pushed");
        result.pushed = true;
        result.commit_sha = sha;
        await steps.writeCheckpoint(ledger, agentBeadId, { issue: issue.id, branch, pushed: sha }, actor);
        if (noMerge) {
          // Kept out of the merge queue: the branch waits on origin for a person to review.
          await ledger.updateIssue(
            issue.id,
            { status: "in_progress", set_metadata: { branch, commit_sha: sha, ready_for_review: true } },
            actor,
          );
          if (typeof meta.dispatcher === "string")
            await sendMail(town, {
              from: address,
              to: meta.dispatcher,
              subject: `READY_FOR_REVIEW: ${issue.id}`,
              body: `Branch: ${branch}\nCommit: ${sha}\nIssue: ${issue.id}\nReady for review (no_merge: not queued for the refinery).`,
            }).catch(() => undefined);
        } else {
          const filed = await createMergeRequest(
            ledger,
            {
              branch,
              target,
              source_issue: issue.id,
              rig,
              commit_sha: sha,
              worker: address,
              agent_bead: agentBeadId,
              ...(typeof meta.convoy === "string" ? { convoy: meta.convoy } : {}),
              retry_count: 0,
            },
            opts.priority ?? issue.priority,
            actor,
          );
          result.merge_request = filed.mr.id;
          result.already_submitted = !filed.created;
          if (opts.preVerified) {
            await steps.markPreVerified(
              ledger,
              filed.mr.id,
              await steps.preVerifiedFields(workDir, target),
              actor,
            );
            result.pre_verified = true;
          }
          const at = { issue: issue.id, branch, pushed: sha, merge_request: filed.mr.id };
          await steps.writeCheckpoint(ledger, agentBeadId, at, actor);
          testPause("done:mr-filed");
          // The bead waits for the refinery (which closes it on merge); it is off the hook.
          await ledger.updateIssue(
            issue.id,
            { status: "in_progress", set_metadata: { merge_request: filed.mr.id, branch, commit_sha: sha } },
            actor,
          );
        }
      }
      result.molecule_closed = await finishAttachedMolecule(ledger, issue, actor);
    } else if (status === "ESCALATED") {
      await ledger.updateIssue(issue.id, { status: "blocked", add_labels: ["gt:escalated"] }, actor);
      // The witness hears of it too, but a person must see it: gt escalate list, the mayor's
      // inbox (the default route), gt status.
      const why = opts.message?.trim() || (await ledger.comments(issue.id)).at(-1)?.text || "";
      result.escalation = await escalateStuckWork(town, issue, address, actor, why);
    } else {
      await ledger.updateIssue(issue.id, { status: "open", assignee: null }, actor);
    }

    await steps.handOver(town, ledger, opts, id, workDir, actor, issue, result, checkpoint);
    return result;
  } finally {
    await ledger.close();
  }
}
