// The patrol's verdicts (spec §4.4): from one rig's facts, every polecat in a zombie class
// with the action that class calls for, the stalls and progress problems to report, finished
// work nobody noticed, and beads held by agents that no longer exist. Pure: the same facts
// and the same clock give the same findings, so every rule is tested without a town.
import type { Issue } from "../ledger/model.ts";
import { HOOKED, slingInFlight } from "../work/hook.ts";
import { readMergeRequest } from "../work/merge-requests.ts";
import type { PatrolThresholds } from "./patrol-config.ts";
import { meta, type PolecatFacts, type RigFacts, timeOf } from "./patrol-facts.ts";

export const PATROL_CLASSES = [
  "stuck-in-done",
  "done-intent-dead",
  "agent-dead-in-session",
  "session-dead-active",
  "bead-closed-still-running",
  "idle-dirty-sandbox",
  "self-reported-stuck",
  "startup-stall",
  "hung",
  "gupp-violation",
  "stalled",
  "completion",
  "orphaned-bead",
  "idle-session",
] as const;
export type PatrolClass = (typeof PATROL_CLASSES)[number];

export type PatrolAction =
  | "restart"
  | "escalate"
  | "stop-session"
  | "finish-done"
  | "reset-open"
  | "rescue"
  | "reap"
  | "wake-refinery"
  | "acknowledge"
  | "report"
  | "none";

/** One finding as `gt patrol scan --json` prints it (a stable shape). */
export interface Finding {
  class: PatrolClass;
  agent: string;
  bead: string | null;
  session: string | null;
  action: PatrolAction;
  acted: boolean;
  detail: string;
}

/** A finding with what acting on it needs. */
export interface Planned {
  finding: Finding;
  polecat?: PolecatFacts;
  /** The bead acted on (the hook, an orphan, the held bead). */
  issue?: Issue;
  /** Restarts already made for the hook (restart: the compare-and-swap expects it). */
  respawns?: number;
}

/** Actions that change something; the rest only report. */
export const ACTING: ReadonlySet<PatrolAction> = new Set([
  "restart",
  "escalate",
  "stop-session",
  "finish-done",
  "reset-open",
  "rescue",
  "reap",
  "wake-refinery",
  "acknowledge",
]);

/** Restarts the patrol made for this bead since it was last slung (a new sling starts over). */
export function respawnsOf(issue: Issue): number {
  const m = meta(issue);
  const epoch = typeof m.slung_at === "string" ? m.slung_at : "";
  return m.patrol_respawn_epoch === epoch && typeof m.patrol_respawns === "number" ? m.patrol_respawns : 0;
}

/** The escalation the patrol filed for this bead since it was last slung, if any. */
export function escalationOf(issue: Issue): string | undefined {
  const m = meta(issue);
  const epoch = typeof m.slung_at === "string" ? m.slung_at : "";
  const id = m.patrol_escalation;
  return m.patrol_escalation_epoch === epoch && typeof id === "string" && id ? id : undefined;
}

