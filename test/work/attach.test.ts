// gt sling attaching a work molecule (beads spec §3.4): the rig's default formula, a formula
// named with --on, --var, the attached_* lines on the bead, and nothing left behind when the
// sling fails after the pour. Hooks without sessions (--no-start).
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, changeSettings, type TestTown } from "../helpers/town.ts";

interface Outcome {
  bead: string;
  target: string;
  polecat: string | null;
  molecule: string | null;
  formula: string | null;
  action: string;
}
interface Report {
  outcomes: Outcome[];
  failures: Array<{ bead: string; error: string; code: string }>;
}
interface Progress {
  molecule_id: string;
  assignee: string | null;
  steps: Array<{ issue: { id: string; title: string; description?: string }; status: string }>;
}

const PAINT = `formula = "paint"
description = "Paint {{feature}}"
[vars.color]
required = true
[[steps]]
id = "mix"
title = "Mix {{color}} paint for {{issue}}"
[[steps]]
id = "apply"
title = "Apply it"
needs = ["mix"]
description = "Paint {{feature}} {{color}}"
`;

/** The attached_* lines of a description, as gt writes them. */
function attachedFields(description: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of description.split("\n")) {
    const m = /^(attached_\w+|dispatched_by): (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe("gt sling attaches a molecule", () => {
  let town: TestTown;
  const rig = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rig(), args);
  const show = async (id: string) =>
    (JSON.parse(await bd(["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const progress = async (mol: string) =>
    (JSON.parse(await bd(["mol", "current", mol, "--json"])) as Progress[])[0]!;
  const sling = (args: string[]) => town.gt(["sling", ...args, "--no-start", "--no-convoy", "--json"]);

  before(async () => {
    town = await townWithFormulas({ paint: PAINT });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("without a default formula a plain sling attaches nothing, and --var alone is refused", async () => {
    const id = await bd(["create", "plain work", "-d", "just do it", "--silent"]);
    const r = await sling([id, "alpha"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.outcomes[0]!.molecule, null);
    assert.equal(attachedFields(String((await show(id)).description)).attached_molecule, undefined);

    const other = await bd(["create", "vars but no formula", "--silent"]);
    const refused = await sling([other, "alpha", "--var", "color=red"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--var needs a formula/);
    assert.equal((await show(other)).status, "open", "the bead went back");
  });

  it("the rig's workflow.default_formula is poured, linked and recorded on the bead", async () => {
    changeSettings(
      town,
      (s) => {
        s.workflow = { default_formula: "mol-polecat-work" };
      },
      "alpha",
    );
    try {
      const id = await bd(["create", "Add a greeting", "-d", "Write hello.\n", "--silent"]);
      const r = await sling([id, "alpha", "--var", "base_branch=trunk"]);
      assert.equal(r.code, 0, r.stderr);
      const o = (JSON.parse(r.stdout) as Report).outcomes[0]!;
      assert.match(o.molecule ?? "", /-mol-/);
      const bead = await show(id);
      assert.equal(bead.status, "hooked");
      const desc = String(bead.description);
      assert.ok(desc.startsWith("Write hello."), "the bead's own text stays first");
      const f = attachedFields(desc);
      assert.equal(f.attached_molecule, o.molecule);
      assert.equal(f.attached_formula, "mol-polecat-work");
      assert.ok(!Number.isNaN(Date.parse(f.attached_at!)));
      assert.deepEqual(JSON.parse(f.attached_vars!), {
        feature: "Add a greeting",
        issue: id,
        base_branch: "trunk",
      });
      assert.ok(f.dispatched_by);
      const p = await progress(o.molecule!);
      assert.equal(p.assignee, o.target, "the polecat works the molecule");
      assert.deepEqual(
        p.steps.map((s) => s.issue.id.slice(o.molecule!.length + 1)),
        ["load-context", "implement", "self-review", "run-gates", "commit", "submit"],
      );
      assert.match(p.steps[0]!.issue.description ?? "", new RegExp(`bd show ${id}`));
      assert.match(p.steps[2]!.issue.description ?? "", /git diff --stat "trunk"/);
      // Linked: the molecule points at the bead it works on.
      const deps = JSON.parse(await bd(["dep", "list", o.molecule!, "--json"])) as Array<{ id: string }>;
      assert.ok(
        deps.some((d) => d.id === id),
        JSON.stringify(deps),
      );
    } finally {
      changeSettings(town, (s) => void delete s.workflow, "alpha");
    }
  });

  it("gt sling <formula> --on <bead> --var pours that formula with the bead's vars", async () => {
    const id = await bd(["create", "the fence", "--silent"]);
    const r = await sling(["paint", "--on", id, "alpha", "--var", "color=green"]);
    assert.equal(r.code, 0, r.stderr);
    const o = (JSON.parse(r.stdout) as Report).outcomes[0]!;
    assert.equal(o.bead, id);
    const p = await progress(o.molecule!);
    assert.deepEqual(
      p.steps.map((s) => s.issue.title),
      [`Mix green paint for ${id}`, "Apply it"],
    );
    assert.equal(p.steps[1]!.issue.description, "Paint the fence green");
    const f = attachedFields(String((await show(id)).description));
    assert.equal(f.attached_formula, "paint");
    assert.equal(JSON.parse(f.attached_vars!).color, "green");
  });

  it("a resumed sling reports the molecule the bead has and pours no second one", async () => {
    const id = await bd(["create", "the gate", "--silent"]);
    const first = (
      JSON.parse((await sling(["paint", "--on", id, "alpha", "--var", "color=red"])).stdout) as Report
    ).outcomes[0]!;
    assert.match(first.molecule ?? "", /-mol-/);
    const molecules = async () =>
      (JSON.parse(await bd(["list", "--type", "molecule", "--all", "--json"])) as unknown[]).length;
    const before = await molecules();
    // No session was started, so the same target again resumes the work (GUPP).
    for (const args of [
      [id, "alpha"],
      ["paint", "--on", id, "alpha", "--var", "color=blue"],
    ]) {
      const r = await sling(args);
      assert.equal(r.code, 0, r.stderr);
      const o = (JSON.parse(r.stdout) as Report).outcomes[0]!;
      assert.equal(o.action, "resumed");
      assert.equal(o.molecule, first.molecule);
    }
    assert.equal(await molecules(), before, "nothing poured again");
    assert.equal(attachedFields(String((await show(id)).description)).attached_molecule, first.molecule);
  });

  it("a dry run cooks the formula (a missing var is refused) and pours nothing", async () => {
    const id = await bd(["create", "the shed", "--silent"]);
    const before = await bd(["count", "--all"]);
    const missing = await sling(["paint", "--on", id, "alpha", "--dry-run"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /var "color" is required/);
    const ok = await sling(["paint", "--on", id, "alpha", "--var", "color=teal", "--dry-run"]);
    assert.equal(ok.code, 0, ok.stderr);
    const o = (JSON.parse(ok.stdout) as Report).outcomes[0]!;
    assert.equal(o.action, "would-hook");
    assert.equal(o.formula, "paint");
    assert.equal(o.molecule, null);
    const text = await town.gt([
      "sling",
      "paint",
      "--on",
      id,
      "alpha",
      "--var",
      "color=teal",
      "--dry-run",
      "--no-start",
    ]);
    assert.match(text.stdout, /would pour paint for it/);
    assert.equal(await bd(["count", "--all"]), before, "nothing written");
    assert.equal((await show(id)).status, "open");
  });

  it("a formula that cannot be cooked leaves the bead open and nothing poured", async () => {
    const id = await bd(["create", "no colour given", "--silent"]);
    const before = await bd(["count", "--all"]);
    const r = await sling(["paint", "--on", id, "alpha"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /var "color" is required/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    const bead = await show(id);
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);
    assert.equal(await bd(["count", "--all"]), before, "no molecule beads left");
  });

  it("a sling that fails after the pour burns the molecule and takes the lines off the bead", async () => {
    const id = await bd(["create", "doomed", "-d", "text", "--silent"]);
    const before = await bd(["count", "--all"]);
    // A shared repository git does not recognise: the sandbox cannot be made, after the pour.
    const head = join(rig(), ".repo.git", "HEAD");
    renameSync(head, `${head}.away`);
    let r: Awaited<ReturnType<typeof sling>>;
    try {
      r = await sling(["paint", "--on", id, "alpha", "--var", "color=red"]);
    } finally {
      renameSync(`${head}.away`, head);
    }
    assert.notEqual(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stderr, /ENOENT/, "it failed making the sandbox, not before");
    const bead = await show(id);
    assert.equal(bead.status, "open");
    assert.equal(bead.description, "text");
    assert.equal(await bd(["count", "--all"]), before, "the poured molecule is gone");
  });

  it("a bead the scheduler queues gets its molecule now, and keeps it for the sling that takes it", async () => {
    const busy = await bd(["create", "keeps a polecat busy", "--silent"]);
    assert.equal((await sling([busy, "alpha"])).code, 0);
    const id = await bd(["create", "waits its turn", "--silent"]);
    const r = await town.gt([
      "sling",
      "paint",
      "--on",
      id,
      "alpha",
      "--var",
      "color=blue",
      "--max-concurrent",
      "1",
      "--no-convoy",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report & { queued: Array<{ bead: string }> };
    assert.deepEqual(
      report.queued.map((q) => q.bead),
      [id],
    );
    const f = attachedFields(String((await show(id)).description));
    assert.equal(f.attached_formula, "paint");
    assert.equal(JSON.parse(f.attached_vars!).color, "blue");
    const p = await progress(f.attached_molecule!);
    assert.equal(p.steps[0]!.issue.title, `Mix blue paint for ${id}`);
  });
});
