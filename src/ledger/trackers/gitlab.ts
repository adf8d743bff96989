// GitLab as a tracker: its REST API v4 (a project's issues, or a group's, X-Next-Page pages,
// issue links as dependencies) and beads' mapping (scoped labels; opened/reopened/closed
// states, closing through state_event; weight as hours of estimate). external_ref is the
// issue's web_url. beads' extras for epics (milestones) and tasks (GraphQL work items) are
// not here: an epic goes up as an issue labelled type::epic.
import type { Issue } from "../model.ts";
import type { BeadsFields, IssueTracker, PendingDependency, TrackerIssue } from "./engine.ts";
import {
  labelsForTracker,
  priorityFromLabels,
  sameLabels,
  statusFrom,
  typeFromLabels,
  unscopedLabels,
} from "./scoped-labels.ts";
import { asArray, isoSeconds, type JsonTransport, orNotFound, PER_PAGE, RestApi } from "./transport.ts";

export interface GitLabConfig {
  url: string;
  token: string;
  projectId: string;
  groupId?: string;
}

export interface GitLabFilter {
  labels?: string;
  milestone?: string;
  assignee?: string;
  projectId?: number;
}

export interface GitLabIssue {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string | null;
  state: string;
  web_url: string;
  created_at?: string;
  updated_at?: string;
  labels?: string[];
  assignee?: { username: string; id: number } | null;
  weight?: number | null;
  links?: GitLabIssueLink[];
}

export interface GitLabIssueLink {
  source_issue?: { iid: number } | null;
  target_issue?: { iid: number } | null;
  link_type: string;
  /** The list endpoint answers with the other issue plus link_type. */
  iid?: number;
}

export interface GitLabProject {
  id: number;
  name: string;
  path_with_namespace: string;
  web_url: string;
}

const STATUS = {
  labels: {
    open: "open",
    in_progress: "in_progress",
    blocked: "blocked",
    deferred: "deferred",
    done: "closed",
  },
  states: { opened: "open", closed: "closed", reopened: "open" },
};

const SHORTHAND = /^gitlab:([1-9]\d*)$/;
const ISSUE_PATH = /\/(?:issues|work_items)\/(\d+)/;

export class GitLabApi extends RestApi {
  private readonly cfg: GitLabConfig;
  constructor(cfg: GitLabConfig, http: JsonTransport) {
    super(`${cfg.url.replace(/\/+$/, "")}/api/v4`, http);
    this.cfg = cfg;
  }

  protected headers(): Record<string, string> {
    return { "PRIVATE-TOKEN": this.cfg.token };
  }

  private project(): string {
    return `/projects/${encodeURIComponent(this.cfg.projectId)}`;
  }

  /** Every page of a listing: an X-Next-Page header says more. */
  private listing<T>(path: string, params: Record<string, string>, what: string): Promise<T[]> {
    return this.pages<T>(
      path,
      what,
      (page) => String(new URLSearchParams({ ...params, per_page: String(PER_PAGE), page: String(page) })),
      (res) => !!res.headers["x-next-page"],
    );
  }

  async listIssues(state: string, since: string | undefined, filter: GitLabFilter): Promise<GitLabIssue[]> {
    const params: Record<string, string> = {};
    if (state !== "all") params.state = state;
    if (since) params.updated_after = isoSeconds(since);
    if (filter.labels) params.labels = filter.labels;
    if (filter.milestone) params.milestone = filter.milestone;
    if (filter.assignee) params.assignee_username = filter.assignee;
    const path = this.cfg.groupId
      ? `/groups/${encodeURIComponent(this.cfg.groupId)}/issues`
      : `${this.project()}/issues`;
    const all = await this.listing<GitLabIssue>(path, params, "issues");
    return filter.projectId ? all.filter((i) => i.project_id === filter.projectId) : all;
  }

  getIssue(iid: string): Promise<GitLabIssue> {
    return this.call<GitLabIssue>("GET", `${this.project()}/issues/${iid}`);
  }

  async issueLinks(iid: number): Promise<GitLabIssueLink[]> {
    return asArray<GitLabIssueLink>(
      await this.call("GET", `${this.project()}/issues/${iid}/links`),
      "issue links",
    );
  }

  createIssue(body: Record<string, unknown>): Promise<GitLabIssue> {
    return this.call<GitLabIssue>("POST", `${this.project()}/issues`, body);
  }

  updateIssue(iid: string, body: Record<string, unknown>): Promise<GitLabIssue> {
    return this.call<GitLabIssue>("PUT", `${this.project()}/issues/${iid}`, body);
  }

