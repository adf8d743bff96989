// The feed re-reads the town after events, debounced: a burst of events is one read, an
// event during a read makes exactly one more read after it, and nothing reads after stop().
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { snapshotRefresher } from "../../src/feed/run.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("snapshotRefresher", () => {
  it("folds a burst into one read", async () => {
    let reads = 0;
    const r = snapshotRefresher(async () => {
      reads++;
    }, 30);
    for (let i = 0; i < 10; i++) r.schedule();
    await sleep(100);
    assert.equal(reads, 1);
    r.schedule();
    await sleep(100);
    assert.equal(reads, 2);
    r.stop();
  });

  it("an event during a read makes one more read after it, never two at once", async () => {
    let reads = 0;
    let inFlight = 0;
    let most = 0;
    const r = snapshotRefresher(async () => {
      reads++;
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(80);
      inFlight--;
    }, 10);
    r.schedule();
    await sleep(40); // the first read is running
    r.schedule();
    await sleep(30);
    r.schedule();
    await sleep(300);
    assert.equal(most, 1);
    assert.equal(reads, 2);
    r.stop();
  });

  it("a failed read is survived and stop() cancels a pending one", async () => {
    let reads = 0;
    const r = snapshotRefresher(async () => {
      reads++;
      throw new Error("ledger busy");
    }, 10);
    r.schedule();
    await sleep(50);
    r.schedule();
    await sleep(50);
    assert.equal(reads, 2);
    r.schedule();
    r.stop();
    await sleep(50);
    assert.equal(reads, 2);
  });
});
