import "../helpers/isolation.ts";
// The SQLite dialect's statements, run against a real database: what each one must do is
// what the ledger's statements rely on (store.ts and the concern modules build their SQL
// from these), so a dialect that says something else fails here, not in a distant bd test.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Db } from "../../src/ledger/sqlite/db.ts";
import { SQLITE as sql } from "../../src/ledger/sqlite/dialect.ts";
import { scratchDir } from "../helpers/temp.ts";

function fresh(): Db {
  const db = new Db(join(scratchDir("dialect-"), "t.db"));
  db.exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT NOT NULL, note TEXT);
           CREATE TABLE docs (id TEXT PRIMARY KEY, meta TEXT, a TEXT, b TEXT)`);
  return db;
}

describe("SQLite dialect", () => {
  it("upsert inserts, then updates only the named columns of the existing row", () => {
    const db = fresh();
    const up = sql.upsert("kv", ["k", "v", "note"], ["k"], ["v"]);
    db.run(up, "a", "1", "first");
    db.run(up, "a", "2", "second");
    assert.deepEqual({ ...db.get("SELECT k, v, note FROM kv")! }, { k: "a", v: "2", note: "first" });
  });

  it("insertIgnore skips a row whose key exists, from values or from a SELECT", () => {
    const db = fresh();
    const ins = sql.insertIgnore("kv", ["k", "v"]);
    assert.equal(db.run(ins, "a", "1"), 1);
    assert.equal(db.run(ins, "a", "2"), 0);
    db.run(ins, "b", "3");
    db.run(sql.insertIgnore("kv", ["k", "v"], "SELECT k || '-copy', v FROM kv"));
    db.run(sql.insertIgnore("kv", ["k", "v"], "SELECT k, 'x' FROM kv"));
    assert.deepEqual(db.column("SELECT k || '=' || v FROM kv ORDER BY k"), [
      "a=1",
      "a-copy=1",
      "b=3",
      "b-copy=3",
    ]);
  });

  it("inList matches a list of thousands bound as one parameter", () => {
    const db = fresh();
    for (let i = 0; i < 3000; i++) db.run(sql.insertIgnore("kv", ["k", "v"]), `k${i}`, String(i));
    const want = Array.from({ length: 1500 }, (_, i) => `k${i * 2}`);
    const n = db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM kv WHERE ${sql.inList("k")}`,
      sql.listParam(want),
    );
    assert.equal(Number(n?.n), 1500);
  });

  it("jsonText and jsonHas read keys of any spelling, bound; jsonText inlines only word keys", () => {
    const db = fresh();
    db.run(
      "INSERT INTO docs (id, meta) VALUES ('d', ?)",
      JSON.stringify({ gate: "any", 'odd.key "q"': "v" }),
    );
    const text = (key: string) =>
      db.get<{ t: string | null }>(`SELECT ${sql.jsonText("meta")} AS t FROM docs`, sql.jsonKey(key))?.t;
    assert.equal(text('odd.key "q"'), "v");
    assert.equal(text("missing"), null);
    assert.equal(db.get<{ t: string }>(`SELECT ${sql.jsonText("meta", "gate")} AS t FROM docs`)?.t, "any");
    const has = (key: string) => db.get(`SELECT 1 FROM docs WHERE ${sql.jsonHas("meta")}`, sql.jsonKey(key));
    assert.ok(has("gate"));
    assert.equal(has("nope"), undefined);
    assert.throws(() => sql.jsonText("meta", "a'; DROP TABLE docs; --"), /word/);
  });

  it("glob, hoursBetween and undotted", () => {
    const db = fresh();
    db.run("INSERT INTO docs (id, a, b) VALUES ('bd-1', '2026-01-01T00:00:00Z', '2026-01-02T12:00:00Z')");
    db.run("INSERT INTO docs (id) VALUES ('bd-1.2')");
    assert.deepEqual(db.column(`SELECT id FROM docs WHERE ${sql.glob("id")} ORDER BY id`, "bd-*"), [
      "bd-1",
      "bd-1.2",
    ]);
    assert.deepEqual(db.column(`SELECT id FROM docs WHERE ${sql.glob("id")}`, "bd-?"), ["bd-1"]);
    assert.equal(
      Number(
        db.get<{ h: number }>(`SELECT ${sql.hoursBetween("a", "b")} AS h FROM docs WHERE id = 'bd-1'`)?.h,
      ),
      36,
    );
    assert.deepEqual(db.column(`SELECT id FROM docs WHERE ${sql.undotted("id")}`), ["bd-1"]);
  });

  it("the engine's own statements: columns, schema version, read-only mode, integrity check", () => {
    const db = fresh();
    assert.deepEqual(
      db.all<{ name: string }>(sql.tableColumns("kv")).map((c) => c.name),
      ["k", "v", "note"],
    );
    assert.equal(Number(db.get<{ user_version: number }>(sql.schemaVersion)?.user_version), 0);
    db.exec(sql.readOnlyOn);
    assert.throws(
      () => db.run("INSERT INTO kv (k, v) VALUES ('a', '1')"),
      /readonly|read-only|attempt to write/i,
    );
    db.exec(sql.readOnlyOff);
    assert.equal(db.run("INSERT INTO kv (k, v) VALUES ('a', '1')"), 1);
    for (const full of [false, true]) assert.deepEqual(db.column(sql.integrityCheck(full)), ["ok"]);
  });
});
