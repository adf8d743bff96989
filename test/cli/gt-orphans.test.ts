// gt orphans (lost commits in a rig's shared repository, unmerged polecat worktrees; kill;
// procs), gt prune-branches and gt cleanup against a real town, real git and real processes.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, git, newTown, type TestTown } from "../helpers/town.ts";

interface Orphans {
  rig: string;
  commits: Array<{ sha: string; subject: string }>;
  older: number;
  branches: Array<{ polecat: string; branch: string; ahead: number; uncommitted: boolean }>;
}

/** A commit on top of `parent` that no ref points to, dated `date` (ISO). */
function danglingCommit(repo: string, parent: string, subject: string, date?: string): string {
  const env: Record<string, string> = date ? { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } : {};
  const tree = git(repo, "rev-parse", `${parent}^{tree}`);
  return execGit(repo, ["commit-tree", tree, "-p", parent, "-m", subject], env);
}

function execGit(repo: string, args: string[], env: Record<string, string>): string {
  const { execFileSync } = process.getBuiltinModule(
    "node:child_process",
  ) as typeof import("node:child_process");
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    encoding: "utf8",
  }).trim();
}

describe("gt orphans, prune-branches, cleanup", () => {
  let town: TestTown;
  let repo: string;
  let lost: string;
  let ancient: string;
  let worktree: string;

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    repo = join(town.root, "alpha", ".repo.git");
    lost = danglingCommit(repo, "main", "lost polecat work");
    ancient = danglingCommit(repo, "main", "ancient work", "2001-01-01T00:00:00Z");
    // A polecat worktree (as a sling makes one) with a commit main does not have.
    worktree = join(town.root, "alpha", "polecats", "toast", "alpha");
    git(repo, "worktree", "add", "-q", "-b", "polecat/toast-x1", worktree, "main");
    writeFileSync(join(worktree, "feature.txt"), "work\n");
    git(worktree, "add", "feature.txt");
    git(worktree, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "toast's feature");
    writeFileSync(join(worktree, "scratch.txt"), "not committed\n");
  });
  after(async () => town?.cleanup());

  it("gt orphans finds recent orphaned commits and unmerged polecat branches", async () => {
    const r = await town.gtJson<Orphans>(["orphans", "--rig", "alpha"]);
    assert.deepEqual(
      r.commits.map((c) => [c.sha, c.subject]),
      [[lost, "lost polecat work"]],
    );
    assert.equal(r.older, 1);
    assert.deepEqual(r.branches, [
      { ...r.branches[0]!, polecat: "toast", branch: "polecat/toast-x1", ahead: 1, uncommitted: true },
    ]);
    // --all includes the old one; from inside the rig, no --rig is needed.
    const all = await town.gtJson<Orphans>(["orphans", "--all"], { cwd: join(town.root, "alpha") });
    assert.deepEqual(all.commits.map((c) => c.sha).sort(), [lost, ancient].sort());
    const text = await town.gt(["orphans", "--rig", "alpha"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`${lost.slice(0, 8)} lost polecat work`));
    assert.match(text.stdout, /toast polecat\/toast-x1 \(1 commit\(s\) ahead of main\)/);
    assert.match(text.stdout, /has uncommitted changes/);

    for (const [args, message] of [
      [["orphans", "--rig", "alpha", "--days", "0"], /--days wants a whole number/],
      [["orphans", "--rig", "nosuch"], /unknown rig "nosuch"/],
    ] as const) {
      const bad = await town.gt([...args]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, message);
    }
  });

  it("gt orphans kill removes orphaned commits only when confirmed", async () => {
    const dry = await town.gtJson<{ commits: number; removed: boolean }>([
      "orphans",
      "kill",
      "--rig",
      "alpha",
      "--dry-run",
    ]);
    assert.deepEqual([dry.commits, dry.removed], [2, false]);
    const unconfirmed = await town.gt(["orphans", "kill", "--rig", "alpha"]);
    assert.equal(unconfirmed.code, 1);
    assert.match(unconfirmed.stderr, /confirm with --force/);
    assert.equal(git(repo, "cat-file", "-t", lost), "commit", "nothing removed without confirmation");

    const killed = await town.gtJson<{ removed: boolean }>(["orphans", "kill", "--rig", "alpha", "--force"]);
    assert.equal(killed.removed, true);
    assert.throws(() => git(repo, "cat-file", "-t", lost));
    const r = await town.gtJson<Orphans>(["orphans", "--rig", "alpha", "--all"]);
    assert.deepEqual(r.commits, []);
    assert.equal(r.branches.length, 1, "the polecat's branch is work, not an orphan: it stays");
  });

  it("gt prune-branches deletes merged polecat branches, never unmerged or checked-out ones", async () => {
    git(repo, "branch", "polecat/done-a", "main");
    git(repo, "branch", "feature/merged", "main");
    git(repo, "branch", "polecat/unmerged-b", danglingCommit(repo, "main", "unmerged"));
    const dry = await town.gtJson<{ pruned: Array<{ name: string; reason: string }> }>([
      "prune-branches",
      "--rig",
      "alpha",
      "--dry-run",
    ]);
    assert.deepEqual(dry.pruned, [{ name: "polecat/done-a", reason: "no-remote-merged" }]);
    assert.match(git(repo, "branch", "--list", "polecat/done-a"), /done-a/);

    const r = await town.gt(["prune-branches", "--rig", "alpha"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /Pruned 1 branch\(es\):\n {2}• polecat\/done-a \(remote deleted, merged to main\)/,
    );
    const left = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split("\n").sort();
    assert.deepEqual(left, ["feature/merged", "main", "polecat/toast-x1", "polecat/unmerged-b"]);

    const custom = await town.gtJson<{ pruned: Array<{ name: string }> }>([
      "prune-branches",
      "--rig",
      "alpha",
      "--pattern",
      "feature/*",
    ]);
    assert.deepEqual(
      custom.pruned.map((b) => b.name),
      ["feature/merged"],
    );
    const outside = await town.gt(["prune-branches"], { cwd: town.scratch });
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /is not a git repository/);
  });

  it("gt cleanup stops agent processes whose session is gone, once confirmed", async () => {
    const stray: ChildProcess = spawn("sleep", ["300"], {
      env: { ...process.env, GT_TOWN_ROOT: town.root, GT_SESSION: "al-polecat-gone" },
      stdio: "ignore",
    });
    try {
      const pid = stray.pid!;
      const list = await town.gtJson<{ orphans: Array<{ pid: number; session: string }> }>([
        "cleanup",
        "--dry-run",
        "--grace",
        "0s",
      ]);
      assert.deepEqual(
        list.orphans.map((o) => [o.pid, o.session]),
        [[pid, "al-polecat-gone"]],
      );
      const procs = await town.gt(["orphans", "procs", "--grace", "0s"]);
      assert.match(procs.stdout, new RegExp(`pid ${pid} \\(session al-polecat-gone gone`));
      const unconfirmed = await town.gt(["cleanup", "--grace", "0s"]);
      assert.equal(unconfirmed.code, 1);
      assert.match(unconfirmed.stderr, /confirm with --force/);
      assert.equal(stray.exitCode, null, "still running");

      const done = await town.gtJson<{ orphans: Array<{ pid: number; stopped: boolean }> }>([
        "cleanup",
        "--force",
        "--grace",
        "0s",
      ]);
      assert.deepEqual(
        done.orphans.map((o) => [o.pid, o.stopped]),
        [[pid, true]],
      );
      const again = await town.gt(["cleanup", "--grace", "0s"]);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /No orphaned agent processes/);
    } finally {
      stray.kill("SIGKILL");
    }
  });
});
