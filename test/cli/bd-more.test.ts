// More of bd's contract: lint, create --dry-run/--validate, the dep shorthand, orphans from
// git history, and the launchers (gt version, bd from a symlink elsewhere).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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

describe("bd: the JSONL and git", { concurrency: true }, () => {
  it("issues that arrive in issues.jsonl through git are taken in, never dropped", async (t) => {
    const l = await freshLedger("gp");
    t.after(l.cleanup);
    const mine = await createIssue(l.dir, "Mine");
    const file = join(l.dir, ".beads", "issues.jsonl");
    const theirs = {
      _type: "issue",
      id: "gp-zzz",
      title: "From a teammate",
      status: "open",
      priority: 1,
      issue_type: "task",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    };
    writeFileSync(file, `${readFileSync(file, "utf8")}${JSON.stringify(theirs)}\n`);
    const shown = await bdJson<Array<{ id: string; title: string }>>(l.dir, ["show", "gp-zzz"]);
    assert.equal(shown[0]!.title, "From a teammate", "a read already sees it");
    await createIssue(l.dir, "After the pull");
    const text = readFileSync(file, "utf8");
    assert.ok(text.includes("gp-zzz") && text.includes(mine), "the next write keeps both");
    assert.equal(text, await exportJsonl(l.dir));
  });

  it("switching export.auto off and on again leaves nothing out of the file", async (t) => {
    const l = await freshLedger("ao");
    t.after(l.cleanup);
    await createIssue(l.dir, "one");
    await bd(l.dir, ["config", "set", "export.auto", "false"]);
    const two = await createIssue(l.dir, "two");
    await bd(l.dir, ["config", "set", "export.auto", "true"]);
    await createIssue(l.dir, "three");
    const text = readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8");
    assert.ok(text.includes(two));
    assert.equal(text, await exportJsonl(l.dir));
  });

  it("a redirect file may carry comments", async (t) => {
    const l = await freshLedger("rd");
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "Shared");
    const wt = tempDir();
    t.after(wt.cleanup);
    mkdirSync(join(wt.dir, ".beads"));
    writeFileSync(
      join(wt.dir, ".beads", "redirect"),
      `# points at the rig ledger\n\n${join(l.dir, ".beads")}\n`,
    );
    const shown = await bdJson<Array<{ id: string }>>(wt.dir, ["show", id]);
    assert.equal(shown[0]!.id, id);
  });

  it("pinned issues refuse close without --force; children of wisps are wisps", async (t) => {
    const l = await freshLedger("pw");
    t.after(l.cleanup);
    const pinned = await createIssue(l.dir, "Context");
    await bd(l.dir, ["update", pinned, "--status", "pinned"]);
    const r = await bd(l.dir, ["close", pinned]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot modify pinned issue/);
    assert.equal((await bd(l.dir, ["close", pinned, "--force"])).code, 0);
    const wisp = await createIssue(l.dir, "Patrol", ["--ephemeral"]);
    const step = await createIssue(l.dir, "Step", ["--parent", wisp]);
    const shown = await bdJson<Array<{ ephemeral?: boolean }>>(l.dir, ["show", step]);
    assert.equal(shown[0]!.ephemeral, true);
    assert.ok(!readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8").includes(step));
  });

  it("import skips tombstones and schema headers, and reads legacy wisp flags", async (t) => {
    const l = await freshLedger("im");
    t.after(l.cleanup);
    const now = "2026-02-02T10:00:00.123456789Z";
    const base = { status: "open", priority: 2, issue_type: "task", created_at: now, updated_at: now };
    const lines = [
      { _schema: "beads-jsonl/1" },
      { ...base, id: "im-live", title: "live" },
      { ...base, id: "im-dead", title: "dead", status: "tombstone" },
      { ...base, id: "im-wisp-w1", title: "old wisp", wisp: true },
    ];
    const src = join(l.dir, "in.jsonl");
    writeFileSync(src, `${lines.map((x) => JSON.stringify(x)).join("\n")}\n`);
    const r = await bd(l.dir, ["import", src]);
    assert.equal(r.code, 0, r.stderr);
    const all = await bdJson<Array<{ id: string; created_at: string }>>(l.dir, ["list", "--all"]);
    assert.deepEqual(
      all.map((i) => i.id),
      ["im-live"],
    );
    assert.equal(all[0]!.created_at, now, "nanosecond timestamps are kept as written");
  });
});

