// Runs the RuntimeProvider conformance suite against the subprocess provider (a temp state
// dir per test), plus what only it has: the log and FIFO on disk, and attach via streams.
import "../helpers/isolation.ts"; // the sessions started here get a private HOME
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { SubprocessProvider } from "../../src/runtime/subprocess.ts";
import { runtimeConformance } from "./conformance.ts";

function makeProvider() {
  const stateDir = mkdtempSync(join(tmpdir(), "gt-rt-sub-"));
  const provider = new SubprocessProvider({ stateDir });
  return {
    provider,
    stateDir,
    cleanup: async () => {
      for (const s of await provider.list()) await provider.stop(s.name, { graceMs: 0 });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

runtimeConformance("subprocess", async () => makeProvider());

describe("SubprocessProvider specifics", () => {
  it("keeps output.log after stop, rotates it on the next start, and writes meta.json", async () => {
    const { provider, stateDir, cleanup } = makeProvider();
    try {
      await provider.start({
        name: "s1",
        cwd: stateDir,
        command: ["sh", "-c", "echo first; sleep 60"],
        env: {},
      });
      const meta = JSON.parse(readFileSync(join(stateDir, "s1", "meta.json"), "utf8"));
      assert.equal(meta.name, "s1");
      assert.ok(meta.pid > 1 && meta.start_time && meta.created_at);
      assert.deepEqual(meta.command, ["sh", "-c", "echo first; sleep 60"]);
      for (let i = 0; i < 100 && !(await provider.capture("s1")).includes("first"); i++)
        await new Promise((r) => setTimeout(r, 30));
      assert.equal(await provider.stop("s1"), true);
      assert.ok(!existsSync(join(stateDir, "s1", "meta.json")));
      assert.match(await provider.capture("s1"), /first/, "a stopped session's output stays readable");
      await provider.start({ name: "s1", cwd: stateDir, command: ["sleep", "60"], env: {} });
      assert.match(readFileSync(join(stateDir, "s1", "output.log.1"), "utf8"), /first/);
      assert.equal(await provider.capture("s1"), "");
    } finally {
      await cleanup();
    }
  });

  it("capture strips escape sequences and carriage returns", async () => {
    const { provider, stateDir, cleanup } = makeProvider();
    try {
      const script = "printf '\\033[31mred\\033[0m\\r\\nstep 10%%\\rstep 99%%\\n\\033]0;title\\007done\\n'";
      await provider.start({ name: "ansi", cwd: stateDir, command: ["sh", "-c", script], env: {} });
      for (let i = 0; i < 100 && (await provider.isAlive("ansi")); i++)
        await new Promise((r) => setTimeout(r, 30));
      assert.equal(await provider.capture("ansi"), "red\nstep 99%\ndone");
    } finally {
      await cleanup();
    }
  });

  it("attach prints recent output, forwards input lines, and returns 0 when input ends", async () => {
    const { provider, stateDir, cleanup } = makeProvider();
    try {
      const loop = ["sh", "-c", 'echo ready; while read line; do echo "got: $line"; done'];
      await provider.start({ name: "att", cwd: stateDir, command: loop, env: {} });
      for (let i = 0; i < 100 && !(await provider.capture("att")).includes("ready"); i++)
        await new Promise((r) => setTimeout(r, 30));
      const input = new PassThrough();
      const output = new PassThrough();
      let seen = "";
      output.on("data", (b: Buffer) => {
        seen += b.toString();
        if (seen.includes("got: ping")) input.end();
      });
      const attached = provider.follow("att", input, output);
      input.write("ping\n");
      assert.equal(await attached, 0);
      assert.match(seen, /ready[\s\S]*got: ping/);
      assert.equal(await provider.isAlive("att"), true, "detaching leaves the session running");
    } finally {
      await cleanup();
    }
  });
});
