import "../helpers/isolation.ts";
// gt mol await-signal (and gt mol step await-signal): back as soon as an event is appended
// to the town's stream, or at the timeout; with backoff, the timeout grows with the agent's
// idle rounds, counted on its agent bead.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Awaited {
  reason: string;
  elapsed_ms: number;
  timeout_ms: number;
  signal: string | null;
  idle_cycles: number | null;
}

describe("gt mol await-signal", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const asMax = () => ({ cwd: join(town.root, "alpha", "crew", "max") });

  before(async () => {
    town = await crewTown(["max"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("returns on the first event appended, with that event", async () => {
    let done = false;
    const waiting = town.gtJson<Awaited>(["mol", "await-signal", "--timeout", "30s"]).finally(() => {
      done = true;
    });
    // Appended until the waiter answers: it may not be watching yet on a loaded machine.
    for (let n = 0; !done && n < 50; n++) {
      await new Promise((r) => setTimeout(r, 500));
      if (!done) appendFileSync(join(town.root, ".events.jsonl"), `{"type":"test","n":${n}}\n`);
    }
    const r = await waiting;
    assert.equal(r.reason, "signal");
    assert.match(r.signal ?? "", /^\{"type":"test","n":\d+\}$/);
    assert.ok(r.elapsed_ms < 25_000, String(r.elapsed_ms));
  });

  it("times out, and with backoff waits longer each idle round", async () => {
    const plain = await town.gtJson<Awaited>(["mol", "step", "await-signal", "--timeout", "300ms"]);
    assert.deepEqual([plain.reason, plain.timeout_ms, plain.idle_cycles], ["timeout", 300, null]);
    assert.ok(plain.elapsed_ms >= 300);

    const backoff = ["mol", "await-signal", "--backoff-base", "200ms", "--backoff-max", "500ms"];
    const r1 = await town.gtJson<Awaited>(backoff, asMax());
    assert.deepEqual([r1.reason, r1.timeout_ms, r1.idle_cycles], ["timeout", 200, 1]);
    const r2 = await town.gtJson<Awaited>(backoff, asMax());
    assert.deepEqual([r2.timeout_ms, r2.idle_cycles], [400, 2]);
    const r3 = await town.gtJson<Awaited>(backoff, asMax());
    assert.deepEqual([r3.timeout_ms, r3.idle_cycles], [500, 3], "capped by --backoff-max");

    await fails(["mol", "await-signal", "--timeout", "soon"], /invalid --timeout "soon"/);
    await fails(["mol", "await-signal", "--backoff-base", "1s"], /run as an agent or give --agent/);
  });
});
