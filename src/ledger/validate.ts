// Rules for field values that hold whatever the backend: priorities, statuses and
// types (built-in plus the ledger's custom ones), times, labels.
import { ValidationError } from "../errors.ts";
import {
  BUILTIN_STATUSES,
  BUILTIN_TYPES,
  DEFAULT_INFRA_TYPES,
  isBuiltinStatus,
  MAX_PRIORITY,
  MAX_TITLE_LENGTH,
  MIN_PRIORITY,
  STATUS_CATEGORY,
  type StatusCategory,
  TYPE_ALIASES,
} from "./model.ts";

/** What a ledger's config adds to the built-in vocabulary. */
export interface Vocabulary {
  customStatuses: Map<string, StatusCategory>;
  customTypes: string[];
  infraTypes: string[];
}

export const EMPTY_VOCABULARY: Vocabulary = {
  customStatuses: new Map(),
  customTypes: [],
  infraTypes: [...DEFAULT_INFRA_TYPES],
};

const CUSTOM_STATUS_RE = /^[a-z][a-z0-9_-]*$/;

/** Parses config `status.custom`: comma-separated `name[:category]`. */
export function parseCustomStatuses(value: string | undefined): Map<string, StatusCategory> {
  const out = new Map<string, StatusCategory>();
  if (!value) return out;
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const [name, category = "active"] = entry.split(":").map((s) => s.trim()) as [string, string?];
    if (!CUSTOM_STATUS_RE.test(name)) throw new ValidationError(`invalid custom status name "${name}"`);
    if (isBuiltinStatus(name))
      throw new ValidationError(`custom status "${name}" collides with a built-in status`);
    if (!["active", "wip", "done", "frozen"].includes(category)) {
      throw new ValidationError(
        `invalid category "${category}" for custom status "${name}" (use active, wip, done or frozen)`,
      );
    }
    out.set(name, category as StatusCategory);
  }
  if (out.size > 50) throw new ValidationError("at most 50 custom statuses are allowed");
  return out;
}

export function parseList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

export function statusCategory(status: string, vocab: Vocabulary): StatusCategory | undefined {
  if (isBuiltinStatus(status)) return STATUS_CATEGORY[status];
  return vocab.customStatuses.get(status);
}

export function validateStatus(status: string, vocab: Vocabulary): string {
  const s = status.trim().toLowerCase();
  if (isBuiltinStatus(s) || vocab.customStatuses.has(s)) return s;
  const custom = [...vocab.customStatuses.keys()];
  throw new ValidationError(
    `invalid status "${status}" (built-in: ${BUILTIN_STATUSES.join(", ")}${custom.length > 0 ? `; custom: ${custom.join(", ")}` : ""}; or configure custom statuses via 'bd config set status.custom')`,
  );
}

/**
 * Statuses whose holders do not block dependents. As in beads, only closed and pinned:
 * a custom status, whatever its category, still blocks until the issue is closed.
 */
export function nonBlockingStatuses(_vocab: Vocabulary): string[] {
  return ["closed", "pinned"];
}

/** Statuses a plain `bd list` leaves out: closed, pinned, and custom done/frozen ones. */
export function hiddenListStatuses(vocab: Vocabulary): string[] {
  const out = ["closed", "pinned"];
  for (const [name, cat] of vocab.customStatuses) if (cat === "done" || cat === "frozen") out.push(name);
  return out;
}

/** Resolves aliases and checks the type is built in or configured. */
export function validateType(type: string, vocab: Vocabulary, trustUnknown = false): string {
  const t = type.trim().toLowerCase();
  const resolved = TYPE_ALIASES[t] ?? t;
  if ((BUILTIN_TYPES as readonly string[]).includes(resolved) || vocab.customTypes.includes(resolved))
    return resolved;
  if (trustUnknown && resolved) return resolved;
  throw new ValidationError(
    `invalid issue type "${type}" (valid: ${[...BUILTIN_TYPES.filter((x) => x !== "event"), ...vocab.customTypes].join(", ")})`,
  );
}

