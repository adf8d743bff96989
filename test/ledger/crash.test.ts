// Crash safety: a writer killed with SIGKILL at a random moment (most of its time is spent
// writing the database and then issues.jsonl) must leave an intact database, an
// issues.jsonl whose every line parses, and a ledger the next bd command (a read too)
// repairs. A write that fails half-way must leave nothing behind.
//
// The export runs after the write's COMMIT, from what is committed, so issues.jsonl never
// holds an issue the database does not (a phantom that a `git commit` in that window would
// ship); a kill between the two leaves it one write behind until the next command. That is
// the invariant asserted here: JSONL ⊆ DB and |DB \ JSONL| <= 1 right after the kill, and
// JSONL = DB after the next bd command, whatever it is.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { BD, bd, bdJson, freshLedger, ROOT } from "../helpers/bd.ts";

interface IssueJson {
  id: string;
  title: string;
  labels?: string[];
}

const NODE = process.execPath;
const STORE_URL = pathToFileURL(join(ROOT, "src", "ledger", "sqlite", "store.ts")).href;

/** A writer that creates issues forever, printing the running count after each commit. */
const WRITER = `
import { SqliteLedger } from ${JSON.stringify(STORE_URL)};
const [dbPath, jsonlPath, tag] = process.argv.slice(2);
const store = SqliteLedger.open({ path: dbPath, jsonlPath });
for (let i = 1; ; i++) {
  await store.createIssue(
    { title: \`crash \${tag} \${i}\`, description: "x".repeat(200), labels: ["crash", \`round-\${tag}\`] },
    "crasher",
  );
  process.stdout.write(\`\${i}\\n\`);
}
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
function dbState(dbPath: string): { integrity: string[]; ids: string[] } {
  const db = new DatabaseSync(dbPath);
  try {
    const integrity = db
      .prepare("PRAGMA integrity_check")
      .all()
      .map((r) => String(Object.values(r)[0]));
    const ids = db
      .prepare("SELECT id FROM issues ORDER BY id")
      .all()
      .map((r) => String(r.id));
    return { integrity, ids };
  } finally {
    db.close();
  }
}

async function listIds(dir: string): Promise<string[]> {
  return (await bdJson<IssueJson[]>(dir, ["list", "--all", "--limit", "0"])).map((i) => i.id).sort();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe("crash safety", () => {
  let dir = "";
  let cleanup: () => void = () => {};
  const children = new Set<ChildProcess>();

  before(async () => {
    ({ dir, cleanup } = await freshLedger("cr"));
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    cleanup();
  });

  /** Runs the writer until it has committed at least `atLeast` issues, then SIGKILLs it. */
  async function killWriterAfter(tag: string, atLeast: number): Promise<number> {
    const beads = join(dir, ".beads");
    const script = join(dir, "writer.mjs");
    writeFileSync(script, WRITER);
    const child = spawn(NODE, [script, join(beads, "beads.db"), join(beads, "issues.jsonl"), tag], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let committed = 0;
    let stderr = "";
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      buf += s;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      const last = lines.at(-1);
      if (last) committed = Number(last);
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    // "close" comes after the last stdout chunk, so `committed` is final once it fires.
    const closed = new Promise<void>((r) => child.once("close", () => r()));
    const deadline = Date.now() + 20_000;
    while (committed < atLeast) {
      if (child.exitCode !== null) assert.fail(`writer exited early (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) assert.fail(`writer made no progress (${committed}): ${stderr}`);
      await sleep(2);
    }
    // Land the kill at an arbitrary point of a later write.
    await sleep(Math.floor(Math.random() * 25));
    child.kill("SIGKILL");
    await closed;
    children.delete(child);
    assert.equal(child.signalCode, "SIGKILL", `writer was not killed: ${stderr}`);
    return committed;
  }

  const rounds = 4;
  for (let round = 1; round <= rounds; round++) {
    it(`round ${round}: SIGKILL mid-write leaves an intact DB and a parseable export`, async (t) => {
      const beads = join(dir, ".beads");
      const base = dbState(join(beads, "beads.db")).ids.length;
      const committed = await killWriterAfter(String(round), 30 + Math.floor(Math.random() * 40));

      // The database: intact, and holding every write the writer saw committed.
      const db = dbState(join(beads, "beads.db"));
      assert.deepEqual(db.integrity, ["ok"]);
      assert.ok(
        db.ids.length >= base + committed,
        `DB has ${db.ids.length} issues, writer committed ${committed} on top of ${base}`,
      );
      assert.ok(db.ids.length <= base + committed + 1, "DB has more than one write beyond the last report");

      // The export as the kill left it: every line parses; nothing the database does not
      // hold, and at most the one committed write whose export never ran.
      const exported = jsonlLines(join(beads, "issues.jsonl"));
      const exportedIds = new Set(exported.map((i) => i.id));
      assert.equal(exportedIds.size, exported.length, "duplicate IDs in issues.jsonl");
      const dbIds = new Set(db.ids);
      const phantom = exported.filter((i) => !dbIds.has(i.id));
      assert.deepEqual(phantom, [], "issues.jsonl holds issues the database never committed");
      const behind = db.ids.filter((id) => !exportedIds.has(id));
      assert.ok(behind.length <= 1, `issues.jsonl is ${behind.length} committed issues behind`);
      const leftovers = readdirSync(beads).filter((f) => f.includes(".tmp-"));
      t.diagnostic(
        `committed=${committed} db=${db.ids.length - base} jsonl-behind=${behind.length} leftover-tmp=${leftovers.length}`,
      );

      // bd reads it, and the read brings the export up to date.
      const listed = await listIds(dir);
      assert.deepEqual(listed, db.ids);
      assert.deepEqual(
        jsonlLines(join(beads, "issues.jsonl"))
          .map((i) => i.id)
          .sort(),
        db.ids,
        "a read did not bring issues.jsonl up to date",
      );

      // The next write repairs the export, whatever the kill left behind.
      const created = await bdJson<IssueJson>(dir, ["create", `after crash ${round}`]);
      const now = await listIds(dir);
      assert.equal(now.length, db.ids.length + 1);
      assert.ok(now.includes(created.id));
      const reExported = jsonlLines(join(beads, "issues.jsonl"))
        .map((i) => i.id)
        .sort();
      assert.deepEqual(reExported, now, "issues.jsonl does not match the DB after the next write");
      assert.deepEqual(dbState(join(beads, "beads.db")).integrity, ["ok"]);
    });
  }

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

