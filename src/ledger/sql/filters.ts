// Turns an IssueFilter into a SQL WHERE clause over `issues i`, and sort policies into
// ORDER BY. Shared by list, count, search, ready and blocked, in every SQL dialect.
import type { IssueFilter, SortPolicy } from "../store.ts";
import type { Param, SqlDialect } from "./dialect.ts";

export interface Where {
  sql: string;
  params: Param[];
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/** Escapes LIKE wildcards (used with `ESCAPE '\\'`). */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Descendants of `parent`: parent-child edges, plus dotted children without an edge. */
export const DESCENDANTS_SQL = `
  i.id IN (
    WITH RECURSIVE d(id) AS (
      SELECT issue_id FROM dependencies WHERE depends_on_id = ? AND type = 'parent-child'
      UNION
      SELECT dd.issue_id FROM dependencies dd JOIN d ON dd.depends_on_id = d.id WHERE dd.type = 'parent-child'
    ) SELECT id FROM d
  ) OR i.id LIKE ? ESCAPE '\\'`;

export function buildWhere(
  f: IssueFilter,
  opts: { sql: SqlDialect; infraTypes: string[]; now: string; hiddenStatuses?: string[] },
): Where {
  const c: string[] = [];
  const p: Param[] = [];
  if (f.statuses && f.statuses.length > 0) {
    c.push(`i.status IN (${placeholders(f.statuses.length)})`);
    p.push(...f.statuses);
  } else if (!f.all) {
    const hidden = opts.hiddenStatuses ?? ["closed", "pinned"];
    c.push(`i.status NOT IN (${placeholders(hidden.length)})`);
    p.push(...hidden);
  }
  if (f.ephemeral === undefined || f.ephemeral === false) c.push("i.ephemeral = 0");
  else if (f.ephemeral === "only") c.push("i.ephemeral = 1");
  if (!f.includeTemplates) c.push("i.is_template = 0");
  if (f.types && f.types.length > 0) {
    c.push(`i.issue_type IN (${placeholders(f.types.length)})`);
    p.push(...f.types);
  } else if (!f.includeInfra && opts.infraTypes.length > 0) {
    c.push(`i.issue_type NOT IN (${placeholders(opts.infraTypes.length)})`);
    p.push(...opts.infraTypes);
  }
  if (f.excludeTypes && f.excludeTypes.length > 0) {
    c.push(`i.issue_type NOT IN (${placeholders(f.excludeTypes.length)})`);
    p.push(...f.excludeTypes);
  }
  for (const label of f.labels ?? []) {
    c.push("EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label = ?)");
    p.push(label);
  }
  if (f.labelsAny && f.labelsAny.length > 0) {
    c.push(
      `EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label IN (${placeholders(f.labelsAny.length)}))`,
    );
    p.push(...f.labelsAny);
  }
  if (f.excludeLabels && f.excludeLabels.length > 0) {
    c.push(
      `NOT EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND l.label IN (${placeholders(f.excludeLabels.length)}))`,
    );
    p.push(...f.excludeLabels);
  }
  if (f.labelPattern) {
    c.push(`EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id AND ${opts.sql.glob("l.label")})`);
    p.push(f.labelPattern);
  }
  if (f.noLabels) c.push("NOT EXISTS (SELECT 1 FROM labels l WHERE l.issue_id = i.id)");
  if (f.assignee !== undefined) {
    c.push("i.assignee = ?");
    p.push(f.assignee);
  }
  if (f.unassigned) c.push("(i.assignee IS NULL OR i.assignee = '')");
  if (f.owner !== undefined) {
    c.push("i.owner = ?");
    p.push(f.owner);
  }
  if (f.priorities && f.priorities.length > 0) {
    c.push(`i.priority IN (${placeholders(f.priorities.length)})`);
    p.push(...f.priorities);
  }
  if (f.priorityMin !== undefined) {
    c.push("i.priority >= ?");
    p.push(f.priorityMin);
  }
  if (f.priorityMax !== undefined) {
    c.push("i.priority <= ?");
    p.push(f.priorityMax);
  }
  if (f.parent) {
    c.push(`(${DESCENDANTS_SQL})`);
    p.push(f.parent, `${likeEscape(f.parent)}.%`);
  }
  if (f.mol) {
    c.push(
      "(EXISTS (SELECT 1 FROM dependencies d WHERE d.issue_id = i.id AND d.depends_on_id = ? AND d.type = 'parent-child'))",
    );
    p.push(f.mol);
  }
  if (f.ids && f.ids.length > 0) {
    c.push(`i.id IN (${placeholders(f.ids.length)})`);
    p.push(...f.ids);
  }
  if (f.idPrefix) {
    c.push("i.id LIKE ? ESCAPE '\\'");
    p.push(`${likeEscape(f.idPrefix)}%`);
  }
  const contains = (col: string, text: string | undefined) => {
    if (text === undefined || text === "") return;
    c.push(`${col} LIKE ? ESCAPE '\\'`);
    p.push(`%${likeEscape(text)}%`);
  };
  contains("i.title", f.titleContains);
  contains("i.description", f.descContains);
  contains("i.notes", f.notesContains);
  if (f.text) {
    const like = `%${likeEscape(f.text)}%`;
    // As bd search: title, ID or external reference (descriptions have --desc-contains).
    c.push("(i.title LIKE ? ESCAPE '\\' OR i.id LIKE ? ESCAPE '\\' OR i.external_ref LIKE ? ESCAPE '\\')");
    p.push(like, like, like);
  }
  const range = (col: string, op: string, v: string | undefined) => {
    if (!v) return;
    c.push(`${col} ${op} ?`);
    p.push(v);
  };
  range("i.created_at", ">", f.createdAfter);
  range("i.created_at", "<", f.createdBefore);
  range("i.updated_at", ">", f.updatedAfter);
  range("i.updated_at", "<", f.updatedBefore);
  range("i.closed_at", ">", f.closedAfter);
  range("i.closed_at", "<", f.closedBefore);
  if (f.pinned !== undefined) c.push(f.pinned ? "i.pinned = 1" : "i.pinned = 0");
  for (const [k, v] of Object.entries(f.metadataField ?? {})) {
    c.push(`${opts.sql.jsonText("i.metadata")} = ?`);
    p.push(opts.sql.jsonKey(k), v);
  }
  if (f.hasMetadataKey) {
    c.push(opts.sql.jsonHas("i.metadata"));
    p.push(opts.sql.jsonKey(f.hasMetadataKey));
  }
  if (f.overdue) {
    c.push("i.due_at IS NOT NULL AND i.due_at < ? AND i.status != 'closed'");
    p.push(opts.now);
  }
  if (f.deferred) {
    c.push("((i.defer_until IS NOT NULL AND i.defer_until > ?) OR i.status = 'deferred')");
    p.push(opts.now);
  }
  return { sql: c.length > 0 ? c.join(" AND ") : "1 = 1", params: p };
}

export function orderBy(sort: SortPolicy | undefined, reverse = false, now = new Date()): string {
  let o: string;
  switch (sort) {
    case "oldest":
      o = "i.created_at ASC, i.id ASC";
      break;
    case "created":
      o = "i.created_at DESC, i.id ASC";
      break;
    case "updated":
      o = "i.updated_at DESC, i.id ASC";
      break;
    case "id":
      o = "i.id ASC";
      break;
    case "title":
      o = "i.title ASC, i.id ASC";
      break;
    case "closed":
      o = "i.closed_at DESC, i.id ASC";
      break;
    case "type":
      o = "i.issue_type ASC, i.priority ASC, i.id ASC";
      break;
    case "assignee":
      o = "i.assignee ASC, i.priority ASC, i.id ASC";
      break;
    case "status":
      o = "i.status ASC, i.priority ASC, i.id ASC";
      break;
    case "hybrid": {
      const cutoff = new Date(now.getTime() - 48 * 3600_000).toISOString();
      o = `CASE WHEN i.created_at >= '${cutoff}' THEN 0 ELSE 1 END, CASE WHEN i.created_at >= '${cutoff}' THEN i.priority ELSE 0 END, i.created_at ASC, i.id ASC`;
      break;
    }
    default:
      o = "i.priority ASC, i.created_at DESC, i.id ASC";
  }
  if (!reverse) return o;
  return o
    .split(", ")
    .map((part) => (part.endsWith(" DESC") ? part.replace(/ DESC$/, " ASC") : part.replace(/ ASC$/, " DESC")))
    .join(", ");
}
