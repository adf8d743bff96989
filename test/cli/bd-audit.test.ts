import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

// bd audit through bin/bd: entries and labels are lines appended to .beads/interactions.jsonl,
// never rewritten; concurrent writers each get a whole line.
describe("bd audit", () => {
  let dir: string;
  let cleanup: () => void;
  const log = () =>
    readFileSync(join(dir, ".beads", "interactions.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    ({ dir, cleanup } = await freshLedger("au"));
  });
  after(() => cleanup?.());

  it("records from flags or piped JSON, labels an entry, and only ever appends", async () => {
    const call = await bdJson<{ id: string; kind: string }>(dir, [
      "audit",
      "record",
      "--kind",
      "tool_call",
      "--tool-name",
      "bash",
      "--exit-code",
      "0",
      "--issue-id",
      "au-1",
    ]);
    assert.match(call.id, /^int-[0-9a-f]{8}$/);
    const piped = await bd(dir, ["audit", "record"], {
      input: JSON.stringify({ kind: "llm_call", model: "m-1", prompt: "hi", response: "hello" }),
    });
    assert.equal(piped.code, 0, piped.stderr);
    const pipedId = piped.stdout.trim();
    const first = readFileSync(join(dir, ".beads", "interactions.jsonl"), "utf8");
    const labelled = await bdJson<{ id: string; parent_id: string; label: string }>(dir, [
      "audit",
      "label",
      pipedId,
      "--label",
      "good",
      "--reason",
      "answered",
    ]);
    assert.equal(labelled.parent_id, pipedId);
    // What was there is unchanged: the label is a new last line.
    assert.ok(readFileSync(join(dir, ".beads", "interactions.jsonl"), "utf8").startsWith(first));
    const entries = log();
    assert.equal(entries.length, 3);
    assert.deepEqual(
      { ...entries[0], created_at: undefined },
      {
        id: call.id,
        kind: "tool_call",
        actor: "tester",
        issue_id: "au-1",
        tool_name: "bash",
        exit_code: 0,
        created_at: undefined,
      },
    );
    assert.equal(entries[1]!.model, "m-1");
    assert.equal(entries[2]!.kind, "label");
    assert.equal(entries[2]!.reason, "answered");
  });

  it("ten writers at once leave ten whole lines", async () => {
    const before = log().length;
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        bd(dir, ["audit", "record", "--kind", "tool_call", "--response", `r${i}`.repeat(2000)]),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const entries = log();
    assert.equal(entries.length, before + 10);
    assert.equal(new Set(entries.map((e) => e.id)).size, entries.length);
  });

  it("refuses a missing kind, bad JSON, a bad exit code or an unknown entry with one line, writing nothing", async () => {
    const count = log().length;
    const bad = [
      { args: ["audit", "record", "--model", "x"], input: undefined },
      { args: ["audit", "record", "--stdin"], input: "{not json" },
      { args: ["audit", "record", "--stdin"], input: JSON.stringify({ model: "no kind" }) },
      { args: ["audit", "record", "--kind", "x", "--exit-code", "two"], input: undefined },
      { args: ["audit", "label", "int-00000000", "--label", "bad"], input: undefined },
      { args: ["audit", "label", "int-00000000"], input: undefined },
    ];
    for (const b of bad) {
      const r = await bd(dir, b.args, b.input === undefined ? {} : { input: b.input });
      assert.notEqual(r.code, 0, b.args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    assert.equal(log().length, count);
  });
});
