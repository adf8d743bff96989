// A docked rig's mark (the status:docked label on its rig bead) travels in the JSONL: rig
// beads are infrastructure (hidden from bd list) but exported all the same (the ledger's
// types.infra_exported). It is in the rig ledger's issues.jsonl and in a plain bd export;
// imported into a fresh ledger the rig bead is still docked; a rig ledger rebuilt from its
// JSONL (beads.db deleted) keeps the rig docked — gt rig status says so and gt rig start
// refuses — and after gt rig undock a rebuild finds it undocked.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  labels?: string[];
}

describe("the docked mark travels in the JSONL", () => {
  let town: TestTown;
  const rigDir = () => join(town.root, "alpha");
  const jsonlRigLine = () =>
    readFileSync(join(rigDir(), ".beads", "issues.jsonl"), "utf8")
      .split("\n")
      .find((l) => l.includes('"id":"al-rig-alpha"'));
  const rebuild = () => {
    const dir = join(rigDir(), ".beads");
    for (const f of readdirSync(dir))
      if (f === "beads.db" || f.startsWith("beads.db-")) rmSync(join(dir, f), { force: true });
  };
  // What gt rig status says, and what gt status says of the rig (it reads the label on its own path).
  const state = async () => {
    const rig = (await town.gtJson<{ state: string }>(["rig", "status", "alpha"])).state;
    const status = await town.gtJson<{ rigs: Array<{ name: string; state: string }> }>(["status"]);
    assert.equal(
      status.rigs.find((r) => r.name === "alpha")?.state,
      rig,
      "gt status agrees with gt rig status",
    );
    return rig;
  };

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "project")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("is exported, imports into a fresh ledger, and survives a rebuild from the JSONL", async () => {
    assert.equal((await town.gt(["rig", "dock", "alpha"])).code, 0);
    const line = jsonlRigLine();
    assert.ok(line, "the rig bead is in issues.jsonl");
    assert.deepEqual(JSON.parse(line).labels, ["gt:rig", "status:docked"]);
    // Still infrastructure: not in a plain list.
    const listed = JSON.parse(
      await bdOk(town, rigDir(), ["list", "--all", "--json", "--limit", "0"]),
    ) as Bead[];
    assert.ok(!listed.some((b) => b.id === "al-rig-alpha"));

    // A plain bd export carries it; a fresh ledger imports it docked.
    const file = join(town.scratch, "export.jsonl");
    await bdOk(town, rigDir(), ["export", "-o", file]);
    assert.match(readFileSync(file, "utf8"), /"id":"al-rig-alpha".*"status:docked"/);
    const fresh = join(town.scratch, "fresh");
    mkdirSync(fresh);
    await bdOk(town, fresh, ["init", "--prefix", "al", "--quiet"]);
    await bdOk(town, fresh, ["import", file]);
    const imported = (JSON.parse(await bdOk(town, fresh, ["show", "al-rig-alpha", "--json"])) as Bead[])[0]!;
    assert.ok(imported.labels?.includes("status:docked"), JSON.stringify(imported));

    // The rig's own ledger rebuilt from its JSONL: still docked.
    rebuild();
    assert.equal(await state(), "docked");
    const start = await town.gt(["rig", "start", "alpha"]);
    assert.notEqual(start.code, 0);
    assert.match(start.stderr, /rig alpha is docked/);

    assert.equal((await town.gt(["rig", "undock", "alpha"])).code, 0);
    assert.deepEqual(JSON.parse(jsonlRigLine()!).labels, ["gt:rig"]);
    rebuild();
    assert.equal(await state(), "active");
  });
});
