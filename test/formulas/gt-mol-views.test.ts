// gt mol progress, dag and attachment: read-only views of a molecule attached to a bead,
// checked as its steps are closed.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, failsInOneLine, type TestTown } from "../helpers/town.ts";

// a, then b and c side by side, then d after both.
const DIAMOND = `formula = "diamond"
[[steps]]
id = "a"
title = "Plan {{feature}}"
[[steps]]
id = "b"
title = "Left"
needs = ["a"]
[[steps]]
id = "c"
title = "Right"
needs = ["a"]
[[steps]]
id = "d"
title = "Join"
needs = ["b", "c"]
`;

interface Progress {
  molecule_id: string;
  bead: string | null;
  total_steps: number;
  done_steps: number;
  in_progress_steps: string[];
  ready_steps: string[];
  blocked_steps: string[];
  percent_complete: number;
  complete: boolean;
}

interface Dag {
  molecule_id: string;
  total: number;
  tiers: number;
  tier_groups: string[][];
  critical_path: string[];
  nodes: Array<{ id: string; status: string; needs: string[]; needed_by: string[]; tier: number }>;
}

describe("gt mol progress / dag / attachment", () => {
  let town: TestTown;
  let bead: string;
  let mol: string;
  const rig = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rig(), args);
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await townWithFormulas({ diamond: DIAMOND });
    bead = await bd(["create", "the feature", "--silent"]);
    mol = (await town.gtJson<{ molecule: string }>(["mol", "attach", bead, "diamond", "--var", "extra=1"]))
      .molecule;
  });
  after(async () => {
    await town?.cleanup();
  });

  it("progress counts steps and follows closes; the bead or the molecule names it", async () => {
    const p0 = await town.gtJson<Progress>(["mol", "progress", bead]);
    assert.equal(p0.molecule_id, mol);
    assert.equal(p0.bead, bead);
    assert.equal(p0.total_steps, 4);
    assert.equal(p0.done_steps, 0);
    assert.deepEqual(p0.ready_steps, [`${mol}.a`]);
    assert.deepEqual(p0.blocked_steps.sort(), [`${mol}.b`, `${mol}.c`, `${mol}.d`]);
    assert.equal(p0.complete, false);

    await bd(["close", `${mol}.a`]);
    await bd(["update", `${mol}.b`, "--status", "in_progress"]);
    const p1 = await town.gtJson<Progress>(["mol", "progress", mol]);
    assert.equal(p1.bead, bead, "found from the molecule too");
    assert.equal(p1.done_steps, 1);
    assert.equal(p1.percent_complete, 25);
    assert.deepEqual(p1.in_progress_steps, [`${mol}.b`]);
    assert.deepEqual(p1.ready_steps, [`${mol}.c`]);
    assert.deepEqual(p1.blocked_steps, [`${mol}.d`]);

    const text = await town.gt(["mol", "progress", bead]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /\[█████░{15}\] 25% \(1\/4\)/);
    assert.match(text.stdout, new RegExp(`Ready: +1 \\(${mol}\\.c\\)`));
  });

  it("dag puts parallel steps in one tier and finds the critical path", async () => {
    const dag = await town.gtJson<Dag>(["mol", "dag", bead]);
    assert.equal(dag.molecule_id, mol);
    assert.equal(dag.total, 4);
    assert.equal(dag.tiers, 3);
    assert.deepEqual(
      dag.tier_groups.map((g) => g.sort()),
      [[`${mol}.a`], [`${mol}.b`, `${mol}.c`], [`${mol}.d`]],
    );
    const d = dag.nodes.find((n) => n.id === `${mol}.d`)!;
    assert.deepEqual(d.needs.sort(), [`${mol}.b`, `${mol}.c`]);
    const a = dag.nodes.find((n) => n.id === `${mol}.a`)!;
    assert.equal(a.status, "done");
    assert.deepEqual(a.needed_by.sort(), [`${mol}.b`, `${mol}.c`]);
    assert.equal(dag.critical_path.length, 3);
    assert.equal(dag.critical_path[0], `${mol}.a`);
    assert.equal(dag.critical_path[2], `${mol}.d`);

    const tree = await town.gt(["mol", "dag", bead]);
    assert.equal(tree.code, 0, tree.stderr);
    assert.match(tree.stdout, new RegExp(`✓ ${mol}\\.a — Plan the feature \\[done\\]`));
    assert.match(tree.stdout, new RegExp(`\\n {4}⧖ ${mol}\\.b — Left \\[current\\]`), "b indented under a");
    const tiers = await town.gt(["mol", "dag", mol, "--tiers"]);
    assert.match(tiers.stdout, /Tier 1 \(2 in parallel\):/);
  });

  it("attachment shows the molecule, formula and vars on a bead, and says when there is none", async () => {
    const a = await town.gtJson<Record<string, unknown>>(["mol", "attachment", bead]);
    assert.equal(a.bead, bead);
    assert.equal(a.attached_molecule, mol);
    assert.equal(a.attached_formula, "diamond");
    assert.equal((a.attached_vars as Record<string, string>).extra, "1");
    assert.equal(a.total_steps, 4);
    assert.equal(a.done_steps, 1);

    const bare = await bd(["create", "nothing attached", "--silent"]);
    const none = await town.gtJson<Record<string, unknown>>(["mol", "attachment", bare]);
    assert.equal(none.attached_molecule, null);
    const text = await town.gt(["mol", "attachment", bare]);
    assert.match(text.stdout, /no molecule attached/);

    await fails(["mol", "attachment", "al-nope"], /no bead al-nope/);
    await fails(["mol", "progress", bare], /has no molecule attached/);
  });
});
