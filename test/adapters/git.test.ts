// The git adapter against real repositories in temp dirs: local paths versus URLs, sources
// checked and made absolute, clone failures worded as one line, HEAD/branch/commit probes,
// the exclude file written once (in the common git dir, also from a worktree), the working
// state (dirty, unpushed), and stale index/HEAD locks removed only past their age limit.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  AGENT_RUNTIME_EXCLUDES,
  addExcludes,
  branchExists,
  clearStaleGitLocks,
  clone,
  git,
  gitOk,
  hasCommits,
  headBranch,
  isLocalPath,
  normaliseSource,
  STALE_GIT_LOCK_MS,
  workingState,
} from "../../src/adapters/git.ts";
import { CommandError } from "../../src/adapters/process.ts";
import { ValidationError } from "../../src/errors.ts";
import { scratchDir } from "../helpers/temp.ts";
import { makeRepo } from "../helpers/town.ts";

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Sets a file's modification time `ms` into the past. */
function age(file: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  utimesSync(file, t, t);
}

describe("git and gitOk", () => {
  it("git returns stdout and throws a CommandError with git's message; gitOk says yes or no", async () => {
    const repo = makeRepo(join(scratchDir("gt-git-"), "repo"));
    assert.equal((await git(repo, ["rev-parse", "--abbrev-ref", "HEAD"])).trim(), "main");
    await assert.rejects(git(repo, ["rev-parse", "--verify", "nope"]), (e: unknown) => {
      assert.ok(e instanceof CommandError);
      assert.equal(e.command, "git rev-parse");
      assert.match(e.message, /fatal: Needed a single revision/);
      return true;
    });
    assert.equal(await gitOk(repo, ["rev-parse", "--verify", "main"]), true);
    assert.equal(await gitOk(repo, ["rev-parse", "--verify", "nope"]), false);
  });
});

describe("isLocalPath and normaliseSource", () => {
  it("tells local paths from URLs", () => {
    for (const url of [
      "https://github.com/a/b.git",
      "ssh://git@host/b.git",
      "file:///tmp/repo",
      "git@github.com:a/b.git",
    ])
      assert.equal(isLocalPath(url), false, url);
    for (const path of ["/abs/repo", "../repo", "repo", "./with:colon"])
      assert.equal(isLocalPath(path), true, path);
  });

  it("makes a local repository path absolute and keeps URLs as given", async () => {
    const base = scratchDir("gt-git-");
    makeRepo(join(base, "repo"));
    assert.equal(await normaliseSource("repo", base), join(base, "repo"));
    assert.equal(await normaliseSource("../repo", join(base, "repo")), join(base, "repo"));
    assert.equal(
      await normaliseSource("https://example.invalid/x.git", base),
      "https://example.invalid/x.git",
    );
  });

  it("refuses a path that does not exist or is not a git repository", async () => {
    const base = scratchDir("gt-git-");
    mkdirSync(join(base, "plain"));
    await assert.rejects(normaliseSource("missing", base), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.message, `repository not found: ${join(base, "missing")}`);
      return true;
    });
    await assert.rejects(normaliseSource("plain", base), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.message, `not a git repository: ${join(base, "plain")}`);
      return true;
    });
  });
});

describe("clone", () => {
  it("clones a repository, with flags", async () => {
    const base = scratchDir("gt-git-");
    const src = makeRepo(join(base, "src"), { "a.txt": "A\n" });
    await clone(src, join(base, "copy"));
    assert.equal(readFileSync(join(base, "copy", "a.txt"), "utf8"), "A\n");
    await clone(src, join(base, "bare.git"), ["--bare"]);
    assert.equal(sh(join(base, "bare.git"), "rev-parse", "--is-bare-repository").trim(), "true");
  });

  it("words a failure as one line without git's fatal: prefix", async () => {
    const base = scratchDir("gt-git-");
    const missing = join(base, "nowhere");
    await assert.rejects(clone(missing, join(base, "copy")), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.match(e.message, new RegExp(`^cannot clone ${missing}: `));
      assert.doesNotMatch(e.message, /fatal:|\n/);
      return true;
    });
    assert.equal(existsSync(join(base, "copy")), false);
  });
});

