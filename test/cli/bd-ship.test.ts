import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

// bd ship through bin/bd: the one bead labelled export:<cap>, closed, gains provides:<cap>.
describe("bd ship", () => {
  let dir: string;
  let cleanup: () => void;
  let cap: string;
  const labels = async (id: string) =>
    (await bdJson<Array<{ labels?: string[] }>>(dir, ["show", id]))[0]?.labels ?? [];

  before(async () => {
    ({ dir, cleanup } = await freshLedger("sh"));
    cap = (await bdJson<{ id: string }>(dir, ["create", "Run assignee", "-l", "export:mol-run"])).id;
  });
  after(() => cleanup?.());

  it("refuses what it cannot ship, with one line each", async () => {
    const none = await bd(dir, ["ship", "nothing-here"]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no issue found with label 'export:nothing-here'/);
    const open = await bd(dir, ["ship", "mol-run"]);
    assert.notEqual(open.code, 0);
    assert.match(open.stderr, new RegExp(`issue ${cap} is not closed \\(status: open\\)`));
    assert.deepEqual(await labels(cap), ["export:mol-run"]);
    const other = (await bdJson<{ id: string }>(dir, ["create", "Twin", "-l", "export:twin"])).id;
    const twin = (await bdJson<{ id: string }>(dir, ["create", "Twin 2", "-l", "export:twin"])).id;
    const many = await bd(dir, ["ship", "twin", "--force"]);
    assert.notEqual(many.code, 0);
    assert.match(many.stderr, /multiple issues found with label 'export:twin'/);
    assert.ok(many.stderr.includes(other) && many.stderr.includes(twin));
  });

  it("dry run, ship, and ship again", async () => {
    assert.equal((await bd(dir, ["close", cap])).code, 0);
    const dry = await bdJson<Record<string, string>>(dir, ["ship", "mol-run", "--dry-run"]);
    assert.deepEqual(
      { status: dry.status, would_add: dry.would_add, issue_id: dry.issue_id },
      { status: "dry_run", would_add: "provides:mol-run", issue_id: cap },
    );
    assert.deepEqual(await labels(cap), ["export:mol-run"]);
    const shipped = await bd(dir, ["ship", "mol-run"]);
    assert.equal(shipped.code, 0, shipped.stderr);
    assert.match(
      shipped.stdout,
      new RegExp(`✓ Shipped mol-run \\(${cap}\\)\\n {2}Added label: provides:mol-run`),
    );
    assert.match(shipped.stdout, /External projects can now depend on: external:<this-project>:mol-run/);
    assert.deepEqual((await labels(cap)).sort(), ["export:mol-run", "provides:mol-run"]);
    const again = await bdJson<Record<string, string>>(dir, ["ship", "mol-run"]);
    assert.equal(again.status, "already_shipped");
  });

  it("--force ships an open bead", async () => {
    const open = (await bdJson<{ id: string }>(dir, ["create", "Still open", "-l", "export:early"])).id;
    const r = await bdJson<Record<string, string>>(dir, ["ship", "early", "--force"]);
    assert.deepEqual([r.status, r.label, r.issue_id], ["shipped", "provides:early", open]);
  });
});
