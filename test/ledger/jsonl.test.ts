// The JSONL exchange format on its own: what a line is, how every kind of line a file may
// hold is classified, and how files are written (temp + rename, stale temps swept).
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  issuesToJsonl,
  jsonlLine,
  parseJsonl,
  parseJsonlBytes,
  readJsonlFile,
  writeJsonlFile,
} from "../../src/ledger/jsonl.ts";
import type { Issue } from "../../src/ledger/model.ts";
import { scratchDir } from "../helpers/temp.ts";

const issue = (id: string, title = `t ${id}`) => ({ id, title, status: "open" }) as unknown as Issue;

describe("JSONL lines", () => {
  it("a line is the issue with _type first", () => {
    assert.equal(
      jsonlLine(issue("gt-a1")),
      '{"_type":"issue","id":"gt-a1","title":"t gt-a1","status":"open"}',
    );
  });

  it("a file is sorted by id, one line each, newline-terminated; empty for no issues", () => {
    const text = issuesToJsonl([issue("gt-b2"), issue("gt-a1"), issue("gt-a10"), issue("gt-a1.1")]);
    assert.deepEqual(
      text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).id),
      ["gt-a1", "gt-a1.1", "gt-a10", "gt-b2"],
    );
    assert.ok(text.endsWith("}\n"));
    assert.equal(issuesToJsonl([]), "");
    // Equal ids keep their order (a stable sort, no reordering of duplicates).
    const dup = issuesToJsonl([issue("gt-z9", "first"), issue("gt-z9", "second")]);
    assert.deepEqual(
      dup
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).title),
      ["first", "second"],
    );
  });
});

describe("parseJsonl", () => {
  it("classifies every kind of line, numbering lines from 1 and skipping blank ones", () => {
    const lines = [
      '{"_type":"issue","id":"gt-a1","title":"one"}', // 1 issue
      "", // 2 blank
      "   ", // 3 blank
      "# a comment", // 4 kept, no reason
      "{not json", // 5 kept, invalid JSON
      "[1,2]", // 6 kept, not an object
      "null", // 7 kept, not an object
      '{"_type":"memory","id":"m1"}', // 8 kept, other record kind
      '{"_schema":3}', // 9 kept, schema header
      '{"id":"gt-t1","title":"gone","status":"tombstone"}', // 10 kept, tombstone
      '{"id":"not an id","title":"x"}', // 11 kept, bad id
      '{"id":"gt-n1"}', // 12 kept, no title
      '{"id":"gt-w1","title":"wisp","wisp":true}', // 13 issue, old wisp flag
      '{"id":"gt-w2","title":"kept flag","wisp":true,"ephemeral":false}', // 14 issue
      '{"id":"gt-s1","_schema":2,"title":"has both"}', // 15 issue (schema with an id)
      '{"_type":"issue","id":"gt-a2","title":"two"}', // 16 issue
    ];
    const parsed = parseJsonl(`${lines.join("\n")}\n`);
    assert.deepEqual(
      parsed.entries.map((e) => [e.line, e.kind, e.kind === "kept" ? (e.reason ?? null) : null]),
      [
        [1, "issue", null],
        [4, "kept", null],
        [5, "kept", parsed.errors[0]?.reason],
        [6, "kept", "not a JSON object"],
        [7, "kept", "not a JSON object"],
        [8, "kept", null],
        [9, "kept", null],
        [10, "kept", null],
        [11, "kept", parsed.errors[3]?.reason],
        [12, "kept", "issue gt-n1 has no title"],
        [13, "issue", null],
        [14, "issue", null],
        [15, "issue", null],
        [16, "issue", null],
      ],
    );
    assert.match(parsed.errors[0]!.reason, /^invalid JSON \(/);
    assert.match(parsed.errors[3]!.reason, /^invalid issue ID "not an id"/);
    assert.deepEqual(
      parsed.errors.map((e) => e.line),
      [5, 6, 7, 11, 12],
    );
    assert.deepEqual(
      parsed.issues.map((i) => i.id),
      ["gt-a1", "gt-w1", "gt-w2", "gt-s1", "gt-a2"],
    );
    const rec = (id: string) => parsed.issues.find((i) => i.id === id) as unknown as Record<string, unknown>;
    assert.equal("_type" in rec("gt-a1"), false, "_type is not an issue field");
    assert.equal(rec("gt-w1").ephemeral, true, "an old wisp flag becomes ephemeral");
    assert.equal("wisp" in rec("gt-w1"), false);
    assert.equal(rec("gt-w2").ephemeral, false, "an explicit ephemeral wins over the old flag");
    assert.equal("wisp" in rec("gt-w2"), false);
    // Kept lines carry their exact text and bytes.
    const comment = parsed.entries.find((e) => e.line === 4)!;
    assert.equal(comment.kind === "kept" && new TextDecoder().decode(comment.bytes), "# a comment");
    assert.equal(comment.kind === "kept" && comment.text, "# a comment");
  });

  it("a JSON value that is not an object (number, string, true) is kept as not a JSON object", () => {
    for (const v of ["5", '"gt-a1"', "true"])
      assert.deepEqual(parseJsonl(`${v}\n`).errors, [{ line: 1, reason: "not a JSON object" }], v);
  });

  it("a file without a final newline still has its last line; an empty file has none", () => {
    assert.deepEqual(
      parseJsonl('{"id":"gt-a1","title":"x"}').issues.map((i) => i.id),
      ["gt-a1"],
    );
    assert.deepEqual(parseJsonl(""), { entries: [], issues: [], errors: [] });
    assert.deepEqual(parseJsonl("\n"), { entries: [], issues: [], errors: [] });
  });
});

describe("parseJsonlBytes", () => {
  it("reads valid UTF-8 like parseJsonl", () => {
    const text = '{"id":"gt-a1","title":"héllo 🚀"}\n# note\n';
    assert.deepEqual(parseJsonlBytes(new TextEncoder().encode(text)), parseJsonl(text));
  });

  it("keeps a line that is not UTF-8 byte for byte and reads the others", () => {
    const enc = new TextEncoder();
    const bad = Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"\xff\xfe"}
    const bytes = Uint8Array.from([
      ...enc.encode('{"id":"gt-a1","title":"one"}\n'),
      ...bad,
      0x0a,
      0x0a,
      ...enc.encode('{"id":"gt-a2","title":"two"}'),
    ]);
    const parsed = parseJsonlBytes(bytes);
    assert.deepEqual(
      parsed.issues.map((i) => i.id),
      ["gt-a1", "gt-a2"],
    );
    assert.deepEqual(parsed.errors, [{ line: 2, reason: "not valid UTF-8" }]);
    const kept = parsed.entries.find((e) => e.kind === "kept")!;
    assert.equal(kept.kind, "kept");
    assert.deepEqual(kept.kind === "kept" && [...kept.bytes], [...bad]);
    assert.equal(kept.kind === "kept" && kept.text, undefined);
    assert.deepEqual(
      parsed.entries.map((e) => e.line),
      [1, 2, 4],
    );
  });
});

