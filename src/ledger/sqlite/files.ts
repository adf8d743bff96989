// The files that travel with the repository, kept in step with the database: issues.jsonl
// (with `export.auto`) and config.yaml. Every write is one IMMEDIATE transaction that first
// takes in what changed outside bd (a git pull), settles `is_blocked` and records what it
// touched; after the commit a second short transaction brings the files up to date, so
// they never hold anything the database has not committed. Killed between the two, the
// files are one write behind until the next command, a read included, catches them up.
import { existsSync, readFileSync } from "node:fs";
import { safeText } from "../../terminal-text.ts";
import { testPause } from "../../test-pause.ts";
import { parseConfigFile, travelsInFile, updateConfigFile } from "../config-file.ts";
import { jsonlLine, readJsonlFile, writeJsonlFile } from "../jsonl.ts";
import type { JsonlInspection } from "../store.ts";
import { checkImportedIssue, type ImportedIssue, unexportedTypes } from "../validate.ts";
import { CONFIG_DIRTY_KEY, CONFIG_FP_KEY, configValueProblem } from "./config.ts";
import type { LedgerContext } from "./context.ts";
import { importRows } from "./exchange.ts";
import {
  exportIssues,
  FINGERPRINT_KEY,
  fingerprint,
  hasPendingExport,
  installExportTracking,
  jsonlChangedOutside,
  type KeptLine,
  keptLines,
  markJsonlStale,
  notePendingExport,
  recordFingerprint,
  refreshJsonl,
  replaceKeptLines,
  resetExportTracking,
  STALE_KEY,
} from "./export.ts";

/** Unreadable lines named one by one when first met; the rest are counted. */
const MAX_LINE_WARNINGS = 10;

/** What `bd doctor` reports about issues.jsonl. */
export type { JsonlInspection };

/**
 * Installs the export triggers before the first write of this connection, outside any
 * transaction (a rollback would take them away); the export uses what they record.
 */
export function ensureTracking(c: LedgerContext): void {
  if (!c.tracking && c.jsonlPath !== undefined && !c.db.inTransaction) {
    installExportTracking(c.db);
    c.tracking = true;
  }
}

/**
 * One write: transaction, blocking settle, commit; then the files (issues.jsonl with
 * `export.auto`, config.yaml) catch up in a transaction of their own.
 */
export function writeWithFiles<T>(c: LedgerContext, fn: () => T): T {
  ensureTracking(c);
  const outermost = !c.db.inTransaction;
  let configChanged = false;
  try {
    const result = c.db.write(() => {
      c.blocking.reset();
      if (c.tracking) resetExportTracking(c.db);
      // Config that arrived through git first: the vocabulary the JSONL is read with.
      configChanged = absorbConfigFile(c);
      const autoExport = c.tracking && c.getConfig("export.auto") === "true";
      // A JSONL changed outside bd (git pull, checkout) is taken in first, so the export
      // this write leads to never drops issues that arrived through git.
      const path = c.jsonlPath!;
      const atStart = autoExport ? fingerprint(path) : undefined;
      if (autoExport && jsonlChangedOutside(c.db, path, atStart)) absorbJsonl(c, atStart);
      const result = fn();
      c.blocking.settle();
      if (autoExport) {
        // We hold the write lock, so no bd process touched the file meanwhile: a new
        // fingerprint is a pull that landed mid-write. Take it in too.
        const now = fingerprint(path);
        if (now !== atStart) absorbJsonl(c, now);
        notePendingExport(c.db);
      } else if (c.tracking) {
        // While auto-export is off the file falls behind; the next export rewrites it whole.
        markJsonlStale(c.db);
      }
      return result;
    });
    if (outermost) testPause("ledger:committed");
    if (outermost) flushFiles(c);
    return result;
  } finally {
    if (configChanged) c.loadVocabulary();
  }
}

/**
 * After a commit: writes config.yaml when the config changed and brings issues.jsonl up to
 * the committed state. A failure here loses nothing (the database has the write, and what
 * is pending stays recorded): it is reported and the next command tries again.
 */
