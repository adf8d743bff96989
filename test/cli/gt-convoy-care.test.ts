// gt convoy watch/unwatch, stranded, land, create --owned and list --tree against a real
// town: owned convoys wait for their owner, watchers are mailed when a convoy lands.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, bdOk, newTown, type TestTown } from "../helpers/town.ts";

interface Convoy {
  id: string;
  status: string;
  owned?: boolean;
  watchers?: string[];
  close_reason: string | null;
}

describe("gt convoy: watch, stranded, land, --owned, --tree", () => {
  let town: TestTown;
  let rigDir: string;
  const create = (title: string, ...args: string[]) =>
    bdOk(town, rigDir, ["create", title, "--silent", ...args]);
  const mailTo = async (address: string) =>
    (
      JSON.parse(
        await bdOk(town, town.root, ["list", "--type", "message", "--all", "--json", "--limit", "0"]),
      ) as Array<{
        title: string;
        assignee?: string;
      }>
    ).filter((m) => m.assignee === address);

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    rigDir = join(town.root, "alpha");
  });
  after(async () => town?.cleanup());

  it("watchers are mailed when a convoy lands; unwatch takes them off", async () => {
    const bead = await create("Watched work");
    const cv = await town.gtJson<Convoy>(["convoy", "create", "Watched", bead]);
    const w = await town.gtJson<{ watchers: string[]; changed: boolean }>([
      "convoy",
      "watch",
      cv.id,
      "--addr",
      "alpha/crew/mel",
    ]);
    assert.deepEqual(w, { convoy: cv.id, watchers: ["alpha/crew/mel"], changed: true });
    const again = await town.gtJson<{ changed: boolean }>([
      "convoy",
      "watch",
      cv.id,
      "--addr",
      "alpha/crew/mel",
    ]);
    assert.equal(again.changed, false);
    await town.gtJson(["convoy", "watch", cv.id, "--addr", "alpha/crew/bob"]);
    const un = await town.gtJson<{ watchers: string[] }>([
      "convoy",
      "unwatch",
      cv.id,
      "--addr",
      "alpha/crew/bob",
    ]);
    assert.deepEqual(un.watchers, ["alpha/crew/mel"]);
    const notWatching = await town.gt(["convoy", "unwatch", cv.id, "--addr", "alpha/crew/bob"]);
    assert.equal(notWatching.code, 1);
    assert.match(notWatching.stderr, /alpha\/crew\/bob is not watching/);
    const noConvoy = await town.gt(["convoy", "watch", "hq-cv-nosuch"]);
    assert.equal(noConvoy.code, 1);
    assert.match(noConvoy.stderr, /no convoy hq-cv-nosuch/);

    await town.gtJson(["close", bead]);
    assert.equal((await town.gtJson<Convoy>(["convoy", "status", cv.id])).status, "closed");
    assert.deepEqual(
      (await mailTo("alpha/crew/mel")).map((m) => m.title),
      ["🚚 Convoy landed: Watched"],
    );
    assert.deepEqual(await mailTo("alpha/crew/bob"), []);
  });

  it("an owned convoy waits for gt convoy land, which refuses other convoys and open beads", async () => {
    const a = await create("Owned work A");
    const b = await create("Owned work B");
    const owned = await town.gtJson<Convoy>([
      "convoy",
      "create",
      "Mine",
      a,
      b,
      "--owned",
      "--owner",
      "alpha/crew/max",
    ]);
    assert.equal(owned.owned, true);
    await town.gtJson(["close", a]);
    const early = await town.gt(["convoy", "land", owned.id]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /still has 1 open bead\(s\); use --force/);
    await town.gtJson(["close", b]);
    // Every bead closed, yet it waits for its owner: gt convoy check leaves it too.
    await town.gtJson(["convoy", "check"]);
    assert.equal((await town.gtJson<Convoy>(["convoy", "status", owned.id])).status, "open");
    const dry = await town.gtJson<{ dry_run: boolean }>(["convoy", "land", owned.id, "--dry-run"]);
    assert.equal(dry.dry_run, true);
    const landed = await town.gtJson<{ convoy: Convoy; mail: string[] }>(["convoy", "land", owned.id]);
    assert.equal(landed.convoy.status, "closed");
    assert.equal(landed.convoy.close_reason, "Landed by owner");
    assert.equal((await mailTo("alpha/crew/max")).length, 1);
    const twice = await town.gt(["convoy", "land", owned.id]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already landed/);

    const plain = await town.gtJson<Convoy>(["convoy", "create", "Not owned", await create("x")]);
    const refused = await town.gt(["convoy", "land", plain.id]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not owned .*gt convoy close/);
  });

  it("gt convoy stranded finds ready-unassigned, stuck and empty convoys; list --tree shows tracked beads", async () => {
    const ready = await create("Ready nobody works");
    const blocker = await create("Blocker");
    const blocked = await create("Blocked work");
    await bdOk(town, rigDir, ["dep", "add", blocked, blocker]);
    await bdOk(town, rigDir, ["update", blocker, "--status", "in_progress", "--assignee", "alpha/crew/max"]);
    const cvReady = await town.gtJson<Convoy>(["convoy", "create", "Feed me", ready]);
    const cvWorked = await town.gtJson<Convoy>(["convoy", "create", "Being worked", blocker, blocked]);
    const cvStuck = await town.gtJson<Convoy>(["convoy", "create", "Stuck", blocked]);
    const cvEmpty = await town.gtJson<Convoy>(["convoy", "create", "Empty"]);
    const rows = await town.gtJson<Array<{ id: string; reason: string; ready: string[] }>>([
      "convoy",
      "stranded",
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(byId.get(cvReady.id)?.ready, [ready]);
    assert.equal(byId.get(cvReady.id)?.reason, "ready-unassigned");
    assert.equal(byId.get(cvStuck.id)?.reason, "stuck");
    assert.equal(byId.get(cvEmpty.id)?.reason, "empty");
    assert.equal(byId.has(cvWorked.id), false, "a convoy someone is working is not stranded");

    const tree = await town.gt(["convoy", "list", "--tree"]);
    assert.equal(tree.code, 0, tree.stderr);
    // The convoy's line, then one line per tracked bead (in either order), the last one └──.
    const lines = tree.stdout.split("\n");
    const at = lines.findIndex((l) => l.includes(cvWorked.id));
    const under = lines.slice(at + 1, at + 3);
    assert.deepEqual(
      under.map((l) => l.slice(0, 6)),
      ["   ├──", "   └──"],
    );
    assert.deepEqual(
      [...under].map((l) => l.slice(7)).sort(),
      [`◐ ${blocker} Blocker [in_progress] (alpha/crew/max)`, `○ ${blocked} Blocked work [open]`].sort(),
    );
  });

  it("gt convoy create --from-epic tracks the epic's open work, sub-epics' included", async () => {
    const epic = await create("Big feature", "--type", "epic");
    const a = await create("Part A", "--parent", epic);
    const done = await create("Part done", "--parent", epic);
    await bdOk(town, rigDir, ["close", done]);
    const sub = await create("Sub-epic", "--type", "epic", "--parent", epic);
    const b = await create("Part B", "--parent", sub);
    const cv = await town.gtJson<{ tracked: Array<{ id: string }> }>([
      "convoy",
      "create",
      "Feature",
      "--from-epic",
      epic,
    ]);
    assert.deepEqual(cv.tracked.map((t) => t.id).sort(), [a, b].sort());
    const notEpic = await town.gt(["convoy", "create", "X", "--from-epic", a]);
    assert.equal(notEpic.code, 1);
    assert.match(notEpic.stderr, /is a task, not an epic/);
    const empty = await create("Empty epic", "--type", "epic");
    const none = await town.gt(["convoy", "create", "Y", "--from-epic", empty]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no open work under it/);
  });
});
