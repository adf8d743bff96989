// The LedgerStore interface: everything bd and gt do to beads, independent of the
// backend. Every backend must pass test/ledger/conformance.ts. Methods are async so a
// networked backend (PostgreSQL) fits the same shape as the embedded SQLite one.
import type {
  BlockedIssue,
  Comment,
  Dependency,
  Issue,
  IssueDetails,
  IssueWithCounts,
  LedgerEvent,
  Statistics,
} from "./model.ts";
import type { Vocabulary } from "./validate.ts";

export interface CreateIssueInput {
  title: string;
  id?: string;
  description?: string;
  design?: string;
  acceptance_criteria?: string;
  notes?: string;
  spec_id?: string;
  status?: string;
  priority?: number;
  issue_type?: string;
  assignee?: string;
  owner?: string;
  estimated_minutes?: number;
  due_at?: string;
  defer_until?: string;
  external_ref?: string;
  source_system?: string;
  metadata?: Record<string, unknown>;
  sender?: string;
  ephemeral?: boolean;
  no_history?: boolean;
  wisp_type?: string;
  pinned?: boolean;
  is_template?: boolean;
  mol_type?: string;
  work_type?: string;
  event_kind?: string;
  actor?: string;
  target?: string;
  payload?: string;
  await_type?: string;
  await_id?: string;
  /** A gate's timeout in nanoseconds (beads' unit). */
  timeout?: number;
  waiters?: string[];
  source_formula?: string;
  source_location?: string;
  labels?: string[];
  /** Edges from the new issue: `{type, depends_on_id}`. */
  deps?: Array<{ type: string; depends_on_id: string }>;
  /** Edges to the new issue from existing ones (`--deps blocks:X`: X depends on the new issue). */
  dependents?: Array<{ type: string; issue_id: string }>;
  /** Make the new issue a child (`parent.N` ID and a parent-child edge). */
  parent?: string;
  /** Inherit the parent's labels (beads' default). */
  inheritLabels?: boolean;
  /** Accept an explicit ID whose prefix is not the ledger's. */
  force?: boolean;
}

/** Fields `update` may set. `null` or "" clears an optional field. */
export interface IssuePatch {
  title?: string;
  description?: string | null;
  design?: string | null;
  acceptance_criteria?: string | null;
  notes?: string | null;
  append_notes?: string;
  spec_id?: string | null;
  status?: string;
  priority?: number;
  issue_type?: string;
  assignee?: string | null;
  owner?: string | null;
  estimated_minutes?: number | null;
  due_at?: string | null;
  defer_until?: string | null;
  external_ref?: string | null;
  source_system?: string | null;
  pinned?: boolean;
  is_template?: boolean;
  ephemeral?: boolean;
  wisp_type?: string | null;
  mol_type?: string | null;
  work_type?: string | null;
  sender?: string | null;
  await_type?: string | null;
  await_id?: string | null;
  close_reason?: string | null;
  metadata?: Record<string, unknown> | null;
  set_metadata?: Record<string, unknown>;
  unset_metadata?: string[];
  add_labels?: string[];
  remove_labels?: string[];
  set_labels?: string[];
  parent?: string | null;
}

export type SortPolicy =
  | "priority"
  | "hybrid"
  | "oldest"
  | "created"
  | "updated"
  | "closed"
  | "id"
  | "title"
  | "status"
  | "type"
  | "assignee";

export interface IssueFilter {
  /** Exact statuses; empty or absent means "all but closed" unless `all`. */
  statuses?: string[];
  all?: boolean;
  types?: string[];
  excludeTypes?: string[];
  /** Every one of these labels (AND). */
  labels?: string[];
  /** Any one of these labels (OR). */
  labelsAny?: string[];
  excludeLabels?: string[];
  labelPattern?: string;
  noLabels?: boolean;
  assignee?: string;
  unassigned?: boolean;
  owner?: string;
  priorities?: number[];
  priorityMin?: number;
  priorityMax?: number;
  /** All transitive descendants of this issue. */
  parent?: string;
  /** Only direct children of this molecule/epic. */
  mol?: string;
  ids?: string[];
  idPrefix?: string;
  titleContains?: string;
  descContains?: string;
  notesContains?: string;
  /** Full-text: title, description, notes or ID contain this. */
  text?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  closedAfter?: string;
  closedBefore?: string;
  includeTemplates?: boolean;
  includeInfra?: boolean;
  /** undefined: persistent only; true: both; "only": wisps only. */
  ephemeral?: boolean | "only";
  pinned?: boolean;
  metadataField?: Record<string, string>;
  hasMetadataKey?: string;
  overdue?: boolean;
  deferred?: boolean;
  limit?: number;
  sort?: SortPolicy;
  reverse?: boolean;
}

