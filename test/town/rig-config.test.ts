// gt rig config: a rig's merge-queue settings set, read and removed from the command line,
// checked as the settings file is checked, and kept beside every other setting of the rig.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, newTown, slingNew, type TestTown } from "../helpers/town.ts";

interface Setting {
  key: string;
  value: unknown;
  set: boolean;
}

describe("gt rig config", () => {
  let town: TestTown;
  const settingsFile = () => join(town.root, "alpha", "settings", "config.json");
  const settings = () => JSON.parse(readFileSync(settingsFile(), "utf8"));

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("sets a gate and typed values, keeping the rest of the settings", async () => {
    const theme = settings().namepool.style;
    const set = await town.gtJson<Setting>(["rig", "config", "set", "alpha", "test_command", "npm test"]);
    assert.deepEqual(set, { key: "merge_queue.test_command", value: "npm test", set: true });
    await town.gtJson(["rig", "config", "set", "alpha", "merge_queue.batch_size", "4"]);
    await town.gtJson(["rig", "config", "set", "alpha", "run_tests", "false"]);
    await town.gtJson(["rig", "config", "set", "alpha", "on_conflict", "auto_rebase"]);
    const file = settings();
    assert.deepEqual(file.merge_queue, {
      test_command: "npm test",
      batch_size: 4,
      run_tests: false,
      on_conflict: "auto_rebase",
    });
    assert.equal(file.namepool.style, theme, "other settings stay");

    const got = await town.gt(["rig", "config", "get", "alpha", "test_command"]);
    assert.equal(got.stdout.trim(), "npm test");
    const shown = await town.gtJson<Setting[]>(["rig", "config", "show", "alpha"]);
    const byKey = new Map(shown.map((s) => [s.key, s]));
    assert.deepEqual(byKey.get("merge_queue.batch_size"), {
      key: "merge_queue.batch_size",
      value: 4,
      set: true,
    });
    assert.deepEqual(byKey.get("merge_queue.poll_interval_seconds"), {
      key: "merge_queue.poll_interval_seconds",
      value: 30,
      set: false,
    });
    const text = await town.gt(["rig", "config", "show", "alpha"]);
    assert.match(text.stdout, /merge_queue\.test_command\s+npm test\n/);
    assert.match(text.stdout, /merge_queue\.gate_timeout_seconds\s+600 {2}\(default\)/);

    const unset = await town.gtJson<Setting>(["rig", "config", "unset", "alpha", "batch_size"]);
    assert.deepEqual(unset, { key: "merge_queue.batch_size", value: 16, set: false });
    assert.equal("batch_size" in settings().merge_queue, false);
  });

  it("refuses unknown keys, bad values and unknown rigs in one line, writing nothing", async () => {
    const before = readFileSync(settingsFile(), "utf8");
    const cases: Array<[string[], RegExp]> = [
      [["set", "alpha", "tests", "npm test"], /unknown rig setting "tests" \(settings: .*test_command/],
      [["set", "alpha", "batch_size", "lots"], /merge_queue\.batch_size is a number, not "lots"/],
      [["set", "alpha", "batch_size", "0"], /invalid merge_queue\.batch_size "0"/],
      [
        ["set", "alpha", "batch_size", "2.5"],
        /invalid merge_queue\.batch_size "2\.5": must be a whole number/,
      ],
      [["set", "alpha", "run_tests", "maybe"], /merge_queue\.run_tests is true or false, not "maybe"/],
      [
        ["set", "alpha", "on_conflict", "merge"],
        /invalid merge_queue\.on_conflict "merge".*"assign_back"\|"auto_rebase"/,
      ],
      [["set", "alpha", "test_command", "  "], /invalid merge_queue\.test_command/],
      [["get", "alpha", "nope"], /unknown rig setting "nope"/],
      [["set", "nosuch", "test_command", "true"], /nosuch/],
    ];
    for (const [args, pattern] of cases) {
      const r = await town.gt(["rig", "config", ...args]);
      assert.equal(r.code, 1, `gt rig config ${args.join(" ")}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
    assert.equal(readFileSync(settingsFile(), "utf8"), before);
  });

  it("the refinery runs the gate that was set", async () => {
    await town.gtJson(["rig", "config", "set", "alpha", "test_command", "echo gate-ran-here; exit 3"]);
    await town.gtJson(["rig", "config", "unset", "alpha", "run_tests"]); // the first test turned it off
    const o = await slingNew(town, "alpha", "gated work");
    writeFileSync(join(o.work_dir, "w.txt"), "w\n");
    execFileSync("git", ["add", "w.txt"], { cwd: o.work_dir });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "w"], {
      cwd: o.work_dir,
    });
    const done = await town.gt(["done"], {
      cwd: o.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: o.polecat },
    });
    assert.equal(done.code, 0, done.stderr);
    const report = await town.gtJson<{
      landed: unknown[];
      rejected: Array<{ detail: string; output: string }>;
    }>(["refinery", "run-once", "alpha"]);
    assert.equal(report.landed.length, 0);
    assert.equal(report.rejected.length, 1);
    assert.match(report.rejected[0]!.output, /gate-ran-here/);
  });
});
