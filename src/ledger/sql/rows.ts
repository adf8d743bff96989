// Mapping between SQL rows and Issue objects, driven by the field table in model.ts (any dialect).
import { type Dependency, type FieldKind, ISSUE_FIELDS, type Issue } from "../model.ts";
import type { Param, Row } from "./dialect.ts";

/** Ints where zero means "unset" and is omitted, as in beads' JSON. */
const ZERO_IS_EMPTY = new Set(["compaction_level", "original_size", "timeout"]);
const ALWAYS = new Set(["id", "title", "status", "priority", "issue_type", "created_at", "updated_at"]);

export const ISSUE_COLUMN_LIST = ISSUE_FIELDS.map(([n]) => n).join(", ");
export const ISSUE_COLUMN_LIST_I = ISSUE_FIELDS.map(([n]) => `i.${n}`).join(", ");

export function rowToIssue(row: Row): Issue {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of ISSUE_FIELDS) {
    const v = row[name];
    if (ALWAYS.has(name)) {
      out[name] = kind === "int" ? Number(v) : v;
      continue;
    }
    if (v === null || v === undefined || v === "") continue;
    switch (kind) {
      case "bool":
        if (Number(v) !== 0) out[name] = true;
        break;
      case "int":
        if (!(ZERO_IS_EMPTY.has(name) && Number(v) === 0)) out[name] = Number(v);
        break;
      case "json":
        out[name] = JSON.parse(String(v));
        break;
      default:
        out[name] = v;
    }
  }
  return out as unknown as Issue;
}

export function toColumn(kind: FieldKind, value: unknown): Param {
  if (value === undefined || value === null) return null;
  switch (kind) {
    case "bool":
      return value ? 1 : 0;
    case "int":
      return Number(value);
    case "json":
      return JSON.stringify(value);
    default:
      return value === "" ? null : String(value);
  }
}

export function issueToParams(issue: Issue): Param[] {
  return ISSUE_FIELDS.map(([name, kind]) => {
    const v = toColumn(kind, issue[name as keyof Issue]);
    return kind === "bool" && v === null ? 0 : v;
  });
}

export const INSERT_ISSUE_SQL = `INSERT INTO issues (${ISSUE_COLUMN_LIST}) VALUES (${ISSUE_FIELDS.map(() => "?").join(", ")})`;
export const REPLACE_ISSUE_SQL = `UPDATE issues SET ${ISSUE_FIELDS.filter(([n]) => n !== "id")
  .map(([n]) => `${n} = ?`)
  .join(", ")} WHERE id = ?`;

export function replaceParams(issue: Issue): Param[] {
  const all = issueToParams(issue);
  return [...all.slice(1), issue.id];
}

export function toDependency(r: Row): Dependency {
  const d: Dependency = {
    issue_id: String(r.issue_id),
    depends_on_id: String(r.depends_on_id),
    type: String(r.type),
    created_at: String(r.created_at),
  };
  if (r.created_by) d.created_by = String(r.created_by);
  if (r.metadata) d.metadata = String(r.metadata);
  if (r.thread_id) d.thread_id = String(r.thread_id);
  return d;
}
