// Running outside programs: runCommand resolves with the exit code and both outputs whatever
// the exit code, passes cwd, input and env (an env given replaces the process's), names the
// program when it cannot start, and throws when its time limit passes; runChecked turns a
// non-zero exit into a CommandError; runShell interleaves the output and keeps its tail.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandError, runChecked, runCommand, runShell } from "../../src/adapters/process.ts";
import { GasTownError } from "../../src/errors.ts";
import { scratchDir } from "../helpers/temp.ts";

describe("runCommand", () => {
  it("gives stdout, stderr and exit code 0, final newline kept", async () => {
    const r = await runCommand("sh", ["-c", "echo out; echo err >&2"]);
    assert.deepEqual(r, { stdout: "out\n", stderr: "err\n", exitCode: 0 });
  });

  it("resolves (does not throw) with a non-zero exit code and what was printed", async () => {
    const r = await runCommand("sh", ["-c", "echo partial; echo 'no such thing' >&2; exit 7"]);
    assert.equal(r.exitCode, 7);
    assert.equal(r.stdout, "partial\n");
    assert.equal(r.stderr, "no such thing\n");
  });

  it("runs in the cwd given and feeds the input to stdin", async () => {
    const dir = scratchDir("gt-proc-");
    assert.equal((await runCommand("pwd", [], { cwd: dir })).stdout.trim(), dir);
    assert.equal((await runCommand("cat", [], { input: "line one\nline two" })).stdout, "line one\nline two");
    // Without input, stdin is closed rather than inherited: cat ends at once with nothing.
    assert.equal((await runCommand("cat", [], { timeoutMs: 10_000 })).stdout, "");
  });

  it("inherits the process env by default; an env given replaces it", async () => {
    process.env.GT_PROC_TEST_INHERITED = "from-parent";
    try {
      const inherited = await runCommand("sh", ["-c", 'echo "[$GT_PROC_TEST_INHERITED]"']);
      assert.equal(inherited.stdout, "[from-parent]\n");
      const own = await runCommand("sh", ["-c", 'echo "[$GT_PROC_TEST_INHERITED][$ONLY_MINE]"'], {
        env: { PATH: process.env.PATH, ONLY_MINE: "mine" },
      });
      assert.equal(own.stdout, "[][mine]\n");
    } finally {
      delete process.env.GT_PROC_TEST_INHERITED;
    }
  });

  it("throws a command_failed error naming a program that does not exist", async () => {
    await assert.rejects(runCommand("gt-no-such-program-xyz", ["--help"]), (e: unknown) => {
      assert.ok(e instanceof GasTownError);
      assert.equal(e.code, "command_failed");
      assert.match(e.message, /^gt-no-such-program-xyz: /);
      assert.match(e.message, /ENOENT/);
      return true;
    });
  });

  it("throws when the time limit passes, and does not wait for the program", async () => {
    const started = Date.now();
    await assert.rejects(runCommand("sleep", ["30"], { timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof GasTownError);
      assert.equal(e.code, "command_failed");
      assert.equal(e.message, "sleep: timed out after 300 ms");
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
  });
});

describe("runChecked", () => {
  it("returns stdout on success", async () => {
    assert.equal(await runChecked("sh", ["-c", "echo fine"]), "fine\n");
  });

  it("throws a CommandError carrying the result, worded with the last line of stderr", async () => {
    await assert.rejects(
      runChecked("sh", ["-c", "echo 'first problem' >&2; echo 'fatal: the real one' >&2; exit 2"]),
      (e: unknown) => {
        assert.ok(e instanceof CommandError);
        assert.equal(e.code, "command_failed");
        assert.equal(e.command, "sh -c");
        assert.equal(e.result.exitCode, 2);
        assert.equal(e.result.stderr, "first problem\nfatal: the real one\n");
        assert.equal(e.message, "sh -c failed (exit 2): fatal: the real one");
        return true;
      },
    );
    // No stderr: the last line of stdout; no output at all: just the exit code.
    await assert.rejects(
      runChecked("sh", ["-c", "echo 'only stdout'; exit 1"]),
      /failed \(exit 1\): only stdout$/,
    );
    await assert.rejects(runChecked("false", []), (e: unknown) => {
      assert.ok(e instanceof CommandError);
      assert.equal(e.message, "false failed (exit 1)");
      return true;
    });
  });
});

describe("runShell", () => {
  it("interleaves stdout and stderr in the order written, with the exit code", async () => {
    const dir = scratchDir("gt-proc-");
    const r = await runShell("echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; exit 4", {
      cwd: dir,
      timeoutMs: 10_000,
    });
    assert.equal(r.exitCode, 4);
    assert.equal(r.output, "one\ntwo\nthree\n");
    assert.equal(r.timedOut, false);
  });

  it("keeps only the tail of a long output", async () => {
    const dir = scratchDir("gt-proc-");
    const r = await runShell("seq 1 60000", { cwd: dir, timeoutMs: 30_000 });
    assert.equal(r.exitCode, 0);
    assert.ok(r.output.length <= 64 * 1024, `${r.output.length} chars kept`);
    assert.ok(r.output.endsWith("\n59999\n60000\n"));
    assert.ok(!r.output.startsWith("1\n2\n"));
  });

  it("reports a shell that cannot start in a missing directory as exit 127", async () => {
    const dir = scratchDir("gt-proc-");
    const r = await runShell("echo hi", { cwd: `${dir}/missing`, timeoutMs: 10_000 });
    assert.equal(r.exitCode, 127);
    assert.match(r.output, /ENOENT/);
    assert.equal(r.timedOut, false);
  });
});
