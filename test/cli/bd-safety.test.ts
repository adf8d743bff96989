// No lost work, no bad input stored, nothing a bead holds reaches the terminal raw:
// - issues.jsonl lines bd cannot read survive a rebuilt database and every later export
//   byte for byte, are reported once with file:line, and are listed by `bd doctor`;
// - imported values are checked like CLI input (a wrong value is never stored);
// - the ledger's config travels in .beads/config.yaml and comes back with the database;
// - stored text is shown with control characters made visible, in every human output;
// - input that is not UTF-8 and IDs git could not use are refused with one line.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import type { IssueDetails, IssueWithCounts } from "../../src/ledger/model.ts";
import { BD, bd, bdJson, createIssue, freshLedger, nonBlankLines, type RunResult } from "../helpers/bd.ts";

delete process.env.BEADS_DIR;
delete process.env.BEADS_DB;

async function ledger(t: TestContext, prefix = "wa"): Promise<string> {
  const l = await freshLedger(prefix);
  t.after(l.cleanup);
  return l.dir;
}

function assertOk(r: RunResult): RunResult {
  assert.equal(r.code, 0, `expected exit 0, got ${r.code}; stderr: ${r.stderr}`);
  return r;
}

/** Non-zero exit and exactly one line on stderr (matching `pattern`). */
function assertFails(r: RunResult, pattern?: RegExp): string {
  assert.notEqual(r.code, 0, `expected a non-zero exit; stdout: ${r.stdout}`);
  const lines = nonBlankLines(r.stderr);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  if (pattern) assert.match(lines[0]!, pattern);
  return lines[0]!;
}

/** Deletes the database as a fresh clone lacks it (it is git-ignored). */
function dropDatabase(dir: string): void {
  for (const f of ["beads.db", "beads.db-wal", "beads.db-shm"])
    rmSync(join(dir, ".beads", f), { force: true });
}

