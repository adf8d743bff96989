// The optional parts of gt done, loaded only by the runs that need them (done is a hot path):
// the cleanup status an agent reports (or gt done observes) for the agent bead, pre-verified
// merge requests, the integration branch a bead's work targets, and the checkpoints that let
// an interrupted gt done be finished by `gt done --resume` without repeating a step.
import { existsSync } from "node:fs";
import { runCommand } from "../adapters/process.ts";
import { noticeToWitness } from "../comms/mail.ts";
import { ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { testPause } from "../test-pause.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { integrationSettings, integrationTargetOf } from "./integration-branch.ts";
import { dropRuntimeEdits, workLeftIn } from "./polecats.ts";

export const CLEANUP_STATUSES = ["clean", "uncommitted", "unpushed", "stash", "unknown"] as const;
export type CleanupStatus = (typeof CLEANUP_STATUSES)[number];

/** `--cleanup-status`: Gas Town's words (has_uncommitted etc. too); anything else is refused. */
export function parseCleanupStatus(raw: string): CleanupStatus {
  const s = raw.trim().toLowerCase().replace(/^has_/, "");
  if ((CLEANUP_STATUSES as readonly string[]).includes(s)) return s as CleanupStatus;
  throw new ValidationError(`unknown cleanup status "${raw}" (use ${CLEANUP_STATUSES.join(", ")})`);
}

/** What the sandbox holds that no remote has, as one word (observed when the agent said nothing). */
export async function observeCleanupStatus(workDir: string): Promise<CleanupStatus> {
  try {
    if ((await workLeftIn(workDir)).length > 0) return "uncommitted";
    const stash = await runCommand("git", ["stash", "list"], { cwd: workDir });
    if (stash.exitCode === 0 && stash.stdout.trim()) return "stash";
    const ahead = await runCommand("git", ["log", "--oneline", "-1", "HEAD", "--not", "--remotes"], {
      cwd: workDir,
    });
    if (ahead.exitCode !== 0) return "unknown";
    return ahead.stdout.trim() ? "unpushed" : "clean";
  } catch {
    return "unknown";
  }
}

/** The fields a pre-verified merge request carries: the agent ran the gates on origin/<target> at this commit. */
export async function preVerifiedFields(
  workDir: string,
  target: string,
): Promise<Record<string, string | boolean>> {
  const base = await runCommand(
    "git",
    ["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${target}`],
    {
      cwd: workDir,
    },
  );
  return {
    pre_verified: true,
    pre_verified_at: new Date().toISOString(),
    ...(base.exitCode === 0 ? { pre_verified_base: base.stdout.trim() } : {}),
  };
}

/** Records the pre-verification on the merge request, as metadata and as description lines. */
export async function markPreVerified(
  ledger: Ledger,
  mrId: string,
  fields: Record<string, string | boolean>,
  actor: string,
): Promise<void> {
  const issue = await ledger.getIssue(mrId);
  const kept = (issue?.description ?? "")
    .split("\n")
    .filter((l) => !/^pre_verified(_at|_base)?:/.test(l.trim()));
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${v}`);
  await ledger.updateIssue(
    mrId,
    { description: [...kept.filter(Boolean), ...lines].join("\n"), set_metadata: fields },
    actor,
  );
}

/**
 * The integration branch the bead's work merges into (its nearest epic's, when origin still has
 * it and the rig lets the refinery use integration branches), else undefined.
 */
export async function integrationTarget(
  ledger: Ledger,
  issueId: string,
  rigDir: string,
  workDir: string,
): Promise<string | undefined> {
  if (!integrationSettings(rigDir).refinery_enabled) return undefined;
  const found = await integrationTargetOf(ledger, issueId);
  if (!found) return undefined;
  const r = await runCommand("git", ["ls-remote", "--heads", "origin", `refs/heads/${found.branch}`], {
    cwd: workDir,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return r.exitCode === 0 && r.stdout.trim() ? found.branch : undefined;
}

/** How far an interrupted gt done got, kept on the agent bead (`done_checkpoint`) until it finishes. */
export interface DoneCheckpoint {
  issue: string;
  branch: string | null;
  /** The commit origin was seen to hold. */
  pushed?: string;
  merge_request?: string;
  witness_notified?: boolean;
}

export function readCheckpoint(facts: Record<string, unknown>, issue: string): DoneCheckpoint | undefined {
  const cp = facts.done_checkpoint as DoneCheckpoint | null | undefined;
  // One left by an earlier assignment says nothing about this one.
  return cp && typeof cp === "object" && cp.issue === issue ? cp : undefined;
}

export async function writeCheckpoint(
  ledger: Ledger,
  agentBead: string,
  cp: DoneCheckpoint | null,
  actor: string,
): Promise<void> {
  await recordAgentFacts(ledger, agentBead, { done_checkpoint: cp }, actor);
}

/** Drops the polecat's local branch once every commit on it is on origin (the sandbox moved on). */
async function dropPushedBranch(workDir: string, branch: string): Promise<void> {
  const left = await runCommand("git", ["log", "--oneline", `refs/heads/${branch}`, "--not", "--remotes"], {
    cwd: workDir,
  });
  if (left.exitCode === 0 && left.stdout.trim() === "")
    await runCommand("git", ["branch", "--quiet", "-D", branch], { cwd: workDir });
}

/**
 * The end of every gt done that handed work over (or finishes one that was interrupted): the
 * agent bead says idle (and its cleanup status), the witness hears of it once, the event is
 * logged, the checkpoints go, and the sandbox is left clean at the default branch.
 */
/** What handOver reads of a gt done's result, and the cleanup status it fills in. */
export interface HandedOver {
  status: "COMPLETED" | "ESCALATED" | "DEFERRED";
  branch: string | null;
  merge_request: string | null;
  closed: boolean;
  resumed: boolean;
  cleanup_status: string | null;
}

export async function handOver(
  town: Town,
  ledger: Ledger,
  opts: { cleanupStatus?: string },
  id: AgentIdentity,
  workDir: string,
  actor: string,
  issue: Issue,
  result: HandedOver,
  checkpoint: { witness_notified?: boolean } | undefined,
): Promise<void> {
  const { status, branch } = result;
  const rig = id.rig!;
  const name = id.name!;
  const address = addressOf(id);
  const agentBeadId = agentBeadIdOf(id, town.prefixOf(rig));
  const given = opts.cleanupStatus ? parseCleanupStatus(opts.cleanupStatus) : undefined;
  const cleanup = given ?? (existsSync(workDir) ? await observeCleanupStatus(workDir) : "unknown");
  result.cleanup_status = cleanup === "unknown" ? null : cleanup;
  await recordAgentFacts(
    ledger,
    agentBeadId,
    {
      agent_state: "idle",
      hook_bead: null,
      exit_type: status,
      completion_time: new Date().toISOString(),
      ...(result.merge_request ? { merge_request: result.merge_request } : {}),
      ...(result.cleanup_status ? { cleanup_status: result.cleanup_status } : {}),
    },
    actor,
  );
  if (!checkpoint?.witness_notified) {
    const notice =
      status === "ESCALATED" ? `HELP: ${name} needs help with ${issue.id}` : `POLECAT_DONE ${name}`;
    await noticeToWitness(
      town,
      rig,
      address,
      notice,
      [
        `Exit: ${status}`,
        `Issue: ${issue.id}`,
        `MR: ${result.merge_request ?? "-"}`,
        `Branch: ${branch ?? "-"}`,
      ].join("\n"),
    );
    const cp = { issue: issue.id, branch, witness_notified: true };
    await writeCheckpoint(ledger, agentBeadId, cp, actor);
  }
  logEvent(town.root, "done", actor, {
    bead: issue.id,
    branch,
    status,
    ...(result.merge_request ? { mr: result.merge_request } : {}),
    ...(result.closed ? { closed: true } : {}),
    ...(result.resumed ? { resumed: true } : {}),
  });

  testPause("done:hook-released");
  // The sandbox is kept for the next assignment: once the work is on origin (or there was
  // none), leave it clean and detached at the default branch, and drop the local branch.
  // Escalated or deferred work stays checked out for whoever resumes it.
  if (status === "COMPLETED" && existsSync(workDir) && (await workLeftIn(workDir)).length === 0) {
    const base = town.rigConfig(rig).default_branch;
    await dropRuntimeEdits(workDir);
    const moved = await runCommand("git", ["checkout", "--quiet", "--detach", `origin/${base}`], {
      cwd: workDir,
    });
    if (moved.exitCode === 0 && branch) await dropPushedBranch(workDir, branch);
  }
  await writeCheckpoint(ledger, agentBeadId, null, actor);
}
