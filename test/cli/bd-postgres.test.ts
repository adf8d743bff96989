import "../helpers/isolation.ts";
// bd on a PostgreSQL ledger (issue 18): `bd init --backend postgres` against a throwaway
// server, then the everyday commands through bin/bd; two directories (two machines' clones)
// sharing one schema see each other's writes at once; an unreachable server is one line.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bd, bdJson, exportJsonl, freshLedger, tempDir } from "../helpers/bd.ts";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";

let server: Postgres;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

describe("bd on PostgreSQL", () => {
  it("init, create, ready, close and list --json run against the server", async (t) => {
    const here = tempDir();
    t.after(here.cleanup);
    const init = await bdJson<{ status: string; backend: string; schema: string; prefix: string }>(here.dir, [
      "init",
      "--backend",
      "postgres",
      "--dsn",
      server.dsn,
      "--prefix",
      "pg",
    ]);
    assert.deepEqual(
      [init.status, init.backend, init.schema, init.prefix],
      ["initialized", "postgres", "bd_pg", "pg"],
    );
    const meta = JSON.parse(readFileSync(join(here.dir, ".beads", "metadata.json"), "utf8"));
    assert.equal(meta.backend, "postgres");
    assert.equal(meta.postgres_port, server.port);
    assert.equal(meta.postgres_schema, "bd_pg");
    assert.equal(existsSync(join(here.dir, ".beads", "beads.db")), false, "no SQLite file");

    const a = await bdJson<{ id: string }>(here.dir, ["create", "first", "-p", "1"]);
    // `--deps blocks:A`: A depends on the new bead, which blocks it.
    const b = await bdJson<{ id: string }>(here.dir, ["create", "blocker", "--deps", `blocks:${a.id}`]);
    assert.match(a.id, /^pg-/);
    const ready = await bdJson<Array<{ id: string }>>(here.dir, ["ready"]);
    assert.deepEqual(
      ready.map((i) => i.id),
      [b.id],
    );
    const closed = await bd(here.dir, ["close", b.id, "--reason", "done"]);
    assert.equal(closed.code, 0, closed.stderr);
    const after = await bdJson<Array<{ id: string }>>(here.dir, ["ready"]);
    assert.deepEqual(
      after.map((i) => i.id),
      [a.id],
      "closing the blocker readies its dependent",
    );
    const list = await bdJson<Array<{ id: string; status: string }>>(here.dir, ["list", "--all"]);
    assert.deepEqual(
      list.map((i) => [i.id, i.status]).sort(),
      [
        [a.id, "open"],
        [b.id, "closed"],
      ].sort(),
    );

    // A second clone on another "machine": same schema, its own directory; sees the close at once.
    const there = tempDir();
    t.after(there.cleanup);
    const again = await bdJson<{ status: string }>(there.dir, [
      "init",
      "--backend",
      "postgres",
      "--dsn",
      server.dsn,
      "--prefix",
      "pg",
    ]);
    assert.equal(again.status, "initialized");
    const shown = await bdJson<Array<{ id: string; status: string }>>(there.dir, ["show", b.id]);
    assert.equal(shown[0]?.status, "closed");
    const claimed = await bd(there.dir, ["update", a.id, "--claim"], { env: { BEADS_ACTOR: "other" } });
    assert.equal(claimed.code, 0, claimed.stderr);
    const refused = await bd(here.dir, ["update", a.id, "--claim"], { env: { BEADS_ACTOR: "me" } });
    assert.notEqual(refused.code, 0, "a bead claimed on one machine cannot be claimed on the other");
  });

  it("an unreachable server: init fails with one line naming host and port, writing nothing", async (t) => {
    const here = tempDir();
    t.after(here.cleanup);
    const r = await bd(here.dir, [
      "init",
      "--backend",
      "postgres",
      "--dsn",
      "postgres://gt:hunter2@127.0.0.1:1/postgres",
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /127\.0\.0\.1:1/);
    assert.doesNotMatch(r.stderr + r.stdout, /hunter2/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(existsSync(join(here.dir, ".beads")), false);
  });

  it("bd migrate --to postgres and back --to sqlite: the export is unchanged, the backend flips", async (t) => {
    const l = await freshLedger("mg");
    t.after(l.cleanup);
    const a = await bdJson<{ id: string }>(l.dir, ["create", "alpha", "-l", "x,y", "-d", "text"]);
    const b = await bdJson<{ id: string }>(l.dir, ["create", "beta", "--deps", `blocks:${a.id}`]);
    assert.equal((await bd(l.dir, ["comments", "add", a.id, "a remark"])).code, 0);
    assert.equal((await bd(l.dir, ["close", b.id])).code, 0);
    const before = await exportJsonl(l.dir);
    const history = await bd(l.dir, ["history", a.id]);

    const up = await bdJson<{ from: string; to: string; issues: number; metadata: { backend: string } }>(
      l.dir,
      ["migrate", "--to", "postgres", "--dsn", server.dsn, "--schema", "moved"],
    );
    assert.deepEqual([up.from, up.to, up.issues, up.metadata.backend], ["sqlite", "postgres", 2, "postgres"]);
    assert.equal(existsSync(join(l.dir, ".beads", "beads.db")), false, "the SQLite file is set aside");
    assert.equal(existsSync(join(l.dir, ".beads", "beads.db.migrated")), true);
    const ready = await bdJson<Array<{ id: string }>>(l.dir, ["ready"]);
    assert.deepEqual(
      ready.map((i) => i.id),
      [a.id],
    );
    assert.equal(await exportJsonl(l.dir), before, "the same export from PostgreSQL");

    const down = await bdJson<{ to: string; metadata: { backend: string } }>(l.dir, [
      "migrate",
      "--to",
      "sqlite",
    ]);
    assert.deepEqual([down.to, down.metadata.backend], ["sqlite", "sqlite"]);
    assert.equal(await exportJsonl(l.dir), before, "and back on SQLite");
    assert.equal((await bd(l.dir, ["history", a.id])).stdout, history.stdout, "events kept");
    const again = await bd(l.dir, ["migrate", "--to", "sqlite"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already on SQLite/);
  });
});
