// gt doctor on a rig's worktrees, with real git: a hooked polecat's sandbox deleted by
// hand (git still lists it) is pruned and rebuilt on the bead's branch with its commit; an
// idle polecat's sandbox is rebuilt detached at the default branch; a sandbox git no
// longer knows (its admin dir gone) is moved aside with its uncommitted file and rebuilt; a
// .git link git can repair itself is repaired in place; a deleted refinery worktree comes back; excludes taken out of info/exclude are added again.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, commitIn, git, newTown, slingNew, type TestTown } from "../helpers/town.ts";
import { checkOf, doctorJson, expectClean } from "./helpers.ts";

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("gt doctor: worktrees and excludes", () => {
  let town: TestTown;
  let bare: string;

  before(async () => {
    town = await newTown("tmux");
    await addBareRig(town, "alpha");
    bare = join(town.root, "alpha", ".repo.git");
  });
  after(async () => town?.cleanup());

  it("rebuilds a hooked polecat's deleted sandbox on its bead's branch, commits and all", async () => {
    const slung = await slingNew(town, "alpha", "Deleted by hand");
    const head = commitIn(slung.work_dir, "work.txt", "done so far\n");
    rmSync(slung.work_dir, { recursive: true, force: true });

    const report = await doctorJson(town);
    const registry = checkOf(report, "worktree-registry");
    assert.equal(registry.status, "warning");
    assert.match(
      registry.details[0]!,
      /polecats\/\w+\/alpha \(gitdir file points to non-existent location\)/,
    );
    const worktrees = checkOf(report, "worktrees");
    assert.equal(worktrees.status, "error", "work is hooked there");
    assert.match(
      worktrees.message,
      new RegExp(
        `^alpha/polecats/${slung.polecat.split("/").pop()} \\(hooked: ${slung.bead}\\) has no worktree`,
      ),
    );

    const fix = await town.gt(["doctor", "--fix"]);
    assert.equal(fix.code, 0, fix.stdout);
    assert.match(fix.stdout, /pruned alpha's shared repo's worktree list/);
    assert.match(
      fix.stdout,
      new RegExp(`rebuilt \\S+ on ${literal(slung.branch)} for ${literal(slung.bead)}`),
    );
    assert.equal(git(slung.work_dir, "rev-parse", "HEAD"), head);
    assert.equal(git(slung.work_dir, "symbolic-ref", "--short", "HEAD"), slung.branch);
    assert.equal(readFileSync(join(slung.work_dir, "work.txt"), "utf8"), "done so far\n");
    await expectClean(town);
  });

  it("rebuilds an idle polecat's missing sandbox detached at the default branch", async () => {
    const slung = await slingNew(town, "alpha", "Finished elsewhere");
    const unsling = await town.gt(["unsling", slung.bead]);
    assert.equal(unsling.code, 0, unsling.stderr);
    git(bare, "worktree", "remove", "--force", slung.work_dir);
    const c = checkOf(await doctorJson(town), "worktrees");
    assert.equal(c.status, "warning", "an idle polecat's missing sandbox costs no work");
    assert.match(c.message, /\(idle\) has no worktree/);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "worktrees").fixed, true);
    assert.equal(
      git(slung.work_dir, "rev-parse", "HEAD"),
      git(bare, "rev-parse", "refs/remotes/origin/main"),
    );
    assert.throws(() => git(slung.work_dir, "symbolic-ref", "-q", "HEAD"), "detached");
    assert.equal(readFileSync(join(slung.work_dir, ".beads", "redirect"), "utf8"), "../../../.beads\n");
    await expectClean(town);
  });

  it("moves a sandbox git no longer knows aside, uncommitted work kept, and rebuilds it", async () => {
    const slung = await slingNew(town, "alpha", "Admin dir lost");
    writeFileSync(join(slung.work_dir, "unsaved.txt"), "not committed\n");
    const gitdir = readFileSync(join(slung.work_dir, ".git"), "utf8")
      .replace(/^gitdir: /, "")
      .trim();
    rmSync(gitdir, { recursive: true, force: true });

    const c = checkOf(await doctorJson(town), "worktrees");
    assert.equal(c.status, "error");
    assert.match(c.message, /is not a worktree of alpha's shared repo that git knows/);
    const fixed = checkOf(await doctorJson(town, ["--fix"]), "worktrees");
    assert.equal(fixed.fixed, true, fixed.details.join("\n"));
    const moved = fixed.details.find((d) => d.startsWith("moved "));
    assert.ok(moved, fixed.details.join("\n"));
    const aside = readdirSync(dirname(slung.work_dir)).find((n) =>
      n.startsWith(`${basename(slung.work_dir)}.orphaned-`),
    );
    assert.ok(aside, "the old directory is kept beside the new sandbox");
    assert.equal(
      readFileSync(join(dirname(slung.work_dir), aside, "unsaved.txt"), "utf8"),
      "not committed\n",
    );
    assert.equal(git(slung.work_dir, "symbolic-ref", "--short", "HEAD"), slung.branch);
    assert.equal(existsSync(join(slung.work_dir, "unsaved.txt")), false);
    await expectClean(town);
  });

  it("lets git repair a sandbox whose .git link broke, keeping it and its uncommitted work in place", async () => {
    const name = readdirSync(join(town.root, "alpha", "polecats")).sort()[0]!;
    const dir = join(town.root, "alpha", "polecats", name, "alpha");
    const head = git(dir, "rev-parse", "HEAD");
    writeFileSync(join(dir, "draft.txt"), "in progress\n");
    writeFileSync(join(dir, ".git"), "gitdir: /nonexistent/worktrees/alpha\n"); // a town moved from elsewhere
    assert.equal(checkOf(await doctorJson(town), "worktrees").status, "error");
    const fixed = checkOf(await doctorJson(town, ["--fix"]), "worktrees");
    assert.equal(fixed.fixed, true, fixed.details.join("\n"));
    assert.deepEqual(fixed.details, [`repaired git's links for alpha/polecats/${name}/alpha`]);
    assert.equal(git(dir, "rev-parse", "HEAD"), head);
    assert.equal(readFileSync(join(dir, "draft.txt"), "utf8"), "in progress\n");
    rmSync(join(dir, "draft.txt"));
    await expectClean(town);
  });

  it("rebuilds a deleted refinery worktree", async () => {
    const refinery = join(town.root, "alpha", "refinery", "rig");
    rmSync(refinery, { recursive: true, force: true });
    const c = checkOf(await doctorJson(town), "worktrees");
    assert.equal(c.status, "error");
    assert.equal(c.message, "alpha/refinery has no worktree at alpha/refinery/rig");
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "worktrees").fixed, true);
    assert.equal(git(refinery, "rev-parse", "--path-format=absolute", "--git-common-dir"), bare);
    assert.equal(readFileSync(join(refinery, ".beads", "redirect"), "utf8"), "../../.beads\n");
    await expectClean(town);
  });

  it("adds Gas Town's runtime patterns back to the shared repo's info/exclude", async () => {
    const exclude = join(bare, "info", "exclude");
    const before = readFileSync(exclude, "utf8");
    writeFileSync(exclude, before.replace(".claude/\n", "").replace(".beads/redirect\n", ""));
    const c = checkOf(await doctorJson(town), "git-excludes");
    assert.equal(c.status, "warning");
    assert.deepEqual(c.details, ["alpha/.repo.git/info/exclude: missing .beads/redirect .claude/"]);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "git-excludes").fixed, true);
    const lines = readFileSync(exclude, "utf8").split("\n");
    assert.ok(lines.includes(".claude/") && lines.includes(".beads/redirect"));
    // In a sandbox, an agent's settings file is again nothing git offers to commit.
    const name = readdirSync(join(town.root, "alpha", "polecats"))[0]!;
    const dir = join(town.root, "alpha", "polecats", name, "alpha");
    mkdirSync(join(dir, ".claude"), { recursive: true });
    writeFileSync(join(dir, ".claude", "settings.json"), "{}\n");
    assert.doesNotMatch(git(dir, "status", "--porcelain", "--untracked-files=all"), /\.claude/);
    await expectClean(town);
  });
});
