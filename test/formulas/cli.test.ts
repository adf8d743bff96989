// bd formula list/show, bd cook and gt formula list/show through the real launchers: the
// search path (rig, town, ~/.beads, built-ins), the --json shapes, and bad input as one line
// and a non-zero exit.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, GT, ROOT, run } from "../helpers/bd.ts";
import { scratchDir } from "../helpers/temp.ts";

interface ListEntry {
  name: string;
  type: string;
  description: string;
  source: string;
  steps: number;
  vars: number;
}

/** A town (mayor/town.json) with a rig inside, each with its own .beads/formulas, and a home. */
function layout() {
  const root = scratchDir("formula-cli-");
  const town = join(root, "town");
  const rig = join(town, "gastown");
  const home = join(root, "home");
  mkdirSync(join(town, "mayor"), { recursive: true });
  writeFileSync(join(town, "mayor", "town.json"), "{}");
  const dirs = {
    rig: join(rig, ".beads", "formulas"),
    town: join(town, ".beads", "formulas"),
    home: join(home, ".beads", "formulas"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const put = (dir: string, name: string, text: string) =>
    writeFileSync(join(dir, `${name}.formula.toml`), text);
  return { town, rig, home, dirs, put, env: { HOME: home } };
}

const oneStep = (name: string, title: string) =>
  `formula = "${name}"\n[[steps]]\nid = "s"\ntitle = "${title}"\n`;

describe("bd formula list / show", () => {
  it("lists the built-ins, shadowed by ~/.beads, the town and the rig, in the spec's JSON shape", async () => {
    const t = layout();
    t.put(t.dirs.home, "home-only", oneStep("home-only", "h"));
    t.put(t.dirs.town, "town-only", oneStep("town-only", "t"));
    t.put(t.dirs.rig, "mol-polecat-work", oneStep("mol-polecat-work", "the rig's own"));
    const r = await bd(t.rig, ["formula", "list", "--json"], { env: t.env });
    assert.equal(r.code, 0, r.stderr);
    const entries = JSON.parse(r.stdout) as ListEntry[];
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const e of entries)
      assert.deepEqual(Object.keys(e), ["name", "type", "description", "source", "steps", "vars"]);
    assert.equal(byName.get("mol-polecat-work")!.source, join(t.dirs.rig, "mol-polecat-work.formula.toml"));
    assert.equal(byName.get("mol-polecat-work")!.steps, 1);
    assert.equal(byName.get("town-only")!.source, join(t.dirs.town, "town-only.formula.toml"));
    assert.equal(byName.get("home-only")!.source, join(t.dirs.home, "home-only.formula.toml"));
    assert.deepEqual(byName.get("mol-witness-patrol"), {
      name: "mol-witness-patrol",
      type: "workflow",
      description:
        "One patrol round of a rig's witness. The witness watches polecats, it does not write code:",
      source: join(ROOT, "formulas", "mol-witness-patrol.formula.toml"),
      steps: 6,
      vars: 2,
    });
    assert.deepEqual(
      entries.map((e) => e.name),
      [...entries.map((e) => e.name)].sort(),
    );
    const convoys = JSON.parse(
      (await bd(t.rig, ["formula", "list", "--type", "convoy", "--json"], { env: t.env })).stdout,
    );
    assert.deepEqual(
      convoys.map((e: ListEntry) => e.name),
      ["code-review", "design"],
    );
  });

  it("a broken file is a warning naming file and line; the others are still listed", async () => {
    const t = layout();
    t.put(t.dirs.rig, "broken", `formula = "broken"\n[[steps]]\nid = \n`);
    const r = await bd(t.rig, ["formula", "list"], { env: t.env });
    assert.equal(r.code, 0);
    assert.equal(
      r.stderr.trim(),
      `warning: ${join(t.dirs.rig, "broken.formula.toml")}:3: TOML syntax error: invalid value`,
    );
    assert.match(r.stdout, /^Formulas \(\d+ found\)/);
    assert.match(r.stdout, /\n {2}mol-polecat-work +A polecat's whole assignment/);
  });

  it("show prints the formula as written, and gt formula prints exactly what bd does", async () => {
    const t = layout();
    const r = await bd(t.rig, ["formula", "show", "shiny", "--json"], { env: t.env });
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.equal(f.formula, "shiny");
    assert.equal(f.schema_version, 1);
    assert.deepEqual(
      f.steps.map((s: { id: string }) => s.id),
      ["design", "implement", "review", "test", "submit"],
    );
    assert.deepEqual(f.vars.feature, { description: "What is being built", required: true });
    const human = await bd(t.rig, ["formula", "show", "shiny-secure"], { env: t.env });
    assert.match(human.stdout, /^shiny-secure\n {2}Type: workflow {2}Version: 1\n/);
    assert.match(human.stdout, /\nExtends:\n {2}shiny\n/);
    assert.match(human.stdout, /\nComposition:\n {2}aspects: security-audit/);
    for (const args of [
      ["formula", "show", "shiny", "--json"],
      ["formula", "list", "--json"],
      ["formula", "list"],
    ]) {
      const viaBd = await bd(t.rig, args, { env: t.env });
      const viaGt = await run(GT, t.rig, args, { env: t.env });
      assert.equal(viaGt.code, 0, viaGt.stderr);
      assert.equal(viaGt.stdout, viaBd.stdout, `gt ${args.join(" ")}`);
    }
    const missing = await bd(t.rig, ["formula", "show", "no-such-formula"], { env: t.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error: no-such-formula: no formula named "no-such-formula" in /);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
  });
});

describe("bd cook", () => {
  it("prints the resolved formula with every step; --var substitutes", async () => {
    const t = layout();
    const r = await bd(t.rig, ["cook", "shiny-secure", "--json"], { env: t.env });
    assert.equal(r.code, 0, r.stderr);
    const c = JSON.parse(r.stdout);
    assert.equal(c.mode, "compile");
    assert.equal(c.step_count, 9);
    assert.deepEqual(c.variables, ["feature"]);
    assert.deepEqual(
      c.steps.map((s: { id: string; needs: string[] }) => `${s.id} <- ${s.needs.join(",")}`),
      [
        "design <- ",
        "implement-security-prescan <- design",
        "implement <- implement-security-prescan",
        "implement-security-postscan <- implement",
        "review <- implement-security-postscan",
        "test <- review",
        "submit-security-prescan <- test",
        "submit <- submit-security-prescan",
        "submit-security-postscan <- submit",
      ],
    );
    assert.equal(c.steps[0].title, "Design {{feature}}");
    const runtime = JSON.parse(
      (await bd(t.rig, ["cook", "shiny", "--var", "feature=login, fast", "--json"], { env: t.env })).stdout,
    );
    assert.equal(runtime.mode, "runtime");
    assert.equal(runtime.steps[0].title, "Design login, fast");
    assert.deepEqual(runtime.values, { assignee: "", feature: "login, fast" });
  });

  it("cooks a file by path, and --dry-run shows the steps instead of the JSON", async () => {
    const t = layout();
    const file = join(t.rig, "mine.formula.toml");
    writeFileSync(
      file,
      `formula = "mine"\n[[steps]]\nid = "a"\ntitle = "First"\n[[steps]]\nid = "b"\ntitle = "Second"\nneeds = ["a"]\n`,
    );
    const r = await bd(t.rig, ["cook", "./mine.formula.toml", "--dry-run"], { env: t.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "Dry run: mine (workflow, compile mode), 2 steps\n  a: First\n  b: Second  (needs a)\n",
    );
  });

  it("bad input is one line on stderr and exit 1", async () => {
    const t = layout();
    t.put(
      t.dirs.rig,
      "cyclic",
      `formula = "cyclic"\n[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["b"]\n[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a"]\n`,
    );
    const cases: Array<[string[], string]> = [
      [
        ["cook", "shiny", "--mode", "runtime"],
        `${join(ROOT, "formulas", "shiny.formula.toml")}:6: var "feature" is required (give --var feature=...)`,
      ],
      [["cook", "cyclic"], `${join(t.dirs.rig, "cyclic.formula.toml")}:9: steps form a cycle: a -> b -> a`],
      [["cook", "shiny", "--mode", "fast"], `--mode must be compile or runtime, not "fast"`],
      [["cook", "shiny", "--var", "feature"], `--var "feature" is not key=value`],
      [["cook", "./nope.formula.toml"], "./nope.formula.toml: no such file"],
    ];
    for (const [args, message] of cases) {
      const r = await bd(t.rig, args, { env: t.env });
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.stderr, `Error: ${message}\n`, args.join(" "));
      assert.equal(r.stdout, "");
    }
    const json = await bd(t.rig, ["cook", "cyclic", "--json"], { env: t.env });
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).code, "formula_invalid");
  });
});
