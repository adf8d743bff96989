import "../helpers/isolation.ts";
// The PostgreSQL backend's pure parts: `?` placeholders numbered in one place (never inside
// quoted text, quoted names or comments), DSNs described without their password, and the
// metadata.json facts that rebuild a DSN without one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { postgresDsn, postgresMetadata } from "../../src/ledger/discovery.ts";
import { toPgPlaceholders } from "../../src/ledger/postgres/db.ts";
import { describeDsn } from "../../src/ledger/postgres/dsn.ts";

describe("PostgreSQL dialect helpers", () => {
  it("numbers placeholders, leaving quoted text, quoted names and comments alone", () => {
    assert.equal(toPgPlaceholders("SELECT ? , ?"), "SELECT $1 , $2");
    assert.equal(
      toPgPlaceholders(`SELECT '?' || "a?b", ? -- what?\n FROM t /* ? */ WHERE x = ? AND y LIKE 'it''s ?'`),
      `SELECT '?' || "a?b", $1 -- what?\n FROM t /* ? */ WHERE x = $2 AND y LIKE 'it''s ?'`,
    );
    assert.equal(toPgPlaceholders("SELECT 1"), "SELECT 1");
  });

  it("describes a DSN by host, port and database, never the password", () => {
    assert.equal(describeDsn("postgres://gt:s3cret@db.example:6543/town"), "db.example:6543/town");
    assert.equal(describeDsn("postgres://gt@localhost/town"), "localhost:5432/town");
    assert.doesNotMatch(describeDsn("postgresql://u:pw@h:1/d"), /pw/);
    assert.equal(describeDsn("not a url"), "an unparsable DSN");
  });

  it("records a DSN's facts without the password and rebuilds a DSN from them; BEADS_DSN wins", () => {
    const meta = postgresMetadata("postgres://gt:s3cret@db.example:6543/town", "rig_a");
    assert.deepEqual(meta, {
      backend: "postgres",
      postgres_host: "db.example",
      postgres_port: 6543,
      postgres_user: "gt",
      postgres_database: "town",
      postgres_schema: "rig_a",
    });
    assert.equal(postgresDsn({ ...meta }, {}), "postgres://gt@db.example:6543/town");
    assert.equal(postgresDsn({ ...meta }, { BEADS_DSN: "postgres://x:y@z:1/w" }), "postgres://x:y@z:1/w");
    assert.throws(() => postgresMetadata("mysql://h/d", "s"), /invalid PostgreSQL DSN/);
  });
});
