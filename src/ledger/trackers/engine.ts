// Two-way sync between the ledger and an outside issue tracker (GitHub, GitLab, …), the
// shape beads gives every tracker: detect conflicts (changed on both sides since the last
// sync), pull (create or update beads, matched by external_ref), push (create upstream and
// record the link, or update what changed). A tracker only knows its API and its field
// mapping (IssueTracker); the rules live here once.
import { ValidationError } from "../../errors.ts";
import type { Issue } from "../model.ts";
import type { LedgerStore } from "../store.ts";

/** One issue as a tracker has it, in a common form. */
export interface TrackerIssue {
  /** The tracker's internal id. */
  id: string;
  /** What users see and the API addresses: a GitHub number, a GitLab iid. */
  identifier: string;
  url: string;
  title: string;
  updated_at?: string;
  /** The API's own record, for the tracker's mapper. */
  raw: unknown;
}

/** What a tracker issue becomes here. */
export interface BeadsFields {
  title: string;
  description: string;
  status: string;
  priority: number;
  issue_type: string;
  assignee?: string;
  /** Jira's assignee lands here (beads' mapping), not in assignee. */
  owner?: string;
  labels: string[];
  source_system?: string;
  estimated_minutes?: number;
}

/** An edge to make once every pulled issue is stored (identifiers on the tracker's side). */
export interface PendingDependency {
  from: string;
  to: string;
  type: string;
}

export interface IssueTracker {
  /** Lower-case name, also the prefix of its config keys ("github"). */
  readonly name: string;
  readonly displayName: string;
  fetchIssues(opts: { state: string; since?: string }): Promise<TrackerIssue[]>;
  fetchIssue(identifier: string): Promise<TrackerIssue | undefined>;
  createIssue(issue: Issue): Promise<TrackerIssue>;
  updateIssue(identifier: string, issue: Issue): Promise<TrackerIssue>;
  toBeads(issue: TrackerIssue): { fields: BeadsFields; dependencies: PendingDependency[] };
  /** True when pushing `local` would change nothing upstream (no call needed). */
  contentEqual(local: Issue, remote: TrackerIssue): boolean;
  isExternalRef(ref: string): boolean;
  extractIdentifier(ref: string): string;
  buildExternalRef(issue: TrackerIssue): string;
}

export type ConflictResolution = "timestamp" | "local" | "external";

export interface SyncOptions {
  pull: boolean;
  push: boolean;
  dryRun?: boolean;
  /** open, closed or all (default). */
  state?: string;
  conflict?: ConflictResolution;
  createOnly?: boolean;
  types?: string[];
  excludeTypes?: string[];
  /** Only this bead and its descendants (push). */
  parentId?: string;
  /** Only these beads (or tracker identifiers, for pull). */
  issueIds?: string[];
  /** A tracker's own push filter (jira.push_prefix). */
  pushFilter?: (issue: Issue) => boolean;
}

export interface SyncStats {
  pulled: number;
  pushed: number;
  created: number;
  updated: number;
  skipped: number;
  errors: number;
  conflicts: number;
}

/** beads' SyncResult, the --json shape. */
export interface SyncResult {
  success: boolean;
  stats: SyncStats;
  last_sync?: string;
  error?: string;
  warnings?: string[];
}

/** Where the time of the last sync is kept (per clone, not in git). */
export interface SyncClock {
  get(): string | undefined;
  set(value: string): void;
}

export interface SyncHooks {
  message?(text: string): void;
  warning?(text: string): void;
}

interface Conflict {
  issueId: string;
  localUpdated: number;
  externalUpdated: number;
}

const time = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

export class SyncEngine {
  private warnings: string[] = [];

  private readonly tracker: IssueTracker;
  private readonly store: LedgerStore;
  private readonly actor: string;
  private readonly clock: SyncClock;
  private readonly hooks: SyncHooks;

  constructor(
    tracker: IssueTracker,
    store: LedgerStore,
    actor: string,
    clock: SyncClock,
    hooks: SyncHooks = {},
  ) {
    this.tracker = tracker;
    this.store = store;
    this.actor = actor;
    this.clock = clock;
    this.hooks = hooks;
  }

