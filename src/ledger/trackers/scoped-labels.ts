// GitHub and GitLab have no priority or type fields beads can use, so beads carries them in
// scoped labels: `priority::high`, `type::bug`, `status::in_progress`. This is that mapping,
// both ways, shared by both trackers; the remaining (unscoped) labels travel as they are.
import type { Issue } from "../model.ts";

const PRIORITY: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, none: 4 };
const PRIORITY_LABEL = ["critical", "high", "medium", "low", "none"];

const TYPES: Record<string, string> = {
  bug: "bug",
  feature: "feature",
  task: "task",
  epic: "epic",
  chore: "chore",
  decision: "decision",
  spike: "spike",
  story: "story",
  milestone: "milestone",
  enhancement: "feature",
};

/** Where a tracker's statuses differ: GitLab also knows `status::open` and `status::done`. */
export interface StatusRules {
  labels: Record<string, string>;
  /** The tracker's open/closed state → a beads status. */
  states: Record<string, string>;
}

function split(label: string): [string, string] {
  const at = label.indexOf("::");
  return at < 0 ? ["", label] : [label.slice(0, at), label.slice(at + 2)];
}

export function priorityFromLabels(labels: string[]): number {
  for (const label of labels) {
    const [scope, value] = split(label);
    const p = PRIORITY[value.toLowerCase()];
    if (scope === "priority" && p !== undefined) return p;
  }
  return 2;
}

/** type::x or a bare label naming a type; task when none does. */
export function typeFromLabels(labels: string[]): string {
  for (const label of labels) {
    const [scope, value] = split(label);
    const t = TYPES[value.toLowerCase()];
    if ((scope === "type" || scope === "") && t) return t;
  }
  return "task";
}

/** A closed state always wins; then a status:: label; then the state. */
export function statusFrom(labels: string[], state: string, rules: StatusRules): string {
  if (state === "closed") return "closed";
  for (const label of labels) {
    const [scope, value] = split(label);
    const s = rules.labels[value.toLowerCase()];
    if (scope === "status" && s) return s;
  }
  return rules.states[state] ?? "open";
}

export function unscopedLabels(labels: string[]): string[] {
  return labels.filter((l) => !["priority", "status", "type"].includes(split(l)[0]));
}

/** The labels a bead is pushed with: type, priority, a status other than open/closed, its own. */
export function labelsForTracker(issue: Issue): string[] {
  const out: string[] = [];
  if (issue.issue_type) out.push(`type::${issue.issue_type}`);
  out.push(`priority::${PRIORITY_LABEL[issue.priority] ?? "medium"}`);
  if (["in_progress", "blocked", "deferred"].includes(issue.status)) out.push(`status::${issue.status}`);
  out.push(...(issue.labels ?? []));
  return out;
}

export function sameLabels(a: string[], b: string[]): boolean {
  const norm = (l: string[]) => [...new Set(l)].sort().join("\n");
  return norm(a) === norm(b);
}

/** A masked token for status output: the first four characters at most. */
export function maskToken(token: string | undefined): string {
  if (!token) return "(not set)";
  if (token.length <= 4) return "****";
  return `${token.slice(0, 4)}****`;
}
