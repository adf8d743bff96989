// Human-readable rendering of beads, in bd's wording and layout.
import type { BlockedIssue, Comment, Issue, IssueDetails, IssueWithCounts } from "../../ledger/model.ts";

const STATUS_ICON: Record<string, string> = {
  open: "○",
  in_progress: "◐",
  blocked: "●",
  hooked: "◆",
  deferred: "❄",
  pinned: "📌",
  closed: "✓",
};

export function statusIcon(status: string): string {
  return STATUS_ICON[status] ?? "○";
}

export function pri(p: number): string {
  return `P${p}`;
}

/** One list row: `○ bd-a1b [P2] [task] Title (@assignee) [labels]`. */
export function listRow(i: IssueWithCounts | Issue): string {
  const parts = [`${statusIcon(i.status)} ${i.id}`, `[${pri(i.priority)}]`, `[${i.issue_type}]`];
  if (i.status !== "open") parts.push(i.status);
  parts.push(i.title);
  if (i.assignee) parts.push(`(@${i.assignee})`);
  if (i.labels && i.labels.length > 0) parts.push(`[${i.labels.join(", ")}]`);
  return parts.join(" ");
}

/** `bd ready` rows: numbered, with assignee and estimate below. */
export function readyList(issues: IssueWithCounts[]): string {
  const lines: string[] = [];
  issues.forEach((i, n) => {
    lines.push(`${n + 1}. [${pri(i.priority)}] [${i.issue_type}] ${i.id}: ${i.title}`);
    if (i.estimated_minutes !== undefined) lines.push(`   Estimate: ${i.estimated_minutes} min`);
    if (i.assignee) lines.push(`   Assignee: ${i.assignee}`);
  });
  return lines.join("\n");
}

export function blockedList(issues: BlockedIssue[]): string {
  const lines: string[] = [];
  for (const i of issues) {
    lines.push(`[${pri(i.priority)}] ${i.id}: ${i.title}`);
    lines.push(`  Blocked by ${i.blocked_by_count} open dependencies: [${i.blocked_by.join(", ")}]`);
  }
  return lines.join("\n");
}

function when(t: string | undefined): string {
  if (!t) return "";
  return t
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")
    .replace(/Z$/, "");
}

function section(lines: string[], title: string, body: string | undefined): void {
  if (!body) return;
  lines.push("", `${title}:`, body);
}

export function showIssue(d: IssueDetails): string {
  const lines: string[] = [];
  lines.push(
    `${statusIcon(d.status)} ${d.id} · ${d.title}   [● ${pri(d.priority)} · ${d.status.toUpperCase()}]`,
  );
  const meta = [`Type: ${d.issue_type}`];
  if (d.assignee) meta.push(`Assignee: ${d.assignee}`);
  if (d.owner) meta.push(`Owner: ${d.owner}`);
  lines.push(meta.join(" · "));
  const times = [`Created: ${when(d.created_at)}`];
  if (d.created_by) times.push(`by ${d.created_by}`);
  times.push(`· Updated: ${when(d.updated_at)}`);
  lines.push(times.join(" "));
  if (d.closed_at)
    lines.push(`Closed: ${when(d.closed_at)}${d.close_reason ? ` · Reason: ${d.close_reason}` : ""}`);
  if (d.defer_until) lines.push(`Deferred until: ${when(d.defer_until)}`);
  if (d.due_at) lines.push(`Due: ${when(d.due_at)}`);
  if (d.estimated_minutes !== undefined) lines.push(`Estimate: ${d.estimated_minutes} min`);
  if (d.external_ref) lines.push(`External: ${d.external_ref}`);
  if (d.parent) lines.push(`Parent: ${d.parent}`);
  if (d.pinned) lines.push("Pinned: yes");
  if (d.ephemeral) lines.push("Ephemeral: yes (wisp)");
  if (d.labels && d.labels.length > 0) lines.push(`Labels: ${d.labels.join(", ")}`);
  section(lines, "DESCRIPTION", d.description);
  section(lines, "DESIGN", d.design);
  section(lines, "ACCEPTANCE CRITERIA", d.acceptance_criteria);
  section(lines, "NOTES", d.notes);
  if (d.metadata) section(lines, "METADATA", JSON.stringify(d.metadata, null, 2));
  const deps = d.dependencies ?? [];
  if (deps.length > 0) {
    lines.push("", "DEPENDS ON");
    for (const x of deps)
      lines.push(
        `  → ${statusIcon(x.status)} ${x.id}: ${x.title} ● ${pri(x.priority)} (${x.dependency_type})`,
      );
  }
  const children = (d.dependents ?? []).filter((x) => x.dependency_type === "parent-child");
  const others = (d.dependents ?? []).filter((x) => x.dependency_type !== "parent-child");
  if (children.length > 0) {
    lines.push("", "CHILDREN");
    for (const x of children)
      lines.push(`  ↳ ${statusIcon(x.status)} ${x.id}: ${x.title} ● ${pri(x.priority)}`);
  }
  if (others.length > 0) {
    lines.push("", "BLOCKS / DEPENDENTS");
    for (const x of others)
      lines.push(
        `  ← ${statusIcon(x.status)} ${x.id}: ${x.title} ● ${pri(x.priority)} (${x.dependency_type})`,
      );
  }
  if (d.epic_total_children !== undefined) {
    lines.push(
      "",
      `Progress: ${d.epic_closed_children}/${d.epic_total_children} children closed${d.epic_closeable ? " (eligible for closure)" : ""}`,
    );
  }
  const comments = d.comments ?? [];
  if (comments.length > 0) {
    lines.push("", "COMMENTS");
    for (const c of comments) lines.push(...commentLines(c));
  }
  return lines.join("\n");
}

export function commentLines(c: Comment): string[] {
  return [`  [${c.author}] ${when(c.created_at)}`, ...c.text.split("\n").map((l) => `    ${l}`)];
}
