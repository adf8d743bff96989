// Human-readable rendering of beads, in bd's wording and layout (icons stay when colour
// is off, which is always the case here: we never colour). Stored text is shown through
// safeText: control characters (ESC, OSC, ...) as visible control pictures, never sent to
// the terminal; one-line fields show a newline as ␊ so they cannot fake extra lines.

import type {
  BlockedIssue,
  Comment,
  Issue,
  IssueDetails,
  IssueWithCounts,
  IssueWithDependencyType,
} from "../../ledger/model.ts";
import { safeText } from "../../terminal-text.ts";

const STATUS_ICON: Record<string, string> = {
  open: "○",
  in_progress: "◐",
  blocked: "●",
  deferred: "❄",
  pinned: "📌",
  closed: "✓",
};

export const STATUS_LEGEND = "Status: ○ open  ◐ in_progress  ● blocked  ✓ closed  ❄ deferred";
export const RULE = "-".repeat(80);

/** A stored one-line field (title, assignee, label, ...) made safe to print. */
export function one(text: string | undefined | null): string {
  return text ? safeText(text) : "";
}

/** Stored multi-line text (description, notes, comments) made safe to print, as lines. */
export function textLines(text: string): string[] {
  return safeText(text, { multiline: true }).split("\n");
}

export function statusIcon(status: string): string {
  return STATUS_ICON[status] ?? "◇";
}

/**
 * `P2`, the rendered priority. bd draws a dot before it, told apart from the status icons
 * only by its colour; we never colour, so the dot would read as the legend's "● blocked" on
 * every row. Without it, ● means blocked and nothing else.
 */
export function pri(p: number): string {
  return `P${p}`;
}

function badge(type: string): string {
  return type === "epic" || type === "bug" ? `[${type}] ` : "";
}

/** "id — title", bd's feedback form. */
export function feedback(id: string, title?: string): string {
  return title ? `${one(id)} — ${one(title)}` : one(id);
}

/** The pretty row used by tree lists and ready: `○ bd-a1b P2 [epic] Title`. */
export function prettyRow(i: Issue): string {
  if (i.status === "closed")
    return `${statusIcon(i.status)} ${one(i.id)} ${pri(i.priority)} ${one(i.issue_type)} ${one(i.title)}`;
  return `${statusIcon(i.status)} ${one(i.id)} ${pri(i.priority)} ${badge(i.issue_type)}${one(i.title)}`;
}

