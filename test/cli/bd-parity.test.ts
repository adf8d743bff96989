import "../helpers/isolation.ts";
// Words and checks agents trained on beads match on: an ID that names no bead is refused
// with "no issue found" wherever an edge is made; the error wording of create and dep.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, exportJsonl, freshLedger } from "../helpers/bd.ts";

describe("bd: beads' parity of checks and words", { concurrency: true }, () => {
  it("dep add refuses an ID that names no bead; external: references are kept", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A");
    const before = await exportJsonl(l.dir);
    for (const args of [
      ["dep", "add", a, "nonexistent-id"],
      ["dep", "add", a, "zzzz"],
      ["dep", "nonexistent-id", "--blocks", a],
      ["dep", "remove", a, "nonexistent-id"],
      ["create", "B", "--deps", "nonexistent-id"],
      ["create", "C", "--deps", "related:nonexistent-id"],
    ]) {
      const r = await bd(l.dir, args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, /no issue found/, args.join(" "));
    }
    assert.equal(await exportJsonl(l.dir), before, "nothing was stored");
    const ext = await bdJson<{ depends_on_id: string }>(l.dir, ["dep", "add", a, "external:beads:mol-run"]);
    assert.equal(ext.depends_on_id, "external:beads:mol-run");
    const bad = await bd(l.dir, ["dep", "add", a, "external:beads"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /external:<project>:<capability>/);
  });

  it("create and dep speak beads' error words", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A");
    const cases: Array<[string[], RegExp]> = [
      [["create"], /^Error: title required/],
      [["create", "X", "-e", "-5"], /^Error: estimate must be a non-negative number of minutes/],
      [["create", "X", "-e", "soon"], /^Error: estimate must be a non-negative number of minutes/],
      [["update", a, "--estimate", "-1"], /^Error: estimate must be a non-negative number of minutes/],
      [["dep", "add", a, a], /cannot depend on itself/],
      [["show", "nope"], /^Error: no issue found/],
    ];
    for (const [args, pattern] of cases) {
      const r = await bd(l.dir, args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, pattern, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
    }
  });
});
