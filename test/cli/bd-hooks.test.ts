import "../helpers/isolation.ts";
// bd hooks install|uninstall|list in real git repositories: the user's own hooks keep
// running, a commit carries issues.jsonl, and a merge brings the other side's beads into
// the database before any bd command runs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, ROOT, tempDir } from "../helpers/bd.ts";

const PATH_WITH_BD = `${join(ROOT, "bin")}:${process.env.PATH}`;
const env = { ...process.env, PATH: PATH_WITH_BD };
const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8", env }).trim();

async function repoWithLedger(dir: string) {
  sh(dir, "init", "-q", "-b", "main");
  const r = await bd(dir, ["init", "--prefix", "hk", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
}

interface Status {
  Name: string;
  Installed: boolean;
  Version: string;
  IsShim: boolean;
  Outdated: boolean;
}

describe("bd hooks", { concurrency: true }, () => {
  it("install keeps the user's hook, list reports it, a commit carries the JSONL, uninstall leaves the user's part", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const repo = tmp.dir;
    await repoWithLedger(repo);
    const userHook = join(repo, ".git", "hooks", "pre-commit");
    writeFileSync(userHook, `#!/bin/sh\necho ran >> "${join(repo, "user-hook.log")}"\n`);
    chmodSync(userHook, 0o755);

    const before = await bdJson<{ hooks: Status[] }>(repo, ["hooks", "list"]);
    assert.deepEqual(
      before.hooks.map((h) => [h.Name, h.Installed, h.IsShim]),
      [
        ["pre-commit", true, false],
        ["post-merge", false, false],
        ["pre-push", false, false],
        ["post-checkout", false, false],
        ["prepare-commit-msg", false, false],
      ],
    );
    const inst = await bdJson<{ success: boolean }>(repo, ["hooks", "install"]);
    assert.equal(inst.success, true);
    const again = await bd(repo, ["hooks", "install"]);
    assert.equal(again.code, 0, again.stderr);
    const hook = readFileSync(userHook, "utf8");
    assert.match(hook, /user-hook\.log/, "the user's line is kept");
    assert.equal(
      hook.match(/BEGIN BEADS INTEGRATION/g)?.length,
      1,
      "reinstalling replaces, never duplicates",
    );
    const after = await bdJson<{ hooks: Status[] }>(repo, ["hooks", "list"]);
    assert.ok(after.hooks.every((h) => h.Installed && h.IsShim && h.Version.length > 0));
    assert.match((await bd(repo, ["hooks", "list"])).stdout, /✓ post-merge: installed \(shim /);

    const id = await createIssue(repo, "Travels with the commit");
    writeFileSync(join(repo, "code.txt"), "code\n");
    sh(repo, "add", "code.txt");
    sh(repo, "commit", "-qm", "code only");
    const files = sh(repo, "show", "--name-only", "--format=", "HEAD").split("\n");
    assert.ok(files.includes(".beads/issues.jsonl"), files.join(","));
    assert.match(sh(repo, "show", "HEAD:.beads/issues.jsonl"), new RegExp(id));
    assert.equal(readFileSync(join(repo, "user-hook.log"), "utf8"), "ran\n", "the user's hook ran once");
    assert.ok(!sh(repo, "show", "--name-only", "--format=", "HEAD").includes("beads.db"));

    const un = await bd(repo, ["hooks", "uninstall"]);
    assert.equal(un.code, 0, un.stderr);
    assert.equal(readFileSync(userHook, "utf8").includes("BEADS"), false);
    assert.match(readFileSync(userHook, "utf8"), /user-hook\.log/);
    assert.equal(existsSync(join(repo, ".git", "hooks", "post-merge")), false, "bd-only hooks are removed");
  });

  it("a merge brings the other side's beads into the database, and a branch checkout too", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const a = join(tmp.dir, "a");
    const b = join(tmp.dir, "b");
    execFileSync("mkdir", ["-p", a]);
    await repoWithLedger(a);
    assert.equal((await bd(a, ["hooks", "install"])).code, 0);
    const mine = await createIssue(a, "From A");
    sh(a, "add", ".");
    sh(a, "commit", "-qm", "a");
    execFileSync("git", ["clone", "-q", a, b], { env });
    assert.equal((await bd(b, ["hooks", "install"])).code, 0);
    const theirs = await createIssue(b, "From B");
    writeFileSync(join(b, "b.txt"), "b\n");
    sh(b, "add", "b.txt");
    sh(b, "commit", "-qm", "b");
    // B's commit carried its bead.
    assert.match(sh(b, "show", "HEAD:.beads/issues.jsonl"), new RegExp(theirs));

    const inDb = (dir: string, id: string) => {
      const db = new DatabaseSync(join(dir, ".beads", "beads.db"), { readOnly: true });
      try {
        return db.prepare("SELECT id FROM issues WHERE id = ?").get(id) !== undefined;
      } finally {
        db.close();
      }
    };
    assert.equal(inDb(a, theirs), false);
    sh(a, "pull", "-q", "--no-rebase", b, "main");
    assert.equal(inDb(a, theirs), true, "post-merge imported B's bead before any bd command");
    assert.equal(inDb(a, mine), true);

    // A branch that adds a bead, checked out: post-checkout imports it.
    sh(b, "checkout", "-q", "-b", "side");
    const side = await createIssue(b, "On side");
    sh(b, "commit", "-qam", "side bead");
    sh(b, "checkout", "-q", "main");
    sh(a, "fetch", "-q", b, "side:side");
    assert.equal(inDb(a, side), false);
    sh(a, "checkout", "-q", "side");
    assert.equal(inDb(a, side), true, "post-checkout imported the branch's bead");
  });

  it("--beads points core.hooksPath at .beads/hooks keeping the old hooks; outside git: one error line", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const repo = tmp.dir;
    await repoWithLedger(repo);
    const userHook = join(repo, ".git", "hooks", "pre-push");
    writeFileSync(userHook, "#!/bin/sh\nexit 0\n");
    chmodSync(userHook, 0o755);
    const r = await bd(repo, ["hooks", "install", "--beads"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Preserving existing pre-push hook/);
    assert.equal(sh(repo, "config", "core.hooksPath"), join(repo, ".beads", "hooks"));
    assert.match(readFileSync(join(repo, ".beads", "hooks", "pre-push"), "utf8"), /exit 0[\s\S]*BEADS/);
    await bd(repo, ["hooks", "uninstall"]);
    assert.throws(() => sh(repo, "config", "core.hooksPath"), "core.hooksPath is unset again");

    const plain = tempDir();
    t.after(plain.cleanup);
    const out = await bd(plain.dir, ["hooks", "install"]);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /not a git repository/);
    assert.equal(out.stderr.trim().split("\n").length, 1);
    const unknown = await bd(repo, ["hooks", "run", "pre-rebase"]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown hook: pre-rebase/);
  });
});