/** The compact row of `bd list --flat`. */
export function flatRow(i: IssueWithCounts, blockedBy: string[], blocks: string[]): string {
  const icon = i.status === "open" && blockedBy.length > 0 ? "●" : statusIcon(i.status);
  const p = pri(i.priority);
  const extra: string[] = [];
  if (i.parent) extra.push(`parent: ${one(i.parent)}`);
  if (blockedBy.length > 0) extra.push(`blocked by: ${blockedBy.map(one).join(", ")}`);
  if (blocks.length > 0) extra.push(`blocks: ${blocks.map(one).join(", ")}`);
  return `${icon} ${i.pinned ? "📌 " : ""}${one(i.id)} [${p}] [${one(i.issue_type)}]${i.assignee ? ` @${one(i.assignee)}` : ""}${
    i.labels && i.labels.length > 0 ? ` [${i.labels.map(one).join(" ")}]` : ""
  } - ${one(i.title)}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
}

/** Natural order for IDs so `x.2` sorts before `x.10`. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** `bd list` tree: roots and children by priority then ID, with box-drawing connectors. */
export function treeList(rows: IssueWithCounts[]): string[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const kids = new Map<string, IssueWithCounts[]>();
  const roots: IssueWithCounts[] = [];
  for (const r of rows) {
    const parent = r.parent ?? (r.id.includes(".") ? r.id.slice(0, r.id.lastIndexOf(".")) : undefined);
    if (parent && byId.has(parent) && parent !== r.id) {
      const l = kids.get(parent);
      if (l) l.push(r);
      else kids.set(parent, [r]);
    } else {
      roots.push(r);
    }
  }
  const order = (a: Issue, b: Issue) => a.priority - b.priority || naturalCompare(a.id, b.id);
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (node: IssueWithCounts, prefix: string) => {
    const children = (kids.get(node.id) ?? []).sort(order);
    children.forEach((c, n) => {
      if (seen.has(c.id)) return;
      seen.add(c.id);
      const last = n === children.length - 1;
      out.push(`${prefix}${last ? "└── " : "├── "}${prettyRow(c)}`);
      walk(c, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  for (const r of roots.sort(order)) {
    seen.add(r.id);
    out.push(prettyRow(r));
    walk(r, "");
  }
  return out;
}

/** `bd ready --plain` rows. */
export function readyPlain(issues: IssueWithCounts[]): string {
  const lines: string[] = [];
  issues.forEach((i, n) => {
    lines.push(`${n + 1}. [${pri(i.priority)}] [${one(i.issue_type)}] ${one(i.id)}: ${one(i.title)}`);
    if (i.estimated_minutes !== undefined) lines.push(`   Estimate: ${i.estimated_minutes} min`);
    if (i.assignee) lines.push(`   Assignee: ${one(i.assignee)}`);
  });
  return lines.join("\n");
}

export function blockedList(issues: BlockedIssue[]): string {
  const lines: string[] = [];
  for (const i of issues) {
    lines.push(`[${pri(i.priority)}] ${one(i.id)}: ${one(i.title)}`);
    lines.push(`  Blocked by ${i.blocked_by_count} open dependencies: [${i.blocked_by.map(one).join(" ")}]`);
    lines.push("");
  }
  return lines.join("\n");
}

function day(t: string | undefined): string {
  return t ? t.slice(0, 10) : "";
}

export function minute(t: string): string {
  return t.slice(0, 16).replace("T", " ");
}

function depLine(prefix: string, d: IssueWithDependencyType): string {
  if (!d.title && !d.status) return `  ${prefix} ${one(d.id)} (external)`;
  const b = d.issue_type === "epic" ? "(EPIC) " : d.issue_type === "bug" ? "(BUG) " : "";
  return `  ${prefix} ${statusIcon(d.status)} ${one(d.id)}: ${b}${one(d.title)} ${pri(d.priority)}`;
}

/** `bd show` for one issue. */
export function showIssue(d: IssueDetails): string {
  const lines: string[] = [];
  const typeBadge = d.issue_type === "epic" ? " [EPIC]" : d.issue_type === "bug" ? " [BUG]" : "";
  lines.push(
    `${statusIcon(d.status)} ${one(d.id)}${typeBadge} · ${one(d.title)}   [${pri(d.priority)} · ${one(d.status.toUpperCase())}]`,
  );
  const meta: string[] = [];
  if (d.created_by) meta.push(`Owner: ${one(d.created_by)}`);
  if (d.assignee) meta.push(`Assignee: ${one(d.assignee)}`);
  meta.push(`Type: ${one(d.issue_type)}`);
  lines.push(meta.join(" · "));
  const dates = [`Created: ${day(d.created_at)}`];
  if (d.started_at) dates.push(`Started: ${day(d.started_at)}`);
  dates.push(`Updated: ${day(d.updated_at)}`);
  if (d.due_at) dates.push(`Due: ${day(d.due_at)}`);
  if (d.defer_until) dates.push(`Deferred: ${minute(d.defer_until)}`);
  lines.push(dates.join(" · "));
  if (d.status === "closed" && d.close_reason) lines.push(`Close reason: ${one(d.close_reason)}`);
  if (d.external_ref) lines.push(`External: ${one(d.external_ref)}`);
  if (d.spec_id) lines.push(`Spec: ${one(d.spec_id)}`);
  if (d.wisp_type) lines.push(`Wisp type: ${one(d.wisp_type)}`);
  const indent = (text: string) => textLines(text).map((l) => `  ${l}`);
  lines.push("", "DESCRIPTION", ...(d.description ? indent(d.description) : ["  (none)"]));
  if (d.design) lines.push("", "DESIGN", ...indent(d.design));
  if (d.notes) lines.push("", "NOTES", ...indent(d.notes));
  if (d.acceptance_criteria) lines.push("", "ACCEPTANCE CRITERIA", ...indent(d.acceptance_criteria));
  if (d.labels && d.labels.length > 0) lines.push("", `LABELS: ${d.labels.map(one).join(", ")}`);
  if (d.metadata && Object.keys(d.metadata).length > 0) {
    lines.push("", "METADATA");
    for (const k of Object.keys(d.metadata).sort()) {
      const v = d.metadata[k];
      lines.push(`  ${one(k)}: ${one(typeof v === "string" ? v : JSON.stringify(v))}`);
    }
  }
  const group = (title: string, prefix: string, items: IssueWithDependencyType[]) => {
    if (items.length === 0) return;
    lines.push("", title, ...items.map((x) => depLine(prefix, x)));
  };
  const deps = d.dependencies ?? [];
  const dependents = d.dependents ?? [];
  const related = [...deps, ...dependents].filter(
    (x) => x.dependency_type === "related" || x.dependency_type === "relates-to",
  );
  group(
    "PARENT",
    "↑",
    deps.filter((x) => x.dependency_type === "parent-child"),
  );
  group(
    "DEPENDS ON",
    "→",
    deps.filter(
      (x) => !["parent-child", "discovered-from", "related", "relates-to"].includes(x.dependency_type),
    ),
  );
  group(
    "DISCOVERED FROM",
    "◊",
    deps.filter((x) => x.dependency_type === "discovered-from"),
  );
  const children = dependents.filter((x) => x.dependency_type === "parent-child");
  group("CHILDREN", "↳", children);
  if (d.epic_total_children !== undefined && children.length > 0) {
    const done = d.epic_closed_children ?? 0;
    const total = d.epic_total_children;
    const pct = Math.round((done / total) * 100);
    lines.push(
      done === total
        ? `  ✓ ${done}/${total} complete (${pct}%) — eligible for close`
        : `  ◐ ${done}/${total} complete (${pct}%)`,
    );
  }
  group(
    "BLOCKS",
    "←",
    dependents.filter(
      (x) => !["parent-child", "discovered-from", "related", "relates-to"].includes(x.dependency_type),
    ),
  );
  group(
    "DISCOVERED",
    "◊",
    dependents.filter((x) => x.dependency_type === "discovered-from"),
  );
  const seen = new Set<string>();
  group(
    "RELATED",
    "↔",
    related.filter((x) => !seen.has(x.id) && seen.add(x.id)),
  );
  const comments = d.comments ?? [];
  if (comments.length > 0) {
    lines.push("", "COMMENTS");
    for (const c of comments)
      lines.push(`  ${minute(c.created_at)} ${one(c.author)}`, ...textLines(c.text).map((l) => `    ${l}`));
  }
  lines.push("");
  return lines.join("\n");
}

export function commentLines(c: Comment): string[] {
  return [`[${one(c.author)}] at ${minute(c.created_at)}`, ...textLines(c.text).map((l) => `  ${l}`), ""];
}