  async sync(opts: SyncOptions): Promise<SyncResult> {
    if (opts.pull === false && opts.push === false) opts = { ...opts, pull: true, push: true };
    this.warnings = [];
    const stats: SyncStats = {
      pulled: 0,
      pushed: 0,
      created: 0,
      updated: 0,
      skipped: 0,
      errors: 0,
      conflicts: 0,
    };
    const skipPush = new Set<string>();
    const forcePush = new Set<string>();
    const allowPull = new Set<string>();
    const lastSync = this.clock.get();

    if (opts.pull && opts.push && lastSync) {
      const conflicts = await this.detectConflicts(time(lastSync));
      stats.conflicts = conflicts.length;
      for (const c of conflicts)
        this.resolve(c, opts.conflict ?? "timestamp", skipPush, forcePush, allowPull);
    }
    // What this sync's pull just wrote mirrors upstream already: never pushed back.
    const pulled = new Set<string>();
    if (opts.pull) {
      const p = await this.pull(opts, lastSync, allowPull, pulled);
      stats.pulled = p.created + p.updated;
      stats.created += p.created;
      stats.updated += p.updated;
      stats.skipped += p.skipped;
      stats.errors += p.errors;
    }
    if (opts.push) {
      const p = await this.push(opts, skipPush, forcePush, pulled, lastSync);
      stats.pushed = p.created + p.updated;
      stats.created += p.created;
      stats.updated += p.updated;
      stats.skipped += p.skipped;
      stats.errors += p.errors;
    }
    const result: SyncResult = { success: true, stats };
    if (!opts.dryRun) {
      result.last_sync = new Date().toISOString();
      this.clock.set(result.last_sync);
    }
    if (this.warnings.length > 0) result.warnings = this.warnings;
    return result;
  }

  /** Local issues linked to this tracker and changed since the last sync whose remote changed too. */
  private async detectConflicts(lastSync: number): Promise<Conflict[]> {
    const out: Conflict[] = [];
    for (const issue of await this.localIssues()) {
      const ref = issue.external_ref;
      if (!ref || !this.tracker.isExternalRef(ref) || !(time(issue.updated_at) > lastSync)) continue;
      const identifier = this.tracker.extractIdentifier(ref);
      if (!identifier) continue;
      const remote = await this.tracker.fetchIssue(identifier).catch(() => undefined);
      if (remote && time(remote.updated_at) > lastSync)
        out.push({
          issueId: issue.id,
          localUpdated: time(issue.updated_at),
          externalUpdated: time(remote.updated_at),
        });
    }
    return out;
  }

  private resolve(
    c: Conflict,
    how: ConflictResolution,
    skipPush: Set<string>,
    forcePush: Set<string>,
    allowPull: Set<string>,
  ): void {
    const keepLocal = how === "local" || (how === "timestamp" && c.localUpdated > c.externalUpdated);
    if (keepLocal) forcePush.add(c.issueId);
    else {
      skipPush.add(c.issueId);
      allowPull.add(c.issueId);
    }
    const why =
      how === "local"
        ? "keeping local version"
        : how === "external"
          ? "keeping external version"
          : keepLocal
            ? "local is newer, pushing"
            : "external is newer, importing";
    this.msg(`Conflict on ${c.issueId}: ${why}`);
  }

