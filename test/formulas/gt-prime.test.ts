// gt prime for a polecat whose hooked bead has a molecule attached: the steps inline as a
// checklist, the step to work now marked and spelled out, and how to move on.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, type TestTown } from "../helpers/town.ts";

const STEPS = `formula = "three-steps"
[[steps]]
id = "look"
title = "Look at {{feature}}"
description = "Read it closely."
[[steps]]
id = "change"
title = "Change it"
needs = ["look"]
description = "Make the change for {{issue}}."
[[steps]]
id = "check"
title = "Check it"
needs = ["change"]
`;

describe("gt prime with an attached molecule", () => {
  let town: TestTown;
  let workDir: string;
  let bead: string;
  let mol: string;
  const polecatEnv = () => ({ GT_ROLE: "" });
  const prime = async (args: string[] = []) => {
    const r = await town.gt(["prime", ...args], { cwd: workDir, env: polecatEnv() });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    town = await townWithFormulas({ "three-steps": STEPS });
    bead = await bdOk(town, join(town.root, "alpha"), [
      "create",
      "the widget",
      "-d",
      "Polish the widget.",
      "--silent",
    ]);
    const report = await town.gtJson<{ outcomes: Array<{ work_dir: string; molecule: string }> }>([
      "sling",
      "three-steps",
      "--on",
      bead,
      "alpha",
      "--no-start",
      "--no-convoy",
    ]);
    workDir = report.outcomes[0]!.work_dir;
    mol = report.outcomes[0]!.molecule;
  });
  after(async () => {
    await town?.cleanup();
  });

  it("shows the steps as a checklist with the first one marked, and how to move on", async () => {
    const text = await prime();
    assert.match(text, /Polish the widget\./);
    assert.doesNotMatch(text, /attached_molecule:/, "the attachment shows as the checklist, not as text");
    assert.match(text, new RegExp(`Molecule ${mol}: .*\\(0/3 steps done\\)`));
    const list = text.split("\n").filter((l) => /^\s*- \[.\] /.test(l));
    assert.deepEqual(list, [
      `- [ ] ${mol}.look — Look at the widget  ← current (start here)`,
      `- [ ] ${mol}.change — Change it`,
      `- [ ] ${mol}.check — Check it`,
    ]);
    assert.match(
      text,
      new RegExp(`#### Current step: ${mol}\\.look — Look at the widget\\n\\nRead it closely\\.`),
    );
    assert.match(text, /bd close <step> --continue/);
    assert.match(text, /After the last step, finish with `gt done`/);
  });

  it("follows the molecule as steps close: done ticked, the claimed step current", async () => {
    await bdOk(town, workDir, ["update", `${mol}.look`, "--claim"]);
    await bdOk(town, workDir, ["close", `${mol}.look`, "--continue"]);
    const text = await prime();
    const list = text.split("\n").filter((l) => /^\s*- \[.\] /.test(l));
    assert.deepEqual(list, [
      `- [x] ${mol}.look — Look at the widget`,
      `- [>] ${mol}.change — Change it  ← current`,
      `- [ ] ${mol}.check — Check it`,
    ]);
    assert.match(text, new RegExp(`Make the change for ${bead}\\.`));
  });

  it("the short reminder after a compaction names the current step", async () => {
    const text = await prime(["--source", "compact"]);
    assert.match(text, /Context restored \(compact\)/);
    assert.match(
      text,
      new RegExp(`Molecule ${mol}: 1/3 steps done; current step ${mol}\\.change — Change it`),
    );
  });
});
