// Auto-export patches .beads/issues.jsonl incrementally; these tests check the patched file
// always equals a full export, and that a file changed behind our back is rewritten whole.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { issuesToJsonl } from "../../src/ledger/jsonl.ts";
import { fullJsonl, keptLines } from "../../src/ledger/sqlite/export.ts";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "ledger-export-"));
  const jsonl = join(dir, "issues.jsonl");
  const warnings: string[] = [];
  const store = SqliteLedger.open({
    path: join(dir, "beads.db"),
    jsonlPath: jsonl,
    warn: (m) => warnings.push(m),
  });
  return {
    store,
    jsonl,
    warnings,
    async full() {
      return issuesToJsonl(await store.exportIssues());
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("JSONL auto-export", () => {
  it("stays identical to a full export through every kind of write", async () => {
    const t = setup();
    try {
      await t.store.setConfig("issue_prefix", "ex");
      await t.store.setConfig("export.auto", "true");
      const ids: string[] = [];
      for (let i = 0; i < 30; i++)
        ids.push((await t.store.createIssue({ title: `issue ${i}`, labels: ["a"] }, "me")).id);
      const check = async (what: string) => assert.equal(readFileSync(t.jsonl, "utf8"), await t.full(), what);
      await check("after creates");
      await t.store.updateIssue(ids[3]!, { title: "renamed", add_labels: ["b"] }, "me");
      await check("after update");
      await t.store.addDependency({ issue_id: ids[4]!, depends_on_id: ids[5]! }, "me");
      await check("after dep add");
      await t.store.closeIssue(ids[5]!, { reason: "done" }, "me");
      await check("after close (the dependent's flag changes, its line does not)");
      await t.store.addComment(ids[6]!, "amy", "hello");
      await t.store.removeLabel(ids[7]!, "a", "me");
      await check("after comment and label removal");
      await t.store.deleteIssue(ids[8]!, "me");
      await check("after delete");
      await t.store.createIssue({ title: "wisp", ephemeral: true }, "me");
      await check("wisps never appear");
      const child = await t.store.createIssue({ title: "child", parent: ids[0]! }, "me");
      await t.store.removeDependency(child.id, ids[0]!, "me");
      await check("after parent link removal");
      assert.ok(!readFileSync(t.jsonl, "utf8").includes(ids[8]!));
    } finally {
      await t.cleanup();
    }
  });

  it("matches a full export after a long random mix of writes", async () => {
    const t = setup();
    try {
      await t.store.setConfig("issue_prefix", "rx");
      await t.store.setConfig("export.auto", "true");
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const ids: string[] = [];
      // The mix includes writes the ledger must refuse (a fourth level of children, an issue
      // depending on itself); each must be refused with its own message, and every other
      // write must succeed.
      const refused = { depth: 0, selfDependency: 0 };
      for (let step = 0; step < 250; step++) {
        const pick = () => ids[rand(ids.length)]!;
        const op = ids.length < 5 ? 0 : rand(7);
        if (op === 0)
          ids.push(
            (
              await t.store.createIssue(
                { title: `n${step}`, id: rand(4) === 0 ? `rx-${"0z"[rand(2)]}${step}` : undefined },
                "me",
              )
            ).id,
          );
        else if (op === 1) {
          const parent = pick();
          const depth = parent.split(".").length - 1; // children are <parent>.<n>
          if (depth >= 3) {
            await assert.rejects(
              t.store.createIssue({ title: `c${step}`, parent }, "me"),
              /maximum hierarchy depth \(3\) exceeded/,
              `step ${step}: child of ${parent}`,
            );
            refused.depth++;
          } else ids.push((await t.store.createIssue({ title: `c${step}`, parent }, "me")).id);
        } else if (op === 2)
          await t.store.updateIssue(pick(), { title: `u${step}`, add_labels: [`l${rand(3)}`] }, "me");
        else if (op === 3) {
          const [from, to] = [pick(), pick()];
          const add = t.store.addDependency({ issue_id: from, depends_on_id: to, type: "related" }, "me");
          if (from === to) {
            await assert.rejects(add, /cannot add self-dependency/, `step ${step}: ${from} on itself`);
            refused.selfDependency++;
          } else await add;
        } else if (op === 4) await t.store.addComment(pick(), "amy", `c${step}`);
        else if (op === 5) await t.store.closeIssue(pick(), { force: true }, "me");
        else {
          const victim = ids.splice(rand(ids.length), 1)[0]!;
          await t.store.deleteIssue(victim, "me");
        }
        if (step % 25 === 24)
          assert.equal(readFileSync(t.jsonl, "utf8"), await t.full(), `after step ${step}`);
      }
      assert.equal(readFileSync(t.jsonl, "utf8"), await t.full());
      assert.ok(
        refused.depth > 0 && refused.selfDependency > 0,
        `both refusals exercised: ${JSON.stringify(refused)}`,
      );
    } finally {
      await t.cleanup();
    }
  });

  it("rewrites the whole file when it was changed outside bd, keeping the line it cannot read", async () => {
    const t = setup();
    try {
      await t.store.setConfig("issue_prefix", "ex");
      await t.store.setConfig("export.auto", "true");
      const a = await t.store.createIssue({ title: "a" }, "me");
      writeFileSync(t.jsonl, '{"garbage":true}\n');
      await t.store.createIssue({ title: "b" }, "me");
      const text = readFileSync(t.jsonl, "utf8");
      assert.equal(text, `{"garbage":true}\n${await t.full()}`);
      assert.ok(text.includes(a.id), "issues from before the edit are back");
    } finally {
      await t.cleanup();
    }
  });

  for (const binary of [false, true]) {
    it(`keeps lines it cannot read in place through ${binary ? "full exports (a line is not UTF-8)" : "patches"}`, async () => {
      const t = setup();
      try {
        await t.store.setConfig("issue_prefix", "kx");
        await t.store.setConfig("export.auto", "true");
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push((await t.store.createIssue({ title: `k${i}` }, "me")).id);
        const sorted = [...ids].sort();
        // Unreadable lines (one looks like ours and names a real issue), a memory record, a
        // comment and a line that is not UTF-8, spread through the file.
        const kept = [
          Buffer.from(`{"_type":"issue","id":"${sorted[3]}","title":"corrupt","priority":"high"}`),
          Buffer.from('{"_type":"memory","key":"k","value":"v"}'),
          Buffer.from("# a note someone left"),
          binary
            ? Buffer.concat([
                Buffer.from('{"id":"kx-bin","title":"caf'),
                Buffer.from([0xe9]),
                Buffer.from('"}'),
              ])
            : Buffer.from('{"id":"kx-bad.","title":"bad id"}'),
          Buffer.from('{"_type":"issue","id":"kx-torn","tit'),
        ];
        const lines = readFileSync(t.jsonl, "utf8").trimEnd().split("\n");
        const parts: Buffer[] = [];
        lines.forEach((l, n) => {
          if (n === 0) parts.push(kept[1]!, Buffer.from("\n"));
          parts.push(Buffer.from(`${l}\n`));
          if (n === 3) parts.push(kept[0]!, Buffer.from("\n"), kept[2]!, Buffer.from("\n"));
          if (n === 9) parts.push(kept[3]!, Buffer.from("\n"));
        });
        parts.push(kept[4]!);
        writeFileSync(t.jsonl, Buffer.concat(parts));
        const expected = async () =>
          Buffer.from(fullJsonl(await t.store.exportIssues(), keptLines(t.store.database)));
        let seed = 11;
        const rand = (n: number) => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          return seed % n;
        };
        for (let step = 0; step < 120; step++) {
          const op = rand(4);
          const pick = ids[rand(ids.length)]!;
          if (op === 0) ids.push((await t.store.createIssue({ title: `n${step}` }, "me")).id);
          else if (op === 1) await t.store.updateIssue(pick, { title: `u${step}` }, "me");
          else if (op === 2) await t.store.addComment(pick, "amy", `c${step}`);
          else if (ids.length > 5) {
            await t.store.deleteIssue(pick, "me");
            ids.splice(ids.indexOf(pick), 1);
          }
          const file = readFileSync(t.jsonl);
          for (const k of kept) assert.ok(file.includes(k), `step ${step}: a kept line was lost`);
          if (step % 10 === 9) assert.ok(file.equals(await expected()), `step ${step}: patched file differs`);
        }
        assert.equal(t.warnings.length, 3, t.warnings.join("\n"));
        assert.ok(readFileSync(t.jsonl).equals(await expected()));
      } finally {
        await t.cleanup();
      }
    });
  }
});
