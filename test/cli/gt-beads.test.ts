// gt show, cat, close, release, bead move/show and assign against a real town: the bead's
// prefix picks its ledger (hq- the town's, al- rig alpha's) whatever the working directory,
// and bad input is one line and a non-zero exit with nothing changed.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, bdOk, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  assignee?: string;
  notes?: string;
  close_reason?: string;
  labels?: string[];
  priority: number;
}

describe("gt beads: show, cat, close, release, bead move, assign", () => {
  let town: TestTown;
  let rigDir: string;

  const create = (cwd: string, title: string, ...args: string[]) =>
    bdOk(town, cwd, ["create", title, "--silent", ...args]);
  const bead = async (id: string) => (await town.gtJson<Bead[]>(["show", id]))[0]!;

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    rigDir = join(town.root, "alpha");
    const crew = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(crew.code, 0, crew.stderr);
  });
  after(async () => town?.cleanup());

  it("gt show and gt cat find a bead in its own ledger from anywhere in the town", async () => {
    const rigBead = await create(rigDir, "Rig work");
    const townBead = await create(town.root, "Town work");
    assert.match(rigBead, /^al-/);
    assert.match(townBead, /^hq-/);
    // From the town root, a rig bead; from the rig, a town bead: both in one call.
    const both = await town.gtJson<Bead[]>(["show", rigBead, townBead]);
    assert.deepEqual(
      both.map((b) => [b.id, b.title]),
      [
        [rigBead, "Rig work"],
        [townBead, "Town work"],
      ],
    );
    const fromRig = await town.gtJson<Bead[]>(["show", townBead], { cwd: rigDir });
    assert.equal(fromRig[0]!.title, "Town work");
    const text = await town.gt(["show", rigBead]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${rigBead} · Rig work`));
    const cat = await town.gt(["cat", rigBead], { cwd: join(town.root, "mayor") });
    assert.equal(cat.code, 0, cat.stderr);
    assert.match(cat.stdout, /Rig work/);
    const short = await town.gt(["bead", "read", rigBead, "--short"]);
    assert.equal(short.stdout, `${rigBead} [P2] [task] open - Rig work\n`);

    for (const [args, message] of [
      [["show", "not an id"], /invalid bead ID "not an id"/],
      [["show", "al-nosuch"], /no issue found matching "al-nosuch"/],
      [["cat", "Rig"], /invalid bead ID "Rig"/],
    ] as const) {
      const r = await town.gt([...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    const unknownPrefix = await town.gt(["show", "zz-abc", "--json"]);
    assert.equal(unknownPrefix.code, 1);
    assert.equal(typeof JSON.parse(unknownPrefix.stdout).error, "string");
  });

  it("gt close closes beads of several ledgers, all or nothing, and --cascade closes children first", async () => {
    const a = await create(rigDir, "Close me");
    const b = await create(town.root, "Close me too");
    const done = await create(rigDir, "Already done");
    await bdOk(town, rigDir, ["close", done]);
    // One closed bead among them: nothing closes.
    const refused = await town.gt(["close", a, done]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`${done} is already closed`));
    assert.equal((await bead(a)).status, "open");

    const res = await town.gtJson<{ closed: Bead[] }>(["close", a, b, "--comment", "shipped"], {
      cwd: rigDir,
    });
    assert.deepEqual(res.closed.map((i) => i.id).sort(), [a, b].sort());
    for (const id of [a, b]) {
      const got = await bead(id);
      assert.equal(got.status, "closed");
      assert.equal(got.close_reason, "shipped");
    }
    const both = await town.gt(["close", a, "-r", "x", "--comment", "y"]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--reason and --comment/);

    const epic = await create(rigDir, "Epic", "--type", "epic");
    const child = await create(rigDir, "Child", "--parent", epic);
    const grandchild = await create(rigDir, "Grandchild", "--parent", child);
    const blocked = await town.gt(["close", epic]);
    assert.equal(blocked.code, 1, "an epic with open children does not close without --cascade or --force");
    assert.equal((await bead(epic)).status, "open");
    const cascade = await town.gtJson<{ closed: Bead[] }>(["close", epic, "--cascade", "-r", "all done"]);
    assert.deepEqual(
      cascade.closed.map((i) => i.id),
      [grandchild, child, epic],
    );
    assert.equal((await bead(grandchild)).status, "closed");
  });

  it("gt close lands a convoy whose last bead it closes", async () => {
    const x = await create(rigDir, "Convoy bead");
    const convoy = await town.gtJson<{ id: string }>(["convoy", "create", "Ship it", x]);
    const res = await town.gtJson<{ convoys: string[] }>(["close", x]);
    assert.deepEqual(res.convoys, [convoy.id]);
    assert.equal((await bead(convoy.id)).status, "closed");
  });

  it("gt release gives in-progress and hooked beads back; anything else is refused", async () => {
    const stuck = await create(rigDir, "Stuck");
    await bdOk(town, rigDir, [
      "update",
      stuck,
      "--status",
      "in_progress",
      "--assignee",
      "alpha/polecats/toast",
    ]);
    const r = await town.gtJson<{ released: Array<{ bead: string; was: string; from: string }> }>([
      "release",
      stuck,
      "-r",
      "worker died",
    ]);
    assert.deepEqual(r.released, [{ bead: stuck, was: "in_progress", from: "alpha/polecats/toast" }]);
    const released = await bead(stuck);
    assert.equal(released.status, "open");
    assert.equal(released.assignee ?? "", "");
    assert.match(released.notes ?? "", /Released: worker died/);

    const again = await town.gt(["release", stuck]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is open, not in progress/);

    const hooked = await create(rigDir, "Hooked");
    const hook = await town.gt(["hook", hooked, "alpha/crew/max"]);
    assert.equal(hook.code, 0, hook.stderr);
    const rel = await town.gt(["release", hooked, stuck]);
    assert.equal(rel.code, 1, "one of the two failed");
    assert.match(rel.stdout, new RegExp(`Released ${hooked} → open \\(was hooked, alpha/crew/max\\)`));
    assert.match(rel.stdout, /Released: 1, failed: 1/);
    assert.equal((await bead(hooked)).status, "open");
  });

  it("gt bead move copies a bead to another ledger and closes the original", async () => {
    const src = await create(rigDir, "Belongs to the town", "--priority", "1", "--labels", "infra");
    const dry = await town.gt(["bead", "move", src, "hq", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would copy/);
    assert.equal((await bead(src)).status, "open");

    const moved = await town.gtJson<{ from: string; to: string }>(["bead", "move", src, "hq-"]);
    assert.equal(moved.from, src);
    assert.match(moved.to, /^hq-/);
    const copy = await bead(moved.to);
    assert.equal(copy.title, "Belongs to the town");
    assert.equal(copy.priority, 1);
    assert.deepEqual(copy.labels, ["infra"]);
    const original = await bead(src);
    assert.equal(original.status, "closed");
    assert.equal(original.close_reason, `Moved to ${moved.to}`);

    for (const [args, message] of [
      [["bead", "move", src, "hq"], /cannot move closed bead/],
      [["bead", "move", moved.to, "zz"], /no ledger in this town has prefix "zz"/],
      [["bead", "move", moved.to, "hq"], /already lives in the hq ledger/],
    ] as const) {
      const r = await town.gt([...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
    }
  });

  it("gt assign creates a bead in the crew member's rig and hooks it; bad input creates nothing", async () => {
    const dry = await town.gtJson<{ target: string; dry_run: boolean }>([
      "assign",
      "max",
      "Dry",
      "--dry-run",
    ]);
    assert.deepEqual([dry.target, dry.dry_run], ["alpha/crew/max", true]);

    const res = await town.gtJson<{ bead: string; target: string }>([
      "assign",
      "max",
      "Fix the auth bug",
      "-d",
      "retry logic looks wrong",
      "--type",
      "bug",
      "-p",
      "1",
      "-l",
      "auth",
    ]);
    assert.match(res.bead, /^al-/);
    const got = await bead(res.bead);
    assert.deepEqual(
      [got.status, got.assignee, got.priority, got.labels],
      ["hooked", "alpha/crew/max", 1, ["auth"]],
    );
    const hook = await town.gt(["hook", "show", "alpha/crew/max"]);
    assert.match(hook.stdout, new RegExp(res.bead));

    const count = async () =>
      JSON.parse(await bdOk(town, rigDir, ["list", "--all", "--json", "--limit", "0"])).length;
    const n = await count();
    for (const [args, message] of [
      [["assign", "nobody", "Work"], /no crew member "nobody"/],
      [["assign", "max", "Work", "-p", "9"], /invalid priority "9"/],
      [["assign", "max"], /error|missing/i],
      [["assign", "max", "Work", "--rig", "nosuch"], /nosuch/],
    ] as const) {
      const r = await town.gt([...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
    }
    assert.equal(await count(), n, "no bead was left behind");
  });
});
