// `gt sling`: put beads on agents' hooks and get the agents going (spec §2.3). For a rig
// target each bead gets its own polecat: an idle one is reused, else a new name is taken
// from the rig's theme; the bead is hooked by a compare-and-swap inside the ledger's write
// transaction, so of two slings racing for one bead exactly one wins.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConflictError, GasTownError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { agentNameFor, lastStartedAgentOf, startAgentSession } from "../sessions/session.ts";
import { testPause } from "../test-pause.ts";
import { namedAccount } from "../town/accounts.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { activeEstop } from "../town/estop.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  displayName,
  parseAddress,
  sessionNameOf,
  workDirOf,
} from "../town/identity.ts";
import { openLedgerFor, openLedgerOfBead } from "../town/ledgers.ts";
import { assertRigTakesWork } from "../town/rig.ts";
import { crewNames, dogNames, polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import {
  attachForSling,
  checkAttachForSling,
  readAttachment,
  rollBackAttachment,
  type SlingAttachment,
} from "./attach.ts";
import { convoysTracking, createConvoy } from "./convoys.ts";
import {
  HOOKED,
  hookedElsewhere,
  type SlingStage,
  sandboxPending,
  slingInFlight,
  slingInterrupted,
  slingProgress,
  townKey,
} from "./hook.ts";
import {
  findIdlePolecat,
  isPolecatOfRig,
  polecatId,
  poolFacts,
  prepareSandbox,
  refreshSharedRepo,
  reservePolecatName,
  validatePolecatName,
  withPolecatPool,
} from "./polecats.ts";
import { LEAVE_QUEUE } from "./sling-queue.ts";

/** Where slung work goes: a rig (a polecat of its choosing) or one named agent. */
export type SlingTarget = { kind: "rig"; rig: string } | { kind: "agent"; id: AgentIdentity };

export interface SlingOptions {
  actor: string;
  /** The agent running the command, if any (polecats may not sling; "." means this one). */
  caller?: AgentIdentity;
  force?: boolean;
  /** Preset to run instead of the rig's agent. */
  agent?: string;
  /** Natural-language instructions stored on the bead. */
  args?: string;
  /** Extra text for the nudge. */
  message?: string;
  /** Slinging to a rig: take this crew member instead of a polecat. */
  crew?: string;
  dryRun?: boolean;
  /** Hook only; do not start or nudge sessions. */
  noStart?: boolean;
  /** Skip the auto-convoy ("Work: <title>") for beads no convoy tracks yet. */
  noConvoy?: boolean;
  /** Beads of the same sling that wait in the scheduler's queue: they join its auto-convoy. */
  convoyWith?: Issue[];
  /** `gt hook <bead>`: attaching to a hook, which a polecat may do for itself. */
  attachOnly?: boolean;
  readyTimeoutMs?: number;
  /** `gt sling <formula> --on <bead>`: attach this formula's molecule (else the rig's default). */
  formula?: string;
  /** Vars for the attached formula (feature and issue come from the bead). */
  vars?: Record<string, string>;
  /** The branch a polecat's work starts from and merges back into (kept on the bead as base_branch). */
  baseBranch?: string;
  /** Keep the work on its branch for review: no merge request (kept on the bead as no_merge). */
  noMerge?: boolean;
  /** `--account`: the session started for the work runs on this account (gt account). */
  account?: string;
}

export type SlingAction = "hooked" | "already-hooked" | "resumed" | "would-hook";

export interface SlingOutcome {
  bead: string;
  title: string;
  action: SlingAction;
  target: string;
  rig: string | null;
  polecat: string | null;
  session: string;
  branch: string | null;
  work_dir: string;
  /** What happened to the agent's session: started, nudged (already running), or nothing. */
  session_action: "started" | "restarted" | "nudged" | "none";
  /** Who had the bead before a forced re-sling. */
  previous_holder: string | null;
  /** The molecule (formula steps) attached to the bead, if any. */
  molecule: string | null;
  /** The formula that molecule comes from (in a dry run: the one that would be poured). */
  formula: string | null;
}

/** Parses a sling target as typed: rig, rig/name, rig/polecats/name, rig/crew/name, mayor, ".". */
export function resolveSlingTarget(town: Town, target: string | undefined, opts: SlingOptions): SlingTarget {
  if (target === undefined || target === "." || target === "") {
    if (!opts.caller)
      throw new ValidationError("no target: name a rig or agent, or run this inside an agent's workspace");
    return { kind: "agent", id: opts.caller };
  }
  if (!target.includes("/") && town.rigNames().includes(target)) {
    if (opts.crew) return { kind: "agent", id: { role: "crew", rig: target, name: opts.crew } };
    return { kind: "rig", rig: target };
  }
  if (target === "mayor" || target === "mayor/") return { kind: "agent", id: { role: "mayor" } };
  if (target.startsWith("deacon/dogs")) return dogTarget(town, target);
  const parts = target.replace(/\/$/, "").split("/");
  const rig = parts[0]!;
  if (!town.rigNames().includes(rig))
    throw new NotFoundError(target, `unknown sling target "${target}" (no rig ${rig})`);
  if (parts.length === 3 && parts[1] === "crew") {
    if (!crewNames(town, rig).includes(parts[2]!))
      throw new NotFoundError(target, `unknown crew member ${rig}/crew/${parts[2]}`);
    return { kind: "agent", id: { role: "crew", rig, name: parts[2]! } };
  }
  const name =
    parts.length === 2 ? parts[1]! : parts.length === 3 && parts[1] === "polecats" ? parts[2]! : undefined;
  if (!name) throw new ValidationError(`unknown sling target "${target}"`);
  // The short form names whoever has that name in the rig: a crew member is never shadowed
  // by a new polecat of the same name.
  if (parts.length === 2 && crewNames(town, rig).includes(name) && !polecatNames(town, rig).includes(name))
    return { kind: "agent", id: { role: "crew", rig, name } };
  validatePolecatName(name);
  return { kind: "agent", id: polecatId(rig, name) };
}

/** `deacon/dogs/<name>`: a dog of the kennel (a pool sling, `deacon/dogs`, picks one first: watch/dog-agents.ts). */
function dogTarget(town: Town, target: string): SlingTarget {
  const name = /^deacon\/dogs\/([^/]+)\/?$/.exec(target)?.[1];
  if (!name)
    throw new ValidationError(`"${target}": name a dog (deacon/dogs/<name>), or let gt sling pick one`);
  if (!dogNames(town).includes(name))
    throw new NotFoundError(target, `no dog ${name} in the kennel (gt dog add ${name})`);
  return { kind: "agent", id: { role: "dog", name } };
}

function isDeferred(issue: Issue): boolean {
  return issue.status === "deferred" || (!!issue.defer_until && Date.parse(issue.defer_until) > Date.now());
}

/** Guards that need no lock: the bead exists, is open for work and belongs with the target. */
export function checkSlingable(
  issue: Issue,
  target: SlingTarget,
  beadRig: string | undefined,
  opts: SlingOptions,
): void {
  if (issue.status === "closed" || issue.status === "tombstone")
    throw new ConflictError("closed", `${issue.id} is ${issue.status}; reopen it before slinging`);
  if (isDeferred(issue) && !opts.force)
    throw new ConflictError("deferred", `${issue.id} is deferred; use --force to sling it anyway`);
  const targetRig = target.kind === "rig" ? target.rig : target.id.rig;
  if (target.kind === "rig" || target.id.role === "polecat") {
    if (beadRig !== targetRig)
      throw new ValidationError(
        `${issue.id} belongs to ${beadRig ? `rig ${beadRig}` : "the town ledger"}, not rig ${targetRig}; sling it at its own rig`,
      );
  }
}

/** A holder whose session is gone can lose the bead without --force (spec §2.3). */
async function holderIsDead(town: Town, provider: RuntimeProvider, holder: string): Promise<boolean> {
  let id: AgentIdentity;
  try {
    id = parseAddress(holder);
  } catch {
    return false; // a person, not an agent: never taken silently
  }
  if (id.rig && !town.rigNames().includes(id.rig)) return true;
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  return !(await provider.isAlive(session));
}

/**
 * A freshly hooked bead's session may still be starting; only a hook older than this whose
 * session is gone counts as abandoned, or two slings a moment apart would both "win".
 */
const TAKEOVER_GRACE_MS = 60_000;

function hookAgeMs(issue: Issue): number {
  const at = (issue.metadata as Record<string, unknown> | undefined)?.slung_at;
  const since = Date.parse(typeof at === "string" ? at : issue.updated_at);
  return Number.isNaN(since) ? Number.POSITIVE_INFINITY : Date.now() - since;
}

export function holderOf(issue: Issue): string | undefined {
  if (issue.status === HOOKED || issue.status === "in_progress") return issue.assignee || undefined;
  return undefined;
}

interface Plan {
  issue: Issue;
  beadRig: string | undefined;
  id: AgentIdentity;
  action: SlingAction;
  previousHolder?: string;
  /** A polecat directory made for this bead (removed again if hooking fails). */
  reservedNew?: boolean;
  /** The molecule attached to the bead, and whether this sling poured it (burned if it fails). */
  molecule?: SlingAttachment;
  /** A dry run that would resume the bead (its holder died) rather than hook it afresh. */
  wouldResume?: boolean;
}

/**
 * A polecat has one hook. Another bead on it is either left by a killed sling (rolled back:
 * back to open, the sandbox's work is rescued when the polecat next switches) or real work,
 * which makes the polecat busy.
 */
async function clearPolecatHook(
  ledger: Ledger,
  address: string,
  incoming: string,
  actor: string,
): Promise<void> {
  const held = await ledger.listIssues({ statuses: [HOOKED], assignee: address, includeInfra: true });
  for (const other of held.filter((b) => b.id !== incoming)) {
    // Only a sling killed before the sandbox was ready: the agent cannot have started on it.
    if (!slingInterrupted(other) || !sandboxPending(other))
      throw new ConflictError(
        "polecat_busy",
        `${address} already has ${other.id} on its hook; sling ${incoming} at the rig for another polecat`,
      );
    await ledger.updateIssue(
      other.id,
      { status: "open", assignee: null, unset_metadata: ["sling_pid", "sling_stage", "branch"] },
      actor,
      (cur) => {
        if (holderOf(cur) !== address || !slingInterrupted(cur) || !sandboxPending(cur))
          throw new ConflictError("polecat_busy", `${address} is busy with ${cur.id}`);
      },
    );
  }
}

/**
 * Decides who gets the bead and hooks it. Runs under the rig's pool lock for rig targets so
 * the choice of polecat and the hook are one step for every other sling.
 */
async function hookOne(
  town: Town,
  provider: RuntimeProvider,
  beadId: string,
  target: SlingTarget,
  opts: SlingOptions,
): Promise<Plan> {
  const { ledger, rig: beadRig } = openLedgerOfBead(town, beadId);
  try {
    const found = await ledger.getIssue(await ledger.resolveId(beadId).catch(() => beadId));
    if (!found) throw new NotFoundError(beadId, `no bead ${beadId} in this town`);
    const issue = found;
    checkSlingable(issue, target, beadRig, opts);
    const holder = holderOf(issue);

    // Who would take it.
    let id: AgentIdentity | undefined = target.kind === "agent" ? target.id : undefined;
    const sameTarget =
      holder !== undefined &&
      (target.kind === "rig"
        ? isPolecatOfRig(holder, target.rig) !== undefined
        : addressOf(target.id) === holder);
    if (holder && sameTarget) {
      // Same target again: a no-op while the holder runs (or another sling of it is still
      // under way); a resume (GUPP) when the holder died or a killed sling left it half-made.
      const heldBy = parseAddress(holder);
      const elsewhere = hookedElsewhere(issue, town);
      if (elsewhere && !opts.force)
        throw new ConflictError(
          "already_hooked",
          `${issue.id} is on ${holder}'s hook in another town (${elsewhere}); use --force to take it`,
        );
      if (slingInFlight(issue) && !elsewhere) return { issue, beadRig, id: heldBy, action: "already-hooked" };
      const resume = slingInterrupted(issue) || (await holderIsDead(town, provider, holder));
      if (!resume) return { issue, beadRig, id: heldBy, action: "already-hooked" };
      if (opts.dryRun) return { issue, beadRig, id: heldBy, action: "would-hook", wouldResume: true };
      // Take over the finishing as one compare-and-swap, so of two re-slings one resumes.
      const seenPid = slingProgress(issue).pid;
      testPause("sling:resume-checked"); // tests let another re-sling resume it here
      const claimed = await ledger.updateIssue(
        issue.id,
        {
          set_metadata: {
            sling_pid: process.pid,
            sling_town: townKey(town),
            sling_stage: "hooking",
            resumed_at: new Date().toISOString(),
          },
        },
        opts.actor,
        (cur) => {
          if (holderOf(cur) !== holder || slingProgress(cur).pid !== seenPid)
            throw new ConflictError("already_hooked", `${cur.id} is being resumed by another sling`);
        },
      );
      return { issue: claimed, beadRig, id: heldBy, action: "resumed" };
    }
    let previousHolder: string | undefined;
    if (holder) {
      if (
        !opts.force &&
        !(
          hookAgeMs(issue) > TAKEOVER_GRACE_MS &&
          !hookedElsewhere(issue, town) &&
          (await holderIsDead(town, provider, holder))
        )
      )
        throw new ConflictError(
          "already_hooked",
          `${issue.id} is already on ${holder}'s hook; use --force to take it (they will be told)`,
        );
      previousHolder = holder;
    }
    if (opts.dryRun) {
      let who = id;
      if (!who && target.kind === "rig") {
        const { busy, facts } = await poolFacts(town, target.rig, ledger);
        who = polecatId(target.rig, findIdlePolecat(town, target.rig, busy, facts) ?? "(new)");
      }
      return { issue, beadRig, id: who!, action: "would-hook", previousHolder };
    }

    let reservedNew = false;
    if (!id && target.kind === "rig") {
      const { busy, facts } = await poolFacts(town, target.rig, ledger);
      const idle = findIdlePolecat(town, target.rig, busy, facts);
      if (idle) id = polecatId(target.rig, idle);
      else {
        id = polecatId(target.rig, reservePolecatName(town, target.rig, undefined, busy));
        reservedNew = true;
      }
    } else if (id?.role === "polecat" && !polecatNames(town, id.rig!).includes(id.name!)) {
      reservePolecatName(town, id.rig!, id.name);
      reservedNew = true;
    }
    const address = addressOf(id!);
    const expected = holder;
    testPause("sling:checked"); // tests hold two slings here, both having read, neither written
    try {
      if (id!.role === "polecat") await clearPolecatHook(ledger, address, issue.id, opts.actor);
      const meta: Record<string, unknown> = {
        dispatcher: opts.actor,
        slung_at: new Date().toISOString(),
        sling_pid: process.pid,
        sling_town: townKey(town),
        sling_stage: "hooking",
      };
      if (opts.args) meta.args = opts.args;
      if (opts.baseBranch) meta.base_branch = opts.baseBranch;
      if (opts.noMerge) meta.no_merge = true;
      await ledger.updateIssue(
        issue.id,
        {
          status: HOOKED,
          assignee: address,
          set_metadata: meta,
          // Hooked by any path, a queued bead leaves the scheduler's queue in the same write.
          remove_labels: LEAVE_QUEUE.remove_labels,
          unset_metadata: ["branch", ...(LEAVE_QUEUE.unset_metadata ?? [])],
        },
        opts.actor,
        (cur) => {
          // Re-checked inside the write transaction: someone may have hooked it since we read it.
          if (cur.status === "closed" || cur.status === "tombstone")
            throw new ConflictError("closed", `${cur.id} was closed meanwhile`);
          const now = holderOf(cur);
          if (now !== expected && now !== address)
            throw new ConflictError("already_hooked", `${cur.id} was just hooked by ${now}`);
        },
      );
    } catch (e) {
      if (reservedNew && id?.role === "polecat") {
        rmSync(join(town.rigDir(id.rig!), "polecats", id.name!), { recursive: true, force: true });
      }
      throw e;
    }
    return { issue, beadRig, id: id!, action: "hooked", previousHolder, reservedNew };
  } finally {
    await ledger.close();
  }
}

/** Tells a previous holder its bead went elsewhere, when it is still running. */
async function tellPreviousHolder(
  town: Town,
  provider: RuntimeProvider,
  holder: string,
  bead: string,
  to: string,
) {
  try {
    const id = parseAddress(holder);
    const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
    if (await provider.isAlive(session))
      await provider.sendText(
        session,
        `[GAS TOWN] ${bead} was re-slung to ${to}; stop working on it and check your hook.`,
      );
    const ledger = openLedgerFor(town, id.rig);
    try {
      const bid = agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
      if (await ledger.getIssue(bid)) await recordAgentFacts(ledger, bid, { hook_bead: null }, holder);
    } finally {
      await ledger.close();
    }
  } catch {
    // telling is best-effort; the hook already moved
  }
}

/** Undoes a hook whose sandbox could not be made: the bead goes back as it was found. */
async function releaseHook(town: Town, plan: Plan, actor: string): Promise<void> {
  const address = addressOf(plan.id);
  const { ledger } = openLedgerOfBead(town, plan.issue.id);
  try {
    await ledger
      .updateIssue(
        plan.issue.id,
        { status: plan.issue.status, assignee: plan.issue.assignee ?? null },
        actor,
        (cur) => {
          if (cur.assignee !== address) throw new ConflictError("moved", "the bead moved on meanwhile");
        },
      )
      .catch(() => undefined);
  } finally {
    await ledger.close();
  }
  if (plan.reservedNew && plan.id.role === "polecat")
    rmSync(join(town.rigDir(plan.id.rig!), "polecats", plan.id.name!), { recursive: true, force: true });
}

/** Records how far the sling of a bead got, while the bead is still on `address`'s hook. */
async function recordSlingStage(
  town: Town,
  bead: string,
  address: string,
  actor: string,
  stage: SlingStage,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const { ledger } = openLedgerOfBead(town, bead);
  try {
    await ledger
      .updateIssue(
        bead,
        {
          set_metadata: { sling_stage: stage, ...extra },
          ...(stage === "done" ? { unset_metadata: ["sling_pid"] } : {}),
        },
        actor,
        (cur) => {
          if (cur.assignee !== address) throw new ConflictError("moved", `${bead} moved on meanwhile`);
        },
      )
      .catch((e) => {
        if (!(e instanceof ConflictError)) throw e;
      });
  } finally {
    await ledger.close();
  }
}

async function runsOtherAgent(town: Town, id: AgentIdentity, agent: string): Promise<boolean> {
  return (await lastStartedAgentOf(town, id)) !== agentNameFor(town, id, agent);
}

/** After hooking: sandbox, agent-bead facts, then a session started or nudged. */
async function launch(
  town: Town,
  provider: RuntimeProvider,
  plan: Plan,
  opts: SlingOptions,
): Promise<SlingOutcome> {
  const { id, issue } = plan;
  const prefix = id.rig ? town.prefixOf(id.rig) : undefined;
  const session = sessionNameOf(id, prefix);
  const address = addressOf(id);
  let branch: string | null = null;
  let freshWorktree = false;
  if (id.role === "polecat") {
    try {
      // A resumed bead goes back to its own branch (rebuilt if the worktree was deleted).
      const resumeBranch = plan.action === "resumed" ? slingProgress(issue).branch : undefined;
      const based = (issue.metadata as Record<string, unknown> | undefined)?.base_branch;
      const base = opts.baseBranch ?? (typeof based === "string" ? based : undefined);
      const sandbox = await prepareSandbox(town, id.rig!, id.name!, issue.id, opts.actor, {
        branch: resumeBranch,
        ...(base ? { base } : {}),
      });
      branch = sandbox.branch;
      freshWorktree = !sandbox.reused;
    } catch (e) {
      // No sandbox, no work: give the bead back rather than leave a polecat that cannot run.
      // A resumed bead stays hooked: its next sling tries again (the sling is marked unfinished).
      if (plan.action === "hooked") await releaseHook(town, plan, opts.actor);
      throw e;
    }
  }
  // From here the agent may start: its sandbox (if it has one) is on the bead's branch.
  await recordSlingStage(town, issue.id, address, opts.actor, "ready", branch ? { branch } : {});
  const workDir = workDirOf(town.root, id);
  const ledger = openLedgerFor(town, id.rig);
  try {
    const bid = agentBeadIdOf(id, prefix);
    if (await ledger.getIssue(bid))
      await recordAgentFacts(
        ledger,
        bid,
        { hook_bead: issue.id, agent_state: "working", ...(branch ? { branch } : {}) },
        opts.actor,
      );
  } finally {
    await ledger.close();
  }
  if (plan.previousHolder && plan.previousHolder !== address)
    await tellPreviousHolder(town, provider, plan.previousHolder, issue.id, address);
  logEvent(town.root, "sling", opts.actor, { bead: issue.id, target: address });

  let sessionAction: SlingOutcome["session_action"] = "none";
  if (!opts.noStart && existsSync(workDir)) {
    const note = `[GAS TOWN] ${displayName(id)} <- ${opts.actor} • assigned: ${issue.id}. Run \`gt prime --hook\` and start on your hook.${opts.message ? ` ${opts.message}` : ""}`;
    const running = (await provider.isAlive(session)) && !freshWorktree;
    // An idle polecat running another agent than --agent asks for gets a new session.
    const otherAgent = running && opts.agent !== undefined && (await runsOtherAgent(town, id, opts.agent));
    if (running && !otherAgent) {
      await provider.sendText(session, note);
      sessionAction = "nudged";
    } else if (id.role === "polecat" || plan.action === "resumed") {
      // A zombie's dead pane would block the new session; clear it first.
      await provider.stop(session).catch(() => undefined);
      await startAgentSession(town, provider, id, {
        agent: opts.agent,
        sender: opts.actor,
        topic: plan.action === "resumed" ? "restart" : "assigned",
        branch: branch ?? undefined,
        readyTimeoutMs: opts.readyTimeoutMs,
        account: opts.account,
      });
      sessionAction = otherAgent ? "restarted" : "started";
      if (opts.message) await provider.sendText(session, opts.message);
    }
  }
  await recordSlingStage(town, issue.id, address, opts.actor, "done");
  return outcome(plan, town, { session, branch, workDir, sessionAction });
}

function outcome(
  plan: Plan,
  town: Town,
  s: {
    session: string;
    branch: string | null;
    workDir: string;
    sessionAction: SlingOutcome["session_action"];
  },
): SlingOutcome {
  return {
    bead: plan.issue.id,
    title: plan.issue.title,
    action: plan.action,
    target: addressOf(plan.id),
    rig: plan.id.rig ?? null,
    polecat: plan.id.role === "polecat" ? (plan.id.name ?? null) : null,
    session:
      plan.id.name === "(new)"
        ? ""
        : sessionNameOf(plan.id, plan.id.rig ? town.prefixOf(plan.id.rig) : undefined),
    branch: s.branch,
    work_dir: plan.id.name === "(new)" ? "" : s.workDir,
    session_action: s.sessionAction,
    previous_holder: plan.previousHolder ?? null,
    molecule: plan.molecule?.molecule ?? null,
    formula: plan.molecule?.formula ?? null,
  };
}

export interface SlingReport {
  outcomes: SlingOutcome[];
  /** The convoy created for this sling, if any. */
  convoy: string | null;
  /** Rigs whose refinery was down and was started for the slung work. */
  refineries_started: string[];
  /** Beads that could not be slung, with the one-line reason. */
  failures: SlingFailure[];
}

export interface SlingFailure {
  bead: string;
  error: string;
  /** Why, for tools: already_hooked, closed, deferred, polecat_busy, …; "error" when unforeseen. */
  code: string;
}

export function slingFailure(bead: string, e: unknown): SlingFailure {
  return {
    bead,
    error: e instanceof Error ? e.message : String(e),
    code: e instanceof GasTownError ? e.code : "error",
  };
}

/** Polecats may not sling (a polecat may only attach to its own hook). */
export function assertMaySling(opts: SlingOptions, target: string | undefined): void {
  if (opts.caller?.role === "polecat" && !(opts.attachOnly && (target === undefined || target === ".")))
    throw new ConflictError("polecat_sling", "polecats may not sling work; ask your witness or the mayor");
}

/**
 * Slings each bead at the target. With a rig target every bead gets its own polecat; with
 * one agent as target only one bead can go (an agent has one hook). Failures of one bead do
 * not stop the others; each is reported.
 */
export async function sling(
  town: Town,
  provider: RuntimeProvider,
  beads: string[],
  target: string | undefined,
  opts: SlingOptions,
): Promise<SlingReport> {
  if (beads.length === 0) throw new ValidationError("nothing to sling: name at least one bead");
  assertMaySling(opts, target);
  // An unknown account is refused before anything is hooked.
  if (opts.account !== undefined) namedAccount(town, opts.account);
  const resolved = resolveSlingTarget(town, target, opts);
  // A parked or docked rig takes no work; an e-stop takes none anywhere it holds.
  const targetRig = resolved.kind === "rig" ? resolved.rig : resolved.id.rig;
  if (!opts.dryRun && !opts.attachOnly) {
    if (targetRig) await assertRigTakesWork(town, targetRig);
    else if (activeEstop(town.root))
      throw new ConflictError("estop", "e-stop is on: nothing is slung until gt thaw");
  }
  if (resolved.kind === "agent" && beads.length > 1)
    throw new ValidationError(
      `an agent has one hook: sling several beads at a rig, not at ${addressOf(resolved.id)}`,
    );
  if (
    resolved.kind === "agent" &&
    resolved.id.rig &&
    resolved.id.role !== "polecat" &&
    !existsSync(workDirOf(town.root, resolved.id))
  )
    throw new NotFoundError(addressOf(resolved.id), `${addressOf(resolved.id)} has no workspace`);
  if (resolved.kind === "agent" && resolved.id.role !== "polecat" && opts.agent && !opts.noStart) {
    // Restarting a crew member's or a patrol's live session would cut its work short.
    const id = resolved.id;
    const live = await provider.isAlive(sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
    if (live && (await runsOtherAgent(town, id, opts.agent)))
      throw new ConflictError(
        "agent_mismatch",
        `${addressOf(id)} is running ${(await lastStartedAgentOf(town, id)) ?? "another agent"}, not ${opts.agent}; stop its session first (gt crew stop, gt mayor stop, ...), or sling without --agent`,
      );
  }

  const rigForFetch =
    resolved.kind === "rig" ? resolved.rig : resolved.id.role === "polecat" ? resolved.id.rig : undefined;
  if (rigForFetch && !opts.dryRun) await refreshSharedRepo(town, rigForFetch);

  const plans: Plan[] = [];
  const failures: SlingReport["failures"] = [];
  for (const bead of [...new Set(beads)]) {
    try {
      const rigOfTarget =
        resolved.kind === "rig" ? resolved.rig : resolved.id.role === "polecat" ? resolved.id.rig : undefined;
      const plan = rigOfTarget
        ? await withPolecatPool(town, rigOfTarget, () => hookOne(town, provider, bead, resolved, opts))
        : await hookOne(town, provider, bead, resolved, opts);
      plans.push(plan);
    } catch (e) {
      failures.push(slingFailure(bead, e));
    }
  }

  // A molecule to follow (spec §3.4), attached once the bead is on its hook and before the
  // agent starts, so its first prime shows the steps. A bead it cannot be made for goes back.
  // A resumed bead keeps the molecule it has (one a killed sling never attached is made now);
  // one already on its hook is only reported.
  for (const p of [...plans]) {
    const had = readAttachment(p.issue.description);
    if (p.action === "already-hooked")
      p.molecule = {
        molecule: had?.attached_molecule ?? null,
        formula: had?.attached_formula || null,
        poured: false,
      };
    const attach = p.action === "would-hook" ? checkAttachForSling : attachForSling;
    if ((p.action !== "hooked" && p.action !== "resumed" && p.action !== "would-hook") || opts.attachOnly)
      continue;
    try {
      p.molecule = await attach(town, {
        bead: p.issue.id,
        description: p.issue.description,
        polecatRig: p.id.role === "polecat" ? p.id.rig : undefined,
        assignee: addressOf(p.id),
        formula: (p.action === "resumed" || p.wouldResume) && had ? undefined : opts.formula,
        vars: opts.vars,
        actor: opts.actor,
      });
    } catch (e) {
      // A resumed bead stays hooked, marked unfinished: its next sling tries again.
      if (p.action === "hooked") await releaseHook(town, p, opts.actor);
      plans.splice(plans.indexOf(p), 1);
      failures.push(slingFailure(p.issue.id, e));
    }
  }

  testPause("sling:hooked");
  const convoy =
    opts.noConvoy || opts.dryRun || opts.attachOnly
      ? null
      : await autoConvoy(
          town,
          [...plans.filter((p) => p.action === "hooked").map((p) => p.issue), ...(opts.convoyWith ?? [])],
          opts.actor,
        );

  const outcomes: SlingOutcome[] = [];
  const launchable = plans.filter((p) => p.action === "hooked" || p.action === "resumed");
  for (const p of plans.filter((p) => !launchable.includes(p)))
    outcomes.push(
      outcome(p, town, {
        session: "",
        branch: null,
        workDir: workDirOf(town.root, p.id),
        sessionAction: "none",
      }),
    );
  // Sandboxes and sessions start in parallel, a few at a time (git and the runtime stay responsive).
  const queue = [...launchable];
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      try {
        outcomes.push(await launch(town, provider, p, opts));
      } catch (e) {
        if (p.molecule?.poured && p.molecule.molecule)
          await rollBackAttachment(town, p.issue.id, p.molecule.molecule, opts.actor).catch(() => undefined);
        failures.push(slingFailure(p.issue.id, e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  const order = new Map(beads.map((b, i) => [b, i]));
  outcomes.sort((a, b) => (order.get(a.bead) ?? 0) - (order.get(b.bead) ?? 0));
  const refineries = opts.noStart
    ? []
    : await wakeRefineries(
        town,
        provider,
        outcomes.filter((o) => o.polecat && o.session_action !== "none").map((o) => o.rig!),
      );
  return { outcomes, failures, convoy, refineries_started: refineries };
}

/**
 * Polecats' work goes to their rig's merge queue: a refinery that is down is started, so
 * slung work gets merged without anyone remembering to run it (spec §2.3, step 11).
 */
async function wakeRefineries(town: Town, provider: RuntimeProvider, rigs: string[]): Promise<string[]> {
  const started: string[] = [];
  for (const rig of [...new Set(rigs)]) {
    const id: AgentIdentity = { role: "refinery", rig };
    if (await provider.isAlive(sessionNameOf(id, town.prefixOf(rig)))) continue;
    try {
      await startAgentSession(town, provider, id, { sender: "gt sling", topic: "start" });
      started.push(rig);
    } catch {
      // The work is hooked and running either way; gt refinery start says what is wrong.
    }
  }
  return started;
}

/**
 * One convoy ("Work: <title>") for the newly slung beads no open convoy tracks yet, so
 * their progress shows and the batch lands together; its ID is stored on each bead.
 */
export async function autoConvoy(town: Town, issues: Issue[], actor: string): Promise<string | null> {
  const fresh: Issue[] = [];
  for (const issue of issues) {
    if ((await convoysTracking(town, issue.id)).length === 0) fresh.push(issue);
  }
  if (fresh.length === 0) return null;
  const first = fresh[0]!;
  const title =
    fresh.length === 1 ? `Work: ${first.title}` : `Work: ${first.title} (+${fresh.length - 1} more)`;
  const convoy = await createConvoy(town, { title, issues: fresh.map((i) => i.id), actor });
  for (const issue of fresh) {
    const { ledger } = openLedgerOfBead(town, issue.id);
    try {
      await ledger.updateIssue(issue.id, { set_metadata: { convoy: convoy.id } }, actor);
    } finally {
      await ledger.close();
    }
  }
  return convoy.id;
}
