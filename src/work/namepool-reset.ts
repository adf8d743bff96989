// gt namepool reset: give a rig's pool its names back. A name is in use while its polecat
// directory exists (src/work/polecats.ts), so the names released are those whose directory
// holds nothing and whose agent bead is closed or absent: reservations a killed sling or
// crashed spawn left behind. A polecat with a sandbox or a live identity keeps its name (two
// polecats must never share one). The overflow counter (names 51, 52, …) starts over just
// past the highest number still in use.
import { readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentBeadIdOf } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { POOL_SIZE } from "../town/namepool.ts";
import { polecatNames, polecatsDir } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { polecatId, withPolecatPool } from "./polecats.ts";

export interface NamepoolReset {
  rig: string;
  /** Names given back to the pool (their empty directories removed). */
  released: string[];
  /** Names still held by a polecat. */
  kept: string[];
  overflow_next: { before: number | null; after: number };
}

export async function resetNamepool(town: Town, rig: string): Promise<NamepoolReset> {
  rig = town.rig(rig).name;
  return withPolecatPool(town, rig, async () => {
    const released: string[] = [];
    const kept: string[] = [];
    const ledger = openRigLedger(town, rig);
    try {
      for (const name of polecatNames(town, rig)) {
        const dir = join(polecatsDir(town, rig), name);
        const empty = readdirSync(dir).length === 0;
        const bead = await ledger.getIssue(agentBeadIdOf(polecatId(rig, name), town.prefixOf(rig)));
        if (empty && (!bead || bead.status === "closed")) {
          rmdirSync(dir); // fails (and keeps it) if something appeared meanwhile
          released.push(name);
        } else kept.push(name);
      }
    } finally {
      await ledger.close();
    }
    const stateFile = join(town.rigDir(rig), ".runtime", "namepool-state.json");
    let state: { overflow_next?: number } = {};
    try {
      state = JSON.parse(readFileSync(stateFile, "utf8")) as typeof state;
    } catch {
      // never overflowed
    }
    const numbers = kept.filter((n) => /^\d+$/.test(n)).map(Number);
    const after = Math.max(POOL_SIZE, ...numbers) + 1;
    if (state.overflow_next !== undefined)
      writeFileSync(stateFile, `${JSON.stringify({ ...state, overflow_next: after })}\n`);
    return { rig, released, kept, overflow_next: { before: state.overflow_next ?? null, after } };
  });
}
