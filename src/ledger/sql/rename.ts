// A rename's pure part, shared by the SQL stores: the shape of a new ID, the text fields
// whose mentions follow the rename, and the whole-word rewrite of those mentions.
import { ValidationError } from "../../errors.ts";

/** Free-text fields whose mentions of a renamed ID are rewritten. */
export const MENTION_FIELDS = ["title", "description", "design", "notes", "acceptance_criteria"] as const;

/** beads' shape for a new ID: a lower-case prefix, a hyphen, then letters, digits, `.`, `_`, `-`. */
export const RENAME_ID = /^[a-z][a-z0-9_]*-[a-zA-Z0-9._-]+$/;

export function checkRename(oldId: string, newId: string): void {
  if (oldId === newId) throw new ValidationError("old and new IDs are the same");
  if (!RENAME_ID.test(newId))
    throw new ValidationError(`invalid new ID format "${newId}": must be prefix-suffix (e.g., bd-dolt)`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The LIKE pattern (ESCAPE '\') of text that may mention `oldId`. */
export const mentionLike = (oldId: string): string => `%${oldId.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The changed fields of a row whose text mentions `oldId`: whole-word mentions only
 * (bd-abc must not turn bd-abcd into bd-newd).
 */
export function rewriteMentions(
  row: Record<string, unknown>,
  oldId: string,
  newId: string,
): Array<[field: string, value: string]> {
  const word = new RegExp(`(?<![A-Za-z0-9_.-])${escapeRegExp(oldId)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`, "g");
  const out: Array<[string, string]> = [];
  for (const f of MENTION_FIELDS) {
    const v = row[f];
    if (typeof v !== "string" || !v) continue;
    const next = v.replace(word, newId);
    if (next !== v) out.push([f, next]);
  }
  return out;
}