export function flushFiles(c: LedgerContext): void {
  if (!c.tracking || !filesBehind(c)) return;
  try {
    let configChanged = false;
    c.db.write(() => {
      configChanged = absorbConfigFile(c);
      if (c.meta(CONFIG_DIRTY_KEY) !== undefined) writeConfigFile(c);
      if (c.getConfig("export.auto") !== "true") return;
      const path = c.jsonlPath!;
      const current = fingerprint(path);
      // A pull between our commit and now: take it in before replacing the file, and
      // leave no "own export" marker, so a lost transaction means importing it again.
      const absorbed = jsonlChangedOutside(c.db, path, current) && absorbJsonl(c, current);
      refreshJsonl(c.db, path, unexportedTypes(c.vocab), { markPending: !absorbed });
    });
    if (configChanged) c.loadVocabulary();
  } catch (e) {
    c.warn(
      `warning: ${c.jsonlPath} was not brought up to date (${safeText((e as Error).message)}); the next bd command tries again`,
    );
  }
}

/** True when issues.jsonl or config.yaml lag behind the database or changed outside bd. */
function filesBehind(c: LedgerContext): boolean {
  const meta = new Map(
    c.db
      .all<{ key: string; value: string }>(
        "SELECT key, value FROM local_metadata WHERE key IN (?, ?, ?, ?)",
        CONFIG_FP_KEY,
        CONFIG_DIRTY_KEY,
        FINGERPRINT_KEY,
        STALE_KEY,
      )
      .map((r) => [r.key, r.value]),
  );
  if (c.configPath) {
    if (meta.has(CONFIG_DIRTY_KEY) || fingerprint(c.configPath) !== meta.get(CONFIG_FP_KEY)) return true;
  }
  if (!c.jsonlPath || c.getConfig("export.auto") !== "true") return false;
  return (
    meta.has(STALE_KEY) || fingerprint(c.jsonlPath) !== meta.get(FINGERPRINT_KEY) || hasPendingExport(c.db)
  );
}

/**
 * Imports (adds and updates; the stored issue wins only when strictly newer) what the JSONL
 * holds. Lines that are not beads this ledger can store are kept (they go back into every
 * export as they are) and reported the first time they are met. False when there is no
 * file to read.
 */
function absorbJsonl(c: LedgerContext, current: string | undefined): boolean {
  if (!c.jsonlPath || current === undefined) return false;
  const parsed = readJsonlFile(c.jsonlPath);
  const now = c.now();
  const good: ImportedIssue[] = [];
  const kept: KeptLine[] = [];
  const encoder = new TextEncoder();
  let anchor = "";
  for (const e of parsed.entries) {
    if (e.kind === "kept") {
      kept.push({ anchor, bytes: e.bytes, line: e.line, reason: e.reason });
      continue;
    }
    try {
      const imported = checkImportedIssue(e.record, c.vocab, now);
      good.push(imported);
      // Issues the export leaves out (wisps, templates, infrastructure types) are stored,
      // and their lines stay in the file as they were.
      const i = imported.issue;
      if (i.ephemeral || i.is_template || unexportedTypes(c.vocab).includes(i.issue_type))
        kept.push({ anchor, bytes: encoder.encode(e.text), line: e.line });
      anchor = i.id;
    } catch (err) {
      kept.push({ anchor, bytes: encoder.encode(e.text), line: e.line, reason: (err as Error).message });
    }
  }
  const known = new Set(keptLines(c.db).map((k) => Buffer.from(k.bytes).toString("latin1")));
  const fresh = kept.filter((k) => k.reason && !known.has(Buffer.from(k.bytes).toString("latin1")));
  for (const k of fresh.slice(0, MAX_LINE_WARNINGS)) {
    c.warn(
      `warning: ${c.jsonlPath}:${k.line}: ${safeText(k.reason!)}; the line is kept as it is and not imported (bd doctor lists such lines)`,
    );
  }
  if (fresh.length > MAX_LINE_WARNINGS) {
    c.warn(`warning: ${c.jsonlPath}: ${fresh.length - MAX_LINE_WARNINGS} more unreadable lines (bd doctor)`);
  }
  replaceKeptLines(c.db, kept);
  if (good.length > 0) importRows(c, good, "jsonl-sync", { onlyNewer: true });
  // The file as read is now known; the export that follows rewrites it whole.
  recordFingerprint(c.db, current);
  markJsonlStale(c.db);
  return true;
}

/**
 * Takes in config.yaml when it changed outside bd (a clone, a pull) or was never read:
 * its values win over the table's; keys only the table has stay (import never deletes)
 * and are written back. True when the table changed.
 */
