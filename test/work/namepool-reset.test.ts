// gt namepool reset on a real town: names whose polecat directory holds nothing and whose
// identity is gone go back to the pool; polecats with a sandbox or a live identity keep
// theirs; the overflow counter starts over past the highest number still in use.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Reset {
  rig: string;
  released: string[];
  kept: string[];
  overflow_next: { before: number | null; after: number };
}

describe("gt namepool reset", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await newTown("subprocess");
    await gtSteps(town, [["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("releases only names that hold nothing, and restarts the overflow numbers", async () => {
    const pool = await town.gtJson<{ created: string[] }>(["polecat", "pool-init", "alpha", "--size", "2"]);
    const idn = await town.gtJson<{ name: string }>(["polecat", "identity", "add", "alpha", "rictus"]);
    const polecats = join(town.root, "alpha", "polecats");
    mkdirSync(join(polecats, "slit")); // a reservation a killed sling left
    mkdirSync(join(polecats, "52")); // an overflow name, also left empty
    const state = join(town.root, "alpha", ".runtime", "namepool-state.json");
    mkdirSync(join(state, ".."), { recursive: true });
    writeFileSync(state, `${JSON.stringify({ overflow_next: 57 })}\n`);
    assert.ok(
      (await town.gtJson<{ in_use: string[] }>(["namepool", "--rig", "alpha"])).in_use.includes("slit"),
    );

    const r = await town.gtJson<Reset>(["namepool", "reset", "--rig", "alpha"]);
    assert.deepEqual(r.released.sort(), ["52", "slit"]);
    assert.deepEqual(r.kept.sort(), [...pool.created, idn.name].sort());
    assert.deepEqual(r.overflow_next, { before: 57, after: 51 });
    assert.equal(JSON.parse(readFileSync(state, "utf8")).overflow_next, 51);
    assert.ok(!existsSync(join(polecats, "slit")));
    for (const name of pool.created) assert.ok(existsSync(join(polecats, name)), `${name} keeps its sandbox`);
    const after = await town.gtJson<{ in_use: string[] }>(["namepool", "--rig", "alpha"]);
    assert.ok(!after.in_use.includes("slit"));

    const again = await town.gt(["namepool", "reset", "--rig", "alpha"]);
    assert.match(again.stdout, /Pool reset for rig alpha: 0 name\(s\) released, 3 in use/);
    await fails(["namepool", "reset", "--rig", "nosuch"], /unknown rig/);
  });
});
