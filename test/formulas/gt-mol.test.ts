// gt mol: attach a formula to a bead before slinging it (the sling keeps it and hands it to
// the polecat), status and step done from the polecat's workspace, detach, burn and squash.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, type TestTown } from "../helpers/town.ts";

const STEPS = `formula = "abc"
[[steps]]
id = "a"
title = "A for {{feature}}"
[[steps]]
id = "b"
title = "B"
needs = ["a"]
[[steps]]
id = "c"
title = "C"
needs = ["b"]
`;

interface Status {
  bead: string | null;
  formula: string | null;
  progress: { molecule_id: string; completed: number; total: number; current_step: string | null };
}

describe("gt mol", () => {
  let town: TestTown;
  const rig = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rig(), args);
  const bdFails = async (args: string[]) => {
    await assert.rejects(bd(args));
  };
  const show = async (id: string) =>
    (JSON.parse(await bd(["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const attach = async (title: string) => {
    const id = await bd(["create", title, "-d", "own text", "--silent"]);
    const r = await town.gtJson<{ molecule: string; steps: number }>(["mol", "attach", id, "abc"]);
    return { id, mol: r.molecule, steps: r.steps };
  };

  before(async () => {
    town = await townWithFormulas({ abc: STEPS });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("attach, sling (the molecule goes with the bead), then status and step done on the hook", async () => {
    const { id, mol, steps } = await attach("the thing");
    assert.equal(steps, 3);
    const s0 = await town.gtJson<Status>(["mol", "status", id], { cwd: rig() });
    assert.equal(s0.bead, id);
    assert.equal(s0.formula, "abc");
    assert.equal(s0.progress.molecule_id, mol);
    assert.equal(s0.progress.total, 3);

    const again = await town.gt(["mol", "attach", id, "abc"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already has molecule .* attached; gt mol detach/);

    const slung = await town.gtJson<{
      outcomes: Array<{ molecule: string; work_dir: string; target: string }>;
    }>(["sling", id, "alpha", "--no-start", "--no-convoy"]);
    const o = slung.outcomes[0]!;
    assert.equal(o.molecule, mol, "the attached molecule is kept");
    assert.equal((await show(mol)).assignee, o.target, "and handed to the polecat");

    const here = { cwd: o.work_dir, env: { GT_ROLE: "" } };
    const status = await town.gt(["mol", "status"], here);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(`- \\[ \\] ${mol}\\.a — A for the thing  ← current \\(start here\\)`),
    );

    const d1 = await town.gtJson<{ closed: string; next: { id: string } | null }>(
      ["mol", "step", "done"],
      here,
    );
    assert.equal(d1.closed, `${mol}.a`);
    assert.equal(d1.next?.id, `${mol}.b`);
    assert.equal((await show(`${mol}.b`)).status, "in_progress");
    const d2 = await town.gtJson<{ closed: string }>(["mol", "step", "done", `${mol}.b`], here);
    assert.equal(d2.closed, `${mol}.b`);
    const d3 = await town.gtJson<{ complete: boolean; next: unknown }>(["mol", "step", "done"], here);
    assert.equal(d3.complete, true);
    assert.equal(d3.next, null);
    const d4 = await town.gt(["mol", "step", "done"], here);
    assert.notEqual(d4.code, 0);
    assert.match(d4.stderr, /every step of .* is done: finish with gt done/);
    const s1 = await town.gtJson<Status>(["mol", "status"], here);
    assert.equal(s1.progress.completed, 3);
  });

  it("detach burns the molecule and cleans the bead; --keep keeps its beads", async () => {
    const one = await attach("detach me");
    await town.gtJson(["mol", "detach", one.id]);
    assert.equal((await show(one.id)).description, "own text");
    await bdFails(["show", one.mol]);
    await bdFails(["show", `${one.mol}.a`]);

    const two = await attach("keep my steps");
    await town.gtJson(["mol", "detach", two.id, "--keep"]);
    assert.equal((await show(two.id)).description, "own text");
    assert.equal((await show(`${two.mol}.a`)).status, "open");
    const none = await town.gt(["mol", "detach", two.id]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /has no molecule attached/);
  });

  it("burn leaves nothing of the molecule; squash leaves a digest and no steps", async () => {
    const b = await attach("burn it");
    const burned = await town.gtJson<{ deleted: string[]; bead: string }>(["mol", "burn", b.id]);
    assert.equal(burned.bead, b.id);
    assert.equal(burned.deleted.length, 4);
    await bdFails(["show", b.mol]);
    assert.equal((await show(b.id)).description, "own text");

    const q = await attach("squash it");
    const squashed = await town.gtJson<{ digest_id: string; squashed: number }>([
      "mol",
      "squash",
      q.mol,
      "--summary",
      "all fine",
    ]);
    assert.equal(squashed.squashed, 3);
    const digest = await show(squashed.digest_id);
    assert.match(String(digest.description), /^all fine/);
    await bdFails(["show", `${q.mol}.a`]);
  });
});
