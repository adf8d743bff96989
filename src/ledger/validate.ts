// Rules for field values that hold whatever the backend: priorities, statuses and
// types (built-in plus the ledger's custom ones), times, labels.
import { ValidationError } from "../errors.ts";
import { issueIdProblem } from "./ids.ts";
import {
  BUILTIN_STATUSES,
  BUILTIN_TYPES,
  DEFAULT_INFRA_TYPES,
  DEFAULT_PRIORITY,
  type Dependency,
  ISSUE_FIELDS,
  type Issue,
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
  /**
   * Infrastructure types whose issues the JSONL export still carries (config
   * `types.infra_exported`): hidden from lists, yet kept in the file that travels.
   */
  exportedInfraTypes: string[];
}

export const EMPTY_VOCABULARY: Vocabulary = {
  customStatuses: new Map(),
  customTypes: [],
  infraTypes: [...DEFAULT_INFRA_TYPES],
  exportedInfraTypes: [],
};

/** The types the JSONL export leaves out: the infrastructure types not marked exported. */
export function unexportedTypes(v: Vocabulary): string[] {
  return v.infraTypes.filter((t) => !v.exportedInfraTypes.includes(t));
}

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
  if (typeof title !== "string" || title.trim() === "") throw new ValidationError("title required");
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

const COMPACT_RE = /^([+-]?)(\d+)([hdwmy])$/;
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const UNIT_WORDS: Record<string, string> = {
  hour: "h",
  day: "d",
  week: "w",
  month: "m",
  year: "y",
};

/** now moved by `amount` units: h hours, d days, w weeks, m months, y years (calendar-aware). */
function shift(now: Date, amount: number, unit: string): Date {
  const d = new Date(now);
  if (unit === "h") d.setTime(d.getTime() + amount * 3_600_000);
  else if (unit === "d") d.setDate(d.getDate() + amount);
  else if (unit === "w") d.setDate(d.getDate() + 7 * amount);
  else if (unit === "m") d.setMonth(d.getMonth() + amount);
  else if (unit === "y") d.setFullYear(d.getFullYear() + amount);
  return d;
}

/**
 * The time expressions bd accepts for --due, --defer and --until, as beads reads them:
 * compact durations (`+6h`, `-1d`, `+2w`, `3m` = three months, `1y`), a few words
 * (`now`, `today`, `tomorrow`, `yesterday`, `next monday`, `next week`, `in 3 days`,
 * `2 days ago`), dates (`2026-01-15`, local midnight) and timestamps (RFC 3339, or local
 * `2026-01-15 14:00[:00]`).
 */
export function parseWhen(value: string, now: Date = new Date(), what = "time"): string {
  const v = value.trim().toLowerCase().replace(/\s+/g, " ");
  const compact = COMPACT_RE.exec(v);
  if (compact) {
    const n = Number(compact[2]) * (compact[1] === "-" ? -1 : 1);
    return shift(now, n, compact[3]!).toISOString();
  }
  const words: Record<string, () => Date> = {
    now: () => now,
    today: () => now,
    tomorrow: () => shift(now, 1, "d"),
    yesterday: () => shift(now, -1, "d"),
    "next week": () => shift(now, 1, "w"),
    "next month": () => shift(now, 1, "m"),
    "next year": () => shift(now, 1, "y"),
  };
  const word = words[v];
  if (word) return word().toISOString();
  const weekday = /^(?:next )?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)$/.exec(v);
  if (weekday) {
    const target = WEEKDAYS.indexOf(weekday[1]!);
    const ahead = (target - now.getDay() + 7) % 7 || 7;
    return shift(now, ahead, "d").toISOString();
  }
  const relative = /^(?:in )?(\d+) (hour|day|week|month|year)s?( ago)?$/.exec(v);
  if (relative && (v.startsWith("in ") || relative[3])) {
    const n = Number(relative[1]) * (relative[3] ? -1 : 1);
    return shift(now, n, UNIT_WORDS[relative[2]!]!).toISOString();
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  if (local && !/[zZ+]|-\d\d:\d\d$/.test(value.trim().slice(10))) {
    const [, y, mo, d, h = "0", mi = "0", sec = "0"] = local;
    const t = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}t/.test(v)) {
    const t = new Date(value.trim());
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  throw new ValidationError(
    `invalid ${what} format "${value}". Examples: +6h, tomorrow, next monday, 2025-01-15`,
  );
}

