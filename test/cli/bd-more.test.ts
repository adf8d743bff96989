// More of bd's contract: lint, create --dry-run/--validate, the dep shorthand, orphans from
// git history, and the launchers (gt version, bd from a symlink elsewhere).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BD, bd, bdJson, createIssue, exportJsonl, freshLedger, GT, run, tempDir } from "../helpers/bd.ts";

describe("bd: more of the contract", { concurrency: true }, () => {
  it("lint reports missing sections (exit 1), JSON is a report (exit 0)", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const bug = await createIssue(l.dir, "Crash on save", [
      "-t",
      "bug",
      "-d",
      "## Steps to Reproduce\n1. save",
    ]);
    await createIssue(l.dir, "Fine chore", ["-t", "chore"]);
    const human = await bd(l.dir, ["lint"]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /Template warnings \(1 issues, 1 warnings\)/);
    assert.match(human.stdout, /⚠ Missing: ## Acceptance Criteria/);
    const report = await bdJson<{
      total: number;
      issues: number;
      results: Array<{ id: string; missing: string[] }>;
    }>(l.dir, ["lint"]);
    assert.equal(report.issues, 1);
    assert.equal(report.results[0]!.id, bug);
    assert.deepEqual(report.results[0]!.missing, ["## Acceptance Criteria"]);
    await bd(l.dir, ["update", bug, "--acceptance", "saving works"]);
    assert.equal((await bd(l.dir, ["lint"])).code, 0, "a filled acceptance field satisfies the section");
  });

  it("create --dry-run stores nothing; --validate refuses a bare bug", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const before = await exportJsonl(l.dir);
    const dry = await bd(l.dir, ["create", "Maybe", "-p", "1", "--dry-run"]);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /\[DRY RUN\] Would create issue:/);
    const invalid = await bd(l.dir, ["create", "Bare bug", "-t", "bug", "--validate"]);
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /Steps to Reproduce/);
    assert.equal(await exportJsonl(l.dir), before);
  });

  it("dep <blocker> --blocks <blocked> adds the edge the right way round", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const blocker = await createIssue(l.dir, "Blocker");
    const blocked = await createIssue(l.dir, "Blocked");
    const r = await bdJson<{ blocked_id: string; blocker_id: string }>(l.dir, [
      "dep",
      blocker,
      "--blocks",
      blocked,
    ]);
    assert.deepEqual([r.blocked_id, r.blocker_id], [blocked, blocker]);
    const ready = await bdJson<Array<{ id: string }>>(l.dir, ["ready"]);
    assert.deepEqual(
      ready.map((i) => i.id),
      [blocker],
    );
  });

  it("orphans lists open issues that commits already mention", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: l.dir, stdio: "pipe" });
    git("init", "-q");
    const done = await createIssue(l.dir, "Done but open");
    const closed = await createIssue(l.dir, "Closed properly");
    await createIssue(l.dir, "Untouched");
    await bd(l.dir, ["close", closed]);
    git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@x",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      `Fix it (${done})`,
    );
    git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@x",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      `Also (${closed})`,
    );
    const orphans = await bdJson<Array<{ issue_id: string; latest_commit_message: string }>>(l.dir, [
      "orphans",
    ]);
    assert.deepEqual(
      orphans.map((o) => o.issue_id),
      [done],
    );
    assert.equal(orphans[0]!.latest_commit_message, `Fix it (${done})`);
  });

  it("auto-export keeps issues.jsonl equal to bd export through writes", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A", ["-l", "x"]);
    const b = await createIssue(l.dir, "B", ["--deps", a]);
    await bd(l.dir, ["comments", "add", b, "note"]);
    await bd(l.dir, ["close", a]);
    await bd(l.dir, ["delete", b, "--force"]);
    await createIssue(l.dir, "C", ["--parent", a]);
    const file = readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8");
    assert.equal(file, await exportJsonl(l.dir));
    assert.ok(!file.includes(b));
  });

  it("gt version runs, and bd works through a symlink placed anywhere", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const gt = await run(GT, tmp.dir, ["version"]);
    assert.equal(gt.code, 0);
    assert.match(gt.stdout, /^gt version \d+\.\d+\.\d+/);
    const link = join(tmp.dir, "bd");
    symlinkSync(BD, link);
    const init = await run(link, tmp.dir, ["init", "--prefix", "sym", "--quiet"]);
    assert.equal(init.code, 0, init.stderr);
    const created = await run(link, tmp.dir, ["create", "via symlink", "--silent"]);
    assert.match(created.stdout.trim(), /^sym-[0-9a-z]{3}$/);
  });
});
