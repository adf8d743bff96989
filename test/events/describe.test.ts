import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detailOf, glyphOf, townLogLine } from "../../src/events/describe.ts";
import type { TownEvent } from "../../src/events/event.ts";

const ev = (type: string, payload: Record<string, unknown>, actor = "alpha/polecats/toast"): TownEvent => ({
  ts: "2026-12-01T10:02:03.000Z",
  source: "gt",
  type,
  actor,
  payload,
  visibility: "feed",
});

describe("how an event reads", () => {
  it("a session start says the role and how it began, not the agent's session UUID", () => {
    const d = detailOf(
      ev("session_start", { session_id: "0d7c1e2a-uuid", source: "startup", role: "polecat" }),
    );
    assert.equal(d, "polecat startup");
  });

  it("a merge queue run says what landed and what was rejected", () => {
    const e = ev(
      "merge_queue_run",
      { rig: "alpha", batches: 2, gate_runs: 3, landed: 4, rejected: 1 },
      "alpha/refinery",
    );
    assert.equal(detailOf(e), "alpha: 4 landed, 1 rejected in 2 batch(es), 3 gate run(s)");
    assert.equal(
      townLogLine(e),
      "2026-12-01 10:02:03 [merge_queue_run] alpha/refinery alpha: 4 landed, 1 rejected in 2 batch(es), 3 gate run(s)",
    );
  });

  it("glyphs follow the spec; patrol events are the owl, unknown ones a dot", () => {
    assert.equal(glyphOf("sling"), "🎯");
    assert.equal(glyphOf("patrol_started"), "🦉");
    assert.equal(glyphOf("something_else"), "·");
  });
});
