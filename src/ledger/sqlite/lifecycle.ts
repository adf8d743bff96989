// Changing issues after they exist: update (fields, status, labels, parent), claim, close,
// reopen, delete, rename and rename-prefix. Every change is recorded in the event history.
import { ConflictError, ValidationError } from "../../errors.ts";
import { isValidPrefix } from "../ids.ts";
import { type Issue, NON_BLOCKING_STATUSES } from "../model.ts";
import { REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { CloseOptions, CloseResult, DeletePlan, IssuePatch } from "../store.ts";
import { normalizeTime, validateLabel, validateStatus, validateTitle, validateType } from "../validate.ts";
import { afterConfigChange, CONFIG_DIRTY_KEY } from "./config.ts";
import type { LedgerContext } from "./context.ts";
import { reparent } from "./dependencies.ts";
import { addCommentRow, addLabelRow, removeLabelRow } from "./labels.ts";
import { renameIssueRows, renamePrefixRows } from "./rename.ts";

/** Free-text fields a patch sets as given, or clears with null / "". */
const TEXT_FIELDS = [
  "description",
  "design",
  "acceptance_criteria",
  "notes",
  "spec_id",
  "assignee",
  "owner",
  "external_ref",
  "source_system",
  "wisp_type",
  "mol_type",
  "work_type",
  "sender",
  "await_type",
  "await_id",
  "close_reason",
] as const satisfies ReadonlyArray<keyof IssuePatch & keyof Issue>;

/** Fields whose changes are recorded as `updated` events. */
const FIELD_EVENTS: Array<keyof IssuePatch & keyof Issue> = [
  "title",
  ...TEXT_FIELDS,
  "priority",
  "issue_type",
  "estimated_minutes",
  "due_at",
  "defer_until",
  "pinned",
  "is_template",
  "ephemeral",
];

function fmt(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function updateIssue(
  c: LedgerContext,
  id: string,
  patch: IssuePatch,
  actor: string,
  guard?: (current: Issue) => void,
): Issue {
  return c.write(() => {
    guard?.(c.mustGet(id));
    return updateRow(c, id, patch, actor);
  });
}

/** Applies a patch inside the caller's write. */
function updateRow(c: LedgerContext, id: string, patch: IssuePatch, actor: string): Issue {
  const before = c.mustGet(id);
  const next: Issue = { ...before };
  const now = c.now();
  const clear = <K extends keyof Issue>(k: K, v: unknown) => {
    if (v === undefined) return;
    (next as unknown as Record<string, unknown>)[k] = v === null || v === "" ? undefined : v;
  };
  if (patch.title !== undefined) next.title = validateTitle(patch.title);
  for (const k of TEXT_FIELDS) {
    clear(k, patch[k]);
  }
  if (patch.append_notes)
    next.notes = next.notes ? `${next.notes}\n${patch.append_notes}` : patch.append_notes;
  if (patch.priority !== undefined) {
    if (!Number.isInteger(patch.priority) || patch.priority < 0 || patch.priority > 4) {
      throw new ValidationError(`invalid priority "${patch.priority}" (expected 0-4 or P0-P4)`);
    }
    next.priority = patch.priority;
  }
  if (patch.issue_type !== undefined) next.issue_type = validateType(patch.issue_type, c.vocab);
  if (patch.estimated_minutes !== undefined) next.estimated_minutes = patch.estimated_minutes ?? undefined;
  if (patch.due_at !== undefined)
    next.due_at = patch.due_at ? normalizeTime(patch.due_at, "due date") : undefined;
  if (patch.defer_until !== undefined) {
    next.defer_until = patch.defer_until ? normalizeTime(patch.defer_until, "defer time") : undefined;
  }
  if (patch.pinned !== undefined) next.pinned = patch.pinned || undefined;
  if (patch.is_template !== undefined) next.is_template = patch.is_template || undefined;
  if (patch.ephemeral !== undefined) next.ephemeral = patch.ephemeral || undefined;
  if (patch.metadata !== undefined) next.metadata = patch.metadata ?? undefined;
  if (patch.set_metadata || patch.unset_metadata) {
    const m = { ...(next.metadata ?? {}) };
    Object.assign(m, patch.set_metadata ?? {});
    for (const k of patch.unset_metadata ?? []) delete m[k];
    next.metadata = Object.keys(m).length > 0 ? m : undefined;
  }
  if (patch.status !== undefined) {
    next.status = validateStatus(patch.status, c.vocab);
    if (next.status === "closed" && before.status !== "closed") next.closed_at = now;
    if (next.status !== "closed") {
      next.closed_at = undefined;
      if (before.status === "closed") {
        next.close_reason = undefined;
        next.closed_by_session = undefined;
      }
    }
    if (next.status === "in_progress" && !next.started_at) next.started_at = now;
  }
  next.updated_at = now;
  c.db.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
  if (before.status !== next.status) {
    c.event(id, next.status === "closed" ? "closed" : "status_changed", actor, before.status, next.status);
    c.blocking.touchStatus(id);
  }
  for (const f of FIELD_EVENTS) {
    const a = before[f];
    const b = next[f];
    if (JSON.stringify(a) !== JSON.stringify(b)) c.event(id, "updated", actor, fmt(a), fmt(b), f);
  }
  if (JSON.stringify(before.metadata) !== JSON.stringify(next.metadata)) {
    c.event(id, "updated", actor, fmt(before.metadata), fmt(next.metadata), "metadata");
  }
  const labels = new Set(before.labels ?? []);
  if (patch.set_labels) {
    const want = new Set(patch.set_labels.map(validateLabel));
    for (const l of labels) if (!want.has(l)) removeLabelRow(c, id, l, actor);
    for (const l of want) if (!labels.has(l)) addLabelRow(c, id, l, actor);
  }
  for (const l of patch.add_labels ?? []) addLabelRow(c, id, validateLabel(l), actor);
  for (const l of patch.remove_labels ?? []) removeLabelRow(c, id, l, actor);
  if (patch.parent !== undefined) reparent(c, id, patch.parent, actor, now);
  return c.getIssue(id)!;
}

export function claimIssue(c: LedgerContext, id: string, actor: string): Issue {
  return c.write(() => {
    const issue = c.mustGet(id);
    if (issue.status === "in_progress" && issue.assignee === actor) return issue;
    if (issue.assignee && issue.assignee !== actor) {
      throw new ConflictError("already_claimed", `issue already claimed by ${issue.assignee}`);
    }
    if (issue.status !== "open") {
      throw new ConflictError("not_open", `issue not claimable: status ${issue.status}`);
    }
    return updateRow(c, id, { status: "in_progress", assignee: actor }, actor);
  });
}

export function closeIssue(c: LedgerContext, id: string, opts: CloseOptions, actor: string): CloseResult {
  return c.write(() => {
    const issue = c.mustGet(id);
    if (!opts.force && (issue.status === "pinned" || issue.pinned)) {
      throw new ConflictError("pinned", `cannot modify pinned issue ${id} (use --force to override)`);
    }
    if (!opts.force) {
      const done = [...NON_BLOCKING_STATUSES];
      const blockers = c.db.column<string>(
        `SELECT d.depends_on_id FROM dependencies d JOIN issues t ON t.id = d.depends_on_id
         WHERE d.issue_id = ? AND d.type = 'blocks' AND t.status NOT IN (${done.map(() => "?").join(", ")}) ORDER BY 1`,
        id,
        ...done,
      );
      if (blockers.length > 0) {
        throw new ConflictError(
          "blocked",
          `cannot close ${id}: blocked by open issues [${blockers.join(" ")}] (use --force to override)`,
        );
      }
      if (issue.issue_type === "epic") {
        const open = c.db.column<string>(
          `SELECT d.issue_id FROM dependencies d JOIN issues c ON c.id = d.issue_id
           WHERE d.depends_on_id = ? AND d.type = 'parent-child' AND c.status != 'closed' ORDER BY 1`,
          id,
        );
        if (open.length > 0) {
          throw new ConflictError(
            "open_children",
            `cannot close epic ${id}: ${open.length} open child issue(s); close children first or use --force to override`,
          );
        }
      }
    }
    const reason = opts.reason ?? "Closed";
    const now = c.now();
    const next: Issue = {
      ...issue,
      status: "closed",
      closed_at: issue.status === "closed" ? (issue.closed_at ?? now) : now,
      close_reason: reason,
      closed_by_session: opts.session ?? issue.closed_by_session,
      updated_at: now,
    };
    c.db.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
    if (issue.status !== "closed") {
      c.event(id, "closed", actor, issue.status, "closed", reason);
      c.blocking.touchStatus(id);
    }
    c.blocking.settle();
    const unblocked = [...c.blocking.unblocked].filter((u) => u !== id);
    return { issue: c.getIssue(id)!, unblocked };
  });
}

export function reopenIssue(c: LedgerContext, id: string, reason: string | undefined, actor: string): Issue {
  return c.write(() => {
    const issue = c.mustGet(id);
    if (issue.status === "open") throw new ConflictError("already_open", `${id} is already open`);
    const out = updateRow(c, id, { status: "open", close_reason: null }, actor);
    c.event(id, "reopened", actor, issue.status, "open", reason);
    if (reason) addCommentRow(c, id, actor, reason);
    return out;
  });
}

export function planDelete(c: LedgerContext, id: string): DeletePlan {
  const issue = c.mustGet(id);
  return {
    issue,
    dependents: c.db.column<string>(
      "SELECT issue_id FROM dependencies WHERE depends_on_id = ? ORDER BY 1",
      id,
    ),
    dependencies: c.db.column<string>(
      "SELECT depends_on_id FROM dependencies WHERE issue_id = ? ORDER BY 1",
      id,
    ),
  };
}

export function deleteIssue(c: LedgerContext, id: string, actor: string): DeletePlan {
  const plan = planDelete(c, id);
  c.write(() => {
    c.blocking.touchStatus(id);
    const affected = c.db.column<string>("SELECT issue_id FROM dependencies WHERE depends_on_id = ?", id);
    const parent = c.parentOf(id);
    if (parent) c.blocking.touchEdge(id, parent, "parent-child");
    c.db.run("DELETE FROM dependencies WHERE issue_id = ? OR depends_on_id = ?", id, id);
    c.db.run("DELETE FROM labels WHERE issue_id = ?", id);
    c.db.run("DELETE FROM comments WHERE issue_id = ?", id);
    c.db.run("DELETE FROM events WHERE issue_id = ?", id);
    c.db.run("DELETE FROM child_counters WHERE parent_id = ?", id);
    c.db.run("DELETE FROM issues WHERE id = ?", id);
    for (const a of affected) {
      c.blocking.touch(a);
      c.event(a, "dependency_removed", actor, id, null, `deleted ${id}`);
    }
  });
  return plan;
}

/** bd rename: the issue moves to `newId` with everything attached; mentions in other issues follow. */
export function renameIssue(
  c: LedgerContext,
  oldId: string,
  newId: string,
  actor: string,
): { issue: Issue; updated: string[] } {
  return c.write(() => {
    const from = c.resolveId(oldId);
    const updated = renameIssueRows(c.db, c.sql, from, newId.trim(), c.now());
    c.event(newId.trim(), "updated", actor, from, newId.trim(), "renamed");
    c.blocking.recomputeAll();
    return { issue: c.mustGet(newId.trim()), updated };
  });
}

/** bd rename-prefix: every `old-…` issue becomes `next-…` and the ledger's prefix is `next`. */
export function renamePrefix(c: LedgerContext, next: string, actor: string): Array<[string, string]> {
  if (!isValidPrefix(next)) throw new ValidationError(`invalid prefix "${next}"`);
  const pairs = c.write(() => {
    const old = c.getConfig("issue_prefix") ?? "";
    const pairs = old && old !== next ? renamePrefixRows(c.db, c.sql, old, next, c.now()) : [];
    for (const [from, to] of pairs) c.event(to, "updated", actor, from, to, "renamed");
    c.putConfig("issue_prefix", next);
    if (c.configPath) c.setMeta(CONFIG_DIRTY_KEY, "1");
    c.blocking.recomputeAll();
    return pairs;
  });
  afterConfigChange(c, "issue_prefix");
  return pairs;
}
