// Polecat helpers called directly: branch names safe for git whatever the bead id holds,
// which branches a polecat owns, which paths are runtime files, what counts as work left in
// a real worktree (runtime paths ignored; untracked, modified, deleted, staged and renamed
// counted), unpushed commits, and rescueUnsavedWork saving a sandbox's work to origin in a
// hand-made town.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { unreadMail } from "../../src/comms/mailbox.ts";
import { ValidationError } from "../../src/errors.ts";
import { EVENTS_FILE } from "../../src/events/log.ts";
import { openTownLedger } from "../../src/town/ledgers.ts";
import { Town } from "../../src/town/workspace.ts";
import {
  derivePolecatState,
  isOwnPolecatBranch,
  isRuntimePath,
  polecatBranchName,
  polecatGitEnv,
  refSafe,
  rescueUnsavedWork,
  unpushedCommits,
  validatePolecatName,
  workLeftIn,
} from "../../src/work/polecats.ts";
import { handMadeTown } from "../helpers/hand-made-town.ts";
import { scratchDir } from "../helpers/temp.ts";
import { makeRepo } from "../helpers/town.ts";

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function write(dir: string, path: string, text: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

describe("refSafe and polecatBranchName", () => {
  it("keeps an ordinary bead id as it is", () => {
    assert.equal(refSafe("gt-abc12"), "gt-abc12");
    assert.equal(refSafe("hq-cv-x1.2"), "hq-cv-x1.2");
  });

  it("turns any bead id into a part git accepts in a branch name", () => {
    const hostile = [
      "a b:c~d^e?f*g[h\\i",
      "..hidden",
      "x..y",
      "name.lock",
      "a.lock.lock",
      "ends-with-.",
      "-leading",
      "../../",
      "",
      "@{upstream}",
      "tab\there\nnewline",
      "ünïcödé-id",
      "x".repeat(200),
      "slash/inside/id",
    ];
    for (const id of hostile) {
      const part = refSafe(id);
      assert.ok(part.length > 0 && part.length <= 80, `${JSON.stringify(id)} -> ${part}`);
      const branch = polecatBranchName("toast", id, 1_700_000_000_000);
      const check = spawnSync("git", ["check-ref-format", `refs/heads/${branch}`]);
      assert.equal(check.status, 0, `git refuses ${JSON.stringify(branch)} (from ${JSON.stringify(id)})`);
      assert.ok(isOwnPolecatBranch(branch, "toast"), branch);
    }
    assert.equal(refSafe("a b:c"), "a-b-c");
    assert.equal(refSafe("x..y"), "x.y");
    assert.equal(refSafe("name.lock"), "name");
    assert.equal(refSafe("..hidden"), "hidden");
    assert.equal(refSafe("../../"), "work");
    assert.equal(refSafe(""), "work");
  });

  it("names a bead's branch polecat/<name>/<bead>@<stamp>, and one with no bead polecat/<name>-<stamp>", () => {
    const now = 1_700_000_000_000;
    const stamp = now.toString(36);
    assert.equal(polecatBranchName("toast", "gt-abc", now), `polecat/toast/gt-abc@${stamp}`);
    assert.equal(polecatBranchName("toast", undefined, now), `polecat/toast-${stamp}`);
    assert.notEqual(polecatBranchName("toast", "gt-abc", now), polecatBranchName("toast", "gt-abc", now + 1));
  });
});

describe("isOwnPolecatBranch", () => {
  it("accepts only the polecat's own branches", () => {
    assert.equal(isOwnPolecatBranch("polecat/toast/gt-1@k2", "toast"), true);
    assert.equal(isOwnPolecatBranch("polecat/toast-k2", "toast"), true);
    for (const other of [
      "polecat/toaster/gt-1@k2",
      "polecat/nux/gt-1",
      "polecat/toast",
      "main",
      "toast/x",
      "refs/heads/polecat/toast/x",
    ])
      assert.equal(isOwnPolecatBranch(other, "toast"), false, other);
  });
});

describe("isRuntimePath", () => {
  it("matches Gas Town's and agent runtimes' top-level directories only", () => {
    for (const p of [
      ".beads",
      ".beads/redirect",
      ".runtime/session.json",
      ".claude",
      ".claude/settings.json",
      ".gemini/x",
      ".codex/y",
      ".opencode/plugins/z.js",
    ])
      assert.equal(isRuntimePath(p), true, p);
    for (const p of [
      ".beadsish",
      ".beads.txt",
      "src/.beads/x",
      "docs/.claude/notes.md",
      "runtime/x",
      ".github/workflows/ci.yml",
      "README.md",
    ])
      assert.equal(isRuntimePath(p), false, p);
  });
});

describe("workLeftIn", () => {
  it("is empty for a clean worktree, even with runtime files in it", async () => {
    const repo = makeRepo(join(scratchDir("gt-polecat-"), "repo"));
    assert.deepEqual(await workLeftIn(repo), []);
    write(repo, ".beads/redirect", "../.beads\n");
    write(repo, ".runtime/session_id", "abc\n");
    write(repo, ".claude/settings.json", "{}\n");
    write(repo, ".codex/x", "x\n");
    assert.deepEqual(await workLeftIn(repo), []);
  });

  it("counts untracked, modified, deleted, staged and renamed paths, each once", async () => {
    const repo = makeRepo(join(scratchDir("gt-polecat-"), "repo"), {
      "a.txt": "a\n",
      "b.txt": "b\n",
      "dir/c.txt": "c\n",
      "staged.txt": "s\n",
    });
    write(repo, "a.txt", "changed\n");
    rmSync(join(repo, "b.txt"));
    sh(repo, "mv", "dir/c.txt", "dir/d.txt");
    write(repo, "staged.txt", "staged change\n");
    sh(repo, "add", "staged.txt");
    write(repo, "new.txt", "new\n");
    write(repo, "nested/deep/file.txt", "deep\n");
    write(repo, "my file.txt", "spaces\n");
    write(repo, ".beadsish", "not runtime\n");
    write(repo, ".runtime/x", "runtime\n");
    write(repo, ".beads/redirect", "x\n");
    const left = await workLeftIn(repo);
    assert.deepEqual([...left].sort(), [
      ".beadsish",
      "a.txt",
      "b.txt",
      "dir/d.txt",
      "my file.txt",
      "nested/deep/file.txt",
      "new.txt",
      "staged.txt",
    ]);
  });

  it("reads a linked worktree's own changes", async () => {
    const base = scratchDir("gt-polecat-");
    const repo = makeRepo(join(base, "repo"));
    const wt = join(base, "wt");
    sh(repo, "worktree", "add", "--quiet", "-b", "polecat/toast-1", wt);
    write(wt, "work.txt", "w\n");
    write(repo, "main-only.txt", "m\n");
    assert.deepEqual(await workLeftIn(wt), ["work.txt"]);
  });
});

describe("derivePolecatState, validatePolecatName and polecatGitEnv", () => {
  it("derives the state from the hook, the session and the agent bead", () => {
    assert.equal(derivePolecatState(true, true), "working");
    assert.equal(derivePolecatState(true, false), "zombie");
    assert.equal(derivePolecatState(true, false, "stuck"), "zombie");
    assert.equal(derivePolecatState(false, true, "stuck"), "stuck");
    assert.equal(derivePolecatState(false, true, "done"), "done");
    assert.equal(derivePolecatState(false, false, "done"), "idle");
    assert.equal(derivePolecatState(false, false), "idle");
  });

  it("accepts lowercase names and refuses others and the reserved ones", () => {
    assert.equal(validatePolecatName("toast"), "toast");
    assert.equal(validatePolecatName("nux_2"), "nux_2");
    for (const bad of ["Toast", "a-b", "_x", "", "witness", "polecats", "a/b", "x".repeat(300)])
      assert.throws(() => validatePolecatName(bad), ValidationError, bad);
  });

  it("gives commits made for a polecat its own identity unless one is set", () => {
    const env = polecatGitEnv({}, "gastown/polecats/toast");
    assert.equal(env.GIT_AUTHOR_NAME, "gastown/polecats/toast");
    assert.equal(env.GIT_COMMITTER_NAME, "gastown/polecats/toast");
    assert.equal(env.GIT_AUTHOR_EMAIL, "gastown.polecats.toast@gastown.local");
    assert.equal(env.GIT_COMMITTER_EMAIL, "gastown.polecats.toast@gastown.local");
    assert.equal(env.GIT_TERMINAL_PROMPT, "0");
    const own = polecatGitEnv({ GIT_AUTHOR_NAME: "Ann", GIT_AUTHOR_EMAIL: "ann@x.test" }, "r/polecats/p");
    assert.equal(own.GIT_AUTHOR_NAME, "Ann");
    assert.equal(own.GIT_COMMITTER_NAME, "Ann");
    assert.equal(own.GIT_COMMITTER_EMAIL, "ann@x.test");
  });
});

/** A bare origin with one commit on main, and a clone of it as the polecat's sandbox. */
function originAndSandbox(base: string, sandbox: string): { origin: string; sandbox: string } {
  const origin = join(base, "origin.git");
  sh(
    base,
    "clone",
    "--quiet",
    "--bare",
    makeRepo(join(base, "src"), { "README.md": "# demo\n", "old.txt": "old\n" }),
    origin,
  );
  mkdirSync(join(sandbox, ".."), { recursive: true });
  sh(base, "clone", "--quiet", origin, sandbox);
  return { origin, sandbox };
}

describe("unpushedCommits", () => {
  it("counts commits on HEAD and on the polecat's branches that no remote has, not other branches", async () => {
    const base = scratchDir("gt-polecat-");
    const { sandbox } = originAndSandbox(base, join(base, "sandbox"));
    assert.deepEqual(await unpushedCommits(sandbox, "toast"), []);
    sh(sandbox, "commit", "--quiet", "--allow-empty", "-m", "on head");
    sh(sandbox, "branch", "polecat/toast/gt-1@a", "origin/main");
    sh(sandbox, "branch", "polecat/nux/gt-2@a", "origin/main");
    sh(sandbox, "branch", "feature", "origin/main");
    for (const b of ["polecat/toast/gt-1@a", "polecat/nux/gt-2@a", "feature"]) {
      sh(sandbox, "checkout", "--quiet", b);
      sh(sandbox, "commit", "--quiet", "--allow-empty", "-m", `on ${b}`);
    }
    sh(sandbox, "checkout", "--quiet", "main");
    const subjects = (await unpushedCommits(sandbox, "toast")).map((l) => l.replace(/^\w+ /, "")).sort();
    assert.deepEqual(subjects, ["on head", "on polecat/toast/gt-1@a"]);
    assert.deepEqual(await unpushedCommits(join(base, "nowhere"), "toast"), []);
  });
});

describe("rescueUnsavedWork", () => {
  /** A town by hand: town.json, rigs.json, the town ledger and rig gastown (prefix gt) with its ledger. */
  function handTown(): Town {
    return new Town(handMadeTown("gt-polecat-town-", { ledgers: true }));
  }

  function events(town: Town): Array<{ type: string; payload: Record<string, unknown> }> {
    const file = join(town.root, EVENTS_FILE);
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  async function witnessMail(town: Town): Promise<string[]> {
    const ledger = openTownLedger(town);
    try {
      return (await unreadMail([ledger], "gastown/witness")).map((m) => m.title);
    } finally {
      await ledger.close();
    }
  }

  const sandboxOf = (town: Town) => join(town.root, "gastown", "polecats", "toast", "gastown");

  it("does nothing when everything is committed and pushed (runtime files do not count)", async () => {
    const town = handTown();
    const { sandbox } = originAndSandbox(town.root, sandboxOf(town));
    write(sandbox, ".runtime/session_id", "x\n");
    const head = sh(sandbox, "rev-parse", "HEAD");
    assert.equal(await rescueUnsavedWork(town, "gastown", "toast", sandbox, "tester"), undefined);
    assert.equal(sh(sandbox, "rev-parse", "HEAD"), head);
    assert.equal(sh(sandbox, "symbolic-ref", "--short", "HEAD").trim(), "main");
    assert.deepEqual(
      events(town).filter((e) => e.type === "rescue"),
      [],
    );
  });

  it("commits uncommitted work on a new polecat branch, pushes it and tells the witness", async () => {
    const town = handTown();
    const { origin, sandbox } = originAndSandbox(town.root, sandboxOf(town));
    write(sandbox, "README.md", "# changed\n");
    write(sandbox, "new.txt", "new\n");
    rmSync(join(sandbox, "old.txt"));
    write(sandbox, ".runtime/session_id", "runtime, not work\n");
    write(sandbox, ".claude/settings.json", "{}\n");
    const r = await rescueUnsavedWork(town, "gastown", "toast", sandbox, "tester");
    assert.ok(r);
    assert.equal(r.saved_changes, 3);
    assert.equal(r.commits, 0);
    assert.equal(r.pushed, true);
    assert.equal(r.branches.length, 1);
    const branch = r.branches[0]!;
    assert.match(branch, /^polecat\/toast\/rescued-[0-9a-z]+$/);
    assert.equal(sh(sandbox, "symbolic-ref", "--short", "HEAD").trim(), branch);
    // origin has the work, and only the work.
    const files = sh(origin, "ls-tree", "-r", "--name-only", branch).trim().split("\n").sort();
    assert.deepEqual(files, ["README.md", "new.txt"]);
    assert.equal(sh(origin, "show", `${branch}:README.md`), "# changed\n");
    assert.equal(sh(origin, "log", "-1", "--format=%an", branch).trim(), "gastown/polecats/toast");
    assert.equal(sh(origin, "rev-parse", "main"), sh(sandbox, "rev-parse", "origin/main"), "main untouched");
    assert.deepEqual(await workLeftIn(sandbox), []);
    assert.ok(existsSync(join(sandbox, ".runtime", "session_id")), "runtime files are left where they are");
    const rescue = events(town).filter((e) => e.type === "rescue");
    assert.equal(rescue.length, 1);
    assert.deepEqual(rescue[0]!.payload, { rig: "gastown", polecat: "toast", ...r });
    assert.deepEqual(await witnessMail(town), ["RESCUED toast"]);
  });

  it("keeps a polecat's own branch, pushing its unpushed commits with the uncommitted change on top", async () => {
    const town = handTown();
    const { origin, sandbox } = originAndSandbox(town.root, sandboxOf(town));
    // An earlier branch of this polecat that origin already has: nothing to push there.
    sh(sandbox, "branch", "polecat/toast/gt-0@k0");
    sh(sandbox, "push", "--quiet", "origin", "polecat/toast/gt-0@k0");
    const own = "polecat/toast/gt-1@k1";
    sh(sandbox, "checkout", "--quiet", "-b", own);
    write(sandbox, "feature.txt", "done\n");
    sh(sandbox, "add", "feature.txt");
    sh(sandbox, "commit", "--quiet", "-m", "feature");
    sh(sandbox, "rm", "--quiet", "old.txt"); // a staged deletion: no path left to add
    const r = await rescueUnsavedWork(town, "gastown", "toast", sandbox, "tester");
    assert.deepEqual(r, { branches: [own], commits: 1, saved_changes: 1, pushed: true });
    assert.equal(sh(sandbox, "symbolic-ref", "--short", "HEAD").trim(), own);
    assert.equal(sh(origin, "rev-parse", own), sh(sandbox, "rev-parse", "HEAD"));
    assert.deepEqual(sh(origin, "ls-tree", "-r", "--name-only", own).trim().split("\n").sort(), [
      "README.md",
      "feature.txt",
    ]);
    assert.equal(sh(origin, "rev-list", "--count", `main..${own}`).trim(), "2");
  });

  it("moves commits on a detached HEAD onto a polecat branch", async () => {
    const town = handTown();
    const { origin, sandbox } = originAndSandbox(town.root, sandboxOf(town));
    sh(sandbox, "checkout", "--quiet", "--detach");
    sh(sandbox, "commit", "--quiet", "--allow-empty", "-m", "detached work");
    const commit = sh(sandbox, "rev-parse", "HEAD").trim();
    const r = await rescueUnsavedWork(town, "gastown", "toast", sandbox, "tester");
    assert.ok(r);
    assert.equal(r.commits, 1);
    assert.equal(r.saved_changes, 0);
    assert.equal(r.branches.length, 1);
    assert.match(r.branches[0]!, /^polecat\/toast\/rescued-/);
    assert.equal(sh(origin, "rev-parse", r.branches[0]!).trim(), commit);
  });

  it("keeps the work on a local branch when origin cannot be reached", async () => {
    const town = handTown();
    const { sandbox } = originAndSandbox(town.root, sandboxOf(town));
    sh(sandbox, "remote", "set-url", "origin", join(town.root, "no-such-origin.git"));
    write(sandbox, "new.txt", "new\n");
    const r = await rescueUnsavedWork(town, "gastown", "toast", sandbox, "tester");
    assert.ok(r);
    assert.equal(r.pushed, false);
    assert.equal(r.saved_changes, 1);
    const branch = r.branches[0]!;
    assert.equal(sh(sandbox, "show", `${branch}:new.txt`), "new\n");
    assert.deepEqual(await workLeftIn(sandbox), []);
  });
});
