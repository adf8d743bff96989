import "../helpers/isolation.ts";
// The PostgreSQL ledger under concurrency and faults: separate pools (stand-ins for bd
// processes on different machines) racing for one bead, concurrent writers, a connection
// killed in the middle of a transaction, and a server that cannot be reached.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresLedger } from "../../src/ledger/postgres/store.ts";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";

let server: Postgres;
let n = 0;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

/** `count` ledgers on one schema, each with its own pool. */
async function ledgers(count: number, schema = `race_${++n}`): Promise<PostgresLedger[]> {
  const first = await PostgresLedger.open({ dsn: server.dsn, schema });
  await first.setConfig("issue_prefix", "rc");
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => PostgresLedger.open({ dsn: server.dsn, schema })),
  );
  return [first, ...rest];
}

const closeAll = (all: PostgresLedger[]) => Promise.all(all.map((l) => l.close()));

describe("PostgreSQL ledger: concurrency and faults", () => {
  it("eight pools race to claim one bead: exactly one wins, the rest are told who has it", async () => {
    const all = await ledgers(8);
    try {
      const bead = await all[0]!.createIssue({ title: "contested" }, "setup");
      const results = await Promise.allSettled(all.map((l, i) => l.claimIssue(bead.id, `agent-${i}`)));
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
      const winner = (won[0] as PromiseFulfilledResult<{ assignee?: string }>).value.assignee;
      for (const r of results) {
        if (r.status === "rejected")
          assert.equal((r.reason as { code?: string }).code, "already_claimed", String(r.reason));
      }
      const stored = (await all[3]!.getIssue(bead.id))!;
      assert.equal(stored.status, "in_progress");
      assert.equal(stored.assignee, winner);
      const claims = (await all[5]!.events(bead.id)).filter((e) => e.event_type === "status_changed");
      assert.equal(claims.length, 1, "one status change recorded");
    } finally {
      await closeAll(all);
    }
  });

  it("a guarded update is a compare-and-swap across pools", async () => {
    const all = await ledgers(6);
    try {
      const bead = await all[0]!.createIssue({ title: "hook me" }, "setup");
      const results = await Promise.allSettled(
        all.map((l, i) =>
          l.updateIssue(bead.id, { assignee: `polecat-${i}`, status: "hooked" }, `polecat-${i}`, (cur) => {
            if (cur.assignee) throw new Error(`already hooked by ${cur.assignee}`);
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      const stored = (await all[0]!.getIssue(bead.id))!;
      assert.match(stored.assignee ?? "", /^polecat-\d$/);
    } finally {
      await closeAll(all);
    }
  });

  it("a custom status configured on one machine is usable at once by a process opened before", async () => {
    const [early, other] = await ledgers(2);
    try {
      const bead = await early!.createIssue({ title: "to review" }, "setup");
      await other!.setConfig("status.custom", "review:active");
      const moved = await early!.updateIssue(bead.id, { status: "review" }, "setup");
      assert.equal(moved.status, "review");
    } finally {
      await closeAll([early!, other!]);
    }
  });

  it("20 concurrent writers creating beads: none lost, IDs unique, blocked flags right", async () => {
    const all = await ledgers(20);
    try {
      const blocker = await all[0]!.createIssue({ title: "blocker" }, "setup");
      const created = await Promise.all(
        all.map(async (l, w) => {
          const ids: string[] = [];
          for (let i = 0; i < 5; i++) {
            const issue = await l.createIssue(
              {
                title: `w${w} bead ${i}`,
                deps: i === 0 ? [{ type: "blocks", depends_on_id: blocker.id }] : [],
              },
              `writer-${w}`,
            );
            ids.push(issue.id);
          }
          return ids;
        }),
      );
      const ids = created.flat();
      assert.equal(ids.length, 100);
      assert.equal(new Set(ids).size, 100, "IDs unique");
      assert.equal(await all[7]!.countIssues({ all: true }), 101, "none lost");
      assert.equal((await all[2]!.blocked({})).length, 20, "each writer's first bead is blocked");
      const closed = await all[9]!.closeIssue(blocker.id, {}, "setup");
      assert.equal(closed.unblocked.length, 20);
      assert.equal((await all[4]!.ready({ limit: 0 })).length, 100);
    } finally {
      await closeAll(all);
    }
  });

  it("a connection killed mid-transaction leaves nothing half-written; the write runs again whole", async () => {
    const [ledger] = await ledgers(1, "killed");
    const admin = new pg.Client({ connectionString: server.dsn });
    const watcher = new pg.Client({ connectionString: server.dsn });
    await admin.connect();
    await watcher.connect();
    try {
      // Hold the labels table so the create stops half-way: its issue row and event are
      // written, its label insert waits.
      await admin.query("BEGIN");
      await admin.query("LOCK TABLE killed.labels IN ACCESS EXCLUSIVE MODE");
      const pending = ledger!.createIssue({ title: "interrupted", labels: ["x"] }, "writer");
      let victim: number | undefined;
      for (let i = 0; i < 200 && victim === undefined; i++) {
        // Not on `admin`: inside its transaction the activity view would stay as first read.
        const r = await watcher.query(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO labels%'",
        );
        victim = r.rows[0]?.pid;
        if (victim === undefined) await new Promise((res) => setTimeout(res, 25));
      }
      assert.ok(victim, "the create waits on the locked table");
      await admin.query("SELECT pg_terminate_backend($1)", [victim]);
      await admin.query("COMMIT");
      const issue = await pending;
      const rows = await admin.query("SELECT id FROM killed.issues WHERE title = 'interrupted'");
      assert.deepEqual(
        rows.rows.map((r) => r.id),
        [issue.id],
        "one issue: the killed attempt's row was rolled back",
      );
      const events = await ledger!.events(issue.id);
      assert.deepEqual(
        events.map((e) => e.event_type),
        ["created"],
        "one created event",
      );
      assert.deepEqual(issue.labels, ["x"]);
    } finally {
      await admin.end();
      await watcher.end();
      await ledger!.close();
    }
  });

  it("an unreachable server is one clear error naming host and port, never the password", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await assert.rejects(
      PostgresLedger.open({ dsn: `postgres://gt:s3cret@127.0.0.1:${port}/postgres`, schema: "nowhere" }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "db_unreachable");
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.doesNotMatch(e.message, /s3cret/);
        return true;
      },
    );
    await assert.rejects(
      PostgresLedger.open({ dsn: server.dsn, schema: "Bad-Name" }),
      /invalid ledger schema/,
    );
  });

  it("opened read-only: reads work, the server refuses writes, a missing schema is no ledger", async () => {
    const [writer] = await ledgers(1, "readonly");
    const bead = await writer!.createIssue({ title: "kept" }, "setup");
    await writer!.close();
    const reader = await PostgresLedger.open({ dsn: server.dsn, schema: "readonly", readOnly: true });
    try {
      assert.equal((await reader.getIssue(bead.id))?.title, "kept");
      await assert.rejects(reader.createIssue({ title: "no" }, "x"), { code: "read_only" });
      await assert.rejects(reader.closeIssue(bead.id, {}, "x"), { code: "read_only" });
      assert.equal((await reader.getIssue(bead.id))?.status, "open");
    } finally {
      await reader.close();
    }
    await assert.rejects(PostgresLedger.open({ dsn: server.dsn, schema: "absent", readOnly: true }), {
      code: "no_ledger",
    });
  });

  it("close ends the pool: no connection of ours stays open", async () => {
    const [ledger] = await ledgers(1, "closing");
    await ledger!.ready({});
    await ledger!.close();
    const admin = new pg.Client({ connectionString: server.dsn });
    await admin.connect();
    try {
      const r = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid != pg_backend_pid() AND query LIKE '%closing%'",
      );
      assert.equal(r.rows[0].n, 0);
    } finally {
      await admin.end();
    }
  });
});
