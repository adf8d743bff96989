// Values bd reads from flags: time expressions (as beads' timeparsing) and priorities.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePriority, parseWhen } from "../../src/ledger/validate.ts";

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
