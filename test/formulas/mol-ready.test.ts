// bd ready's molecule flags: --explain says why each open bead is or is not ready, --gated
// finds steps whose gate closed, --mol-type filters by molecule type.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

const GATED = `formula = "gated"
[[steps]]
id = "a"
title = "A"
[[steps]]
id = "b"
title = "B"
needs = ["a"]
gate = { type = "human" }
`;

interface Made {
  id: string;
}

interface Explained {
  ready: Array<{ id: string; reason: string }>;
  blocked: Array<{ id: string; reason: string; reasons: Array<{ kind: string; id?: string }> }>;
  cycles: string[][];
  summary: { total_ready: number; total_blocked: number; cycle_count: number };
}

async function ledger(): Promise<string> {
  const l = await freshLedger("t");
  cleanups.push(l.cleanup);
  writeFileSync(join(l.dir, "gated.formula.toml"), GATED);
  return l.dir;
}

describe("bd ready --explain / --gated / --mol-type", () => {
  it("--explain: ready beads, and for the rest the blocker, the open gate, the blocked parent", async () => {
    const dir = await ledger();
    const a = await bdJson<Made>(dir, ["create", "A"]);
    const b = await bdJson<Made>(dir, ["create", "B"]);
    await bdJson(dir, ["dep", "add", b.id, a.id]);
    const big = await bdJson<Made>(dir, ["create", "Big", "--type", "epic"]);
    const first = await bdJson<Made>(dir, ["create", "First", "--type", "epic"]);
    await bdJson(dir, ["dep", "add", big.id, first.id]);
    const child = await bdJson<Made>(dir, ["create", "Child", "--parent", big.id]);
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, ["mol", "pour", "./gated.formula.toml"]);
    await bdJson(dir, ["close", `${root}.a`]);
    const e = await bdJson<Explained>(dir, ["ready", "--explain"]);
    assert.deepEqual(e.ready.map((r) => r.id).sort(), [a.id, first.id].sort());
    const why = Object.fromEntries(e.blocked.map((x) => [x.id, x.reason]));
    assert.deepEqual(why, {
      [b.id]: `blocked by ${a.id} (open)`,
      [big.id]: `blocked by ${first.id} (open)`,
      [child.id]: `parent ${big.id} is blocked`,
      [`${root}.b`]: `gate ${root}.gate-b is open`,
    });
    assert.deepEqual(e.summary, { total_ready: 2, total_blocked: 4, cycle_count: 0 });
    const text = await bd(dir, ["ready", "--explain"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`✗ ${child.id} — Child: parent ${big.id} is blocked`));
  });

  it("--gated: a step whose gate closed and is ready now, with its molecule", async () => {
    const dir = await ledger();
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, ["mol", "pour", "./gated.formula.toml"]);
    await bdJson(dir, ["close", `${root}.a`]);
    assert.deepEqual(await bdJson(dir, ["ready", "--gated"]), []);
    await bdJson(dir, ["close", `${root}.gate-b`]);
    const g = await bdJson<
      Array<{ molecule_id: string; closed_gate: { id: string; await_type: string }; ready_step: Made }>
    >(dir, ["ready", "--gated"]);
    assert.deepEqual(
      g.map((x) => [x.molecule_id, x.closed_gate.id, x.closed_gate.await_type, x.ready_step.id]),
      [[root, `${root}.gate-b`, "human", `${root}.b`]],
    );
  });

  it("--mol-type filters ready beads by molecule type (none means work); a bad type is one line", async () => {
    const dir = await ledger();
    const patrol = await bdJson<Made>(dir, ["create", "Patrol step", "--mol-type", "patrol"]);
    const plain = await bdJson<Made>(dir, ["create", "Plain work"]);
    const ids = async (t: string) => (await bdJson<Made[]>(dir, ["ready", "--mol-type", t])).map((r) => r.id);
    assert.deepEqual(await ids("patrol"), [patrol.id]);
    assert.deepEqual(await ids("work"), [plain.id]);
    assert.deepEqual(await ids("swarm"), []);
    const bad = await bd(dir, ["ready", "--mol-type", "herd"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error: invalid --mol-type "herd" (expected swarm, patrol or work)\n');
  });
});