function absorbConfigFile(c: LedgerContext): boolean {
  if (!c.configPath) return false;
  const current = fingerprint(c.configPath);
  const stored = c.meta(CONFIG_FP_KEY);
  if (current !== undefined && current === stored) return false;
  let changed = false;
  const have = c.configMap();
  let file = new Map<string, string>();
  if (current !== undefined) {
    try {
      file = parseConfigFile(readFileSync(c.configPath, "utf8"));
    } catch (e) {
      c.warn(`warning: cannot read ${c.configPath}: ${safeText((e as Error).message)}`);
    }
    for (const [key, value] of file) {
      if (have[key] === value) continue;
      const problem = configValueProblem(key, value);
      if (problem) {
        c.warn(`warning: ${c.configPath}: ${key}: ${safeText(problem)}; ignored`);
        continue;
      }
      c.putConfig(key, value);
      changed = true;
    }
    c.setMeta(CONFIG_FP_KEY, current);
  }
  const after = changed ? c.configMap() : have;
  if (Object.keys(after).some((k) => travelsInFile(k) && file.get(k) !== after[k]))
    c.setMeta(CONFIG_DIRTY_KEY, "1");
  if (changed) c.loadVocabulary();
  return changed;
}

/** Writes the config table into config.yaml (lines bd does not own stay as they are). */
function writeConfigFile(c: LedgerContext): void {
  const path = c.configPath!;
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    // not written yet
  }
  const next = updateConfigFile(text, c.configMap());
  if (next !== text) writeJsonlFile(path, next);
  const fp = fingerprint(path);
  if (fp !== undefined) c.setMeta(CONFIG_FP_KEY, fp);
  c.db.run("DELETE FROM local_metadata WHERE key = ?", CONFIG_DIRTY_KEY);
}

/**
 * Brings the database up to date with files that changed outside bd (a fresh clone, a
 * git pull) and the files up to date with the database (a process killed after its
 * commit), before a command reads. Cheap when nothing changed: two stats and two queries.
 */
export function syncFromJsonl(c: LedgerContext): void {
  if (!c.jsonlPath || c.db.inTransaction) return;
  if (!filesBehind(c)) return;
  c.write(() => undefined);
}

/** The config table changed behind setConfig's back (init): config.yaml is rewritten next. */
export function noteConfigChanged(c: LedgerContext): void {
  if (c.configPath) c.db.write(() => c.setMeta(CONFIG_DIRTY_KEY, "1"));
}

/**
 * Reads issues.jsonl as a sync would and compares it with the database (for `bd doctor`):
 * the lines that are not beads this ledger can store and why, and the issues the file
 * lacks, holds differently, or holds that the database does not.
 */
export function inspectJsonl(c: LedgerContext): JsonlInspection | undefined {
  if (!c.jsonlPath) return undefined;
  const out: JsonlInspection = {
    path: c.jsonlPath,
    exists: existsSync(c.jsonlPath),
    autoExport: c.getConfig("export.auto") === "true",
    unreadable: [],
    missing: [],
    differing: [],
    extra: [],
  };
  if (!out.exists) return out;
  const parsed = readJsonlFile(c.jsonlPath);
  const now = c.now();
  const inFile = new Map<string, string>();
  for (const e of parsed.entries) {
    if (e.kind === "kept") {
      if (e.reason) out.unreadable.push({ line: e.line, reason: e.reason });
      continue;
    }
    try {
      checkImportedIssue(e.record, c.vocab, now);
      inFile.set(String(e.record.id), e.text);
    } catch (err) {
      out.unreadable.push({ line: e.line, reason: (err as Error).message });
    }
  }
  for (const issue of exportIssues(c.db, unexportedTypes(c.vocab), {})) {
    const line = inFile.get(issue.id);
    if (line === undefined) out.missing.push(issue.id);
    else if (line !== jsonlLine(issue)) out.differing.push(issue.id);
  }
  for (const id of inFile.keys()) if (!c.exists(id)) out.extra.push(id);
  return out;
}

/** config.yaml against the config table: keys the file lacks or holds differently. */
export function inspectConfigFile(
  c: LedgerContext,
): { path: string; exists: boolean; differing: string[] } | undefined {
  if (!c.configPath) return undefined;
  const exists = existsSync(c.configPath);
  const file = exists ? parseConfigFile(readFileSync(c.configPath, "utf8")) : new Map<string, string>();
  const table = c.configMap();
  const differing = Object.keys(table)
    .filter((k) => travelsInFile(k) && file.get(k) !== table[k])
    .sort();
  return { path: c.configPath, exists, differing };
}
