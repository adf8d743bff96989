// The refinery's verification gates, run directly: gates run in order in the work dir with
// the env given, a failing gate stops the run and reports its output, a gate over its time
// limit is killed together with everything it started (checked by pid), and a flaky gate is
// re-run up to retry_flaky_tests times (but a hang never is).
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mergeQueueSchema } from "../../src/refinery/config.ts";
import { describeFailure, runGates } from "../../src/refinery/gates.ts";
import { processAlive } from "../helpers/procs.ts";
import { scratchDir } from "../helpers/temp.ts";

const config = (over: Record<string, unknown>) => mergeQueueSchema().parse(over);

async function gone(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

function pidIn(file: string): number {
  const pid = Number(readFileSync(file, "utf8").trim());
  assert.ok(pid > 1, `pid in ${file}`);
  return pid;
}

describe("runGates", () => {
  it("runs every gate in order in the work dir with the env given, and passes", async () => {
    const dir = scratchDir("gt-gates-");
    const cfg = config({
      setup_command: "echo setup >> order.log",
      typecheck_command: "echo typecheck >> order.log",
      lint_command: "echo lint >> order.log",
      test_command: 'echo "test $GATE_MARK $(pwd)" >> order.log',
      build_command: "echo build >> order.log",
    });
    const r = await runGates(dir, cfg, { ...process.env, GATE_MARK: "marked" });
    assert.equal(r.ok, true);
    assert.equal(r.failure, undefined);
    assert.equal(r.commands, 5);
    assert.ok(r.durationMs >= 0);
    assert.deepEqual(readFileSync(join(dir, "order.log"), "utf8").trim().split("\n"), [
      "setup",
      "typecheck",
      "lint",
      `test marked ${dir}`,
      "build",
    ]);
  });

  it("skips the test gate when run_tests is off, and passes with no gates at all", async () => {
    const dir = scratchDir("gt-gates-");
    const r = await runGates(
      dir,
      config({ test_command: "touch tested", build_command: "touch built", run_tests: false }),
    );
    assert.equal(r.ok, true);
    assert.equal(r.commands, 1);
    assert.equal(existsSync(join(dir, "tested")), false);
    assert.equal(existsSync(join(dir, "built")), true);
    const none = await runGates(dir, config({}));
    assert.deepEqual({ ok: none.ok, commands: none.commands }, { ok: true, commands: 0 });
  });

  it("stops at a failing gate and reports its exit code and what it printed", async () => {
    const dir = scratchDir("gt-gates-");
    const cmd = "echo 'running 3 tests'; echo 'FAIL: adds numbers' >&2; exit 3";
    const r = await runGates(
      dir,
      config({ lint_command: "true", test_command: cmd, build_command: "touch built" }),
    );
    assert.equal(r.ok, false);
    assert.equal(r.commands, 2);
    const f = r.failure!;
    assert.equal(f.gate, "test");
    assert.equal(f.command, cmd);
    assert.equal(f.exitCode, 3);
    assert.equal(f.timedOut, false);
    assert.match(f.output, /running 3 tests/);
    assert.match(f.output, /FAIL: adds numbers/);
    assert.equal(describeFailure(f), "test gate failed (exit 3)");
    assert.equal(existsSync(join(dir, "built")), false, "no gate runs after a failure");
  });

  it("kills a gate over its time limit together with its children and grandchildren", async () => {
    const dir = scratchDir("gt-gates-");
    // The gate starts a child and, through a nested shell, a grandchild, with their output
    // away from the gate's pipes (so only a kill by pid, not a closed pipe, ends them), and
    // would wait forever.
    const cmd = [
      "echo $$ > gate.pid",
      "sleep 300 >/dev/null 2>&1 & echo $! > child.pid",
      `sh -c 'sleep 300 >/dev/null 2>&1 & echo $! > grandchild.pid; wait' >/dev/null 2>&1 &`,
      "echo gate started",
      "wait",
    ].join("\n");
    try {
      const started = Date.now();
      const r = await runGates(
        dir,
        config({
          test_command: cmd,
          gate_timeout_seconds: 1.5,
          retry_flaky_tests: 2,
          build_command: "touch built",
        }),
      );
      const took = Date.now() - started;
      assert.equal(r.ok, false);
      const f = r.failure!;
      assert.equal(f.gate, "test");
      assert.equal(f.timedOut, true);
      assert.equal(f.exitCode, 124);
      assert.match(f.output, /gate started/);
      assert.match(f.output, /\[timeout after 1\.5s\]$/);
      assert.equal(describeFailure(f), "test gate: timeout");
      assert.equal(r.commands, 1, "a hang is not retried as flaky");
      assert.ok(took >= 1400 && took < 20_000, `took ${took} ms`);
      assert.equal(existsSync(join(dir, "built")), false);
      for (const name of ["gate.pid", "child.pid", "grandchild.pid"]) {
        const pid = pidIn(join(dir, name));
        assert.ok(await gone(pid), `${name} (${pid}) is still running after the timeout`);
      }
    } finally {
      // Whatever happened above, nothing this test started outlives it: the gate ran as its
      // own process group (led by the shell whose pid it wrote).
      try {
        process.kill(-pidIn(join(dir, "gate.pid")), "SIGKILL");
      } catch {
        // gone already (or never started)
      }
    }
  });

  it("re-runs a flaky gate until it passes, within retry_flaky_tests", async () => {
    const dir = scratchDir("gt-gates-");
    // Fails on its first two runs, passes on the third.
    const flaky =
      'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; echo "run $n"; [ $n -ge 3 ]';
    const r = await runGates(
      dir,
      config({ test_command: flaky, build_command: "touch built", retry_flaky_tests: 2 }),
    );
    assert.equal(r.ok, true);
    assert.equal(readFileSync(join(dir, "runs"), "utf8").trim(), "3");
    assert.equal(r.commands, 4, "three test runs and the build");
    assert.equal(existsSync(join(dir, "built")), true);
  });

  it("fails a flaky gate that does not pass within its retries, with the last run's output", async () => {
    const dir = scratchDir("gt-gates-");
    const flaky =
      'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs; echo "run $n"; [ $n -ge 3 ]';
    const r = await runGates(dir, config({ test_command: flaky, retry_flaky_tests: 1 }));
    assert.equal(r.ok, false);
    assert.equal(r.commands, 2);
    assert.equal(readFileSync(join(dir, "runs"), "utf8").trim(), "2");
    assert.equal(r.failure!.exitCode, 1);
    assert.match(r.failure!.output, /run 2/);
    assert.doesNotMatch(r.failure!.output, /run 1/);
  });

  it("does not retry without retry_flaky_tests", async () => {
    const dir = scratchDir("gt-gates-");
    const r = await runGates(dir, config({ test_command: "echo x >> runs; exit 1" }));
    assert.equal(r.ok, false);
    assert.equal(r.commands, 1);
    assert.equal(readFileSync(join(dir, "runs"), "utf8"), "x\n");
  });
});
