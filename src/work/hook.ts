// An agent's hook: the bead it must run. A bead is on X's hook when its status is
// `hooked` and its assignee is X's address. The hook may live in the agent's rig ledger
// or in the town ledger (work slung to the mayor, or cross-rig work).
import type { Issue } from "../ledger/model.ts";
import type { SqliteLedger } from "../ledger/sqlite/store.ts";

export const HOOKED = "hooked";

/** Beads hooked to `address` in these ledgers, oldest first (normally zero or one). */
export async function findHookedWork(ledgers: SqliteLedger[], address: string): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const ledger of ledgers) {
    const hooked = await ledger.listIssues({
      statuses: [HOOKED],
      assignee: address,
      includeInfra: true,
      sort: "created",
    });
    out.push(...hooked);
  }
  return out;
}
