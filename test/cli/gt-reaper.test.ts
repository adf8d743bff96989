// gt reaper over a real town's ledgers: old wisps, old closed wisps and mail, a stale issue
// and an orphaned worktree are found by scan, left alone by --dry-run, and dealt with by
// reap / purge / auto-close / run; what the reaper must spare stays.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";
import { locate } from "../../src/town/ledgers.ts";
import { addBareRig, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

interface Scan {
  database: string;
  reap_candidates: number;
  purge_candidates: number;
  mail_candidates: number;
  stale_candidates: number;
  open_wisps: number;
  orphaned_worktrees: number;
}

const DAY = 86_400_000;

describe("gt reaper", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const ids: Record<string, string> = {};

  /** Writes to a ledger as if it were `daysAgo` days ago. */
  async function inThePast<T>(
    beadsDir: string,
    daysAgo: number,
    fn: (l: SqliteLedger) => Promise<T>,
  ): Promise<T> {
    const loc = locate(beadsDir);
    const l = SqliteLedger.open({
      path: loc.dbPath,
      jsonlPath: loc.jsonlPath,
      now: () => new Date(Date.now() - daysAgo * DAY),
    });
    try {
      return await fn(l);
    } finally {
      await l.close();
    }
  }
  const status = async (beadsDir: string, id: string) =>
    inThePast(beadsDir, 0, async (l) => (await l.getIssue(id))?.status ?? "gone");

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    const rigBeads = join(town.root, "alpha", ".beads");
    await inThePast(rigBeads, 40, async (l) => {
      ids.oldWisp = (await l.createIssue({ title: "old wisp", ephemeral: true }, "t")).id;
      ids.keptWisp = (
        await l.createIssue({ title: "kept wisp", ephemeral: true, labels: ["gt:keep"] }, "t")
      ).id;
      ids.closedWisp = (await l.createIssue({ title: "closed wisp", ephemeral: true }, "t")).id;
      await l.closeIssue(ids.closedWisp, { reason: "done" }, "t");
      ids.stale = (await l.createIssue({ title: "forgotten task", priority: 3 }, "t")).id;
      ids.urgent = (await l.createIssue({ title: "old but P1", priority: 1 }, "t")).id;
      ids.epic = (await l.createIssue({ title: "old epic", issue_type: "epic", priority: 3 }, "t")).id;
      ids.waiting = (await l.createIssue({ title: "old, waits on open work", priority: 3 }, "t")).id;
    });
    await inThePast(rigBeads, 0, async (l) => {
      ids.newWisp = (await l.createIssue({ title: "new wisp", ephemeral: true }, "t")).id;
      ids.blocker = (await l.createIssue({ title: "open blocker", priority: 2 }, "t")).id;
    });
    // The dependency is written 40 days back too, so the waiting issue stays old.
    await inThePast(rigBeads, 40, (l) =>
      l.addDependency({ issue_id: ids.waiting!, depends_on_id: ids.blocker!, type: "blocks" }, "t"),
    );
    await inThePast(join(town.root, ".beads"), 10, async (l) => {
      ids.mail = (await l.createIssue({ title: "old mail", issue_type: "message", ephemeral: true }, "t")).id;
      await l.closeIssue(ids.mail, { reason: "archived" }, "t");
    });
    // A worktree whose directory was deleted by hand.
    const bare = join(town.root, "alpha", ".repo.git");
    const gone = join(town.scratch, "gone-worktree");
    execFileSync("git", ["worktree", "add", "--quiet", "--detach", gone], { cwd: bare, stdio: "pipe" });
    rmSync(gone, { recursive: true, force: true });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("scans, dry-runs and runs a reaper cycle over the town's ledgers", async () => {
    assert.deepEqual(await town.gtJson<string[]>(["reaper", "databases"]), ["town", "alpha"]);
    await fails(["reaper", "scan", "--db", "nosuch"], /unknown database nosuch \(databases: town, alpha\)/);
    await fails(["reaper", "reap", "--max-age", "soon"], /invalid --max-age "soon"/);

    const scan = await town.gtJson<Scan[]>(["reaper", "scan"]);
    const alpha = scan.find((s) => s.database === "alpha")!;
    assert.deepEqual(
      [alpha.reap_candidates, alpha.purge_candidates, alpha.stale_candidates, alpha.orphaned_worktrees],
      [1, 1, 1, 1],
    );
    assert.equal(scan.find((s) => s.database === "town")?.mail_candidates, 1);

    const rigBeads = join(town.root, "alpha", ".beads");
    const dry = await town.gtJson<{ totals: Record<string, number> }>(["reaper", "run", "--dry-run"]);
    assert.deepEqual(
      [dry.totals.reaped, dry.totals.wisps_purged, dry.totals.mail_purged, dry.totals.closed],
      [1, 1, 1, 1],
    );
    assert.equal(await status(rigBeads, ids.oldWisp!), "open");
    assert.equal(await status(rigBeads, ids.closedWisp!), "closed");
    assert.equal(await status(rigBeads, ids.stale!), "open");

    const closed = await town.gtJson<
      Array<{ closed: number; closed_entries?: Array<{ id: string; age_days: number }> }>
    >(["reaper", "auto-close", "--db", "alpha"]);
    assert.deepEqual(
      closed[0]?.closed_entries?.map((e) => e.id),
      [ids.stale],
    );
    assert.ok((closed[0]?.closed_entries?.[0]?.age_days ?? 0) >= 39);

    const run = await town.gt(["reaper", "run"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Reaper cycle complete:/);
    assert.match(run.stdout, /Reaped: {4}1 \(and 1 orphaned worktrees pruned\)/);
    assert.match(run.stdout, /Purged: {4}1 wisps, 1 mail/);

    assert.equal(await status(rigBeads, ids.oldWisp!), "closed", "the old wisp is reaped");
    assert.equal(await status(rigBeads, ids.closedWisp!), "gone", "the old closed wisp is purged");
    assert.equal(await status(join(town.root, ".beads"), ids.mail!), "gone");
    assert.equal(await status(rigBeads, ids.stale!), "closed");
    for (const kept of ["keptWisp", "newWisp", "urgent", "epic", "waiting", "blocker"])
      assert.equal(await status(rigBeads, ids[kept]!), "open", `${kept} is spared`);

    const after = await town.gtJson<Scan[]>(["reaper", "scan", "--db", "alpha"]);
    assert.deepEqual(
      [after[0]!.reap_candidates, after[0]!.stale_candidates, after[0]!.orphaned_worktrees],
      [0, 0, 0],
    );
  });
});
