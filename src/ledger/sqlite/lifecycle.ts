// Changing issues after they exist: update (fields, status, labels, parent), claim, close,
// reopen, delete, rename and rename-prefix. Every change is recorded in the event history.
import { ConflictError, ValidationError } from "../../errors.ts";
import { isValidPrefix } from "../ids.ts";
import type { Issue } from "../model.ts";
import { applyPatch, labelChanges, patchEvents } from "../sql/patch.ts";
import { CLOSE_BLOCKERS_SQL, DONE_STATUSES, OPEN_CHILDREN_SQL } from "../sql/reads.ts";
import { REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { CloseOptions, CloseResult, DeletePlan, IssuePatch } from "../store.ts";
import { afterConfigChange, CONFIG_DIRTY_KEY } from "./config.ts";
import type { LedgerContext } from "./context.ts";
import { reparent } from "./dependencies.ts";
import { addCommentRow, addLabelRow, removeLabelRow } from "./labels.ts";
import { renameIssueRows, renamePrefixRows } from "./rename.ts";

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

/** Applies a patch inside the caller's write (../sql/patch.ts works out what changes). */
function updateRow(c: LedgerContext, id: string, patch: IssuePatch, actor: string): Issue {
  const before = c.mustGet(id);
  const now = c.now();
  const next = applyPatch(before, patch, c.vocab, now);
  c.db.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
  if (before.status !== next.status) c.blocking.touchStatus(id);
  for (const e of patchEvents(before, next)) c.event(id, e.type, actor, e.old, e.next, e.comment);
  for (const l of labelChanges(before.labels ?? [], patch)) {
    if (l.op === "add") addLabelRow(c, id, l.label, actor);
    else removeLabelRow(c, id, l.label, actor);
  }
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
      const blockers = c.db.column<string>(CLOSE_BLOCKERS_SQL, id, ...DONE_STATUSES);
      if (blockers.length > 0) {
        throw new ConflictError(
          "blocked",
          `cannot close ${id}: blocked by open issues [${blockers.join(" ")}] (use --force to override)`,
        );
      }
      if (issue.issue_type === "epic") {
        const open = c.db.column<string>(OPEN_CHILDREN_SQL, id);
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
