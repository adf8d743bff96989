// gt formula create (a starter file that parses and cooks, never overwriting) and gt formula
// run: a workflow becomes one bead slung with its molecule; a convoy one bead per leg, each
// hooked on its own polecat, and a synthesis bead blocked by every leg. Without sessions.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, type TestTown } from "../helpers/town.ts";

const TRIO = `formula = "trio"
type = "convoy"
description = "Three looks at {{topic}}"

[prompts]
base = """
Look at {{.topic}} for {{.leg.title}} ({{.leg.focus}}); write to {{.output_path}}.

{{.leg.description}}
"""

[output]
directory = "out/{{.run_id}}"
leg_pattern = "{{.leg.id}}.txt"

[[legs]]
id = "red"
title = "Red"
focus = "warmth"
description = "Red leg."
[[legs]]
id = "green"
title = "Green"
focus = "growth"
description = "Green leg."
[[legs]]
id = "blue"
title = "Blue"
focus = "calm"
description = "Blue leg."

[synthesis]
title = "Mix"
description = "Mix what is in {{.output.directory}}."

[presets.warm]
legs = ["red"]
`;

interface Bead {
  id: string;
  title: string;
  status: string;
  assignee?: string;
  description?: string;
  labels?: string[];
}
interface RunResult {
  formula: string;
  type: string;
  rig: string;
  beads: Array<{ id: string; title: string; leg: string | null }>;
  synthesis: string | null;
  convoy: string | null;
  sling: {
    outcomes: Array<{ bead: string; target: string; molecule: string | null }>;
    failures: unknown[];
  } | null;
  dry_run: boolean;
}

describe("gt formula create and run", () => {
  let town: TestTown;
  const rig = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rig(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;

  before(async () => {
    town = await townWithFormulas({ trio: TRIO });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("create writes a starter that shows and cooks, in the town or a rig, and never overwrites", async () => {
    const made = await town.gtJson<{ path: string }>(["formula", "create", "my-flow"]);
    assert.equal(made.path, join(town.root, ".beads", "formulas", "my-flow.formula.toml"));
    const cooked = JSON.parse(await bd(["cook", "my-flow"])) as { steps: Array<{ id: string }> };
    assert.deepEqual(
      cooked.steps.map((s) => s.id),
      ["plan", "do", "check"],
    );
    const before = readFileSync(made.path, "utf8");
    writeFileSync(made.path, `${before}\n# mine\n`);
    const again = await town.gt(["formula", "create", "my-flow"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already exists; not overwriting it/);
    assert.equal(again.stderr.trim().split("\n").length, 1);
    assert.match(readFileSync(made.path, "utf8"), /# mine/, "the file is untouched");

    const convoy = await town.gtJson<{ path: string }>([
      "formula",
      "create",
      "my-review",
      "--type",
      "convoy",
      "--rig",
      "alpha",
    ]);
    assert.ok(existsSync(convoy.path));
    assert.ok(convoy.path.includes(join("alpha")), convoy.path);
    const listed = JSON.parse(
      (await town.gt(["formula", "show", "my-review", "--json"], { cwd: rig() })).stdout,
    ) as { type: string; legs: unknown[] };
    assert.equal(listed.type, "convoy");
    assert.equal(listed.legs.length, 2);

    const bad = await town.gt(["formula", "create", "../escape"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cannot be a formula name/);
  });

  it("run of a workflow formula: one bead, slung with the formula's molecule", async () => {
    const r = await town.gtJson<RunResult>([
      "formula",
      "run",
      "my-flow",
      "alpha",
      "--var",
      "title=Flow it",
      "--no-start",
    ]);
    assert.equal(r.type, "workflow");
    assert.equal(r.beads.length, 1);
    const bead = await show(r.beads[0]!.id);
    assert.equal(bead.title, "Flow it");
    assert.equal(bead.status, "hooked");
    assert.match(bead.description ?? "", /^attached_formula: my-flow$/m);
    assert.match(r.sling!.outcomes[0]!.molecule ?? "", /-mol-/);
  });

  it("run of a convoy formula: a bead per leg on its own polecat, the synthesis blocked by all", async () => {
    const r = await town.gtJson<RunResult>([
      "formula",
      "run",
      "trio",
      "alpha",
      "--var",
      "topic=paint",
      "--no-start",
    ]);
    assert.equal(r.type, "convoy");
    assert.deepEqual(
      r.beads.map((b) => b.leg),
      ["red", "green", "blue"],
    );
    assert.deepEqual(r.sling?.failures, []);
    const holders = new Set(r.sling!.outcomes.map((o) => o.target));
    assert.equal(holders.size, 3, "one polecat per leg");
    const red = await show(r.beads[0]!.id);
    assert.equal(red.title, "trio: Red");
    assert.equal(red.status, "hooked");
    assert.match(
      red.description ?? "",
      /^Look at paint for Red \(warmth\); write to out\/trio-[0-9a-f]+\/red\.txt\.$/m,
    );
    assert.match(red.description ?? "", /Red leg\./);

    const synth = await show(r.synthesis!);
    assert.equal(synth.title, "trio: Mix");
    assert.equal(synth.status, "open");
    assert.match(synth.description ?? "", /^Mix what is in out\/trio-[0-9a-f]+\.$/);
    const ready = JSON.parse(await bd(["ready", "--json", "--limit", "0"])) as Bead[];
    assert.ok(!ready.some((b) => b.id === synth.id), "the synthesis waits for the legs");
    const blockers = JSON.parse(await bd(["dep", "list", synth.id, "--json"])) as Array<{ id: string }>;
    assert.deepEqual(blockers.map((b) => b.id).sort(), r.beads.map((b) => b.id).sort());
    const convoy = await town.gtJson<{ total: number; tracked: Array<{ id: string }> }>([
      "convoy",
      "status",
      r.convoy!,
    ]);
    assert.equal(convoy.total, 4, "legs and synthesis tracked");
  });

  it("a preset runs only its legs; a dry run makes nothing; an unknown preset is one line", async () => {
    const dry = await town.gtJson<RunResult>([
      "formula",
      "run",
      "trio",
      "alpha",
      "--preset",
      "warm",
      "--dry-run",
      "--var",
      "topic=x",
    ]);
    assert.equal(dry.dry_run, true);
    assert.deepEqual(
      dry.beads.map((b) => [b.id, b.leg]),
      [["", "red"]],
    );
    const unknown = await town.gt([
      "formula",
      "run",
      "trio",
      "alpha",
      "--preset",
      "cold",
      "--var",
      "topic=x",
    ]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /trio has no preset "cold" \(it has: warm\)/);
    const noRig = await town.gt(["formula", "run", "trio"]);
    assert.notEqual(noRig.code, 0);
    assert.match(noRig.stderr, /name the rig/);
  });
});