  private async pull(
    opts: SyncOptions,
    lastSync: string | undefined,
    allowOverwrite: Set<string>,
    touched: Set<string>,
  ) {
    const stats = { created: 0, updated: 0, skipped: 0, errors: 0 };
    const locals = await this.localIssues();
    const byIdentifier = new Map<string, Issue>();
    const byId = new Map(locals.map((i) => [i.id, i]));
    for (const issue of locals) {
      const ref = issue.external_ref?.trim();
      if (!ref || !this.tracker.isExternalRef(ref)) continue;
      const identifier = this.tracker.extractIdentifier(ref);
      if (identifier) byIdentifier.set(identifier, issue);
    }

    let remotes: TrackerIssue[] = [];
    if (opts.issueIds && opts.issueIds.length > 0) {
      for (const id of opts.issueIds) {
        const local = byId.get(id);
        const identifier = local?.external_ref ? this.tracker.extractIdentifier(local.external_ref) : id;
        if (local && !identifier) {
          this.warn(`No external ref found for local issue ${id}, skipping pull`);
          stats.skipped++;
          continue;
        }
        const remote = await this.tracker.fetchIssue(identifier).catch((e: Error) => {
          this.warn(`Failed to fetch ${identifier}: ${e.message}`);
          stats.errors++;
          return null;
        });
        if (remote === undefined) {
          this.warn(`Issue ${identifier} not found in ${this.tracker.displayName}`);
          stats.skipped++;
        } else if (remote) remotes.push(remote);
      }
    } else {
      remotes = await this.tracker.fetchIssues({ state: opts.state ?? "all", since: lastSync });
    }

    const pending: PendingDependency[] = [];
    for (const remote of remotes) {
      const ref = this.tracker.buildExternalRef(remote);
      const existing = locals.find((i) => i.external_ref === ref) ?? byIdentifier.get(remote.identifier);
      const { fields, dependencies } = this.tracker.toBeads(remote);
      // Changed here since the last sync: conflict resolution decides, not the pull.
      if (
        existing &&
        lastSync &&
        time(existing.updated_at) > time(lastSync) &&
        !allowOverwrite.has(existing.id)
      ) {
        stats.skipped++;
        continue;
      }
      pending.push(...dependencies);
      if (existing && sameAsLocal(existing, fields, ref)) {
        stats.skipped++;
        continue;
      }
      if (opts.dryRun) {
        this.msg(
          `[dry-run] Would ${existing ? "update local issue" : "import"}: ${remote.identifier} - ${remote.title}`,
        );
        if (existing) stats.updated++;
        else stats.created++;
        continue;
      }
      try {
        if (existing) {
          await this.store.updateIssue(
            existing.id,
            {
              title: fields.title,
              description: fields.description,
              priority: fields.priority,
              status: fields.status,
              issue_type: fields.issue_type,
              assignee: fields.assignee ?? null,
              set_labels: fields.labels,
              ...(fields.owner !== undefined ? { owner: fields.owner } : {}),
              ...(existing.external_ref !== ref ? { external_ref: ref } : {}),
            },
            this.actor,
          );
          touched.add(existing.id);
          stats.updated++;
        } else {
          const created = await this.store.createIssue(
            { ...fields, external_ref: ref, source_system: fields.source_system },
            this.actor,
          );
          locals.push(created);
          touched.add(created.id);
          stats.created++;
        }
      } catch (e) {
        this.warn(
          `Failed to ${existing ? `update ${existing.id}` : `create issue for ${remote.identifier}`}: ${(e as Error).message}`,
        );
      }
    }
    if (!opts.dryRun) stats.skipped += await this.createDependencies(pending);
    return stats;
  }

