// gt warrant file|list|execute: a warrant filed for a running crew member, listed, executed
// (its session stopped, the warrant marked executed), and the refusals: no reason, a bad
// target, executing without a warrant unless --force.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, gtSteps, type TestTown } from "../helpers/town.ts";

interface Warrant {
  id: string;
  target: string;
  reason: string;
  filed_by: string;
  executed?: boolean;
  executed_at?: string;
}

describe("gt warrant", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await crewTown(["max"]);
    await gtSteps(town, [["crew", "start", "max", "--rig", "alpha", "--agent", "script"]]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("files, lists and executes a warrant: the session stops and the warrant is kept as executed", async () => {
    await fails(["warrant", "file", "alpha/crew/max"], /a warrant needs a reason/);
    await fails(["warrant", "file", "nowhere/crew/max", "-r", "x"], /nowhere/);
    await fails(["warrant", "file", "a/b/c/d", "-r", "x"], /invalid agent address/);
    await fails(
      ["warrant", "execute", "alpha/crew/max"],
      /no warrant found for alpha\/crew\/max \(use --force/,
    );
    assert.match((await town.gt(["warrant", "list"])).stdout, /No pending warrants/);

    const filed = await town.gtJson<{ warrant: Warrant; existing: boolean }>(
      ["warrant", "file", "alpha/crew/max", "--reason", "stuck: no progress for 2h"],
      { env: { BD_ACTOR: "alpha/witness" } },
    );
    assert.equal(filed.existing, false);
    assert.equal(filed.warrant.target, "alpha/crew/max");
    assert.equal(filed.warrant.filed_by, "alpha/witness");
    const file = join(town.root, "warrants", "alpha_crew_max.warrant.json");
    assert.equal((JSON.parse(readFileSync(file, "utf8")) as Warrant).reason, "stuck: no progress for 2h");
    const again = await town.gtJson<{ warrant: Warrant; existing: boolean }>([
      "warrant",
      "file",
      "alpha/crew/max",
      "-r",
      "another reason",
    ]);
    assert.equal(again.existing, true);
    assert.equal(again.warrant.id, filed.warrant.id);

    let rows = await town.gtJson<Warrant[]>(["warrant", "list"]);
    assert.deepEqual(
      rows.map((w) => [w.target, w.executed]),
      [["alpha/crew/max", false]],
    );
    assert.match((await town.gt(["warrant", "list"])).stdout, /PENDING alpha\/crew\/max\n\s+Reason: stuck/);

    const done = await town.gtJson<{ session: string; terminated: boolean; warrant: Warrant }>([
      "warrant",
      "execute",
      "alpha/crew/max",
    ]);
    assert.equal(done.session, "al-crew-max");
    assert.equal(done.terminated, true, "the running session was stopped");
    assert.equal(done.warrant.executed, true);
    const forced = await town.gtJson<{ terminated: boolean; warrant: Warrant | null }>([
      "warrant",
      "execute",
      "alpha/polecats/nobody",
      "--force",
    ]);
    assert.deepEqual([forced.terminated, forced.warrant], [false, null]);
    const second = await town.gtJson<{ already_executed: boolean }>(["warrant", "execute", "alpha/crew/max"]);
    assert.equal(second.already_executed, true);

    assert.deepEqual(await town.gtJson<Warrant[]>(["warrant", "list"]), []);
    rows = await town.gtJson<Warrant[]>(["warrant", "list", "--all"]);
    assert.equal(rows[0]?.executed, true);
    assert.ok(rows[0]?.executed_at);
    assert.ok(existsSync(file));
    // A new warrant may be filed once the old one was executed.
    const next = await town.gtJson<{ existing: boolean }>([
      "warrant",
      "file",
      "alpha/crew/max",
      "-r",
      "again",
    ]);
    assert.equal(next.existing, false);
  });
});
