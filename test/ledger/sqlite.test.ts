// Runs the LedgerStore conformance suite against the SQLite backend (a real file per test).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";
import { runConformance } from "./conformance.ts";

runConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ledger-conf-"));
  const store = SqliteLedger.open({ path: join(dir, "beads.db"), jsonlPath: join(dir, "issues.jsonl") });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
