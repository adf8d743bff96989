import "../helpers/isolation.ts";
// bd gc (old closed beads deleted only with --force, a VACUUM) and bd compact (old closed
// beads' long text replaced by a mechanical summary, with the compaction recorded).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, exportJsonl, freshLedger } from "../helpers/bd.ts";
import { importClosedBeads } from "../helpers/closed-beads.ts";

const LONG = `${"The login page froze when the session cookie expired. ".repeat(6)}\n\nSecond paragraph with ${"many details ".repeat(30)}`;

const ids = async (dir: string) =>
  (await bdJson<Array<{ id: string }>>(dir, ["list", "--all", "--include-ephemeral"]))
    .map((i) => i.id)
    .sort();

describe("bd gc", { concurrency: true }, () => {
  it("previews, refuses without --force, then deletes only old closed beads and vacuums", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    await importClosedBeads(l.dir, [
      { id: "t-old1", days: 120 },
      { id: "t-old2", days: 200, extra: { labels: ["x"] } },
      { id: "t-young", days: 10 },
      { id: "t-pin", days: 300, extra: { pinned: true } },
    ]);
    const open = await createIssue(l.dir, "still open");
    const before = await exportJsonl(l.dir);
    const dry = await bdJson<{
      dry_run: boolean;
      phases: Array<{ name: string; skipped: boolean; detail?: string }>;
    }>(l.dir, ["gc", "--dry-run"]);
    assert.equal(dry.dry_run, true);
    assert.deepEqual(
      dry.phases.map((p) => [p.name, p.detail]),
      [
        ["Decay", "2 issues (dry-run)"],
        ["Compact", "3 candidates"],
        ["Vacuum", "dry-run"],
      ],
    );
    const refused = await bd(l.dir, ["gc"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /would delete 2 closed issue\(s\) older than 90 days/);
    assert.equal(await exportJsonl(l.dir), before, "previews and refusals change nothing");

    const run = await bd(l.dir, ["gc", "--force"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /✓ GC complete/);
    assert.match(run.stdout, /Decay: 2 issues deleted/);
    assert.match(run.stdout, /Vacuum: complete/);
    assert.deepEqual(await ids(l.dir), [open, "t-pin", "t-young"].sort());
    assert.doesNotMatch(readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8"), /t-old1/);

    const tighter = await bdJson<{ phases: Array<{ name: string; skipped: boolean; detail?: string }> }>(
      l.dir,
      ["gc", "--older-than", "5", "--force", "--skip-vacuum"],
    );
    assert.deepEqual(tighter.phases[0], { name: "Decay", skipped: false, detail: "1 issues deleted" });
    assert.deepEqual(tighter.phases[2], { name: "Vacuum", skipped: true });
    assert.deepEqual(await ids(l.dir), [open, "t-pin"].sort());
    assert.match((await bd(l.dir, ["gc", "--older-than", "soon"])).stderr, /--older-than must be/);
  });

  it("deletes old closed wisps too, or only them with --ephemeral", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    await importClosedBeads(l.dir, [{ id: "t-keep", days: 1 }]);
    const wisp = await createIssue(l.dir, "wisp", ["--ephemeral"]);
    await bd(l.dir, ["close", wisp]);
    const gc = (...flags: string[]) =>
      bdJson<{ phases: Array<{ detail?: string }> }>(l.dir, ["gc", "--older-than", "0", "--force", ...flags]);
    assert.equal((await gc("--ephemeral")).phases[0]!.detail, "1 issues deleted");
    assert.deepEqual(await ids(l.dir), ["t-keep"], "--ephemeral keeps closed persistent beads");
    const again = await createIssue(l.dir, "wisp 2", ["--ephemeral"]);
    await bd(l.dir, ["close", again]);
    assert.equal((await gc()).phases[0]!.detail, "2 issues deleted");
    assert.deepEqual(await ids(l.dir), []);
  });
});

describe("bd compact", { concurrency: true }, () => {
  it("summarises old closed beads, records level, size and commit, and keeps everything else", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    execFileSync("git", ["init", "-q", l.dir]);
    await importClosedBeads(l.dir, [
      {
        id: "t-big",
        days: 40,
        extra: {
          description: LONG,
          design: "Use a refresh token. Then more design prose that goes on and on.",
          notes: "Tried three fixes before this one worked well enough.",
          labels: ["auth"],
        },
      },
      { id: "t-recent", days: 5, extra: { description: LONG } },
      { id: "t-tiny", days: 50, extra: { description: "Short." } },
    ]);
    await bd(l.dir, ["comments", "add", "t-big", "a kept comment"]);
    execFileSync("git", ["-C", l.dir, "add", ".beads"]);
    execFileSync("git", ["-C", l.dir, "commit", "-qm", "beads"]);
    const head = execFileSync("git", ["-C", l.dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();

    const dry = await bdJson<{
      dry_run: boolean;
      tier: number;
      candidates: Array<{ id: string; content_size: number; age_days: number }>;
      summary: { total_candidates: number };
    }>(l.dir, ["compact", "--dry-run"]);
    assert.deepEqual(
      dry.candidates.map((c) => [c.id, c.age_days]),
      [
        ["t-tiny", 50],
        ["t-big", 40],
      ],
    );
    assert.equal(dry.summary.total_candidates, 2);
    const refused = await bd(l.dir, ["compact"]);
    assert.match(refused.stderr, /would compact 2 closed bead\(s\): use --force/);

    const res = await bdJson<{
      succeeded: number;
      failed: number;
      compacted: Array<{ id: string; original_size: number; compacted_size: number }>;
      skipped: Array<{ id: string; reason: string }>;
    }>(l.dir, ["compact", "--force"]);
    assert.equal(res.succeeded, 1);
    assert.deepEqual(
      res.skipped.map((s) => s.id),
      ["t-tiny"],
      "a summary no shorter than the text is not applied",
    );
    const big = (
      await bdJson<
        Array<{
          title: string;
          description: string;
          design?: string;
          notes?: string;
          labels: string[];
          compaction_level: number;
          original_size: number;
          compacted_at_commit: string;
          comments: Array<{ text: string }>;
        }>
      >(l.dir, ["show", "t-big"])
    )[0]!;
    assert.equal(big.title, "Old t-big");
    assert.equal(big.compaction_level, 1);
    assert.equal(big.compacted_at_commit, head);
    assert.equal(big.original_size, res.compacted[0]!.original_size);
    assert.ok(Buffer.byteLength(big.description) === res.compacted[0]!.compacted_size, big.description);
    assert.ok(res.compacted[0]!.compacted_size < res.compacted[0]!.original_size / 2);
    assert.doesNotMatch(big.description, /Second paragraph/);
    assert.match(big.description, /^The login page froze/);
    assert.match(big.description, /Design: Use a refresh token\./);
    assert.match(big.description, /Notes: Tried three fixes/);
    assert.equal(big.design ?? "", "");
    assert.deepEqual(big.labels, ["auth"]);
    const comments = big.comments.map((c) => c.text);
    assert.ok(comments.includes("a kept comment"));
    assert.ok(comments.some((c) => /Tier 1 compaction: \d+ → \d+ bytes/.test(c)));
    // The full text is still in git at the recorded commit.
    assert.match(
      execFileSync("git", ["-C", l.dir, "show", `${head}:.beads/issues.jsonl`], { encoding: "utf8" }),
      /Second paragraph with many details/,
    );
    const line = readFileSync(join(l.dir, ".beads", "issues.jsonl"), "utf8")
      .split("\n")
      .find((x) => x.includes('"t-big"'))!;
    assert.match(line, /"compaction_level":1/);

    // Tier 2 takes only tier-1 beads, after --days.
    const none = await bdJson<{ count: number }>(l.dir, ["compact", "--tier", "2", "--dry-run"]);
    assert.equal(none.count, 0);
    const t2 = await bdJson<{ succeeded: number }>(l.dir, [
      "compact",
      "--tier",
      "2",
      "--days",
      "30",
      "--force",
    ]);
    assert.equal(t2.succeeded, 1);
    const after = (
      await bdJson<Array<{ compaction_level: number; original_size: number; description: string }>>(l.dir, [
        "show",
        "t-big",
      ])
    )[0]!;
    assert.equal(after.compaction_level, 2);
    assert.equal(after.original_size, big.original_size, "the size before any compaction is kept");
    assert.doesNotMatch(after.description, /\n/);
    assert.match((await bd(l.dir, ["compact", "--tier", "3"])).stderr, /unsupported tier/);
  });
});
