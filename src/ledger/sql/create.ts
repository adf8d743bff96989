// A new issue's pure part, shared by the SQL stores: the input checked, the issue built
// from it, an explicit ID checked against the prefix, and the ID candidates of a hash ID.
import { ValidationError } from "../../errors.ts";
import { hashFor, type IdLengthConfig, issueIdProblem } from "../ids.ts";
import { DEFAULT_PRIORITY, type Issue } from "../model.ts";
import type { CreateIssueInput } from "../store.ts";
import {
  normalizeTime,
  type Vocabulary,
  validateDepType,
  validateLabel,
  validateStatus,
  validateTitle,
  validateType,
} from "../validate.ts";

export interface CheckedInput {
  type: string;
  status: string;
  priority: number;
  labels: string[];
}

/** Everything about a create that can be checked before the transaction. */
export function checkCreateInput(input: CreateIssueInput, vocab: Vocabulary): CheckedInput {
  validateTitle(input.title);
  const type = validateType(input.issue_type ?? "task", vocab);
  const status = validateStatus(input.status ?? "open", vocab);
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < 0 || priority > 4) {
    throw new ValidationError(`invalid priority "${priority}" (expected 0-4 or P0-P4)`);
  }
  if (input.ephemeral && input.no_history)
    throw new ValidationError("--ephemeral and --no-history cannot be combined");
  const labels = (input.labels ?? []).map(validateLabel);
  for (const d of [...(input.deps ?? []), ...(input.dependents ?? [])]) validateDepType(d.type);
  return { type, status, priority, labels };
}

/** The issue row a create writes. */
export function buildIssue(
  input: CreateIssueInput,
  id: string,
  v: CheckedInput,
  now: string,
  actor: string,
): Issue {
  return {
    id,
    title: input.title,
    description: input.description,
    design: input.design,
    acceptance_criteria: input.acceptance_criteria,
    notes: input.notes,
    spec_id: input.spec_id,
    status: v.status,
    priority: v.priority,
    issue_type: v.type,
    assignee: input.assignee,
    owner: input.owner,
    estimated_minutes: input.estimated_minutes,
    created_at: now,
    created_by: actor,
    updated_at: now,
    started_at: v.status === "in_progress" ? now : undefined,
    closed_at: v.status === "closed" ? now : undefined,
    due_at: input.due_at ? normalizeTime(input.due_at, "due date") : undefined,
    defer_until: input.defer_until ? normalizeTime(input.defer_until, "defer time") : undefined,
    external_ref: input.external_ref,
    source_system: input.source_system,
    metadata: input.metadata,
    sender: input.sender,
    ephemeral: input.ephemeral,
    no_history: input.no_history,
    wisp_type: input.wisp_type,
    pinned: input.pinned,
    is_template: input.is_template,
    mol_type: input.mol_type,
    work_type: input.work_type,
    event_kind: input.event_kind,
    actor: input.actor,
    target: input.target,
    payload: input.payload,
    await_type: input.await_type,
    await_id: input.await_id,
    timeout: input.timeout,
    waiters: input.waiters,
    source_formula: input.source_formula,
    source_location: input.source_location,
  };
}

/** Why an explicit ID may not be used with this prefix (unless forced); undefined when it may. */
export function explicitIdProblem(
  id: string,
  prefix: string,
  allowedPrefixes: string[],
  force: boolean | undefined,
): string | undefined {
  const problem = issueIdProblem(id);
  if (problem) return problem;
  const allowed = [prefix, ...allowedPrefixes];
  const head = id.slice(0, id.indexOf("-"));
  if (!force && !allowed.some((a) => id.startsWith(`${a}-`) || head === a)) {
    return `issue ID "${id}" does not match the configured prefix "${prefix}" (use --force to override)`;
  }
  if (
    !force &&
    id.slice(prefix.length + 1).includes("-") &&
    !allowed.some((a) => a.includes("-") && id.startsWith(`${a}-`))
  ) {
    return `issue ID "${id}" has more than one hyphen (use --force to override)`;
  }
  return undefined;
}

/** The hash IDs generateId would try, in its order (for stores that look them up in one query). */
export function idCandidates(
  prefix: string,
  seed: string,
  baseLength: number,
  cfg: IdLengthConfig,
): string[] {
  const out: string[] = [];
  for (let len = baseLength; len <= cfg.maxLength; len++)
    for (let nonce = 0; nonce < 10; nonce++) out.push(`${prefix}-${hashFor(seed, nonce, len)}`);
  return out;
}
