// gt doctor on a town's config files: a clean town with two rigs passes every check (and
// says so in Gas Town's layout, fast); outside a town it is one line and a non-zero exit;
// each config file it can rebuild is broken by hand, reported with its file and parse error,
// repaired by --fix (the broken file kept aside) and the town is clean again; a settings
// file holding a person's choices is reported and left for them.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, run, tempDir } from "../helpers/bd.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";
import { checkOf, type DoctorJson, doctorJson, expectClean } from "./helpers.ts";

describe("gt doctor: config files", () => {
  let town: TestTown;

  before(async () => {
    town = await newTown("tmux");
    await addBareRig(town, "alpha");
    const r = await town.gt(["rig", "add", "beta", join(town.scratch, "project.git")]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => town?.cleanup());

  it("passes every check on a fresh town with two rigs, in Gas Town's layout", async () => {
    const started = performance.now();
    const r = await town.gt(["doctor"]);
    const ms = performance.now() - started;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const section of ["Core", "Infrastructure", "Rig", "Cleanup", "Hooks"])
      assert.match(r.stdout, new RegExp(`^${section}$`, "m"));
    assert.match(r.stdout, /^ {2}✓ {2}rigs-registry 2 rig\(s\) registered: alpha, beta$/m);
    assert.match(r.stdout, /^ {2}✓ {2}ledgers 3 ledger\(s\) open, integrity ok/m);
    assert.match(r.stdout, /^✓ 15 passed {2}⚠ 0 warnings {2}✗ 0 failed$/m);
    assert.match(r.stdout, /^✓ All checks passed$/m);
    assert.doesNotMatch(r.stdout, /[⚠✗] {2}\S/);
    const report = await doctorJson(town);
    assert.deepEqual(report.summary, { ok: 15, warnings: 0, errors: 0, fixed: 0 });
    assert.deepEqual(Object.keys(report.checks[0]!).sort(), [
      "category",
      "details",
      "fixable",
      "fixed",
      "hint",
      "message",
      "name",
      "status",
    ]);
    console.log(`gt doctor on a town with 2 rigs: ${ms.toFixed(0)} ms (whole process)`);
  });

  it("outside a town says so in one line and exits non-zero", async () => {
    const away = tempDir("gt-doctor-away-");
    try {
      const r = await run(GT, away.dir, ["doctor"], { env: town.env });
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^Error: not in a Gas Town workspace/);
    } finally {
      away.cleanup();
    }
  });

  it("rebuilds a corrupt rigs.json from the rig directories and the route table", async () => {
    const file = join(town.root, "mayor", "rigs.json");
    const good = JSON.parse(readFileSync(file, "utf8")) as { rigs: Record<string, { beads: unknown }> };
    writeFileSync(file, '{"version": 1, "rigs": {"alpha": ');
    const broken = await town.gt(["doctor", "--json"]);
    assert.equal(broken.code, 1, "an error remains: non-zero exit");
    const report = JSON.parse(broken.stdout) as DoctorJson;
    const c = checkOf(report, "rigs-registry");
    assert.equal(c.status, "error");
    assert.match(c.message, /^mayor\/rigs\.json: not valid JSON \(/);
    assert.equal(c.fixable, true);
    // Checks that need the rigs say they could not look, instead of failing on their own.
    assert.equal(checkOf(report, "worktrees").status, "warning");
    assert.match(checkOf(report, "worktrees").message, /not checked: mayor\/rigs\.json does not load/);

    const fixed = await town.gt(["doctor", "--fix", "--json"]);
    assert.equal(fixed.code, 0, fixed.stdout);
    const after = checkOf(JSON.parse(fixed.stdout) as DoctorJson, "rigs-registry");
    assert.equal(after.fixed, true);
    assert.ok(
      after.details.some((d) => /kept as mayor\/rigs\.json\.corrupt-/.test(d)),
      after.details.join("\n"),
    );
    const rebuilt = JSON.parse(readFileSync(file, "utf8")) as { rigs: Record<string, { beads: unknown }> };
    assert.deepEqual(Object.keys(rebuilt.rigs).sort(), ["alpha", "beta"]);
    for (const name of ["alpha", "beta"]) assert.deepEqual(rebuilt.rigs[name]!.beads, good.rigs[name]!.beads);
    assert.ok(readdirSync(join(town.root, "mayor")).some((f) => f.startsWith("rigs.json.corrupt-")));
    await expectClean(town);
  });

  it("writes a missing rigs.json again, and leaves out a rig removed with gt rig remove", async () => {
    const removed = await town.gt(["rig", "remove", "beta"]);
    assert.equal(removed.code, 0, removed.stderr);
    const file = join(town.root, "mayor", "rigs.json");
    rmSync(file);
    const c = checkOf(await doctorJson(town), "rigs-registry");
    assert.equal(c.status, "error");
    assert.equal(c.message, "mayor/rigs.json is missing (2 rig(s) on disk)");
    const fixed = checkOf(await doctorJson(town, ["--fix"]), "rigs-registry");
    assert.equal(fixed.fixed, true);
    assert.ok(fixed.details.includes("left out (no route, removed earlier): beta"), fixed.details.join("\n"));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, "utf8")).rigs), ["alpha"]);
    await expectClean(town);
    const back = await town.gt(["rig", "add", "beta", join(town.scratch, "project.git")]);
    assert.notEqual(back.code, 0, "beta's directory is still there: gt rig add refuses it");
    rmSync(join(town.root, "beta"), { recursive: true, force: true });
    const again = await town.gt(["rig", "add", "beta", join(town.scratch, "project.git")]);
    assert.equal(again.code, 0, again.stderr);
    await expectClean(town);
  });

  it("rebuilds town.json keeping what is still readable of it", async () => {
    const file = join(town.root, "mayor", "town.json");
    writeFileSync(file, '{"type": "town", "version": 2, "name": "testtown", "owner": "o@x", "created_at": ');
    const report = await doctorJson(town);
    assert.equal(checkOf(report, "town-config").status, "error");
    assert.match(checkOf(report, "town-config").message, /^mayor\/town\.json: not valid JSON/);
    const fixed = await doctorJson(town, ["--fix"]);
    assert.equal(checkOf(fixed, "town-config").fixed, true);
    const t = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    assert.equal(t.name, "testtown");
    assert.equal(t.owner, "o@x");
    assert.equal(t.type, "town");
    await expectClean(town);
  });

  it("rebuilds a rig's missing or corrupt config.json from rigs.json and its shared repo", async () => {
    const file = join(town.root, "beta", "config.json");
    const good = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    rmSync(file);
    const missing = checkOf(await doctorJson(town), "rig-config");
    assert.equal(missing.status, "error");
    assert.match(missing.message, /^beta\/config\.json: /);
    await doctorJson(town, ["--fix"]);
    writeFileSync(file, "{ nope");
    assert.match(checkOf(await doctorJson(town), "rig-config").message, /beta\/config\.json: not valid JSON/);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "rig-config").fixed, true);
    const rebuilt = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    for (const key of ["type", "name", "git_url", "default_branch", "beads"])
      assert.deepEqual(rebuilt[key], good[key], key);
    await expectClean(town);
  });

  it("rebuilds daemon.json; leaves a broken settings file to its owner, naming it", async () => {
    writeFileSync(join(town.root, "mayor", "daemon.json"), "[");
    const settings = join(town.root, "settings", "config.json");
    const before = readFileSync(settings, "utf8");
    writeFileSync(settings, '{"type": "town-settings", "version": 1, "default_agent": 7}');
    const r = await town.gt(["doctor"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /✗ {2}town-settings 2 config files do not load: settings\/config\.json, mayor\/daemon\.json/,
    );
    assert.match(r.stdout, /└─ settings\/config\.json: default_agent: /);

    const fix = await town.gt(["doctor", "--fix"]);
    assert.equal(fix.code, 1, "the settings error remains");
    assert.match(fix.stdout, /✗ {2}town-settings settings\/config\.json: default_agent: /);
    assert.match(fix.stdout, /fix: wrote mayor\/daemon\.json with the default patrols for 2 rig\(s\)/);
    assert.match(fix.stdout, /settings hold your choices and are not rebuilt/);
    const daemon = JSON.parse(readFileSync(join(town.root, "mayor", "daemon.json"), "utf8"));
    assert.deepEqual(daemon.patrols.witness.rigs, ["alpha", "beta"]);
    assert.equal(existsSync(settings), true);
    assert.match(readFileSync(settings, "utf8"), /"default_agent": 7/, "never rewritten");
    writeFileSync(settings, before);
    await expectClean(town);
  });

  it("--rig limits the rig checks to one rig; an unknown rig is one line naming the rigs", async () => {
    const one = await doctorJson(town, ["--rig", "alpha"]);
    assert.match(checkOf(one, "rig-config").message, /^3 rig config files valid$/);
    const r = await town.gt(["doctor", "--rig", "nosuch"]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim(), 'Error: unknown rig "nosuch" (rigs: alpha, beta)');
  });
});
