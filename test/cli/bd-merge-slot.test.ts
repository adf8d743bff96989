import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

// bd merge-slot through bin/bd: one holder at a time (racing acquirers: exactly one wins),
// a waiters queue, release checked against the holder.
describe("bd merge-slot", () => {
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    ({ dir, cleanup } = await freshLedger("ms"));
  });
  after(() => cleanup?.());

  it("check before create says so; create is idempotent and labels the slot", async () => {
    const missing = await bdJson<{ id: string; available: boolean; error: string }>(dir, [
      "merge-slot",
      "check",
    ]);
    assert.deepEqual(missing, {
      id: "ms-merge-slot",
      available: false,
      error: "not found",
      schema_version: 1,
    });
    const acquire = await bd(dir, ["merge-slot", "acquire"]);
    assert.notEqual(acquire.code, 0);
    assert.match(acquire.stderr, /merge slot not found: ms-merge-slot \(run 'bd merge-slot create' first\)/);
    const made = await bdJson<{ id: string; status: string }>(dir, ["merge-slot", "create"]);
    assert.deepEqual([made.id, made.status], ["ms-merge-slot", "open"]);
    const again = await bd(dir, ["merge-slot", "create"]);
    assert.match(again.stdout, /✓ Created merge slot: ms-merge-slot/);
    const [slot] = await bdJson<Array<{ labels?: string[]; priority: number }>>(dir, [
      "show",
      "ms-merge-slot",
    ]);
    assert.deepEqual(slot?.labels, ["gt:slot"]);
    assert.equal(slot?.priority, 0);
  });

  it("of racing acquirers exactly one holds the slot; --wait queues the others in order", async () => {
    const runs = await Promise.all(
      ["ann", "bob", "cy", "dee"].map((who) => bd(dir, ["merge-slot", "acquire", "--holder", who, "--json"])),
    );
    const won = runs.filter((r) => r.code === 0);
    assert.equal(won.length, 1, runs.map((r) => r.stdout + r.stderr).join("\n"));
    const winner = (JSON.parse(won[0]!.stdout) as { holder: string }).holder;
    for (const r of runs.filter((x) => x.code !== 0)) {
      const j = JSON.parse(r.stdout) as { acquired: boolean; holder: string };
      assert.deepEqual([j.acquired, j.holder], [false, winner]);
    }
    const w1 = await bd(dir, ["merge-slot", "acquire", "--holder", "eve", "--wait"]);
    assert.equal(w1.code, 1);
    assert.match(w1.stdout, new RegExp(`Slot held by ${winner}, added to waiters queue \\(position 1\\)`));
    const w2 = await bd(dir, ["merge-slot", "acquire", "--holder", "fay", "--wait", "--json"]);
    assert.equal(w2.code, 1, "waiting exits 1");
    const queued = JSON.parse(w2.stdout) as { position: number; waiting: boolean };
    assert.deepEqual([queued.waiting, queued.position], [true, 2]);
    const check = await bdJson<{ available: boolean; holder: string; waiters: string[] }>(dir, [
      "merge-slot",
      "check",
    ]);
    assert.deepEqual([check.available, check.holder, check.waiters], [false, winner, ["eve", "fay"]]);
    const human = await bd(dir, ["merge-slot", "check"]);
    assert.match(
      human.stdout,
      /○ Merge slot held: ms-merge-slot\n {2}Holder: \w+\n {2}Waiters: 2\n {4}1\. eve\n {4}2\. fay/,
    );
  });

  it("release is checked against the holder and frees the slot for the next", async () => {
    const held = await bdJson<{ holder: string }>(dir, ["merge-slot", "check"]);
    const wrong = await bd(dir, ["merge-slot", "release", "--holder", "nobody-here"]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, new RegExp(`slot held by ${held.holder}, not nobody-here`));
    const ok = await bdJson<{ id: string; released: boolean }>(dir, [
      "merge-slot",
      "release",
      "--holder",
      held.holder,
    ]);
    assert.equal(ok.released, true);
    const free = await bdJson<{ available: boolean; holder: null; waiters: string[] }>(dir, [
      "merge-slot",
      "check",
    ]);
    assert.deepEqual([free.available, free.holder, free.waiters], [true, null, ["eve", "fay"]]);
    const eve = await bd(dir, ["merge-slot", "acquire", "--holder", "eve"]);
    assert.equal(eve.code, 0, eve.stderr);
    assert.match(eve.stdout, /✓ Acquired merge slot: ms-merge-slot\n {2}Holder: eve/);
  });
});
