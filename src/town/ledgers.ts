// The town's ledgers, opened in-process (gt never spawns bd): the town ledger (prefix hq)
// and one per rig (its own prefix). A rig's `.beads` may be a redirect into mayor/rig/.beads
// when the project tracks its own beads.
import { join } from "node:path";
import { GasTownError } from "../errors.ts";
import {
  BEADS_DIRNAME,
  followRedirect,
  type LedgerLocation,
  openLedger,
  openSqliteLedger,
  readMetadata,
} from "../ledger/discovery.ts";
import { DEFAULT_INFRA_TYPES } from "../ledger/model.ts";
import type { SqliteLedger } from "../ledger/sqlite/store.ts";
import type { Ledger } from "../ledger/store.ts";
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
/**
 * Types that are infrastructure in the town ledger: the defaults without `message`, so mail
 * sent --permanent is exported like any bead and comes back when the database is rebuilt
 * (mail wisps are ephemeral and never exported either way).
 */
export const TOWN_INFRA_TYPES = DEFAULT_INFRA_TYPES.filter((t) => t !== "message");

/** Infrastructure types Gas Town's ledgers export all the same (config `types.infra_exported`). */
export const EXPORTED_INFRA_TYPES = ["rig"];

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

/** Which town (and rig) a ledger opened by openTownLedger/openRigLedger belongs to. */
const owners = new WeakMap<Ledger, { town: Town; rig: string | undefined }>();

export function ledgerOwner(ledger: Ledger): { town: Town; rig: string | undefined } | undefined {
  return owners.get(ledger);
}

/**
 * Opens a ledger the town manages, with Gas Town's vocabulary in place: a database rebuilt
 * from its JSONL (beads.db deleted, a fresh clone) has lost its config, and without the
 * custom types nothing could file a merge request. One config read per open; a write only
 * when something is missing. Agent and rig beads are re-derived where they are needed
 * (ensureLedgerRecords), since that takes more than one read.
 */
function openManaged(town: Town, rig: string | undefined, beadsDir: string): Ledger {
  const loc = locate(beadsDir);
  if (readMetadata(loc.beadsDir).backend === "postgres") {
    // A ledger on PostgreSQL (shared by towns on several machines) gets the vocabulary in its
    // open step, before its first operation.
    const shared = openLedger(loc, {
      configDefaults: (cfg) => vocabularyChanges(cfg, { town: rig === undefined }),
    });
    owners.set(shared, { town, rig });
    return shared;
  }
  const ledger = openSqliteLedger(loc);
  try {
    ensureGasTownVocabulary(ledger, { town: rig === undefined });
  } catch (e) {
    ledger.database.close();
    throw e;
  }
  owners.set(ledger, { town, rig });
  return ledger;
}

export function openTownLedger(town: Town): Ledger {
  return openManaged(town, undefined, town.beadsDir);
}

export function openRigLedger(town: Town, rig: string): Ledger {
  return openManaged(town, rig, rigBeadsDir(town, rig));
}

const VOCABULARY_KEYS = ["types.custom", "status.custom", "types.infra", "types.infra_exported"] as const;
type VocabularyConfig = Partial<Record<(typeof VOCABULARY_KEYS)[number], string>>;

function parseList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The config writes that give a ledger Gas Town's vocabulary, none when it has it: custom
 * types and statuses are added to what is there (a name already present, in any category,
 * is kept as it is); in the town ledger `message` is taken out of the infrastructure types;
 * rig beads are exported (EXPORTED_INFRA_TYPES).
 */
export function vocabularyChanges(cfg: VocabularyConfig, opts: { town: boolean }): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const merge = (key: "types.custom" | "status.custom", wanted: string[]) => {
    const have = parseList(cfg[key]);
    const names = new Set(have.map((h) => h.split(":")[0]));
    const missing = wanted.filter((w) => !names.has(w.split(":")[0]));
    if (missing.length > 0) out.push([key, [...have, ...missing].join(",")]);
  };
  merge("types.custom", GT_CUSTOM_TYPES);
  merge("status.custom", GT_CUSTOM_STATUSES);
  // Rig beads go to the JSONL although they are infrastructure: a rig's docked mark is on
  // its rig bead and must survive a rebuild from the JSONL and travel with it. (Agent beads,
  // rewritten on every session start, stay out: they are derived again from the agents.)
  const exported = parseList(cfg["types.infra_exported"]);
  const missing = EXPORTED_INFRA_TYPES.filter((t) => !exported.includes(t));
  if (missing.length > 0) out.push(["types.infra_exported", [...exported, ...missing].join(",")]);
  if (opts.town) {
    const infra = cfg["types.infra"] === undefined ? [...DEFAULT_INFRA_TYPES] : parseList(cfg["types.infra"]);
    if (cfg["types.infra"] === undefined || infra.includes("message"))
      out.push(["types.infra", infra.filter((t) => t !== "message").join(",")]);
  }
  return out;
}

function readVocabularyConfig(ledger: SqliteLedger): VocabularyConfig {
  const rows = ledger.database.all<{ key: string; value: string }>(
    `SELECT key, value FROM config WHERE key IN (${VOCABULARY_KEYS.map(() => "?").join(", ")})`,
    ...VOCABULARY_KEYS,
  );
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/**
 * Registers Gas Town's bead types and statuses (and, for the town ledger, its infrastructure
 * types) on a ledger: idempotent, one read when nothing is missing. The open path is
 * synchronous; SqliteLedger's setConfig does its write before returning its promise
 * (node:sqlite is synchronous), and each write is read back so a failure is reported here.
 */
export function ensureGasTownVocabulary(ledger: SqliteLedger, opts: { town: boolean }): void {
  const changes = vocabularyChanges(readVocabularyConfig(ledger), opts);
  for (const [key, value] of changes) {
    // Through setConfig, not SQL: it reloads the vocabulary and, for types.infra, schedules
    // the full re-export that brings existing permanent mail into the JSONL.
    ledger.setConfig(key, value).catch(() => undefined);
    if (readVocabularyConfig(ledger)[key as keyof VocabularyConfig] !== value)
      throw new GasTownError("ledger_config", `could not register Gas Town's ${key} in ${ledger.location}`);
  }
}

/** Opens the ledger an agent identity belongs to: the rig's for rig roles, else the town's. */
export function openLedgerFor(town: Town, rig: string | undefined): Ledger {
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
export function openLedgerOfBead(town: Town, beadId: string): { ledger: Ledger; rig: string | undefined } {
  const rig = rigOfBead(town, beadId);
  return { ledger: openLedgerFor(town, rig), rig };
}
