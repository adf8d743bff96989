import "../helpers/isolation.ts";
// gt patrol new|report|digest: patrol rounds as root-only wisps of the role's patrol formula
// in the town ledger; report closes a round with its summary and step audit and starts the
// next; digest folds a day's closed rounds into one permanent bead.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Round {
  patrol: string;
  formula: string;
  agent: string;
  burned: string[];
  warnings: string[];
}

describe("gt patrol new / report / digest", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const witness = { env: { GT_ROLE: "alpha/witness" } };
  const deacon = { env: { GT_ROLE: "deacon" } };
  const show = async (id: string) =>
    (JSON.parse(await bdOk(town, town.root, ["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const today = new Date().toISOString().slice(0, 10);

  before(async () => {
    town = await crewTown([]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("new pours a round on the agent's name; a second new burns the one left open", async () => {
    const r1 = await town.gtJson<Round>(["patrol", "new"], witness);
    assert.equal(r1.formula, "mol-witness-patrol");
    assert.equal(r1.agent, "alpha/witness");
    assert.match(r1.patrol, /-wisp-/);
    const root = await show(r1.patrol);
    assert.equal(root.assignee, "alpha/witness");
    assert.equal(root.status, "open");
    const r2 = await town.gtJson<Round>(["patrol", "new"], witness);
    assert.deepEqual(r2.burned, [r1.patrol]);
    await assert.rejects(show(r1.patrol), "the old round is gone");

    // --role/--rig name the patrol when the caller is not the agent.
    const r3 = await town.gtJson<Round>(["patrol", "new", "--role", "deacon"]);
    assert.equal(r3.agent, "deacon");
    await fails(["patrol", "new"], /the mayor does not patrol/, { env: { GT_ROLE: "mayor" } });
    await fails(["patrol", "new", "--role", "witness"], /needs its rig/);
  });

  it("report closes the round with the summary and step audit, and starts the next", async () => {
    await fails(["patrol", "report"], /--summary is required/, witness);
    await fails(
      ["patrol", "report", "--summary", "x", "--steps", "inbox"],
      /invalid --steps entry "inbox"/,
      witness,
    );
    const open = (await town.gtJson<Round>(["patrol", "new"], witness)).patrol;
    const r = await town.gtJson<{
      closed: string;
      steps: Array<{ step: string; status: string }>;
      unknown_steps: string[];
      next: Round;
    }>(["patrol", "report", "--summary", "all clear", "--steps", "inbox:ok,survey:OK,bogus:OK"], witness);
    assert.equal(r.closed, open);
    assert.deepEqual(
      r.steps.find((s) => s.step === "inbox"),
      { step: "inbox", status: "OK" },
    );
    assert.deepEqual(
      r.steps.find((s) => s.step === "act"),
      { step: "act", status: "NOT REPORTED" },
    );
    assert.deepEqual(r.unknown_steps, ["bogus"]);
    const closed = await show(open);
    assert.equal(closed.status, "closed");
    assert.match(String(closed.description), /^Patrol report: all clear\n\nSteps:\n- inbox: OK/);
    assert.equal((await show(r.next.patrol)).status, "open");

    const d = await town.gtJson<{ closed: string }>(["patrol", "report", "--summary", "quiet night"], deacon);
    assert.ok(d.closed);
  });

  it("digest folds the day's closed rounds into one bead, once", async () => {
    await fails(["patrol", "digest"], /--yesterday or --date/);
    await fails(["patrol", "digest", "--date", "2026-02-30"], /invalid date "2026-02-30"/);
    const dry = await town.gtJson<{ total_cycles: number; by_role: Record<string, number>; digest: null }>([
      "patrol",
      "digest",
      "--date",
      today,
      "--dry-run",
    ]);
    assert.deepEqual(dry.by_role, { witness: 1, deacon: 1 });
    assert.equal(dry.digest, null);

    const r = await town.gtJson<{
      digest: string;
      deleted: number;
      cycles: Array<{ id: string; summary: string }>;
    }>(["patrol", "digest", "--date", today]);
    assert.equal(r.deleted, 2);
    assert.deepEqual(r.cycles.map((c) => c.summary).sort(), ["all clear", "quiet night"]);
    const bead = await show(r.digest);
    assert.equal(bead.title, `Patrol Report ${today}`);
    assert.equal(bead.status, "closed");
    assert.match(String(bead.description), /2 patrol cycle\(s\).*\n\n.*alpha\/witness: all clear/s);
    for (const c of r.cycles) await assert.rejects(show(c.id), `${c.id} deleted`);

    const again = await town.gtJson<{ existing: boolean; digest: string }>([
      "patrol",
      "digest",
      "--date",
      today,
    ]);
    assert.deepEqual([again.existing, again.digest], [true, r.digest]);
  });
  it("a formula overlay shapes the round: a skipped step is not audited, a stale one is warned of", async () => {
    const dir = join(town.root, "formula-overlays");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "mol-witness-patrol.toml");
    writeFileSync(
      file,
      '[[step-overrides]]\nstep_id = "act"\nmode = "skip"\n\n[[step-overrides]]\nstep_id = "gone"\nmode = "skip"\n',
    );
    try {
      const r = await town.gtJson<Round>(["patrol", "new"], witness);
      assert.equal(r.warnings.length, 1);
      assert.match(r.warnings[0]!, /mol-witness-patrol\.toml: overlay references unknown step "gone"/);
      const report = await town.gtJson<{ steps: Array<{ step: string }> }>(
        ["patrol", "report", "--summary", "overlaid"],
        witness,
      );
      const steps = report.steps.map((s) => s.step);
      assert.ok(steps.includes("inbox") && !steps.includes("act"), steps.join(","));
    } finally {
      rmSync(file);
    }
  });
});