/** Accepts 0-4, "P0"-"P4" (any case). */
export function parsePriority(value: string | number): number {
  const text = String(value).trim();
  const m = /^[pP]?([0-9]+)$/.exec(text);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isInteger(n) || n < MIN_PRIORITY || n > MAX_PRIORITY) {
    throw new ValidationError(
      `invalid priority "${value}" (expected 0-4 or P0-P4, not words like high/medium/low)`,
    );
  }
  return n;
}

export function validateTitle(title: string): string {
  if (typeof title !== "string" || title.trim() === "") throw new ValidationError("title is required");
  if (title.length > MAX_TITLE_LENGTH) {
    throw new ValidationError(`title must be ${MAX_TITLE_LENGTH} characters or less (got ${title.length})`);
  }
  return title;
}

export function validateLabel(label: string): string {
  const l = label.trim();
  if (!l) throw new ValidationError("label must not be empty");
  if (l.length > 255)
    throw new ValidationError(`label "${l.slice(0, 20)}..." is too long (maximum 255 characters)`);
  return l;
}

export function validateDepType(type: string): string {
  const t = type.trim();
  if (t.length < 1 || t.length > 50)
    throw new ValidationError(`invalid dependency type "${type}" (1-50 characters)`);
  return t;
}

/** Normalises a stored time to ISO-8601 UTC so times compare as text. */
export function normalizeTime(value: string, what = "time"): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ValidationError(`invalid ${what} "${value}"`);
  return d.toISOString();
}

const DURATION_RE = /^([+-]?\d+(?:\.\d+)?)\s*(m|min|h|d|w|mo|y)$/i;

/**
 * Parses the time expressions bd accepts for --due/--defer: ISO dates and times,
 * relative durations (`+2d`, `3h`, `1w`), and `today`, `tomorrow`, `now`.
 */
export function parseWhen(value: string, now: Date = new Date(), what = "time"): string {
  const v = value.trim().toLowerCase();
  if (v === "now") return now.toISOString();
  if (v === "today" || v === "tomorrow") {
    const d = new Date(now);
    d.setHours(v === "today" ? 23 : 9, v === "today" ? 59 : 0, 0, 0);
    if (v === "tomorrow") d.setDate(d.getDate() + 1);
    return d.toISOString();
  }
  const m = DURATION_RE.exec(v);
  if (m) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    const minutes = { m: 1, min: 1, h: 60, d: 1440, w: 10080, mo: 43200, y: 525600 }[unit] ?? 1;
    return new Date(now.getTime() + n * minutes * 60_000).toISOString();
  }
  return normalizeTime(value, what);
}

export function validateEstimate(value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new ValidationError(`invalid estimate "${value}" (minutes, >= 0)`);
  return value;
}

/** Sections each type's description should carry (bd lint, bd create --validate). */
const REQUIRED_SECTIONS: Record<string, string[]> = {
  bug: ["## Steps to Reproduce", "## Acceptance Criteria"],
  task: ["## Acceptance Criteria"],
  feature: ["## Acceptance Criteria"],
  story: ["## Acceptance Criteria"],
  epic: ["## Success Criteria"],
  decision: ["## Decision", "## Rationale", "## Alternatives Considered"],
  spike: ["## Goal", "## Findings"],
};

/** Sections an issue lacks; a filled acceptance_criteria field counts as the criteria section. */
export function missingSections(i: {
  issue_type: string;
  description?: string;
  acceptance_criteria?: string;
}): string[] {
  const text = `${i.description ?? ""}\n${i.acceptance_criteria ?? ""}`.toLowerCase();
  return (REQUIRED_SECTIONS[i.issue_type] ?? []).filter((section) => {
    if (/criteria/i.test(section) && i.acceptance_criteria?.trim()) return false;
    return !text.includes(section.toLowerCase());
  });
}
