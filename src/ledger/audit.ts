// The agent interaction log beads keeps beside the ledger: .beads/interactions.jsonl, one JSON
// object per line, only ever appended (`bd audit record`, `bd audit label`). Meant to travel
// with git for "why did the agent do that?" and to build datasets; a label is a new line that
// names the entry it judges, never an edit.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { lazyCrypto } from "../lazy.ts";
import * as z from "../schema.ts";

export const AUDIT_FILENAME = "interactions.jsonl";

const entrySchema = z.lazy(() =>
  z.looseObject({
    id: z.optional(z.string()),
    kind: z.string().check(z.minLength(1, "kind is required")),
    created_at: z.optional(z.string()),
    actor: z.optional(z.string()),
    issue_id: z.optional(z.string()),
    model: z.optional(z.string()),
    prompt: z.optional(z.string()),
    response: z.optional(z.string()),
    error: z.optional(z.string()),
    tool_name: z.optional(z.string()),
    exit_code: z.optional(z.int()),
    parent_id: z.optional(z.string()),
    label: z.optional(z.string()),
    reason: z.optional(z.string()),
    extra: z.optional(z.record(z.string(), z.unknown())),
  }),
);
export type AuditEntry = z.output<typeof entrySchema>;

/** Checks an entry given as JSON (bd audit record's stdin); a bad one is one line naming the field. */
export function parseAuditEntry(raw: unknown): AuditEntry {
  const r = entrySchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ValidationError(`invalid audit entry: ${issue.path.join(".") || "entry"}: ${issue.message}`);
  }
  return r.data;
}

/**
 * Appends one entry (an id `int-<8 hex>` and the time given when missing) as a single write to
 * the end of the file, so concurrent writers never interleave within a line; returns it.
 */
export function appendAuditEntry(beadsDir: string, entry: AuditEntry, now = new Date()): AuditEntry {
  const full: AuditEntry = {
    ...entry,
    id: entry.id || `int-${lazyCrypto().randomBytes(4).toString("hex")}`,
    created_at: entry.created_at ? new Date(entry.created_at).toISOString() : now.toISOString(),
  };
  if (Number.isNaN(Date.parse(full.created_at!)))
    throw new ValidationError(`invalid created_at "${entry.created_at}"`);
  // Drop empty fields, as the log's readers expect absent rather than "".
  const line = JSON.stringify(
    Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined && v !== "")),
  );
  appendFileSync(join(beadsDir, AUDIT_FILENAME), `${line}\n`, { mode: 0o644 });
  return full;
}

/** Every entry of the log, in order; a line that is not JSON is skipped. */
export function readAuditLog(beadsDir: string): AuditEntry[] {
  const file = join(beadsDir, AUDIT_FILENAME);
  if (!existsSync(file)) return [];
  const out: AuditEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditEntry);
    } catch {
      // a torn or hand-edited line: the rest of the log still reads
    }
  }
  return out;
}
