// Committed work survives careless hands and crashes. Each case is a hole found by treating a
// town the way a crashing machine and a careless user would (gt done on a protected branch,
// an idle sandbox with commits on a detached HEAD, a sling killed half-way, a worktree
// deleted by hand, a refinery killed after landing), driven through the real executables.
// Kills happen at exact points through the test-only GT_TEST_PAUSE hook (src/test-pause.ts).
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { locate } from "../../src/town/ledgers.ts";
import { createMergeRequest } from "../../src/work/merge-requests.ts";
import { startPaused } from "../helpers/fault-points.ts";
import {
  addBareRig,
  bdOk,
  commitIn,
  eventually,
  git,
  makeRepo,
  newTown,
  refSha,
  type TestTown,
} from "../helpers/town.ts";

interface Outcome {
  bead: string;
  action: string;
  polecat: string | null;
  branch: string | null;
  work_dir: string;
  session_action: string;
}
interface Report {
  outcomes: Outcome[];
  failures: Array<{ bead: string; error: string }>;
}
interface Bead {
  id: string;
  status: string;
  assignee?: string;
  metadata?: Record<string, unknown>;
}

describe("no lost work", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const sling = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    town.gt(["sling", ...args, "--json", "--no-convoy"], { env });
  const slingOk = async (args: string[]) => {
    const r = await sling(args);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.failures, []);
    return report.outcomes[0]!;
  };
  const polecatEnv = (name: string) => ({ GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: name });
  const originHas = (ref: string) => refSha(origin, ref);

  /** Runs `fn` with the rig's merge queue switched off, so nothing merges meanwhile. */
  const withMergeQueueOff = async (fn: () => Promise<void>) => {
    const file = join(rigDir(), "settings", "config.json");
    const saved = readFileSync(file, "utf8");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(saved), merge_queue: { enabled: false } }, null, 2));
    try {
      await fn();
    } finally {
      writeFileSync(file, saved);
    }
  };
  const nuke = async (name: string) => {
    const r = await town.gt(["polecat", "nuke", `alpha/${name}`, "--force"]);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    town = await newTown("subprocess");
    const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
    git(seed, "branch", "release");
    git(seed, "branch", "stage");
    origin = await addBareRig(town, "alpha", { seed, mergeQueue: { test_command: "true" } });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt done refuses to push a protected branch; the target stays where it was", async () => {
    const id = await bd(["create", "release fix", "--silent"]);
    const s = await slingOk([id, "alpha", "--no-start"]);
    git(s.work_dir, "checkout", "-q", "-B", "release", "origin/release");
    commitIn(s.work_dir, "hotfix.txt", "fix\n");
    const before = originHas("refs/heads/release");
    const r = await town.gt(["done", "--target", "release"], {
      cwd: s.work_dir,
      env: polecatEnv(s.polecat!),
    });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /pushes only your own polecat\/.* branch, not release/);
    assert.equal(originHas("refs/heads/release"), before, "release did not move");
    assert.equal((await show(id)).status, "hooked", "the bead stays on the hook");
    // Pushing the default branch the same way is refused too.
    git(s.work_dir, "checkout", "-q", "-B", "main", "origin/main");
    commitIn(s.work_dir, "direct.txt", "x\n");
    const main = await town.gt(["done"], { cwd: s.work_dir, env: polecatEnv(s.polecat!) });
    assert.equal(main.code, 1);
    assert.match(main.stderr, /not main \(the merge target\)/);
    const stray = git(s.work_dir, "rev-parse", "HEAD");

    // Other work lands meanwhile: the refinery must not move the shared repo's main under
    // the stray checkout (that would orphan its commit and make the tree look like a revert).
    const other = await bd(["create", "other work", "--silent"]);
    const o = await slingOk([other, "alpha", "--no-start"]);
    commitIn(o.work_dir, "other.txt", "other\n");
    const handed = await town.gt(["done"], { cwd: o.work_dir, env: polecatEnv(o.polecat!) });
    assert.equal(handed.code, 0, handed.stderr);
    const ran = await town.gtJson<{ landed: unknown[] }>(["refinery", "run-once", "alpha"]);
    assert.equal(ran.landed.length, 1);
    assert.equal(git(s.work_dir, "rev-parse", "HEAD"), stray, "the stray commit is still where it was");
    assert.equal(git(s.work_dir, "status", "--porcelain", "--untracked-files=no"), "");
  });

  it("the refinery deletes only an MR's own branch: never a target, never one another MR names", async () => {
    const work = join(town.scratch, "work");
    execFileSync("git", ["clone", "--quiet", origin, work]);
    const push = (branch: string, from: string, file: string) => {
      git(work, "checkout", "-q", "-B", branch, from);
      const sha = commitIn(work, file, `${file}\n`);
      git(work, "push", "-q", "origin", `${branch}:refs/heads/${branch}`);
      return sha;
    };
    // An MR whose "branch" is its own target and already in it (what a polecat pushing the
    // target used to leave); an MR from `stage` into main while another MR targets `stage`.
    const releaseSha = push("release", "origin/release", "r.txt");
    const stageSha = push("stage", "origin/stage", "s.txt");
    const intoStage = push("polecat/q/w@1", "origin/stage", "w.txt");
    const ledger = openLedger(locate(join(rigDir(), ".beads")));
    const file = async (branch: string, target: string, sha: string) => {
      const bead = (await ledger.createIssue({ title: branch }, "test")).id;
      await ledger.updateIssue(bead, { status: "in_progress" }, "test");
      const fields = { branch, target, source_issue: bead, rig: "alpha", commit_sha: sha, retry_count: 0 };
      return (await createMergeRequest(ledger, { ...fields, worker: "alpha/polecats/q" }, 2, "test")).mr.id;
    };
    try {
      await file("release", "release", releaseSha);
      await file("stage", "main", stageSha);
      await file("polecat/q/w@1", "stage", intoStage);
    } finally {
      await ledger.close();
    }
    const report = await town.gtJson<{ landed: Array<{ branch: string }> }>([
      "refinery",
      "run-once",
      "alpha",
    ]);
    assert.deepEqual(report.landed.map((l) => l.branch).sort(), ["polecat/q/w@1", "release", "stage"]);
    assert.equal(originHas("refs/heads/release"), releaseSha, "release is still there");
    assert.ok(originHas("refs/heads/stage"), "stage is still there (another MR targets it)");
    assert.ok(git(origin, "ls-tree", "--name-only", "stage").split("\n").includes("w.txt"));
    assert.equal(originHas("refs/heads/polecat/q/w@1"), undefined, "the MR's own branch is tidied");
  });

  it("reusing an idle polecat saves its unpushed commits and uncommitted changes first", async () => {
    const a = await bd(["create", "first job", "--silent"]);
    const s = await slingOk([a, "alpha", "--no-start"]);
    commitIn(s.work_dir, "a.txt", "a\n");
    const done = await town.gt(["done"], { cwd: s.work_dir, env: polecatEnv(s.polecat!) });
    assert.equal(done.code, 0, done.stderr);
    // The agent kept going on the detached sandbox after gt done.
    const orphan = commitIn(s.work_dir, "orphan.txt", "only here\n");
    writeFileSync(join(s.work_dir, "loose.txt"), "never committed\n");
    git(s.work_dir, "rm", "-q", "README.md"); // a staged deletion: no path left to add

    const b = await bd(["create", "second job", "--silent"]);
    const next = await slingOk([b, `alpha/${s.polecat}`, "--no-start"]);
    assert.equal(next.polecat, s.polecat);
    assert.equal(next.action, "hooked");
    const rescued = git(
      origin,
      "for-each-ref",
      "--format=%(refname:short)",
      `refs/heads/polecat/${s.polecat}/`,
    )
      .split("\n")
      .filter((r) => r.includes("rescued-"));
    assert.equal(rescued.length, 1, `one rescue branch on origin: ${rescued.join(",")}`);
    const files = git(origin, "ls-tree", "-r", "--name-only", rescued[0]!).split("\n");
    assert.ok(files.includes("orphan.txt") && files.includes("loose.txt"), files.join(","));
    assert.ok(!files.includes("README.md"), "the staged deletion is part of the rescue");
    git(origin, "merge-base", "--is-ancestor", orphan, rescued[0]!);
    // The sandbox moved on cleanly to the new bead's branch.
    assert.equal(git(next.work_dir, "symbolic-ref", "--short", "HEAD"), next.branch);
    assert.ok(!existsSync(join(next.work_dir, "loose.txt")));
    const inbox = await town.gtJson<Array<{ subject: string; body: string }>>([
      "mail",
      "inbox",
      "--identity",
      "alpha/witness",
    ]);
    const notice = inbox.find((m) => m.subject === `RESCUED ${s.polecat}`);
    assert.ok(notice, inbox.map((m) => m.subject).join(" | "));
    assert.match(notice.body, new RegExp(rescued[0]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  });

  it("a sling killed after hooking is finished by the next sling of the bead, even at a live idle polecat", async () => {
    // A polecat that finished a job: idle, with its session still running.
    const warm = await bd(["create", "warm up", "--silent", "-d", "```sh\necho warm > warm.txt\n```"]);
    const first = await slingOk([warm, "alpha", "--agent", "script"]);
    await eventually(
      async () => (await show(warm)).status === "in_progress",
      30_000,
      "the warm-up to be done",
    );
    const polecats = await town.gtJson<Array<{ name: string; state: string; session_alive: boolean }>>([
      "polecat",
      "list",
      "alpha",
    ]);
    assert.ok(polecats.find((p) => p.name === first.polecat)?.session_alive, "idle session still alive");

    const id = await bd(["create", "interrupted", "--silent", "-d", "```sh\necho done > resumed.txt\n```"]);
    const paused = await startPaused(
      town,
      ["sling", id, `alpha/${first.polecat}`, "--agent", "script", "--no-convoy"],
      "sling:hooked",
    );
    await paused.kill();
    const stranded = await show(id);
    assert.equal(stranded.status, "hooked");
    assert.equal(stranded.metadata?.sling_stage, "hooking");

    const again = await slingOk([id, "alpha", "--agent", "script"]);
    assert.equal(again.action, "resumed");
    assert.equal(again.polecat, first.polecat);
    assert.match(again.branch ?? "", new RegExp(`^polecat/${first.polecat}/${id}@`));
    assert.notEqual(again.session_action, "none");
    // The agent got going on its own branch and handed the work over (the refinery, woken
    // by the sling, may have merged it already).
    await eventually(async () => (await show(id)).metadata?.merge_request, 30_000, "the resumed bead's MR");
    const handed = await show(id);
    assert.equal(handed.metadata?.branch, again.branch);
    const mr = await show(handed.metadata?.merge_request as string);
    assert.equal(mr.metadata?.branch, again.branch);
    const stop = await town.gt(["refinery", "stop", "alpha"]);
    assert.equal(stop.code, 0, stop.stderr);
    // A live agent would pick up what later cases hook without starting it.
    await nuke(first.polecat!);
  });

  it("an idle agent does not start on a bead before the sling has readied its sandbox", async () => {
    // Nothing merges in this case, so every commit the agent made must stay on a ref.
    await withMergeQueueOff(async () => {
      const warm = await bd(["create", "warm again", "--silent", "-d", "```sh\necho w > w2.txt\n```"]);
      const first = await slingOk([warm, "alpha", "--agent", "script"]);
      await eventually(async () => (await show(warm)).metadata?.merge_request, 30_000, "the warm-up MR");
      const name = first.polecat!;

      const id = await bd(["create", "racing the sandbox", "--silent", "-d", "```sh\necho r > r.txt\n```"]);
      const paused = await startPaused(
        town,
        ["sling", id, `alpha/${name}`, "--agent", "script", "--no-convoy"],
        "sling:hooked",
        { pauseMs: 3000 },
      );
      // The bead is hooked, its sandbox not made yet: an agent looking at its hook now must wait.
      const nudge = await town.gt([
        "nudge",
        `alpha/polecats/${name}`,
        "check your hook",
        "--mode",
        "immediate",
      ]);
      assert.equal(nudge.code, 0, nudge.stderr);
      const slung = await paused.finish();
      assert.equal(slung.code, 0, slung.stderr);
      await eventually(async () => (await show(id)).metadata?.merge_request, 30_000, "the bead's MR");
      const branch = (await show(id)).metadata?.branch as string;
      const workDir = join(rigDir(), "polecats", name, "alpha");
      const made = git(workDir, "reflog", "--format=%H %gs")
        .split("\n")
        .filter((l) => / commit/.test(l))
        .map((l) => l.split(" ")[0]!);
      for (const sha of made)
        assert.ok(
          git(origin, "for-each-ref", "--contains", sha, "refs/heads/").length > 0,
          `commit ${sha.slice(0, 8)} of ${name} is on a branch of origin (the bead's is ${branch})`,
        );
      await nuke(name);
    });
  });

  it("a bead slung again at the live agent that gave up on it is worked again", async () => {
    await withMergeQueueOff(async () => {
      const flag = join(town.scratch, `flag-${Date.now()}`);
      const id = await bd([
        "create",
        "needs a flag",
        "--silent",
        "-d",
        `\`\`\`sh\ntest -f ${flag}\necho ok > flagged.txt\n\`\`\`\n`,
      ]);
      const first = await slingOk([id, "alpha", "--agent", "script"]);
      await eventually(async () => (await show(id)).status === "blocked", 30_000, "the agent to give up");
      writeFileSync(flag, "");
      await bd(["update", id, "--status", "open"]);
      const again = await slingOk([id, `alpha/${first.polecat}`, "--agent", "script"]);
      assert.equal(again.session_action, "nudged", "the same live agent");
      await eventually(async () => (await show(id)).metadata?.merge_request, 30_000, "the second try's MR");
      await nuke(first.polecat!);
    });
  });

  it("a sling at a polecat rolls back the hook a killed sling left there", async () => {
    const d = await bd(["create", "left half-slung", "--silent"]);
    const paused = await startPaused(
      town,
      ["sling", d, "alpha", "--no-start", "--no-convoy"],
      "sling:hooked",
    );
    await paused.kill();
    const held = await show(d);
    assert.equal(held.status, "hooked");
    const name = held.assignee!.split("/").pop()!;

    const e = await bd(["create", "next job", "--silent"]);
    const next = await slingOk([e, `alpha/${name}`, "--no-start"]);
    assert.equal(next.action, "hooked");
    const back = await show(d);
    assert.equal(back.status, "open", "the half-slung bead is back in the ready pool");
    assert.equal(back.assignee ?? null, null);
    // A polecat busy with real work is not overwritten.
    const f = await bd(["create", "third", "--silent"]);
    const busy = await sling([f, `alpha/${name}`, "--no-start"]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /already has .* on its hook/);
    assert.equal((await show(e)).assignee, `alpha/polecats/${name}`);
  });

  it("of two racing slings of one bead the winner says it slung it and the other that it is hooked", async () => {
    const id = await bd(["create", "raced", "--silent"]);
    // The first sling stops for a moment right after hooking; the second runs meanwhile.
    const slow = await startPaused(
      town,
      ["sling", id, "alpha", "--no-start", "--no-convoy", "--json"],
      "sling:hooked",
      { pauseMs: 2500 },
    );
    const fast = await sling([id, "alpha", "--no-start"]);
    assert.equal(fast.code, 0, fast.stderr);
    assert.equal((JSON.parse(fast.stdout) as Report).outcomes[0]?.action, "already-hooked");
    const won = await slow.finish();
    assert.equal(won.code, 0, won.stderr);
    const o = (JSON.parse(won.stdout) as Report).outcomes[0]!;
    assert.equal(o.action, "hooked");
    assert.ok(o.branch, "the winner made the branch");
  });

  it("a deleted polecat worktree is rebuilt from the bead's branch and started", async () => {
    const id = await bd(["create", "lost tree", "--silent"]);
    const s = await slingOk([id, "alpha", "--no-start"]);
    const sha = commitIn(s.work_dir, "progress.txt", "half done\n");
    rmSync(s.work_dir, { recursive: true, force: true });

    const again = await slingOk([id, "alpha", "--agent", "script"]);
    assert.equal(again.action, "resumed");
    assert.equal(again.session_action, "started");
    assert.equal(again.branch, s.branch, "back on its own branch");
    assert.equal(git(again.work_dir, "rev-parse", "HEAD"), sha, "with the commit it had");
    assert.equal(readFileSync(join(again.work_dir, "progress.txt"), "utf8"), "half done\n");
    await nuke(again.polecat!);
  });

  it("a sling at an idle polecat whose worktree was deleted rebuilds it, leaving no stray branch", async () => {
    const id = await bd(["create", "idle one", "--silent"]);
    const s = await slingOk([id, "alpha", "--no-start"]);
    const un = await town.gt(["unsling", id]);
    assert.equal(un.code, 0, un.stderr);
    // Deleted by hand: git still has the worktree registered.
    rmSync(s.work_dir, { recursive: true, force: true });
    const next = await bd(["create", "on the rebuilt tree", "--silent"]);
    const o = await slingOk([next, `alpha/${s.polecat}`, "--no-start"]);
    assert.equal(o.action, "hooked");
    assert.equal(git(o.work_dir, "symbolic-ref", "--short", "HEAD"), o.branch);
    // Only the new bead's branch was made for it: no stray branch from a failed attempt.
    const bare = join(rigDir(), ".repo.git");
    const branches = git(
      bare,
      "for-each-ref",
      "--format=%(refname:short)",
      `refs/heads/polecat/${s.polecat}/`,
    );
    assert.ok(!branches.split("\n").some((b) => b.includes(`/${next}@`) && b !== o.branch), branches);

    // An empty leftover directory where the worktree was is no obstacle either.
    const un2 = await town.gt(["unsling", next]);
    assert.equal(un2.code, 0, un2.stderr);
    git(bare, "worktree", "remove", "--force", o.work_dir);
    mkdirSync(o.work_dir, { recursive: true });
    const third = await bd(["create", "into an empty dir", "--silent"]);
    const o3 = await slingOk([third, `alpha/${s.polecat}`, "--no-start"]);
    assert.equal(git(o3.work_dir, "symbolic-ref", "--short", "HEAD"), o3.branch);
  });

  it("a sling reusing a polecat whose gt done is still tidying its sandbox waits for it", async () => {
    // Found by the chaos run: done had released the hook, the sling switched the sandbox, and
    // done's own checkout then interleaved with it; the next commit deleted a merged file.
    const first = await bd(["create", "finishing", "--silent"]);
    const s = await slingOk([first, "alpha", "--no-start"]);
    commitIn(s.work_dir, "finishing.txt", "f\n");
    const done = await startPaused(town, ["done"], "done:hook-released", {
      pauseMs: 1500,
      cwd: s.work_dir,
      env: polecatEnv(s.polecat!),
    });
    const next = await bd(["create", "next on the same polecat", "--silent"]);
    const o = await slingOk([next, `alpha/${s.polecat}`, "--no-start"]);
    const d = await done.finish();
    assert.equal(d.code, 0, d.stderr);
    assert.equal(o.polecat, s.polecat);
    const head = execFileSync("git", ["symbolic-ref", "-q", "--short", "HEAD"], {
      cwd: o.work_dir,
      encoding: "utf8",
    }).trim();
    assert.equal(head, o.branch, "the sandbox stays on the new bead's branch");
    assert.equal(git(o.work_dir, "status", "--porcelain"), "", "index and files match the new branch");
  });

  it("a sandbox damaged while it is switched to the next bead is reset to that bead's branch", async () => {
    // Found by the chaos run (seed 7, rounds 66 and 95): right after the switch the index and
    // files lacked a file of the new branch, and the agent's `git add -A` committed its deletion.
    const first = await bd(["create", "before the switch", "--silent"]);
    const s = await slingOk([first, "alpha", "--no-start"]);
    commitIn(s.work_dir, "before.txt", "b\n");
    const done = await town.gt(["done"], { cwd: s.work_dir, env: polecatEnv(s.polecat!) });
    assert.equal(done.code, 0, done.stderr);
    const next = await bd(["create", "after the switch", "--silent"]);
    const paused = await startPaused(
      town,
      ["sling", next, `alpha/${s.polecat}`, "--no-start", "--no-convoy", "--json"],
      "sandbox:switched",
      { pauseMs: 1500 },
    );
    git(s.work_dir, "rm", "-q", "README.md"); // the damage: a tracked file gone from index and disk
    const r = await paused.finish();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(git(s.work_dir, "status", "--porcelain", "--untracked-files=no"), "");
    assert.equal(readFileSync(join(s.work_dir, "README.md"), "utf8"), "# project\n");
    const events = readFileSync(join(town.root, ".events.jsonl"), "utf8");
    assert.match(events, /"type":"sandbox_repaired".*"README\.md"/);
  });

  it("a refinery killed after landing finishes deleting the merged branches on its next run", async () => {
    // Earlier slings woke the rig's refinery; this case runs it by hand.
    assert.equal((await town.gt(["refinery", "stop", "alpha"])).code, 0);
    const id = await bd(["create", "to merge", "--silent"]);
    const s = await slingOk([id, "alpha", "--no-start"]);
    commitIn(s.work_dir, "merged.txt", "m\n");
    const done = await town.gt(["done"], { cwd: s.work_dir, env: polecatEnv(s.polecat!) });
    assert.equal(done.code, 0, done.stderr);
    assert.ok(originHas(`refs/heads/${s.branch}`));
    const run = await startPaused(town, ["refinery", "run-once", "alpha"], "refinery:landed");
    await run.kill();
    assert.equal((await show(id)).status, "closed", "landed and closed before the kill");
    assert.ok(originHas(`refs/heads/${s.branch}`), "killed before tidying");
    const r = await town.gt(["refinery", "run-once", "alpha"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(originHas(`refs/heads/${s.branch}`), undefined, "tidied on the next run");
  });

  it("a git lock left in the refinery's worktree by a kill does not stop the queue", async () => {
    assert.equal((await town.gt(["refinery", "stop", "alpha"])).code, 0);
    const id = await bd(["create", "behind a stale lock", "--silent"]);
    const s = await slingOk([id, "alpha", "--no-start"]);
    commitIn(s.work_dir, "locked.txt", "l\n");
    const done = await town.gt(["done"], { cwd: s.work_dir, env: polecatEnv(s.polecat!) });
    assert.equal(done.code, 0, done.stderr);
    const gitDir = git(join(rigDir(), "refinery", "rig"), "rev-parse", "--absolute-git-dir");
    const lock = join(gitDir, "index.lock");
    writeFileSync(lock, "");
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lock, old, old);
    const r = await town.gtJson<{ landed: Array<{ source_issue: string }> }>([
      "refinery",
      "run-once",
      "alpha",
    ]);
    assert.deepEqual(
      r.landed.map((l) => l.source_issue),
      [id],
    );
    assert.equal((await show(id)).status, "closed");
  });

  it("long names fail in words; an unsafe bead id still gives a valid branch", async () => {
    const long = "a".repeat(300);
    for (const args of [
      ["rig", "add", long, origin],
      ["crew", "add", long, "--rig", "alpha"],
      ["sling", "al-x", `alpha/${long}`],
    ]) {
      const r = await town.gt(args);
      assert.equal(r.code, 1, `gt ${args[0]}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /ENAMETOOLONG/);
      assert.match(r.stderr, /at most 64/);
    }
    // A ledger may hold ids bd would not make (old imports, hand edits); branches stay valid.
    const made = await bd(["create", "odd id", "--silent"]);
    const db = new DatabaseSync(join(rigDir(), ".beads", "beads.db"));
    try {
      db.prepare("UPDATE issues SET id = ? WHERE id = ?").run("al-x..y", made);
    } finally {
      db.close();
    }
    const o = await slingOk(["al-x..y", "alpha", "--no-start"]);
    assert.match(o.branch ?? "", new RegExp(`^polecat/${o.polecat}/al-x\\.y@[0-9a-z]+$`));
    execFileSync("git", ["check-ref-format", `refs/heads/${o.branch}`]);
  });
});