export interface ReadyFilter extends IssueFilter {
  /** Ready candidates have this status (CLI: open). */
  status?: string;
  includeDeferred?: boolean;
}

export interface CloseOptions {
  reason?: string;
  force?: boolean;
  session?: string;
}

export interface CloseResult {
  issue: Issue;
  /** Issues that became ready because this one closed. */
  unblocked: string[];
}

export interface DependencyInput {
  issue_id: string;
  depends_on_id: string;
  type?: string;
  metadata?: string;
  thread_id?: string;
  noCycleCheck?: boolean;
}

export interface DependencyTreeNode {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  depth: number;
  parent_id: string;
  dependency_type: string;
  truncated: boolean;
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  ids: string[];
  /** Issues that were not stored, and why (a bad ID, a value of the wrong kind). */
  errors?: Array<{ id: string; reason: string }>;
}

export interface DeletePlan {
  issue: Issue;
  /** Issues that depend on it and lose that edge. */
  dependents: string[];
  /** Issues it depends on. */
  dependencies: string[];
}

export interface ExportOptions {
  includeEphemeral?: boolean;
  /** Infrastructure types (agent, rig, role, message) are left out unless asked. */
  includeInfra?: boolean;
  includeTemplates?: boolean;
}

export interface LabelCount {
  label: string;
  count: number;
}

export interface StaleOptions {
  days: number;
  status?: string;
  limit?: number;
}

export interface LedgerStore {
  /** Where the store lives, for messages. */
  readonly location: string;
  close(): Promise<void>;

  // config (key/value knobs stored with the ledger)
  getConfig(key: string): Promise<string | undefined>;
  setConfig(key: string, value: string): Promise<void>;
  unsetConfig(key: string): Promise<boolean>;
  listConfig(): Promise<Record<string, string>>;
  prefix(): Promise<string>;
  /** Built-in plus configured statuses and types. */
  vocabulary(): Promise<Vocabulary>;

  // issues
  createIssue(input: CreateIssueInput, actor: string): Promise<Issue>;
  /**
   * Bulk create (a molecule's pour): whole issues with their ids, labels and edges, written
   * all in one transaction or not at all. Refuses an id already stored or given twice, and an
   * edge to a bead of this ledger that is neither stored nor in the batch.
   */
  createIssues(issues: Issue[], actor: string): Promise<Issue[]>;
  getIssue(id: string): Promise<Issue | undefined>;
  getIssues(ids: string[]): Promise<Issue[]>;
  getDetails(id: string): Promise<IssueDetails>;
  /** Full or partial ID (with or without prefix) to the one ID it names. */
  resolveId(partial: string): Promise<string>;
  /**
   * `guard` sees the issue as it is inside the write transaction and may throw to refuse
   * the update: a compare-and-swap for callers such as `gt sling`, where two processes
   * race for the same bead and exactly one must win.
   */
  updateIssue(id: string, patch: IssuePatch, actor: string, guard?: (current: Issue) => void): Promise<Issue>;
  /** Compare-and-swap claim: open and unassigned (or ours) → in_progress and ours. */
  claimIssue(id: string, actor: string): Promise<Issue>;
  closeIssue(id: string, opts: CloseOptions, actor: string): Promise<CloseResult>;
  reopenIssue(id: string, reason: string | undefined, actor: string): Promise<Issue>;
  /** Moves an issue to a new ID (edges, labels, comments, events follow; other issues' text too). */
  renameIssue(oldId: string, newId: string, actor: string): Promise<{ issue: Issue; updated: string[] }>;
  /** Moves every issue of the ledger's prefix to `next` and makes `next` the prefix; [old, new] pairs. */
  renamePrefix(next: string, actor: string): Promise<Array<[string, string]>>;
  planDelete(id: string): Promise<DeletePlan>;
  deleteIssue(id: string, actor: string): Promise<DeletePlan>;

