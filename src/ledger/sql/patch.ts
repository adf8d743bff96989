// An update's pure part, shared by the SQL stores: the issue a patch makes of the stored one,
// the events that record the change, and the label changes to apply. The stores write the
// row, the events and the labels inside their own write transaction.
import { ValidationError } from "../../errors.ts";
import type { Issue, LedgerEvent } from "../model.ts";
import type { IssuePatch } from "../store.ts";
import {
  normalizeTime,
  type Vocabulary,
  validateLabel,
  validateStatus,
  validateTitle,
  validateType,
} from "../validate.ts";

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

/** An event to record: type, old value, new value, comment. */
export interface EventRow {
  type: LedgerEvent["event_type"];
  old: string | null;
  next: string | null;
  comment?: string;
}

function fmt(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The issue `patch` makes of `before` (validated), with updated_at = now. */
export function applyPatch(before: Issue, patch: IssuePatch, vocab: Vocabulary, now: string): Issue {
  const next: Issue = { ...before };
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
  if (patch.issue_type !== undefined) next.issue_type = validateType(patch.issue_type, vocab);
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
    next.status = validateStatus(patch.status, vocab);
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
  return next;
}

/** The events recording the change from `before` to `next` (status first, then fields). */
export function patchEvents(before: Issue, next: Issue): EventRow[] {
  const out: EventRow[] = [];
  if (before.status !== next.status) {
    out.push({
      type: next.status === "closed" ? "closed" : "status_changed",
      old: before.status,
      next: next.status,
    });
  }
  for (const f of FIELD_EVENTS) {
    const a = before[f];
    const b = next[f];
    if (JSON.stringify(a) !== JSON.stringify(b))
      out.push({ type: "updated", old: fmt(a), next: fmt(b), comment: f });
  }
  if (JSON.stringify(before.metadata) !== JSON.stringify(next.metadata)) {
    out.push({ type: "updated", old: fmt(before.metadata), next: fmt(next.metadata), comment: "metadata" });
  }
  return out;
}

/** Label changes of a patch, in the order they apply: removals and additions. */
export function labelChanges(
  current: readonly string[],
  patch: IssuePatch,
): Array<{ op: "add" | "remove"; label: string }> {
  const out: Array<{ op: "add" | "remove"; label: string }> = [];
  const labels = new Set(current);
  if (patch.set_labels) {
    const want = new Set(patch.set_labels.map(validateLabel));
    for (const l of labels) if (!want.has(l)) out.push({ op: "remove", label: l });
    for (const l of want) if (!labels.has(l)) out.push({ op: "add", label: l });
  }
  for (const l of patch.add_labels ?? []) out.push({ op: "add", label: validateLabel(l) });
  for (const l of patch.remove_labels ?? []) out.push({ op: "remove", label: l });
  return out;
}
