import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Curator, curate } from "../../src/events/curate.ts";
import type { TownEvent } from "../../src/events/log.ts";
import { type AgentProblem, problemCounts, problemState, sortProblems } from "../../src/events/problems.ts";

const T0 = Date.parse("2026-01-01T10:00:00Z");

function ev(type: string, sec: number, payload: Record<string, unknown> = {}, actor = "mayor"): TownEvent {
  return {
    ts: new Date(T0 + sec * 1000).toISOString(),
    source: "gt",
    type,
    actor,
    payload,
    visibility: "feed",
  };
}

describe("curate", () => {
  it("drops audit-only events", () => {
    const items = curate([
      { ...ev("patrol", 0), visibility: "audit" },
      ev("nudge", 1, { target: "alpha/witness" }),
    ]);
    assert.deepEqual(
      items.map((i) => i.type),
      ["nudge"],
    );
  });

  it("folds identical repeats inside the window into one line with a count", () => {
    const n = (s: number) => ev("nudge", s, { target: "alpha/polecats/p1", reason: "wake" }, "alpha/witness");
    const items = curate([n(0), n(10), n(20), n(200)]);
    assert.equal(items.length, 2, "the repeat after the window is its own line");
    assert.equal(items[0]?.count, 3);
    assert.equal(items[0]?.kind, "repeat");
    assert.match(items[0]?.text ?? "", /×3/);
    assert.equal(items[1]?.count, 1);
  });

  it("aggregates a burst of three or more slings to one rig; two stay separate", () => {
    const s = (bead: string, sec: number, rig = "alpha") =>
      ev("sling", sec, { bead, target: `${rig}/polecats/${bead}` });
    const two = curate([s("a-1", 0), s("a-2", 5)]);
    assert.equal(two.length, 2);
    const five = curate([
      s("a-1", 0),
      s("b-1", 1, "beta"),
      s("a-2", 5),
      s("a-3", 9),
      s("a-4", 12),
      s("a-5", 20),
    ]);
    const burst = five.find((i) => i.kind === "burst");
    assert.ok(burst, JSON.stringify(five, null, 1));
    assert.equal(burst.count, 5);
    assert.equal(burst.text, "5 beads slung to alpha");
    assert.equal(five.length, 2, "the beta sling stays its own line");
    assert.equal(five.at(-1), burst, "the aggregate sits at its newest event");
  });

  it("does not join events further apart than the burst window", () => {
    const m = (mr: string, sec: number) => ev("merged", sec, { mr, rig: "alpha" }, "alpha/refinery");
    const items = curate([m("m1", 0), m("m2", 100), m("m3", 200)]);
    assert.equal(items.length, 3);
    assert.ok(items.every((i) => i.kind === "event"));
  });

  it("is incremental: push returns the line an event landed in", () => {
    const c = new Curator({ burstMin: 2 });
    const first = c.push(ev("spawn", 0, { rig: "alpha", polecat: "p1" }));
    assert.equal(first?.count, 1);
    const second = c.push(ev("spawn", 1, { rig: "alpha", polecat: "p2" }));
    assert.equal(second?.text, "2 polecats spawned in alpha");
    assert.equal(c.items().length, 1);
  });
});

describe("problem states", () => {
  const base = { hooked: false, sessionAlive: false, sessionListed: false, findingClasses: [] as string[] };
  it("orders GUPP before stalled before zombie before working before idle", () => {
    assert.equal(
      problemState({ ...base, hooked: true, sessionAlive: true, findingClasses: ["gupp-violation"] }),
      "gupp",
    );
    assert.equal(
      problemState({ ...base, hooked: true, sessionAlive: true, findingClasses: ["stalled"] }),
      "stalled",
    );
    assert.equal(problemState({ ...base, hooked: true, findingClasses: ["session-dead-active"] }), "zombie");
    assert.equal(problemState({ ...base, sessionListed: true }), "zombie");
    assert.equal(problemState({ ...base, hooked: true, sessionAlive: true }), "working");
    assert.equal(problemState({ ...base, sessionAlive: true }), "idle");
    const row = (agent: string, state: AgentProblem["state"]): AgentProblem => ({
      agent,
      rig: "alpha",
      role: "polecat",
      session: null,
      session_alive: false,
      bead: null,
      state,
      glyph: "",
      detail: "",
      quiet_ms: null,
    });
    const sorted = sortProblems([
      row("a", "idle"),
      row("b", "working"),
      row("c", "gupp"),
      row("d", "zombie"),
    ]);
    assert.deepEqual(
      sorted.map((r) => r.state),
      ["gupp", "zombie", "working", "idle"],
    );
    assert.equal(problemCounts(sorted).gupp, 1);
  });
});
