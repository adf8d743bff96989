// The queue's order: priority first, but age and convoy age lift waiting MRs and retries
// push back, so nothing starves behind a stream of urgent work.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queueScore } from "../../src/refinery/queue.ts";

describe("merge queue score", () => {
  it("puts higher priority first when ages are equal", () => {
    assert.ok(
      queueScore({ priority: 0, retry_count: 0 }, 0) > queueScore({ priority: 1, retry_count: 0 }, 0),
    );
    assert.equal(
      queueScore({ priority: 0, retry_count: 0 }, 0) - queueScore({ priority: 4, retry_count: 0 }, 0),
      400,
    );
  });

  it("lets a waiting MR of an old convoy overtake fresh urgent work", () => {
    const freshUrgent = queueScore({ priority: 1, retry_count: 0 }, 0, 0);
    const oldLow = queueScore({ priority: 3, retry_count: 0 }, 20, 20);
    assert.ok(oldLow > freshUrgent, `${oldLow} > ${freshUrgent}`);
  });

  it("counts retries against an MR, up to a limit", () => {
    const base = queueScore({ priority: 2, retry_count: 0 }, 0);
    assert.equal(base - queueScore({ priority: 2, retry_count: 2 }, 0), 100);
    assert.equal(base - queueScore({ priority: 2, retry_count: 50 }, 0), 300);
  });
});