  // queries
  listIssues(filter: IssueFilter): Promise<IssueWithCounts[]>;
  countIssues(filter: IssueFilter, groupBy?: string): Promise<number | Record<string, number>>;
  ready(filter: ReadyFilter): Promise<IssueWithCounts[]>;
  countReady(filter: ReadyFilter): Promise<number>;
  blocked(filter: IssueFilter): Promise<BlockedIssue[]>;
  isBlocked(id: string): Promise<boolean>;
  children(id: string): Promise<IssueWithCounts[]>;
  stale(opts: StaleOptions): Promise<Issue[]>;
  stats(): Promise<Statistics>;

  // dependencies
  addDependency(dep: DependencyInput, actor: string): Promise<Dependency>;
  removeDependency(issueId: string, dependsOnId: string, actor: string): Promise<boolean>;
  dependencies(
    id: string,
    direction: "down" | "up",
    type?: string,
  ): Promise<Array<Issue & { dependency_type: string }>>;
  dependencyRecords(id: string): Promise<Dependency[]>;
  /**
   * Edges pointing at `id` (optionally of one type). `id` need not be stored here: a convoy
   * in the town ledger tracks beads that live in the rigs' ledgers.
   */
  dependentRecords(id: string, type?: string): Promise<Dependency[]>;
  dependencyTree(
    id: string,
    opts: { maxDepth: number; direction: "down" | "up" | "both" },
  ): Promise<DependencyTreeNode[]>;
  findCycles(): Promise<string[][]>;

  // labels, comments, events
  addLabel(id: string, label: string, actor: string): Promise<boolean>;
  removeLabel(id: string, label: string, actor: string): Promise<boolean>;
  labels(id: string): Promise<string[]>;
  allLabels(): Promise<LabelCount[]>;
  addComment(id: string, author: string, text: string): Promise<Comment>;
  comments(id: string): Promise<Comment[]>;
  events(id: string): Promise<LedgerEvent[]>;

  // exchange
  /** Every persistent issue with labels, dependencies and comments, sorted by ID. */
  exportIssues(opts?: ExportOptions): Promise<Issue[]>;
  importIssues(issues: Issue[], actor: string): Promise<ImportResult>;
  /** A read-only SQL query; rows keyed by column name. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
}

/** How issues.jsonl compares with the store (bd doctor, the JSONL dog). */
export interface JsonlInspection {
  path: string;
  exists: boolean;
  autoExport: boolean;
  /** Lines kept without being imported, and why. */
  unreadable: Array<{ line: number; reason: string }>;
  /** Exported issues the file lacks. */
  missing: string[];
  /** Exported issues whose line in the file differs from the database. */
  differing: string[];
  /** Issues in the file the database does not have. */
  extra: string[];
}

/**
 * A ledger as bd and gt open it: the store plus what both backends honour beyond it. The
 * file-related calls are SQLite's (issues.jsonl and config.yaml travel with git); a
 * PostgreSQL ledger has no files, so for it they do nothing and inspect nothing.
 */
export interface Ledger extends LedgerStore {
  readonly backend: "sqlite" | "postgres";
  /** Catches the store and the files up with each other before a command reads. */
  syncFromJsonl(): void;
  /** The config table changed behind setConfig's back (init): config.yaml is rewritten next. */
  noteConfigChanged(): void;
  inspectJsonl(): Promise<JsonlInspection | undefined>;
  inspectConfigFile(): Promise<{ path: string; exists: boolean; differing: string[] } | undefined>;
  /** The engine's own consistency check ("ok" when sound). */
  integrityCheck(full?: boolean): Promise<string[]>;
  /** Several store calls, awaited one after another, as one transaction: all or none. */
  batch<T>(fn: () => Promise<T>): Promise<T>;
}
