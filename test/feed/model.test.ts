// gt feed's model, pure: --since parsing, the plain line, the agent tree with each agent's
// latest activity, the convoy panel, the problems rows and the key reducer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentStatus } from "../../src/agents/inventory.ts";
import { curate } from "../../src/events/curate.ts";
import type { TownEvent } from "../../src/events/log.ts";
import type { AgentProblem } from "../../src/events/problems.ts";
import {
  ActivityIndex,
  agentOrder,
  agentTree,
  clock,
  convoyLines,
  eventInRig,
  INITIAL_UI,
  type ListSizes,
  parseSince,
  plainLine,
  problemLines,
  progressBar,
  reduceKey,
  streamLine,
} from "../../src/feed/model.ts";
import { FeedStore } from "../../src/feed/store.ts";
import type { ConvoyView } from "../../src/work/convoys.ts";

const T0 = Date.parse("2026-03-01T12:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function ev(type: string, actor: string, payload: Record<string, unknown>, s = 0): TownEvent {
  return { ts: at(s), source: "gt", type, actor, payload, visibility: "feed" };
}

function agent(
  address: string,
  role: string,
  rig: string | null,
  extra: Partial<AgentStatus> = {},
): AgentStatus {
  return {
    address,
    role,
    rig,
    name: null,
    session: `s-${address.replaceAll("/", "-")}`,
    state: "running",
    running: true,
    pid: 1,
    agent: null,
    hook: null,
    hook_title: null,
    work_dir: "/x",
    ...extra,
  };
}

function convoy(id: string, closed: number, total: number, extra: Partial<ConvoyView> = {}): ConvoyView {
  return {
    id,
    title: `convoy ${id}`,
    status: "open",
    owner: null,
    notify: "mayor",
    created_at: at(0),
    closed_at: null,
    close_reason: null,
    tracked: [],
    total,
    closed,
    workers: [],
    ...extra,
  };
}

const curateAll = (events: TownEvent[]) => curate(events);

describe("parseSince", () => {
  it("reads durations back from now and ISO times, and refuses anything else", () => {
    assert.equal(parseSince("30m", T0), T0 - 30 * 60_000);
    assert.equal(parseSince("1h", T0), T0 - 3_600_000);
    assert.equal(parseSince("90s", T0), T0 - 90_000);
    assert.equal(parseSince("2d", T0), T0 - 2 * 86_400_000);
    assert.equal(parseSince("2026-03-01T10:00:00Z", T0), Date.parse("2026-03-01T10:00:00Z"));
    assert.throws(() => parseSince("yesterday", T0), /invalid --since "yesterday"/);
    assert.throws(() => parseSince("5", T0), /invalid --since/);
  });
});

