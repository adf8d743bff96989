// Crash safety: a bd write killed with SIGKILL in any window of its write must leave an
// intact database, an issues.jsonl whose every line parses, and a ledger the next bd command
// (a read too) repairs. A write that fails half-way must leave nothing behind.
//
// The export runs after the write's COMMIT, from what is committed, so issues.jsonl never
// holds an issue the database does not (a phantom that a `git commit` in that window would
// ship); a kill between the two leaves it one write behind until the next command. The kill
// lands in each window on every run, through the test-only fault points of
// src/test-pause.ts (GT_TEST_CRASH=<point>: the process SIGKILLs itself there):
//   ledger:committed      the write is committed, issues.jsonl not touched
//   ledger:jsonl-written  the new export is in its temp file, issues.jsonl not yet replaced
//   ledger:jsonl-renamed  issues.jsonl replaced, the export's own transaction lost
// After each: the database holds the write, the file holds nothing the database does not,
// and the next command (a read) makes issues.jsonl exactly what `bd export` writes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { BD, bd, bdJson, freshLedger, ROOT } from "../helpers/bd.ts";
import { type CrashResult, runCrashingAt } from "../helpers/fault-points.ts";

interface IssueJson {
  id: string;
  title: string;
  labels?: string[];
}

const NODE = process.execPath;
const STORE_URL = pathToFileURL(join(ROOT, "src", "ledger", "sqlite", "store.ts")).href;

/** Fills a ledger quickly: `count` issues through the store, one write each (as bd makes them). */
const FILLER = `
import { SqliteLedger } from ${JSON.stringify(STORE_URL)};
const [dbPath, jsonlPath, count] = process.argv.slice(2);
const store = SqliteLedger.open({ path: dbPath, jsonlPath });
for (let i = 1; i <= Number(count); i++)
  await store.createIssue(
    { title: \`filler \${i}\`, description: "x".repeat(200), labels: ["crash", \`n-\${i % 7}\`] },
    "filler",
  );
await store.close();
`;

function jsonlLines(path: string): IssueJson[] {
  const text = readFileSync(path, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), "issues.jsonl does not end with a newline (torn write)");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as IssueJson;
      } catch (e) {
        throw new Error(
          `issues.jsonl line ${i + 1} does not parse: ${(e as Error).message}\n${l.slice(0, 200)}`,
        );
      }
    });
}

/** Opens the database directly (this also recovers the WAL) and checks its integrity. */
function dbState(dbPath: string): {
  integrity: string[];
  ids: string[];
  titles: Map<string, string>;
  pending: number;
} {
  const db = new DatabaseSync(dbPath);
  try {
    const integrity = db
      .prepare("PRAGMA integrity_check")
      .all()
      .map((r) => String(Object.values(r)[0]));
    const rows = db.prepare("SELECT id, title FROM issues ORDER BY id").all();
    const pending = Number(db.prepare("SELECT COUNT(*) AS n FROM export_pending").get()?.n);
    return {
      integrity,
      ids: rows.map((r) => String(r.id)),
      titles: new Map(rows.map((r) => [String(r.id), String(r.title)])),
      pending,
    };
  } finally {
    db.close();
  }
}

async function listIds(dir: string): Promise<string[]> {
  return (await bdJson<IssueJson[]>(dir, ["list", "--all", "--limit", "0"])).map((i) => i.id).sort();
}

/** Runs bd with GT_TEST_CRASH=<point>; resolves with the signal that ended it. */
function bdCrashingAt(dir: string, args: string[], point: string): Promise<CrashResult> {
  return runCrashingAt(BD, dir, args, point, { BEADS_ACTOR: "tester" });
}

const POINTS = ["ledger:committed", "ledger:jsonl-written", "ledger:jsonl-renamed"] as const;

