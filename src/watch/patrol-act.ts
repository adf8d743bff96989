// Acting on the patrol's findings. Each action looks again right before it changes anything
// (the session may have come back, the bead moved on: a scan is a snapshot) and claims its
// change in the ledger by compare-and-swap, so two patrols at once (witness, deacon, daemon)
// never restart one polecat twice and a bead's restart count is exact. Restarts go through
// `gt sling`'s resume (same sandbox, same branch, the session started as slings start it).
import { escalate } from "../comms/escalation.ts";
import { noticeToWitness, sendMail } from "../comms/mail.ts";
import { ConflictError, GasTownError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { wakeRefinery } from "../refinery/wake.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { startAgentSession } from "../sessions/session.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { type AgentIdentity, parseAddress } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED, slingInFlight } from "../work/hook.ts";
import { rescueUnsavedWork, withSandbox } from "../work/polecats.ts";
import { sling } from "../work/sling.ts";
import { escalationOf, type Planned, respawnsOf } from "./patrol-classify.ts";
import { agentExists, meta, type PolecatFacts, timeOf } from "./patrol-facts.ts";

export interface ActContext {
  town: Town;
  provider: RuntimeProvider;
  /** Who the changes are recorded under (the witness, the deacon, the daemon, a person). */
  actor: string;
  caller?: AgentIdentity;
  rig: string;
  /** Longest wait for a restarted agent's prompt. */
  readyTimeoutMs?: number;
}

/** Nothing was done, and why (the world changed since the scan). */
class Skip extends Error {}

