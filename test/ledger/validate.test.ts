// Values bd reads from flags: time expressions (as beads' timeparsing) and priorities.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkImportedIssue,
  EMPTY_VOCABULARY,
  parseCustomStatuses,
  parsePriority,
  parseWhen,
} from "../../src/ledger/validate.ts";

describe("time expressions", () => {
  const now = new Date("2026-11-24T20:00:00Z");
  const at = (v: string) => parseWhen(v, now);
  it("compact durations: h d w, m = months, y = years, signed", () => {
    assert.equal(at("+6h"), "2026-11-25T02:00:00.000Z");
    assert.equal(at("-1d"), "2026-11-23T20:00:00.000Z");
    assert.equal(at("+2w"), "2026-12-08T20:00:00.000Z");
    assert.equal(new Date(at("3m")).getMonth(), (now.getMonth() + 3) % 12);
    assert.equal(new Date(at("1y")).getFullYear(), 2027);
  });
  it("words and relative phrases keep the time of day", () => {
    assert.equal(at("tomorrow"), "2026-11-25T20:00:00.000Z");
    assert.equal(new Date(at("next monday")).getDay(), 1);
    assert.ok(at("next monday") > now.toISOString());
    assert.equal(at("in 3 days"), "2026-11-27T20:00:00.000Z");
    assert.equal(at("2 weeks ago"), "2026-11-10T20:00:00.000Z");
  });
  it("dates and timestamps; anything else is one clear error", () => {
    assert.equal(at("2026-01-15T10:00:00+02:00"), "2026-01-15T08:00:00.000Z");
    assert.equal(new Date(at("2026-01-15")).getDate(), 15);
    assert.throws(() => parseWhen("soonish", now, "--due"), /invalid --due format "soonish"/);
  });
});

describe("priorities", () => {
  it("0-4 and P0-P4 only", () => {
    assert.deepEqual(["0", "4", "P1", "p3"].map(parsePriority), [0, 4, 1, 3]);
    for (const bad of ["5", "-1", "high", "P9", "1.5"])
      assert.throws(() => parsePriority(bad), /invalid priority/);
  });
});

describe("imported issues", () => {
  const now = "2026-05-05T00:00:00.000Z";
  const vocab = { ...EMPTY_VOCABULARY, customStatuses: parseCustomStatuses("review:wip") };
  const base = { id: "wa-a1", title: "t", created_at: "2026-01-01T00:00:00.123456789Z" };
  it("normalises what is missing and keeps beads' nanosecond times as written", () => {
    const { issue } = checkImportedIssue({ ...base, status: "closed", labels: ["x"] }, vocab, now);
    assert.equal(issue.priority, 2);
    assert.equal(issue.issue_type, "task");
    assert.equal(issue.created_at, base.created_at);
    assert.equal(issue.updated_at, base.created_at);
    assert.equal(issue.closed_at, base.created_at);
    assert.equal(checkImportedIssue({ ...base, status: "review" }, vocab, now).issue.status, "review");
    assert.equal(
      checkImportedIssue({ ...base, issue_type: "convoy" }, vocab, now).issue.issue_type,
      "convoy",
    );
  });
  it("refuses values of the wrong kind or out of range, naming the field", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ priority: "high" }, /priority/],
      [{ priority: 7 }, /priority/],
      [{ status: 5 }, /status/],
      [{ status: "nope" }, /status/],
      [{ created_at: "yesterday" }, /created_at/],
      [{ due_at: 1700000000 }, /due_at/],
      [{ pinned: "yes" }, /pinned/],
      [{ metadata: [1] }, /metadata/],
      [{ issue_type: "bug fix" }, /issue_type/],
      [{ title: "" }, /title/],
      [{ id: "wa-x..y" }, /ID/],
      [{ dependencies: [{ depends_on_id: 3 }] }, /dependency/],
      [{ comments: [{ text: 1 }] }, /comment/],
    ];
    for (const [fields, pattern] of cases)
      assert.throws(
        () => checkImportedIssue({ ...base, ...fields }, vocab, now),
        pattern,
        JSON.stringify(fields),
      );
  });
});
