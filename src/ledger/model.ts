// The beads data model: issue fields, statuses, types and edge kinds, with the rules
// that do not depend on where issues are stored. Field names are beads' JSON names so
// an Issue can be printed as-is for `--json`.

export const BUILTIN_STATUSES = [
  "open",
  "in_progress",
  "blocked",
  "deferred",
  "closed",
  "pinned",
  "hooked",
] as const;
export type BuiltinStatus = (typeof BUILTIN_STATUSES)[number];
export type Status = string;
export type StatusCategory = "active" | "wip" | "done" | "frozen";

export const STATUS_CATEGORY: Record<BuiltinStatus, StatusCategory> = {
  open: "active",
  in_progress: "wip",
  blocked: "wip",
  hooked: "wip",
  deferred: "frozen",
  pinned: "frozen",
  closed: "done",
};

/** Statuses whose holder never blocks anything that depends on it. */
export const NON_BLOCKING_STATUSES: readonly string[] = ["closed", "pinned"];

export const BUILTIN_TYPES = [
  "bug",
  "feature",
  "task",
  "epic",
  "chore",
  "decision",
  "message",
  "molecule",
  "gate",
  "spike",
  "story",
  "milestone",
  "event",
] as const;

export const TYPE_ALIASES: Record<string, string> = {
  enhancement: "feature",
  feat: "feature",
  dec: "decision",
  adr: "decision",
  investigation: "spike",
  timebox: "spike",
  "user-story": "story",
  ms: "milestone",
  mr: "merge-request",
  mol: "molecule",
};

/** Types that are plumbing, never work: `bd ready` leaves them out whatever the filters. */
export const READY_EXCLUDED_TYPES: readonly string[] = [
  "merge-request",
  "gate",
  "molecule",
  "message",
  "agent",
  "role",
  "rig",
];

/** Infrastructure types: hidden from `list` unless `--include-infra` (config `types.infra`). */
export const DEFAULT_INFRA_TYPES: readonly string[] = ["agent", "rig", "role", "message"];

export const WELL_KNOWN_DEP_TYPES = [
  "blocks",
  "parent-child",
  "conditional-blocks",
  "waits-for",
  "related",
  "relates-to",
  "discovered-from",
  "replies-to",
  "duplicates",
  "supersedes",
  "authored-by",
  "assigned-to",
  "approved-by",
  "attests",
  "tracks",
  "until",
  "caused-by",
  "validates",
  "delegated-from",
] as const;

/** Edge kinds that gate readiness. */
export const BLOCKING_DEP_TYPES: readonly string[] = [
  "blocks",
  "parent-child",
  "conditional-blocks",
  "waits-for",
];
/** Edge kinds checked for cycles when added. */
export const CYCLE_CHECKED_DEP_TYPES: readonly string[] = ["blocks", "conditional-blocks"];

export const WISP_TYPES = [
  "heartbeat",
  "ping",
  "patrol",
  "gc_report",
  "recovery",
  "error",
  "escalation",
] as const;

