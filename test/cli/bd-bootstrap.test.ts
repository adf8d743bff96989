import "../helpers/isolation.ts";
// bd bootstrap (a clone's database built from its issues.jsonl; an existing one only
// checked), bd init-safety and bd upgrade status|review|ack.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, freshLedger, tempDir } from "../helpers/bd.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-C", cwd, ...args], { encoding: "utf8" });

describe("bd bootstrap", { concurrency: true }, () => {
  it("builds a fresh clone's database from issues.jsonl; an existing one is only checked", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const origin = join(tmp.dir, "origin");
    const clone = join(tmp.dir, "clone");
    execFileSync("mkdir", ["-p", origin]);
    git(origin, "init", "-q", "-b", "main");
    assert.equal((await bd(origin, ["init", "--prefix", "bs", "--quiet"])).code, 0);
    const a = await createIssue(origin, "First");
    await createIssue(origin, "Second", ["--deps", a]);
    git(origin, "add", ".");
    git(origin, "commit", "-qm", "beads");
    execFileSync("git", ["clone", "-q", origin, clone]);
    assert.equal(existsSync(join(clone, ".beads", "beads.db")), false, "the database is not in git");

    const plan = await bdJson<{ action: string; jsonl_issues: number; dry_run: boolean }>(clone, [
      "bootstrap",
      "--dry-run",
    ]);
    assert.deepEqual([plan.action, plan.jsonl_issues, plan.dry_run], ["jsonl-import", 2, true]);
    assert.equal(existsSync(join(clone, ".beads", "beads.db")), false, "dry run builds nothing");

    const r = await bd(clone, ["bootstrap"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ Database created from .*issues\.jsonl: 2 issue\(s\), prefix bs/);
    assert.ok(existsSync(join(clone, ".beads", "beads.db")));
    const db = execFileSync(
      process.execPath,
      [
        "-e",
        `const {DatabaseSync}=require("node:sqlite");const d=new DatabaseSync(process.argv[1]);console.log(d.prepare("select count(*) n from issues").get().n)`,
        join(clone, ".beads", "beads.db"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(db.trim(), "2");

    const again = await bdJson<{ action: string; issues: number; integrity: string[] }>(clone, ["bootstrap"]);
    assert.deepEqual([again.action, again.issues, again.integrity], ["none", 2, ["ok"]]);
    const blocked = await bdJson<Array<{ id: string }>>(clone, ["blocked"]);
    assert.equal(blocked.length, 1, "edges came along");
  });

  it("outside any workspace: one error line and non-zero", async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const r = await bd(tmp.dir, ["bootstrap"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no beads workspace found/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    const j = await bd(tmp.dir, ["bootstrap", "--json"]);
    assert.notEqual(j.code, 0);
    assert.equal(JSON.parse(j.stdout).action, "none");
  });
});

describe("bd init-safety", () => {
  it("states the contract and what bd init would do here", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const here = await bdJson<{ contract: string[]; init_would: string; here: { action: string } }>(l.dir, [
      "init-safety",
    ]);
    assert.ok(here.contract.some((c) => /never deletes or overwrites issues/.test(c)));
    assert.equal(here.here.action, "none");
    assert.match(here.init_would, /would stop: a ledger already exists/);
    const empty = tempDir();
    t.after(empty.cleanup);
    assert.match((await bd(empty.dir, ["init-safety"])).stdout, /would create \.beads\/ with a new database/);
  });
});

describe("bd upgrade", () => {
  it("status says the version and how to update; ack records it; review", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const meta = join(l.dir, ".beads", "metadata.json");
    const m = JSON.parse(readFileSync(meta, "utf8"));
    const current = m.last_bd_version as string;
    const same = await bdJson<{
      upgraded: boolean;
      current_version: string;
      update_command: string;
      install: string;
    }>(l.dir, ["upgrade", "status"]);
    assert.equal(same.upgraded, false);
    assert.equal(same.current_version, current);
    assert.equal(same.install, "clone");
    assert.match(same.update_command, /git pull && npm ci/);
    writeFileSync(meta, JSON.stringify({ ...m, last_bd_version: "0.9.0" }));
    const up = await bdJson<{ upgraded: boolean; previous_version: string }>(l.dir, ["upgrade", "--check"]);
    assert.deepEqual([up.upgraded, up.previous_version], [true, "0.9.0"]);
    assert.match((await bd(l.dir, ["upgrade"])).stdout, /bd upgraded from v0\.9\.0 to v/);
    assert.match((await bd(l.dir, ["upgrade", "review"])).stdout, /Upgraded from v0\.9\.0/);
    const ack = await bdJson<{ acknowledged: boolean; previous_version: string }>(l.dir, ["upgrade", "ack"]);
    assert.deepEqual([ack.acknowledged, ack.previous_version], [true, "0.9.0"]);
    assert.equal(JSON.parse(readFileSync(meta, "utf8")).last_bd_version, current);
    assert.equal(
      JSON.parse(readFileSync(meta, "utf8")).backend,
      "sqlite",
      "the rest of metadata.json is kept",
    );
  });
});
