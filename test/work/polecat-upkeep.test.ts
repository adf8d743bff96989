// Polecat upkeep on a real town (tmux, script agent, a bare origin): each command is shown
// the state it looks for, set up by hand in real sandboxes. git-state sees uncommitted files,
// unpushed commits and the polecat's own stashes; check-recovery says NEEDS_RECOVERY for
// unsaved or hooked work, NEEDS_MQ_SUBMIT for pushed work no merge request names, and
// SAFE_TO_NUKE once gt done handed it over. gc deletes old and orphaned polecat branches
// whose work is safe and keeps one whose commits are on no remote; prune deletes branches
// whose work is on main (also one the refinery landed by cherry-pick), on origin with
// --remote; stale finds polecats gone quiet and --cleanup nukes them, never one with work.
// identity add/list/show/rename/remove. Dry runs change nothing; bad input is one line.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  changeSettings,
  commitIn,
  eventually,
  git,
  newTown,
  refSha,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface GitState {
  clean: boolean;
  sandbox: boolean;
  branch: string | null;
  uncommitted_files: string[];
  unpushed_commits: number;
  stash_count: number;
  verdict: string;
}
interface Recovery {
  verdict: string;
  cleanup_status: string;
  needs_recovery: boolean;
  branch: string | null;
  issue: string | null;
  mq_status: string;
  merge_request: string | null;
}
interface Branches {
  dry_run: boolean;
  deleted: Array<{ branch: string; reason: string }>;
  kept: Array<{ branch: string; reason: string }>;
  remote_deleted: Array<{ branch: string; reason: string }>;
  remote_kept: Array<{ branch: string; reason: string }>;
}
interface Stale {
  polecats: Array<{ name: string; stale: boolean; reason: string; commits_behind: number }>;
  stale: number;
  cleanup: { dry_run: boolean; nuked: string[]; failed: Array<{ name: string; error: string }> } | null;
}
interface Identity {
  name: string;
  agent_state: string | null;
  address: string;
  agent_bead: string;
  active: boolean;
  sandbox: boolean;
  session_alive: boolean;
  hook: string | null;
  former_names: string[];
}
interface Cv {
  identity: Identity;
  work: { total: number; closed: number };
  merge_requests: { total: number; merged: number };
}

