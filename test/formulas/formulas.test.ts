// Formulas as a library: loading TOML and JSON, errors that name file and line, extends,
// compose.expand, aspects, conditions, vars in compile and runtime mode, the search path.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CookedFormula, cookFormula } from "../../src/formulas/cook.ts";
import { FormulaLibrary, formulaSearchPath } from "../../src/formulas/library.ts";
import { parseFormula } from "../../src/formulas/parse.ts";
import { allSteps } from "../../src/formulas/resolve.ts";
import type { Step } from "../../src/formulas/schema.ts";
import { scratchDir } from "../helpers/temp.ts";

/** A library over one fresh directory holding `files` (name → text). */
function libraryWith(files: Record<string, string>): { lib: FormulaLibrary; dir: string } {
  const dir = scratchDir("formulas-");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { lib: new FormulaLibrary([dir]), dir };
}

/** "id <- need,need" for every step, children included: the graph in one comparable list. */
function graph(c: CookedFormula): string[] {
  return allSteps(c.steps).map((s: Step) => `${s.id} <- ${(s.needs ?? []).join(",")}`);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("expected an error");
}

const SHINY = `formula = "shiny"
description = "design, implement, review, submit"
version = 2

[vars.feature]
description = "what is built"
required = true

[[steps]]
id = "design"
title = "Design {{feature}}"

[[steps]]
id = "implement"
title = "Implement {{feature}}"
needs = ["design"]

[[steps]]
id = "review"
title = "Review"
needs = ["implement"]

[[steps]]
id = "submit"
title = "Submit"
needs = ["review"]
`;

describe("loading a formula file", () => {
  it("reads every part of the TOML format and keeps keys it does not know", () => {
    const { formula } = parseFormula(
      `formula = "full"
description = "all of it"
version = 3
pour = true
squash = { summary = "digest" }
review_only = false
house_rule = "kept"

[vars]
plain = "a default"
[vars.level]
default = "low"
enum = ["low", "high"]
[vars.ticket]
required = true
pattern = "^T-[0-9]+$"

[[steps]]
id = "parent"
title = "Parent"
acceptance = "children closed"
gate = { type = "timer", timeout = "1h" }
custom_field = 7
[[steps.children]]
id = "kid-a"
title = "Kid A"
[[steps.children]]
id = "kid-b"
title = "Kid B"
depends_on = ["kid-a"]

[[steps]]
id = "after"
title = "After"
needs = ["parent"]
condition = "{{level}} == high"
`,
      "/x/full.formula.toml",
    );
    assert.equal(formula.type, "workflow");
    assert.equal(formula.version, 3);
    assert.equal(formula.pour, true);
    assert.deepEqual({ ...(formula.squash as object) }, { summary: "digest" });
    assert.equal(formula.house_rule, "kept");
    assert.deepEqual(formula.vars.plain, { default: "a default" });
    assert.deepEqual(formula.vars.level, { default: "low", enum: ["low", "high"] });
    assert.equal(formula.vars.ticket?.required, true);
    const parent = formula.steps![0]!;
    assert.equal(parent.custom_field, 7);
    assert.deepEqual(parent.gate, { type: "timer", timeout: "1h" });
    assert.deepEqual(
      parent.children!.map((c) => c.id),
      ["kid-a", "kid-b"],
    );
    assert.equal(formula.source, "/x/full.formula.toml");
  });

  it("reads a number or true/false written as a var's default or enum as text", () => {
    const { formula } = parseFormula(
      `formula = "n"\n[vars]\nretries = 3\nverbose = false\n[vars.level]\ndefault = 2\nenum = [1, 2, 3]\n`,
      "n.formula.toml",
    );
    assert.deepEqual(formula.vars, {
      retries: { default: "3" },
      verbose: { default: "false" },
      level: { default: "2", enum: ["1", "2", "3"] },
    });
  });

  it("infers the type from the content when the file leaves it out, as Gas Town does", () => {
    const kinds = {
      legs: `formula = "c"\n[[legs]]\nid = "a"\n`,
      template: `formula = "e"\n[[template]]\nid = "{target}.x"\ntitle = "x"\n`,
      advice: `formula = "a"\n[[advice]]\ntarget = "x"\n[advice.before]\nid = "b"\n`,
      steps: `formula = "w"\n[[steps]]\nid = "s"\ntitle = "s"\n`,
    };
    assert.equal(parseFormula(kinds.legs, "c.formula.toml").formula.type, "convoy");
    assert.equal(parseFormula(kinds.template, "e.formula.toml").formula.type, "expansion");
    assert.equal(parseFormula(kinds.advice, "a.formula.toml").formula.type, "aspect");
    assert.equal(parseFormula(kinds.steps, "w.formula.toml").formula.type, "workflow");
  });

  it("reads .formula.json the same way", () => {
    const { lib } = libraryWith({
      "j.formula.json": JSON.stringify({
        formula: "j",
        vars: { who: "world" },
        steps: [
          { id: "a", title: "Hello {{who}}" },
          { id: "b", title: "Then", depends_on: ["a"] },
        ],
      }),
    });
    const c = cookFormula(lib, "j", "/", { mode: "runtime" });
    assert.deepEqual(graph(c), ["a <- ", "b <- a"]);
    assert.equal(c.steps[0]!.title, "Hello world");
  });

  it("a TOML syntax error names the file and the line", () => {
    const msg = errorOf(() =>
      parseFormula(`formula = "x"\n\n[[steps]]\nid = "a"\ntitle = \n`, "bad.formula.toml"),
    );
    assert.match(msg, /^bad\.formula\.toml:5: TOML syntax error: /);
  });

  it("a JSON syntax error names the file and the line", () => {
    const msg = errorOf(() =>
      parseFormula(`{\n  "formula": "x",\n  "steps": [\n    {"id": }\n  ]\n}\n`, "bad.formula.json"),
    );
    assert.match(msg, /^bad\.formula\.json:4: not valid JSON/);
  });

  it("a field of the wrong kind names the key and its line", () => {
    const msg = errorOf(() =>
      parseFormula(
        `formula = "x"\n[[steps]]\nid = "a"\n[[steps]]\nid = "b"\npriority = 9\n`,
        "p.formula.toml",
      ),
    );
    assert.match(msg, /^p\.formula\.toml:6: steps\.1\.priority: /);
  });
});

