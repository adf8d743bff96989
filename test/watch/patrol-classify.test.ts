// The patrol's verdicts on hand-made facts: each zombie class of spec §4.4 with its action,
// the spawn grace, the respawn limit, the stall and progress reports, completions, reaping
// and orphans — the rules alone, with a fixed clock. (patrol.test.ts runs them on real towns.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Issue } from "../../src/ledger/model.ts";
import { classifyRig, type Finding } from "../../src/watch/patrol-classify.ts";
import { defaultThresholds, type PatrolThresholds } from "../../src/watch/patrol-config.ts";
import type { PolecatFacts, RigFacts } from "../../src/watch/patrol-facts.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

function bead(id: string, over: Partial<Issue> = {}): Issue {
  return {
    id,
    title: `task ${id}`,
    status: "hooked",
    priority: 2,
    issue_type: "task",
    assignee: "alpha/polecats/toast",
    created_at: ago(60 * MIN),
    updated_at: ago(10 * MIN),
    metadata: { slung_at: ago(10 * MIN), sling_stage: "done" },
    ...over,
  };
}

function polecat(over: Partial<PolecatFacts> = {}): PolecatFacts {
  return {
    rig: "alpha",
    name: "toast",
    address: "alpha/polecats/toast",
    session: "al-toast",
    workDir: "/nowhere/alpha/polecats/toast/alpha",
    agentBeadId: "al-alpha-polecat-toast",
    agent: { agent_state: "working", agent: "script" },
    hook: undefined,
    sessionFacts: { listed: true, alive: true, createdAt: NOW - 10 * MIN },
    heartbeat: undefined,
    lastActivity: NOW - 5_000,
    promptShowing: true,
    sandbox: { exists: true, dirty: [], unpushed: 0, lastCommitAt: null },
    ...over,
  };
}

function scan(
  polecats: PolecatFacts[],
  extra: Partial<RigFacts> = {},
  t: Partial<PatrolThresholds> = {},
): Finding[] {
  const facts: RigFacts = { rig: "alpha", now: NOW, polecats, beads: new Map(), orphans: [], ...extra };
  return classifyRig(facts, { ...defaultThresholds(), ...t }).map((p) => p.finding);
}

const brief = (f: Finding[]) => f.map((x) => `${x.class}:${x.action}`);

