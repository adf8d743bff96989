// gt polecat pool-init and gt sling respawn-reset on a real town: the pool is made of idle
// polecats with sandboxes that a sling then takes (no new polecat), re-running tops it up
// only; respawn-reset clears what the witness patrol counted and reopens a bead it blocked.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { locate } from "../../src/town/ledgers.ts";
import { respawnsOf } from "../../src/watch/patrol-classify.ts";
import { bdOk, failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Pool {
  size: number;
  existing: string[];
  created: string[];
}
interface Polecat {
  name: string;
  state: string;
  work_dir: string;
}

describe("gt polecat pool-init and gt sling respawn-reset", () => {
  let town: TestTown;
  let rig: string;
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await newTown("subprocess");
    await gtSteps(town, [["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]]);
    rig = join(town.root, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("makes idle polecats with sandboxes that slings take, and only tops the pool up", async () => {
    const dry = await town.gtJson<Pool>(["polecat", "pool-init", "alpha", "--size", "3", "--dry-run"]);
    assert.equal(dry.created.length, 3);
    assert.deepEqual(
      await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]),
      [],
      "a dry run makes nothing",
    );

    const made = await town.gtJson<Pool>(["polecat", "pool-init", "alpha", "--size", "3"]);
    assert.equal(made.created.length, 3);
    const pool = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
    assert.deepEqual(pool.map((p) => p.name).sort(), [...made.created].sort());
    for (const p of pool) {
      assert.equal(p.state, "idle");
      assert.ok(existsSync(join(p.work_dir, ".git")), `${p.name} has a sandbox`);
    }

    const bead = await bdOk(town, rig, ["create", "pooled work", "--silent"]);
    const slung = await town.gtJson<{ outcomes: Array<{ polecat: string }> }>([
      "sling",
      bead,
      "alpha",
      "--no-start",
      "--no-convoy",
    ]);
    assert.ok(made.created.includes(slung.outcomes[0]!.polecat), "the sling took a pooled polecat");
    assert.equal((await town.gtJson<Polecat[]>(["polecat", "list", "alpha"])).length, 3);

    const again = await town.gtJson<Pool>(["polecat", "pool-init", "alpha", "--size", "4"]);
    assert.equal(again.existing.length, 3);
    assert.equal(again.created.length, 1);
    await fails(["polecat", "pool-init", "alpha", "--size", "0"], /pool size must be/);
    await fails(["polecat", "pool-init", "alpha", "--size", "x"], /--size must be a whole number/);
    await fails(["polecat", "pool-init", "nosuch"], /unknown rig/);
  });

  it("respawn-reset clears the patrol's count and reopens the bead it blocked", async () => {
    const bead = await bdOk(town, rig, ["create", "keeps dying", "--silent"]);
    const ledger = openLedger(locate(join(rig, ".beads")));
    try {
      const slungAt = new Date().toISOString();
      await ledger.updateIssue(
        bead,
        {
          status: "blocked",
          add_labels: ["gt:escalated"],
          set_metadata: {
            slung_at: slungAt,
            patrol_respawns: 3,
            patrol_respawn_epoch: slungAt,
            patrol_escalation: "hq-esc1",
            patrol_escalation_epoch: slungAt,
          },
        },
        "test",
      );
      assert.equal(respawnsOf((await ledger.getIssue(bead))!), 3);
    } finally {
      await ledger.close();
    }
    const r = await town.gtJson(["sling", "respawn-reset", bead]);
    assert.deepEqual(r, { bead, respawns: 3, escalation: "hq-esc1", unblocked: true });
    const after = JSON.parse(await bdOk(town, rig, ["show", bead, "--json"]))[0];
    assert.equal(after.status, "open");
    assert.ok(!(after.labels ?? []).includes("gt:escalated"));
    assert.equal(respawnsOf(after), 0, "the patrol counts from zero again");
    assert.equal(after.metadata.patrol_escalation, undefined);
    const human = await town.gt(["sling", "respawn-reset", bead]);
    assert.match(human.stdout, /Reset respawn counter for .* \(was 0\)\. It can be slung again\./);
    await fails(["sling", "respawn-reset", "al-nosuch"], /no bead al-nosuch/);
  });
});
