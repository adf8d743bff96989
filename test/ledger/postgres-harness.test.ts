import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";

// The throwaway server the PostgreSQL ledger's tests run on (issue 18): real, private to the
// test, reachable over loopback TCP and its unix socket, gone when stopped.
describe("the test PostgreSQL server", () => {
  let server: Postgres;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.stop());

  it("takes connections over TCP and the unix socket; a commit on one is seen on the other", async () => {
    const tcp = new pg.Client({ connectionString: server.dsn });
    const unix = new pg.Client({
      host: server.socketDir,
      port: server.port,
      user: server.user,
      database: "postgres",
    });
    await tcp.connect();
    await unix.connect();
    try {
      await tcp.query("CREATE SCHEMA rig_a");
      await tcp.query("CREATE TABLE rig_a.issues (id text PRIMARY KEY, title text NOT NULL)");
      await tcp.query("INSERT INTO rig_a.issues VALUES ($1, $2)", ["ga-1", "first"]);
      const seen = await unix.query<{ id: string; title: string }>("SELECT id, title FROM rig_a.issues");
      assert.deepEqual(seen.rows, [{ id: "ga-1", title: "first" }]);
      // A second database on the same server, as two towns' ledgers could be.
      await tcp.query("CREATE DATABASE other");
      const other = new pg.Client({ connectionString: server.dsnFor("other") });
      await other.connect();
      const none = await other.query("SELECT to_regclass('rig_a.issues') AS t");
      assert.equal(none.rows[0].t, null);
      await other.end();
    } finally {
      await tcp.end();
      await unix.end();
    }
  });

  it("is gone once stopped: a new connection is refused", async () => {
    const own = await startPostgres();
    const c = new pg.Client({ connectionString: own.dsn });
    await c.connect();
    await c.end();
    own.stop();
    const late = new pg.Client({ connectionString: own.dsn, connectionTimeoutMillis: 3000 });
    await assert.rejects(late.connect(), /ECONNREFUSED/);
  });
});
