import "../helpers/isolation.ts";
// Runs the LedgerStore conformance suite against the PostgreSQL backend: one throwaway
// server for this file, a fresh schema (a rig's ledger) for every test.
import { after, before } from "node:test";
import { PostgresLedger } from "../../src/ledger/postgres/store.ts";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";
import { runConformance } from "./conformance.ts";

let server: Postgres;
let n = 0;
before(async () => {
  server = await startPostgres();
});
after(() => server?.stop());

runConformance("postgres", async () => {
  const store = await PostgresLedger.open({ dsn: server.dsn, schema: `conf_${++n}` });
  return { store, cleanup: () => store.close() };
});
