import "../helpers/isolation.ts";
// What gt reads on stdin when an agent CLI runs it as a hook (src/cli/gt/hook-input.ts): the
// hook's JSON however it arrives (in pieces, or with stdin left open afterwards), and nothing,
// without hanging, from a runner that never writes or closes stdin. The guard waits up to 3 s
// for its input (tap.ts), so a give-up shows as a verdict on empty input.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { describe, it } from "node:test";
import { GT, tempDir } from "../helpers/bd.ts";

const FORCE_PUSH = JSON.stringify({
  tool_name: "Bash",
  tool_input: { command: "git push --force origin main" },
});

interface Outcome {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs the dangerous-command guard; `feed` writes to its stdin (which stays open unless feed ends it). */
function guard(
  feed: (stdin: NodeJS.WritableStream) => void,
  stdio: "pipe" | number = "pipe",
): Promise<Outcome> {
  const { dir, cleanup } = tempDir("hook-stdin-");
  const started = Date.now();
  const child = spawn(GT, ["tap", "guard", "dangerous-command"], {
    cwd: dir,
    stdio: [stdio, "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  if (child.stdin) feed(child.stdin);
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      child.stdin?.destroy();
      cleanup();
      resolve({ code, stderr, ms: Date.now() - started });
    }),
  );
}

describe("a hook's stdin", () => {
  it("JSON written in pieces, then closed, is read whole", async () => {
    const r = await guard((stdin) => {
      stdin.write(FORCE_PUSH.slice(0, 20));
      setTimeout(() => stdin.end(FORCE_PUSH.slice(20)), 400);
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /blocked: .*force push/);
  });

  it("JSON written and stdin left open: the verdict still comes, and gt exits", async () => {
    const r = await guard((stdin) => stdin.write(FORCE_PUSH));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /force push/);
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });

  it("a runner that never writes nor closes stdin: gt gives up on it and exits", async () => {
    const r = await guard(() => {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.ok(r.ms >= 2_500 && r.ms < 15_000, `took ${r.ms} ms (the guard waits ~3 s)`);
  });

  it("stdin at /dev/null is empty input, at once", async () => {
    const r = await guard(() => {}, openSync("/dev/null", "r"));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.ms < 2_500, `took ${r.ms} ms`);
  });
});
