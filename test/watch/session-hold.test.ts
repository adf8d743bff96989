import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sessionHeld, withSessionHold } from "../../src/sessions/session-hold.ts";
import { Town } from "../../src/town/workspace.ts";
import { townPlan } from "../../src/watch/reconcile.ts";
import { newTown, type TestTown } from "../helpers/town.ts";

// gt mayor restart stops the session and starts it again; the daemon wakes on the exit and, had
// it started the mayor meanwhile (with its last preset), the restart's own start failed with
// "session hq-mayor already running" (seen in CI). A held session is left to its holder.
describe("a session held by a restart in progress", () => {
  let town: TestTown;
  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("is not in the daemon's plan while held, and is again when the hold ends", async () => {
    const t = new Town(town.root);
    const wanted = async () => (await townPlan(t)).want.map((a) => a.session);
    assert.ok((await wanted()).includes("hq-mayor"));
    await withSessionHold(t, "hq-mayor", async () => {
      assert.equal(sessionHeld(t, "hq-mayor"), true);
      assert.ok(!(await wanted()).includes("hq-mayor"), "held: the daemon leaves it alone");
      assert.ok((await wanted()).includes("hq-deacon"), "only the held session");
    });
    assert.equal(sessionHeld(t, "hq-mayor"), false);
    assert.ok((await wanted()).includes("hq-mayor"));
    // A hold that throws is let go all the same.
    await assert.rejects(
      withSessionHold(t, "hq-mayor", async () => {
        throw new Error("start failed");
      }),
    );
    assert.equal(sessionHeld(t, "hq-mayor"), false);
  });

  it("a dead holder's hold, or an old one, counts for nothing", async () => {
    const t = new Town(town.root);
    const dir = join(t.runtimeDir, "session-holds");
    mkdirSync(dir, { recursive: true });
    const gone = spawn("true");
    await new Promise((r) => gone.on("exit", r));
    writeFileSync(join(dir, "hq-mayor.json"), JSON.stringify({ pid: gone.pid, at: Date.now() }));
    assert.equal(sessionHeld(t, "hq-mayor"), false, "dead holder");
    writeFileSync(
      join(dir, "hq-mayor.json"),
      JSON.stringify({ pid: process.pid, at: Date.now() - 10 * 60_000 }),
    );
    assert.equal(sessionHeld(t, "hq-mayor"), false, "ten minutes old");
    writeFileSync(join(dir, "hq-mayor.json"), JSON.stringify({ pid: process.pid, at: Date.now() }));
    assert.equal(sessionHeld(t, "hq-mayor"), true);
    writeFileSync(join(dir, "hq-mayor.json"), "{torn");
    assert.equal(sessionHeld(t, "hq-mayor"), false, "unreadable");
  });
});