describe("gt polecat upkeep", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bare = () => join(rigDir(), ".repo.git");
  const polecatEnv = (s: Slung) => ({ GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat });
  const gitState = (p: string) => town.gtJson<GitState>(["polecat", "git-state", `alpha/${p}`]);
  const recovery = (p: string) => town.gtJson<Recovery>(["polecat", "check-recovery", `alpha/${p}`]);
  const localBranches = () =>
    git(bare(), "for-each-ref", "--format=%(refname:short)", "refs/heads/polecat/")
      .split("\n")
      .filter(Boolean);
  const originBranches = () =>
    git(origin, "for-each-ref", "--format=%(refname:short)", "refs/heads/polecat/")
      .split("\n")
      .filter(Boolean);
  /** A commit on a new local polecat branch in `dir`, then the sandbox back where it was. */
  const branchWithCommit = (dir: string, branch: string, file: string, push = false) => {
    const back = git(dir, "rev-parse", "HEAD");
    git(dir, "checkout", "-q", "-b", branch);
    const sha = commitIn(dir, file, `${file}\n`);
    if (push) git(dir, "push", "-q", "origin", `${branch}:${branch}`);
    git(dir, "checkout", "-q", "--detach", back);
    return sha;
  };
  /** A commit on origin's main made elsewhere, so sandboxes fall behind. */
  const advanceMain = (file: string) => {
    const clone = join(town.scratch, `clone-${file}`);
    git(town.scratch, "clone", "-q", origin, clone);
    commitIn(clone, file, "upstream\n");
    git(clone, "push", "-q", "origin", "HEAD:main");
  };

  let p1: Slung; // gt done: work handed to the merge queue
  let p2: Slung; // pushed by hand, never submitted

  before(async () => {
    town = await newTown("tmux");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "true" } });
    changeSettings(town, (s) => {
      s.default_agent = "script";
    });
    p1 = await slingNew(town, "alpha", "First task");
    p2 = await slingNew(town, "alpha", "Second task");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("git-state and check-recovery: unsaved, hooked, not submitted, submitted", async () => {
    assert.deepEqual(
      [(await gitState(p1.polecat)).clean, (await recovery(p1.polecat)).verdict],
      [true, "NEEDS_RECOVERY"],
      "clean, but its bead is on its hook",
    );
    assert.equal((await recovery(p1.polecat)).cleanup_status, "hooked");

    writeFileSync(join(p1.work_dir, "work.txt"), "half done\n");
    let st = await gitState(p1.polecat);
    assert.deepEqual([st.clean, st.verdict, st.uncommitted_files], [false, "dirty", ["work.txt"]]);
    assert.equal((await recovery(p1.polecat)).cleanup_status, "uncommitted");

    git(p1.work_dir, "add", "work.txt");
    git(p1.work_dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "work");
    st = await gitState(p1.polecat);
    assert.deepEqual([st.clean, st.unpushed_commits, st.uncommitted_files], [false, 1, []]);
    const unpushed = await recovery(p1.polecat);
    assert.deepEqual([unpushed.verdict, unpushed.cleanup_status], ["NEEDS_RECOVERY", "unpushed"]);

    // A stash is the polecat's own only when made on its branch: p2 does not see p1's.
    writeFileSync(join(p1.work_dir, "README.md"), "stashed change\n");
    git(p1.work_dir, "stash", "-q");
    assert.equal((await gitState(p1.polecat)).stash_count, 1);
    assert.equal((await gitState(p2.polecat)).stash_count, 0);
    git(p1.work_dir, "stash", "drop", "-q");

    // p2: pushed by hand and unslung: work no merge request names.
    commitIn(p2.work_dir, "p2.txt", "p2\n");
    git(p2.work_dir, "push", "-q", "origin", `${p2.branch}:${p2.branch}`);
    assert.equal((await town.gt(["unsling", p2.bead])).code, 0);
    const notSubmitted = await recovery(p2.polecat);
    assert.deepEqual(
      [notSubmitted.verdict, notSubmitted.mq_status, notSubmitted.branch, notSubmitted.issue],
      ["NEEDS_MQ_SUBMIT", "not_submitted", p2.branch, p2.bead],
    );
    const human = await town.gt(["polecat", "check-recovery", `alpha/${p2.polecat}`]);
    assert.match(human.stdout, /NEEDS_MQ_SUBMIT/);
    assert.match(human.stdout, /commit\(s\) no merge request names/);

    // p1: gt done pushes and files the merge request; nothing is at risk any more.
    const done = await town.gt(["done"], { cwd: p1.work_dir, env: polecatEnv(p1) });
    assert.equal(done.code, 0, done.stderr);
    const safe = await recovery(p1.polecat);
    assert.deepEqual(
      [safe.verdict, safe.cleanup_status, safe.mq_status, safe.branch],
      ["SAFE_TO_NUKE", "clean", "submitted", p1.branch],
    );
    assert.ok(safe.merge_request);
    assert.equal((await gitState(p1.polecat)).verdict, "clean");
  });

  it("gc deletes old and orphaned polecat branches whose work is safe; keeps unpushed and in-use ones", async () => {
    const old = `polecat/${p1.polecat}/al-old@1`;
    const pushed = `polecat/${p1.polecat}/al-pushed@2`;
    const ghost = "polecat/ghost/al-gone@3";
    branchWithCommit(p1.work_dir, old, "old.txt");
    branchWithCommit(p1.work_dir, pushed, "pushed.txt", true);
    branchWithCommit(p1.work_dir, ghost, "ghost.txt", true);
    const before = localBranches();
    for (const b of [old, pushed, ghost, p2.branch]) assert.ok(before.includes(b), `${b} in ${before}`);

    const dry = await town.gtJson<Branches>(["polecat", "gc", "alpha", "--dry-run"]);
    assert.equal(dry.dry_run, true);
    assert.deepEqual(dry.deleted.map((d) => d.branch).sort(), [ghost, pushed].sort());
    assert.deepEqual(localBranches(), before, "a dry run deletes nothing");

    const gc = await town.gtJson<Branches>(["polecat", "gc", "alpha"]);
    const reason = (b: string) =>
      gc.deleted.find((d) => d.branch === b)?.reason ?? gc.kept.find((k) => k.branch === b)?.reason;
    assert.match(reason(ghost) ?? "", /ghost is gone; its commits are on origin/);
    assert.match(
      reason(pushed) ?? "",
      new RegExp(`an old branch of ${p1.polecat}; its commits are on origin`),
    );
    assert.match(reason(old) ?? "", /1 commit\(s\) are on no remote: kept/);
    assert.match(reason(p2.branch) ?? "", /checked out in alpha\/polecats\//);
    const after = localBranches();
    assert.ok(after.includes(old) && after.includes(p2.branch), after.join(" "));
    assert.ok(!after.includes(pushed) && !after.includes(ghost), after.join(" "));
    // Deleted locally only: origin keeps its copies.
    assert.ok(originBranches().includes(pushed));
    git(bare(), "branch", "-D", old); // the test's own leftover
  });

  it("prune deletes branches whose work is on main, also one the refinery landed by cherry-pick; --remote on origin too", async () => {
    // p1's merge request lands: the refinery cherry-picks it and deletes its branch on origin.
    const ran = await town.gtJson<{ landed: Array<{ mr: string }> }>(["refinery", "run-once", "alpha"]);
    assert.equal(ran.landed.length, 1, JSON.stringify(ran));
    assert.equal(refSha(origin, `refs/heads/${p1.branch}`), undefined);
    const mrSha = (
      JSON.parse(
        await bdOk(town, rigDir(), ["list", "--type", "merge-request", "--all", "--json"]),
      ) as Array<{
        metadata: { commit_sha: string };
      }>
    )[0]!.metadata.commit_sha;
    // A copy of the landed branch left in the rig's repository: no ancestor of main, on no remote.
    git(bare(), "branch", p1.branch, mrSha);
    // A branch merged into main on origin (fast-forward) and one that is not merged.
    git(bare(), "fetch", "-q", "origin");
    git(p1.work_dir, "checkout", "-q", "--detach", "origin/main");
    const merged = `polecat/${p1.polecat}/al-merged@4`;
    const mergedSha = branchWithCommit(p1.work_dir, merged, "merged.txt", true);
    git(origin, "update-ref", "refs/heads/main", mergedSha);
    const loose = "polecat/ghost2/al-loose@5";
    branchWithCommit(p1.work_dir, loose, "loose.txt", true);
    git(bare(), "branch", "-D", loose); // only origin has it

    const dry = await town.gtJson<Branches>(["polecat", "prune", "alpha", "--remote", "--dry-run"]);
    assert.deepEqual(dry.deleted.map((d) => d.branch).sort(), [merged, p1.branch].sort());
    assert.ok(localBranches().includes(merged) && originBranches().includes(merged), "dry run");

    const pr = await town.gtJson<Branches>(["polecat", "prune", "alpha", "--remote"]);
    const local = new Map(pr.deleted.map((d) => [d.branch, d.reason]));
    assert.match(local.get(p1.branch) ?? "", /^landed by /);
    assert.equal(local.get(merged), "merged into main");
    assert.deepEqual(
      pr.remote_deleted.map((d) => [d.branch, d.reason]),
      [[merged, "merged into main"]],
    );
    const remoteKept = new Map(pr.remote_kept.map((k) => [k.branch, k.reason]));
    assert.equal(remoteKept.get(loose), "not merged");
    assert.match(remoteKept.get(p2.branch) ?? "", /checked out in/);
    assert.ok(!localBranches().includes(merged) && !localBranches().includes(p1.branch));
    assert.deepEqual(
      originBranches().sort(),
      [loose, p2.branch, `polecat/${p1.polecat}/al-pushed@2`, "polecat/ghost/al-gone@3"].sort(),
    );
    assert.ok(localBranches().includes(p2.branch), "in use: kept");
  });

  it("stale finds polecats gone quiet; --cleanup nukes them and never one with work", async () => {
    // p3 holds uncommitted work; p4 works in a live session; p1 and p2 are idle and clean.
    // Named, as p4 below: a rig sling would reuse idle p1 or p2.
    const third = await bdOk(town, rigDir(), ["create", "Third task", "--silent"]);
    const p3 = (
      await town.gtJson<{ outcomes: Slung[] }>(["sling", third, "alpha/cheedo", "--no-start", "--no-convoy"])
    ).outcomes[0]!;
    assert.equal((await town.gt(["unsling", p3.bead])).code, 0);
    writeFileSync(join(p3.work_dir, "wip.txt"), "wip\n");
    const go = join(town.scratch, "go");
    const slow = await bdOk(town, rigDir(), [
      "create",
      "Slow",
      "-d",
      `Waits.\n\n\`\`\`sh\nwhile [ ! -f '${go}' ]; do sleep 0.1; done\necho slow > slow.txt\n\`\`\`\n`,
      "--silent",
    ]);
    const p4 = (await town.gtJson<{ outcomes: Slung[] }>(["sling", slow, "alpha/slowpoke", "--no-convoy"]))
      .outcomes[0]!;
    assert.equal(p4.polecat, "slowpoke");

    let r = await town.gtJson<Stale>(["polecat", "stale", "alpha", "--threshold", "50"]);
    const verdict = (name: string) => r.polecats.find((p) => p.name === name)!;
    const behind = verdict(p1.polecat).commits_behind;
    assert.equal(
      verdict(p1.polecat).reason,
      `idle, ${behind} commit(s) behind (threshold 50): kept for reuse`,
    );
    assert.equal(r.stale, 0);

    // Main moves on: p1 is now as far behind as the threshold says is too far.
    advanceMain("upstream.txt");
    const threshold = String(behind + 1);
    r = await town.gtJson<Stale>(["polecat", "stale", "alpha", "--threshold", threshold]);
    assert.deepEqual(
      [verdict(p1.polecat).stale, verdict(p1.polecat).reason],
      [true, `${behind + 1} commits behind, no session`],
    );
    assert.equal(verdict(p2.polecat).stale, true);
    assert.deepEqual(
      [verdict(p3.polecat).stale, verdict(p3.polecat).reason],
      [false, "1 uncommitted change(s)"],
    );
    assert.equal(verdict(p4.polecat).stale, false);
    assert.match(verdict(p4.polecat).reason, /session running|on its hook/);
    assert.equal(r.stale, 2);

    const dry = await town.gtJson<Stale>([
      "polecat",
      "stale",
      "alpha",
      "--threshold",
      threshold,
      "--cleanup",
      "--dry-run",
    ]);
    assert.deepEqual(dry.cleanup?.nuked.sort(), [p1.polecat, p2.polecat].sort());
    assert.ok(existsSync(p1.work_dir) && existsSync(p2.work_dir), "a dry run nukes nothing");

    // p2's branch is on origin, so its nuke loses nothing.
    const clean = await town.gtJson<Stale>([
      "polecat",
      "stale",
      "alpha",
      "--threshold",
      threshold,
      "--cleanup",
    ]);
    assert.deepEqual(clean.cleanup?.nuked.sort(), [p1.polecat, p2.polecat].sort());
    assert.deepEqual(clean.cleanup?.failed, []);
    assert.ok(
      !existsSync(join(rigDir(), "polecats", p1.polecat)) &&
        !existsSync(join(rigDir(), "polecats", p2.polecat)),
    );
    assert.equal(readFileSync(join(p3.work_dir, "wip.txt"), "utf8"), "wip\n", "p3's work is untouched");
    assert.ok(existsSync(p4.work_dir));
    writeFileSync(go, "");
    await eventually(
      async () =>
        JSON.parse(await bdOk(town, rigDir(), ["show", slow, "--json"]))[0].status === "in_progress",
      60_000,
      "the slow task to be handed over",
    );
  });

  it("identity add, list, show, rename and remove; never a running polecat or unsaved work", async () => {
    const added = await town.gtJson<Identity>(["polecat", "identity", "add", "alpha", "rictus"]);
    assert.deepEqual([added.name, added.active, added.sandbox], ["rictus", true, false]);
    const again = await town.gt(["polecat", "identity", "add", "alpha", "rictus"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /polecat alpha\/rictus already exists/);
    // With no name, the first free name of the rig's theme: p1's, freed when the stale
    // cleanup nuked it. The identity comes back with its history.
    const auto = await town.gtJson<Identity>(["polecat", "identity", "add", "alpha"]);
    assert.deepEqual([auto.name, auto.agent_state, auto.sandbox], [p1.polecat, "idle", false]);
    const back = await town.gtJson<Cv>(["polecat", "identity", "show", "alpha", p1.polecat]);
    assert.deepEqual([back.work.total, back.merge_requests.merged], [1, 1], "p1's bead and its merged MR");

    const rows = await town.gtJson<Identity[]>(["polecat", "identity", "list", "alpha"]);
    const names = rows.map((r) => r.name);
    for (const n of ["rictus", p1.polecat, p2.polecat, "cheedo", "slowpoke"])
      assert.ok(names.includes(n), `${n} in ${names}`);
    // p2 was nuked too: its identity stays, marked nuked, with no sandbox.
    const nuked = rows.find((r) => r.name === p2.polecat)!;
    assert.deepEqual([nuked.agent_state, nuked.sandbox, nuked.active], ["nuked", false, true]);

    // p4 finished its slow task: idle, clean, its session still up.
    const p4 = rows.find((r) => r.sandbox && r.session_alive)!;
    assert.ok(p4, JSON.stringify(rows));
    const running = await town.gt(["polecat", "identity", "rename", "alpha", p4.name, "dementus"]);
    assert.notEqual(running.code, 0);
    assert.match(running.stderr, /is running; stop it before you rename it/);
    const { session } = await town.gtJson<{ session: string }>(["polecat", "status", `alpha/${p4.name}`]);
    execFileSync("tmux", ["-L", String(town.env.GT_TMUX_SOCKET), "kill-session", "-t", `=${session}`]);

    const renamed = await town.gtJson<Identity>([
      "polecat",
      "identity",
      "rename",
      "alpha",
      p4.name,
      "dementus",
    ]);
    assert.deepEqual([renamed.name, renamed.sandbox, renamed.former_names], ["dementus", true, [p4.name]]);
    const moved = join(rigDir(), "polecats", "dementus", "alpha");
    assert.equal(git(moved, "rev-parse", "--show-toplevel"), moved, "the worktree moved with git");
    assert.ok(!existsSync(join(rigDir(), "polecats", p4.name)));
    assert.ok(git(bare(), "worktree", "list").includes(moved));
    const cv = await town.gtJson<Cv>(["polecat", "identity", "show", "alpha", "dementus"]);
    assert.equal(cv.work.total, 1, "its work under its old name is its history");
    assert.equal(cv.merge_requests.total, 1);
    const oldBead = JSON.parse(
      await bdOk(town, rigDir(), [
        "show",
        (rows.find((r) => r.name === p4.name) as Identity).agent_bead,
        "--json",
      ]),
    )[0];
    assert.equal(oldBead.status, "closed");
    assert.equal(oldBead.close_reason, "renamed to dementus");

    // Unsaved work: neither rename nor remove, even with --force.
    writeFileSync(join(moved, "unsaved.txt"), "x\n");
    for (const args of [
      ["rename", "alpha", "dementus", "slit"],
      ["remove", "alpha", "dementus", "--force"],
    ]) {
      const r = await town.gt(["polecat", "identity", ...args]);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, /holds work no remote has \(1 uncommitted/);
    }
    assert.ok(existsSync(join(moved, "unsaved.txt")));

    // Remove: hooked work needs --force, which puts it back to open; the bead is closed.
    const held = await bdOk(town, rigDir(), ["create", "Held", "--silent"]);
    assert.equal((await town.gt(["hook", held, "alpha/rictus"])).code, 0);
    const refused = await town.gt(["polecat", "identity", "remove", "alpha", "rictus"]);
    assert.match(refused.stderr, new RegExp(`has ${held} on its hook`));
    const removed = await town.gtJson<{ released_hook: string; removed_sandbox: boolean }>([
      "polecat",
      "identity",
      "remove",
      "alpha",
      "rictus",
      "--force",
    ]);
    assert.equal(removed.released_hook, held);
    assert.ok(!existsSync(join(rigDir(), "polecats", "rictus")));
    assert.equal(JSON.parse(await bdOk(town, rigDir(), ["show", held, "--json"]))[0].status, "open");
    const list = await town.gtJson<Identity[]>(["polecat", "identity", "list", "alpha"]);
    assert.equal(list.find((r) => r.name === "rictus")?.active, false, "retired, its history kept");
  });

  it("bad input is one line and a non-zero exit", async () => {
    for (const [args, pattern] of [
      [["polecat", "gc", "nope"], /nope/],
      [["polecat", "prune", "nope"], /nope/],
      [["polecat", "stale", "alpha", "--threshold", "many"], /--threshold wants a whole number/],
      [["polecat", "git-state", "alpha/nobody"], /nobody/],
      [["polecat", "check-recovery", "alpha"], /name a polecat|not a polecat|alpha/],
      [["polecat", "identity", "add", "alpha", "Bad-Name"], /invalid polecat name/],
      [["polecat", "identity", "show", "alpha", "nobody"], /no polecat identity alpha\/nobody/],
      [["polecat", "identity", "rename", "alpha", "nobody", "x"], /no polecat identity/],
    ] as Array<[string[], RegExp]>) {
      const r = await town.gt(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });
});
