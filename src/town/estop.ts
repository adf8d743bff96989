// The e-stop sentinel (spec §4.7): `<town>/ESTOP` freezes the whole town, `<town>/ESTOP.<rig>`
// one rig. The file is the source of truth: while it stands the daemon restarts nothing, the
// refinery lands nothing and slings are refused. It holds `trigger<TAB>timestamp<TAB>reason`.
// Freezing and thawing the sessions themselves is src/watch/estop.ts.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type EstopTrigger = "manual" | "auto";

export interface EstopInfo {
  /** The rig it freezes; null for the whole town. */
  rig: string | null;
  trigger: EstopTrigger;
  at: string;
  reason: string;
}

export function estopFile(townRoot: string, rig?: string): string {
  return join(townRoot, rig ? `ESTOP.${rig}` : "ESTOP");
}

function parse(text: string, rig: string | null, fallbackAt: string): EstopInfo {
  const [trigger, at, ...rest] = text.replace(/\n$/, "").split("\t");
  return {
    rig,
    trigger: trigger === "auto" ? "auto" : "manual",
    at: at && !Number.isNaN(Date.parse(at)) ? at : fallbackAt,
    reason: rest.join("\t").replace(/\s+/g, " ").trim(),
  };
}

/** The sentinel for the town (no rig) or for one rig alone; undefined when none stands. */
export function readEstop(townRoot: string, rig?: string): EstopInfo | undefined {
  const file = estopFile(townRoot, rig);
  if (!existsSync(file)) return undefined;
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // unreadable: it still stands (an e-stop errs on the side of stopping)
  }
  return parse(text, rig ?? null, new Date(0).toISOString());
}

/** The e-stop that holds `rig` (the town's, else the rig's own), or the town's without a rig. */
export function activeEstop(townRoot: string, rig?: string): EstopInfo | undefined {
  return readEstop(townRoot) ?? (rig ? readEstop(townRoot, rig) : undefined);
}

/** Writes the sentinel; false when one already stood (it is left as it was). */
export function raiseEstop(
  townRoot: string,
  opts: { rig?: string; reason?: string; trigger?: EstopTrigger },
): boolean {
  const file = estopFile(townRoot, opts.rig);
  if (existsSync(file)) return false;
  const reason = (opts.reason ?? "").replace(/[\t\r\n]+/g, " ").trim();
  writeFileSync(file, `${opts.trigger ?? "manual"}\t${new Date().toISOString()}\t${reason}\n`);
  return true;
}

/** Removes the sentinel; false when there was none. */
export function liftEstop(townRoot: string, rig?: string): boolean {
  const file = estopFile(townRoot, rig);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}
