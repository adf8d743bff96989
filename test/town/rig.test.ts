// The town's workspace domain, in-process: install, rigs, crew — with real git repositories.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addCrew, listCrew, removeCrew } from "../../src/town/crew.ts";
import { installTown } from "../../src/town/install.ts";
import { openRigLedger, openTownLedger } from "../../src/town/ledgers.ts";
import { addRig, listRigs, removeRig } from "../../src/town/rig.ts";
import { findTownRoot, Town } from "../../src/town/workspace.ts";
import { tempDir } from "../helpers/bd.ts";
import { makeRepo } from "../helpers/town.ts";

describe("town workspace", () => {
  let tmp: { dir: string; cleanup: () => void };
  let town: Town;
  let src: string;

  before(async () => {
    tmp = tempDir("gt-ws-");
    src = makeRepo(join(tmp.dir, "src-repo"));
    const r = await installTown(join(tmp.dir, "town"), {
      version: "test",
      git: true,
      owner: "o@example.com",
    });
    town = new Town(r.root);
  });
  after(() => tmp.cleanup());

  it("installs a town with registry, settings, role homes, ledger and routes", async () => {
    for (const f of [
      "mayor/town.json",
      "mayor/rigs.json",
      "mayor/daemon.json",
      "settings/config.json",
      "settings/escalation.json",
      "deacon",
      "CLAUDE.md",
      "AGENTS.md",
      ".beads/beads.db",
      ".beads/routes.jsonl",
      ".git",
    ]) {
      assert.ok(existsSync(town.path(f)), f);
    }
    assert.equal(town.townJson().owner, "o@example.com");
    const ledger = openTownLedger(town);
    try {
      assert.equal(await ledger.prefix(), "hq");
      assert.equal((await ledger.getIssue("hq-mayor"))?.issue_type, "agent");
      assert.ok(await ledger.getIssue("hq-deacon"));
    } finally {
      await ledger.close();
    }
    assert.equal(findTownRoot(join(town.root, "deacon", "dogs")), town.root);
    assert.equal(findTownRoot("/", { GT_TOWN_ROOT: town.root }), town.root);
  });

  it("an installed town names no absolute path, so it still works when moved", async () => {
    // The test helpers copy one installed town for every test town (test/helpers/town.ts).
    const inner = tempDir("gt-ws-move-");
    try {
      const first = join(inner.dir, "first");
      await installTown(first, { version: "test", name: "movable" });
      const grep = spawnSync("grep", ["-rlF", inner.dir, first], { encoding: "utf8" });
      assert.equal(grep.stdout, "", `files naming the town's own path:\n${grep.stdout}`);
      const moved = join(inner.dir, "moved");
      renameSync(first, moved);
      assert.equal(findTownRoot(join(moved, "deacon")), moved);
      const ledger = openTownLedger(new Town(moved));
      try {
        assert.ok(await ledger.getIssue("hq-mayor"));
      } finally {
        await ledger.close();
      }
    } finally {
      inner.cleanup();
    }
  });

  it("re-running install needs --force and keeps what is there", async () => {
    await assert.rejects(installTown(town.root, { version: "test" }), /already exists/);
    const before = readFileSync(town.path("mayor/town.json"), "utf8");
    const r = await installTown(town.root, { version: "test", force: true, name: "other" });
    assert.ok(r.kept.includes("mayor/town.json"));
    assert.equal(readFileSync(town.path("mayor/town.json"), "utf8"), before);
  });

  it("adds rigs concurrently without losing a registration", async () => {
    const [a, b] = await Promise.all([
      addRig(town, "gastown", src, { cwd: tmp.dir, version: "test", mirror: true }),
      addRig(town, "beads", src, { cwd: tmp.dir, version: "test", mirror: true }),
    ]);
    assert.equal(a.prefix, "gt");
    assert.equal(b.prefix, "be");
    assert.deepEqual(
      listRigs(town).map((r) => r.name),
      ["beads", "gastown"],
    );
    const daemon = JSON.parse(readFileSync(town.path("mayor/daemon.json"), "utf8"));
    assert.deepEqual(daemon.patrols.witness.rigs.sort(), ["beads", "gastown"]);
    const ledger = openRigLedger(town, "gastown");
    try {
      assert.equal(await ledger.prefix(), "gt");
      assert.equal((await ledger.getIssue("gt-rig-gastown"))?.issue_type, "rig");
      assert.ok(await ledger.getIssue("gt-gastown-witness"));
      assert.ok(await ledger.getIssue("gt-gastown-refinery"));
    } finally {
      await ledger.close();
    }
    // the refinery worktree sits on the default branch of the shared bare repo
    const branch = execFileSync("git", ["branch", "--show-current"], {
      cwd: town.path("gastown/refinery/rig"),
    });
    assert.equal(branch.toString().trim(), "main");
  });

  it("rejects a taken --prefix and leaves no rig behind", async () => {
    await assert.rejects(
      addRig(town, "third", src, { cwd: tmp.dir, version: "test", prefix: "gt", mirror: true }),
      /already used/,
    );
    assert.ok(!existsSync(town.path("third")));
  });

  it("crew: a full clone with a redirect, refusing to delete unsaved work", async () => {
    const m = await addCrew(town, "gastown", "max");
    assert.equal(m.branch, "main");
    assert.equal(m.dirty, false);
    await assert.rejects(addCrew(town, "gastown", "max"), /already exists/);
    writeFileSync(join(m.path, "wip.txt"), "unsaved\n");
    await assert.rejects(removeCrew(town, "gastown", "max"), /uncommitted changes/);
    assert.ok(existsSync(m.path));
    const listed = await listCrew(town);
    assert.deepEqual(
      listed.map((c) => [c.rig, c.name, c.dirty]),
      [["gastown", "max", true]],
    );
    await removeCrew(town, "gastown", "max", { force: true, purge: true });
    assert.ok(!existsSync(m.path));
  });

  it("a project whose beads have only a config.yaml keeps the prefix it configured", async () => {
    const proj = makeRepo(join(tmp.dir, "configured"), {
      "README.md": "# p\n",
      ".beads/config.yaml": 'issue-prefix: "cfg"\n',
    });
    const r = await addRig(town, "configured", proj, { cwd: tmp.dir, version: "test", mirror: true });
    assert.equal(r.prefix, "cfg");
  });

  it("removing a rig unregisters it and keeps its files", async () => {
    await removeRig(town, "beads");
    assert.deepEqual(
      listRigs(town).map((r) => r.name),
      ["configured", "gastown"],
    );
    assert.ok(existsSync(town.path("beads", "config.json")));
    assert.doesNotMatch(readFileSync(town.path(".beads/routes.jsonl"), "utf8"), /"be-"/);
  });
});
