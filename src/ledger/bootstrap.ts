// What bd bootstrap (and bd init-safety's look at "here") finds: a ledger whose database
// exists, a clone that brought issues.jsonl but no database, or nothing yet. Never destroys
// anything: the only action is building the database from the JSONL or making a fresh one.
import { existsSync, readFileSync, statSync } from "node:fs";
import { BEADS_DIRNAME, DB_FILENAME, findLedger, JSONL_FILENAME } from "./discovery.ts";

export type BootstrapAction = "none" | "jsonl-import" | "init";

export interface BootstrapPlan {
  action: BootstrapAction;
  reason: string;
  beads_dir: string;
  database: string;
  jsonl_file?: string;
  has_existing: boolean;
  /** Issue lines in the JSONL (what an import would bring). */
  jsonl_issues?: number;
}

function issueLines(file: string): number {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().startsWith("{")).length;
}

/** The plan for the ledger found from `cwd`; undefined when there is no .beads at all. */
export function bootstrapPlan(cwd: string, env: NodeJS.ProcessEnv): BootstrapPlan | undefined {
  const loc = findLedger(cwd, env);
  if (!loc) return undefined;
  const hasDb = existsSync(loc.dbPath);
  const jsonl = existsSync(loc.jsonlPath) && statSync(loc.jsonlPath).size > 0 ? loc.jsonlPath : undefined;
  const base = { beads_dir: loc.beadsDir, database: loc.dbPath, has_existing: hasDb };
  if (hasDb) return { ...base, action: "none", reason: `Database already exists at ${loc.dbPath}` };
  if (jsonl) {
    const n = issueLines(jsonl);
    return {
      ...base,
      action: "jsonl-import",
      reason: `Found ${JSONL_FILENAME} with ${n} issue line(s) — will import into a new ${DB_FILENAME}`,
      jsonl_file: jsonl,
      jsonl_issues: n,
    };
  }
  return { ...base, action: "init", reason: `No database in ${BEADS_DIRNAME}/ — will create a fresh one` };
}
