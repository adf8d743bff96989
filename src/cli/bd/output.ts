// How bd prints: JSON by beads' rules and errors as one line. Apart from context.ts (which
// opens the ledger) so that bd's start (run.ts) and bd version load none of the ledger's code.
import { GasTownError } from "../../errors.ts";
import { safeText } from "../../terminal-text.ts";
import { writeErr, writeOut } from "../stdio.ts";

export function jsonText(value: unknown): string {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return JSON.stringify(sortKeys({ ...(value as object), schema_version: 1 }), null, 2);
  }
  return JSON.stringify(value, null, 2);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Prints an error as one line (or a JSON object with --json) and sets the exit code. */
export function reportError(e: unknown, json: boolean): number {
  const known = e instanceof GasTownError;
  let message = known ? e.message : e instanceof Error ? e.message : String(e);
  if (!known && /readonly database/i.test(message)) message = "operation is not allowed in read-only mode";
  const code = known ? e.exitCode : 1;
  // With --json the error is also a JSON object on stdout (as bd's FatalErrorRespectJSON),
  // so a tool reading stdout gets something to parse; stderr always has the one line.
  if (json) writeOut(`${jsonText({ error: message, code: known ? e.code : "error" })}\n`);
  // One line, whatever the input it quotes holds.
  writeErr(`Error: ${safeText(message)}\n`);
  if (!known && process.env.BD_DEBUG && e instanceof Error) writeErr(`${e.stack}\n`);
  return code;
}
