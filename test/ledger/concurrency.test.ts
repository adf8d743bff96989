// Many real bd processes against one ledger at once: every write must land (no "database is
// locked", no lost update), the auto-exported issues.jsonl must match the final state, and a
// claim race must have exactly one winner.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger, type RunResult } from "../helpers/bd.ts";

interface IssueJson {
  id: string;
  title: string;
  status: string;
  priority: number;
  assignee?: string;
  notes?: string;
  description?: string;
  close_reason?: string;
  labels?: string[];
  comments?: Array<{ text: string; author: string }>;
  comment_count?: number;
}

function assertNoLockErrors(results: RunResult[], what: string): void {
  results.forEach((r, i) => {
    assert.doesNotMatch(r.stderr, /locked|busy/i, `${what} #${i} reported a lock error: ${r.stderr}`);
  });
}

function assertAllOk(results: RunResult[], what: string): void {
  assertNoLockErrors(results, what);
  results.forEach((r, i) => {
    assert.equal(r.code, 0, `${what} #${i} exited ${r.code}: ${r.stderr}`);
  });
}

/** Every issue of issues.jsonl, asserting that each line parses. */
function readExport(dir: string): IssueJson[] {
  const text = readFileSync(join(dir, ".beads", "issues.jsonl"), "utf8");
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as IssueJson;
    } catch (e) {
      throw new Error(`issues.jsonl line ${i + 1} does not parse: ${(e as Error).message}\n${l}`);
    }
  });
}

async function listAll(dir: string): Promise<IssueJson[]> {
  return bdJson<IssueJson[]>(dir, ["list", "--all", "--limit", "0"]);
}

async function show(dir: string, id: string): Promise<IssueJson> {
  const [issue] = await bdJson<IssueJson[]>(dir, ["show", id]);
  assert.ok(issue, `bd show ${id} returned nothing`);
  return issue;
}

async function createSequential(dir: string, titles: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const t of titles) ids.push((await bdJson<IssueJson>(dir, ["create", t])).id);
  return ids;
}

