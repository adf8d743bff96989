// gt whoami and gt namepool against a real town: who gt takes you for (GT_ROLE, the working
// directory, else your login name), and a rig's polecat names shown, switched and extended
// (a sling then names its polecat from the new pool).
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, git, newTown, slingNew, type TestTown } from "../helpers/town.ts";

interface Who {
  identity: string;
  source: string;
  role: string | null;
  rig: string | null;
  name: string | null;
}

interface Pool {
  rig: string;
  theme: string;
  custom: boolean;
  names: string[];
  in_use: string[];
  added?: boolean;
}

describe("gt whoami, gt namepool", () => {
  let town: TestTown;

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    const crew = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(crew.code, 0, crew.stderr);
  });
  after(async () => town?.cleanup());

  it("gt whoami: GT_ROLE first, then the working directory, else the person at the terminal", async () => {
    const env = await town.gtJson<Who>(["whoami"], {
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: "toast" },
    });
    assert.deepEqual(
      [env.identity, env.source, env.role, env.rig, env.name],
      ["alpha/polecats/toast", "env", "polecat", "alpha", "toast"],
    );
    const cwd = await town.gtJson<Who>(["whoami"], { cwd: join(town.root, "alpha", "crew", "max") });
    assert.deepEqual([cwd.identity, cwd.source, cwd.role], ["alpha/crew/max", "cwd", "crew"]);
    const person = await town.gtJson<Who>(["whoami"], { env: { BD_ACTOR: "", USER: "alice" } });
    assert.deepEqual([person.identity, person.source, person.role], ["alice", "user", null]);
    const text = await town.gt(["whoami"], { env: { GT_ROLE: "mayor" } });
    assert.equal(text.stdout, "Identity: mayor\nSource: GT_ROLE=mayor\n");
  });

  it("gt namepool shows, switches and extends a rig's pool, and slings use it", async () => {
    const pool = await town.gtJson<Pool>(["namepool", "--rig", "alpha"]);
    assert.deepEqual([pool.theme, pool.custom, pool.names.length, pool.in_use], ["mad-max", false, 50, []]);
    const themes = await town.gtJson<Array<{ theme: string }>>(["namepool", "themes"]);
    assert.ok(themes.some((t) => t.theme === "minerals"));

    const set = await town.gtJson<Pool>(["namepool", "set", "minerals", "--rig", "alpha"]);
    assert.equal(set.theme, "minerals");
    assert.equal(set.names[0], "obsidian");
    const added = await town.gtJson<Pool>(["namepool", "add", "zed"], { cwd: join(town.root, "alpha") });
    assert.deepEqual(
      [added.added, added.custom, added.names.length, added.names.at(-1)],
      [true, true, 51, "zed"],
    );
    const again = await town.gtJson<Pool>(["namepool", "add", "zed", "--rig", "alpha"]);
    assert.equal(again.added, false);

    const slung = await slingNew(town, "alpha", "Named from minerals");
    assert.equal(slung.polecat, "obsidian");
    const after1 = await town.gtJson<Pool>(["namepool", "--rig", "alpha"]);
    assert.deepEqual(after1.in_use, ["obsidian"]);

    for (const [args, message] of [
      [["namepool", "set", "nosuch", "--rig", "alpha"], /unknown theme "nosuch"/],
      [["namepool", "add", "Bad-Name", "--rig", "alpha"], /invalid polecat name "Bad-Name"/],
      [["namepool", "add", "witness", "--rig", "alpha"], /invalid polecat name "witness"/],
      [["namepool", "--rig", "nosuch"], /unknown rig "nosuch"/],
      [["namepool", "themes", "nosuch"], /unknown theme "nosuch"/],
    ] as const) {
      const r = await town.gt([...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });

  it("gt namepool create/delete: the town's own themes, usable by set and by slings", async () => {
    const made = await town.gtJson<{ theme: string; names: string[] }>([
      "namepool",
      "create",
      "birds",
      "robin",
      "Wren",
    ]);
    assert.deepEqual(made, { theme: "birds", names: ["robin", "wren"] });
    const themes = await town.gtJson<Array<{ theme: string; builtin: boolean }>>(["namepool", "themes"]);
    assert.deepEqual(
      themes.find((t) => t.theme === "birds"),
      { ...themes.find((t) => t.theme === "birds")!, builtin: false },
    );
    const set = await town.gtJson<Pool>(["namepool", "set", "birds", "--rig", "alpha"]);
    assert.deepEqual([set.theme, set.custom, set.names], ["birds", false, ["robin", "wren"]]);
    const slung = await slingNew(town, "alpha", "Named from birds");
    assert.equal(slung.polecat, "robin");

    for (const [args, message] of [
      [["namepool", "delete", "birds"], /used by alpha/],
      [["namepool", "delete", "minerals"], /minerals is built in/],
      [["namepool", "delete", "nosuch"], /no theme "nosuch"/],
      [["namepool", "create", "mad-max", "a"], /theme "mad-max" already exists/],
      [["namepool", "create", "Bad_Theme", "a"], /invalid theme name "Bad_Theme"/],
      [["namepool", "create", "cats", "ok", "Not-OK"], /invalid polecat name "Not-OK"/],
    ] as const) {
      const r = await town.gt([...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
    }
    const none = await town.gt(["namepool", "themes", "cats"]);
    assert.equal(none.code, 1, "a refused create leaves no theme behind");
    await town.gtJson(["namepool", "set", "minerals", "--rig", "alpha"]);
    assert.deepEqual(await town.gtJson(["namepool", "delete", "birds"]), { theme: "birds" });
    const gone = await town.gt(["namepool", "set", "birds", "--rig", "alpha"]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /unknown theme "birds"/);
  });

  it("gt rig settings shows, sets and unsets key paths; a value the file cannot hold is refused", async () => {
    const file = join(town.root, "alpha", "settings", "config.json");
    const set = await town.gt(["rig", "settings", "set", "alpha", "merge_queue.test_command", "npm test"]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, '✓ alpha: merge_queue.test_command = "npm test"\n');
    await town.gtJson(["rig", "settings", "set", "alpha", "namepool.max_before_numbering", "30"]);
    assert.equal(
      await town.gtJson<number>(["rig", "settings", "show", "alpha", "namepool.max_before_numbering"]),
      30,
    );
    const whole = await town.gtJson<{ merge_queue: { test_command: string } }>([
      "rig",
      "settings",
      "show",
      "alpha",
    ]);
    assert.equal(whole.merge_queue.test_command, "npm test");

    const before = readFileSync(file, "utf8");
    for (const [args, message] of [
      [["set", "alpha", "namepool.max_before_numbering", "-3"], /namepool\.max_before_numbering/],
      [["set", "alpha", "version", "5"], /version is the file's own/],
      [["set", "alpha", "merge_queue.test_command.x", "1"], /test_command holds a value/],
      [["set", "alpha", "bad key", "1"], /invalid key path "bad key"/],
      [["unset", "alpha", "nosuch.key"], /nosuch\.key is not set/],
      [["show", "alpha", "nosuch"], /nosuch is not set/],
      [["show", "nosuch"], /unknown rig "nosuch"/],
    ] as const) {
      const r = await town.gt(["rig", "settings", ...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    assert.equal(readFileSync(file, "utf8"), before, "refused changes leave the file as it was");

    const unset = await town.gt(["rig", "settings", "unset", "alpha", "merge_queue.test_command"]);
    assert.equal(unset.code, 0, unset.stderr);
    const gone = await town.gt(["rig", "settings", "show", "alpha", "merge_queue.test_command"]);
    assert.equal(gone.code, 1);
  });

  it("gt git-init makes the town a git repository, leaving clones, sandboxes and runtime state out", async () => {
    const r = await town.gtJson<{ gitignore: string; initialized: boolean; commit: string }>(["git-init"]);
    assert.deepEqual([r.gitignore, r.initialized], ["created", true]);
    assert.equal(git(town.root, "rev-parse", "HEAD"), r.commit);
    const tracked = git(town.root, "ls-files").split("\n");
    assert.ok(
      tracked.includes("mayor/town.json") && tracked.includes("alpha/settings/config.json"),
      tracked.join(" "),
    );
    for (const kept of ["alpha/.repo.git/", "alpha/crew/max/", "alpha/polecats/", ".runtime/"])
      assert.ok(!tracked.some((f) => f.startsWith(kept)), `${kept} is not tracked`);
    const again = await town.gtJson<{ gitignore: string; initialized: boolean }>(["git-init"]);
    assert.deepEqual([again.gitignore, again.initialized], ["kept", false]);
    const outside = await town.gt(["git-init"], { cwd: town.scratch, env: { GT_TOWN_ROOT: "" } });
    assert.equal(outside.code, 1);
    assert.equal(outside.stderr.trim().split("\n").length, 1);
  });
});
