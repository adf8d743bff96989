// Import, config and query checks shared by the SQL stores: incoming issues checked like CLI
// input (the unusable ones set aside with their reason), whether a stored issue already
// has an import's relations, the ordering of times of any precision, a config value's
// problem, and the one read-only statement `bd sql` may run.
import { ValidationError } from "../../errors.ts";
import { isValidPrefix } from "../ids.ts";
import type { Dependency, Issue } from "../model.ts";
import type { ImportResult } from "../store.ts";
import { checkImportedIssue, type ImportedIssue, parseCustomStatuses, type Vocabulary } from "../validate.ts";

/** Each incoming issue checked; one that is not a bead this ledger can store goes to `errors`. */
export function importChecked(
  issues: Issue[],
  vocab: Vocabulary,
  now: string,
): { checked: ImportedIssue[]; errors: NonNullable<ImportResult["errors"]> } {
  const checked: ImportedIssue[] = [];
  const errors: NonNullable<ImportResult["errors"]> = [];
  for (const raw of issues) {
    try {
      if (!raw || typeof raw !== "object") throw new ValidationError("not an issue object");
      checked.push(checkImportedIssue(raw as unknown as Record<string, unknown>, vocab, now));
    } catch (e) {
      errors.push({ id: typeof raw?.id === "string" ? raw.id : "", reason: (e as Error).message });
    }
  }
  return { checked, errors };
}

/** True when the stored labels/edges/comments already include everything incoming. */
export function coversRelations(
  stored: { labels: string[]; deps: Dependency[]; commentIds: string[] },
  imported: ImportedIssue,
): boolean {
  const labels = new Set(stored.labels);
  if (imported.labels.some((l) => !labels.has(l))) return false;
  const deps = new Map(stored.deps.map((d) => [d.depends_on_id, d]));
  for (const d of imported.dependencies) {
    const have = deps.get(d.depends_on_id);
    if (!have || have.type !== d.type || (have.metadata ?? "") !== (d.metadata ?? "")) return false;
  }
  const comments = new Set(stored.commentIds);
  return imported.comments.every((x) => x.id !== undefined && comments.has(x.id));
}

/** Sortable form of an RFC 3339 UTC time whatever its fraction's precision (beads writes up to ns). */
export function timeKey(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(t);
  if (!m) return Number.isNaN(Date.parse(t)) ? t : timeKey(new Date(t).toISOString());
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}`;
}

/** Why a config value cannot be stored, for the keys whose values bd reads. */
export function configValueProblem(key: string, value: string): string | undefined {
  try {
    if (key === "status.custom") parseCustomStatuses(value);
  } catch (e) {
    return (e as Error).message;
  }
  if (key === "issue_prefix" && !isValidPrefix(value)) return `invalid prefix "${value}"`;
  if (key === "export.auto" && value !== "true" && value !== "false")
    return `invalid value "${value}" for export.auto (true or false)`;
  return undefined;
}

/** The one SELECT or WITH statement of `bd sql`, or a ValidationError. */
export function readOnlyQueryText(sql: string): string {
  const text = sql.trim().replace(/;\s*$/, "");
  // Refuse a second statement (`;` outside quotes and comments): engines differ on running it.
  const bare = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, "");
  if (!/^(select|with|explain)\b/i.test(text) || bare.includes(";")) {
    throw new ValidationError("only a single read-only query (SELECT or WITH) is allowed");
  }
  return text;
}