/** Runs bd with raw bytes on stdin. */
function bdWithStdin(cwd: string, args: string[], input: Uint8Array): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(BD, args, { cwd, env: { ...process.env, BEADS_ACTOR: "tester" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs a shell command line (for arguments that are raw bytes). */
function sh(cwd: string, script: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn("/bin/sh", ["-c", script], {
      cwd,
      env: { ...process.env, BEADS_ACTOR: "tester", BD },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function count(dir: string): Promise<number> {
  return (await bdJson<{ count: number }>(dir, ["count"])).count;
}

const T = "2026-01-02T03:04:05Z";
function line(fields: Record<string, unknown>): string {
  return JSON.stringify({
    _type: "issue",
    status: "open",
    priority: 2,
    issue_type: "task",
    created_at: T,
    updated_at: T,
    ...fields,
  });
}

describe("lines bd cannot read", { concurrency: true }, () => {
  it("survive a rebuilt database and later writes byte for byte, warned once with file:line, listed by bd doctor", async (t) => {
    const dir = await ledger(t);
    const a = await createIssue(dir, "good one");
    const b = await createIssue(dir, "good two");
    const jsonl = join(dir, ".beads", "issues.jsonl");
    const [la, lb] = readFileSync(jsonl, "utf8").trimEnd().split("\n") as [string, string];
    const bad: Array<[string, Buffer]> = [
      ["priority", Buffer.from(line({ id: "wa-bad1", title: "words", priority: "high" }))],
      ["created_at", Buffer.from(line({ id: "wa-bad2", title: "when", created_at: "yesterday" }))],
      ["status", Buffer.from(line({ id: "wa-bad3", title: "number", status: 5 }))],
      ["invalid issue ID", Buffer.from(line({ id: "wa-x..y", title: "dots" }))],
      [
        "UTF-8",
        Buffer.concat([
          Buffer.from(line({ id: "wa-bin", title: "caf@" }).replace("@", "")),
          Buffer.from([0xe9]),
        ]),
      ],
      ["invalid JSON", Buffer.from('{"_type":"issue","id":"wa-torn","title":"cut of')],
    ];
    // good, bad, bad, good, bad..., and a torn last line without its newline.
    const file = Buffer.concat([
      Buffer.from(`${la}\n`),
      bad[0]![1],
      Buffer.from("\n"),
      bad[1]![1],
      Buffer.from(`\n${lb}\n`),
      ...bad.slice(2, 5).flatMap(([, l]) => [l, Buffer.from("\n")]),
      bad[5]![1],
    ]);
    writeFileSync(jsonl, file);
    const lineNo = [2, 3, 5, 6, 7, 8];
    dropDatabase(dir);

    // The first command rebuilds the database: good issues in, every bad line named once.
    const first = assertOk(await bd(dir, ["list", "--json"]));
    assert.deepEqual((JSON.parse(first.stdout) as IssueWithCounts[]).map((i) => i.id).sort(), [a, b].sort());
    const warnings = nonBlankLines(first.stderr);
    assert.equal(warnings.length, bad.length, first.stderr);
    bad.forEach(([what], i) => {
      assert.match(
        warnings[i]!,
        new RegExp(`issues\\.jsonl:${lineNo[i]}: .*${what.replace(/[.]/g, "\\.")}`, "i"),
      );
    });
    const again = assertOk(await bd(dir, ["list"]));
    assert.doesNotMatch(again.stderr, /warning/, "warned twice about the same lines");

    // Writes re-export the file: every unreadable line is still there, unchanged.
    const c = await createIssue(dir, "after the rebuild");
    assertOk(await bd(dir, ["update", a, "--title", "good one, renamed"]));
    const after = readFileSync(jsonl);
    for (const [what, bytes] of bad)
      assert.ok(after.includes(bytes), `the ${what} line was rewritten or dropped`);
    const text = after.toString("latin1");
    assert.ok(text.includes(c) && text.includes("good one, renamed"));

    // Nothing of them was stored, wrong or otherwise.
    const stored = await bdJson<Array<{ id: string }>>(dir, ["sql", "SELECT id FROM issues ORDER BY id"]);
    assert.deepEqual(stored.map((r) => r.id).sort(), [a, b, c].sort());

    // bd doctor lists them (and fails, so scripts notice).
    const doc = await bd(dir, ["doctor"]);
    assert.equal(doc.code, 1, doc.stdout + doc.stderr);
    // (Line numbers moved: new issues were written in between.)
    assert.equal(doc.stdout.match(/issues\.jsonl:\d+: /g)?.length, bad.length, doc.stdout);
    const report = JSON.parse((await bd(dir, ["doctor", "--json"])).stdout) as {
      ok: boolean;
      unreadable_lines: Array<{ line: number; reason: string }>;
    };
    assert.equal(report.ok, false);
    assert.equal(report.unreadable_lines.length, bad.length);
    const imp = await bd(dir, ["import", "--report"]);
    assert.equal(imp.code, 1);
    assert.equal(nonBlankLines(imp.stdout).length, 1 + bad.length, imp.stdout);
  });

  it("a clean ledger passes bd doctor", async (t) => {
    const dir = await ledger(t);
    await createIssue(dir, "fine");
    const doc = await bd(dir, ["doctor"]);
    assert.equal(doc.code, 0, doc.stdout + doc.stderr);
    assert.doesNotMatch(doc.stdout, /✗/);
  });
});

describe("imported values are checked like CLI input", { concurrency: true }, () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["a number as status", { status: 5 }, /status/],
    ["a word as priority", { priority: "high" }, /priority/],
    ["a word as a time", { created_at: "yesterday" }, /created_at/],
    ["an unknown status", { status: "finished" }, /status/],
    ["a non-text title", { title: 7 }, /title/],
    ["an ID git cannot use", { id: "wa-a b" }, /ID/],
    ["a negative estimate", { estimated_minutes: -5 }, /estimated_minutes/],
    ["labels that are not text", { labels: [1] }, /label/],
  ];
  for (const [what, fields, pattern] of cases) {
    it(`refuses ${what}, names the line, stores nothing`, async (t) => {
      const dir = await ledger(t);
      await createIssue(dir, "existing");
      const file = join(dir, "in.jsonl");
      writeFileSync(
        file,
        `${line({ id: "wa-ok1", title: "fine" })}\n${line({ id: "wa-new1", title: "x", ...fields })}\n`,
      );
      const msg = assertFails(await bd(dir, ["import", file]), /line 2/);
      assert.match(msg, pattern);
      assert.equal(await count(dir), 1);
      // --skip-errors imports the good line and still stores nothing wrong.
      const r = assertOk(await bd(dir, ["import", file, "--skip-errors", "--json"]));
      assert.equal((JSON.parse(r.stdout) as { skipped: number }).skipped, 1);
      assert.equal(await count(dir), 2);
      const rows = await bdJson<Array<{ id: string }>>(dir, [
        "sql",
        "SELECT id FROM issues WHERE id = 'wa-new1'",
      ]);
      assert.deepEqual(rows, []);
    });
  }

  it("a line that is not UTF-8 is named, not stored with U+FFFD", async (t) => {
    const dir = await ledger(t);
    const file = join(dir, "in.jsonl");
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(line({ id: "wa-l1", title: "caf" }).replace('"caf"', '"caf')),
        Buffer.from([0xe9, 0x22, 0x7d, 0x0a]),
      ]),
    );
    assertFails(await bd(dir, ["import", file]), /line 1: not valid UTF-8/);
    assert.equal(await count(dir), 0);
  });
});

describe("the ledger's config travels with issues.jsonl", { concurrency: true }, () => {
  it("custom types and statuses come back when beads.db is deleted", async (t) => {
    const dir = await ledger(t);
    assertOk(await bd(dir, ["config", "set", "types.custom", "widget"]));
    assertOk(await bd(dir, ["config", "set", "status.custom", "review:wip"]));
    const w = await createIssue(dir, "a widget", ["-t", "widget"]);
    assertOk(await bd(dir, ["update", w, "--status", "review"]));
    dropDatabase(dir);

    const rows = await bdJson<IssueWithCounts[]>(dir, ["list", "--status", "review"]);
    assert.deepEqual(
      rows.map((r) => [r.id, r.issue_type, r.status]),
      [[w, "widget", "review"]],
    );
    const w2 = await createIssue(dir, "another widget", ["-t", "widget"]);
    assert.ok(w2.startsWith("wa-"));
    assertOk(await bd(dir, ["update", w2, "--status", "review"]));
    const all = await bdJson<IssueWithCounts[]>(dir, ["list", "--all", "-t", "widget"]);
    assert.deepEqual(all.map((r) => r.id).sort(), [w, w2].sort());
    const yaml = readFileSync(join(dir, ".beads", "config.yaml"), "utf8");
    assert.match(yaml, /types\.custom: "widget"/);
    assert.match(yaml, /status\.custom: "review:wip"/);
  });

  it("the prefix and export setting come back even with no issues to guess them from", async (t) => {
    const dir = await ledger(t, "cfgp");
    assertOk(await bd(dir, ["config", "set", "allowed_prefixes", "ops"]));
    dropDatabase(dir);
    const id = await createIssue(dir, "first after the rebuild");
    assert.match(id, /^cfgp-/);
    assert.equal((await bdJson<{ value: string }>(dir, ["config", "get", "allowed_prefixes"])).value, "ops");
    assert.match(readFileSync(join(dir, ".beads", "issues.jsonl"), "utf8"), new RegExp(id));
  });

  it("a config.yaml changed through git is read, like the JSONL", async (t) => {
    const dir = await ledger(t);
    await createIssue(dir, "x");
    const file = join(dir, ".beads", "config.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}types.custom: "gadget"\n`);
    const g = await createIssue(dir, "a gadget", ["-t", "gadget"]);
    assert.equal((await bdJson<IssueDetails[]>(dir, ["show", g]))[0]!.issue_type, "gadget");
    assert.equal((await bdJson<{ value: string }>(dir, ["config", "get", "types.custom"])).value, "gadget");
  });

  it("config unset takes the key out of config.yaml", async (t) => {
    const dir = await ledger(t);
    assertOk(await bd(dir, ["config", "set", "types.custom", "widget"]));
    assertOk(await bd(dir, ["config", "unset", "types.custom"]));
    const yaml = readFileSync(join(dir, ".beads", "config.yaml"), "utf8");
    assert.doesNotMatch(yaml, /^types\.custom:/m);
    dropDatabase(dir);
    assertFails(await bd(dir, ["create", "w", "-t", "widget"]), /type/);
  });
});

describe("stored text never drives the terminal", { concurrency: true }, () => {
  const ESC = "\u001b";
  const evilTitle = `evil ${ESC}]0;pwned\u0007 ${ESC}[31mred\u009b1m`;
  const RAW = /[\u001b\u0007\u009b]/;

  it("list, show, ready, search, comments, labels, dep tree and prime show control pictures", async (t) => {
    const dir = await ledger(t);
    const id = await createIssue(dir, evilTitle, [
      "-d",
      `line one\n${ESC}[2Jcleared`,
      "--labels",
      `lab${ESC}[1m`,
      "--assignee",
      `amy${ESC}[5m`,
      "--notes",
      `n${ESC}]8;;http://x${ESC}\\`,
    ]);
    const other = await createIssue(dir, `blocker ${ESC}[7m`);
    assertOk(await bd(dir, ["dep", "add", id, other]));
    assertOk(await bd(dir, ["comments", "add", id, `said ${ESC}[8m hidden`]));
    const commands = [
      ["list"],
      ["list", "--flat"],
      ["show", id],
      ["show", id, "--short"],
      ["ready"],
      ["ready", "--plain"],
      ["blocked"],
      ["search", "evil"],
      ["comments", id],
      ["label", "list", id],
      ["label", "list-all"],
      ["dep", "tree", id],
      ["dep", "list", id],
      ["count", "--by-label"],
      ["prime"],
      ["update", id, "--priority", "1"],
      ["close", other],
    ];
    for (const args of commands) {
      const r = assertOk(await bd(dir, args));
      assert.doesNotMatch(r.stdout, RAW, `bd ${args.join(" ")} printed a raw control character`);
      assert.doesNotMatch(r.stderr, RAW, `bd ${args.join(" ")} printed a raw control character on stderr`);
    }
    const shown = (await bd(dir, ["show", id])).stdout;
    assert.ok(shown.includes("evil ␛]0;pwned␇ ␛[31mred"), shown);
    assert.ok(shown.includes("␛[2Jcleared"), "multi-line text keeps its lines, made safe");
    // JSON stays exact: the stored text, escaped by JSON itself.
    const json = await bdJson<IssueDetails[]>(dir, ["show", id]);
    assert.equal(json[0]!.title, evilTitle);
    assert.equal(json[0]!.assignee, `amy${ESC}[5m`);
  });

  it("an error quoting bad input is one safe line", async (t) => {
    const dir = await ledger(t);
    const id = await createIssue(dir, "x");
    const msg = assertFails(await bd(dir, ["update", id, "--status", `x${ESC}[31m\nsecond line`]), /status/);
    assert.doesNotMatch(msg, RAW);
  });
});

describe("input that is not UTF-8 is refused", { concurrency: true }, () => {
  const bytes = Buffer.concat([Buffer.from("caf"), Buffer.from([0xe9, 0x0a])]);

  it("--body-file", async (t) => {
    const dir = await ledger(t);
    const file = join(dir, "body.txt");
    writeFileSync(file, bytes);
    assertFails(await bd(dir, ["create", "x", "--body-file", file]), /body\.txt is not valid UTF-8/);
    assertFails(await bd(dir, ["comments", "add", "wa-zzz", "-f", file]), /not valid UTF-8/);
    assert.equal(await count(dir), 0);
  });

  it("stdin", async (t) => {
    const dir = await ledger(t);
    assertFails(
      await bdWithStdin(dir, ["create", "x", "--body-file", "-"], bytes),
      /stdin is not valid UTF-8/,
    );
    assertFails(await bdWithStdin(dir, ["import", "-"], bytes), /line 1: not valid UTF-8/);
    assert.equal(await count(dir), 0);
  });

  it("a command-line argument", async (t) => {
    const dir = await ledger(t);
    const r = await sh(dir, `"$BD" create "$(printf 'caf\\351')"`);
    assertFails(r, /argument .* is not valid UTF-8/);
    assert.equal(await count(dir), 0);
    // U+FFFD typed on purpose (valid UTF-8) is fine.
    assertOk(await sh(dir, `"$BD" create "$(printf 'ok \\357\\277\\275')" --silent`));
  });
});

describe("bead IDs that would break branch names or paths are refused", { concurrency: true }, () => {
  const bad = [
    "wa-x..y",
    "wa-a b",
    "wa-a/b",
    "wa-a@b",
    "wa-a~1",
    "wa-a^1",
    "wa-a:b",
    "wa-a?b",
    "wa-a*b",
    "wa-a[b",
    "wa-a\\b",
    "-wa-x",
    "wa-x.lock",
    "wa-",
    "wa-x.",
    "wa-.x",
    "wa-x-",
    "wa-x\u001b",
  ];
  it("by create --id, with one line, storing nothing", async (t) => {
    const dir = await ledger(t);
    for (const id of bad) {
      assertFails(await bd(dir, ["create", "x", `--id=${id}`, "--force"]), /invalid issue ID/);
    }
    assert.equal(await count(dir), 0);
    for (const id of ["wa-abc", "wa-abc.1", "wa-abc.1.2", "wa-cv-x1", "wa-q_1", "wa-p.gate-s1"]) {
      assertOk(await bd(dir, ["create", "x", `--id=${id}`, "--force", "--silent"]));
    }
    assert.equal(await count(dir), 6);
  });

  it("by import: the line is kept and named, not imported", async (t) => {
    const dir = await ledger(t);
    const jsonl = join(dir, ".beads", "issues.jsonl");
    const badLine = line({ id: "wa-x..y", title: "dots" });
    writeFileSync(jsonl, `${badLine}\n`);
    dropDatabase(dir);
    const r = assertOk(await bd(dir, ["create", "fresh", "--silent"]));
    assert.match(r.stderr, /issues\.jsonl:1: invalid issue ID/);
    assert.equal(await count(dir), 1);
    assert.ok(readFileSync(jsonl, "utf8").includes(badLine));
    assert.ok(existsSync(jsonl));
  });
});
