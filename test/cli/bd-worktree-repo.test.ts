import "../helpers/isolation.ts";
// bd worktree create|list|info|remove in a real repository: a bead made in the worktree lands
// in the main checkout's ledger; removal is refused while work would be lost. bd repo
// add|list|sync|remove: another ledger's beads resolve here without being copied.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, tempDir } from "../helpers/bd.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8" }).trim();

async function repo(dir: string, prefix: string) {
  execFileSync("mkdir", ["-p", dir]);
  git(dir, "init", "-q", "-b", "main");
  assert.equal((await bd(dir, ["init", "--prefix", prefix, "--quiet"])).code, 0);
  await createIssue(dir, `${prefix} seed`);
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "seed");
}

describe("bd worktree", () => {
  it("create shares the main ledger; list and info say so; remove is guarded", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const main = join(tmp.dir, "main");
    await repo(main, "wt");
    const made = await bdJson<{ path: string; branch: string }>(main, ["worktree", "create", "feature-x"]);
    assert.equal(made.branch, "feature-x");
    const wt = made.path;
    assert.equal(wt, join(main, "feature-x"));
    assert.equal(git(main, "status", "--porcelain"), "", "the worktree and its redirect stay out of git");
    assert.equal(git(wt, "status", "--porcelain"), "");

    const id = await createIssue(wt, "Made in the worktree");
    const inMain = await bdJson<Array<{ id: string }>>(main, ["show", id]);
    assert.equal(inMain[0]!.id, id, "the bead is in the main checkout's ledger");
    assert.equal(existsSync(join(wt, ".beads", "beads.db")), false, "no second database");

    const list = await bdJson<
      Array<{ path: string; is_main: boolean; beads_state: string; redirect_to?: string }>
    >(main, ["worktree", "list"]);
    assert.deepEqual(
      list.map((w) => [w.is_main, w.beads_state]),
      [
        [true, "shared"],
        [false, "redirect"],
      ],
    );
    assert.equal(list[1]!.redirect_to, join(main, ".beads"));
    const info = await bdJson<{ is_worktree: boolean; main_repo: string; beads_redirected: boolean }>(wt, [
      "worktree",
      "info",
    ]);
    assert.deepEqual([info.is_worktree, info.main_repo, info.beads_redirected], [true, main, true]);
    assert.deepEqual(await bdJson(main, ["worktree", "info"]), { is_worktree: false, schema_version: 1 });

    writeFileSync(join(wt, "wip.txt"), "unsaved\n");
    const refused = await bd(main, ["worktree", "remove", "feature-x"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /uncommitted changes/);
    assert.ok(existsSync(join(wt, "wip.txt")), "nothing removed");
    git(wt, "add", "wip.txt");
    git(wt, "commit", "-qm", "wip");
    const gone = await bdJson<{ removed: string }>(main, ["worktree", "remove", "feature-x"]);
    assert.equal(gone.removed, wt);
    assert.equal(existsSync(wt), false);
    assert.equal(
      git(main, "log", "-1", "--format=%s", "feature-x"),
      "wip",
      "its branch and commits are kept",
    );
    const missing = await bd(main, ["worktree", "remove", "nope"]);
    assert.match(missing.stderr, /worktree not found: nope/);
    assert.match(
      (await bd(main, ["worktree", "create", "feature-x", "--branch", "feature-x"])).stdout,
      /Created worktree/,
    );
  });
});

describe("bd repo", () => {
  it("add routes another ledger's IDs here, list/sync report it, remove takes the route out", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const home = join(tmp.dir, "home");
    const planning = join(tmp.dir, "planning");
    await repo(home, "hm");
    await repo(planning, "pl");
    const theirs = await createIssue(planning, "Plan the launch");
    const add = await bdJson<{ added: boolean; prefix: string }>(home, ["repo", "add", "../planning"]);
    assert.deepEqual([add.added, add.prefix], [true, "pl"]);
    const shown = await bdJson<Array<{ id: string; title: string }>>(home, ["show", theirs]);
    assert.equal(shown[0]!.title, "Plan the launch");
    assert.doesNotMatch(
      readFileSync(join(home, ".beads", "issues.jsonl"), "utf8"),
      new RegExp(theirs),
      "nothing copied",
    );
    assert.deepEqual(await bdJson(home, ["repo", "list"]), {
      additional: ["../planning"],
      primary: ".",
      schema_version: 1,
    });
    assert.match(readFileSync(join(home, ".beads", "config.yaml"), "utf8"), /repos\.additional/);
    const sync = await bdJson<{ repos_synced: number; repos: Array<{ prefix: string; issues: number }> }>(
      home,
      ["repo", "sync"],
    );
    assert.equal(sync.repos_synced, 1);
    assert.deepEqual([sync.repos[0]!.prefix, sync.repos[0]!.issues], ["pl", 2]);

    const bad = await bd(home, ["repo", "add", join(tmp.dir, "nowhere")]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no beads workspace found at/);
    assert.equal((await bd(home, ["repo", "remove", "../planning"])).code, 0);
    assert.notEqual((await bd(home, ["show", theirs])).code, 0, "the route is gone");
    assert.match((await bd(home, ["repo", "remove", "../planning"])).stderr, /not configured/);
  });
});