  listProjects(): Promise<GitLabProject[]> {
    return this.listing<GitLabProject>("/projects", { membership: "true" }, "projects");
  }
}

function toTracker(gl: GitLabIssue): TrackerIssue {
  return {
    id: String(gl.id),
    identifier: String(gl.iid),
    url: gl.web_url ?? "",
    title: gl.title,
    updated_at: gl.updated_at,
    raw: gl,
  };
}

/** The fields a bead is pushed with; state_event closes or reopens as the bead's status says. */
export function gitlabFields(issue: Issue, remoteState?: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    title: issue.title,
    description: issue.description ?? "",
    labels: labelsForTracker(issue).join(","),
  };
  if (issue.estimated_minutes && issue.estimated_minutes > 0)
    fields.weight = Math.floor(issue.estimated_minutes / 60);
  if (issue.status === "closed") fields.state_event = "close";
  else if (remoteState === "closed") fields.state_event = "reopen";
  return fields;
}

/**
 * Links as edges, in beads' direction (the dependent depends on what blocks it): "A blocks B"
 * is B blocked by A. A link between two pulled issues shows on both; the engine skips repeats.
 */
function dependencies(gl: GitLabIssue): PendingDependency[] {
  const self = String(gl.iid);
  return (gl.links ?? []).flatMap((link) => {
    const other =
      link.source_issue?.iid === gl.iid
        ? link.target_issue?.iid
        : link.target_issue?.iid === gl.iid
          ? link.source_issue?.iid
          : link.iid;
    if (other === undefined) return [];
    const them = String(other);
    if (link.link_type === "blocks") return [{ from: them, to: self, type: "blocks" }];
    if (link.link_type === "is_blocked_by") return [{ from: self, to: them, type: "blocks" }];
    return self < them ? [{ from: self, to: them, type: "related" }] : [];
  });
}

export function gitlabTracker(api: GitLabApi, filter: GitLabFilter = {}): IssueTracker {
  return {
    name: "gitlab",
    displayName: "GitLab",
    async fetchIssues({ state, since }) {
      const issues = await api.listIssues(state === "open" ? "opened" : state, since, filter);
      for (const issue of issues) issue.links = await api.issueLinks(issue.iid).catch(() => []);
      return issues.map(toTracker);
    },
    async fetchIssue(identifier) {
      if (!/^\d+$/.test(identifier)) throw new Error(`invalid GitLab IID "${identifier}"`);
      const found = await orNotFound(api.getIssue(identifier));
      return found && toTracker(found);
    },
    async createIssue(issue) {
      const f = gitlabFields(issue);
      const created = await api.createIssue({ title: f.title, description: f.description, labels: f.labels });
      if (f.state_event === "close")
        return toTracker(await api.updateIssue(String(created.iid), { state_event: "close" }));
      return toTracker(created);
    },
    async updateIssue(identifier, issue) {
      const remote = await api.getIssue(identifier).catch(() => undefined);
      return toTracker(await api.updateIssue(identifier, gitlabFields(issue, remote?.state)));
    },
    toBeads(ti) {
      const gl = ti.raw as GitLabIssue;
      const labels = gl.labels ?? [];
      const fields: BeadsFields = {
        title: gl.title,
        description: gl.description ?? "",
        status: statusFrom(labels, gl.state, STATUS),
        priority: priorityFromLabels(labels),
        issue_type: typeFromLabels(labels),
        labels: unscopedLabels(labels),
        source_system: `gitlab:${gl.project_id}:${gl.iid}`,
        ...(gl.assignee?.username ? { assignee: gl.assignee.username } : {}),
        ...(gl.weight && gl.weight > 0 ? { estimated_minutes: gl.weight * 60 } : {}),
      };
      return { fields, dependencies: dependencies(gl) };
    },
    contentEqual(local, remote) {
      const gl = remote.raw as GitLabIssue;
      const f = gitlabFields(local);
      const closed = local.status === "closed";
      return (
        gl.title === f.title &&
        (gl.description ?? "") === f.description &&
        (gl.state === "closed") === closed &&
        sameLabels(gl.labels ?? [], String(f.labels).split(","))
      );
    },
    isExternalRef: (ref) => SHORTHAND.test(ref) || (ref.includes("gitlab") && ISSUE_PATH.test(ref)),
    extractIdentifier: (ref) => SHORTHAND.exec(ref)?.[1] ?? ISSUE_PATH.exec(ref)?.[1] ?? "",
    buildExternalRef: (ti) => ti.url || `gitlab:${ti.identifier}`,
  };
}