describe("patrol verdicts", () => {
  it("a working polecat with a live session and recent progress is left alone", () => {
    assert.deepEqual(scan([polecat({ hook: bead("al-1") })]), []);
  });

  it("session-dead-active: hooked, no session, past the spawn grace → restart; inside it → nothing", () => {
    const dead = { listed: false, alive: false, createdAt: null };
    const f = scan([polecat({ hook: bead("al-1"), sessionFacts: dead })]);
    assert.deepEqual(brief(f), ["session-dead-active:restart"]);
    assert.equal(f[0]!.bead, "al-1");
    assert.equal(f[0]!.agent, "alpha/polecats/toast");
    assert.equal(f[0]!.session, "al-toast");
    assert.equal(f[0]!.acted, false);
    assert.match(f[0]!.detail, /restart 1 of 3/);
    const fresh = bead("al-1", { metadata: { slung_at: ago(4 * MIN), sling_stage: "done" } });
    assert.deepEqual(scan([polecat({ hook: fresh, sessionFacts: dead })]), [], "4 min < the 5-min grace");
    // A resume restarts the grace too.
    const resumed = bead("al-1", { metadata: { slung_at: ago(60 * MIN), resumed_at: ago(MIN) } });
    assert.deepEqual(scan([polecat({ hook: resumed, sessionFacts: dead })]), []);
  });

  it("agent-dead-in-session: the pane is there, its agent exited → restart", () => {
    const f = scan([
      polecat({ hook: bead("al-1"), sessionFacts: { listed: true, alive: false, createdAt: NOW - MIN } }),
    ]);
    assert.deepEqual(brief(f), ["agent-dead-in-session:restart"]);
  });

  it("at most three restarts per bead, then one escalation, then nothing more", () => {
    const dead = { listed: false, alive: false, createdAt: null };
    const slung = ago(60 * MIN);
    const at = (n: number, extra: Record<string, unknown> = {}) =>
      bead("al-1", {
        metadata: {
          slung_at: slung,
          resumed_at: ago(10 * MIN),
          patrol_respawns: n,
          patrol_respawn_epoch: slung,
          ...extra,
        },
      });
    assert.match(scan([polecat({ hook: at(2), sessionFacts: dead })])[0]!.detail, /restart 3 of 3/);
    assert.deepEqual(brief(scan([polecat({ hook: at(3), sessionFacts: dead })])), [
      "session-dead-active:escalate",
    ]);
    const escalated = at(3, { patrol_escalation: "hq-e1", patrol_escalation_epoch: slung });
    const f = scan([polecat({ hook: escalated, sessionFacts: dead })]);
    assert.deepEqual(brief(f), ["session-dead-active:none"]);
    assert.match(f[0]!.detail, /escalated already \(hq-e1\)/);
    // A new sling of the bead (another slung_at) starts the count again.
    const reslung = bead("al-1", {
      metadata: { slung_at: ago(30 * MIN), patrol_respawns: 3, patrol_respawn_epoch: slung },
    });
    assert.match(scan([polecat({ hook: reslung, sessionFacts: dead })])[0]!.detail, /restart 1 of 3/);
    assert.deepEqual(
      brief(scan([polecat({ hook: at(1), sessionFacts: dead })], {}, { maxRespawns: 1 })),
      ["session-dead-active:escalate"],
      "the limit is a setting",
    );
  });

  it("stuck-in-done: a done-intent older than 60 s with the session alive; younger is gt done at work", () => {
    const inDone = (age: number, hook?: Issue) =>
      polecat({ hook, agent: { agent_state: "working", done_intent: ago(age) } });
    assert.deepEqual(scan([inDone(30_000, bead("al-1"))]), []);
    assert.deepEqual(brief(scan([inDone(90_000, bead("al-1"))])), ["stuck-in-done:restart"]);
    assert.deepEqual(
      brief(scan([inDone(90_000)])),
      ["stuck-in-done:stop-session"],
      "hook released: stop only",
    );
    const exiting = polecat({
      agent: { done_intent: ago(90_000) },
      heartbeat: { state: "exiting", ts: ago(10_000), context: null, bead: null },
    });
    assert.deepEqual(scan([exiting]), [], "a fresh 'exiting' heartbeat is believed");
  });

  it("done-intent-dead: the session died inside gt done → resume the hook, or finish and forward the MR", () => {
    const gone = { listed: false, alive: false, createdAt: null };
    const died = (age: number, hook?: Issue, extra: Record<string, unknown> = {}) =>
      polecat({ hook, sessionFacts: gone, agent: { done_intent: ago(age), ...extra } });
    assert.deepEqual(scan([died(10_000, bead("al-1"))]), [], "inside the 30-s grace");
    assert.deepEqual(brief(scan([died(60_000, bead("al-1"))])), ["done-intent-dead:restart"]);
    const f = scan([died(60_000, undefined, { merge_request: "al-mr1", hook_bead: "al-1" })]);
    assert.deepEqual(brief(f), ["done-intent-dead:finish-done"]);
    assert.match(f[0]!.detail, /forward al-mr1/);
  });

  it("bead-closed-still-running: the bead it holds was closed under a live session → stop it", () => {
    const closed = bead("al-1", { status: "closed" });
    const p = polecat({ agent: { agent_state: "working", hook_bead: "al-1" } });
    const f = scan([p], { beads: new Map([["al-1", closed]]) });
    assert.deepEqual(brief(f), ["bead-closed-still-running:stop-session"]);
    assert.equal(f[0]!.bead, "al-1");
    const open = bead("al-1", { status: "open", assignee: undefined });
    assert.deepEqual(
      scan([p], { beads: new Map([["al-1", open]]) }),
      [],
      "taken back, not closed: not this class",
    );
  });

  it("idle-dirty-sandbox: rescue when no session runs, report while one does", () => {
    const dirty = { exists: true, dirty: ["notes.txt"], unpushed: 0, lastCommitAt: null };
    const idle = { agent_state: "idle" };
    const gone = { listed: false, alive: false, createdAt: null };
    assert.deepEqual(brief(scan([polecat({ agent: idle, sandbox: dirty, sessionFacts: gone })])), [
      "idle-dirty-sandbox:rescue",
    ]);
    assert.deepEqual(brief(scan([polecat({ agent: idle, sandbox: dirty })])), ["idle-dirty-sandbox:report"]);
    const unpushed = { exists: true, dirty: [], unpushed: 2, lastCommitAt: null };
    assert.match(
      scan([polecat({ agent: idle, sandbox: unpushed, sessionFacts: gone })])[0]!.detail,
      /2 unpushed commit/,
    );
  });

  it("self-reported-stuck: a fresh 'stuck' heartbeat is escalated once; a stale one is not believed", () => {
    const hb = (age: number) => ({
      state: "stuck" as const,
      ts: ago(age),
      context: "tests hang",
      bead: null,
    });
    const f = scan([polecat({ hook: bead("al-1"), heartbeat: hb(MIN) })]);
    assert.deepEqual(brief(f), ["self-reported-stuck:escalate"]);
    assert.match(f[0]!.detail, /tests hang/);
    assert.deepEqual(scan([polecat({ hook: bead("al-1"), heartbeat: hb(5 * MIN) })]), []);
    const done = bead("al-1", {
      metadata: {
        slung_at: ago(10 * MIN),
        patrol_escalation: "hq-e2",
        patrol_escalation_epoch: ago(10 * MIN),
      },
    });
    assert.deepEqual(brief(scan([polecat({ hook: done, heartbeat: hb(MIN) })])), [
      "self-reported-stuck:none",
    ]);
  });

  it("stalls are reported: stalled at 15 min without progress, GUPP at 30, hung when the session is quiet 30 min", () => {
    const old = (min: number) =>
      bead("al-1", { updated_at: ago(min * MIN), metadata: { slung_at: ago(min * MIN) } });
    assert.deepEqual(brief(scan([polecat({ hook: old(20) })])), ["stalled:report"]);
    assert.deepEqual(brief(scan([polecat({ hook: old(40) })])), ["gupp-violation:report"]);
    // A commit in the sandbox is progress.
    const committed = { exists: true, dirty: [], unpushed: 0, lastCommitAt: NOW - MIN };
    assert.deepEqual(scan([polecat({ hook: old(40), sandbox: committed })]), []);
    assert.deepEqual(brief(scan([polecat({ hook: old(40), lastActivity: NOW - 31 * MIN })])), [
      "hung:report",
    ]);
  });

  it("startup-stall: an old session, quiet, its prompt never showing", () => {
    const stuck = polecat({
      hook: bead("al-1"),
      sessionFacts: { listed: true, alive: true, createdAt: NOW - 3 * MIN },
      lastActivity: NOW - 2 * MIN,
      promptShowing: false,
    });
    assert.deepEqual(brief(scan([stuck])), ["startup-stall:report"]);
    assert.deepEqual(scan([{ ...stuck, promptShowing: true }]), [], "at its prompt: started fine");
    assert.deepEqual(scan([{ ...stuck, promptShowing: null }]), [], "no prompt rule: nothing to judge by");
  });

  it("completion discovery: finished work with its MR waiting → make sure the refinery has it; else acknowledge", () => {
    const mr = bead("al-mr1", {
      status: "open",
      issue_type: "merge-request",
      metadata: { source_issue: "al-1" },
    });
    const finished = polecat({
      agent: {
        agent_state: "idle",
        exit_type: "COMPLETED",
        merge_request: "al-mr1",
        completion_time: ago(5_000),
      },
    });
    const waiting = scan([finished], { beads: new Map([["al-mr1", mr]]) });
    assert.deepEqual(brief(waiting), ["completion:wake-refinery"]);
    assert.equal(waiting[0]!.bead, "al-1", "the bead its merge request is for");
    const escalated = polecat({ agent: { ...finished.agent, exit_type: "ESCALATED" } });
    const e = scan([escalated], { beads: new Map([["al-mr1", mr]]) });
    assert.deepEqual(brief(e), ["completion:acknowledge"], "an older MR is not this completion's");
    assert.equal(e[0]!.bead, null);
    const merged = { ...mr, status: "closed" as const };
    assert.deepEqual(brief(scan([finished], { beads: new Map([["al-mr1", merged]]) })), [
      "completion:acknowledge",
    ]);
  });

  it("an idle session is reaped after the idle time; a busy or young one is not", () => {
    const idle = (quietMin: number) =>
      polecat({
        agent: { agent_state: "idle", completion_time: ago(60 * MIN) },
        lastActivity: NOW - quietMin * MIN,
      });
    assert.deepEqual(brief(scan([idle(16)])), ["idle-session:reap"]);
    assert.deepEqual(scan([idle(14)]), []);
    assert.deepEqual(
      brief(scan([idle(2)], {}, { idleReapMs: MIN })),
      ["idle-session:reap"],
      "the time is a setting",
    );
    assert.deepEqual(
      scan([
        polecat({ agent: { agent_state: "idle", completion_time: ago(MIN) }, lastActivity: NOW - 20 * MIN }),
      ]),
      [],
      "finished a minute ago",
    );
  });

  it("orphaned beads: held by an agent that no longer exists → back to open, unless the refinery has it", () => {
    const orphan = bead("al-9", { assignee: "alpha/polecats/ghost", metadata: { slung_at: ago(20 * MIN) } });
    const f = scan([], { orphans: [orphan] });
    assert.deepEqual(brief(f), ["orphaned-bead:reset-open"]);
    assert.equal(f[0]!.agent, "alpha/polecats/ghost");
    assert.equal(f[0]!.session, null);
    const waiting = bead("al-9", {
      status: "in_progress",
      assignee: "alpha/polecats/ghost",
      metadata: { merge_request: "al-mr9" },
    });
    assert.deepEqual(scan([], { orphans: [waiting] }), [], "its MR is in the queue: the refinery closes it");
    const young = bead("al-9", { assignee: "alpha/polecats/ghost", metadata: { slung_at: ago(MIN) } });
    assert.deepEqual(scan([], { orphans: [young] }), [], "inside the grace");
  });

  it("a sling in flight and a nuked polecat are not judged", () => {
    // A live process other than this one is slinging it (slingInFlight ignores our own pid).
    const inflight = bead("al-1", {
      metadata: { slung_at: ago(20 * MIN), sling_stage: "sandbox", sling_pid: process.ppid },
    });
    const gone = { listed: false, alive: false, createdAt: null };
    assert.deepEqual(scan([polecat({ hook: inflight, sessionFacts: gone })]), []);
    assert.deepEqual(
      scan([polecat({ agent: { agent_state: "nuked" }, hook: bead("al-1"), sessionFacts: gone })]),
      [],
    );
  });
});