function minutes(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** When the hook was last (re)started: its sling or its latest resume. */
function hookStartedAt(hook: Issue): number {
  const m = meta(hook);
  const started = Math.max(timeOf(m.slung_at) ?? 0, timeOf(m.resumed_at) ?? 0);
  return started || (timeOf(hook.updated_at) ?? 0);
}

function finding(
  p: PolecatFacts,
  cls: PatrolClass,
  action: PatrolAction,
  detail: string,
  bead?: Issue | string | null,
): Finding {
  const id = typeof bead === "string" ? bead : (bead?.id ?? null);
  return { class: cls, agent: p.address, bead: id, session: p.session, action, acted: false, detail };
}

/** Restart the hook's session, or escalate once the bead has had its restarts. */
function restartOrEscalate(
  p: PolecatFacts,
  hook: Issue,
  cls: PatrolClass,
  why: string,
  t: PatrolThresholds,
): Planned {
  const n = respawnsOf(hook);
  const escalated = escalationOf(hook);
  if (n < t.maxRespawns)
    return {
      finding: finding(p, cls, "restart", `${why}; restart ${n + 1} of ${t.maxRespawns} on its hook`, hook),
      polecat: p,
      issue: hook,
      respawns: n,
    };
  if (escalated)
    return {
      finding: finding(
        p,
        cls,
        "none",
        `${why}; restarted ${n} times and escalated already (${escalated})`,
        hook,
      ),
      polecat: p,
      issue: hook,
    };
  return {
    finding: finding(
      p,
      cls,
      "escalate",
      `${why}; restarted ${n} times already: escalate, no more restarts`,
      hook,
    ),
    polecat: p,
    issue: hook,
    respawns: n,
  };
}

/** Startup stall, hung session, GUPP violation or stall: the most telling one, reported. */
function progressReport(p: PolecatFacts, t: PatrolThresholds, now: number): Planned | undefined {
  const s = p.sessionFacts;
  const quiet = p.lastActivity === null ? null : now - p.lastActivity;
  if (
    s.createdAt !== null &&
    now - s.createdAt >= t.startupStallMs &&
    quiet !== null &&
    quiet >= t.startupActivityMs &&
    p.promptShowing === false
  )
    return {
      finding: finding(
        p,
        "startup-stall",
        "report",
        `session up ${minutes(now - s.createdAt)} without reaching its prompt; quiet for ${minutes(quiet)}`,
        p.hook ?? null,
      ),
      polecat: p,
    };
  const hook = p.hook;
  if (!hook) return undefined;
  if (quiet !== null && quiet >= t.hungMs)
    return {
      finding: finding(p, "hung", "report", `working session quiet for ${minutes(quiet)}`, hook),
      polecat: p,
    };
  const progress = Math.max(
    hookStartedAt(hook),
    timeOf(hook.updated_at) ?? 0,
    p.sandbox.lastCommitAt ?? 0,
    p.heartbeat?.state === "working" ? (timeOf(p.heartbeat.ts) ?? 0) : 0,
  );
  const still = now - progress;
  if (still >= t.guppMs)
    return {
      finding: finding(
        p,
        "gupp-violation",
        "report",
        `hooked work without progress for ${minutes(still)}`,
        hook,
      ),
      polecat: p,
    };
  if (still >= t.stalledMs)
    return {
      finding: finding(p, "stalled", "report", `hooked work without progress for ${minutes(still)}`, hook),
      polecat: p,
    };
  return undefined;
}

function freshHeartbeat(p: PolecatFacts, t: PatrolThresholds, now: number) {
  const at = timeOf(p.heartbeat?.ts);
  return at !== null && now - at < t.heartbeatStaleMs ? p.heartbeat : undefined;
}

/** Verdicts for a polecat inside gt done (a done-intent stands); undefined when there is none. */
function doneVerdict(p: PolecatFacts, t: PatrolThresholds, now: number): Planned[] | undefined {
  const intentAt = timeOf(p.agent.done_intent);
  if (intentAt === null) return undefined;
  const age = now - intentAt;
  const live = p.sessionFacts.alive;
  const hook = p.hook;
  if (live) {
    if (freshHeartbeat(p, t, now)?.state === "exiting" || age < t.doneIntentStuckMs) return [];
    const why = `gt done under way for ${minutes(age)} with its session alive`;
    return [
      hook
        ? restartOrEscalate(p, hook, "stuck-in-done", why, t)
        : {
            finding: finding(
              p,
              "stuck-in-done",
              "stop-session",
              `${why}; its hook is released: stop the session`,
            ),
            polecat: p,
          },
    ];
  }
  if (age < t.doneIntentGraceMs) return [];
  const why = `the session died inside gt done ${minutes(age)} ago`;
  if (hook) return [restartOrEscalate(p, hook, "done-intent-dead", `${why}, the bead still hooked`, t)];
  const mr = typeof p.agent.merge_request === "string" ? p.agent.merge_request : null;
  return [
    {
      finding: finding(
        p,
        "done-intent-dead",
        "finish-done",
        `${why} after releasing its hook: finish the cleanup${mr ? ` and forward ${mr} to the refinery` : ""}`,
        typeof p.agent.hook_bead === "string" ? p.agent.hook_bead : null,
      ),
      polecat: p,
    },
  ];
}

function classifyHooked(p: PolecatFacts, hook: Issue, t: PatrolThresholds, now: number): Planned[] {
  const s = p.sessionFacts;
  if (!s.alive) {
    // A hook this young is a sling still starting its session (or one that just restarted it).
    if (now - hookStartedAt(hook) < t.spawnGraceMs) return [];
    return s.listed
      ? [restartOrEscalate(p, hook, "agent-dead-in-session", "the agent process died in its session", t)]
      : [restartOrEscalate(p, hook, "session-dead-active", "no session while work is hooked", t)];
  }
  const hb = freshHeartbeat(p, t, now);
  if (hb?.state === "stuck" || p.agent.agent_state === "stuck") {
    const why = `the agent says it is stuck${hb?.context ? `: ${hb.context}` : ""}`;
    const escalated = escalationOf(hook);
    return [
      escalated
        ? {
            finding: finding(
              p,
              "self-reported-stuck",
              "none",
              `${why}; escalated already (${escalated})`,
              hook,
            ),
            polecat: p,
            issue: hook,
          }
        : {
            finding: finding(p, "self-reported-stuck", "escalate", `${why}; escalate for help`, hook),
            polecat: p,
            issue: hook,
          },
    ];
  }
  const report = progressReport(p, t, now);
  return report ? [report] : [];
}

function classifyIdle(p: PolecatFacts, facts: RigFacts, t: PatrolThresholds, now: number): Planned[] {
  const out: Planned[] = [];
  const s = p.sessionFacts;
  const heldId = typeof p.agent.hook_bead === "string" ? p.agent.hook_bead : undefined;
  const held = heldId ? facts.beads.get(heldId) : undefined;
  let stopping = false;
  if (s.alive && held && (held.status === "closed" || held.status === "tombstone")) {
    out.push({
      finding: finding(
        p,
        "bead-closed-still-running",
        "stop-session",
        `${held.id} is ${held.status} but its session still runs: stop it, back to idle`,
        held,
      ),
      polecat: p,
      issue: held,
    });
    stopping = true;
  }
  if (typeof p.agent.exit_type === "string" && p.agent.exit_type) {
    // The merge request is this completion's only when it COMPLETED (the fact outlives it).
    const mrId =
      p.agent.exit_type === "COMPLETED" && typeof p.agent.merge_request === "string"
        ? p.agent.merge_request
        : undefined;
    const mr = mrId ? facts.beads.get(mrId) : undefined;
    const pending = mr !== undefined && mr.status !== "closed" && mr.status !== "tombstone";
    const finished = mr ? readMergeRequest(mr).source_issue || null : null;
    out.push({
      finding: finding(
        p,
        "completion",
        pending ? "wake-refinery" : "acknowledge",
        pending
          ? `finished (${p.agent.exit_type}) with ${mrId} waiting: make sure the refinery has it`
          : `finished (${p.agent.exit_type}); now idle`,
        finished,
      ),
      polecat: p,
    });
  }
  if (s.listed && !s.alive) {
    out.push({
      finding: finding(
        p,
        "agent-dead-in-session",
        "stop-session",
        "idle, its agent process dead in the session: clear it",
      ),
      polecat: p,
    });
    stopping = true;
  } else if (s.alive && !stopping) {
    if (freshHeartbeat(p, t, now)?.state === "stuck")
      out.push({
        finding: finding(p, "self-reported-stuck", "report", "idle and says it is stuck"),
        polecat: p,
      });
    const report = progressReport(p, t, now);
    if (report) out.push(report);
    const since = Math.max(p.lastActivity ?? 0, timeOf(p.agent.completion_time) ?? 0);
    if (since > 0 && now - since >= t.idleReapMs)
      out.push({
        finding: finding(
          p,
          "idle-session",
          "reap",
          `idle for ${minutes(now - since)}: stop its session (sandbox and identity stay)`,
        ),
        polecat: p,
      });
  }
  const dirty = p.sandbox.dirty.length;
  if (dirty > 0 || p.sandbox.unpushed > 0) {
    const what = [
      dirty ? `${dirty} uncommitted change(s)` : "",
      p.sandbox.unpushed ? `${p.sandbox.unpushed} unpushed commit(s)` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    out.push({
      finding: finding(
        p,
        "idle-dirty-sandbox",
        s.alive ? "report" : "rescue",
        s.alive
          ? `idle with ${what} in its sandbox`
          : `idle with ${what} in its sandbox: push them to a rescue branch`,
      ),
      polecat: p,
    });
  }
  return out;
}

export function classifyPolecat(
  p: PolecatFacts,
  facts: RigFacts,
  t: PatrolThresholds,
  now: number,
): Planned[] {
  if (p.agent.agent_state === "nuked") return [];
  if (p.hook && slingInFlight(p.hook)) return []; // a sling is making it right now
  const done = doneVerdict(p, t, now);
  if (done) return done;
  return p.hook ? classifyHooked(p, p.hook, t, now) : classifyIdle(p, facts, t, now);
}

function classifyOrphan(bead: Issue, t: PatrolThresholds, now: number): Planned | undefined {
  const m = meta(bead);
  if (bead.status !== HOOKED && (typeof m.merge_request === "string" || m.ready_for_review === true))
    return undefined;
  if (slingInFlight(bead)) return undefined;
  if (now - hookStartedAt(bead) < t.spawnGraceMs) return undefined; // its sling may still be running
  return {
    finding: {
      class: "orphaned-bead",
      agent: bead.assignee ?? "",
      bead: bead.id,
      session: null,
      action: "reset-open",
      acted: false,
      detail: `${bead.status} on ${bead.assignee}, which no longer exists: back to open`,
    },
    issue: bead,
  };
}

/** Every finding of one rig, polecats in name order, then orphaned beads. */
export function classifyRig(facts: RigFacts, t: PatrolThresholds): Planned[] {
  const out: Planned[] = [];
  for (const p of facts.polecats) out.push(...classifyPolecat(p, facts, t, facts.now));
  for (const b of facts.orphans) {
    const o = classifyOrphan(b, t, facts.now);
    if (o) out.push(o);
  }
  return out;
}
