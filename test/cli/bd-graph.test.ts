import "../helpers/isolation.ts";
// bd graph (layers, --dot, --json), epic status / close-eligible, dep relate/unrelate and
// label propagate, checked through what they print and what they change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IssueDetails } from "../../src/ledger/model.ts";
import { bd, bdJson, createIssue, freshLedger } from "../helpers/bd.ts";

describe("bd graph, epic, relate, propagate", { concurrency: true }, () => {
  it("graph lays beads out by their blocks edges; --dot draws them", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A");
    const b = await createIssue(l.dir, "B", ["--deps", a]);
    const c = await createIssue(l.dir, "C", ["--deps", b]);
    const lone = await createIssue(l.dir, "Lone");
    const g = await bdJson<{ root: { id: string }; layout: { Layers: string[][]; MaxLayer: number } }>(
      l.dir,
      ["graph", b],
    );
    assert.equal(g.root.id, b);
    assert.deepEqual(g.layout.Layers, [[a], [b], [c]]);
    assert.equal(g.layout.MaxLayer, 2);
    const text = (await bd(l.dir, ["graph", a])).stdout;
    assert.match(text, new RegExp(`Layer 2:\\n.*${c}.*← ${b}`));
    assert.ok(!text.includes(lone));
    const dot = (await bd(l.dir, ["graph", a, "--dot"])).stdout;
    assert.match(dot, /^digraph beads \{/);
    assert.ok(dot.includes(`"${a}" -> "${b}";`) && dot.includes(`"${b}" -> "${c}";`));
    assert.match((await bd(l.dir, ["graph"])).stderr, /issue ID required/);
    assert.match((await bd(l.dir, ["graph", "t-none"])).stderr, /no issue found/);
  });

  it("epic status counts children; close-eligible closes only finished epics", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const done = await createIssue(l.dir, "Done epic", ["-t", "epic"]);
    const busy = await createIssue(l.dir, "Busy epic", ["-t", "epic"]);
    const d1 = await createIssue(l.dir, "d1", ["--parent", done]);
    await createIssue(l.dir, "b1", ["--parent", busy]);
    await bd(l.dir, ["close", d1]);
    const st = await bdJson<
      Array<{
        epic: { id: string };
        total_children: number;
        closed_children: number;
        eligible_for_close: boolean;
      }>
    >(l.dir, ["epic", "status"]);
    const byId = new Map(st.map((s) => [s.epic.id, s]));
    assert.deepEqual(
      [byId.get(done)!.closed_children, byId.get(done)!.total_children, byId.get(done)!.eligible_for_close],
      [1, 1, true],
    );
    assert.equal(byId.get(busy)!.eligible_for_close, false);
    assert.equal((await bdJson<unknown[]>(l.dir, ["epic", "status", "--eligible-only"])).length, 1);
    const dry = await bdJson<unknown[]>(l.dir, ["epic", "close-eligible", "--dry-run"]);
    assert.equal(dry.length, 1);
    assert.equal((await bdJson<IssueDetails[]>(l.dir, ["show", done]))[0]!.status, "open");
    const res = await bdJson<{ closed: string[]; count: number }>(l.dir, ["epic", "close-eligible"]);
    assert.deepEqual(res.closed, [done]);
    assert.equal(
      (await bdJson<IssueDetails[]>(l.dir, ["show", done]))[0]!.close_reason,
      "All children completed",
    );
    assert.equal((await bdJson<IssueDetails[]>(l.dir, ["show", busy]))[0]!.status, "open");
  });

  it("dep relate links both ways, unrelate removes both; label propagate reaches children", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A");
    const b = await createIssue(l.dir, "B");
    assert.deepEqual(await bdJson(l.dir, ["dep", "relate", a, b]), {
      id1: a,
      id2: b,
      related: true,
      schema_version: 1,
    });
    const types = async (id: string) =>
      (await bdJson<Array<{ id: string; dependency_type: string }>>(l.dir, ["dep", "list", id])).map(
        (d) => `${d.id}:${d.dependency_type}`,
      );
    assert.deepEqual(await types(a), [`${b}:relates-to`]);
    assert.deepEqual(await types(b), [`${a}:relates-to`]);
    assert.equal((await bd(l.dir, ["ready", "--json"])).code, 0);
    await bd(l.dir, ["dep", "unrelate", a, b]);
    assert.deepEqual(await types(a), []);
    assert.deepEqual(await types(b), []);
    assert.match((await bd(l.dir, ["dep", "relate", a, a])).stderr, /cannot relate an issue to itself/);
    const kid1 = await createIssue(l.dir, "k1", ["--parent", a]);
    const kid2 = await createIssue(l.dir, "k2", ["--parent", a]);
    const out = await bdJson<Array<{ issue_id: string; status: string }>>(l.dir, [
      "label",
      "propagate",
      a,
      "branch:x",
    ]);
    assert.deepEqual(out.map((r) => r.issue_id).sort(), [kid1, kid2].sort());
    for (const k of [kid1, kid2])
      assert.deepEqual((await bdJson<IssueDetails[]>(l.dir, ["show", k]))[0]!.labels, ["branch:x"]);
  });
});
