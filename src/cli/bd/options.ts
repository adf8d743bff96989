// Flag parsing helpers shared by bd commands: comma lists, priorities, times, filters.
import { readFileSync } from "node:fs";
import { ValidationError } from "../../errors.ts";
import type { IssueFilter, SortPolicy } from "../../ledger/store.ts";
import { parsePriority, parseWhen } from "../../ledger/validate.ts";
import { decodeUtf8Strict } from "../../terminal-text.ts";

/** Collects a repeatable flag (`-l a -l b,c`) into one list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function intArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new ValidationError(`invalid ${name} "${value}" (expected a whole number >= 0)`);
    return n;
  };
}

/** `-e/--estimate`: whole minutes, in the words beads uses when it is not. */
export function estimateArg(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isInteger(n) || n < 0)
    throw new ValidationError(`estimate must be a non-negative number of minutes (got "${value}")`);
  return n;
}

/**
 * Reads text from a file path or stdin (`-`). Bytes that are not UTF-8 are refused with
 * one line naming the input, never turned into U+FFFD and stored.
 */
export function readTextArg(path: string): string {
  if (path === "-") return decodeUtf8Strict(readFileSync(0), "stdin");
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ValidationError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return decodeUtf8Strict(bytes, path);
}

export function parseMetadata(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ValidationError(`metadata must be valid JSON: ${text.slice(0, 60)}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new ValidationError("metadata must be a JSON object");
  return v as Record<string, unknown>;
}

const SORTS: SortPolicy[] = [
  "priority",
  "hybrid",
  "oldest",
  "created",
  "updated",
  "closed",
  "id",
  "title",
  "status",
  "type",
  "assignee",
];

export function parseSort(value: string | undefined): SortPolicy | undefined {
  if (value === undefined) return undefined;
  if (!SORTS.includes(value as SortPolicy)) {
    throw new ValidationError(`invalid sort "${value}" (valid: ${SORTS.join(", ")})`);
  }
  return value as SortPolicy;
}

/** Options shared by list, count, search, ready and blocked. */
export interface FilterFlags {
  status?: string[];
  all?: boolean;
  type?: string[];
  excludeType?: string[];
  label?: string[];
  labelAny?: string[];
  excludeLabel?: string[];
  labelPattern?: string;
  noLabels?: boolean;
  assignee?: string;
  unassigned?: boolean;
  noAssignee?: boolean;
  owner?: string;
  priority?: string[];
  priorityMin?: string;
  priorityMax?: string;
  parent?: string;
  id?: string[];
  title?: string;
  titleContains?: string;
  descContains?: string;
  notesContains?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  closedAfter?: string;
  closedBefore?: string;
  includeTemplates?: boolean;
  includeInfra?: boolean;
  includeEphemeral?: boolean;
  pinned?: boolean;
  metadataField?: string[];
  hasMetadataKey?: string;
  overdue?: boolean;
  deferred?: boolean;
  limit?: number;
  sort?: string;
  reverse?: boolean;
}

export function toFilter(f: FilterFlags, normalizeType: (t: string) => string): IssueFilter {
  const statuses = f.status?.flatMap((s) => (s === "all" ? [] : [s]));
  const all = f.all || f.status?.includes("all");
  const metadataField: Record<string, string> = {};
  for (const kv of f.metadataField ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new ValidationError(`invalid --metadata-field "${kv}" (expected key=value)`);
    metadataField[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const time = (v: string | undefined, what: string) => (v ? parseWhen(v, new Date(), what) : undefined);
  return {
    statuses: statuses && statuses.length > 0 ? statuses : undefined,
    all,
    types: f.type?.map(normalizeType),
    excludeTypes: f.excludeType?.map(normalizeType),
    labels: f.label,
    labelsAny: f.labelAny,
    excludeLabels: f.excludeLabel,
    labelPattern: f.labelPattern,
    noLabels: f.noLabels,
    assignee: f.assignee,
    unassigned: f.unassigned || f.noAssignee,
    owner: f.owner,
    priorities: f.priority?.map(parsePriority),
    priorityMin: f.priorityMin !== undefined ? parsePriority(f.priorityMin) : undefined,
    priorityMax: f.priorityMax !== undefined ? parsePriority(f.priorityMax) : undefined,
    parent: f.parent,
    ids: f.id,
    titleContains: f.title ?? f.titleContains,
    descContains: f.descContains,
    notesContains: f.notesContains,
    createdAfter: time(f.createdAfter, "--created-after"),
    createdBefore: time(f.createdBefore, "--created-before"),
    updatedAfter: time(f.updatedAfter, "--updated-after"),
    updatedBefore: time(f.updatedBefore, "--updated-before"),
    closedAfter: time(f.closedAfter, "--closed-after"),
    closedBefore: time(f.closedBefore, "--closed-before"),
    includeTemplates: f.includeTemplates,
    includeInfra: f.includeInfra,
    ephemeral: f.includeEphemeral ? true : undefined,
    pinned: f.pinned,
    metadataField: Object.keys(metadataField).length > 0 ? metadataField : undefined,
    hasMetadataKey: f.hasMetadataKey,
    overdue: f.overdue,
    deferred: f.deferred,
    limit: f.limit,
    sort: parseSort(f.sort),
    reverse: f.reverse,
  };
}