describe("bd: a fresh clone", () => {
  it("rebuilds the database from .beads/issues.jsonl on first use", async (t) => {
    const l = await freshLedger("cl");
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "Travels with git", ["-l", "x"]);
    const b = await createIssue(l.dir, "Waits", ["--deps", a]);
    const exported = await exportJsonl(l.dir);
    for (const f of readdirSync(join(l.dir, ".beads"))) {
      if (f.startsWith("beads.db") || f === "last-touched") rmSync(join(l.dir, ".beads", f));
    }
    const ready = await bdJson<Array<{ id: string }>>(l.dir, ["ready"]);
    assert.deepEqual(
      ready.map((i) => i.id),
      [a],
      "blocking is rebuilt too",
    );
    assert.equal(await exportJsonl(l.dir), exported);
    const c = await createIssue(l.dir, "New after clone");
    assert.match(c, /^cl-/, "the prefix comes from the issues");
    assert.ok(b);
  });
});

describe("bd init: the prefix", { concurrency: true }, () => {
  it("comes from the directory name, made safe", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const dir = join(tmp.dir, "3d.my-engine");
    mkdirSync(dir);
    assert.equal((await bd(dir, ["init", "--quiet"])).code, 0);
    assert.match(await createIssue(dir, "x"), /^bd_3d_my_engine-[0-9a-z]{3}$/);
  });

  it("comes from the issues a cloned .beads/issues.jsonl already holds", async (t) => {
    const l = await freshLedger("orig");
    t.after(l.cleanup);
    await createIssue(l.dir, "Existing");
    for (const f of readdirSync(join(l.dir, ".beads")))
      if (f.startsWith("beads.db")) rmSync(join(l.dir, ".beads", f));
    assert.equal((await bd(l.dir, ["init", "--quiet"])).code, 0);
    assert.match(await createIssue(l.dir, "New"), /^orig-/);
    assert.equal((await bdJson<unknown[]>(l.dir, ["list"])).length, 2);
  });
});

describe("bd: the JSONL after edits, toggles and bad lines", { concurrency: true }, () => {
  const file = (dir: string) => join(dir, ".beads", "issues.jsonl");

  it("a hand edit that keeps updated_at still applies; a stale line does not win", async (t) => {
    const l = await freshLedger("he");
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "base");
    const text = readFileSync(file(l.dir), "utf8");
    writeFileSync(file(l.dir), text.replace('"title":"base"', '"title":"edited by hand"'));
    const shown = await bdJson<Array<{ title: string }>>(l.dir, ["show", id]);
    assert.equal(shown[0]!.title, "edited by hand");
    const line = JSON.parse(readFileSync(file(l.dir), "utf8").trim()) as Record<string, unknown>;
    await bd(l.dir, ["update", id, "--title", "newest"]);
    const stale = { ...line, title: "old news", updated_at: "2001-01-01T00:00:00.123456789Z" };
    writeFileSync(file(l.dir), `${JSON.stringify(stale)}\n`);
    assert.equal((await bdJson<Array<{ title: string }>>(l.dir, ["show", id]))[0]!.title, "newest");
  });

  it("a line with an unreadable timestamp is skipped, every command keeps working", async (t) => {
    const l = await freshLedger("bt");
    t.after(l.cleanup);
    await createIssue(l.dir, "fine");
    writeFileSync(
      file(l.dir),
      `${readFileSync(file(l.dir), "utf8")}${JSON.stringify({ id: "bt-zz2", title: "x", created_at: "yesterday" })}\n`,
    );
    const r = await bd(l.dir, ["list", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 1);
    assert.equal((await bd(l.dir, ["create", "more"])).code, 0);
  });

  it("a delete made while export.auto is off stays deleted when it is turned back on", async (t) => {
    const l = await freshLedger("dl");
    t.after(l.cleanup);
    const gone = await createIssue(l.dir, "to delete");
    await createIssue(l.dir, "keep");
    await bd(l.dir, ["config", "set", "export.auto", "false"]);
    await bd(l.dir, ["delete", gone, "--force"]);
    await bd(l.dir, ["config", "set", "export.auto", "true"]);
    const ids = (await bdJson<Array<{ id: string }>>(l.dir, ["list"])).map((i) => i.id);
    assert.ok(!ids.includes(gone));
    assert.ok(!readFileSync(file(l.dir), "utf8").includes(gone));
  });

  it("changing types.infra rewrites the file to match bd export", async (t) => {
    const l = await freshLedger("ti");
    t.after(l.cleanup);
    await bd(l.dir, ["config", "set", "types.infra", "chore"]);
    const chore = await createIssue(l.dir, "a chore", ["-t", "chore"]);
    // Nothing exportable yet: no file (the first exported issue makes it, as in beads).
    assert.ok(!existsSync(file(l.dir)) || !readFileSync(file(l.dir), "utf8").includes(chore));
    await bd(l.dir, ["config", "set", "types.infra", "agent"]);
    assert.ok(readFileSync(file(l.dir), "utf8").includes(chore));
    assert.equal(readFileSync(file(l.dir), "utf8"), await exportJsonl(l.dir));
  });
});