export function validateEstimate(value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new ValidationError(`estimate must be a non-negative number of minutes (got "${value}")`);
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

/** An issue read from JSONL, checked and normalised, with the relations it carries. */
export interface ImportedIssue {
  issue: Issue;
  labels: string[];
  dependencies: Array<Omit<Dependency, "issue_id" | "created_at"> & { created_at?: string }>;
  comments: Array<{ id?: string; author?: string; text: string; created_at?: string }>;
}

/** Types an import may bring without the ledger knowing them ("federation trust"). */
const TRUSTED_TYPE_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const NON_NEGATIVE_INTS = new Set(["estimated_minutes", "compaction_level", "original_size", "timeout"]);

function fail(what: string, value: unknown, expected: string): never {
  const shown = JSON.stringify(value) ?? String(value);
  throw new ValidationError(
    `invalid ${what} ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown} (${expected})`,
  );
}

/** An imported time: UTC RFC 3339 text is kept as written (beads writes ns), anything else normalised. */
function importedTime(value: unknown, what: string): string {
  if (typeof value !== "string") fail(what, value, "expected an RFC 3339 time");
  if (RFC3339_UTC.test(value) && !Number.isNaN(Date.parse(value))) return value;
  if (!/^\d{4}-\d\d-\d\d/.test(value.trim()) || Number.isNaN(Date.parse(value)))
    fail(what, value, "expected an RFC 3339 time");
  return new Date(value).toISOString();
}

/**
 * Checks an issue read from JSONL the way the CLI checks its input, and normalises it.
 * A value of the wrong kind or out of range (`"priority":"high"`, `"status":5`,
 * `"created_at":"yesterday"`, an ID git could not use) throws a ValidationError naming
 * the field: the line is not a bead this ledger can store, and is never stored wrong.
 * Unknown types are trusted (beads' federation rule); unknown statuses are not.
 */
export function checkImportedIssue(
  raw: Record<string, unknown>,
  vocab: Vocabulary,
  now: string,
): ImportedIssue {
  const idProblem = issueIdProblem(raw.id);
  if (idProblem) throw new ValidationError(idProblem);
  const out: Record<string, unknown> = {};
  for (const [name, kind] of ISSUE_FIELDS) {
    const v = raw[name];
    if (v === undefined || v === null) continue;
    switch (kind) {
      case "text":
        if (typeof v !== "string") fail(name, v, "expected text");
        if (v !== "") out[name] = v;
        break;
      case "int":
        if (typeof v !== "number" || !Number.isInteger(v)) fail(name, v, "expected a whole number");
        if (NON_NEGATIVE_INTS.has(name) && v < 0) fail(name, v, "expected a whole number >= 0");
        out[name] = v;
        break;
      case "bool":
        if (typeof v !== "boolean") fail(name, v, "expected true or false");
        if (v) out[name] = true;
        break;
      case "time":
        if (v !== "") out[name] = importedTime(v, name);
        break;
      case "json":
        if (name === "metadata" && (typeof v !== "object" || Array.isArray(v)))
          fail(name, v, "expected a JSON object");
        if (name === "waiters" && (!Array.isArray(v) || v.some((w) => typeof w !== "string")))
          fail(name, v, "expected a list of strings");
        if (name === "bonded_from" && (!Array.isArray(v) || v.some((b) => !b || typeof b !== "object")))
          fail(name, v, "expected a list of objects");
        out[name] = v;
        break;
    }
  }
  const issue = out as unknown as Issue;
  if (typeof raw.title !== "string") fail("title", raw.title, "expected text");
  issue.title = validateTitle(raw.title);
  if (raw.priority !== undefined && raw.priority !== null) {
    const p = raw.priority as number;
    if (p < MIN_PRIORITY || p > MAX_PRIORITY) fail("priority", p, "expected 0-4");
  } else {
    issue.priority = DEFAULT_PRIORITY;
  }
  issue.status = issue.status ? validateStatus(issue.status, vocab) : "open";
  const type = (issue.issue_type ?? "task").trim().toLowerCase();
  if (!TRUSTED_TYPE_RE.test(TYPE_ALIASES[type] ?? type))
    fail("issue_type", issue.issue_type, "expected a type name");
  issue.issue_type = validateType(type || "task", vocab, true);
  issue.created_at = issue.created_at || now;
  issue.updated_at = issue.updated_at || issue.created_at;
  if (issue.status === "closed" && !issue.closed_at) issue.closed_at = issue.updated_at;
  if (issue.status !== "closed") delete issue.closed_at;

  const labels: string[] = [];
  if (raw.labels !== undefined && raw.labels !== null) {
    if (!Array.isArray(raw.labels)) fail("labels", raw.labels, "expected a list of labels");
    for (const l of raw.labels) {
      if (typeof l !== "string") fail("label", l, "expected text");
      labels.push(validateLabel(l));
    }
  }
  const dependencies: ImportedIssue["dependencies"] = [];
  if (raw.dependencies !== undefined && raw.dependencies !== null) {
    if (!Array.isArray(raw.dependencies)) fail("dependencies", raw.dependencies, "expected a list");
    for (const d of raw.dependencies as Array<Record<string, unknown>>) {
      if (!d || typeof d !== "object") fail("dependency", d, "expected an object");
      if (typeof d.depends_on_id !== "string" || !d.depends_on_id.trim())
        fail("dependency target", d.depends_on_id, "expected an issue ID");
      const type = d.type === undefined || d.type === null || d.type === "" ? "blocks" : d.type;
      if (typeof type !== "string") fail("dependency type", type, "expected text");
      const meta = d.metadata;
      dependencies.push({
        depends_on_id: d.depends_on_id,
        type: validateDepType(type),
        created_at: d.created_at ? importedTime(d.created_at, "dependency created_at") : undefined,
        created_by: typeof d.created_by === "string" && d.created_by ? d.created_by : undefined,
        metadata:
          meta === undefined || meta === null || meta === ""
            ? undefined
            : typeof meta === "string"
              ? meta
              : JSON.stringify(meta),
        thread_id: typeof d.thread_id === "string" && d.thread_id ? d.thread_id : undefined,
      });
    }
  }
  const comments: ImportedIssue["comments"] = [];
  if (raw.comments !== undefined && raw.comments !== null) {
    if (!Array.isArray(raw.comments)) fail("comments", raw.comments, "expected a list");
    for (const c of raw.comments as Array<Record<string, unknown>>) {
      if (!c || typeof c !== "object") fail("comment", c, "expected an object");
      if (typeof c.text !== "string") fail("comment text", c.text, "expected text");
      if (!c.text) continue;
      if (c.author !== undefined && c.author !== null && typeof c.author !== "string")
        fail("comment author", c.author, "expected text");
      comments.push({
        id: c.id === undefined || c.id === null || c.id === "" ? undefined : String(c.id),
        author: (c.author as string | undefined) || undefined,
        text: c.text,
        created_at: c.created_at ? importedTime(c.created_at, "comment created_at") : undefined,
      });
    }
  }
  return { issue, labels, dependencies, comments };
}
