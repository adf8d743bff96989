import "../helpers/isolation.ts";
// gt mountain (an epic staged as a labelled convoy, wave 1 launched; status, pause, resume,
// cancel) and gt synthesis (a convoy's legs and the synthesis bead they block: status, start
// once the legs closed, close) in a town with rig alpha, no sessions started.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Detail {
  id: string;
  paused: boolean;
  epic: string | null;
  total: number;
  closed: number;
  percent: number;
  completed: Array<{ id: string }>;
  active: Array<{ id: string }>;
  ready: Array<{ id: string }>;
  blocked: Array<{ id: string; needs: string[] }>;
}

describe("gt mountain and gt synthesis", () => {
  let town: TestTown;
  let rig: string;
  const fails = failsInOneLine(() => town);
  const bd = (...args: string[]) => bdOk(town, rig, args);
  const create = (title: string, ...more: string[]) => bd("create", title, "--silent", ...more);
  const labelsOf = async (id: string) =>
    (JSON.parse(await bdOk(town, town.root, ["show", id, "--json"])) as Array<{ labels?: string[] }>)[0]!
      .labels ?? [];

  before(async () => {
    town = await newTown("subprocess");
    await gtSteps(town, [["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]]);
    rig = join(town.root, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("activates an epic, shows progress, pauses, resumes and cancels it", async () => {
    const epic = await create("Eat the mountain", "-t", "epic");
    const t1 = await create("first slope", "--parent", epic);
    const t2 = await create("summit", "--parent", epic);
    await bd("dep", "add", t2, t1);

    assert.match((await town.gt(["mountain", "status"])).stdout, /No active mountains\./);
    const act = await town.gtJson<{ convoy_id: string; launch: { dispatched: Array<{ bead: string }> } }>([
      "mountain",
      epic,
      "--no-start",
    ]);
    const cv = act.convoy_id;
    assert.deepEqual(
      act.launch.dispatched.map((d) => d.bead),
      [t1],
      "wave 1 only",
    );
    assert.ok((await labelsOf(cv)).includes("mountain"));

    const all = await town.gtJson<Array<{ id: string; title: string; total: number; epic: string }>>([
      "mountain",
      "status",
    ]);
    assert.deepEqual(
      all.map((m) => [m.id, m.title, m.total, m.epic]),
      [[cv, "Mountain: Eat the mountain", 2, epic]],
    );
    const byEpic = await town.gtJson<Detail>(["mountain", "status", epic]);
    assert.equal(byEpic.id, cv, "an epic finds its mountain");
    assert.deepEqual(
      [byEpic.active.map((t) => t.id), byEpic.blocked.map((t) => [t.id, t.needs])],
      [[t1], [[t2, [t1]]]],
    );
    const text = await town.gt(["mountain", "status"]);
    assert.match(text.stdout, /Progress: ░{20} 0\/2 \(0%\)/);

    await bd("close", t1, "--force");
    const half = await town.gtJson<Detail>(["mountain", "status", cv]);
    assert.deepEqual(
      [half.percent, half.completed.map((t) => t.id), half.ready.map((t) => t.id)],
      [50, [t1], [t2]],
    );

    const paused = await town.gt(["mountain", "pause", cv]);
    assert.match(paused.stdout, new RegExp(`Mountain ${cv} paused\\.`));
    assert.ok((await labelsOf(cv)).includes("mountain:paused"));
    assert.equal((await town.gtJson<Detail>(["mountain", "status", cv])).paused, true);
    assert.match((await town.gt(["mountain", "pause", cv])).stdout, /already paused/);
    // Paused: summit is ready, yet no new wave goes out, by hand or by the deacon's feeding.
    const stranded = () =>
      town.gtJson<Array<{ id: string; ready: string[] }>>(["convoy", "stranded", "--json"]);
    assert.deepEqual(
      (await stranded()).filter((c) => c.id === cv),
      [],
    );
    await fails(["convoy", "launch", cv, "--no-start"], new RegExp(`${cv} is a paused mountain`));
    await town.gt(["mountain", "resume", epic]);
    assert.ok(!(await labelsOf(cv)).includes("mountain:paused"));
    assert.deepEqual(
      (await stranded()).filter((c) => c.id === cv).map((c) => c.ready),
      [[t2]],
    );

    await town.gt(["mountain", "cancel", cv]);
    assert.deepEqual(
      (await labelsOf(cv)).filter((l) => l.startsWith("mountain")),
      [],
    );
    assert.deepEqual(await town.gtJson<unknown[]>(["mountain", "status"]), []);
    await fails(["mountain", "status", cv], /is not a mountain/);
    await fails(["mountain", "pause", "al-nope"], /al-nope/);
    await fails(["mountain"], /usage: gt mountain <epic-id>/);
  });

  it("synthesis: waits for the legs, starts (or refuses), and closes the convoy", async () => {
    const a = await create("leg a");
    const b = await create("leg b");
    const syn = await create("combine");
    await bd("dep", "add", syn, a);
    await bd("dep", "add", syn, b);
    const convoy = await town.gtJson<{ id: string }>(["convoy", "create", "Review run", a, b, syn]);

    interface State {
      legs: Array<{ id: string }>;
      synthesis: { id: string; status: string };
      ready: boolean;
      started: boolean;
      legs_closed: number;
    }
    const st = await town.gtJson<State>(["synthesis", "status", convoy.id]);
    assert.deepEqual(
      [st.synthesis.id, st.legs.map((l) => l.id).sort(), st.ready, st.legs_closed],
      [syn, [a, b].sort(), false, 0],
    );
    await fails(["synthesis", "start", convoy.id], /2 leg\(s\) still open .*use --force/);
    const dry = await town.gt(["synthesis", "start", convoy.id, "--force", "--dry-run"]);
    assert.match(dry.stdout, new RegExp(`Would sling synthesis ${syn} "combine" to alpha`));

    await bd("close", a, b, "--force");
    assert.match((await town.gt(["synthesis", "status", convoy.id])).stdout, /Status: ready/);
    const started = await town.gtJson<{ rig: string; sling: { outcomes: Array<{ bead: string }> } }>([
      "synthesis",
      "start",
      convoy.id,
      "--no-start",
    ]);
    assert.equal(started.rig, "alpha");
    assert.deepEqual(
      started.sling.outcomes.map((o) => o.bead),
      [syn],
    );
    assert.equal((await town.gtJson<State>(["synthesis", "status", convoy.id])).synthesis.status, "hooked");
    await fails(["synthesis", "start", convoy.id], /has already started/);
    await fails(["synthesis", "close", convoy.id], /close it first, or use --force/);

    // Closing the synthesis bead lands the convoy by itself; --force closes it before that.
    assert.match((await town.gt(["synthesis", "close", convoy.id, "--force"])).stdout, /✓ Convoy closed/);
    const closed = await town.gtJson<{ status: string; close_reason: string }>([
      "convoy",
      "status",
      convoy.id,
    ]);
    assert.deepEqual([closed.status, closed.close_reason], ["closed", "synthesis complete"]);
    assert.match((await town.gt(["synthesis", "close", convoy.id])).stdout, /already closed/);

    const plain = await town.gtJson<{ id: string }>([
      "convoy",
      "create",
      "No synthesis",
      await create("lone"),
    ]);
    await fails(["synthesis", "status", plain.id], /has no synthesis step/);
  });
});
