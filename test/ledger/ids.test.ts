// Bead IDs: SHA-256 in base36, length chosen by the birthday bound, nonces on collision.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_ID_LENGTH,
  generateId,
  hashFor,
  hashLengthFor,
  isValidIssueId,
  isValidPrefix,
} from "../../src/ledger/ids.ts";

describe("bead IDs", () => {
  it("length grows at beads' thresholds", () => {
    const cases: Array<[number, number]> = [
      [0, 3],
      [163, 3],
      [164, 4],
      [983, 4],
      [984, 5],
      [5898, 5],
      [5899, 6],
      [35389, 6],
      [35390, 7],
      [212339, 7],
      [212340, 8],
      [10_000_000, 8],
    ];
    for (const [count, len] of cases) assert.equal(hashLengthFor(count), len, `${count} issues`);
    assert.equal(hashLengthFor(0, { ...DEFAULT_ID_LENGTH, minLength: 5 }), 5);
  });

  it("hashes are base36 of the wanted length and depend on seed and nonce", () => {
    for (const len of [3, 4, 5, 6, 7, 8]) {
      const h = hashFor("seed", 0, len);
      assert.match(h, new RegExp(`^[0-9a-z]{${len}}$`));
      assert.equal(hashFor("seed", 0, len), h, "deterministic");
    }
    assert.notEqual(hashFor("seed", 0, 6), hashFor("seed", 1, 6));
    assert.notEqual(hashFor("seed", 0, 6), hashFor("other", 0, 6));
  });

  it("collisions move to the next nonce, then to a longer hash", () => {
    const taken = new Set<string>();
    for (let n = 0; n < 10; n++) taken.add(`bd-${hashFor("s", n, 3)}`);
    const id = generateId("bd", "s", 3, (c) => taken.has(c));
    assert.equal(id, `bd-${hashFor("s", 0, 4)}`);
    taken.add(`bd-${hashFor("s", 0, 4)}`);
    assert.equal(
      generateId("bd", "s", 3, (c) => taken.has(c)),
      `bd-${hashFor("s", 1, 4)}`,
    );
    assert.throws(() => generateId("bd", "s", 3, () => true), /unique ID/);
  });

  it("prefixes: letters, digits, underscore and inner hyphens", () => {
    for (const ok of ["bd", "gt", "hq", "my_rig", "hq-cv", "a1"]) assert.ok(isValidPrefix(ok), ok);
    for (const bad of ["", "-x", "x-", "a b", "a.b", "x".repeat(33)]) assert.ok(!isValidPrefix(bad), bad);
  });

  it("IDs: prefix-hash with hyphenated parts and dotted children; nothing git or a shell reads specially", () => {
    for (const ok of [
      "bd-a3f",
      "hq-cv-x1y2",
      "gt-wisp-abc",
      "bd-a3f.1.2",
      "bd-p.gate-s1",
      "my_rig-9",
      "_x-1",
    ])
      assert.ok(isValidIssueId(ok), ok);
    for (const bad of [
      "",
      "bd",
      "bd-",
      "-bd-x",
      "bd-x..y",
      "bd-x.",
      "bd-.x",
      "bd--x",
      "bd-x.lock",
      "bd-a b",
      "bd-a/b",
      "bd-a@b",
      "bd-a~b",
      "bd-a^b",
      "bd-a:b",
      "bd-a?b",
      "bd-a*b",
      "bd-a[b",
      "bd-a\\b",
      "bd-ä",
      `bd-${"x".repeat(200)}`,
    ])
      assert.ok(!isValidIssueId(bad), bad);
  });
});