/**
 * Preloaded into one bd process (NODE_OPTIONS=--require): stops it for good at a chosen
 * point of its issues.jsonl export, after writing a flag file, so the test can look at the
 * files and SIGKILL it exactly there. `after-rename`: the new file is in place; `before-rename`:
 * only the temp file is written. Works on any build of bd: it patches node:fs, not bd.
 */
const PAUSER = `
const fs = require("node:fs");
const flag = process.env.BD_CRASH_TEST_FLAG;
const when = process.env.BD_CRASH_TEST_WHEN;
const rename = fs.renameSync;
const write = fs.writeFileSync;
let paused = false;
function pause() {
  paused = true;
  write(flag, String(process.pid));
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60000);
}
fs.renameSync = function (from, to) {
  const r = rename.call(this, from, to);
  if (!paused && when === "after-rename" && String(to).endsWith("issues.jsonl")) pause();
  return r;
};
fs.writeFileSync = function (file, ...rest) {
  if (!paused && when === "before-rename" && String(file).includes("issues.jsonl.tmp-")) pause();
  return write.call(this, file, ...rest);
};
`;

describe("a kill inside the export", () => {
  let dir = "";
  let cleanup: () => void = () => {};
  const children = new Set<ChildProcess>();
  before(async () => {
    ({ dir, cleanup } = await freshLedger("ph"));
    writeFileSync(join(dir, "pauser.cjs"), PAUSER);
    for (let i = 0; i < 3; i++) assert.equal((await bd(dir, ["create", `base ${i}`, "--silent"])).code, 0);
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    cleanup();
  });

  /** Starts `bd create <title>` paused at `when`; resolves once it is stopped there. */
  async function pausedCreate(title: string, when: string): Promise<ChildProcess> {
    const flag = join(dir, `paused-${when}`);
    const child = spawn(BD, ["create", title, "--silent"], {
      cwd: dir,
      env: {
        ...process.env,
        BEADS_ACTOR: "tester",
        NODE_OPTIONS: `--require ${join(dir, "pauser.cjs")}`,
        BD_CRASH_TEST_FLAG: flag,
        BD_CRASH_TEST_WHEN: when,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const deadline = Date.now() + 30_000;
    while (!existsSync(flag)) {
      if (child.exitCode !== null) assert.fail(`bd create finished without reaching ${when}: ${stderr}`);
      if (Date.now() > deadline) assert.fail(`bd create never reached ${when}: ${stderr}`);
      await sleep(10);
    }
    return child;
  }

  async function kill(child: ChildProcess): Promise<void> {
    const closed = new Promise<void>((r) => child.once("close", () => r()));
    child.kill("SIGKILL");
    await closed;
    children.delete(child);
  }

  it("never leaves issues.jsonl holding a bead the database has not committed", async () => {
    const beads = join(dir, ".beads");
    const child = await pausedCreate("phantom?", "after-rename");
    // Stopped right after issues.jsonl was replaced: whatever it holds must be committed,
    // or a `git commit` now would ship a bead that (after the kill) never existed.
    const inFile = jsonlLines(join(beads, "issues.jsonl")).map((i) => i.id);
    const committed = new Set(dbState(join(beads, "beads.db")).ids);
    assert.deepEqual(
      inFile.filter((id) => !committed.has(id)),
      [],
      "issues.jsonl holds a bead the database has not committed",
    );
    await kill(child);
    // The next command, a read, leaves the file and the database in step.
    const listed = await listIds(dir);
    assert.deepEqual(listed, dbState(join(beads, "beads.db")).ids);
    assert.deepEqual(
      jsonlLines(join(beads, "issues.jsonl"))
        .map((i) => i.id)
        .sort(),
      listed,
    );
  });

  it("a kill after the commit but before the export is caught up by the next read", async () => {
    const beads = join(dir, ".beads");
    const child = await pausedCreate("late export", "before-rename");
    await kill(child);
    const db = dbState(join(beads, "beads.db")).ids;
    const listed = await listIds(dir);
    assert.deepEqual(listed, db);
    assert.deepEqual(
      jsonlLines(join(beads, "issues.jsonl"))
        .map((i) => i.id)
        .sort(),
      db,
      "issues.jsonl not brought up to date by a read",
    );
  });
});