describe("plain lines", () => {
  it("are HH:MM:SS glyph actor detail, with stored control characters made inert", () => {
    const e = ev("sling", "mayor", { bead: "gr-1", target: "greeter/polecats/toast" });
    assert.equal(plainLine(e), `${clock(e.ts)} 🎯 mayor gr-1 → greeter/polecats/toast`);
    assert.match(clock(e.ts), /^\d\d:\d\d:\d\d$/);
    const evil = ev("mail", "x\u001b[2J", { to: "mayor", subject: "hi\nthere\u0007" });
    const line = plainLine(evil);
    assert.ok(!/[\u0000-\u001f]/.test(line), line);
    assert.match(line, /✉ x␛\[2J to mayor: hi there␇$/);
  });

  it("an aggregate stream line names its actor only when all its events share it", () => {
    const starts = curateAll([
      ev("session_start", "greeter/polecats/a", { rig: "greeter", session: "gr-a" }, 1),
      ev("session_start", "greeter/polecats/b", { rig: "greeter", session: "gr-b" }, 2),
      ev("session_start", "greeter/polecats/c", { rig: "greeter", session: "gr-c" }, 3),
    ]);
    assert.equal(starts.length, 1);
    assert.equal(streamLine(starts[0]!), `${clock(at(3))} + 3 sessions started in greeter`);
    const slings = curateAll(
      [1, 2, 3].map((i) => ev("sling", "mayor", { bead: `gr-${i}`, target: `greeter/polecats/p${i}` }, i)),
    );
    assert.equal(streamLine(slings[0]!), `${clock(at(3))} 🎯 mayor 3 beads slung to greeter`);
    const one = curateAll([ev("done", "greeter/polecats/a", { bead: "gr-1" }, 1)]);
    assert.equal(streamLine(one[0]!), `${clock(at(1))} ✓ greeter/polecats/a gr-1 done`);
  });

  it("a rig's events are the ones naming the rig or one of its agents", () => {
    assert.ok(eventInRig(ev("spawn", "greeter/witness", { rig: "greeter", polecat: "a" }), "greeter"));
    assert.ok(eventInRig(ev("done", "greeter/polecats/toast", { bead: "gr-1" }), "greeter"));
    assert.ok(eventInRig(ev("sling", "mayor", { bead: "gr-1", target: "greeter/polecats/a" }), "greeter"));
    assert.ok(!eventInRig(ev("sling", "mayor", { bead: "x-1", target: "other/polecats/a" }), "greeter"));
    assert.ok(!eventInRig(ev("mail", "mayor", { to: "deacon", subject: "s" }), "greeter"));
  });
});

describe("agent tree", () => {
  const agents = [
    agent("greeter/polecats/toast", "polecat", "greeter", { hook: "gr-1" }),
    agent("greeter/refinery", "refinery", "greeter"),
    agent("mayor", "mayor", null, { state: "stopped", running: false }),
    agent("greeter/polecats/ace", "polecat", "greeter", { state: "zombie", running: false }),
    agent("other/witness", "witness", "other"),
  ];

  it("groups agents by role, town roles first, each with its latest activity", () => {
    const idx = new ActivityIndex();
    for (const e of [
      ev("sling", "mayor", { bead: "gr-1", target: "greeter/polecats/toast" }, 1),
      ev("done", "greeter/polecats/toast", { bead: "gr-1", branch: "polecat/toast" }, 5),
      ev("merge_started", "greeter/refinery", { mr: "gr-9", worker: "greeter/polecats/toast" }, 7),
      // An older event delivered late does not replace a newer one.
      ev("spawn", "greeter/witness", { rig: "greeter", polecat: "toast" }, 3),
    ])
      idx.note(e);
    const tree = agentTree(agents, idx);
    assert.deepEqual(
      tree.map((g) => [g.role, g.agents.map((a) => a.address)]),
      [
        ["mayor", ["mayor"]],
        ["witness", ["other/witness"]],
        ["refinery", ["greeter/refinery"]],
        ["polecat", ["greeter/polecats/ace", "greeter/polecats/toast"]],
      ],
    );
    const toast = agentOrder(tree).find((a) => a.address === "greeter/polecats/toast")!;
    // The merge that names it as worker is newer than its own done.
    assert.match(toast.activity, /⚙ gr-9 by greeter\/polecats\/toast$/);
    assert.equal(toast.mark, "●");
    assert.equal(agentOrder(tree).find((a) => a.address === "greeter/polecats/ace")!.mark, "💀");
    assert.match(agentOrder(tree).find((a) => a.address === "mayor")!.activity, /🎯 gr-1/);
    assert.equal(agentOrder(tree).find((a) => a.address === "other/witness")!.activity, "");
  });

  it("--rig keeps that rig's agents only", () => {
    const tree = agentTree(agents, new ActivityIndex(), "greeter");
    assert.deepEqual(
      agentOrder(tree).map((a) => a.address),
      ["greeter/refinery", "greeter/polecats/ace", "greeter/polecats/toast"],
    );
  });

  it("an agent's row tells its own latest event even when the stream folded it into a burst", () => {
    const store = new FeedStore();
    for (const p of ["a", "b", "c"])
      store.push(
        ev("sling", "mayor", { bead: `gr-${p}`, target: `greeter/polecats/${p}` }, p.charCodeAt(0) - 96),
      );
    assert.deepEqual(
      store.items().map((i) => i.text),
      ["3 beads slung to greeter"],
    );
    const rows = agentOrder(
      agentTree(
        ["a", "b", "c"].map((p) => agent(`greeter/polecats/${p}`, "polecat", "greeter")),
        store.activity,
      ),
    );
    assert.deepEqual(
      rows.map((r) => r.activity.replace(/^\S+ /, "")),
      ["🎯 gr-a → greeter/polecats/a", "🎯 gr-b → greeter/polecats/b", "🎯 gr-c → greeter/polecats/c"],
    );
  });

  it("the store drops audit-only events and, with a rig, other rigs' items", () => {
    const store = new FeedStore("greeter");
    let heard = 0;
    store.subscribe(() => heard++);
    store.push({
      ...ev("sling", "mayor", { bead: "gr-1", target: "greeter/polecats/a" }),
      visibility: "audit",
    });
    store.push(ev("sling", "mayor", { bead: "o-1", target: "other/polecats/b" }, 1));
    store.push(ev("done", "greeter/polecats/a", { bead: "gr-1" }, 2));
    assert.equal(heard, 2);
    assert.deepEqual(
      store.items().map((i) => i.type),
      ["done"],
    );
  });
});

describe("convoy panel", () => {
  it("shows convoys in progress, then recently landed ones, with bars", () => {
    const now = T0 + 3_600_000;
    const lines = convoyLines(
      [
        convoy("hq-cv-old", 3, 3, { status: "closed", closed_at: at(-3 * 86_400) }),
        convoy("hq-cv-b", 1, 4, { created_at: at(60) }),
        convoy("hq-cv-land", 5, 5, { status: "closed", closed_at: at(600) }),
        convoy("hq-cv-a", 0, 2),
      ],
      now,
    );
    assert.deepEqual(
      lines.map((l) => [l.id, l.landed, l.bar]),
      [
        ["hq-cv-a", false, "░░░░░░░░░░"],
        ["hq-cv-b", false, "███░░░░░░░"],
        ["hq-cv-land", true, "██████████"],
      ],
    );
    assert.equal(progressBar(0, 0), "░░░░░░░░░░");
    assert.equal(progressBar(1, 2, 4), "██░░");
  });

  it("--rig keeps convoys tracking a bead of that rig", () => {
    const bead = (rig: string) => ({
      id: "x",
      title: "t",
      status: "open",
      assignee: null,
      rig,
      missing: false,
    });
    const lines = convoyLines(
      [
        convoy("hq-cv-1", 0, 1, { tracked: [bead("greeter")] }),
        convoy("hq-cv-2", 0, 1, { tracked: [bead("other")] }),
      ],
      T0,
      "greeter",
    );
    assert.deepEqual(
      lines.map((l) => l.id),
      ["hq-cv-1"],
    );
  });
});

describe("problems rows", () => {
  it("keep the urgency order, name the bead and how long it has been quiet", () => {
    const row = (agent: string, state: AgentProblem["state"], quiet: number | null): AgentProblem => ({
      agent,
      rig: agent.split("/")[0]!,
      role: "polecat",
      session: `s-${agent}`,
      session_alive: state !== "zombie",
      bead: quiet === null ? null : "gr-1",
      state,
      glyph: { gupp: "🔥", stalled: "⚠", zombie: "💀", working: "●", idle: "○" }[state],
      detail: "d",
      quiet_ms: quiet,
    });
    const lines = problemLines([
      row("greeter/polecats/a", "gupp", 95 * 60_000),
      row("other/polecats/b", "idle", null),
    ]);
    assert.deepEqual(
      lines.map((l) => [l.glyph, l.agent, l.text]),
      [
        ["🔥", "greeter/polecats/a", "gr-1  d  1h35m quiet"],
        ["○", "other/polecats/b", "d"],
      ],
    );
    assert.equal(problemLines([row("other/polecats/b", "idle", null)], "greeter").length, 0);
  });
});

describe("keys", () => {
  const sizes: ListSizes = { agents: 3, convoys: 2, events: 5, problems: 2 };
  const press = (keys: (string | Record<string, boolean>)[]) => {
    let s = INITIAL_UI;
    const actions: string[] = [];
    for (const k of keys) {
      const r = reduceKey(s, typeof k === "string" ? { input: k } : { input: "", ...k }, sizes);
      s = r.state;
      if (r.action) actions.push(r.action);
    }
    return { s, actions };
  };

  it("Tab and 1/2/3 change panel, j/k move inside it and stop at the ends", () => {
    assert.equal(press([{ tab: true }]).s.panel, "convoys");
    assert.equal(press([{ tab: true }, { tab: true }, { tab: true }]).s.panel, "agents");
    assert.equal(press([{ shiftTab: true }]).s.panel, "events");
    assert.equal(press(["3"]).s.panel, "events");
    assert.equal(press(["2", "1"]).s.panel, "agents");
    assert.equal(press(["j", "j", "j", "j"]).s.cursor.agents, 2);
    assert.equal(press(["j", "k", "k"]).s.cursor.agents, 0);
    assert.equal(press(["2", "j"]).s.cursor.convoys, 1);
  });

  it("scrolling the stream up stops following; back at its end follows again", () => {
    const up = press(["3", "j", "j", "j", "j", "k"]).s;
    assert.equal(up.follow, false);
    assert.equal(up.cursor.events, 3);
    assert.equal(press(["3", "j", "j", "j", "j", "k", "j"]).s.follow, true);
  });

  it("p toggles the problems view, ? the help, q quits; Enter n h act on agents only", () => {
    assert.equal(press(["p"]).s.problems, true);
    assert.equal(press(["p", "p"]).s.problems, false);
    assert.equal(press(["p", "j"]).s.cursor.problems, 1);
    assert.equal(press(["?"]).s.help, true);
    // Keys other than ? and q do nothing under the help.
    assert.equal(press(["?", "2"]).s.panel, "agents");
    assert.equal(press(["?", "?"]).s.help, false);
    assert.deepEqual(press(["q"]).actions, ["quit"]);
    assert.deepEqual(press([{ return: true }, "n", "h"]).actions, ["attach", "nudge", "handoff"]);
    assert.deepEqual(press(["2", { return: true }, "n", "h"]).actions, []);
    assert.deepEqual(press(["p", "2", { return: true }]).actions, ["attach"]);
  });
});
