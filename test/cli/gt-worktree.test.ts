// gt worktree <rig> / list / remove: a crew member of rig alpha works in rig beta from a
// worktree of beta's shared repository; removal refuses unsaved work without --force and
// keeps a branch with unpushed commits; list --rig shows every worktree of a rig.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  failsInOneLine,
  git,
  makeRepo,
  newTown,
  refSha,
  type TestTown,
} from "../helpers/town.ts";

interface Row {
  rig: string;
  path: string;
  branch: string | null;
  dirty: boolean;
  unpushed: number;
  status: string;
}

describe("gt worktree", () => {
  let town: TestTown;
  let crewDir: string;
  const fails = failsInOneLine(() => town);
  const asCrew = { cwd: "" };

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    const betaOrigin = join(town.scratch, "beta.git");
    execFileSync("git", ["clone", "--quiet", "--bare", makeRepo(join(town.scratch, "beta")), betaOrigin]);
    assert.equal((await town.gt(["rig", "add", "beta", betaOrigin])).code, 0);
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
    crewDir = join(town.root, "alpha", "crew", "max");
    asCrew.cwd = crewDir;
  });
  after(async () => {
    await town?.cleanup();
  });

  it("creates a worktree in another rig on a branch of its own, lists it, and removes it safely", async () => {
    await fails(["worktree", "beta"], /gt worktree is for crew members/);
    await fails(["worktree", "alpha"], /already in rig 'alpha'/, asCrew);
    await fails(["worktree", "nosuch"], /nosuch/, asCrew);

    const created = await town.gtJson<Row & { created: boolean; actor: string }>(
      ["worktree", "beta"],
      asCrew,
    );
    const path = join(town.root, "beta", "crew", "alpha-max");
    assert.equal(created.path, path);
    assert.equal(created.created, true);
    assert.equal(created.branch, "crew/alpha-max");
    assert.equal(created.actor, "alpha/crew/max");
    assert.ok(existsSync(join(path, "README.md")));
    const again = await town.gtJson<{ created: boolean }>(["worktree", "beta"], asCrew);
    assert.equal(again.created, false);
    assert.equal((await town.gt(["worktree", "beta", "--no-cd"], asCrew)).stdout.trim(), path);

    let rows = await town.gtJson<Row[]>(["worktree", "list"], asCrew);
    assert.deepEqual(
      rows.map((r) => [r.rig, r.path, r.status]),
      [["beta", path, "clean"]],
    );
    const everything = await town.gtJson<Array<Row & { kind: string; owner: string }>>([
      "worktree",
      "list",
      "--rig",
      "beta",
    ]);
    assert.ok(everything.some((r) => r.kind === "refinery"));
    assert.ok(everything.some((r) => r.kind === "crew" && r.owner === "alpha-max" && r.path === path));

    // Uncommitted work is refused, then a commit no remote has; --force removes the
    // worktree but keeps the branch with its commit.
    writeFileSync(join(path, "draft.txt"), "draft\n");
    rows = await town.gtJson<Row[]>(["worktree", "list"], asCrew);
    assert.equal(rows[0]!.status, "1 uncommitted");
    await fails(["worktree", "remove", "beta"], /worktree has 1 uncommitted - use --force/, asCrew);
    git(path, "add", "draft.txt");
    git(path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "draft");
    const sha = git(path, "rev-parse", "HEAD");
    await fails(["worktree", "remove", "beta"], /worktree has 1 unpushed - use --force/, asCrew);
    assert.ok(existsSync(path));
    const removed = await town.gtJson<{ branch_deleted: boolean }>(
      ["worktree", "remove", "beta", "--force"],
      asCrew,
    );
    assert.equal(removed.branch_deleted, false);
    assert.ok(!existsSync(path));
    const bare = join(town.root, "beta", ".repo.git");
    assert.equal(
      refSha(bare, "refs/heads/crew/alpha-max"),
      sha,
      "the unpushed commit survives on its branch",
    );

    // Made again, it picks the branch (and its commit) up; a clean one goes with its branch.
    await town.gtJson(["worktree", "beta"], asCrew);
    assert.equal(git(path, "rev-parse", "HEAD"), sha);
    git(path, "push", "--quiet", "origin", "crew/alpha-max");
    const clean = await town.gtJson<{ branch_deleted: boolean }>(["worktree", "remove", "beta"], asCrew);
    assert.equal(clean.branch_deleted, true);
    assert.equal(refSha(bare, "refs/heads/crew/alpha-max"), undefined);
    assert.deepEqual(await town.gtJson<Row[]>(["worktree", "list"], asCrew), []);
    await fails(["worktree", "remove", "beta"], /worktree does not exist/, asCrew);
  });
});
