// The built-in formulas shipped in formulas/: every one parses and cooks (compile mode, and
// runtime mode with its required vars given), every step a script agent could run has a sh
// block, and the ones the town depends on have the steps they are meant to have.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { firstShellBlock } from "../../src/agents/script-agent.ts";
import { cookFormula } from "../../src/formulas/cook.ts";
import { FormulaLibrary } from "../../src/formulas/library.ts";
import { allSteps } from "../../src/formulas/resolve.ts";
import { builtinFormulasDir } from "../../src/package-paths.ts";

const lib = new FormulaLibrary([builtinFormulasDir()]);

/** A value for each required var, so runtime mode can cook every formula. */
function requiredValues(name: string): Record<string, string> {
  const values: Record<string, string> = {};
  // The cooked vars: a formula's parents may declare some.
  for (const [k, v] of Object.entries(cookFormula(lib, name, "/").vars))
    if (v.required) values[k] = `test-${k}`;
  return values;
}

function ids(name: string, vars?: Record<string, string>): string[] {
  return allSteps(cookFormula(lib, name, "/", vars ? { vars } : {}).steps).map((s) => s.id);
}

describe("built-in formulas", () => {
  const names = lib.list().map((l) => l.name);

  it("are the Gas Town names this town has the features for", () => {
    for (const expected of [
      "mol-polecat-work",
      "mol-witness-patrol",
      "mol-refinery-patrol",
      "mol-deacon-patrol",
      "mol-boot-triage",
      "mol-convoy-feed",
      "mol-convoy-cleanup",
      "mol-session-gc",
      "mol-orphan-scan",
      "mol-town-shutdown",
      "mol-gastown-boot",
      "mol-polecat-conflict-resolve",
      "mol-polecat-code-review",
      "mol-polecat-lease",
      "mol-dog-checkpoint",
      "mol-dog-reaper",
      "mol-dog-doctor",
      "mol-dog-jsonl",
      "shiny",
      "shiny-enterprise",
      "shiny-secure",
      "rule-of-five",
      "tdd-cycle",
      "security-audit",
      "code-review",
      "design",
      "towers-of-hanoi",
      "towers-of-hanoi-7",
      "towers-of-hanoi-9",
      "towers-of-hanoi-10",
    ])
      assert.ok(names.includes(expected), `${expected} is built in`);
    // Each file is named after the formula it holds.
    const files = readdirSync(builtinFormulasDir()).filter((f) => f.endsWith(".formula.toml"));
    assert.deepEqual(files.map((f) => f.replace(/\.formula\.toml$/, "")).sort(), [...names].sort());
  });

  it("every one loads without error and cooks in compile and runtime mode", () => {
    for (const item of lib.list()) {
      assert.equal(item.error, undefined, `${item.name}: ${item.error}`);
      const compiled = cookFormula(lib, item.name, "/");
      assert.equal(compiled.mode, "compile");
      const run = cookFormula(lib, item.name, "/", { mode: "runtime", vars: requiredValues(item.name) });
      assert.equal(run.mode, "runtime");
      for (const s of allSteps(run.steps))
        assert.doesNotMatch(
          JSON.stringify(s),
          /\{\{[A-Za-z_]\w*\}\}/,
          `${item.name}.${s.id} keeps a placeholder`,
        );
      const kind = compiled.type;
      if (kind === "workflow") assert.ok(compiled.step_count > 0, `${item.name} has steps`);
    }
  });

  it("every workflow step has a sh block a script agent can run", () => {
    for (const item of lib.list()) {
      const c = cookFormula(lib, item.name, "/");
      if (c.type !== "workflow") continue;
      for (const s of allSteps(c.steps))
        assert.ok(firstShellBlock(s.description), `${item.name}.${s.id} has a sh block`);
    }
  });

  it("the polecat work formula: context, work, self-review, gates, commit, gt done", () => {
    assert.deepEqual(ids("mol-polecat-work"), [
      "load-context",
      "implement",
      "self-review",
      "run-gates",
      "commit",
      "submit",
    ]);
    const c = cookFormula(lib, "mol-polecat-work", "/", {
      vars: { issue: "gt-abc", test_command: "npm test", lint_command: "npm run lint" },
    });
    const step = (id: string) => c.steps.find((s) => s.id === id)!;
    assert.match(firstShellBlock(step("load-context").description)!.code, /bd show gt-abc/);
    const gates = firstShellBlock(step("run-gates").description)!.code;
    assert.match(gates, /for gate in "" "" "npm run lint" "npm test" ""/);
    assert.equal(firstShellBlock(step("submit").description)!.code.trim(), "gt done");
    // One chain: each step needs the one before it.
    assert.deepEqual(
      c.steps.map((s) => s.needs),
      [[], ["load-context"], ["implement"], ["self-review"], ["run-gates"], ["commit"]],
    );
  });

  it("the patrols of witness, refinery and deacon", () => {
    assert.deepEqual(ids("mol-witness-patrol"), [
      "inbox",
      "survey",
      "act",
      "check-refinery",
      "check-convoys",
      "report",
    ]);
    assert.deepEqual(ids("mol-refinery-patrol"), [
      "inbox",
      "queue-scan",
      "merge",
      "handle-rejections",
      "report",
    ]);
    const deacon = cookFormula(lib, "mol-deacon-patrol", "/");
    const report = deacon.steps.find((s) => s.id === "report")!;
    // The checks after the mail run side by side; the report waits for all of them.
    assert.deepEqual(report.needs, [
      "health-scan",
      "zombie-scan",
      "unwatched-rigs",
      "stranded-convoys",
      "stale-hooks",
      "orphan-processes",
    ]);
    const witness = cookFormula(lib, "mol-witness-patrol", "/", { vars: { rig: "gastown" } });
    assert.match(
      firstShellBlock(witness.steps[2]!.description)!.code,
      /gt patrol scan --rig "gastown" --act/,
    );
    assert.throws(
      () => cookFormula(lib, "mol-witness-patrol", "/", { mode: "runtime" }),
      /var "rig" is required/,
    );
  });

  it("shiny-enterprise expands implement by rule-of-five; shiny-secure wraps it in the audit", () => {
    assert.deepEqual(ids("shiny-enterprise"), [
      "design",
      "implement.draft",
      "implement.pass-correctness",
      "implement.pass-clarity",
      "implement.pass-edges",
      "implement.pass-finish",
      "review",
      "test",
      "submit",
    ]);
    assert.deepEqual(ids("shiny-secure"), [
      "design",
      "implement-security-prescan",
      "implement",
      "implement-security-postscan",
      "review",
      "test",
      "submit-security-prescan",
      "submit",
      "submit-security-postscan",
    ]);
  });

  it("code-review: ten legs in parallel and a synthesis after all of them", () => {
    const c = cookFormula(lib, "code-review", "/");
    const legs = c.steps.filter((s) => s.kind === "leg");
    assert.equal(legs.length, 10);
    for (const l of legs) assert.deepEqual(l.needs, []);
    assert.deepEqual(
      c.steps.find((s) => s.id === "synthesis")!.needs,
      legs.map((l) => l.id),
    );
  });

  it("towers-of-hanoi-10 is a chain of 1,025 steps with the right moves", () => {
    const steps = ids("towers-of-hanoi-10");
    assert.equal(steps.length, 1025);
    assert.equal(steps[0], "setup");
    assert.equal(steps[1024], "verify");
    const c = cookFormula(lib, "towers-of-hanoi-10", "/");
    // With 10 disks the middle move (512) carries the largest disk from A to C.
    assert.equal(c.steps[512]!.title, "Move disk 10 from A to C");
    assert.equal(c.steps[1]!.title, "Move disk 1 from A to B");
  });
});