export const EVENT_TYPES = [
  "created",
  "updated",
  "status_changed",
  "commented",
  "closed",
  "reopened",
  "dependency_added",
  "dependency_removed",
  "label_added",
  "label_removed",
  "compacted",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 4;
export const DEFAULT_PRIORITY = 2;
export const MAX_TITLE_LENGTH = 500;
export const MAX_CHILD_DEPTH = 3;

export interface BondRef {
  source_id: string;
  bond_type: string;
  bond_point?: string;
}

/** One bead. Optional fields are omitted when empty, as beads does in JSON. */
export interface Issue {
  id: string;
  title: string;
  description?: string;
  design?: string;
  acceptance_criteria?: string;
  notes?: string;
  spec_id?: string;
  status: Status;
  priority: number;
  issue_type: string;
  assignee?: string;
  owner?: string;
  estimated_minutes?: number;
  created_at: string;
  created_by?: string;
  updated_at: string;
  started_at?: string;
  closed_at?: string;
  close_reason?: string;
  closed_by_session?: string;
  due_at?: string;
  defer_until?: string;
  external_ref?: string;
  source_system?: string;
  metadata?: Record<string, unknown>;
  compaction_level?: number;
  compacted_at?: string;
  compacted_at_commit?: string;
  original_size?: number;
  labels?: string[];
  dependencies?: Dependency[];
  comments?: Comment[];
  sender?: string;
  ephemeral?: boolean;
  no_history?: boolean;
  wisp_type?: string;
  pinned?: boolean;
  is_template?: boolean;
  bonded_from?: BondRef[];
  await_type?: string;
  await_id?: string;
  timeout?: number;
  waiters?: string[];
  source_formula?: string;
  source_location?: string;
  mol_type?: string;
  work_type?: string;
  event_kind?: string;
  actor?: string;
  target?: string;
  payload?: string;
}

export interface Dependency {
  issue_id: string;
  depends_on_id: string;
  type: string;
  created_at: string;
  created_by?: string;
  metadata?: string;
  thread_id?: string;
}

export interface Comment {
  id: string;
  issue_id: string;
  author: string;
  text: string;
  created_at: string;
}

export interface LedgerEvent {
  id: string;
  issue_id: string;
  event_type: EventType;
  actor: string;
  old_value?: string;
  new_value?: string;
  comment?: string;
  created_at: string;
}

/** A list/ready row: the issue plus cheap counts. */
export interface IssueWithCounts extends Issue {
  dependency_count: number;
  dependent_count: number;
  comment_count: number;
  parent?: string;
}

export interface IssueWithDependencyType extends Issue {
  dependency_type: string;
}

/** `bd show` detail. */
export interface IssueDetails extends Omit<Issue, "dependencies"> {
  labels?: string[];
  dependencies?: IssueWithDependencyType[];
  dependents?: IssueWithDependencyType[];
  comments?: Comment[];
  parent?: string;
  dependent_count?: number;
  dependency_count?: number;
  comment_count?: number;
  epic_total_children?: number;
  epic_closed_children?: number;
  epic_closeable?: boolean;
}

export interface BlockedIssue extends Issue {
  blocked_by_count: number;
  blocked_by: string[];
}

export interface Statistics {
  total_issues: number;
  open_issues: number;
  in_progress_issues: number;
  closed_issues: number;
  blocked_issues: number;
  deferred_issues: number;
  ready_issues: number;
  pinned_issues: number;
  epics_eligible_for_closure: number;
  average_lead_time_hours: number;
}

/**
 * Every scalar column of an issue, in beads' JSON order, with how it is stored.
 * Used to build the SQL schema, to map rows, to export JSONL and to hash content.
 */
export type FieldKind = "text" | "int" | "bool" | "json" | "time";
export const ISSUE_FIELDS: ReadonlyArray<readonly [keyof Issue & string, FieldKind]> = [
  ["id", "text"],
  ["title", "text"],
  ["description", "text"],
  ["design", "text"],
  ["acceptance_criteria", "text"],
  ["notes", "text"],
  ["spec_id", "text"],
  ["status", "text"],
  ["priority", "int"],
  ["issue_type", "text"],
  ["assignee", "text"],
  ["owner", "text"],
  ["estimated_minutes", "int"],
  ["created_at", "time"],
  ["created_by", "text"],
  ["updated_at", "time"],
  ["started_at", "time"],
  ["closed_at", "time"],
  ["close_reason", "text"],
  ["closed_by_session", "text"],
  ["due_at", "time"],
  ["defer_until", "time"],
  ["external_ref", "text"],
  ["source_system", "text"],
  ["metadata", "json"],
  ["compaction_level", "int"],
  ["compacted_at", "time"],
  ["compacted_at_commit", "text"],
  ["original_size", "int"],
  ["sender", "text"],
  ["ephemeral", "bool"],
  ["no_history", "bool"],
  ["wisp_type", "text"],
  ["pinned", "bool"],
  ["is_template", "bool"],
  ["bonded_from", "json"],
  ["await_type", "text"],
  ["await_id", "text"],
  ["timeout", "int"],
  ["waiters", "json"],
  ["source_formula", "text"],
  ["source_location", "text"],
  ["mol_type", "text"],
  ["work_type", "text"],
  ["event_kind", "text"],
  ["actor", "text"],
  ["target", "text"],
  ["payload", "text"],
];

/** Fields that make up an issue's content hash (identity and timestamps excluded). */
const HASHED_FIELDS = ISSUE_FIELDS.map(([name]) => name).filter(
  (f) => !["id", "created_at", "updated_at", "started_at", "closed_at", "compacted_at"].includes(f),
);

export function isBuiltinStatus(s: string): s is BuiltinStatus {
  return (BUILTIN_STATUSES as readonly string[]).includes(s);
}

/** Canonical text of an issue's substantive fields (relations are compared apart). */
export function contentKey(issue: Issue): string {
  const parts: string[] = [];
  for (const f of HASHED_FIELDS) {
    const v = issue[f as keyof Issue];
    parts.push(v === undefined || v === null ? "" : typeof v === "object" ? stableStringify(v) : String(v));
  }
  return parts.join("\0");
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** An ID's prefix: everything before the first hyphen. */
export function idPrefix(id: string): string {
  const i = id.indexOf("-");
  return i < 0 ? "" : id.slice(0, i);
}

/** Depth of a hierarchical ID: `bd-a1` is 0, `bd-a1.2` is 1, `bd-a1.2.3` is 2. */
export function childDepth(id: string): number {
  const tail = id.slice(id.indexOf("-") + 1);
  return tail.split(".").length - 1;
}

/** The parent implied by a dotted ID (`bd-a1.2` → `bd-a1`), if any. */
export function dottedParent(id: string): string | undefined {
  const i = id.lastIndexOf(".");
  if (i < 0 || i < id.indexOf("-")) return undefined;
  return id.slice(0, i);
}