  /** Edges named by tracker identifiers, made between the beads they map to; returns failures. */
  private async createDependencies(deps: PendingDependency[]): Promise<number> {
    if (deps.length === 0) return 0;
    const byIdentifier = new Map<string, Issue>();
    for (const issue of await this.localIssues()) {
      if (issue.external_ref && this.tracker.isExternalRef(issue.external_ref))
        byIdentifier.set(this.tracker.extractIdentifier(issue.external_ref), issue);
    }
    let failures = 0;
    const seen = new Set<string>();
    for (const dep of deps) {
      const key = `${dep.from}\0${dep.to}\0${dep.type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const from = byIdentifier.get(dep.from);
      const to = byIdentifier.get(dep.to);
      if (!from || !to) continue;
      if ((from.dependencies ?? []).some((d) => d.depends_on_id === to.id && d.type === dep.type)) continue;
      try {
        await this.store.addDependency(
          { issue_id: from.id, depends_on_id: to.id, type: dep.type },
          this.actor,
        );
      } catch (e) {
        this.warn(`Failed to create dependency ${from.id} -> ${to.id}: ${(e as Error).message}`);
        failures++;
      }
    }
    return failures;
  }

  private async push(
    opts: SyncOptions,
    skipIds: Set<string>,
    forceIds: Set<string>,
    pulled: Set<string>,
    lastSync: string | undefined,
  ) {
    const stats = { created: 0, updated: 0, skipped: 0, errors: 0 };
    let issues = await this.localIssues();
    if (opts.issueIds && opts.issueIds.length > 0) {
      const wanted = new Set(opts.issueIds);
      issues = issues.filter((i) => wanted.has(i.id));
    }
    const subtree = opts.parentId ? await this.descendants(opts.parentId) : undefined;
    for (const issue of issues) {
      if ((subtree && !subtree.has(issue.id)) || !this.shouldPush(issue, opts) || skipIds.has(issue.id)) {
        stats.skipped++;
        continue;
      }
      const ref = issue.external_ref ?? "";
      const willCreate = ref === "" || !this.tracker.isExternalRef(ref);
      if (opts.dryRun) {
        this.msg(
          `[dry-run] Would ${willCreate ? "create" : "update"} in ${this.tracker.displayName}: ${issue.title}`,
        );
        if (willCreate) stats.created++;
        else stats.updated++;
        continue;
      }
      if (willCreate) {
        let created: TrackerIssue;
        try {
          created = await this.tracker.createIssue(issue);
        } catch (e) {
          this.warn(`Failed to create ${issue.id} in ${this.tracker.displayName}: ${(e as Error).message}`);
          stats.errors++;
          continue;
        }
        try {
          await this.store.updateIssue(
            issue.id,
            { external_ref: this.tracker.buildExternalRef(created) },
            this.actor,
          );
        } catch (e) {
          // Created upstream all the same; the broken link is reported.
          this.warn(`Failed to update external_ref for ${issue.id}: ${(e as Error).message}`);
          stats.errors++;
        }
        stats.created++;
        continue;
      }
      if (opts.createOnly && !forceIds.has(issue.id)) {
        stats.skipped++;
        continue;
      }
      const identifier = this.tracker.extractIdentifier(ref);
      if (!identifier) {
        stats.skipped++;
        continue;
      }
      // Unchanged here since the last sync (or just pulled): nothing to send.
      const unchanged =
        pulled.has(issue.id) || (lastSync !== undefined && !(time(issue.updated_at) > time(lastSync)));
      if (unchanged && !forceIds.has(issue.id)) {
        stats.skipped++;
        continue;
      }
      if (!forceIds.has(issue.id)) {
        const remote = await this.tracker.fetchIssue(identifier).catch(() => undefined);
        // Nothing to send, or the remote is the same age or newer (beads' rule).
        if (
          remote &&
          (this.tracker.contentEqual(issue, remote) || !(time(remote.updated_at) < time(issue.updated_at)))
        ) {
          stats.skipped++;
          continue;
        }
      }
      try {
        await this.tracker.updateIssue(identifier, issue);
        stats.updated++;
      } catch (e) {
        this.warn(`Failed to update ${issue.id} in ${this.tracker.displayName}: ${(e as Error).message}`);
        stats.errors++;
      }
    }
    return stats;
  }

  private shouldPush(issue: Issue, opts: SyncOptions): boolean {
    if (issue.ephemeral) return false;
    if (opts.types && opts.types.length > 0 && !opts.types.includes(issue.issue_type)) return false;
    if (opts.excludeTypes?.includes(issue.issue_type)) return false;
    if (opts.state === "open" && issue.status === "closed") return false;
    return opts.pushFilter ? opts.pushFilter(issue) : true;
  }

  private async descendants(parentId: string): Promise<Set<string>> {
    const root = await this.store.getIssue(parentId);
    if (!root)
      throw new ValidationError(`resolving parent ${parentId}: no issue found matching "${parentId}"`);
    const out = new Set([parentId]);
    const queue = [parentId];
    while (queue.length > 0) {
      const current = queue.shift()!;
      for (const d of await this.store.dependentRecords(current, "parent-child")) {
        if (!out.has(d.issue_id)) {
          out.add(d.issue_id);
          queue.push(d.issue_id);
        }
      }
    }
    return out;
  }

  /** Persistent issues of every status, with labels and edges. */
  private localIssues(): Promise<Issue[]> {
    return this.store.exportIssues();
  }

  private msg(text: string): void {
    this.hooks.message?.(text);
  }

  private warn(text: string): void {
    this.warnings.push(text);
    this.hooks.warning?.(text);
  }
}

function sameAsLocal(local: Issue, remote: BeadsFields, ref: string): boolean {
  const norm = (l: string[] | undefined) =>
    [...new Set((l ?? []).map((x) => x.trim()).filter(Boolean))].sort().join("\n");
  return (
    local.title === remote.title &&
    (local.description ?? "") === remote.description &&
    local.priority === remote.priority &&
    local.status === remote.status &&
    local.issue_type === remote.issue_type &&
    (local.assignee ?? "").trim() === (remote.assignee ?? "").trim() &&
    (remote.owner === undefined || (local.owner ?? "") === remote.owner) &&
    norm(local.labels) === norm(remote.labels) &&
    (local.external_ref ?? "").trim() === ref.trim()
  );
}

/** Exactly one of the --prefer-* flags, or none (newer wins). */
export function conflictResolution(
  local: boolean,
  external: boolean,
  newer: boolean,
  flags: string,
): ConflictResolution {
  if ([local, external, newer].filter(Boolean).length > 1)
    throw new ValidationError(`cannot use multiple conflict resolution flags (${flags})`);
  return local ? "local" : external ? "external" : "timestamp";
}
