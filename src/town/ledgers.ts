// The town's ledgers, opened in-process (gt never spawns bd): the town ledger (prefix hq)
// and one per rig (its own prefix). A rig's `.beads` may be a redirect into mayor/rig/.beads
// when the project tracks its own beads.
import { join } from "node:path";
import { BEADS_DIRNAME, followRedirect, type LedgerLocation, openLedger } from "../ledger/discovery.ts";
import type { SqliteLedger } from "../ledger/sqlite/store.ts";
import type { Town } from "./workspace.ts";

/** Bead types and statuses Gas Town registers on every ledger it manages. */
export const GT_CUSTOM_TYPES = [
  "agent",
  "role",
  "rig",
  "convoy",
  "slot",
  "queue",
  "event",
  "message",
  "molecule",
  "gate",
  "merge-request",
  "escalation",
];
export const GT_CUSTOM_STATUSES = ["staged_ready:active", "staged_warnings:active"];

export function locate(beadsDir: string): LedgerLocation {
  const real = followRedirect(beadsDir);
  return {
    beadsDir: real,
    dbPath: join(real, "beads.db"),
    jsonlPath: join(real, "issues.jsonl"),
    foundAt: beadsDir,
  };
}

/** The `.beads` directory (before redirects) holding a rig's ledger. */
export function rigBeadsDir(town: Town, rig: string): string {
  return join(town.rigDir(rig), BEADS_DIRNAME);
}

export function openTownLedger(town: Town): SqliteLedger {
  return openLedger(locate(town.beadsDir));
}

export function openRigLedger(town: Town, rig: string): SqliteLedger {
  return openLedger(locate(rigBeadsDir(town, rig)));
}

/** Registers Gas Town's bead types and statuses on a ledger (idempotent). */
export async function registerGasTownVocabulary(ledger: SqliteLedger): Promise<void> {
  const merge = async (key: string, wanted: string[]) => {
    const have = ((await ledger.getConfig(key)) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const names = new Set(have.map((h) => h.split(":")[0]));
    const next = [...have, ...wanted.filter((w) => !names.has(w.split(":")[0]))];
    if (next.length !== have.length) await ledger.setConfig(key, next.join(","));
  };
  await merge("types.custom", GT_CUSTOM_TYPES);
  await merge("status.custom", GT_CUSTOM_STATUSES);
}

/** Opens the ledger an agent identity belongs to: the rig's for rig roles, else the town's. */
export function openLedgerFor(town: Town, rig: string | undefined): SqliteLedger {
  return rig ? openRigLedger(town, rig) : openTownLedger(town);
}

/**
 * The rig whose ledger holds a bead, from its ID prefix (`al-x1` → the rig with prefix
 * `al`); undefined for town beads (`hq-…`). The longest matching prefix wins, so a rig
 * prefixed `al` never captures `al-pha-…` of a rig prefixed `al-pha`.
 */
export function rigOfBead(town: Town, beadId: string): string | undefined {
  let best: { rig: string; len: number } | undefined;
  for (const rig of town.rigNames()) {
    const prefix = town.prefixOf(rig);
    if (beadId.startsWith(`${prefix}-`) && (!best || prefix.length > best.len))
      best = { rig, len: prefix.length };
  }
  return best?.rig;
}

/** Opens the ledger that holds `beadId` (see rigOfBead). */
export function openLedgerOfBead(
  town: Town,
  beadId: string,
): { ledger: SqliteLedger; rig: string | undefined } {
  const rig = rigOfBead(town, beadId);
  return { ledger: openLedgerFor(town, rig), rig };
}