describe("JSONL files", () => {
  it("writes through a temp file renamed into place; the temp is gone afterwards", () => {
    const dir = scratchDir("jsonl-");
    const path = join(dir, "issues.jsonl");
    let seenTmp = "";
    writeJsonlFile(path, "a\n", (tmp) => {
      seenTmp = tmp;
      assert.equal(readFileSync(tmp, "utf8"), "a\n", "the temp holds the whole text before the rename");
      assert.equal(existsSync(path), false, "nothing at the final path before the rename");
    });
    assert.equal(seenTmp, `${path}.tmp-${process.pid}`);
    assert.equal(readFileSync(path, "utf8"), "a\n");
    assert.deepEqual(readdirSync(dir), ["issues.jsonl"]);
    writeJsonlFile(path, new TextEncoder().encode("b\n"));
    assert.equal(readFileSync(path, "utf8"), "b\n");
  });

  it("sweeps temps left by dead writers, never a live writer's or another file's", () => {
    const dir = scratchDir("jsonl-");
    const path = join(dir, "issues.jsonl");
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    const live = process.ppid;
    writeFileSync(`${path}.tmp-${dead}`, "half");
    writeFileSync(`${path}.tmp-${live}`, "writing");
    writeFileSync(`${path}.tmp-notapid`, "odd");
    writeFileSync(join(dir, `other.jsonl.tmp-${dead}`), "not ours");
    writeJsonlFile(path, "x\n");
    assert.deepEqual(readdirSync(dir).sort(), [
      "issues.jsonl",
      `issues.jsonl.tmp-${live}`,
      "issues.jsonl.tmp-notapid",
      `other.jsonl.tmp-${dead}`,
    ]);
  });

  it("a missing file is a one-line error naming it; a file is read as bytes", () => {
    const dir = scratchDir("jsonl-");
    assert.throws(
      () => readJsonlFile(join(dir, "nope.jsonl")),
      (e: Error) => e.message === `cannot read ${join(dir, "nope.jsonl")}: ENOENT`,
    );
    writeFileSync(join(dir, "f.jsonl"), '{"id":"gt-a1","title":"x"}\n');
    assert.deepEqual(
      readJsonlFile(join(dir, "f.jsonl")).issues.map((i) => i.id),
      ["gt-a1"],
    );
  });
});
