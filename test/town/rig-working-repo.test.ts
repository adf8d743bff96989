// A rig made from a local working (non-bare) repository, through the real executables. Git
// refuses pushes to a checked-out branch, so such a rig used to retry its landing forever
// and fill the user's repository with polecat branches. Now gt rig add refuses it with the
// fix named and changes nothing; with --mirror the rig works on a bare mirror, and each
// refinery round fast-forwards the user's branch to the merged work (and takes the user's
// own new commits first), without touching the user's repository's config.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { commitIn, git, makeRepo, newTown, slingNew, type TestTown } from "../helpers/town.ts";

interface LandingFailure {
  stage: string;
  target: string | null;
  summary: string;
  reason: string;
  attempts: number;
}
interface RunReport {
  landed: Array<{ mr: string; commit: string }>;
  working_repo: {
    path: string;
    pulled: string | null;
    delivered: string | null;
    problem: string | null;
  } | null;
}

describe("a rig on a local working repository", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "app");
  /** What gt could change in the user's repository without asking: its config and its refs. */
  const footprint = () => ({
    config: git(project, "config", "--local", "--list"),
    refs: git(project, "for-each-ref", "--format=%(refname) %(objectname)"),
  });

  /** A bead slung to a new polecat (not started), a commit of `file`, and gt done. */
  const deliverBead = async (title: string, file: string) => {
    const o = await slingNew(town, "app", title);
    commitIn(o.work_dir, file, `${title}\n`);
    const done = await town.gt(["done"], {
      cwd: o.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "app", GT_POLECAT: o.polecat },
    });
    assert.equal(done.code, 0, done.stderr);
    return o;
  };
  const runOnce = () => town.gtJson<RunReport>(["refinery", "run-once", "app"]);
  const landingFailure = async () =>
    (await town.gtJson<{ landing_failure: LandingFailure | null }>(["mq", "status", "app"])).landing_failure;

  before(async () => {
    town = await newTown("subprocess");
    project = makeRepo(join(town.scratch, "project"), { "README.md": "# project\n" });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt rig add refuses a working repository without --mirror, names the fix and changes nothing", async () => {
    const before = footprint();
    const rigsBefore = readFileSync(join(town.root, "mayor", "rigs.json"), "utf8");
    for (const source of [project, `file://${project}`]) {
      const r = await town.gt(["rig", "add", "app", source]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /is a working repository \(not bare\)/);
      assert.match(r.stderr, /--mirror/);
      assert.match(r.stderr, /git clone --bare/);
    }
    assert.ok(!existsSync(rigDir()), "no half-made rig");
    assert.equal(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8"), rigsBefore);
    assert.deepEqual(footprint(), before, "the user's repository is untouched");

    // --mirror is for working repositories only.
    const bare = join(town.scratch, "bare.git");
    execFileSync("git", ["clone", "--quiet", "--bare", project, bare]);
    const wrong = await town.gt(["rig", "add", "other", bare, "--mirror"]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--mirror is for a local working repository/);
    assert.ok(!existsSync(join(town.root, "other")));
  });

  it("with --mirror a bead is slung, done and merged, and the user's branch has the merge", async () => {
    const before = footprint();
    const added = await town.gtJson<{ git_url: string; working_repo: string }>([
      "rig",
      "add",
      "app",
      project,
      "--mirror",
    ]);
    assert.equal(added.working_repo, project);
    assert.equal(added.git_url, join(rigDir(), ".mirror.git"));
    await town.gt(["rig", "config", "set", "app", "test_command", "test -f README.md"]);

    const o = await deliverBead("first feature", "feature.txt");
    // The polecat branch went to the mirror, never to the user's repository.
    assert.ok(git(added.git_url, "rev-parse", "--verify", `refs/heads/${o.branch}`));
    assert.deepEqual(footprint(), before, "nothing reached the user's repository yet");

    const report = await runOnce();
    assert.equal(report.landed.length, 1);
    const merged = report.landed[0]!.commit;
    assert.equal(report.working_repo?.delivered, merged);
    assert.equal(report.working_repo?.problem, null);
    // The user's checked-out main is at the merge, its work tree updated, nothing else added.
    assert.equal(git(project, "rev-parse", "main"), merged);
    assert.equal(readFileSync(join(project, "feature.txt"), "utf8"), "first feature\n");
    assert.equal(git(project, "status", "--porcelain"), "");
    assert.equal(git(project, "for-each-ref", "--format=%(refname)"), "refs/heads/main");
    assert.equal(git(project, "config", "--local", "--list"), before.config, "its config is untouched");
    assert.equal(await landingFailure(), null);
  });

  it("the user's own commits reach the mirror first, and the next merge builds on them", async () => {
    const mine = commitIn(project, "mine.txt", "the user's work\n");
    const report = await runOnce();
    assert.equal(report.working_repo?.pulled, mine);
    assert.equal(git(join(rigDir(), ".mirror.git"), "rev-parse", "main"), mine);

    await deliverBead("second feature", "second.txt");
    const next = await runOnce();
    assert.equal(next.landed.length, 1);
    const top = next.landed[0]!.commit;
    assert.equal(git(project, "rev-parse", "main"), top);
    git(project, "merge-base", "--is-ancestor", mine, top);
    assert.ok(existsSync(join(project, "mine.txt")) && existsSync(join(project, "second.txt")));
  });

  it("a dirty work tree holds the delivery back, shows why, and loses nothing", async () => {
    writeFileSync(join(project, "README.md"), "# project\nunsaved edit\n");
    const before = git(project, "rev-parse", "main");
    await deliverBead("third feature", "third.txt");
    const report = await runOnce();
    assert.equal(report.landed.length, 1, "the merge lands in the mirror all the same");
    assert.match(report.working_repo?.problem ?? "", /cannot fast-forward main/);
    assert.equal(git(project, "rev-parse", "main"), before);
    assert.equal(readFileSync(join(project, "README.md"), "utf8"), "# project\nunsaved edit\n");

    const failure = await landingFailure();
    assert.equal(failure?.stage, "deliver");
    assert.match(failure!.reason, /unstaged changes/, "git's own reason, in full");
    assert.match(failure!.summary, /git -C .* pull .*\.mirror\.git main/);
    const status = await town.gtJson<{
      summary: { landing_failures: number };
      rigs: Array<{ name: string; landing_failure: LandingFailure | null }>;
    }>(["status"]);
    assert.equal(status.summary.landing_failures, 1);
    assert.equal(status.rigs.find((r) => r.name === "app")?.landing_failure?.stage, "deliver");

    // The user sets the edit aside; the next round delivers and the failure is gone.
    git(project, "stash", "-q");
    const again = await runOnce();
    assert.equal(again.working_repo?.problem, null);
    assert.ok(existsSync(join(project, "third.txt")));
    assert.equal(await landingFailure(), null);
  });

  it("when both sides moved on nothing moves, and the user is told to pull", async () => {
    const mirror = join(rigDir(), ".mirror.git");
    const mine = commitIn(project, "diverged.txt", "mine\n");
    await deliverBead("fourth feature", "fourth.txt");
    // Land first without seeing the user's commit: the MR merges into the mirror as it was.
    git(project, "reset", "-q", "--hard", "HEAD~1");
    const landed = await runOnce();
    assert.equal(landed.landed.length, 1);
    git(project, "reset", "-q", "--hard", mine);
    const r = await runOnce();
    assert.match(r.working_repo?.problem ?? "", /both moved on/);
    assert.equal(git(project, "rev-parse", "main"), mine, "the user's branch stays");
    assert.equal(git(mirror, "rev-parse", "main"), landed.landed[0]!.commit, "the mirror stays");
    assert.equal((await landingFailure())?.stage, "sync");

    git(project, "-c", "user.name=t", "-c", "user.email=t@e", "pull", "-q", "--no-rebase", mirror, "main");
    const healed = await runOnce();
    assert.equal(healed.working_repo?.problem, null);
    assert.equal(git(mirror, "rev-parse", "main"), git(project, "rev-parse", "main"));
    assert.equal(await landingFailure(), null);
  });
});