describe("headBranch, branchExists and hasCommits", () => {
  it("answers for a repository with commits, a detached HEAD and an empty repository", async () => {
    const base = scratchDir("gt-git-");
    const repo = makeRepo(join(base, "repo"));
    assert.equal(await headBranch(repo), "main");
    assert.equal(await branchExists(repo, "main"), true);
    assert.equal(await branchExists(repo, "feature"), false);
    assert.equal(await hasCommits(repo), true);
    sh(repo, "branch", "feature");
    assert.equal(await branchExists(repo, "feature"), true);
    // A tag is not a branch.
    sh(repo, "tag", "v1");
    assert.equal(await branchExists(repo, "v1"), false);
    sh(repo, "checkout", "--quiet", "--detach");
    assert.equal(await headBranch(repo), undefined);

    const empty = join(base, "empty");
    mkdirSync(empty);
    sh(empty, "init", "--quiet", "--initial-branch=trunk");
    assert.equal(await hasCommits(empty), false);
    assert.equal(await headBranch(empty), "trunk");
    assert.equal(await branchExists(empty, "trunk"), false);
  });
});

describe("addExcludes", () => {
  it("adds missing patterns once, under a marker, and git then ignores them", async () => {
    const repo = makeRepo(join(scratchDir("gt-git-"), "repo"));
    const file = join(repo, ".git", "info", "exclude");
    const before = existsSync(file) ? readFileSync(file, "utf8") : "";
    await addExcludes(repo, AGENT_RUNTIME_EXCLUDES);
    const once = readFileSync(file, "utf8");
    assert.ok(once.startsWith(before));
    assert.equal(once.slice(before.length).trimStart(), `# Gas Town\n${AGENT_RUNTIME_EXCLUDES.join("\n")}\n`);
    await addExcludes(repo, AGENT_RUNTIME_EXCLUDES);
    assert.equal(readFileSync(file, "utf8"), once, "a second call changes nothing");
    // Only the pattern not there yet is added.
    await addExcludes(repo, [".runtime/", "scratch/"]);
    const lines = readFileSync(file, "utf8").split("\n");
    assert.equal(lines.filter((l) => l === ".runtime/").length, 1);
    assert.equal(lines.filter((l) => l === "scratch/").length, 1);
    mkdirSync(join(repo, ".runtime"));
    writeFileSync(join(repo, ".runtime", "x"), "x");
    mkdirSync(join(repo, "scratch"));
    writeFileSync(join(repo, "scratch", "y"), "y");
    assert.equal(sh(repo, "status", "--porcelain").trim(), "");
  });

  it("starts a new line after a file that does not end in one", async () => {
    const repo = makeRepo(join(scratchDir("gt-git-"), "repo"));
    const file = join(repo, ".git", "info", "exclude");
    mkdirSync(join(repo, ".git", "info"), { recursive: true });
    writeFileSync(file, "*.log");
    await addExcludes(repo, [".runtime/"]);
    assert.equal(readFileSync(file, "utf8"), "*.log\n# Gas Town\n.runtime/\n");
  });

  it("writes to the shared exclude file when given a worktree or a bare repository", async () => {
    const base = scratchDir("gt-git-");
    const src = makeRepo(join(base, "src"));
    const bare = join(base, "shared.git");
    sh(base, "clone", "--quiet", "--bare", src, bare);
    const wt = join(base, "wt");
    sh(bare, "worktree", "add", "--quiet", "-b", "work", wt);
    await addExcludes(wt, [".claude/"]);
    await addExcludes(bare, [".claude/", ".codex/"]);
    const text = readFileSync(join(bare, "info", "exclude"), "utf8");
    assert.equal(text.split("\n").filter((l) => l === ".claude/").length, 1);
    assert.ok(text.includes(".codex/\n"));
    mkdirSync(join(wt, ".claude"));
    writeFileSync(join(wt, ".claude", "settings.json"), "{}");
    assert.equal(sh(wt, "status", "--porcelain").trim(), "");
  });
});

