// gt vitals: one screen of the town's health; its counts follow what happens in the ledgers.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Vitals } from "../../src/watch/vitals.ts";
import { addBareRig, bdOk, newTown, type TestTown } from "../helpers/town.ts";

describe("gt vitals", () => {
  let town: TestTown;
  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("counts ledgers, queues and escalations, sizes files, and prints one screen", async () => {
    const before = await town.gtJson<Vitals>(["vitals"]);
    assert.deepEqual(
      before.ledgers.map((l) => l.rig),
      [null, "alpha"],
    );
    assert.ok(before.ledgers.every((l) => l.db_bytes > 0));
    assert.equal(before.machine.cpus > 0, true);
    assert.ok(before.disk && before.disk.total_bytes > before.disk.free_bytes);
    const alpha0 = before.ledgers.find((l) => l.rig === "alpha")!;

    const rig = join(town.root, "alpha");
    await bdOk(town, rig, ["create", "one", "--silent"]);
    const two = await bdOk(town, rig, ["create", "two", "--silent"]);
    await bdOk(town, rig, ["close", two]);
    const esc = await town.gt(["escalate", "-s", "high", "The build box is down"]);
    assert.equal(esc.code, 0, esc.stderr);

    const after = await town.gtJson<Vitals>(["vitals"]);
    const alpha = after.ledgers.find((l) => l.rig === "alpha")!;
    assert.equal(alpha.open, alpha0.open + 1);
    assert.equal(alpha.closed, alpha0.closed + 1);
    assert.equal(after.queues.escalations_open, before.queues.escalations_open + 1);
    assert.ok(after.logs.events_bytes > 0, "the escalation was logged");

    const text = await town.gt(["vitals"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^queues {4}0 merge request\(s\), 0 scheduled, 0 hooked, 1 escalation\(s\) open$/m,
    );
    assert.match(
      text.stdout,
      new RegExp(
        `^ {2}alpha .*${alpha.open} open, 0 in progress, 0 hooked, ${alpha.closed} closed; merge queue 0$`,
        "m",
      ),
    );
  });
});
