// Reads both SQL stores make with the same statements and the same assembly: an issue's
// related issues (down: what it depends on, up: what depends on it), what keeps issues
// blocked, the open blockers and children a close refuses on, and an issue's details.
import {
  type Comment,
  DEFAULT_PRIORITY,
  type Issue,
  type IssueDetails,
  type IssueWithDependencyType,
  NON_BLOCKING_STATUSES,
} from "../model.ts";
import { ISSUE_COLUMN_LIST_I } from "./rows.ts";

/** Issues related to `?` in `direction`, with the edge's type (and `?` type when `typed`). */
export function relatedSql(direction: "down" | "up", typed: boolean): string {
  const [from, to] = direction === "down" ? ["issue_id", "depends_on_id"] : ["depends_on_id", "issue_id"];
  return `SELECT ${ISSUE_COLUMN_LIST_I}, d.type AS dependency_type FROM dependencies d JOIN issues i ON i.id = d.${to}
     WHERE d.${from} = ? ${typed ? "AND d.type = ?" : ""} ORDER BY i.priority, i.id`;
}

/** Every edge from `?` (for the stubs of targets stored elsewhere). */
export const edgeTargetsSql = (typed: boolean): string =>
  `SELECT depends_on_id, type FROM dependencies WHERE issue_id = ? ${typed ? "AND type = ?" : ""}`;

/** Edges to other rigs or external trackers have no local row; they are shown as stubs. */
export function withStubs(
  local: IssueWithDependencyType[],
  edges: Array<{ depends_on_id: string; type: string }>,
): IssueWithDependencyType[] {
  const have = new Set(local.map((o) => o.id));
  const out = [...local];
  for (const d of edges) {
    if (!have.has(d.depends_on_id))
      out.push({
        id: d.depends_on_id,
        title: "",
        status: "",
        priority: DEFAULT_PRIORITY,
        issue_type: "",
        created_at: "",
        updated_at: "",
        dependency_type: d.type,
      });
  }
  return out;
}

const DONE = [...NON_BLOCKING_STATUSES];
const DONE_MARKS = DONE.map(() => "?").join(", ");

/**
 * What keeps each issue of a scope blocked, three statements over `d.issue_id` in `scope`:
 * open `blocks`/`conditional-blocks` targets, unfinished `waits-for` spawners, and (named
 * only for issues blocked through it alone) the blocked parent. Each takes the scope's
 * parameters, then `params` (the done statuses) where given.
 */
export function blockersSql(scope: string): Array<{ sql: string; done: boolean }> {
  return [
    {
      sql: `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
       WHERE ${scope} AND d.type IN ('blocks', 'conditional-blocks') AND t.status NOT IN (${DONE_MARKS})
       ORDER BY d.issue_id, d.depends_on_id`,
      done: true,
    },
    {
      sql: `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d WHERE ${scope} AND d.type = 'waits-for'
         AND EXISTS (SELECT 1 FROM dependencies c JOIN issues ci ON ci.id = c.issue_id
                     WHERE c.depends_on_id = d.depends_on_id AND c.type = 'parent-child' AND ci.status NOT IN (${DONE_MARKS}))
       ORDER BY d.issue_id, d.depends_on_id`,
      done: true,
    },
    {
      sql: `SELECT d.issue_id AS k, d.depends_on_id AS v FROM dependencies d JOIN issues p ON p.id = d.depends_on_id
     WHERE ${scope} AND d.type = 'parent-child' AND p.is_blocked = 1`,
      done: false,
    },
  ];
}

/** The done statuses blockersSql's first two statements take after the scope's parameters. */
export const DONE_STATUSES: readonly string[] = DONE;

/** Blockers per issue from the rows of blockersSql's three statements, in order. */
export function blockersFrom(rows: Array<Array<{ k: string; v: string }>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of [...(rows[0] ?? []), ...(rows[1] ?? [])]) {
    const l = out.get(r.k);
    if (!l) out.set(r.k, [r.v]);
    else if (!l.includes(r.v)) l.push(r.v);
  }
  for (const p of rows[2] ?? []) if (!out.has(p.k)) out.set(p.k, [p.v]);
  return out;
}

/** Open `blocks` targets of `?` (a close refuses on them unless forced); then the done statuses. */
export const CLOSE_BLOCKERS_SQL = `SELECT d.depends_on_id FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
       WHERE d.issue_id = ? AND d.type = 'blocks' AND t.status NOT IN (${DONE_MARKS}) ORDER BY 1`;

/** Children of the epic `?` not closed yet. */
export const OPEN_CHILDREN_SQL = `SELECT d.issue_id FROM dependencies d JOIN issues c ON c.id = d.issue_id
         WHERE d.depends_on_id = ? AND d.type = 'parent-child' AND c.status != 'closed' ORDER BY 1`;

/** An issue's details from its parts (counts, parent, an epic's progress). */
export function assembleDetails(
  issue: Issue,
  deps: IssueWithDependencyType[],
  dependents: IssueWithDependencyType[],
  comments: Comment[],
  parent: string | undefined,
): IssueDetails {
  const details = { ...issue } as IssueDetails;
  if (deps.length > 0) details.dependencies = deps;
  if (dependents.length > 0) details.dependents = dependents;
  if (comments.length > 0) details.comments = comments;
  if (parent) details.parent = parent;
  details.dependency_count = deps.length;
  details.dependent_count = dependents.length;
  details.comment_count = comments.length;
  if (issue.issue_type === "epic") {
    const kids = dependents.filter((d) => d.dependency_type === "parent-child");
    if (kids.length > 0) {
      const closed = kids.filter((k) => k.status === "closed").length;
      details.epic_total_children = kids.length;
      details.epic_closed_children = closed;
      details.epic_closeable = closed === kids.length && issue.status !== "closed";
    }
  }
  return details;
}
