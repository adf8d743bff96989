import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

interface Analysis {
  epic_id: string;
  total_issues: number;
  ready_fronts: Array<{ wave: number; issues: string[] }>;
  max_parallelism: number;
  warnings: string[];
  errors: string[];
  swarmable: boolean;
  issues?: Record<string, { wave: number; depends_on: string[] }>;
}

// bd swarm through bin/bd on an epic whose children form a diamond:
// setup → (api, ui) → integration test.
describe("bd swarm", () => {
  let dir: string;
  let cleanup: () => void;
  let epic: string;
  const ids: Record<string, string> = {};
  const create = async (title: string, extra: string[] = []) =>
    (await bdJson<{ id: string }>(dir, ["create", title, ...extra])).id;

  before(async () => {
    ({ dir, cleanup } = await freshLedger("sw"));
    epic = await create("Ship the feature", ["-t", "epic"]);
    for (const [key, title] of [
      ["setup", "Setup schema"],
      ["api", "Build API"],
      ["ui", "Build UI"],
      ["final", "Integration test"],
    ] as const)
      ids[key] = await create(title, ["--parent", epic]);
    for (const [from, to] of [
      ["api", "setup"],
      ["ui", "setup"],
      ["final", "api"],
      ["final", "ui"],
    ] as const) {
      const r = await bd(dir, ["dep", "add", ids[from]!, ids[to]!]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => cleanup?.());

  it("validate: waves of parallel work, nothing wrong", async () => {
    const a = await bdJson<Analysis>(dir, ["swarm", "validate", epic, "--verbose"]);
    assert.equal(a.swarmable, true);
    assert.equal(a.total_issues, 4);
    assert.deepEqual(
      a.ready_fronts.map((f) => f.issues),
      [
        [ids.setup],
        [ids.api, ids.ui].sort((x, y) => x!.localeCompare(y!, undefined, { numeric: true })),
        [ids.final],
      ],
    );
    assert.equal(a.max_parallelism, 2);
    assert.deepEqual(a.errors, []);
    assert.equal(a.issues?.[ids.final!]?.wave, 2);
    const human = await bd(dir, ["swarm", "validate", epic]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /🐝 Swarm Analysis: Ship the feature/);
    assert.match(human.stdout, /Wave 2: 2 issues/);
    assert.match(human.stdout, /✓ Swarmable: YES/);
    const notEpic = await bd(dir, ["swarm", "validate", ids.api!]);
    assert.notEqual(notEpic.code, 0);
    assert.match(notEpic.stderr, /is not an epic or molecule \(type: task\)/);
  });

  it("status: completed, active, ready and blocked, computed from the beads", async () => {
    assert.equal((await bd(dir, ["close", ids.setup!])).code, 0);
    assert.equal(
      (await bd(dir, ["update", ids.api!, "--status", "in_progress", "--assignee", "ann"])).code,
      0,
    );
    const s = await bdJson<{
      completed: Array<{ id: string }>;
      active: Array<{ id: string; assignee: string }>;
      ready: Array<{ id: string }>;
      blocked: Array<{ id: string; blocked_by: string[] }>;
      progress_percent: number;
    }>(dir, ["swarm", "status", epic]);
    assert.deepEqual(
      s.completed.map((i) => i.id),
      [ids.setup],
    );
    assert.deepEqual(
      s.active.map((i) => [i.id, i.assignee]),
      [[ids.api, "ann"]],
    );
    assert.deepEqual(
      s.ready.map((i) => i.id),
      [ids.ui],
    );
    assert.deepEqual(s.blocked[0]?.id, ids.final);
    assert.deepEqual(s.blocked[0]?.blocked_by.sort(), [ids.api, ids.ui].sort());
    assert.equal(s.progress_percent, 25);
    const human = await bd(dir, ["swarm", "status", epic]);
    assert.match(human.stdout, /Progress: 1\/4 complete, 1\/4 active \(25%\)/);
  });

  it("create links a swarm molecule, refuses a second, and list shows its progress", async () => {
    const made = await bdJson<{ swarm_id: string; epic_id: string; coordinator: string }>(dir, [
      "swarm",
      "create",
      epic,
      "--coordinator",
      "proj/witness",
    ]);
    assert.equal(made.epic_id, epic);
    const [mol] = await bdJson<Array<{ issue_type: string; mol_type: string; assignee: string }>>(dir, [
      "show",
      made.swarm_id,
    ]);
    assert.deepEqual([mol?.issue_type, mol?.mol_type, mol?.assignee], ["molecule", "swarm", "proj/witness"]);
    const twice = await bd(dir, ["swarm", "create", epic]);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, new RegExp(`swarm already exists: ${made.swarm_id}`));
    // Through the molecule, status finds the epic.
    const viaMol = await bdJson<{ epic_id: string }>(dir, ["swarm", "status", made.swarm_id]);
    assert.equal(viaMol.epic_id, epic);
    const list = await bdJson<{ swarms: Array<Record<string, unknown>> }>(dir, ["swarm", "list"]);
    assert.deepEqual(list.swarms, [
      {
        id: made.swarm_id,
        title: "Swarm: Ship the feature",
        epic_id: epic,
        epic_title: "Ship the feature",
        status: "open",
        coordinator: "proj/witness",
        total_issues: 4,
        completed_issues: 1,
        active_issues: 1,
        progress_percent: 25,
      },
    ]);
  });

  it("a single issue is wrapped in an epic; a cycle is not swarmable and leaves nothing behind", async () => {
    const lone = await create("Lone task");
    const r = await bd(dir, ["swarm", "create", lone]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Auto-wrapping single issue as epic/);
    const [wrapped] = await bdJson<
      Array<{ parent?: string; dependencies?: Array<{ id: string; issue_type: string }> }>
    >(dir, ["show", lone]);
    assert.equal(wrapped?.dependencies?.find((d) => d.issue_type === "epic") !== undefined, true);

    const loopEpic = await create("Loop", ["-t", "epic"]);
    const a = await create("Loop A", ["--parent", loopEpic]);
    const b = await create("Loop B", ["--parent", loopEpic]);
    assert.equal((await bd(dir, ["dep", "add", a, b, "--type", "waits-for"])).code, 0);
    assert.equal((await bd(dir, ["dep", "add", b, a, "--type", "waits-for"])).code, 0);
    const v = await bd(dir, ["swarm", "validate", loopEpic, "--json"]);
    assert.equal(v.code, 1);
    const analysis = JSON.parse(v.stdout) as Analysis;
    assert.equal(analysis.swarmable, false);
    assert.match(analysis.errors[0] ?? "", /Dependency cycle detected involving/);
    const before = (await bdJson<unknown[]>(dir, ["list", "--all", "-n", "0", "--include-templates"])).length;
    const refused = await bd(dir, ["swarm", "create", loopEpic, "--json"]);
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.stdout) as { error: string }).error, "epic is not swarmable");
    const after = (await bdJson<unknown[]>(dir, ["list", "--all", "-n", "0", "--include-templates"])).length;
    assert.equal(after, before);
  });
});
