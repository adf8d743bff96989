// End-to-end tests of the bd command line: the real bin/bd, run by absolute path in temp
// directories, checked through its exit codes, stdout/stderr and --json output.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { BlockedIssue, Comment, IssueDetails, IssueWithCounts } from "../../src/ledger/model.ts";
import {
  BD,
  bd,
  bdJson,
  createIssue,
  exportJsonl,
  freshLedger,
  nonBlankLines,
  type RunResult,
  run,
  tempDir,
} from "../helpers/bd.ts";

// Discovery must start from each test's own directory, whatever the caller's shell says.
delete process.env.BEADS_DIR;
delete process.env.BEADS_DB;

/** One ledger in a temp dir, with shortcuts for the commands the tests use most. */
class Ledger {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  run(...args: string[]): Promise<RunResult> {
    return bd(this.dir, args);
  }
  json<T = unknown>(...args: string[]): Promise<T> {
    return bdJson<T>(this.dir, args);
  }
  create(title: string, ...args: string[]): Promise<string> {
    return createIssue(this.dir, title, args);
  }
  async show(id: string): Promise<IssueDetails> {
    const rows = await this.json<IssueDetails[]>("show", id);
    assert.equal(rows.length, 1);
    return rows[0]!;
  }
  async listIds(...args: string[]): Promise<string[]> {
    return (await this.json<IssueWithCounts[]>("list", ...args)).map((r) => r.id);
  }
  async readyIds(...args: string[]): Promise<string[]> {
    return (await this.json<IssueWithCounts[]>("ready", ...args)).map((r) => r.id);
  }
  export(): Promise<string> {
    return exportJsonl(this.dir);
  }
  get beads(): string {
    return join(this.dir, ".beads");
  }
}

/** A fresh ledger removed when the test ends. */
async function ledger(t: TestContext, prefix = "t"): Promise<Ledger> {
  const l = await freshLedger(prefix);
  t.after(l.cleanup);
  return new Ledger(l.dir);
}

/** A temp directory removed when the test ends. */
function scratch(t: TestContext): string {
  const d = tempDir("bd-scratch-");
  t.after(d.cleanup);
  return d.dir;
}

/** The command failed: non-zero exit and exactly one line on stderr (matching `pattern`). */
function assertFails(r: RunResult, pattern?: RegExp): string {
  assert.notEqual(r.code, 0, `expected a non-zero exit; stdout: ${r.stdout}`);
  const lines = nonBlankLines(r.stderr);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  if (pattern) assert.match(lines[0]!, pattern);
  return lines[0]!;
}

function assertOk(r: RunResult): RunResult {
  assert.equal(r.code, 0, `expected exit 0, got ${r.code}; stderr: ${r.stderr}`);
  return r;
}

function parseJsonlText(text: string): Array<Record<string, unknown>> {
  return nonBlankLines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
}

const ID = /^t-[0-9a-z]{3,8}$/;

