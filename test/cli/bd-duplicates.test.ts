import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { similarPairs } from "../../src/ledger/duplicates.ts";
import type { Issue } from "../../src/ledger/model.ts";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

interface Groups {
  duplicate_groups: number;
  groups: Array<{
    suggested_target: string;
    suggested_sources: string[];
    issues: Array<{ id: string; references: number }>;
  }>;
}

describe("bd duplicates", () => {
  let dir: string;
  let cleanup: () => void;
  const id: Record<string, string> = {};
  const create = async (key: string, args: string[]) => {
    const r = await bd(dir, ["create", ...args, "--silent"]);
    assert.equal(r.code, 0, r.stderr);
    id[key] = r.stdout.trim();
  };

  before(async () => {
    ({ dir, cleanup } = await freshLedger("d"));
    await create("a1", ["Cache the session token", "-d", "Tokens are fetched on every call."]);
    await create("a2", ["Cache the session token", "-d", "Tokens are fetched on every call."]);
    await create("a3", ["Cache the session token", "-d", "Tokens are fetched on every call."]);
    await create("other", ["Cache the session token", "-d", "A different description."]);
    // a3 is the one others point at: it is kept whatever its ID.
    await create("mention", ["Follow-up", "-d", `After ${id.a3} lands.`]);
    await create("child", ["A child of a1", "--parent", id.a1!]);
  });
  after(() => cleanup?.());

  it("groups same content and status, keeps the most referenced, and merges on request", async () => {
    const found = await bdJson<Groups>(dir, ["duplicates"]);
    assert.equal(found.duplicate_groups, 1);
    const [g] = found.groups;
    assert.equal(g!.suggested_target, id.a3);
    assert.deepEqual(g!.suggested_sources, [id.a1, id.a2].sort());
    assert.equal(g!.issues.find((i) => i.id === id.a3)!.references, 1);

    const text = await bd(dir, ["duplicates"]);
    assert.match(text.stdout, /^Found 1 duplicate group\(s\):/);
    assert.match(text.stdout, new RegExp(`→ ${id.a3} \\(open, P2, weight=0, 1 refs\\)`));
    assert.match(text.stdout, /Run with --auto-merge/);

    const dry = await bdJson<Groups & { merges: unknown[] }>(dir, ["duplicates", "--dry-run"]);
    assert.equal(dry.merges.length, 1);
    assert.equal((await bdJson<Array<{ status: string }>>(dir, ["show", id.a1!]))[0]!.status, "open");

    const merged = await bdJson<{ merge_results: Array<{ closed: string[]; reparented: string[] }> }>(dir, [
      "duplicates",
      "--auto-merge",
    ]);
    assert.deepEqual(merged.merge_results[0]!.closed.sort(), [id.a1, id.a2].sort());
    assert.deepEqual(merged.merge_results[0]!.reparented, [id.child]);
    const a1 = (await bdJson<Array<{ status: string; close_reason: string }>>(dir, ["show", id.a1!]))[0]!;
    assert.equal(a1.status, "closed");
    assert.equal(a1.close_reason, `Duplicate of ${id.a3}`);
    const child = (await bdJson<Array<{ parent?: string }>>(dir, ["show", id.child!]))[0]!;
    assert.equal(child.parent, id.a3);
    // The other issue (same title, other words) was never in a group; nothing is left to merge.
    assert.equal((await bdJson<Array<{ status: string }>>(dir, ["show", id.other!]))[0]!.status, "open");
    assert.equal((await bdJson<Groups>(dir, ["duplicates"])).duplicate_groups, 0);
  });

  it("find-duplicates scores pairs by shared words, above the threshold, most similar first", async () => {
    const r = await bdJson<{
      pairs: Array<{ issue_a_id: string; issue_b_id: string; similarity: number }>;
      count: number;
    }>(dir, ["find-duplicates", "--threshold", "0.3"]);
    const pair = r.pairs.find(
      (p) => [p.issue_a_id, p.issue_b_id].sort().join() === [id.a3, id.other].sort().join(),
    );
    assert.ok(pair, JSON.stringify(r.pairs));
    assert.ok(pair.similarity > 0.3 && pair.similarity < 1, String(pair.similarity));
    const strict = await bd(dir, ["find-duplicates", "--threshold", "0.99"]);
    assert.equal(strict.stdout.trim(), "No similar issues found (threshold: 99%)");
    for (const bad of [
      ["--threshold", "2"],
      ["--method", "ai"],
      ["--status", "nonsense"],
    ]) {
      const e = await bd(dir, ["find-duplicates", ...bad]);
      assert.notEqual(e.code, 0, bad.join(" "));
      assert.equal(e.stderr.trim().split("\n").length, 1, e.stderr);
    }
  });

  it("similarity is 1 for the same words, 0 for none shared, and counts repeated words", () => {
    const i = (id: string, title: string, description?: string): Issue => ({
      id,
      title,
      ...(description ? { description } : {}),
      status: "open",
      priority: 2,
      issue_type: "task",
      created_at: "",
      updated_at: "",
    });
    const pairs = similarPairs(
      [
        i("x-1", "Fix login bug"),
        i("x-2", "fix LOGIN bug"),
        i("x-3", "Write release notes"),
        i("x-4", "Fix login", "bug bug bug"),
      ],
      0,
    );
    const score = (a: string, b: string) => pairs.find((p) => p.a.id === a && p.b.id === b)?.similarity;
    assert.equal(score("x-1", "x-2"), 1);
    assert.equal(score("x-1", "x-3"), 0);
    const partial = score("x-1", "x-4")!;
    assert.ok(partial > 0.5 && partial < 1, String(partial));
    assert.equal(pairs[0]!.similarity, 1);
  });
});