describe("a kill in each window of a write", () => {
  let dir = "";
  let beads = "";
  let cleanup: () => void = () => {};
  // Each case on a ledger of its own, so one that fails leaves nothing for the next.
  beforeEach(async () => {
    ({ dir, cleanup } = await freshLedger("cr"));
    beads = join(dir, ".beads");
    const script = join(dir, "filler.mjs");
    writeFileSync(script, FILLER);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(NODE, [script, join(beads, "beads.db"), join(beads, "issues.jsonl"), "40"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
      });
      child.once("error", reject);
      child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`filler exited ${code}`))));
    });
    assert.equal((await listIds(dir)).length, 40);
  });
  afterEach(() => cleanup());

  const temps = () => readdirSync(beads).filter((f) => f.includes(".tmp-"));

  /** The file after the kill: every line parses, no duplicates, nothing uncommitted. */
  function checkAfterKill(point: string) {
    const db = dbState(join(beads, "beads.db"));
    assert.deepEqual(db.integrity, ["ok"]);
    const exported = jsonlLines(join(beads, "issues.jsonl"));
    const ids = new Set(exported.map((i) => i.id));
    assert.equal(ids.size, exported.length, "duplicate IDs in issues.jsonl");
    assert.deepEqual(
      exported.filter((i) => !db.titles.has(i.id)).map((i) => i.id),
      [],
      `killed at ${point}: issues.jsonl holds a bead the database never committed`,
    );
    return { db, exported: new Map(exported.map((i) => [i.id, i.title])) };
  }

  /** The next command, a read, makes issues.jsonl exactly what an export of the database is. */
  async function checkRepaired(point: string) {
    const db = dbState(join(beads, "beads.db"));
    assert.deepEqual(await listIds(dir), db.ids);
    const file = readFileSync(join(beads, "issues.jsonl"), "utf8");
    const exported = await bd(dir, ["export"]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(
      file,
      exported.stdout,
      `after a kill at ${point}, a read did not bring issues.jsonl up to date`,
    );
    assert.deepEqual(temps(), [], "a killed export's temp file was left behind");
    assert.equal(dbState(join(beads, "beads.db")).pending, 0, "export_pending not cleared");
    const doctor = await bd(dir, ["doctor", "--json"]);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    // And the next write keeps it so.
    const next = await bd(dir, ["create", `after ${point}`, "--silent"]);
    assert.equal(next.code, 0, next.stderr);
    const now = await bd(dir, ["export"]);
    assert.equal(readFileSync(join(beads, "issues.jsonl"), "utf8"), now.stdout);
  }

  for (const point of POINTS) {
    it(`bd create killed at ${point}: the bead is committed, and exported by the next read`, async () => {
      const title = `created, killed at ${point}`;
      const r = await bdCrashingAt(dir, ["create", title, "--silent"], point);
      assert.equal(r.signal, "SIGKILL", `bd create did not reach ${point} (exit ${r.code}): ${r.stderr}`);
      const { db, exported } = checkAfterKill(point);
      const id = [...db.titles].find(([, t]) => t === title)?.[0];
      assert.ok(id, "the write was committed before the kill");
      // Where the kill landed: before the rename the file is one write behind; after it,
      // the file holds the write and the export's transaction is what was lost.
      assert.equal(exported.has(id), point === "ledger:jsonl-renamed", `issues.jsonl at ${point}`);
      assert.equal(db.pending, 1, "the write is still recorded as waiting for export");
      assert.equal(temps().length, point === "ledger:jsonl-written" ? 1 : 0);
      await checkRepaired(point);
    });

    it(`bd update killed at ${point}: the new title reaches issues.jsonl with the next read`, async () => {
      const db0 = dbState(join(beads, "beads.db"));
      const id = db0.ids[7]!;
      const title = `updated, killed at ${point}`;
      const r = await bdCrashingAt(dir, ["update", id, "--title", title], point);
      assert.equal(r.signal, "SIGKILL", `bd update did not reach ${point} (exit ${r.code}): ${r.stderr}`);
      const { db, exported } = checkAfterKill(point);
      assert.equal(db.titles.get(id), title, "the update was committed before the kill");
      assert.equal(exported.get(id) === title, point === "ledger:jsonl-renamed", `issues.jsonl at ${point}`);
      assert.equal(db.pending, 1, "the write is still recorded as waiting for export");
      await checkRepaired(point);
    });
  }

  it("a pull that lands after a kill at ledger:jsonl-renamed is imported, not taken for our export", async () => {
    // The killed export left its own-export marker behind; a file git puts in place after it
    // is not that export, and the beads it brings must reach the database.
    const r = await bdCrashingAt(dir, ["create", "before the pull", "--silent"], "ledger:jsonl-renamed");
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const path = join(beads, "issues.jsonl");
    const text = readFileSync(path, "utf8");
    const line = JSON.parse(text.split("\n")[0]!) as Record<string, unknown>;
    const pulled = { ...line, id: "cr-pulled", title: "arrived through git", labels: [] };
    writeFileSync(path, `${text}${JSON.stringify(pulled)}\n`);
    const listed = await listIds(dir);
    assert.ok(listed.includes("cr-pulled"), "the pulled bead was dropped");
    assert.ok(dbState(join(beads, "beads.db")).ids.includes("cr-pulled"));
    await checkRepaired("ledger:jsonl-renamed, then a pull");
  });
});

