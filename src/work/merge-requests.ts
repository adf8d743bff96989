// Merge requests: one bead per branch handed to a rig's refinery by `gt done`. They live in
// the rig ledger as type `merge-request` with the label gt:merge-request; the fields are
// kept twice: as `key: value` lines in the description (what agents and people read) and
// in metadata (what code reads). Not wisps: the queue must survive and be listable.
import { NotFoundError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";

export const MR_TYPE = "merge-request";
export const MR_LABEL = "gt:merge-request";
/** Close reason of a request replaced by a newer one for the same issue (`superseded_by` says which). */
export const SUPERSEDED = "superseded";

export interface MergeRequestFields {
  branch: string;
  target: string;
  source_issue: string;
  rig: string;
  commit_sha: string;
  worker: string;
  agent_bead?: string;
  convoy?: string;
  retry_count: number;
}

export interface MergeRequest extends MergeRequestFields {
  id: string;
  status: string;
  priority: number;
  created_at: string;
  /**
   * gt done --pre-verified: the target's commit the agent ran the gates on, its work rebased
   * onto it (the refinery may skip the gates while the target has not moved).
   */
  pre_verified_base?: string;
}

const FIELD_ORDER: Array<keyof MergeRequestFields> = [
  "branch",
  "target",
  "source_issue",
  "rig",
  "commit_sha",
  "worker",
  "agent_bead",
  "convoy",
  "retry_count",
];

function describe(f: MergeRequestFields): string {
  return FIELD_ORDER.filter((k) => f[k] !== undefined && f[k] !== "")
    .map((k) => `${k}: ${f[k]}`)
    .join("\n");
}

/** The typed fields of a merge-request bead (metadata first, description lines as fallback). */
export function readMergeRequest(issue: Issue): MergeRequest {
  const meta = (issue.metadata as Record<string, unknown> | undefined) ?? {};
  const lines = new Map<string, string>();
  for (const line of (issue.description ?? "").split("\n")) {
    const m = /^([a-z_]+):\s*(.*)$/.exec(line.trim());
    if (m) lines.set(m[1]!, m[2]!);
  }
  const get = (k: string): string | undefined => {
    const v = meta[k] ?? lines.get(k);
    return v === undefined || v === null || v === "" ? undefined : String(v);
  };
  return {
    id: issue.id,
    status: issue.status,
    priority: issue.priority,
    created_at: issue.created_at,
    branch: get("branch") ?? "",
    target: get("target") ?? "",
    source_issue: get("source_issue") ?? "",
    rig: get("rig") ?? "",
    commit_sha: get("commit_sha") ?? "",
    worker: get("worker") ?? "",
    agent_bead: get("agent_bead"),
    convoy: get("convoy"),
    retry_count: Number(get("retry_count") ?? 0) || 0,
    ...(get("pre_verified") === "true" && get("pre_verified_base")
      ? { pre_verified_base: get("pre_verified_base") }
      : {}),
  };
}

export function isMergeRequest(issue: Issue): boolean {
  return issue.issue_type === MR_TYPE;
}

export interface ListMergeRequestsOptions {
  /** Closed ones too. */
  all?: boolean;
  /** Only these bead statuses (e.g. "open", or ["open", "in_progress"]); overrides `all`. */
  status?: string | string[];
  /** Only requests for this source issue. */
  sourceIssue?: string;
}

/** Merge requests of a rig ledger, oldest first; not closed ones unless `all` or `status` says. */
export async function listMergeRequests(
  ledger: Ledger,
  opts: ListMergeRequestsOptions = {},
): Promise<MergeRequest[]> {
  const statuses = opts.status === undefined ? [] : [opts.status].flat();
  const issues = await ledger.listIssues({
    types: [MR_TYPE],
    includeInfra: true,
    sort: "oldest",
    ...(statuses.length > 0 ? { statuses } : opts.all ? { all: true } : {}),
  });
  const mrs = issues.map(readMergeRequest);
  return opts.sourceIssue ? mrs.filter((m) => m.source_issue === opts.sourceIssue) : mrs;
}

/**
 * Files a merge request. Idempotent on branch + commit: filing the same work again returns
 * the existing bead. Older open requests for the same source issue are closed as superseded.
 */
export async function createMergeRequest(
  ledger: Ledger,
  fields: MergeRequestFields,
  priority: number,
  actor: string,
): Promise<{ mr: MergeRequest; created: boolean; superseded: string[] }> {
  const open = await listMergeRequests(ledger, { sourceIssue: fields.source_issue });
  const same = open.find((m) => m.branch === fields.branch && m.commit_sha === fields.commit_sha);
  if (same) return { mr: same, created: false, superseded: [] };
  const metadata: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) if (fields[k] !== undefined) metadata[k] = fields[k];
  const issue = await ledger.createIssue(
    {
      title: `Merge: ${fields.source_issue}`,
      issue_type: MR_TYPE,
      priority,
      labels: [MR_LABEL],
      description: describe(fields),
      metadata,
      assignee: undefined,
    },
    actor,
  );
  const superseded: string[] = [];
  for (const old of open) {
    await ledger.updateIssue(old.id, { set_metadata: { superseded_by: issue.id } }, actor);
    await ledger.closeIssue(old.id, { reason: SUPERSEDED, force: true }, actor);
    superseded.push(old.id);
  }
  return { mr: readMergeRequest(issue), created: true, superseded };
}

/** The merge request `id` (partial IDs allowed) of this ledger; one clear error otherwise. */
export async function getMergeRequest(ledger: Ledger, id: string): Promise<MergeRequest> {
  const issue = await ledger.getIssue(await ledger.resolveId(id).catch(() => id));
  if (issue?.issue_type !== MR_TYPE) throw new NotFoundError(id, `no merge request ${id} here`);
  return readMergeRequest(issue);
}