describe("cook: the step graph", () => {
  it("an unknown step in needs names the line that wrote it", () => {
    const { lib, dir } = libraryWith({
      "w.formula.toml": `formula = "w"\n[[steps]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "b"\ntitle = "B"\nneeds = [\n  "a",\n  "nope",\n]\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "w", "/")),
      `${join(dir, "w.formula.toml")}:10: step "b" needs unknown step "nope"`,
    );
  });

  it("a cycle is named step by step, at a line of the cycle", () => {
    const { lib, dir } = libraryWith({
      "c.formula.toml": `formula = "c"\n[[steps]]\nid = "a"\ntitle = "A"\nneeds = ["c"]\n[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a"]\n[[steps]]\nid = "c"\ntitle = "C"\nneeds = ["b"]\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "c", "/")),
      `${join(dir, "c.formula.toml")}:9: steps form a cycle: a -> c -> b -> a`,
    );
  });

  it("a duplicate id between a step and a child is refused", () => {
    const { lib } = libraryWith({
      "d.formula.toml": `formula = "d"\n[[steps]]\nid = "a"\ntitle = "A"\n[[steps.children]]\nid = "a"\ntitle = "again"\n`,
    });
    assert.match(
      errorOf(() => cookFormula(lib, "d", "/")),
      /d\.formula\.toml:6: duplicate step id "a"/,
    );
  });

  it("children stay nested and their needs are kept", () => {
    const { lib } = libraryWith({
      "n.formula.toml": `formula = "n"\n[[steps]]\nid = "epic"\ntitle = "E"\n[[steps.children]]\nid = "one"\ntitle = "1"\n[[steps.children]]\nid = "two"\ntitle = "2"\nneeds = ["one"]\n[[steps]]\nid = "last"\ntitle = "L"\nneeds = ["epic"]\n`,
    });
    const c = cookFormula(lib, "n", "/");
    assert.deepEqual(graph(c), ["epic <- ", "one <- ", "two <- one", "last <- epic"]);
    assert.equal(c.step_count, 4);
    assert.deepEqual(
      c.steps[0]!.children!.map((s) => s.id),
      ["one", "two"],
    );
  });
});

describe("cook: vars", () => {
  it("compile mode keeps {{vars}} and lists them; runtime substitutes", () => {
    const { lib } = libraryWith({ "shiny.formula.toml": SHINY });
    const compiled = cookFormula(lib, "shiny", "/");
    assert.equal(compiled.mode, "compile");
    assert.equal(compiled.steps[0]!.title, "Design {{feature}}");
    assert.deepEqual(compiled.variables, ["feature"]);
    const run = cookFormula(lib, "shiny", "/", { vars: { feature: "login" } });
    assert.equal(run.mode, "runtime");
    assert.deepEqual(
      run.steps.map((s) => s.title),
      ["Design login", "Implement login", "Review", "Submit"],
    );
    assert.deepEqual(run.values, { feature: "login" });
  });

  it("a missing required var names the line of its definition, in the parent that wrote it", () => {
    const { lib, dir } = libraryWith({
      "shiny.formula.toml": SHINY,
      "child.formula.toml": `formula = "child"\nextends = ["shiny"]\n`,
    });
    const expected = `${join(dir, "shiny.formula.toml")}:5: var "feature" is required (give --var feature=...)`;
    assert.equal(
      errorOf(() => cookFormula(lib, "shiny", "/", { mode: "runtime" })),
      expected,
    );
    assert.equal(
      errorOf(() => cookFormula(lib, "child", "/", { mode: "runtime" })),
      expected,
    );
  });

  it("a value outside the enum or failing the pattern names the line of the rule", () => {
    const { lib, dir } = libraryWith({
      "v.formula.toml": `formula = "v"\n[vars.level]\ndefault = "low"\nenum = ["low", "high"]\n[vars.ticket]\npattern = "^T-[0-9]+$"\ndefault = "T-1"\n[[steps]]\nid = "a"\ntitle = "{{level}} {{ticket}}"\n`,
    });
    const file = join(dir, "v.formula.toml");
    assert.equal(
      errorOf(() => cookFormula(lib, "v", "/", { vars: { level: "mid" } })),
      `${file}:4: var "level": "mid" is not one of low, high`,
    );
    assert.equal(
      errorOf(() => cookFormula(lib, "v", "/", { vars: { ticket: "X-1" } })),
      `${file}:6: var "ticket": "X-1" does not match the pattern ^T-[0-9]+$`,
    );
    assert.equal(cookFormula(lib, "v", "/", { vars: { ticket: "T-42" } }).steps[0]!.title, "low T-42");
  });

  it("a placeholder with no value anywhere is refused in runtime mode, at the step using it", () => {
    const { lib, dir } = libraryWith({
      "u.formula.toml": `formula = "u"\n[[steps]]\nid = "a"\ntitle = "A"\n[[steps]]\nid = "b"\ntitle = "for {{who}}"\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "u", "/", { mode: "runtime" })),
      `${join(dir, "u.formula.toml")}:7: step "b" uses {{who}}, which has no value (give --var who=...)`,
    );
  });

  it("runtime mode leaves out steps whose condition is false and keeps the chain", () => {
    const { lib } = libraryWith({
      "k.formula.toml": `formula = "k"\n[vars]\ndocs = "false"\n[[steps]]\nid = "build"\ntitle = "B"\n[[steps]]\nid = "docs"\ntitle = "D"\nneeds = ["build"]\ncondition = "{{docs}}"\n[[steps]]\nid = "ship"\ntitle = "S"\nneeds = ["docs"]\n`,
    });
    assert.deepEqual(graph(cookFormula(lib, "k", "/", { mode: "runtime" })), ["build <- ", "ship <- build"]);
    assert.deepEqual(graph(cookFormula(lib, "k", "/", { vars: { docs: "yes" } })), [
      "build <- ",
      "docs <- build",
      "ship <- docs",
    ]);
    // Compile mode cannot know the value: every step stays, with its condition.
    assert.equal(cookFormula(lib, "k", "/").steps[1]!.condition, "{{docs}}");
  });
});

describe("cook: composition", () => {
  const RULE_OF_THREE = `formula = "rule-of-three"
type = "expansion"
[vars]
focus = "correctness"
[[template]]
id = "{target}.draft"
title = "Draft {target.title}"
description = "first go at: {target.description}"
[[template]]
id = "{target}.refine"
title = "Refine for {focus}"
needs = ["{target}.draft"]
[[template]]
id = "{target}.polish"
title = "Polish"
needs = ["{target}.refine"]
`;

  it("extends several parents: parents' steps in order, the child's step replaces one in place", () => {
    const { lib } = libraryWith({
      "base.formula.toml": `formula = "base"\n[vars]\nwho = "base"\nteam = "core"\n[[steps]]\nid = "plan"\ntitle = "Plan"\n[[steps]]\nid = "build"\ntitle = "Build"\nneeds = ["plan"]\n`,
      "checks.formula.toml": `formula = "checks"\n[[steps]]\nid = "lint"\ntitle = "Lint"\nneeds = ["build"]\n`,
      "child.formula.toml": `formula = "child"\nextends = ["base", "checks"]\n[vars]\nwho = "child"\n[[steps]]\nid = "build"\ntitle = "Build carefully"\nneeds = ["plan"]\n[[steps]]\nid = "ship"\ntitle = "Ship"\nneeds = ["lint"]\n`,
    });
    const c = cookFormula(lib, "child", "/");
    assert.deepEqual(graph(c), ["plan <- ", "build <- plan", "lint <- build", "ship <- lint"]);
    assert.equal(c.steps[1]!.title, "Build carefully");
    assert.deepEqual(c.vars, { who: { default: "child" }, team: { default: "core" } });
    assert.deepEqual(c.extends, ["base", "checks"]);
  });

  it("an unknown parent in extends names the line of the entry", () => {
    const { lib, dir } = libraryWith({
      "orphan.formula.toml": `formula = "orphan"\nextends = [\n  "base",\n  "missing-parent",\n]\n`,
      "base.formula.toml": `formula = "base"\n[[steps]]\nid = "a"\ntitle = "A"\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "orphan", "/")),
      `${join(dir, "orphan.formula.toml")}:4: extends an unknown formula "missing-parent"`,
    );
  });

  it("an extends cycle is refused", () => {
    const { lib } = libraryWith({
      "a.formula.toml": `formula = "a"\nextends = ["b"]\n`,
      "b.formula.toml": `formula = "b"\nextends = ["a"]\n`,
    });
    assert.match(
      errorOf(() => cookFormula(lib, "a", "/")),
      /a\.formula\.toml:2: extends cycle: a -> b -> a/,
    );
  });

  it("extends + compose.expand: the template replaces the target and is wired into its place", () => {
    const { lib } = libraryWith({
      "shiny.formula.toml": SHINY,
      "rule-of-three.formula.toml": RULE_OF_THREE,
      "shiny-plus.formula.toml": `formula = "shiny-plus"\nextends = ["shiny"]\n[[compose.expand]]\ntarget = "implement"\nwith = "rule-of-three"\nvars = { focus = "speed" }\n`,
    });
    const c = cookFormula(lib, "shiny-plus", "/");
    assert.deepEqual(graph(c), [
      "design <- ",
      "implement.draft <- design",
      "implement.refine <- implement.draft",
      "implement.polish <- implement.refine",
      "review <- implement.polish",
      "submit <- review",
    ]);
    assert.equal(c.steps[1]!.title, "Draft Implement {{feature}}");
    assert.equal(c.steps[2]!.title, "Refine for speed");
  });

  it("an expansion with two last steps: what needed the target needs both", () => {
    const { lib } = libraryWith({
      "fork.formula.toml": `formula = "fork"\ntype = "expansion"\n[[template]]\nid = "{target}.a"\ntitle = "A"\n[[template]]\nid = "{target}.b"\ntitle = "B"\n`,
      "w.formula.toml": `formula = "w"\n[[steps]]\nid = "start"\ntitle = "S"\n[[steps]]\nid = "work"\ntitle = "W"\nneeds = ["start"]\nexpand = "fork"\n[[steps]]\nid = "end"\ntitle = "E"\nneeds = ["work"]\n`,
    });
    assert.deepEqual(graph(cookFormula(lib, "w", "/")), [
      "start <- ",
      "work.a <- start",
      "work.b <- start",
      "end <- work.a,work.b",
    ]);
  });

  it("compose.map expands every step its glob selects; expand_vars fill an inline expansion's {vars}", () => {
    const { lib } = libraryWith({
      "rule-of-three.formula.toml": RULE_OF_THREE,
      "m.formula.toml": `formula = "m"
[[steps]]
id = "api.build"
title = "API"
[[steps]]
id = "web.build"
title = "Web"
[[steps]]
id = "docs"
title = "Docs"
needs = ["api.build", "web.build"]
expand = "rule-of-three"
expand_vars = { focus = "readers" }
[[compose.map]]
select = "*.build"
with = "rule-of-three"
`,
    });
    const c = cookFormula(lib, "m", "/");
    assert.deepEqual(graph(c), [
      "api.build.draft <- ",
      "api.build.refine <- api.build.draft",
      "api.build.polish <- api.build.refine",
      "web.build.draft <- ",
      "web.build.refine <- web.build.draft",
      "web.build.polish <- web.build.refine",
      "docs.draft <- api.build.polish,web.build.polish",
      "docs.refine <- docs.draft",
      "docs.polish <- docs.refine",
    ]);
    assert.equal(allSteps(c.steps).find((s) => s.id === "docs.refine")!.title, "Refine for readers");
    assert.equal(allSteps(c.steps).find((s) => s.id === "api.build.refine")!.title, "Refine for correctness");
  });

  it("a workflow's own advice applies to its own steps, and unknown keys survive the cook", () => {
    const { lib } = libraryWith({
      "own.formula.toml": `formula = "own"
team_note = "kept at the top"
[[steps]]
id = "a"
title = "A"
house_key = { any = "thing" }
[[steps]]
id = "b"
title = "B"
needs = ["a"]
[[advice]]
target = "b"
[advice.before]
id = "check-{step.id}"
title = "Check before {step.title}"
`,
    });
    const c = cookFormula(lib, "own", "/");
    assert.deepEqual(graph(c), ["a <- ", "check-b <- a", "b <- check-b"]);
    assert.equal(c.steps[1]!.title, "Check before B");
    assert.equal(c.team_note, "kept at the top");
    assert.deepEqual({ ...(c.steps[0]!.house_key as object) }, { any: "thing" });
  });

  it("an error in steps written as inline tables still names the line", () => {
    const { lib, dir } = libraryWith({
      "inline.formula.toml": `formula = "inline"\nsteps = [\n  { id = "a", title = "A" },\n  { id = "b", title = "B", needs = ["ghost"] },\n]\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "inline", "/")),
      `${join(dir, "inline.formula.toml")}:4: step "b" needs unknown step "ghost"`,
    );
  });

  it("an aspect puts its steps before, after and around the matching steps", () => {
    const { lib } = libraryWith({
      "shiny.formula.toml": SHINY,
      "audit.formula.toml": `formula = "audit"
type = "aspect"
[[advice]]
target = "implement"
[advice.around]
[[advice.around.before]]
id = "{step.id}-prescan"
title = "Prescan {step.id}"
[[advice.around.after]]
id = "{step.id}-postscan"
title = "Postscan {step.id}"
[[advice]]
target = "sub*"
[advice.after]
id = "{step.id}-notify"
[[advice]]
target = "design"
[advice.before]
id = "gather"
title = "Gather requirements"
[[pointcuts]]
glob = "implement"
[[pointcuts]]
glob = "submit"
[[pointcuts]]
glob = "design"
`,
      "shiny-audited.formula.toml": `formula = "shiny-audited"\nextends = ["shiny"]\n[compose]\naspects = ["audit"]\n`,
    });
    const c = cookFormula(lib, "shiny-audited", "/");
    assert.deepEqual(graph(c), [
      "gather <- ",
      "design <- gather",
      "implement-prescan <- design",
      "implement <- implement-prescan",
      "implement-postscan <- implement",
      "review <- implement-postscan",
      "submit <- review",
      "submit-notify <- submit",
    ]);
    assert.equal(allSteps(c.steps).find((s) => s.id === "implement-prescan")!.title, "Prescan implement");
    assert.equal(allSteps(c.steps).find((s) => s.id === "submit-notify")!.title, "submit-notify");
  });

  it("compose.aspects naming a workflow is refused at its line", () => {
    const { lib, dir } = libraryWith({
      "shiny.formula.toml": SHINY,
      "x.formula.toml": `formula = "x"\nextends = ["shiny"]\n[compose]\naspects = ["shiny"]\n`,
    });
    assert.equal(
      errorOf(() => cookFormula(lib, "x", "/")),
      `${join(dir, "x.formula.toml")}:4: compose.aspects: "shiny" is a workflow formula, not an aspect`,
    );
  });

  it("a convoy cooks to its legs in parallel and a synthesis that needs them", () => {
    const { lib } = libraryWith({
      "review.formula.toml": `formula = "review"
type = "convoy"
[inputs.pr]
description = "PR number"
required_unless = ["files"]
[inputs.files]
description = "files"
[prompts]
base = "Review {{.leg.focus}}"
[output]
directory = ".reviews"
[[legs]]
id = "correctness"
title = "Correctness"
focus = "bugs"
[[legs]]
id = "security"
title = "Security"
[[legs]]
id = "style"
[synthesis]
title = "Combine"
[presets.quick]
legs = ["security"]
`,
    });
    const c = cookFormula(lib, "review", "/");
    assert.deepEqual(graph(c), [
      "correctness <- ",
      "security <- ",
      "style <- ",
      "synthesis <- correctness,security,style",
    ]);
    assert.equal(c.steps[0]!.kind, "leg");
    assert.equal(c.steps[0]!.focus, "bugs");
    assert.deepEqual(c.presets, { quick: { legs: ["security"] } });
    assert.deepEqual(c.prompts, { base: "Review {{.leg.focus}}" });
  });
});

describe("the search path", () => {
  it("is rig, town, ~/.beads, built-in; the highest holding a name wins", () => {
    const root = scratchDir("formula-path-");
    const rigBeads = join(root, "town", "rig", ".beads");
    const town = join(root, "town");
    const home = join(root, "home");
    const builtin = join(root, "builtin");
    const dirs = formulaSearchPath({ rigBeadsDir: rigBeads, townRoot: town, home, builtin });
    assert.deepEqual(dirs, [
      join(rigBeads, "formulas"),
      join(town, ".beads", "formulas"),
      join(home, ".beads", "formulas"),
      builtin,
    ]);
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const write = (dir: string, name: string, title: string) =>
      writeFileSync(
        join(dir, `${name}.formula.toml`),
        `formula = "${name}"\n[[steps]]\nid = "s"\ntitle = "${title}"\n`,
      );
    write(dirs[3]!, "f", "builtin");
    write(dirs[2]!, "f", "home");
    write(dirs[1]!, "f", "town");
    write(dirs[3]!, "g", "builtin");
    write(dirs[2]!, "g", "home");
    const lib = new FormulaLibrary(dirs);
    assert.equal(cookFormula(lib, "f", "/").steps[0]!.title, "town");
    assert.equal(cookFormula(lib, "g", "/").steps[0]!.title, "home");
    write(dirs[0]!, "f", "rig");
    assert.equal(cookFormula(new FormulaLibrary(dirs), "f", "/").steps[0]!.title, "rig");
    assert.deepEqual(
      new FormulaLibrary(dirs)
        .list()
        .map((l) => `${l.name}@${l.dir === dirs[0] ? "rig" : l.dir === dirs[2] ? "home" : "?"}`),
      ["f@rig", "g@home"],
    );
    // The same directory twice (run at the town root) is searched once.
    assert.equal(
      formulaSearchPath({ rigBeadsDir: join(town, ".beads"), townRoot: town, home, builtin }).length,
      3,
    );
  });
});
