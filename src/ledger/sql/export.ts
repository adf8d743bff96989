// Export shaping shared by the SQL stores: the statements that read issues with their
// labels, edges and comments (sorted by ID, as `bd export` writes them), and the assembly
// of their rows into issues.
import type { Comment, Issue } from "../model.ts";
import type { ExportOptions } from "../store.ts";
import type { Param, Row, SqlDialect } from "./dialect.ts";
import { rowToIssue, toDependency } from "./rows.ts";

export interface ExportStatements {
  issues: { sql: string; params: Param[] };
  /** Labels, edges and comments; each takes `relParams`. */
  labels: string;
  deps: string;
  comments: string;
  relParams: Param[];
}

/** The four reads of an export; undefined when `ids` is given and empty. */
export function exportStatements(
  sql: SqlDialect,
  infraTypes: string[],
  opts: ExportOptions & { ids?: string[] },
): ExportStatements | undefined {
  const conds: string[] = [];
  const params: Param[] = [];
  if (!opts.includeEphemeral) conds.push("ephemeral = 0");
  if (!opts.includeTemplates) conds.push("is_template = 0");
  if (!opts.includeInfra && infraTypes.length > 0) {
    conds.push(`issue_type NOT IN (${infraTypes.map(() => "?").join(", ")})`);
    params.push(...infraTypes);
  }
  const only = opts.ids ? `IN (${opts.ids.map(() => "?").join(", ")})` : "";
  if (opts.ids) {
    if (opts.ids.length === 0) return undefined;
    conds.push(`id ${only}`);
    params.push(...opts.ids);
  }
  const rel = (col: string) => (opts.ids ? `WHERE ${col} ${only}` : "");
  return {
    issues: {
      sql: `SELECT * FROM issues ${conds.length ? `WHERE ${conds.join(" AND ")}` : ""} ORDER BY id`,
      params,
    },
    labels: `SELECT issue_id, label FROM labels ${rel("issue_id")} ORDER BY issue_id, label`,
    deps: `SELECT issue_id, depends_on_id, type, created_at, created_by, metadata, thread_id FROM dependencies ${rel("issue_id")}
     ORDER BY issue_id, depends_on_id`,
    comments: `SELECT id, issue_id, author, text, created_at FROM comments ${rel("issue_id")} ORDER BY issue_id, created_at, ${sql.insertionOrder}`,
    relParams: opts.ids ?? [],
  };
}

function group<T extends Row>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = String(r.issue_id);
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** Issues from the rows of the four reads. */
export function assembleExport(rows: Row[], labelRows: Row[], depRows: Row[], commentRows: Row[]): Issue[] {
  const labels = group(labelRows);
  const deps = group(depRows);
  const comments = group(commentRows);
  return rows.map((r) => {
    const issue = rowToIssue(r);
    const l = labels.get(issue.id);
    if (l) issue.labels = l.map((x) => String(x.label));
    const d = deps.get(issue.id);
    if (d) issue.dependencies = d.map(toDependency);
    const c = comments.get(issue.id);
    if (c)
      issue.comments = c.map(
        (x): Comment => ({
          id: String(x.id),
          issue_id: String(x.issue_id),
          author: String(x.author),
          text: String(x.text),
          created_at: String(x.created_at),
        }),
      );
    return issue;
  });
}
