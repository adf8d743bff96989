import "../helpers/isolation.ts";
// bd admin cleanup (closed beads deleted only with --force), admin compact (--stats,
// --analyze, --apply with an agent's summary, --auto with bd's own) and admin reset
// (a preview, then .beads/ and bd's hook sections gone with --force).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, freshLedger } from "../helpers/bd.ts";
import { importClosedBeads } from "../helpers/closed-beads.ts";

const LONG = `${"The cache went stale after every deploy and served old pages. ".repeat(8)}\n\nMore: ${"detail ".repeat(60)}`;

describe("bd admin", { concurrency: true }, () => {
  it("cleanup deletes closed beads only with --force, by age and wisps only", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    await importClosedBeads(l.dir, [
      { id: "t-a", days: 40 },
      { id: "t-b", days: 2 },
    ]);
    const open = await createIssue(l.dir, "open one");
    const wisp = await createIssue(l.dir, "wisp", ["--ephemeral"]);
    await bd(l.dir, ["close", wisp]);
    const refused = await bd(l.dir, ["admin", "cleanup"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /would delete 3 closed issue\(s\): use --force/);
    const dry = await bdJson<{ would_delete: number }>(l.dir, [
      "admin",
      "cleanup",
      "--older-than",
      "30",
      "--dry-run",
    ]);
    assert.equal(dry.would_delete, 1);
    const wisps = await bdJson<{ deleted_count: number; ids: string[] }>(l.dir, [
      "admin",
      "cleanup",
      "--ephemeral",
      "--force",
    ]);
    assert.deepEqual(wisps.ids, [wisp]);
    const all = await bdJson<{ deleted_count: number }>(l.dir, ["admin", "cleanup", "--force"]);
    assert.equal(all.deleted_count, 2);
    const left = (await bdJson<Array<{ id: string }>>(l.dir, ["list", "--all", "--include-ephemeral"])).map(
      (i) => i.id,
    );
    assert.deepEqual(left, [open]);
  });

  it("compact: stats, analyze, apply an agent's summary, auto", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    await importClosedBeads(l.dir, [
      { id: "t-x", days: 45, extra: { description: LONG, notes: "Some notes here." } },
      { id: "t-y", days: 60, extra: { description: LONG } },
      { id: "t-new", days: 3, extra: { description: LONG } },
    ]);
    const stats = await bdJson<{ tier1: { candidates: number; total_size: number } }>(l.dir, [
      "admin",
      "compact",
      "--stats",
    ]);
    assert.equal(stats.tier1.candidates, 2);
    const analyze = await bdJson<{
      candidates: Array<{ id: string; description: string; size_bytes: number }>;
    }>(l.dir, ["admin", "compact", "--analyze", "--limit", "1"]);
    assert.deepEqual(
      analyze.candidates.map((c) => c.id),
      ["t-y"],
    );
    assert.equal(analyze.candidates[0]!.description, LONG, "the full text for the agent");

    const summary = join(l.dir, "summary.txt");
    writeFileSync(summary, "Stale cache after deploys; fixed by versioned keys.");
    const applied = await bdJson<{ success: boolean; original_size: number; compacted_size: number }>(l.dir, [
      "admin",
      "compact",
      "--apply",
      "--id",
      "t-x",
      "--summary",
      summary,
    ]);
    assert.equal(applied.success, true);
    const x = (
      await bdJson<Array<{ description: string; notes?: string; compaction_level: number }>>(l.dir, [
        "show",
        "t-x",
      ])
    )[0]!;
    assert.deepEqual(
      [x.description, x.notes ?? "", x.compaction_level],
      ["Stale cache after deploys; fixed by versioned keys.", "", 1],
    );
    const young = await bd(l.dir, ["admin", "compact", "--apply", "--id", "t-new", "--summary", summary]);
    assert.notEqual(young.code, 0);
    assert.match(young.stderr, /not eligible for Tier 1 compaction: closed only 3 days ago/);
    const viaStdin = await bd(l.dir, ["admin", "compact", "--apply", "--id", "t-y", "--summary", "-"], {
      input: LONG + LONG,
    });
    assert.match(viaStdin.stderr, /not shorter than original/);

    const auto = await bdJson<{ succeeded: number }>(l.dir, ["admin", "compact", "--auto", "--all"]);
    assert.equal(auto.succeeded, 1, "t-y; t-x is already tier 1");
    const modes = await bd(l.dir, ["admin", "compact"]);
    assert.match(modes.stderr, /must specify one mode/);
    const both = await bd(l.dir, ["admin", "compact", "--auto", "--analyze"]);
    assert.match(both.stderr, /mutually exclusive/);
  });

  it("reset previews, then removes .beads and bd's part of the git hooks", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    execFileSync("git", ["init", "-q", l.dir]);
    const hook = join(l.dir, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\necho mine\n");
    chmodSync(hook, 0o755);
    assert.equal((await bd(l.dir, ["hooks", "install"])).code, 0);
    await createIssue(l.dir, "doomed");
    const preview = await bdJson<{ dry_run: boolean; items: Array<{ type: string }> }>(l.dir, [
      "admin",
      "reset",
    ]);
    assert.deepEqual(
      preview.items.map((i) => i.type),
      ["hooks", "directory"],
    );
    assert.ok(existsSync(join(l.dir, ".beads", "beads.db")), "a preview removes nothing");
    const done = await bd(l.dir, ["admin", "reset", "--force"]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(existsSync(join(l.dir, ".beads")), false);
    assert.equal(readFileSync(hook, "utf8"), "#!/bin/sh\necho mine\n", "the user's hook is back as it was");
    assert.equal(existsSync(join(l.dir, ".git", "hooks", "post-merge")), false);
  });
});
