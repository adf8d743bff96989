import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

// bd query through bin/bd on a real ledger: wisps included (bd list leaves them out), closed
// issues only with --all or a status in the query, limit and sort applied after the match.
describe("bd query", () => {
  let dir: string;
  let cleanup: () => void;
  const made: Record<string, string> = {};
  const create = async (key: string, args: string[]) => {
    made[key] = (await bd(dir, ["create", ...args, "--silent"])).stdout.trim();
    assert.match(made[key]!, /^q-/, `created ${key}`);
  };

  before(async () => {
    ({ dir, cleanup } = await freshLedger("q"));
    await create("bug", ["Login fails", "-t", "bug", "-p", "0", "-l", "urgent,area:auth"]);
    await create("task", ["Write docs", "-p", "3"]);
    await create("done", ["Old chore", "-p", "1"]);
    await create("wisp", ["Patrol round", "--ephemeral", "-l", "patrol"]);
    assert.equal((await bd(dir, ["close", made.done!])).code, 0);
    assert.equal((await bd(dir, ["update", made.task!, "--assignee", "gastown/polecats/toast"])).code, 0);
  });
  after(() => cleanup?.());

  const ids = async (args: string[]) =>
    (await bdJson<Array<{ id: string }>>(dir, ["query", ...args])).map((i) => i.id).sort();

  it("matches an expression, wisps included, closed issues left out unless asked", async () => {
    assert.deepEqual(await ids(["priority<2"]), [made.bug]);
    assert.deepEqual(await ids(["priority<2", "--all"]), [made.bug, made.done].sort());
    assert.deepEqual(await ids(["status=closed"]), [made.done]);
    assert.deepEqual(await ids(["ephemeral=true AND label=patrol"]), [made.wisp]);
    // The words of an unquoted expression are joined, as a shell would split them.
    assert.deepEqual(await ids(["assignee=none", "AND", "NOT", "type=bug"]), [made.wisp]);
    assert.deepEqual(
      await ids(["(title=LOGIN OR assignee=gastown/polecats/toast) AND created>1d"]),
      [made.bug, made.task].sort(),
    );
    // The same wisp is not in bd list.
    const listed = await bdJson<Array<{ id: string }>>(dir, ["list"]);
    assert.equal(
      listed.some((i) => i.id === made.wisp),
      false,
    );
  });

  it("limits and sorts what matched; prints rows, the parsed query, or that nothing matched", async () => {
    const byPriority = await bdJson<Array<{ id: string }>>(dir, [
      "query",
      "priority>=0",
      "--sort",
      "priority",
      "-n",
      "2",
    ]);
    assert.deepEqual(
      byPriority.map((i) => i.id),
      [made.bug, made.wisp],
    );
    const text = await bd(dir, ["query", "label=urgent"]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^Found 1 issues:\n/);
    assert.match(
      text.stdout,
      new RegExp(`${made.bug} \\[P0\\] \\[bug\\] open \\[area:auth urgent\\] - Login fails`),
    );
    const parsed = await bd(dir, ["query", "status=open OR priority=0 AND type=bug", "--parse-only"]);
    assert.equal(parsed.stdout.trim(), "Parsed query: (status=open OR (priority=0 AND type=bug))");
    const none = await bd(dir, ["query", "title=nothing-like-this"]);
    assert.equal(none.code, 0);
    assert.equal(none.stdout.trim(), "No issues found matching query: title=nothing-like-this");
  });

  it("refuses a bad query or sort with one line and a non-zero exit", async () => {
    for (const args of [["colour=red"], ["status=open AND"], ["priority<2", "--sort", "colour"], []]) {
      const r = await bd(dir, ["query", ...args]);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /^Error: /);
    }
  });
});
