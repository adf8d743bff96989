import "../helpers/isolation.ts";
// bd batch: lines from stdin run in one transaction; a failing line rolls back every line
// before it, and issues.jsonl follows the committed state.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, exportJsonl, freshLedger } from "../helpers/bd.ts";

describe("bd batch", { concurrency: true }, () => {
  it("runs close, update, create and dep lines in one transaction", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "a");
    const c = await createIssue(l.dir, "c");
    const script = [
      "# a comment, then a blank line",
      "",
      `close ${a} done now`,
      `update ${c} status=in_progress priority=1 title="C \\"renamed\\""`,
      'create bug 0 "Big bug"',
      `dep add ${c} ${a} related`,
    ].join("\n");
    const r = await bd(l.dir, ["batch", "--json"], { input: script });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      operations: number;
      status: string;
      results: Array<{ line: number; op: string; target: string }>;
    };
    assert.deepEqual([out.operations, out.status], [4, "ok"]);
    assert.deepEqual(
      out.results.map((x) => [x.line, x.op]),
      [
        [3, "close"],
        [4, "update"],
        [5, "create"],
        [6, "dep.add"],
      ],
    );
    const [ca, cc] = await bdJson<
      Array<{ status: string; title: string; priority: number; close_reason?: string }>
    >(l.dir, ["show", a, c]);
    assert.deepEqual([ca!.status, ca!.close_reason], ["closed", "done now"]);
    assert.deepEqual([cc!.status, cc!.priority, cc!.title], ["in_progress", 1, 'C "renamed"']);
    const bug = await bdJson<Array<{ title: string }>>(l.dir, ["show", out.results[2]!.target]);
    assert.equal(bug[0]!.title, "Big bug");
    assert.equal(readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8"), await exportJsonl(l.dir));
  });

  it("a failing line rolls back the whole batch and names the line", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "a");
    const before = await exportJsonl(l.dir);
    const r = await bd(l.dir, ["batch"], {
      input: `update ${a} title=changed\ncreate task 2 new one\nclose t-nope\n`,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^Error: line 3 \(close t-nope\): no issue found/);
    assert.equal(await exportJsonl(l.dir), before, "nothing of the batch stays");
    const bad = await bd(l.dir, ["batch"], { input: "frob x\n" });
    assert.match(bad.stderr, /line 1: unsupported batch command "frob"/);
    const dry = await bdJson<{ dry_run: boolean; operations: number }>(l.dir, ["batch", "--dry-run"]);
    assert.deepEqual([dry.dry_run, dry.operations], [true, 0]);
  });

  it("config set-many checks every pair, then sets them all or none", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const set = await bdJson<Array<{ key: string; value: string }>>(l.dir, [
      "config",
      "set-many",
      "a.b=1",
      "types.custom=widget",
    ]);
    assert.deepEqual(
      set.map((p) => [p.key, p.value]),
      [
        ["a.b", "1"],
        ["types.custom", "widget"],
      ],
    );
    assert.equal((await bdJson<{ value: string }>(l.dir, ["config", "get", "types.custom"])).value, "widget");
    const bad = await bd(l.dir, ["config", "set-many", "c.d=2", "export.auto=maybe"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid value "maybe" for export.auto/);
    assert.equal((await bdJson<{ value: string }>(l.dir, ["config", "get", "c.d"])).value, "");
    assert.match((await bd(l.dir, ["config", "set-many", "novalue"])).stderr, /expected key=value/);
  });
});

describe("bd mail", () => {
  it("hands every word after mail to the delegate and exits with its code", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const none = await bd(l.dir, ["mail", "inbox"], {
      env: { BEADS_MAIL_DELEGATE: "", BD_MAIL_DELEGATE: "" },
    });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no mail delegate configured/);
    const script = join(l.dir, "fake-mail.sh");
    writeFileSync(script, '#!/bin/sh\necho "args: $*"\nexit 3\n', { mode: 0o755 });
    await bd(l.dir, ["config", "set", "mail.delegate", `${script} mail`]);
    const r = await bd(l.dir, ["mail", "send", "mayor/", "-s", "Hi there", "--json"]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "args: mail send mayor/ -s Hi there --json\n");
  });
});
