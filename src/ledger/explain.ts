// `bd ready --explain`: for each open bead, ready or the reasons it is not (beads §1.7): an
// open blocker, an open gate before it, a fan-out it waits for, a defer date, a parent that
// is blocked or deferred, pinned. Read through the LedgerStore interface only, after the
// store has said which beads are ready, so the explanation never disagrees with `bd ready`.
import { type Issue, NON_BLOCKING_STATUSES, READY_EXCLUDED_TYPES } from "./model.ts";
import type { LedgerStore, ReadyFilter } from "./store.ts";

export type NotReadyKind =
  | "blocked_by"
  | "gate"
  | "waits_for"
  | "deferred"
  | "parent_blocked"
  | "parent_deferred"
  | "pinned";

export interface NotReadyReason {
  kind: NotReadyKind;
  /** The blocker, gate, spawner or parent. */
  id?: string;
  status?: string;
  /** For deferred: the defer date. */
  until?: string;
}

export interface ExplainedIssue {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  /** One line a person reads. */
  reason: string;
}

export interface ExplainedBlocked extends ExplainedIssue {
  reasons: NotReadyReason[];
}

/** beads' `ready --explain` shape. */
export interface ReadyExplanation {
  ready: ExplainedIssue[];
  blocked: ExplainedBlocked[];
  cycles: string[][];
  summary: { total_ready: number; total_blocked: number; cycle_count: number };
}

const BLOCKING_EDGES = new Set(["blocks", "conditional-blocks"]);

function brief(i: Issue, reason: string): ExplainedIssue {
  return {
    id: i.id,
    title: i.title,
    status: i.status,
    priority: i.priority,
    issue_type: i.issue_type,
    reason,
  };
}

function sentence(r: NotReadyReason): string {
  switch (r.kind) {
    case "blocked_by":
      return `blocked by ${r.id} (${r.status})`;
    case "gate":
      return `gate ${r.id} is open`;
    case "waits_for":
      return `waits for the children of ${r.id}`;
    case "deferred":
      return `deferred until ${r.until}`;
    case "parent_blocked":
      return `parent ${r.id} is blocked`;
    case "parent_deferred":
      return `parent ${r.id} is deferred until ${r.until}`;
    case "pinned":
      return "pinned";
  }
}

async function reasonsFor(store: LedgerStore, issue: Issue, now: string): Promise<NotReadyReason[]> {
  const out: NotReadyReason[] = [];
  if (issue.pinned) out.push({ kind: "pinned" });
  if (issue.defer_until && issue.defer_until > now) out.push({ kind: "deferred", until: issue.defer_until });
  for (const d of await store.dependencyRecords(issue.id)) {
    if (BLOCKING_EDGES.has(d.type)) {
      const target = await store.getIssue(d.depends_on_id);
      // Missing targets live in other rigs and never block (beads §1.7).
      if (!target || NON_BLOCKING_STATUSES.includes(target.status)) continue;
      out.push(
        target.issue_type === "gate"
          ? { kind: "gate", id: target.id, status: target.status }
          : { kind: "blocked_by", id: target.id, status: target.status },
      );
    } else if (d.type === "waits-for") {
      const open = (await store.children(d.depends_on_id)).filter(
        (c) => !NON_BLOCKING_STATUSES.includes(c.status),
      );
      if (open.length > 0) out.push({ kind: "waits_for", id: d.depends_on_id });
    } else if (d.type === "parent-child") {
      const parent = await store.getIssue(d.depends_on_id);
      if (!parent) continue;
      if (parent.defer_until && parent.defer_until > now)
        out.push({ kind: "parent_deferred", id: parent.id, until: parent.defer_until });
      if (await store.isBlocked(parent.id))
        out.push({ kind: "parent_blocked", id: parent.id, status: parent.status });
    }
  }
  return out;
}

/** Every open bead the filter selects, ready or with the reasons it is not. */
export async function explainReady(
  store: LedgerStore,
  filter: ReadyFilter,
  now = new Date(),
): Promise<ReadyExplanation> {
  const base = { ...filter, limit: 0 };
  const ready = await store.ready({ ...base, status: "open" });
  const readyIds = new Set(ready.map((r) => r.id));
  const typed = filter.types && filter.types.length > 0;
  const open = (await store.listIssues({ ...base, statuses: ["open"], includeInfra: true })).filter(
    (i) => !readyIds.has(i.id) && (typed || !READY_EXCLUDED_TYPES.includes(i.issue_type)),
  );
  const at = now.toISOString();
  const blocked: ExplainedBlocked[] = [];
  for (const i of open) {
    const reasons = await reasonsFor(store, i, at);
    const reason = reasons.length > 0 ? reasons.map(sentence).join("; ") : "not ready (no reason found)";
    blocked.push({ ...brief(i, reason), reasons });
  }
  const cycles = await store.findCycles();
  return {
    ready: ready.map((i) => brief(i, "no open blockers")),
    blocked,
    cycles,
    summary: { total_ready: ready.length, total_blocked: blocked.length, cycle_count: cycles.length },
  };
}
