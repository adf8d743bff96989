import "../helpers/isolation.ts";
// Db's write transactions, sync and awaited (bd batch), share one implementation: both commit
// on success, roll back whole on failure, join an outer transaction when nested, and leave
// the connection usable (no transaction left open) whatever happened.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Db } from "../../src/ledger/sqlite/db.ts";
import { scratchDir } from "../helpers/temp.ts";

function fresh(): Db {
  const db = new Db(join(scratchDir("db-"), "t.db"));
  db.exec("CREATE TABLE t (v TEXT NOT NULL)");
  return db;
}

const values = (db: Db) => db.column<string>("SELECT v FROM t ORDER BY rowid");

describe("Db write transactions", () => {
  it("write commits what fn did and returns its result", () => {
    const db = fresh();
    assert.equal(
      db.write(() => db.run("INSERT INTO t VALUES ('a')")),
      1,
    );
    assert.deepEqual(values(db), ["a"]);
    assert.equal(db.inTransaction, false);
  });

  it("write rolls back everything fn did when it throws, and rethrows", () => {
    const db = fresh();
    assert.throws(
      () =>
        db.write(() => {
          db.run("INSERT INTO t VALUES ('a')");
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.deepEqual(values(db), []);
    assert.equal(db.inTransaction, false);
    db.write(() => db.run("INSERT INTO t VALUES ('b')"));
    assert.deepEqual(values(db), ["b"]);
  });

  it("a nested write joins the outer one: the outer failure takes the inner work too", () => {
    const db = fresh();
    assert.throws(() =>
      db.write(() => {
        db.write(() => db.run("INSERT INTO t VALUES ('inner')"));
        throw new Error("outer");
      }),
    );
    assert.deepEqual(values(db), []);
  });

  it("writeAsync holds one transaction across awaited steps and commits at the end", async () => {
    const db = fresh();
    const seen: boolean[] = [];
    const result = await db.writeAsync(async () => {
      db.run("INSERT INTO t VALUES ('a')");
      await new Promise((r) => setTimeout(r, 5));
      seen.push(db.inTransaction);
      db.write(() => db.run("INSERT INTO t VALUES ('b')"));
      seen.push(db.inTransaction);
      return "done";
    });
    assert.equal(result, "done");
    assert.deepEqual(seen, [true, true]);
    assert.deepEqual(values(db), ["a", "b"]);
    assert.equal(db.inTransaction, false);
  });

  it("writeAsync rolls back every step when a later one rejects, and rejects with its error", async () => {
    const db = fresh();
    await assert.rejects(
      db.writeAsync(async () => {
        db.run("INSERT INTO t VALUES ('a')");
        await new Promise((r) => setTimeout(r, 5));
        db.run("INSERT INTO t VALUES ('b')");
        throw new Error("step 3");
      }),
      /step 3/,
    );
    assert.deepEqual(values(db), []);
    assert.equal(db.inTransaction, false);
    await db.writeAsync(async () => db.run("INSERT INTO t VALUES ('c')"));
    assert.deepEqual(values(db), ["c"]);
  });

  it("a failed statement inside writeAsync rolls back the steps before it", async () => {
    const db = fresh();
    await assert.rejects(
      db.writeAsync(async () => {
        db.run("INSERT INTO t VALUES ('a')");
        db.run("INSERT INTO t VALUES (NULL)");
      }),
      /NOT NULL/,
    );
    assert.deepEqual(values(db), []);
    assert.equal(db.inTransaction, false);
  });
});
