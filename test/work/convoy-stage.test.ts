// gt convoy stage / launch on a real town: an epic's tasks laid out in waves by their
// dependencies, kept staged (nothing hooked) until launched; a launch slings wave 1 only, and
// launching again slings what its closed blockers freed. Cycles, mixed input and work gated
// on beads outside the convoy are refused or flagged.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { locate } from "../../src/town/ledgers.ts";
import { bdOk, failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Stage {
  status: string;
  convoy_id: string | null;
  restaged: boolean;
  waves: Array<{ number: number; tasks: string[] }>;
  gated: string[];
  errors: Array<{ category: string }>;
}
interface Launch {
  convoy_id: string;
  launched: boolean;
  dispatched: Array<{ bead: string; rig: string }>;
  failures: unknown[];
  waiting: string[];
}

describe("gt convoy stage and launch", () => {
  let town: TestTown;
  let rig: string;
  const fails = failsInOneLine(() => town);
  const bd = (...args: string[]) => bdOk(town, rig, args);
  const create = (title: string, ...more: string[]) => bd("create", title, "--silent", ...more);
  const statusOf = async (id: string) =>
    (JSON.parse(await bd("show", id, "--json")) as Array<{ status: string }>)[0]!.status;
  const convoyStatus = async (id: string) =>
    (await town.gtJson<{ status: string }>(["convoy", "status", id])).status;

  before(async () => {
    town = await newTown("subprocess");
    await gtSteps(town, [["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]]);
    rig = join(town.root, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("stages an epic in waves, launches wave 1 only, and the next wave once its blockers close", async () => {
    const epic = await create("Ship search", "-t", "epic");
    const t1 = await create("index", "--parent", epic);
    const t2 = await create("query parser", "--parent", epic);
    const t3 = await create("search page", "--parent", epic);
    await bd("dep", "add", t3, t1);
    await bd("dep", "add", t3, t2);

    const staged = await town.gtJson<Stage>(["convoy", "stage", epic]);
    assert.equal(staged.status, "staged_ready");
    assert.deepEqual(staged.waves, [
      { number: 1, tasks: [t1, t2].sort() },
      { number: 2, tasks: [t3] },
    ]);
    const cv = staged.convoy_id!;
    assert.match(cv, /^hq-cv-/);
    assert.equal(await convoyStatus(cv), "staged_ready");
    assert.equal(await statusOf(t1), "open", "staging dispatches nothing");
    const human = await town.gt(["convoy", "stage", cv]);
    assert.match(human.stdout, /Restaged convoy .*\n {2}Wave 1:/);

    const first = await town.gtJson<Launch>(["convoy", "launch", cv, "--no-start"]);
    assert.equal(first.launched, true);
    assert.deepEqual(first.dispatched.map((d) => d.bead).sort(), [t1, t2].sort());
    assert.deepEqual(first.waiting, [t3]);
    assert.equal(await convoyStatus(cv), "open");
    assert.equal(await statusOf(t1), "hooked");
    assert.equal(await statusOf(t3), "open");
    await fails(["convoy", "stage", cv], /only a staged convoy/);

    const again = await town.gtJson<Launch>(["convoy", "launch", cv, "--no-start"]);
    assert.equal(again.launched, false);
    assert.deepEqual(again.dispatched, [], "wave 1 is already out, wave 2 still blocked");
    await bd("close", t1, t2, "--force");
    const next = await town.gtJson<Launch>(["convoy", "launch", cv, "--no-start"]);
    assert.deepEqual(
      next.dispatched.map((d) => d.bead),
      [t3],
    );
    assert.equal(await statusOf(t3), "hooked");
  });

  it("refuses a cycle and mixed input with one line, and writes no convoy", async () => {
    const before = (await town.gtJson<unknown[]>(["convoy", "list", "--all"])).length;
    const a = await create("a");
    const b = await create("b");
    await bd("dep", "add", a, b);
    // bd refuses a cycle; one imported or written by older tools is still possible.
    const ledger = openLedger(locate(join(rig, ".beads")));
    try {
      await ledger.addDependency(
        { issue_id: b, depends_on_id: a, type: "blocks", noCycleCheck: true },
        "test",
      );
    } finally {
      await ledger.close();
    }
    await fails(["convoy", "stage", a, b], /cycle/);
    const r = await town.gt(["convoy", "stage", a, b, "--json"]);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as Stage).errors[0]?.category, "cycle");
    const epic = await create("E", "-t", "epic");
    await fails(["convoy", "stage", epic, a], /mixed input/);
    await fails(["convoy", "stage", "al-nosuch"], /no bead al-nosuch/);
    assert.equal((await town.gtJson<unknown[]>(["convoy", "list", "--all"])).length, before);
  });

  it("work waiting on a bead outside the convoy stages with warnings and needs --force to launch", async () => {
    const outside = await create("design review");
    const g = await create("build it");
    const free = await create("docs");
    await bd("dep", "add", g, outside);
    const staged = await town.gtJson<Stage>(["convoy", "stage", g, free, "--title", "Build"]);
    assert.equal(staged.status, "staged_warnings");
    assert.deepEqual(staged.gated, [g]);
    assert.deepEqual(staged.waves, [{ number: 1, tasks: [free] }]);
    await fails(["convoy", "launch", staged.convoy_id!, "--no-start"], /staged with warnings/);
    const r = await town.gtJson<Launch>(["convoy", "launch", staged.convoy_id!, "--no-start", "--force"]);
    assert.deepEqual(
      r.dispatched.map((d) => d.bead),
      [free],
    );
    assert.deepEqual(r.waiting, [g]);
    assert.equal(await statusOf(g), "open");
  });

  it("launch on a convoy made by gt convoy create slings its ready beads; a landed one is refused", async () => {
    const ready = await create("ready now");
    const later = await create("after it");
    await bd("dep", "add", later, ready);
    const cv = await town.gtJson<{ id: string }>(["convoy", "create", "Plain", ready, later]);
    const r = await town.gtJson<Launch>(["convoy", "launch", cv.id, "--no-start"]);
    assert.equal(r.launched, false, "it was open already");
    assert.deepEqual(
      r.dispatched.map((d) => d.bead),
      [ready],
    );
    assert.deepEqual(r.waiting, [later]);
    await town.gtJson(["convoy", "close", cv.id, "--force"]);
    await fails(["convoy", "launch", cv.id], /has landed/);
  });
});
