import "../helpers/isolation.ts";
// bd prune and bd purge: closed beads deleted only with --force, pinned ones kept, prune
// only with a filter, purge only wisps.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, exportJsonl, freshLedger } from "../helpers/bd.ts";

describe("bd prune and purge", { concurrency: true }, () => {
  it("prune needs a filter, previews without --force, then deletes closed persistent beads", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const old = await createIssue(l.dir, "old");
    const open = await createIssue(l.dir, "still open");
    const pinned = await createIssue(l.dir, "pinned");
    const wisp = await createIssue(l.dir, "wisp", ["--ephemeral"]);
    await bd(l.dir, ["update", pinned, "--pinned"]);
    await bd(l.dir, ["close", old, wisp]);
    await bd(l.dir, ["close", pinned, "--force"]);
    const unfiltered = await bd(l.dir, ["prune", "--force"]);
    assert.notEqual(unfiltered.code, 0);
    assert.match(unfiltered.stderr, /requires --older-than or --pattern/);
    const before = await exportJsonl(l.dir);
    const preview = await bd(l.dir, ["prune", "--pattern", "*"]);
    assert.notEqual(preview.code, 0);
    assert.match(preview.stderr, /would prune 1 bead\(s\)/);
    const dry = await bdJson<{ dry_run: boolean; prune_count: number; pinned_skipped: number }>(l.dir, [
      "prune",
      "--pattern",
      "*",
      "--dry-run",
    ]);
    assert.deepEqual([dry.dry_run, dry.prune_count, dry.pinned_skipped], [true, 1, 1]);
    assert.equal(await exportJsonl(l.dir), before, "previews change nothing");
    assert.equal(
      (await bdJson<{ pruned_count: number }>(l.dir, ["prune", "--older-than", "1d", "--force"]))
        .pruned_count,
      0,
    );
    const done = await bdJson<{ pruned_count: number }>(l.dir, ["prune", "--pattern", "t-*", "--force"]);
    assert.equal(done.pruned_count, 1);
    const left = (await bdJson<Array<{ id: string }>>(l.dir, ["list", "--all", "--include-ephemeral"])).map(
      (i) => i.id,
    );
    assert.ok(!left.includes(old));
    for (const id of [open, pinned, wisp]) assert.ok(left.includes(id), id);
    assert.match((await bd(l.dir, ["prune", "--older-than", "soon"])).stderr, /invalid --older-than/);
  });

  it("purge deletes closed wisps only", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const task = await createIssue(l.dir, "task");
    const wisp = await createIssue(l.dir, "wisp", ["--ephemeral"]);
    const openWisp = await createIssue(l.dir, "open wisp", ["--ephemeral"]);
    await bd(l.dir, ["close", task, wisp]);
    const res = await bdJson<{ purged_count: number }>(l.dir, ["purge", "--force"]);
    assert.equal(res.purged_count, 1);
    const left = (await bdJson<Array<{ id: string }>>(l.dir, ["list", "--all", "--include-ephemeral"])).map(
      (i) => i.id,
    );
    assert.deepEqual(left.sort(), [task, openWisp].sort());
    const none = await bdJson<{ purged_count: number; message: string }>(l.dir, ["purge"]);
    assert.equal(none.purged_count, 0);
  });

  it("rename-prefix moves every issue, its children, edges and mentions to the new prefix", async (t) => {
    const l = await freshLedger("knowledge");
    t.after(l.cleanup);
    const epic = await createIssue(l.dir, "Epic", ["-t", "epic"]);
    const kid = await createIssue(l.dir, `After ${epic}`, ["--parent", epic]);
    const other = await createIssue(l.dir, "Other", ["--deps", kid]);
    const dry = await bdJson<{ dry_run: boolean; issues_count: number }>(l.dir, [
      "rename-prefix",
      "kw-",
      "--dry-run",
    ]);
    assert.deepEqual([dry.dry_run, dry.issues_count], [true, 3]);
    assert.equal((await bdJson<unknown[]>(l.dir, ["show", epic])).length, 1, "dry run changed nothing");
    const res = await bdJson<{ old_prefix: string; new_prefix: string; issues_count: number }>(l.dir, [
      "rename-prefix",
      "kw-",
    ]);
    assert.deepEqual([res.old_prefix, res.new_prefix, res.issues_count], ["knowledge", "kw", 3]);
    const moved = (id: string) => id.replace(/^knowledge-/, "kw-");
    const shown = await bdJson<Array<{ id: string; title: string; dependencies?: Array<{ id: string }> }>>(
      l.dir,
      ["show", moved(kid), moved(other)],
    );
    assert.equal(shown[0]!.title, `After ${moved(epic)}`);
    assert.deepEqual(
      shown[1]!.dependencies?.map((d) => d.id),
      [moved(kid)],
    );
    assert.match(await createIssue(l.dir, "new"), /^kw-/);
    assert.equal((await bd(l.dir, ["show", epic])).code === 0, false);
    assert.match((await bd(l.dir, ["rename-prefix", "Bad Prefix"])).stderr, /invalid prefix/);
  });
});