describe("a write that fails half-way", () => {
  let dir = "";
  let cleanup: () => void = () => {};

  before(async () => {
    ({ dir, cleanup } = await freshLedger("cr"));
  });
  after(() => cleanup());

  it("a write that fails half-way leaves no trace", async () => {
    const beads = join(dir, ".beads");
    const a = await bdJson<IssueJson>(dir, ["create", "dep a"]);
    const b = await bdJson<IssueJson>(dir, ["create", "dep b"]);
    const dep = await bd(dir, ["dep", "add", b.id, a.id]);
    assert.equal(dep.code, 0, dep.stderr);

    const counts = async () =>
      bdJson<Array<Record<string, number>>>(dir, [
        "sql",
        "SELECT (SELECT COUNT(*) FROM issues) AS issues, (SELECT COUNT(*) FROM events) AS events, " +
          "(SELECT COUNT(*) FROM labels) AS labels, (SELECT COUNT(*) FROM dependencies) AS deps, " +
          "(SELECT COUNT(*) FROM comments) AS comments",
      ]);
    const baseline = await counts();
    const jsonlBefore = readFileSync(join(beads, "issues.jsonl"), "utf8");
    const tmpBefore = readdirSync(beads).filter((f) => f.includes(".tmp-"));

    // The issue row, its event, its labels and the first dependency are written before the
    // second dependency's target turns out not to exist.
    const create = await bd(dir, [
      "create",
      "half written",
      "--labels",
      "x,y",
      "--deps",
      `blocks:${a.id},blocks:cr-doesnotexist`,
      "--json",
    ]);
    assert.notEqual(create.code, 0, "create with a missing dependency target succeeded");
    assert.match(create.stderr, /not_found|no issue found/);

    // A dependency cycle is refused.
    const cycle = await bd(dir, ["dep", "add", a.id, b.id, "--json"]);
    assert.notEqual(cycle.code, 0, "cycle was accepted");
    assert.match(cycle.stderr, /cycle/);

    assert.deepEqual(await counts(), baseline);
    assert.equal(readFileSync(join(beads, "issues.jsonl"), "utf8"), jsonlBefore, "export changed");
    assert.deepEqual(
      readdirSync(beads).filter((f) => f.includes(".tmp-")),
      tmpBefore,
      "a failed write left a temp file",
    );
    const titles = (await bdJson<IssueJson[]>(dir, ["list", "--all", "--limit", "0"])).map((i) => i.title);
    assert.ok(!titles.includes("half written"));
    assert.deepEqual(dbState(join(beads, "beads.db")).integrity, ["ok"]);
  });
});