describe("bd CLI", { concurrency: true }, () => {
  describe("init", { concurrency: true }, () => {
    it("creates .beads with the database, metadata and .gitignore; issues.jsonl comes with the first write", async (t) => {
      const dir = scratch(t);
      assertOk(await run("git", dir, ["init", "-q"]));
      assertOk(await bd(dir, ["init", "--prefix", "t", "--quiet"]));
      const beads = join(dir, ".beads");
      for (const f of ["beads.db", "metadata.json", ".gitignore"]) {
        assert.ok(existsSync(join(beads, f)), `.beads/${f} should exist`);
      }
      assert.ok(!existsSync(join(beads, "issues.jsonl")), "init writes no empty issues.jsonl (as beads)");
      assertOk(await bd(dir, ["create", "First", "--silent"]));
      assert.match(readFileSync(join(beads, "issues.jsonl"), "utf8"), /"title":"First"/);
      // What beads' .gitignore ignores (database files, daemon and socket files) and keeps.
      for (const f of [
        "beads.db-wal",
        "beads.db-shm",
        "beads.db-journal",
        "bd.sock",
        "daemon.log",
        "daemon.pid",
      ]) {
        assert.equal((await run("git", dir, ["check-ignore", "-q", `.beads/${f}`])).code, 0, f);
      }
      for (const f of ["metadata.json", "config.json", "routes.jsonl", "config.yaml"]) {
        assert.equal((await run("git", dir, ["check-ignore", "-q", `.beads/${f}`])).code, 1, f);
      }
      assert.match(readFileSync(join(beads, ".gitignore"), "utf8"), /^!\*\.jsonl$/m);
      const meta = JSON.parse(readFileSync(join(beads, "metadata.json"), "utf8")) as Record<string, unknown>;
      assert.equal(typeof meta, "object");
      // git agrees: the database is ignored, the JSONL export is not.
      assert.equal((await run("git", dir, ["check-ignore", "-q", ".beads/beads.db"])).code, 0);
      assert.equal((await run("git", dir, ["check-ignore", "-q", ".beads/issues.jsonl"])).code, 1);
      const prefix = await bdJson<{ value: string }>(dir, ["config", "get", "issue_prefix"]);
      assert.equal(prefix.value, "t");
    });

    it("running init again (plain or --force) keeps existing issues and the prefix", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Survivor");
      const before = await l.export();
      assertOk(await l.run("init", "--prefix", "t"));
      assertOk(await l.run("init", "--prefix", "t", "--force", "--quiet"));
      assert.equal(await l.export(), before);
      assert.equal((await l.show(id)).title, "Survivor");
      assert.match(await l.create("Next"), ID);
    });

    it("refuses an invalid prefix and creates nothing", async (t) => {
      const dir = scratch(t);
      assertFails(await bd(dir, ["init", "--prefix", "bad prefix!"]));
      assert.equal(existsSync(join(dir, ".beads", "beads.db")), false);
    });
  });

  describe("create", { concurrency: true }, () => {
    it("defaults to priority 2, type task, status open; --json returns one object", async (t) => {
      const l = await ledger(t);
      const r = assertOk(await l.run("create", "Plain issue", "--json"));
      const issue = JSON.parse(r.stdout) as IssueDetails;
      assert.equal(Array.isArray(issue), false);
      assert.match(issue.id, ID);
      assert.equal(issue.title, "Plain issue");
      assert.equal(issue.priority, 2);
      assert.equal(issue.issue_type, "task");
      assert.equal(issue.status, "open");
      assert.equal(issue.created_by, "tester");
      assert.equal(issue.closed_at, undefined);
      const shown = await l.show(issue.id);
      assert.equal(shown.priority, 2);
      assert.equal(shown.issue_type, "task");
    });

    it("--silent prints only the ID", async (t) => {
      const l = await ledger(t);
      const r = assertOk(await l.run("create", "Quiet one", "--silent"));
      assert.match(r.stdout, /^t-[0-9a-z]{3,8}\n$/);
      assert.equal((await l.show(r.stdout.trim())).title, "Quiet one");
    });

    it("accepts -p P0 and -p 1, -t, -a and -d", async (t) => {
      const l = await ledger(t);
      const a = await l.create("Critical", "-p", "P0");
      const b = await l.create("High", "-p", "1", "-t", "bug", "-a", "alice", "-d", "Steps to reproduce");
      assert.equal((await l.show(a)).priority, 0);
      const hb = await l.show(b);
      assert.equal(hb.priority, 1);
      assert.equal(hb.issue_type, "bug");
      assert.equal(hb.assignee, "alice");
      assert.equal(hb.description, "Steps to reproduce");
    });

    it("--labels sets labels", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Labelled", "--labels", "backend,urgent");
      assert.deepEqual((await l.show(id)).labels, ["backend", "urgent"]);
    });

    it("--parent gives <parent>.1, .2 and children inherit the parent's labels", async (t) => {
      const l = await ledger(t);
      const epic = await l.create("Epic", "-t", "epic", "--labels", "area:ui");
      const c1 = await l.create("First child", "--parent", epic);
      const c2 = await l.create("Second child", "--parent", epic, "--labels", "extra");
      assert.equal(c1, `${epic}.1`);
      assert.equal(c2, `${epic}.2`);
      const d1 = await l.show(c1);
      assert.equal(d1.parent, epic);
      assert.deepEqual(d1.labels, ["area:ui"]);
      assert.deepEqual((await l.show(c2)).labels, ["area:ui", "extra"]);
      const grandchild = await l.create("Grandchild", "--parent", c1);
      assert.equal(grandchild, `${epic}.1.1`);
    });

    it("--deps blocks:ID makes the new issue block ID; a bare ID makes it depend on ID", async (t) => {
      const l = await ledger(t);
      const target = await l.create("Target");
      const blocker = await l.create("Blocker", "--deps", `blocks:${target}`);
      const targetDeps = (await l.show(target)).dependencies ?? [];
      assert.deepEqual(
        targetDeps.map((d) => [d.id, d.dependency_type]),
        [[blocker, "blocks"]],
      );
      assert.deepEqual(await l.readyIds(), [blocker]);
      const follower = await l.create("Follower", "--deps", blocker);
      assert.deepEqual(
        ((await l.show(follower)).dependencies ?? []).map((d) => [d.id, d.dependency_type]),
        [[blocker, "blocks"]],
      );
    });

    it("--ephemeral makes a wisp that list and issues.jsonl leave out", async (t) => {
      const l = await ledger(t);
      const keep = await l.create("Persistent");
      const wisp = await l.create("Patrol ping", "--ephemeral");
      assert.match(wisp, /^t-wisp-[0-9a-z]+$/);
      const shown = await l.show(wisp);
      assert.equal(shown.ephemeral, true);
      assert.deepEqual(await l.listIds(), [keep]);
      const jsonl = readFileSync(join(l.beads, "issues.jsonl"), "utf8");
      assert.ok(jsonl.includes(keep));
      assert.ok(!jsonl.includes(wisp), "the wisp must not be exported");
      assert.ok(!(await l.export()).includes(wisp));
    });

    it("rejects a flag-like title", async (t) => {
      const l = await ledger(t);
      assertFails(await l.run("create", "--title", "--help"), /flag/);
      assert.equal(await l.export(), "");
    });
  });

  describe("show", () => {
    let l: Ledger;
    let cleanup: () => void;
    let epic: string;
    let child: string;
    let blocker: string;
    let blocked: string;
    before(async () => {
      const f = await freshLedger();
      cleanup = f.cleanup;
      l = new Ledger(f.dir);
      epic = await l.create("Epic", "-t", "epic");
      child = await l.create("Child", "--parent", epic, "--labels", "ui,api");
      blocker = await l.create("Blocker");
      blocked = await l.create("Blocked");
      assertOk(await l.run("dep", "add", blocked, blocker));
      assertOk(await l.run("comments", "add", child, "first note"));
      assertOk(await l.run("create", "Alpha one", "--id", "t-abc12", "--silent"));
      assertOk(await l.run("create", "Alpha two", "--id", "t-abd34", "--silent"));
    });
    after(() => cleanup());

    it("--json returns an array for one ID", async () => {
      const rows = await l.json<IssueDetails[]>("show", child);
      assert.ok(Array.isArray(rows));
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.id, child);
    });

    it("--json returns an array in order for several IDs", async () => {
      const rows = await l.json<IssueDetails[]>("show", blocker, child, epic);
      assert.deepEqual(
        rows.map((r) => r.id),
        [blocker, child, epic],
      );
    });

    it("includes dependencies and dependents with dependency_type", async () => {
      const b = await l.show(blocked);
      assert.deepEqual(
        (b.dependencies ?? []).map((d) => [d.id, d.dependency_type, d.title]),
        [[blocker, "blocks", "Blocker"]],
      );
      const k = await l.show(blocker);
      assert.deepEqual(
        (k.dependents ?? []).map((d) => [d.id, d.dependency_type]),
        [[blocked, "blocks"]],
      );
      const e = await l.show(epic);
      assert.deepEqual(
        (e.dependents ?? []).map((d) => [d.id, d.dependency_type]),
        [[child, "parent-child"]],
      );
    });

    it("includes labels, comments and parent", async () => {
      const c = await l.show(child);
      assert.deepEqual(c.labels, ["api", "ui"]);
      assert.equal(c.parent, epic);
      assert.deepEqual(
        (c.comments ?? []).map((x) => [x.text, x.author]),
        [["first note", "tester"]],
      );
      assert.deepEqual(
        (c.dependencies ?? []).map((d) => [d.id, d.dependency_type]),
        [[epic, "parent-child"]],
      );
    });

    it("resolves a unique partial ID, with or without the prefix", async () => {
      assert.equal((await l.show("abc")).id, "t-abc12");
      assert.equal((await l.show("t-abd")).id, "t-abd34");
      // A generated ID's hash alone resolves too.
      assert.equal((await l.show(blocker.slice(2))).id, blocker);
    });

    it("an ambiguous partial ID lists the candidates and fails", async () => {
      const r = await l.run("show", "ab");
      const line = assertFails(r, /ambiguous/i);
      assert.ok(line.includes("t-abc12") && line.includes("t-abd34"), line);
      assert.equal(r.stdout, "");
    });

    it("an unknown ID is a one-line error with a non-zero exit", async () => {
      const r = await l.run("show", "t-zzzzzz");
      assertFails(r, /t-zzzzzz/);
      assert.equal(r.stdout, "");
      // With --json the error is one JSON object on stdout (as beads), and one line on stderr.
      const j = await l.run("show", "t-zzzzzz", "--json");
      assert.notEqual(j.code, 0);
      const body = JSON.parse(j.stdout) as { error: string; schema_version: number };
      assert.match(body.error, /t-zzzzzz/);
      assert.equal(body.schema_version, 1);
      assert.equal(j.stderr.trim().split("\n").length, 1);
    });

    it("prints a readable page without --json", async () => {
      const r = assertOk(await l.run("show", child));
      assert.ok(r.stdout.includes(child));
      assert.ok(r.stdout.includes("Child"));
      assert.ok(r.stdout.includes("first note"));
    });
  });

  describe("list", () => {
    let l: Ledger;
    let cleanup: () => void;
    const ids: Record<string, string> = {};
    before(async () => {
      const f = await freshLedger();
      cleanup = f.cleanup;
      l = new Ledger(f.dir);
      ids.bug = await l.create("A bug", "-t", "bug", "-p", "1", "--labels", "backend");
      ids.feature = await l.create("A feature", "-t", "feature", "-a", "alice", "--labels", "backend,ui");
      ids.done = await l.create("Done task", "-p", "1");
      ids.wip = await l.create("Work in progress", "-a", "bob");
      ids.epic = await l.create("Epic", "-t", "epic");
      ids.child = await l.create("Child", "--parent", ids.epic);
      assertOk(await l.run("close", ids.done));
      assertOk(await l.run("update", ids.wip, "--status", "in_progress"));
      assertOk(await l.run("dep", "add", ids.feature, ids.bug));
      assertOk(await l.run("comments", "add", ids.bug, "one"));
      assertOk(await l.run("comments", "add", ids.bug, "two"));
    });
    after(() => cleanup());

    const sorted = (a: string[]) => [...a].sort();

    it("leaves closed issues out by default; --all includes them", async () => {
      const open = await l.listIds();
      assert.equal(open.length, 5);
      assert.ok(!open.includes(ids.done!));
      const all = await l.listIds("--all");
      assert.deepEqual(sorted(all), sorted(Object.values(ids)));
    });

    it("--status filters, including a comma list", async () => {
      assert.deepEqual(await l.listIds("--status", "closed"), [ids.done]);
      assert.deepEqual(await l.listIds("--status", "in_progress"), [ids.wip]);
      assert.deepEqual(
        sorted(await l.listIds("--status", "closed,in_progress")),
        sorted([ids.done!, ids.wip!]),
      );
    });

    it("--type, --label, --assignee and --priority filter", async () => {
      assert.deepEqual(await l.listIds("--type", "bug"), [ids.bug]);
      assert.deepEqual(sorted(await l.listIds("--label", "backend")), sorted([ids.bug!, ids.feature!]));
      assert.deepEqual(await l.listIds("--label", "backend", "--label", "ui"), [ids.feature]);
      assert.deepEqual(await l.listIds("--assignee", "alice"), [ids.feature]);
      assert.deepEqual(await l.listIds("--priority", "1"), [ids.bug]);
      assert.deepEqual(sorted(await l.listIds("--priority", "P1", "--all")), sorted([ids.bug!, ids.done!]));
    });

    it("--limit caps the rows", async () => {
      assert.equal((await l.listIds("--limit", "2")).length, 2);
      assert.equal((await l.listIds("--all", "--limit", "3")).length, 3);
    });

    it("--json rows carry dependency_count, dependent_count, comment_count and parent", async () => {
      const rows = await l.json<IssueWithCounts[]>("list");
      const by = new Map(rows.map((r) => [r.id, r]));
      const bug = by.get(ids.bug!)!;
      assert.equal(bug.comment_count, 2);
      assert.equal(bug.dependent_count, 1);
      assert.equal(bug.dependency_count, 0);
      const feature = by.get(ids.feature!)!;
      assert.equal(feature.dependency_count, 1);
      assert.equal(feature.dependent_count, 0);
      assert.equal(feature.comment_count, 0);
      assert.equal(by.get(ids.child!)!.parent, ids.epic);
      assert.equal(by.get(ids.epic!)!.parent, undefined);
      // As in beads, the counts cover `blocks` edges only, not parent-child.
      assert.equal(by.get(ids.epic!)!.dependent_count, 0);
      assert.equal(by.get(ids.child!)!.dependency_count, 0);
    });

    it("--flat --json gives the same flat array", async () => {
      const flat = await l.json<IssueWithCounts[]>("list", "--flat");
      assert.ok(Array.isArray(flat));
      assert.deepEqual(sorted(flat.map((r) => r.id)), sorted(await l.listIds()));
    });

    it("prints a tree without --json", async () => {
      const r = assertOk(await l.run("list"));
      assert.ok(r.stdout.includes(ids.bug!));
      assert.ok(!r.stdout.includes(ids.done!));
    });
  });

  describe("update", { concurrency: true }, () => {
    it("changes fields", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Old title");
      assertOk(
        await l.run(
          "update",
          id,
          "--title",
          "New title",
          "-p",
          "0",
          "-t",
          "bug",
          "-a",
          "carol",
          "-d",
          "Described",
          "--notes",
          "Some notes",
        ),
      );
      const d = await l.show(id);
      assert.equal(d.title, "New title");
      assert.equal(d.priority, 0);
      assert.equal(d.issue_type, "bug");
      assert.equal(d.assignee, "carol");
      assert.equal(d.description, "Described");
      assert.equal(d.notes, "Some notes");
    });

    it("--status changes the status", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Task");
      assertOk(await l.run("update", id, "--status", "in_progress"));
      const d = await l.show(id);
      assert.equal(d.status, "in_progress");
      assert.ok(d.started_at, "started_at is set on the move to in_progress");
    });

    it("--add-label and --remove-label", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Task", "--labels", "keep,drop");
      assertOk(await l.run("update", id, "--add-label", "new", "--remove-label", "drop"));
      assert.deepEqual((await l.show(id)).labels, ["keep", "new"]);
    });

    it("--claim assigns the actor once; another actor is refused", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Claimable");
      const claimed = await l.json<IssueDetails[]>("update", id, "--claim");
      assert.equal(claimed[0]!.assignee, "tester");
      assert.equal(claimed[0]!.status, "in_progress");
      // The same actor claiming again is a no-op, not an error.
      assertOk(await l.run("update", id, "--claim"));
      const r = await bd(l.dir, ["update", id, "--claim"], { env: { BEADS_ACTOR: "intruder" } });
      assertFails(r, /already claimed/i);
      const d = await l.show(id);
      assert.equal(d.assignee, "tester");
      assert.equal(d.status, "in_progress");
    });

    it("--status closed sets closed_at; reopen clears it", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Finish me");
      assertOk(await l.run("update", id, "--status", "closed"));
      const closed = await l.show(id);
      assert.equal(closed.status, "closed");
      assert.ok(closed.closed_at && !Number.isNaN(Date.parse(closed.closed_at)));
      assertOk(await l.run("reopen", id));
      const reopened = await l.show(id);
      assert.equal(reopened.status, "open");
      assert.equal(reopened.closed_at, undefined);
    });

    it("an unknown ID fails without touching the ledger", async (t) => {
      const l = await ledger(t);
      await l.create("Bystander");
      const before = await l.export();
      assertFails(await l.run("update", "t-nope99", "--title", "x"));
      assert.equal(await l.export(), before);
    });
  });

  describe("close", { concurrency: true }, () => {
    it("--reason is stored as close_reason", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Done soon");
      assertOk(await l.run("close", id, "--reason", "Fixed in abc123"));
      const d = await l.show(id);
      assert.equal(d.status, "closed");
      assert.equal(d.close_reason, "Fixed in abc123");
      assert.ok(d.closed_at);
    });

    it("refuses an issue with an open blocker (exit 1); --force closes it", async (t) => {
      const l = await ledger(t);
      const blocker = await l.create("Blocker");
      const blocked = await l.create("Blocked");
      assertOk(await l.run("dep", "add", blocked, blocker));
      const r = await l.run("close", blocked);
      assert.equal(r.code, 1);
      assertFails(r, /block/i);
      assert.equal((await l.show(blocked)).status, "open");
      assertOk(await l.run("close", blocked, "--force"));
      assert.equal((await l.show(blocked)).status, "closed");
    });

    it("closing several IDs where one fails still exits 0", async (t) => {
      const l = await ledger(t);
      const blocker = await l.create("Blocker");
      const stuck = await l.create("Stuck");
      const free = await l.create("Free");
      assertOk(await l.run("dep", "add", stuck, blocker));
      const r = await l.run("close", stuck, free);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(stuck), "the failure is reported");
      assert.equal((await l.show(stuck)).status, "open");
      assert.equal((await l.show(free)).status, "closed");
    });

    it("closing the blocker makes the dependent ready", async (t) => {
      const l = await ledger(t);
      const blocker = await l.create("Blocker");
      const dependent = await l.create("Dependent");
      assertOk(await l.run("dep", "add", dependent, blocker));
      assert.deepEqual(await l.readyIds(), [blocker]);
      assertOk(await l.run("close", blocker));
      assert.deepEqual(await l.readyIds(), [dependent]);
    });

    it("--json returns the closed issues as an array", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      const rows = await l.json<IssueDetails[]>("close", a, b, "--reason", "done");
      assert.deepEqual(
        rows.map((r) => [r.id, r.status, r.close_reason]),
        [
          [a, "closed", "done"],
          [b, "closed", "done"],
        ],
      );
    });
  });

  describe("ready", { concurrency: true }, () => {
    it("leaves out issues with an open blocks dependency until the blocker closes", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      assertOk(await l.run("dep", "add", b, a));
      assert.deepEqual(await l.readyIds(), [a]);
      const blocked = await l.json<BlockedIssue[]>("blocked");
      assert.deepEqual(
        blocked.map((x) => [x.id, x.blocked_by]),
        [[b, [a]]],
      );
      assertOk(await l.run("close", a));
      assert.deepEqual(await l.readyIds(), [b]);
    });

    it("a child of a blocked parent is not ready", async (t) => {
      const l = await ledger(t);
      const gate = await l.create("Gate");
      const parent = await l.create("Parent");
      const child = await l.create("Child", "--parent", parent);
      assertOk(await l.run("dep", "add", parent, gate));
      const ready = await l.readyIds();
      assert.ok(ready.includes(gate));
      assert.ok(!ready.includes(parent));
      assert.ok(!ready.includes(child), "the child inherits the parent's blocker");
      assertOk(await l.run("close", gate));
      const after = await l.readyIds();
      assert.ok(after.includes(parent) && after.includes(child));
    });

    it("a parent deferred into the future hides its children", async (t) => {
      const l = await ledger(t);
      const parent = await l.create("Parent", "-t", "epic");
      const child = await l.create("Child", "--parent", parent);
      const other = await l.create("Other");
      assertOk(await l.run("defer", parent, "--until", "+1d"));
      const d = await l.show(parent);
      assert.equal(d.status, "deferred");
      assert.ok(d.defer_until && Date.parse(d.defer_until) > Date.now());
      assert.deepEqual(await l.readyIds(), [other]);
      assertOk(await l.run("undefer", parent));
      assert.deepEqual((await l.readyIds()).sort(), [child, other, parent].sort());
    });

    it("a future defer_until set by update hides the issue and its children", async (t) => {
      const l = await ledger(t);
      const parent = await l.create("Parent");
      const child = await l.create("Child", "--parent", parent);
      assertOk(await l.run("update", parent, "--defer", "+2d"));
      assert.equal((await l.show(parent)).status, "open");
      const ready = await l.readyIds();
      assert.ok(!ready.includes(parent) && !ready.includes(child), JSON.stringify(ready));
    });

    it("bd defer / bd undefer", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Later");
      assertOk(await l.run("defer", id));
      assert.equal((await l.show(id)).status, "deferred");
      assert.deepEqual(await l.readyIds(), []);
      assertOk(await l.run("undefer", id));
      const d = await l.show(id);
      assert.equal(d.status, "open");
      assert.equal(d.defer_until, undefined);
      assert.deepEqual(await l.readyIds(), [id]);
    });

    it("message, merge-request and molecule are never ready", async (t) => {
      const l = await ledger(t);
      assertOk(await l.run("config", "set", "types.custom", "merge-request"));
      const task = await l.create("Task");
      await l.create("Mail", "-t", "message");
      await l.create("MR", "-t", "merge-request");
      await l.create("Mol", "-t", "molecule");
      await l.create("MR alias", "-t", "mr");
      assert.deepEqual(await l.readyIds(), [task]);
      assert.deepEqual(await l.readyIds("--type", "task"), [task]);
      assert.equal((await l.json<IssueWithCounts[]>("list", "--all", "--include-infra")).length, 5);
    });

    it("waits-for waits for the spawner's children", async (t) => {
      const l = await ledger(t);
      const spawner = await l.create("Spawner");
      const c1 = await l.create("Child 1", "--parent", spawner);
      const c2 = await l.create("Child 2", "--parent", spawner);
      const waiter = await l.create("Waiter", "--waits-for", spawner);
      const deps = (await l.show(waiter)).dependencies ?? [];
      assert.deepEqual(
        deps.map((d) => [d.id, d.dependency_type]),
        [[spawner, "waits-for"]],
      );
      assert.ok(!(await l.readyIds()).includes(waiter));
      assertOk(await l.run("close", c1));
      assert.ok(!(await l.readyIds()).includes(waiter), "one child is still open");
      assertOk(await l.run("close", c2));
      assert.ok((await l.readyIds()).includes(waiter));
    });

    it("in_progress and closed issues are not ready; priority order", async (t) => {
      const l = await ledger(t);
      const low = await l.create("Low", "-p", "3");
      const high = await l.create("High", "-p", "0");
      const wip = await l.create("Wip");
      const done = await l.create("Done");
      assertOk(await l.run("update", wip, "--status", "in_progress"));
      assertOk(await l.run("close", done));
      assert.deepEqual(await l.readyIds(), [high, low]);
    });
  });

  describe("dep", { concurrency: true }, () => {
    it("add, list --direction down/up, remove", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      const added = await l.json<{ issue_id: string; depends_on_id: string; type: string }>(
        "dep",
        "add",
        a,
        b,
      );
      assert.deepEqual([added.issue_id, added.depends_on_id, added.type], [a, b, "blocks"]);
      const down = await l.json<Array<{ id: string; dependency_type: string }>>("dep", "list", a);
      assert.deepEqual(
        down.map((d) => [d.id, d.dependency_type]),
        [[b, "blocks"]],
      );
      const up = await l.json<Array<{ id: string; dependency_type: string }>>(
        "dep",
        "list",
        b,
        "--direction",
        "up",
      );
      assert.deepEqual(
        up.map((d) => [d.id, d.dependency_type]),
        [[a, "blocks"]],
      );
      assert.deepEqual(await l.json("dep", "list", b, "--direction", "down"), []);
      assertOk(await l.run("dep", "remove", a, b));
      assert.deepEqual(await l.json("dep", "list", a), []);
      assert.deepEqual((await l.readyIds()).sort(), [a, b].sort());
    });

    it("--type sets the edge type and filters the list", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      const c = await l.create("C");
      assertOk(await l.run("dep", "add", a, b, "--type", "related"));
      assertOk(await l.run("dep", "add", a, c));
      const related = await l.json<Array<{ id: string }>>("dep", "list", a, "--type", "related");
      assert.deepEqual(
        related.map((d) => d.id),
        [b],
      );
      // related does not block.
      assert.ok(!(await l.readyIds()).includes(a));
      assertOk(await l.run("close", c));
      assert.ok((await l.readyIds()).includes(a));
    });

    it("refuses an edge that would make a cycle, and adds nothing", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      const c = await l.create("C");
      assertOk(await l.run("dep", "add", a, b));
      assertOk(await l.run("dep", "add", b, c));
      const before = await l.export();
      assertFails(await l.run("dep", "add", c, a), /cycle/i);
      assertFails(await l.run("dep", "add", b, a), /cycle/i);
      assert.equal(await l.export(), before);
      assert.deepEqual(await l.json("dep", "list", c), []);
      assert.deepEqual(await l.json("dep", "cycles"), []);
    });

    it("refuses a self-dependency", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const before = await l.export();
      assertFails(await l.run("dep", "add", a, a));
      assert.equal(await l.export(), before);
      assert.deepEqual(await l.json("dep", "list", a), []);
    });

    it("refuses an edge to an unknown issue", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const before = await l.export();
      assertFails(await l.run("dep", "add", a, "t-nothere"));
      assert.equal(await l.export(), before);
    });

    it("tree --json walks the chain with depths", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      const c = await l.create("C");
      assertOk(await l.run("dep", "add", a, b));
      assertOk(await l.run("dep", "add", b, c));
      const nodes = await l.json<Array<{ id: string; depth: number }>>("dep", "tree", a);
      assert.deepEqual(
        nodes.map((n) => [n.id, n.depth]),
        [
          [a, 0],
          [b, 1],
          [c, 2],
        ],
      );
      const text = assertOk(await l.run("dep", "tree", a)).stdout;
      for (const id of [a, b, c]) assert.ok(text.includes(id));
    });

    it("cycles --json is an empty array when there are none, and finds one made with --no-cycle-check", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      assertOk(await l.run("dep", "add", a, b));
      assert.deepEqual(await l.json("dep", "cycles"), []);
      assertOk(await l.run("dep", "add", b, a, "--no-cycle-check"));
      const cycles = await l.json<IssueWithCounts[][]>("dep", "cycles");
      assert.equal(cycles.length, 1);
      assert.deepEqual(cycles[0]!.map((i) => i.id).sort(), [a, b].sort());
    });
  });

  describe("labels and comments", { concurrency: true }, () => {
    it("label add / remove / list / list-all", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      const b = await l.create("B");
      assertOk(await l.run("label", "add", a, "urgent"));
      assertOk(await l.run("label", "add", a, b, "backend"));
      assert.deepEqual(await l.json("label", "list", a), ["backend", "urgent"]);
      assert.deepEqual(await l.json("label", "list", b), ["backend"]);
      assert.deepEqual(await l.json("label", "list-all"), [
        { label: "backend", count: 2 },
        { label: "urgent", count: 1 },
      ]);
      assertOk(await l.run("label", "remove", a, "urgent"));
      assert.deepEqual(await l.json("label", "list", a), ["backend"]);
      assert.deepEqual(await l.json("label", "list-all"), [{ label: "backend", count: 2 }]);
    });

    it("comments add / comments --json", async (t) => {
      const l = await ledger(t);
      const a = await l.create("A");
      assert.deepEqual(await l.json("comments", a), []);
      assertOk(await l.run("comments", "add", a, "first", "words"));
      assertOk(await l.run("comment", "add", a, "second"));
      const list = await l.json<Comment[]>("comments", a);
      assert.deepEqual(
        list.map((c) => [c.issue_id, c.author, c.text]),
        [
          [a, "tester", "first words"],
          [a, "tester", "second"],
        ],
      );
      assert.equal((await l.show(a)).comments?.length, 2);
      assertFails(await l.run("comments", "add", a, "  "));
      assert.equal((await l.json<Comment[]>("comments", a)).length, 2);
    });
  });

  describe("export and import", { concurrency: true }, () => {
    /** A ledger with labels, edges, comments and a closed issue. */
    async function populated(t: TestContext): Promise<{ l: Ledger; ids: string[] }> {
      const l = await ledger(t);
      const epic = await l.create("Epic", "-t", "epic", "--labels", "area");
      const child = await l.create("Child", "--parent", epic, "-d", "With a description");
      const other = await l.create("Other", "-p", "0", "--deps", child);
      assertOk(await l.run("comments", "add", child, "a comment"));
      const done = await l.create("Done");
      assertOk(await l.run("close", done, "--reason", "finished"));
      return { l, ids: [epic, child, other, done] };
    }

    it("writes JSONL sorted by ID with labels, dependencies and comments embedded", async (t) => {
      const { l, ids } = await populated(t);
      const [epic, child, other, done] = ids as [string, string, string, string];
      const rows = parseJsonlText(await l.export());
      const got = rows.map((r) => r.id as string);
      assert.deepEqual(got, [...ids].sort());
      const by = new Map(rows.map((r) => [r.id as string, r]));
      assert.deepEqual(by.get(epic)!.labels, ["area"]);
      const childRow = by.get(child)!;
      assert.deepEqual(childRow.labels, ["area"]);
      const deps = childRow.dependencies as Array<{ depends_on_id: string; type: string }>;
      assert.deepEqual(
        deps.map((d) => [d.depends_on_id, d.type]),
        [[epic, "parent-child"]],
      );
      const comments = childRow.comments as Comment[];
      assert.deepEqual(
        comments.map((c) => c.text),
        ["a comment"],
      );
      const otherDeps = by.get(other)!.dependencies as Array<{ depends_on_id: string; type: string }>;
      assert.deepEqual(
        otherDeps.map((d) => [d.depends_on_id, d.type]),
        [[child, "blocks"]],
      );
      assert.equal(by.get(done)!.close_reason, "finished");
      // -o writes the same text to a file.
      const file = join(l.dir, "out.jsonl");
      assertOk(await l.run("export", "-o", file));
      assert.equal(readFileSync(file, "utf8"), await l.export());
    });

    it("import into a fresh ledger reproduces the same export; a second import changes nothing", async (t) => {
      const { l } = await populated(t);
      const text = await l.export();
      const file = join(l.dir, "dump.jsonl");
      writeFileSync(file, text);
      const fresh = await ledger(t);
      const first = await fresh.json<{ created: number; updated: number }>("import", file);
      assert.equal(first.created, 4);
      assert.equal(first.updated, 0);
      assert.equal(await fresh.export(), text);
      const second = await fresh.json<{ created: number; updated: number; unchanged: number }>(
        "import",
        file,
      );
      assert.equal(second.created, 0);
      assert.equal(second.updated, 0);
      assert.equal(second.unchanged, 4);
      assert.equal(await fresh.export(), text);
      // Ready work survives the trip: the blocked issue is still blocked.
      assert.deepEqual((await fresh.readyIds()).sort(), (await l.readyIds()).sort());
    });

    it("import updates changed issues and never deletes", async (t) => {
      const { l, ids } = await populated(t);
      const file = join(l.dir, "dump.jsonl");
      writeFileSync(file, await l.export());
      const extra = await l.create("Only here");
      assertOk(await l.run("update", ids[2]!, "--title", "Renamed locally"));
      const r = await l.json<{ created: number; updated: number }>("import", file);
      assert.equal(r.created, 0);
      assert.equal(r.updated, 1);
      assert.equal((await l.show(ids[2]!)).title, "Other");
      assert.equal((await l.show(extra)).title, "Only here");
    });

    it("a malformed JSONL file is a one-line error and changes nothing", async (t) => {
      const l = await ledger(t);
      await l.create("Existing");
      const before = await l.export();
      const file = join(l.dir, "bad.jsonl");
      const good = JSON.stringify({
        id: "t-new1",
        title: "Would be new",
        status: "open",
        priority: 2,
        issue_type: "task",
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
      });
      writeFileSync(file, `${good}\n{"id": "t-broken", "title": \n`);
      assertFails(await l.run("import", file), /line 2/);
      assert.equal(await l.export(), before);
      assertFails(await l.run("show", "t-new1"));
      assertFails(await l.run("import", join(l.dir, "missing.jsonl")));
      assert.equal(await l.export(), before);
    });
  });

  describe("bad input leaves the ledger unchanged", { concurrency: true }, () => {
    const cases: Array<[string, (id: string) => string[], RegExp]> = [
      ["invalid priority on create", () => ["create", "x", "-p", "7"], /priority/],
      ["invalid priority on update", (id) => ["update", id, "-p", "9"], /priority/],
      ["invalid type on create", () => ["create", "x", "-t", "bogus"], /type/],
      ["invalid type on update", (id) => ["update", id, "-t", "bogus"], /type/],
      ["invalid status on update", (id) => ["update", id, "--status", "bogus"], /status/],
      ["invalid status on create", () => ["create", "x", "--status", "bogus"], /status/],
      ["empty title", () => ["create", ""], /title/],
      ["blank title", () => ["create", "   "], /title/],
      ["empty title on update", (id) => ["update", id, "--title", ""], /title/],
      ["unknown flag", () => ["create", "x", "--bogus-flag"], /unknown option/],
      ["misspelt flag", () => ["create", "x", "--priorty", "1"], /unknown option/],
      ["unknown flag on list", () => ["list", "--frobnicate"], /unknown option/],
      ["unknown command", () => ["frobnicate"], /unknown command/],
      ["invalid status filter", () => ["list", "--status", "bogus"], /status/],
      ["unknown parent", () => ["create", "x", "--parent", "t-nothere"], /t-nothere/],
      ["invalid metadata", (id) => ["update", id, "--metadata", "{not json"], /metadata/],
      ["conflicting wisp flags", (id) => ["update", id, "--ephemeral", "--persistent"], /together/],
      ["notes and append-notes", (id) => ["update", id, "--notes", "a", "--append-notes", "b"], /together/],
      ["invalid mol-type", () => ["create", "x", "--mol-type", "weird"], /mol-type/],
      [
        "unknown dependency type",
        (id) => ["create", "x", "--deps", `bogus:${id}`],
        /unknown dependency type/,
      ],
      ["bad time expression", (id) => ["update", id, "--defer", "whenever"], /--defer format/],
      ["cycle via create", (id) => ["create", "x", "--deps", `${id}`, "--deps", `blocks:${id}`], /cycle/],
    ];
    for (const [name, args, pattern] of cases) {
      it(name, async (t) => {
        const l = await ledger(t);
        const id = await l.create("Bystander", "--labels", "x");
        const before = await l.export();
        const jsonlBefore = readFileSync(join(l.beads, "issues.jsonl"), "utf8");
        assertFails(await l.run(...args(id)), pattern);
        assert.equal(await l.export(), before);
        assert.equal(readFileSync(join(l.beads, "issues.jsonl"), "utf8"), jsonlBefore);
      });
    }

    it("--json errors are a JSON object on stdout and one line on stderr", async (t) => {
      const l = await ledger(t);
      const r = await l.run("create", "x", "-p", "7", "--json");
      assert.notEqual(r.code, 0);
      const err = JSON.parse(r.stdout) as { error: string };
      assert.match(err.error, /priority/);
      assert.match(r.stderr, /^Error: invalid priority "7"[^\n]*\n$/);
    });
  });

  describe("finding the ledger", { concurrency: true }, () => {
    it("walks up from a subdirectory when bd is run by absolute path", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Top");
      const sub = join(l.dir, "a", "b", "c");
      mkdirSync(sub, { recursive: true });
      assert.deepEqual(
        (await bdJson<IssueWithCounts[]>(sub, ["list"])).map((r) => r.id),
        [id],
      );
      const made = await createIssue(sub, "From below");
      assert.equal((await l.show(made)).title, "From below");
      assert.ok(!existsSync(join(sub, ".beads")));
    });

    it("BEADS_DIR works from an unrelated directory", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Pinned");
      const elsewhere = scratch(t);
      const env = { BEADS_DIR: l.beads };
      const rows = await bdJson<IssueDetails[]>(elsewhere, ["show", id], env);
      assert.equal(rows[0]!.title, "Pinned");
      const made = await createIssue(elsewhere, "Via env", [], env);
      assert.equal((await l.show(made)).title, "Via env");
      // Without it, there is no ledger there.
      assertFails(await bd(elsewhere, ["list"]), /init/);
    });

    it("follows .beads/redirect to the real ledger", async (t) => {
      const l = await ledger(t);
      const id = await l.create("Shared");
      const worktree = scratch(t);
      mkdirSync(join(worktree, ".beads"));
      writeFileSync(join(worktree, ".beads", "redirect"), `${relative(worktree, l.beads)}\n`);
      const rows = await bdJson<IssueDetails[]>(worktree, ["show", id]);
      assert.equal(rows[0]!.title, "Shared");
      const made = await createIssue(worktree, "From the worktree");
      assert.equal((await l.show(made)).title, "From the worktree");
      assert.ok(!existsSync(join(worktree, ".beads", "beads.db")));
    });

    it("routes an ID prefix to another rig through the town's routes.jsonl", async (t) => {
      const town = scratch(t);
      mkdirSync(join(town, ".beads"));
      writeFileSync(
        join(town, ".beads", "routes.jsonl"),
        `# routes\n${JSON.stringify({ prefix: "rb-", path: "rigb" })}\nnot json\n`,
      );
      const riga = join(town, "riga");
      const rigb = join(town, "rigb");
      mkdirSync(riga);
      mkdirSync(rigb);
      assertOk(await bd(riga, ["init", "--prefix", "ra", "--quiet"]));
      assertOk(await bd(rigb, ["init", "--prefix", "rb", "--quiet"]));
      const remote = await createIssue(rigb, "Lives in rig B");
      assert.match(remote, /^rb-/);
      const local = await createIssue(riga, "Lives in rig A");
      const rows = await bdJson<IssueDetails[]>(riga, ["show", remote]);
      assert.equal(rows[0]!.id, remote);
      assert.equal(rows[0]!.title, "Lives in rig B");
      const both = await bdJson<IssueDetails[]>(riga, ["show", local, remote]);
      assert.deepEqual(
        both.map((r) => r.id),
        [local, remote],
      );
      assertFails(await bd(riga, ["show", "rb-zzzzzz"]));
      // The route did not copy anything into rig A.
      assert.deepEqual(
        (await bdJson<IssueWithCounts[]>(riga, ["list"])).map((r) => r.id),
        [local],
      );
    });
  });

  describe("queries and info", () => {
    let l: Ledger;
    let cleanup: () => void;
    let parent: string;
    let kids: string[];
    let needle: string;
    before(async () => {
      const f = await freshLedger();
      cleanup = f.cleanup;
      l = new Ledger(f.dir);
      parent = await l.create("Parent", "-t", "epic");
      kids = [await l.create("Kid one", "--parent", parent), await l.create("Kid two", "--parent", parent)];
      needle = await l.create("Haystack", "-d", "somewhere a unique-needle hides");
      const done = await l.create("Closed one");
      assertOk(await l.run("close", done));
      assertOk(await l.run("dep", "add", needle, kids[0]!));
      // An issue last touched long ago, brought in through import.
      const old = JSON.stringify({
        id: "t-old1",
        title: "Ancient",
        status: "open",
        priority: 3,
        issue_type: "task",
        created_at: "2020-01-01T00:00:00Z",
        updated_at: "2020-01-02T00:00:00Z",
      });
      const file = join(l.dir, "old.jsonl");
      writeFileSync(file, `${old}\n`);
      assertOk(await l.run("import", file));
    });
    after(() => cleanup());

    it("sql --json returns rows", async () => {
      const rows = await l.json<Array<{ id: string; title: string }>>(
        "sql",
        "SELECT id, title FROM issues WHERE id = 't-old1'",
      );
      assert.deepEqual(rows, [{ id: "t-old1", title: "Ancient" }]);
      const n = await l.json<Array<{ n: number }>>("sql", "SELECT count(*) AS n FROM issues");
      assert.equal(n[0]!.n, 6);
      // A semicolon inside a string or comment is not a second statement.
      assert.deepEqual(await l.json("sql", "SELECT 'a;b' AS x -- note; more"), [{ x: "a;b" }]);
    });

    it("sql refuses DELETE and changes nothing", async () => {
      const before = await l.export();
      assertFails(await l.run("sql", "DELETE FROM issues"));
      // SQLite would run only the first statement; the second must not be silently dropped.
      assertFails(await l.run("sql", "SELECT 1; DELETE FROM issues"));
      assertFails(await l.run("sql", "UPDATE issues SET title = 'x'"));
      assert.equal(await l.export(), before);
    });

    it("count --json", async () => {
      assert.deepEqual(await l.json("count"), { count: 6, schema_version: 1 });
      assert.deepEqual(await l.json("count", "--status", "open"), { count: 5, schema_version: 1 });
      const grouped = await l.json<{ total: number; groups: Array<{ group: string; count: number }> }>(
        "count",
        "--by-status",
      );
      assert.equal(grouped.total, 6);
      assert.deepEqual(grouped.groups, [
        { group: "closed", count: 1 },
        { group: "open", count: 5 },
      ]);
    });

    it("stats --json", async () => {
      const s = await l.json<{ summary: Record<string, number> }>("stats");
      assert.equal(s.summary.total_issues, 6);
      assert.equal(s.summary.open_issues, 5);
      assert.equal(s.summary.closed_issues, 1);
      assert.equal(s.summary.in_progress_issues, 0);
      assert.equal(s.summary.blocked_issues, 1);
      // Ready: parent, kid one, kid two, ancient (haystack waits on kid one).
      assert.equal(s.summary.ready_issues, 4);
      assertOk(await l.run("stats"));
    });

    it("search matches titles and IDs; descriptions through --desc-contains", async () => {
      assert.deepEqual(
        (await l.json<IssueWithCounts[]>("search", "haystack")).map((r) => r.id),
        [needle],
      );
      assert.deepEqual(
        (await l.json<IssueWithCounts[]>("search", needle)).map((r) => r.id),
        [needle],
      );
      assert.deepEqual(await l.json("search", "unique-needle"), []);
      assert.deepEqual(
        (await l.json<IssueWithCounts[]>("search", "a", "--desc-contains", "unique-needle")).map((r) => r.id),
        [needle],
      );
      // Closed issues only with --status all.
      assert.deepEqual(await l.json("search", "Closed one"), []);
      assert.equal((await l.json<IssueWithCounts[]>("search", "Closed one", "--status", "all")).length, 1);
      assert.deepEqual(
        (await l.json<IssueWithCounts[]>("search", "Kid")).map((r) => r.id).sort(),
        [...kids].sort(),
      );
      assert.deepEqual(await l.json("search", "no-such-text-anywhere"), []);
    });

    it("stale --json lists issues not updated recently", async () => {
      const rows = await l.json<IssueWithCounts[]>("stale");
      assert.deepEqual(
        rows.map((r) => r.id),
        ["t-old1"],
      );
      assert.deepEqual(
        (await l.json<IssueWithCounts[]>("stale", "--days", "100000")).map((r) => r.id),
        [],
      );
    });

    it("children --json lists an issue's children", async () => {
      const rows = await l.json<IssueWithCounts[]>("children", parent);
      assert.deepEqual(rows.map((r) => r.id).sort(), [...kids].sort());
      assert.ok(rows.every((r) => r.parent === parent));
      assert.deepEqual(await l.json("children", kids[0]!), []);
    });

    it("prime prints guidance text", async () => {
      const r = assertOk(await l.run("prime"));
      assert.match(r.stdout, /bd ready/);
      assert.ok(r.stdout.length > 200);
    });

    it("version and quickstart exit 0", async () => {
      const v = assertOk(await l.run("version"));
      assert.match(v.stdout, /^bd version \d+\.\d+\.\d+/);
      const q = assertOk(await l.run("quickstart"));
      assert.ok(q.stdout.trim().length > 0);
      const elsewhere = tempDir();
      try {
        assertOk(await bd(elsewhere.dir, ["version"]));
      } finally {
        elsewhere.cleanup();
      }
    });
  });

  describe("export.auto", { concurrency: true }, () => {
    it("keeps .beads/issues.jsonl in step with every write", async (t) => {
      const l = await ledger(t);
      const file = join(l.beads, "issues.jsonl");
      assert.ok(!existsSync(file), "no file before the first write");
      const id = await l.create("Fresh");
      let rows = parseJsonlText(readFileSync(file, "utf8"));
      assert.deepEqual(
        rows.map((r) => [r.id, r.title]),
        [[id, "Fresh"]],
      );
      assertOk(await l.run("update", id, "--title", "Renamed", "--add-label", "seen"));
      rows = parseJsonlText(readFileSync(file, "utf8"));
      assert.equal(rows[0]!.title, "Renamed");
      assert.deepEqual(rows[0]!.labels, ["seen"]);
      assert.equal(readFileSync(file, "utf8"), await l.export());
    });

    it("init --no-auto-export leaves issues.jsonl alone", async (t) => {
      const dir = scratch(t);
      assertOk(await bd(dir, ["init", "--prefix", "t", "--no-auto-export", "--quiet"]));
      await createIssue(dir, "Not exported");
      assert.ok(!existsSync(join(dir, ".beads", "issues.jsonl")), "no export was written");
    });
  });

  it("uses the real executable", () => {
    assert.ok(BD.endsWith("/bin/bd"));
    assert.ok(existsSync(BD));
  });
});
