import "../helpers/isolation.ts";
// A ledger moved SQLite → PostgreSQL → SQLite loses nothing: every issue (wisps, templates,
// closed ones, nanosecond timestamps) with labels, edges and comments, the event history
// with its IDs and times, the ID counters and the config.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dumpLedger, type LedgerDump, restoreLedger } from "../../src/ledger/migrate.ts";
import type { Issue } from "../../src/ledger/model.ts";
import { PostgresLedger } from "../../src/ledger/postgres/store.ts";
import { migrationParams } from "../../src/ledger/sql/migration.ts";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";

let server: Postgres;
const dirs: string[] = [];
before(async () => {
  server = await startPostgres();
});
after(() => {
  server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sqlite(): SqliteLedger {
  const dir = mkdtempSync(join(tmpdir(), "migrate-"));
  dirs.push(dir);
  return SqliteLedger.open({ path: join(dir, "beads.db"), jsonlPath: join(dir, "issues.jsonl") });
}

/** The dump with engine-specific number types evened out, for comparison. */
function comparable(d: LedgerDump) {
  const rows = Object.fromEntries(
    (Object.keys(d.rows) as Array<keyof LedgerDump["rows"]>).map((t) => [
      t,
      d.rows[t].map((r) => migrationParams(t, r)),
    ]),
  );
  return { issues: d.issues, rows, config: d.config };
}

describe("migrating a ledger between SQLite and PostgreSQL", () => {
  it("round trip sqlite → postgres → sqlite: the full export, events, counters and config are identical", async () => {
    const source = sqlite();
    await source.setConfig("issue_prefix", "mg");
    await source.setConfig("types.custom", "gizmo");
    await source.setConfig("status.custom", "review:active");
    await source.setConfig("min_hash_length", "4");
    const epic = await source.createIssue({ title: "epic", issue_type: "epic", labels: ["big"] }, "ann");
    const child = await source.createIssue(
      { title: "child", parent: epic.id, metadata: { k: [1, "x"] } },
      "ann",
    );
    const blocker = await source.createIssue({ title: "blocker", issue_type: "gizmo", priority: 0 }, "bob");
    await source.addDependency({ issue_id: child.id, depends_on_id: blocker.id, type: "blocks" }, "bob");
    await source.addComment(child.id, "cat", "first note");
    await source.addComment(child.id, "dan", "second note");
    await source.updateIssue(blocker.id, { status: "review", notes: "looking" }, "bob");
    const done = await source.createIssue({ title: "done" }, "ann");
    await source.closeIssue(done.id, { reason: "shipped" }, "ann");
    await source.createIssue({ title: "a wisp", ephemeral: true, labels: ["w"] }, "ann");
    await source.createIssue({ title: "a template", is_template: true }, "ann");
    const ns: Issue = {
      id: "mg-nano",
      title: "from beads with nanoseconds",
      status: "open",
      priority: 3,
      issue_type: "task",
      created_at: "2025-01-02T03:04:05.123456789Z",
      updated_at: "2025-01-02T03:04:06.987654321Z",
      comments: [
        {
          id: "c-1",
          issue_id: "mg-nano",
          author: "eve",
          text: "old",
          created_at: "2025-01-02T03:04:07.000000001Z",
        },
      ],
    };
    await source.importIssues([ns], "import");
    const a = await dumpLedger(source);
    assert.ok(
      a.issues.some((i) => i.ephemeral),
      "the dump carries wisps",
    );
    assert.ok(a.rows.events.length > 10);

    const pg = await PostgresLedger.open({ dsn: server.dsn, schema: "migrated" });
    assert.equal(await restoreLedger(pg, a, "migrate"), a.issues.length);
    const b = await dumpLedger(pg);
    assert.deepEqual(comparable(b), comparable(a), "sqlite → postgres");
    assert.equal((await pg.getIssue("mg-nano"))?.updated_at, "2025-01-02T03:04:06.987654321Z");
    assert.deepEqual(await pg.isBlocked(child.id), await source.isBlocked(child.id));
    // New events continue after the migrated ones.
    await pg.addComment(child.id, "fay", "after the move");
    const evs = await pg.events(child.id);
    assert.ok(Number(evs.at(-1)!.id) > Math.max(...a.rows.events.map((e) => Number(e.id))));

    const back = sqlite();
    await restoreLedger(back, b, "migrate");
    const c = await dumpLedger(back);
    assert.deepEqual(comparable(c), comparable(a), "postgres → sqlite: as it started");
    await pg.close();
    await source.close();
    await back.close();
  });

  it("refuses a target that already holds issues, writing nothing", async () => {
    const source = sqlite();
    await source.setConfig("issue_prefix", "mg");
    await source.createIssue({ title: "one" }, "ann");
    const pg = await PostgresLedger.open({ dsn: server.dsn, schema: "busy" });
    await pg.setConfig("issue_prefix", "bz");
    await pg.createIssue({ title: "already here" }, "ann");
    await assert.rejects(restoreLedger(pg, await dumpLedger(source), "m"), /already holds 1 issue/);
    assert.equal(await pg.prefix(), "bz");
    assert.equal(await pg.countIssues({ all: true }), 1);
    await pg.close();
    await source.close();
  });
});