describe("workingState", () => {
  it("reports the branch, uncommitted changes and commits no remote has", async () => {
    const base = scratchDir("gt-git-");
    const origin = join(base, "origin.git");
    sh(base, "clone", "--quiet", "--bare", makeRepo(join(base, "src")), origin);
    const work = join(base, "work");
    sh(base, "clone", "--quiet", origin, work);
    assert.deepEqual(await workingState(work), { branch: "main", dirty: false, unpushed: 0 });
    writeFileSync(join(work, "new.txt"), "untracked\n");
    assert.deepEqual(await workingState(work), { branch: "main", dirty: true, unpushed: 0 });
    sh(work, "add", "new.txt");
    sh(work, "commit", "--quiet", "-m", "one");
    writeFileSync(join(work, "README.md"), "changed\n");
    sh(work, "commit", "--quiet", "-am", "two");
    assert.deepEqual(await workingState(work), { branch: "main", dirty: false, unpushed: 2 });
    sh(work, "push", "--quiet", "origin", "main");
    assert.deepEqual(await workingState(work), { branch: "main", dirty: false, unpushed: 0 });
  });
});

describe("clearStaleGitLocks", () => {
  it("removes only the locks older than the threshold", async () => {
    const repo = makeRepo(join(scratchDir("gt-git-"), "repo"));
    const index = join(repo, ".git", "index.lock");
    const head = join(repo, ".git", "HEAD.lock");
    const other = join(repo, ".git", "config.lock");
    for (const f of [index, head, other]) writeFileSync(f, "");
    age(index, STALE_GIT_LOCK_MS + 5_000);
    age(other, STALE_GIT_LOCK_MS + 5_000);
    // HEAD.lock is fresh: a live git command may hold it.
    assert.deepEqual(await clearStaleGitLocks(repo), [index]);
    assert.equal(existsSync(index), false);
    assert.equal(existsSync(head), true);
    assert.equal(existsSync(other), true, "only index.lock and HEAD.lock are git's to clear here");
    // A lock just under the threshold stays too.
    age(head, STALE_GIT_LOCK_MS - 3_000);
    assert.deepEqual(await clearStaleGitLocks(repo), []);
    assert.equal(existsSync(head), true);
    // With a threshold given, it counts.
    assert.deepEqual(await clearStaleGitLocks(repo, 1_000), [head]);
    assert.equal(existsSync(head), false);
    // git works again once the stale index.lock is gone.
    writeFileSync(join(repo, "b.txt"), "b\n");
    sh(repo, "add", "b.txt");
  });

  it("clears a worktree's own git dir, not the shared repository's", async () => {
    const base = scratchDir("gt-git-");
    const repo = makeRepo(join(base, "repo"));
    const wt = join(base, "wt");
    sh(repo, "worktree", "add", "--quiet", "-b", "work", wt);
    const ownDir = sh(wt, "rev-parse", "--absolute-git-dir").trim();
    assert.notEqual(ownDir, join(repo, ".git"));
    const wtLock = join(ownDir, "index.lock");
    const mainLock = join(repo, ".git", "index.lock");
    for (const f of [wtLock, mainLock]) {
      writeFileSync(f, "");
      age(f, STALE_GIT_LOCK_MS * 2);
    }
    assert.deepEqual(await clearStaleGitLocks(wt), [wtLock]);
    assert.equal(existsSync(wtLock), false);
    assert.equal(existsSync(mainLock), true);
  });

  it("returns nothing for a directory that is not a repository, or with no locks", async () => {
    assert.deepEqual(await clearStaleGitLocks(scratchDir("gt-git-")), []);
    const repo = makeRepo(join(scratchDir("gt-git-"), "repo"));
    assert.deepEqual(await clearStaleGitLocks(repo, 0), []);
  });
});
