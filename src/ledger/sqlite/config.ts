// The ledger's config table (key/value knobs: prefix, custom statuses and types, export.auto,
// ID lengths). Keys that travel with the repository are mirrored in config.yaml (files.ts).
import { ValidationError } from "../../errors.ts";
import { travelsInFile } from "../config-file.ts";
import { configValueProblem } from "../sql/exchange.ts";
import type { LedgerContext } from "./context.ts";
import { markJsonlStale } from "./export.ts";

/** local_metadata: config.yaml as bd last wrote or read it. */
export const CONFIG_FP_KEY = "config_fingerprint";
/** local_metadata: the table changed since config.yaml was written. */
export const CONFIG_DIRTY_KEY = "config_dirty";

export { configValueProblem };

export function setConfig(c: LedgerContext, key: string, value: string): void {
  const problem = configValueProblem(key, value);
  if (problem) throw new ValidationError(problem);
  c.write(() => {
    c.putConfig(key, value);
    if (c.configPath && travelsInFile(key)) c.setMeta(CONFIG_DIRTY_KEY, "1");
  });
  afterConfigChange(c, key);
}

export function unsetConfig(c: LedgerContext, key: string): boolean {
  const n = c.write(() => {
    const n = c.db.run("DELETE FROM config WHERE key = ?", key);
    if (n > 0 && c.configPath && travelsInFile(key)) c.setMeta(CONFIG_DIRTY_KEY, "1");
    return n;
  });
  afterConfigChange(c, key);
  return n > 0;
}

/** New vocabulary; a changed export filter means the whole JSONL is rewritten once. */
export function afterConfigChange(c: LedgerContext, key: string): void {
  c.loadVocabulary();
  if ((key === "types.infra" || key === "types.infra_exported") && c.tracking) {
    c.write(() => markJsonlStale(c.db));
  }
}
