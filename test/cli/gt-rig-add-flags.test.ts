// gt rig add's fork and reuse flags (--local-repo, --push-url, --upstream-url) and --adopt,
// through the real executable: real git repositories, a polecat's gt done and the
// refinery's landing against a read-only upstream and a fork.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  changeSettings,
  commitIn,
  failsInOneLine,
  git,
  makeRepo,
  newTown,
  refSha,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Added {
  name: string;
  git_url: string;
  push_url: string | null;
  upstream_url: string | null;
  local_repo: string | null;
  working_repo: string | null;
  checkout?: string;
  path: string;
  added_at: string;
}

describe("gt rig add flags", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const bare = (from: string, to: string) => {
    execFileSync("git", ["clone", "--quiet", "--bare", from, to]);
    return to;
  };
  const rigsJson = () => readFileSync(join(town.root, "mayor", "rigs.json"), "utf8");

  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("--local-repo borrows the local repository's objects (an alternates file names it)", async () => {
    const local = makeRepo(join(town.scratch, "local-copy"));
    const origin = bare(local, join(town.scratch, "shared.git"));
    const r = await town.gtJson<Added>(["rig", "add", "shared", origin, "--local-repo", local]);
    assert.equal(r.local_repo, realpathSync(local));
    const alternates = readFileSync(
      join(town.root, "shared", ".repo.git", "objects", "info", "alternates"),
      "utf8",
    );
    assert.ok(
      alternates
        .split("\n")
        .some((l) => l && realpathSync(l) === realpathSync(join(local, ".git", "objects"))),
      alternates,
    );
    const cfg = JSON.parse(readFileSync(join(town.root, "shared", "config.json"), "utf8"));
    assert.equal(cfg.local_repo, realpathSync(local));
    // The polecats' worktrees work through the borrowed objects.
    const s = await slingNew(town, "shared", "borrowed objects");
    assert.equal(readFileSync(join(s.work_dir, "README.md"), "utf8"), "# demo\n");
  });

  it("--push-url and --upstream-url: fetch from the read-only source, gt done and the refinery push to the fork", async () => {
    const seed = makeRepo(join(town.scratch, "forked-seed"));
    const upstream = bare(seed, join(town.scratch, "upstream.git"));
    const source = bare(seed, join(town.scratch, "source.git"));
    const fork = bare(seed, join(town.scratch, "fork.git"));
    const before = refSha(source, "refs/heads/main");
    const r = await town.gtJson<Added>([
      "rig",
      "add",
      "forked",
      source,
      "--push-url",
      fork,
      "--upstream-url",
      upstream,
    ]);
    assert.deepEqual([r.push_url, r.upstream_url], [fork, upstream]);
    const repo = join(town.root, "forked", ".repo.git");
    const mayor = join(town.root, "forked", "mayor", "rig");
    assert.equal(git(repo, "config", "remote.origin.pushurl"), fork);
    // The shared repository reads back what it pushes; the mayor's clone fetches from the source.
    assert.equal(git(repo, "config", "remote.origin.url"), fork);
    assert.equal(git(mayor, "config", "remote.origin.url"), source);
    assert.equal(git(repo, "remote", "get-url", "upstream"), upstream);
    assert.equal(git(mayor, "config", "remote.origin.pushurl"), fork);
    assert.equal(git(mayor, "remote", "get-url", "upstream"), upstream);
    const cfg = JSON.parse(readFileSync(join(town.root, "forked", "config.json"), "utf8"));
    assert.deepEqual([cfg.push_url, cfg.upstream_url], [fork, upstream]);
    const listed = (await town.gtJson<Added[]>(["rig", "list"])).find((x) => x.name === "forked")!;
    assert.deepEqual([listed.push_url, listed.upstream_url], [fork, upstream]);

    changeSettings(
      town,
      (settings) => {
        settings.merge_queue = { test_command: "true" };
      },
      "forked",
    );
    const s = await slingNew(town, "forked", "work for the fork");
    commitIn(s.work_dir, "forked.txt", "f\n");
    const env = { GT_ROLE: "polecat", GT_RIG: "forked", GT_POLECAT: s.polecat };
    const done = await town.gt(["done", "--json"], { cwd: s.work_dir, env });
    assert.equal(done.code, 0, done.stderr);
    assert.ok(refSha(fork, `refs/heads/${s.branch}`), "gt done pushed the polecat branch to the fork");
    assert.equal(refSha(source, `refs/heads/${s.branch}`), undefined, "nothing pushed to the source");

    const run = await town.gtJson<{ landed: Array<{ mr: string }> }>(["refinery", "run-once", "forked"]);
    assert.equal(run.landed.length, 1, JSON.stringify(run));
    assert.equal(git(fork, "show", "main:forked.txt"), "f");
    assert.equal(refSha(source, "refs/heads/main"), before, "the source is only read");
    assert.equal(refSha(upstream, "refs/heads/main"), before);
  });

  it("--push-url to an empty fork gives it the target branch first", async () => {
    const source = bare(makeRepo(join(town.scratch, "empty-fork-seed")), join(town.scratch, "src2.git"));
    const fork = join(town.scratch, "empty-fork.git");
    git(town.scratch, "init", "-q", "--bare", fork);
    await town.gtJson<Added>(["rig", "add", "seeded", source, "--push-url", fork]);
    assert.equal(refSha(fork, "refs/heads/main"), refSha(source, "refs/heads/main"));
  });

  it("--adopt registers the checkout already in the town, its origin detected", async () => {
    const origin = bare(makeRepo(join(town.scratch, "adopt-seed")), join(town.scratch, "adopted.git"));
    const dir = join(town.root, "adopted");
    git(town.root, "clone", "-q", origin, dir);
    writeFileSync(join(dir, "mine.txt"), "uncommitted work stays\n");
    const r = await town.gtJson<Added>(["rig", "add", "adopted", "--adopt"]);
    assert.equal(r.git_url, origin);
    assert.equal(r.checkout, join(dir, "mayor", "rig"));
    assert.equal(readFileSync(join(dir, "mayor", "rig", "mine.txt"), "utf8"), "uncommitted work stays\n");
    assert.ok(existsSync(join(dir, ".repo.git")));
    assert.ok(existsSync(join(dir, "refinery", "rig", "README.md")));
    assert.match(rigsJson(), /"adopted"/);
    const s = await slingNew(town, "adopted", "work in an adopted rig");
    assert.ok(existsSync(join(s.work_dir, "README.md")));
  });

  it("--adopt registers again a rig gt rig remove left on disk, as it is", async () => {
    const before = (await town.gtJson<Array<Added & { prefix: string }>>(["rig", "list"])).find(
      (x) => x.name === "adopted",
    )!;
    assert.equal((await town.gt(["rig", "remove", "adopted"])).code, 0);
    assert.doesNotMatch(rigsJson(), /"adopted"/);
    await fails(
      ["rig", "add", "adopted", "--adopt", "--url", before.git_url],
      /a rig already .*without --url/,
    );
    const r = await town.gtJson<Added & { prefix: string }>(["rig", "add", "adopted", "--adopt"]);
    assert.deepEqual([r.prefix, r.git_url, r.checkout], [before.prefix, before.git_url, null]);
    const again = (await town.gtJson<Array<Added & { prefix: string }>>(["rig", "list"])).find(
      (x) => x.name === "adopted",
    );
    assert.deepEqual(again, { ...before, added_at: again?.added_at });
  });

  it("--adopt --url takes the given origin", async () => {
    const origin = bare(makeRepo(join(town.scratch, "url-seed")), join(town.scratch, "byurl.git"));
    const dir = join(town.root, "byurl");
    git(town.root, "clone", "-q", origin, dir);
    git(dir, "remote", "remove", "origin");
    const r = await town.gtJson<Added>(["rig", "add", "byurl", "--adopt", "--url", origin]);
    assert.equal(r.git_url, origin);
    assert.equal(git(join(dir, ".repo.git"), "config", "remote.origin.url"), origin);
  });

  it("--adopt refuses a checkout without a remote and leaves it as it was; --force adopts it as a local rig", async () => {
    const dir = makeRepo(join(town.root, "loner"));
    const rigsBefore = rigsJson();
    await fails(["rig", "add", "loner", "--adopt"], /no origin remote.*--url.*--force/);
    assert.ok(existsSync(join(dir, ".git")) && existsSync(join(dir, "README.md")));
    assert.ok(!existsSync(join(dir, "mayor")));
    assert.equal(rigsJson(), rigsBefore);

    const r = await town.gtJson<Added>(["rig", "add", "loner", "--adopt", "--force"]);
    assert.equal(r.working_repo, join(dir, "mayor", "rig"));
    assert.equal(r.git_url, join(dir, ".mirror.git"));
    assert.equal(refSha(r.git_url, "refs/heads/main"), git(join(dir, "mayor", "rig"), "rev-parse", "HEAD"));
  });

  it("a failed adopt puts the checkout back and registers nothing", async () => {
    const origin = bare(makeRepo(join(town.scratch, "clash-seed")), join(town.scratch, "clash.git"));
    const dir = join(town.root, "clash");
    git(town.root, "clone", "-q", origin, dir);
    const rigsBefore = rigsJson();
    // The prefix of the first rig is taken: refused before anything moves.
    const [someRig] = Object.values(
      JSON.parse(rigsBefore).rigs as Record<string, { beads: { prefix: string } }>,
    );
    const taken = someRig!.beads.prefix;
    await fails(["rig", "add", "clash", "--adopt", "--prefix", taken], /prefix ".*" is already used/);
    // A branch the origin lacks fails after the checkout moved in: it goes back.
    const configBefore = readFileSync(join(dir, ".git", "config"), "utf8");
    await fails(
      ["rig", "add", "clash", "--adopt", "--branch", "nope", "--upstream-url", origin],
      /branch "nope" not found/,
    );
    assert.equal(readFileSync(join(dir, ".git", "config"), "utf8"), configBefore);
    assert.ok(existsSync(join(dir, ".git")) && existsSync(join(dir, "README.md")));
    assert.ok(!existsSync(join(dir, "mayor")) && !existsSync(join(dir, ".repo.git")));
    assert.ok(!existsSync(`${dir}.adopting-${process.pid}`));
    assert.equal(rigsJson(), rigsBefore);
    assert.equal(git(dir, "status", "--porcelain"), "");
  });

  it("a failure after the checkout's remotes were set puts its config back too", async () => {
    // The town's own prefix: the project's tracked beads cannot keep it.
    const seed = makeRepo(join(town.scratch, "tracked-seed"), {
      "README.md": "# t\n",
      ".beads/config.yaml": "issue-prefix: hq\n",
    });
    const origin = bare(seed, join(town.scratch, "tracked.git"));
    const dir = join(town.root, "tracked");
    git(town.root, "clone", "-q", origin, dir);
    const configBefore = readFileSync(join(dir, ".git", "config"), "utf8");
    await fails(
      ["rig", "add", "tracked", "--adopt", "--upstream-url", origin, "--push-url", origin],
      /beads prefix ".*" is already used/,
    );
    assert.equal(readFileSync(join(dir, ".git", "config"), "utf8"), configBefore);
    assert.deepEqual(git(dir, "status", "--porcelain", "--ignored"), "");
    assert.ok(!existsSync(join(dir, "mayor")));
  });

  it("bad input: one line, nothing made", async () => {
    const src = makeRepo(join(town.scratch, "bad-src"));
    const rigsBefore = rigsJson();
    await fails(
      ["rig", "add", "bad1", src, "--mirror", "--local-repo", join(town.scratch, "missing")],
      /--local-repo: .* does not exist/,
    );
    await fails(
      ["rig", "add", "bad2", src, "--mirror", "--local-repo", town.scratch],
      /--local-repo: .* not a git repository/,
    );
    await fails(["rig", "add", "bad3", src, "--mirror", "--push-url", " "], /--push-url must not be empty/);
    await fails(
      ["rig", "add", "bad8", src, "--mirror", "--push-url", join(town.scratch, "no-fork.git")],
      /cannot read --push-url .*no-fork\.git/,
    );
    await fails(["rig", "add", "bad4"], /a source is required/);
    await fails(["rig", "add", "bad5", src, "--url", src], /--url and --force go with --adopt/);
    await fails(["rig", "add", "bad6", "--adopt"], /nothing to adopt: .* does not exist/);
    await fails(["rig", "add", "bad7", src, "--adopt"], /--adopt takes no source/);
    for (const n of ["bad1", "bad2", "bad3", "bad4", "bad5", "bad6", "bad7", "bad8"])
      assert.ok(!existsSync(join(town.root, n)), n);
    assert.equal(rigsJson(), rigsBefore);
  });
});