async function onRigLedger<T>(ctx: ActContext, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = openRigLedger(ctx.town, ctx.rig);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

function stillHeldBy(cur: Issue, p: PolecatFacts): void {
  if (cur.status !== HOOKED || cur.assignee !== p.address)
    throw new ConflictError("moved", `${cur.id} left ${p.address}'s hook meanwhile`);
}

async function hookedNow(ctx: ActContext, address: string): Promise<boolean> {
  return onRigLedger(
    ctx,
    async (l) =>
      (await l.listIssues({ statuses: [HOOKED], assignee: address, includeInfra: true })).length > 0,
  );
}

async function setAgentFacts(
  ctx: ActContext,
  p: PolecatFacts,
  facts: Record<string, unknown>,
): Promise<void> {
  await onRigLedger(ctx, (l) => recordAgentFacts(l, p.agentBeadId, facts, ctx.actor));
}

/** Starts the rig's refinery if it is down, else nudges it about `mr`. */
async function forwardToRefinery(ctx: ActContext, mr: string, from: string): Promise<string> {
  const id: AgentIdentity = { role: "refinery", rig: ctx.rig };
  if (await wakeRefinery(ctx.town, ctx.provider, ctx.rig, `MR ${mr} from ${from} (patrol)`))
    return "refinery nudged";
  await startAgentSession(ctx.town, ctx.provider, id, { sender: ctx.actor, topic: "start" });
  return "refinery started";
}

async function restart(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  const hook = plan.issue!;
  const n = plan.respawns ?? 0;
  if (plan.finding.class !== "stuck-in-done" && (await ctx.provider.isAlive(p.session)))
    throw new Skip("its session is running again");
  // The restart is claimed in the ledger first: of two patrols one restarts, and the count holds.
  await onRigLedger(ctx, (l) =>
    l.updateIssue(
      hook.id,
      {
        set_metadata: {
          patrol_respawns: n + 1,
          patrol_respawn_epoch: typeof meta(hook).slung_at === "string" ? meta(hook).slung_at : "",
          patrol_respawned_at: new Date().toISOString(),
        },
      },
      ctx.actor,
      (cur) => {
        stillHeldBy(cur, p);
        if (respawnsOf(cur) !== n) throw new ConflictError("raced", "another patrol restarted it meanwhile");
        if (slingInFlight(cur)) throw new ConflictError("raced", `a sling of ${cur.id} is under way`);
      },
    ),
  );
  await ctx.provider.stop(p.session).catch(() => false); // a stuck session or a dead pane is in the way
  if (timeOf(p.agent.done_intent) !== null) await setAgentFacts(ctx, p, { done_intent: null });
  const agent = typeof p.agent.agent === "string" && p.agent.agent ? p.agent.agent : undefined;
  const report = await sling(ctx.town, ctx.provider, [hook.id], p.address, {
    actor: ctx.actor,
    caller: ctx.caller,
    agent,
    noConvoy: true,
    readyTimeoutMs: ctx.readyTimeoutMs,
  });
  const failure = report.failures[0];
  if (failure) throw new GasTownError("restart_failed", failure.error);
  const o = report.outcomes[0];
  return `restart ${n + 1}: ${o?.action ?? "resumed"}, session ${o?.session_action ?? "started"}`;
}

async function escalateHook(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  const hook = plan.issue!;
  const epoch = typeof meta(hook).slung_at === "string" ? meta(hook).slung_at : "";
  const stuck = plan.finding.class === "self-reported-stuck";
  // Claimed first, so two patrols file one escalation; released again if filing fails.
  await onRigLedger(ctx, (l) =>
    l.updateIssue(
      hook.id,
      { set_metadata: { patrol_escalation: "filing", patrol_escalation_epoch: epoch } },
      ctx.actor,
      (cur) => {
        stillHeldBy(cur, p);
        if (escalationOf(cur)) throw new ConflictError("raced", `${cur.id} is escalated already`);
      },
    ),
  );
  let id: string;
  try {
    const e = await escalate(ctx.town, {
      summary: stuck
        ? `${p.address} is stuck on ${hook.id}: ${hook.title}`
        : `${p.address} keeps dying on ${hook.id}: ${hook.title}`,
      severity: "high",
      reason: [
        plan.finding.detail,
        "",
        stuck
          ? `The polecat asked for help and still holds ${hook.id}; its session runs.`
          : `The patrol restarted it ${respawnsOf(hook)} times and stops here: ${hook.id} is blocked (label gt:escalated), its branch and sandbox are kept.`,
        `Fix what it needs, then gt sling ${hook.id} again.`,
      ].join("\n"),
      related: hook.id,
      source: p.address,
      actor: ctx.actor,
    });
    id = e.id;
  } catch (err) {
    await onRigLedger(ctx, (l) =>
      l.updateIssue(hook.id, { unset_metadata: ["patrol_escalation"] }, ctx.actor),
    ).catch(() => undefined);
    throw err;
  }
  if (stuck) {
    await onRigLedger(ctx, (l) =>
      l.updateIssue(hook.id, { set_metadata: { patrol_escalation: id } }, ctx.actor),
    );
    return `escalated as ${id}`;
  }
  // No more restarts: the bead leaves the hook as gt done --status ESCALATED leaves it.
  await onRigLedger(ctx, (l) =>
    l.updateIssue(
      hook.id,
      { status: "blocked", add_labels: ["gt:escalated"], set_metadata: { patrol_escalation: id } },
      ctx.actor,
    ),
  );
  await setAgentFacts(ctx, p, { hook_bead: null, agent_state: "idle", done_intent: null });
  await ctx.provider.stop(p.session).catch(() => false);
  return `escalated as ${id}; ${hook.id} blocked`;
}

async function stopSession(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  const cls = plan.finding.class;
  if (cls === "bead-closed-still-running") {
    const held = await onRigLedger(ctx, (l) => l.getIssue(p.agentBeadId));
    if (meta(held).hook_bead !== plan.issue?.id || (await hookedNow(ctx, p.address)))
      throw new Skip("it has other work now");
  } else if (await hookedNow(ctx, p.address)) throw new Skip("work was hooked to it meanwhile");
  const stopped = await ctx.provider.stop(p.session);
  if (cls === "bead-closed-still-running")
    await setAgentFacts(ctx, p, { hook_bead: null, agent_state: "idle" });
  if (cls === "stuck-in-done") await setAgentFacts(ctx, p, { done_intent: null, agent_state: "idle" });
  return stopped ? "session stopped" : "session was gone";
}

async function finishDone(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  if (await hookedNow(ctx, p.address)) throw new Skip("work was hooked to it meanwhile");
  const now = meta(await onRigLedger(ctx, (l) => l.getIssue(p.agentBeadId)));
  if (now.done_intent !== p.agent.done_intent) throw new Skip("gt done ran again meanwhile");
  if (await ctx.provider.isAlive(p.session)) throw new Skip("its session is running again");
  await ctx.provider.stop(p.session).catch(() => false);
  await setAgentFacts(ctx, p, { done_intent: null, hook_bead: null, agent_state: "idle" });
  const mr = typeof p.agent.merge_request === "string" ? p.agent.merge_request : undefined;
  return mr ? `cleaned up; ${await forwardToRefinery(ctx, mr, p.address)}` : "cleaned up";
}

async function resetOrphan(ctx: ActContext, plan: Planned): Promise<string> {
  const bead = plan.issue!;
  const holder = bead.assignee ?? "";
  await onRigLedger(ctx, (l) =>
    l.updateIssue(
      bead.id,
      { status: "open", assignee: null, unset_metadata: ["sling_pid", "sling_stage"] },
      ctx.actor,
      (cur) => {
        if (cur.status !== bead.status || cur.assignee !== holder)
          throw new ConflictError("moved", `${cur.id} changed meanwhile`);
        if (agentExists(ctx.town, parseAddress(holder)))
          throw new ConflictError("back", `${holder} exists again`);
      },
    ),
  );
  const body = [
    `Bead ${bead.id} (${bead.title}) was ${bead.status} on ${holder}, which no longer exists.`,
    "It is open and unassigned again: sling it to put it back to work.",
  ].join("\n");
  const subject = `ORPHAN_RECOVERED ${bead.id}`;
  const told = [
    (await noticeToWitness(ctx.town, ctx.rig, ctx.actor, subject, body)) ? `${ctx.rig}/witness` : "",
  ];
  const dispatcher = meta(bead).dispatcher;
  if (typeof dispatcher === "string" && dispatcher && dispatcher !== `${ctx.rig}/witness`) {
    const sent = await sendMail(ctx.town, { from: ctx.actor, to: dispatcher, subject, body }).catch(
      () => undefined,
    );
    if (sent) told.push(dispatcher);
  }
  // The deacon re-dispatches recovered beads (gt deacon redispatch), within its limits.
  if (!told.includes("deacon")) {
    const sent = await sendMail(ctx.town, { from: ctx.actor, to: "deacon", subject, body }).catch(
      () => undefined,
    );
    if (sent) told.push("deacon");
  }
  const mailed = told.filter(Boolean);
  return `back to open${mailed.length ? `; told ${mailed.join(", ")}` : ""}`;
}

async function rescue(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  return withSandbox(ctx.town, ctx.rig, p.name, async () => {
    if (await ctx.provider.isAlive(p.session)) throw new Skip("its session is running again");
    if (await hookedNow(ctx, p.address)) throw new Skip("work was hooked to it meanwhile");
    const r = await rescueUnsavedWork(ctx.town, ctx.rig, p.name, p.workDir, ctx.actor);
    if (!r) return "nothing left to save";
    return `saved on ${r.branches.join(", ")}${r.pushed ? " (pushed)" : " (not pushed)"}`;
  });
}

async function reap(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  if (await hookedNow(ctx, p.address)) throw new Skip("work was hooked to it meanwhile");
  if (!(await ctx.provider.stop(p.session))) throw new Skip("its session was gone");
  return "session stopped; sandbox and identity kept";
}

async function acknowledge(ctx: ActContext, plan: Planned): Promise<string> {
  const p = plan.polecat!;
  let forwarded = "";
  if (plan.finding.action === "wake-refinery") {
    const mr = String(p.agent.merge_request);
    forwarded = `; ${await forwardToRefinery(ctx, mr, p.address)}`;
  }
  await onRigLedger(ctx, (l) =>
    l.updateIssue(
      p.agentBeadId,
      {
        set_metadata: { last_exit_type: p.agent.exit_type, completion_seen_at: new Date().toISOString() },
        unset_metadata: ["exit_type"],
      },
      ctx.actor,
      (cur) => {
        const m = meta(cur);
        if (m.exit_type !== p.agent.exit_type || m.completion_time !== p.agent.completion_time)
          throw new ConflictError("raced", "a newer completion arrived");
      },
    ),
  );
  return `acknowledged${forwarded}`;
}

const ACTIONS: Partial<
  Record<Planned["finding"]["action"], (ctx: ActContext, plan: Planned) => Promise<string>>
> = {
  restart,
  escalate: escalateHook,
  "stop-session": stopSession,
  "finish-done": finishDone,
  "reset-open": resetOrphan,
  rescue,
  reap,
  "wake-refinery": acknowledge,
  acknowledge,
};

/**
 * Applies a finding's action; `acted` and `detail` say what happened. A change of the world
 * since the scan (or another patrol acting first) is no error: the finding says so.
 */
export async function actOn(ctx: ActContext, plan: Planned): Promise<void> {
  const fn = ACTIONS[plan.finding.action];
  if (!fn) return;
  try {
    const what = await fn(ctx, plan);
    plan.finding.acted = true;
    plan.finding.detail = `${plan.finding.detail} → ${what}`;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    const skipped =
      e instanceof Skip || (e instanceof ConflictError && ["moved", "raced", "back"].includes(e.code));
    plan.finding.detail = `${plan.finding.detail} → ${skipped ? "left alone" : "failed"}: ${why}`;
  }
}
