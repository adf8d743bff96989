// gt status --watch redraws when the town logs an event, not on a timer: idle, nothing new is
// printed; an escalation (an event) brings a redraw showing it.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { GT } from "../helpers/bd.ts";
import { newTown, type TestTown } from "../helpers/town.ts";

interface Status {
  summary: { escalations: number };
}

describe("gt status --watch", () => {
  let town: TestTown;
  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("draws once, stays quiet while idle, and redraws on an event", async () => {
    const child = spawn(GT, ["status", "--watch", "--json"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const lines = () => out.split("\n").filter(Boolean);
    const waitFor = async (n: number, ms: number) => {
      const started = Date.now();
      while (lines().length < n && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      await waitFor(1, 15_000);
      assert.equal(lines().length, 1, "the first drawing");
      assert.equal((JSON.parse(lines()[0]!) as Status).summary.escalations, 0);
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(lines().length, 1, "no redraw while nothing happens");
      const r = await town.gt(["escalate", "-s", "high", "Disk full on the build box"]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(2, 5000);
      assert.ok(lines().length >= 2, "redrawn after the escalation's event");
      assert.equal((JSON.parse(lines().at(-1)!) as Status).summary.escalations, 1);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((r) => child.on("exit", (c) => r(c)));
    assert.equal(code, 0);
  });
});
