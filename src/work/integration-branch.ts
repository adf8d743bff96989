// Integration branches (gt mq integration): an epic's children merge to a branch of their own,
// which lands on the rig's default branch as one batch. What the epic records (the branch and
// the branch it came from, as `key: value` lines of its description, as Gas Town keeps them),
// how a name is made from the rig's template, and which integration branch a bead's work
// targets (the nearest ancestor epic that has one). Pure ledger reads: gt done uses it.
import { ValidationError } from "../errors.ts";
import type { Ledger } from "../ledger/store.ts";
import { loadRigSettings } from "../town/settings.ts";

export const DEFAULT_INTEGRATION_TEMPLATE = "integration/{title}";
export const INTEGRATION_FIELD = "integration_branch";
export const BASE_BRANCH_FIELD = "base_branch";
const MAX_BRANCH_NAME = 200;

/** A `key: value` line of a description (key case-insensitive), or undefined. */
export function descriptionField(description: string | undefined, key: string): string | undefined {
  const want = `${key.toLowerCase()}:`;
  for (const line of (description ?? "").split("\n")) {
    const t = line.trim();
    if (t.toLowerCase().startsWith(want)) return t.slice(want.length).trim() || undefined;
  }
  return undefined;
}

/** The description with `key: value` replacing the key's line, or first when it had none. */
export function withDescriptionField(description: string | undefined, key: string, value: string): string {
  const line = `${key}: ${value}`;
  if (!description) return line;
  const want = `${key.toLowerCase()}:`;
  const lines = description.split("\n");
  const at = lines.findIndex((l) => l.trim().toLowerCase().startsWith(want));
  if (at >= 0) lines[at] = line;
  else lines.unshift(line);
  return lines.join("\n");
}

/** A title as a branch segment: lower case, runs of anything else as one hyphen, ≤ 60 chars. */
export function sanitizeBranchSegment(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  return s.length > 60 ? s.slice(0, 60).replace(/-+$/, "") : s;
}

/** Expands {epic}, {title}, {prefix} and {user} in a branch template. */
export function buildIntegrationBranchName(
  template: string,
  epic: { id: string; title: string },
  user?: string,
): string {
  const title = sanitizeBranchSegment(epic.title) || epic.id;
  const dash = epic.id.indexOf("-");
  const prefix = dash > 0 ? epic.id.slice(0, dash) : epic.id;
  let name = (template || DEFAULT_INTEGRATION_TEMPLATE)
    .replaceAll("{epic}", epic.id)
    .replaceAll("{title}", title)
    .replaceAll("{prefix}", prefix);
  if (user) name = name.replaceAll("{user}", user);
  return name;
}

/** Refuses a name git would refuse (or one too long for a hosted remote). */
export function validateBranchName(name: string): void {
  const bad = (why: string) => new ValidationError(`invalid branch name "${name}": ${why}`);
  if (!name) throw new ValidationError("branch name cannot be empty");
  if (name.length > MAX_BRANCH_NAME) throw bad(`too long (${name.length} chars, max ${MAX_BRANCH_NAME})`);
  if (/[~^:\s\\?*[]|\.\.|@\{|[\x00-\x1f\x7f]/.test(name))
    throw bad("contains ~ ^ : \\ ? * [ a space, .., @{ or a control character");
  if (name.endsWith(".lock")) throw bad("cannot end with .lock");
  if (name.startsWith("/") || name.endsWith("/")) throw bad("cannot start or end with /");
  if (name.startsWith(".") || name.endsWith(".") || name.includes("/."))
    throw bad("a part cannot start or end with .");
  if (name.includes("//")) throw bad("cannot contain //");
}

/** The rig's integration settings (merge_queue.integration_branch_* in settings/config.json). */
export function integrationSettings(rigDir: string): {
  template: string;
  refinery_enabled: boolean;
  auto_land: boolean;
} {
  const mq = ((loadRigSettings(rigDir) as { merge_queue?: Record<string, unknown> }).merge_queue ??
    {}) as Record<string, unknown>;
  const template = mq.integration_branch_template;
  return {
    template:
      typeof template === "string" && template.trim() ? template.trim() : DEFAULT_INTEGRATION_TEMPLATE,
    refinery_enabled: mq.integration_branch_refinery_enabled !== false,
    auto_land: mq.integration_branch_auto_land === true,
  };
}

/** The integration branch an epic recorded (description line, else metadata), if any. */
export function recordedIntegrationBranch(epic: {
  description?: string;
  metadata?: unknown;
}): string | undefined {
  const meta = (epic.metadata as Record<string, unknown> | undefined) ?? {};
  const fromMeta =
    typeof meta[INTEGRATION_FIELD] === "string" ? (meta[INTEGRATION_FIELD] as string) : undefined;
  return descriptionField(epic.description, INTEGRATION_FIELD) ?? fromMeta;
}

/** The bead's parent (its parent-child edge), if any. */
async function parentOf(ledger: Ledger, id: string): Promise<string | undefined> {
  const edges = await ledger.dependencyRecords(id);
  return edges.find((d) => d.type === "parent-child" && d.issue_id === id)?.depends_on_id;
}

/**
 * The integration branch the work on `issueId` merges into: that of the nearest epic up its
 * parent chain (the bead itself included) that recorded one. Undefined when none did.
 */
export async function integrationTargetOf(
  ledger: Ledger,
  issueId: string,
): Promise<{ epic: string; branch: string } | undefined> {
  let id: string | undefined = issueId;
  const seen = new Set<string>();
  for (let depth = 0; id && depth < 10 && !seen.has(id); depth++) {
    seen.add(id);
    const issue = await ledger.getIssue(id);
    if (!issue) return undefined;
    if (issue.issue_type === "epic") {
      const branch = recordedIntegrationBranch(issue);
      if (branch) return { epic: issue.id, branch };
    }
    id = await parentOf(ledger, id);
  }
  return undefined;
}