describe("concurrent bd processes on one ledger", () => {
  let dir = "";
  let cleanup: () => void = () => {};

  before(async () => {
    ({ dir, cleanup } = await freshLedger("cc"));
  });
  after(() => cleanup());

  it("24 concurrent creates all succeed with distinct IDs and a full export", async () => {
    const n = 24;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => bd(dir, ["create", `issue ${i}`, "--json"])),
    );
    assertAllOk(results, "create");
    const createdIds = results.map((r) => (JSON.parse(r.stdout) as IssueJson).id);
    assert.equal(new Set(createdIds).size, n, "created IDs collide");

    const all = await listAll(dir);
    assert.equal(all.length, n);
    const ids = new Set(all.map((i) => i.id));
    assert.equal(ids.size, n);
    assert.deepEqual([...ids].sort(), [...createdIds].sort());
    assert.deepEqual(
      all.map((i) => i.title).sort(),
      Array.from({ length: n }, (_, i) => `issue ${i}`).sort(),
    );

    const exported = readExport(dir);
    assert.equal(exported.length, n);
    assert.deepEqual(exported.map((i) => i.id).sort(), [...createdIds].sort());
  });

  it("a mixed workload of updates, labels, comments and closes loses nothing", async () => {
    const { dir: d, cleanup: c } = await freshLedger("mx");
    try {
      const n = 20;
      const ids = await createSequential(
        d,
        Array.from({ length: n }, (_, i) => `mixed ${i}`),
      );
      const ops = ids.map((id, i): string[] => {
        switch (i % 4) {
          case 0:
            return ["update", id, "--priority", "0", "--assignee", `worker${i}`, "--notes", `note ${i}`];
          case 1:
            return ["label", "add", id, `lab${i}`];
          case 2:
            return ["comments", "add", id, `comment ${i}`];
          default:
            return ["close", id, "--reason", `done ${i}`];
        }
      });
      const results = await Promise.all(ops.map((args) => bd(d, [...args, "--json"])));
      assertAllOk(results, "mixed op");

      const byId = new Map((await listAll(d)).map((i) => [i.id, i]));
      const exported = new Map(readExport(d).map((i) => [i.id, i]));
      assert.equal(byId.size, n);
      assert.equal(exported.size, n);
      for (const [i, id] of ids.entries()) {
        const issue = byId.get(id);
        const exp = exported.get(id);
        assert.ok(issue && exp, `${id} missing`);
        switch (i % 4) {
          case 0:
            for (const x of [issue, exp]) {
              assert.equal(x.priority, 0, `${id} priority`);
              assert.equal(x.assignee, `worker${i}`, `${id} assignee`);
              assert.equal(x.notes, `note ${i}`, `${id} notes`);
              assert.equal(x.status, "open");
            }
            break;
          case 1:
            assert.deepEqual(issue.labels, [`lab${i}`], `${id} labels`);
            assert.deepEqual(exp.labels, [`lab${i}`], `${id} exported labels`);
            assert.equal(issue.status, "open");
            break;
          case 2:
            assert.equal(issue.comment_count, 1, `${id} comment count`);
            assert.deepEqual(
              exp.comments?.map((cm) => cm.text),
              [`comment ${i}`],
              `${id} exported comments`,
            );
            break;
          default:
            for (const x of [issue, exp]) {
              assert.equal(x.status, "closed", `${id} status`);
              assert.equal(x.close_reason, `done ${i}`, `${id} close reason`);
            }
        }
        // Nothing leaked onto issues another process touched.
        if (i % 4 !== 1) assert.equal(issue.labels, undefined, `${id} gained labels`);
        if (i % 4 !== 2) assert.equal(issue.comment_count ?? 0, 0, `${id} gained comments`);
      }
    } finally {
      c();
    }
  });

  it("concurrent changes to different fields of one issue all survive", async () => {
    const [id] = await createSequential(dir, ["shared target"]);
    assert.ok(id);
    const ops: string[][] = [
      ["update", id, "--priority", "1"],
      ["update", id, "--notes", "the notes"],
      ["update", id, "--description", "the description"],
      ["update", id, "--assignee", "someone"],
      ["label", "add", id, "alpha"],
      ["label", "add", id, "beta"],
      ["comments", "add", id, "first"],
      ["comments", "add", id, "second"],
      ["update", id, "--add-label", "gamma"],
      ["comments", "add", id, "third"],
    ];
    const results = await Promise.all(ops.map((args) => bd(dir, [...args, "--json"])));
    assertAllOk(results, "field op");

    const issue = await show(dir, id);
    const exp = readExport(dir).find((i) => i.id === id);
    assert.ok(exp, "shared issue missing from export");
    for (const x of [issue, exp]) {
      assert.equal(x.priority, 1);
      assert.equal(x.notes, "the notes");
      assert.equal(x.description, "the description");
      assert.equal(x.assignee, "someone");
      assert.deepEqual([...(x.labels ?? [])].sort(), ["alpha", "beta", "gamma"]);
      assert.deepEqual(x.comments?.map((cm) => cm.text).sort(), ["first", "second", "third"]);
    }
  });

  it("20 concurrent label adds on the same issue keep all 20 labels", async () => {
    const [id] = await createSequential(dir, ["label target"]);
    assert.ok(id);
    const n = 20;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => bd(dir, ["label", "add", id, `l${i}`, "--json"])),
    );
    assertAllOk(results, "label add");
    const want = Array.from({ length: n }, (_, i) => `l${i}`).sort();
    const issue = await show(dir, id);
    assert.deepEqual([...(issue.labels ?? [])].sort(), want);
    const exp = readExport(dir).find((i) => i.id === id);
    assert.deepEqual([...(exp?.labels ?? [])].sort(), want, "export lost labels");
  });

  it("readers run alongside writers without lock errors", async () => {
    const before = (await listAll(dir)).length;
    const writers = Array.from({ length: 10 }, (_, i) => bd(dir, ["create", `rw ${i}`, "--json"]));
    const readers = Array.from({ length: 10 }, (_, i) =>
      bd(dir, i % 2 === 0 ? ["list", "--all", "--limit", "0", "--json"] : ["count", "--json"]),
    );
    const [w, r] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
    assertAllOk(w, "writer");
    assertAllOk(r, "reader");
    for (const [i, res] of r.entries()) {
      const parsed = JSON.parse(res.stdout) as IssueJson[] | { count: number };
      const n = Array.isArray(parsed) ? parsed.length : parsed.count;
      assert.ok(n >= before && n <= before + 10, `reader #${i} saw ${n} issues (before: ${before})`);
    }
    assert.equal((await listAll(dir)).length, before + 10);
    assert.equal(readExport(dir).length, before + 10);
  });

  it("a claim race among 10 actors has exactly one winner", async () => {
    const [id] = await createSequential(dir, ["claim target"]);
    assert.ok(id);
    const actors = Array.from({ length: 10 }, (_, i) => `agent-${i}`);
    const results = await Promise.all(
      actors.map((a) => bd(dir, ["update", id, "--claim", "--json"], { env: { BEADS_ACTOR: a } })),
    );
    assertNoLockErrors(results, "claim");
    const winners = actors.filter((_, i) => results[i]?.code === 0);
    assert.equal(winners.length, 1, `expected one winner, got ${winners.join(", ") || "none"}`);
    for (const [i, r] of results.entries()) {
      if (r.code !== 0) assert.match(r.stderr, /already claimed/, `loser ${actors[i]}: ${r.stderr}`);
    }
    const winner = winners[0];
    const [claimed] = JSON.parse(results[actors.indexOf(winner ?? "")]?.stdout ?? "[]") as IssueJson[];
    assert.equal(claimed?.assignee, winner);
    const issue = await show(dir, id);
    assert.equal(issue.assignee, winner);
    assert.equal(issue.status, "in_progress");
    const exp = readExport(dir).find((i) => i.id === id);
    assert.equal(exp?.assignee, winner);
    assert.equal(exp?.status, "in_progress");
  });
});
