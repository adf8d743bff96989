// GitHub as a tracker: its REST API (issues of one repository, Link-header pages, pull
// requests left out) and beads' mapping of its issues (scoped labels for priority, type
// and status; state open/closed). external_ref is the issue's html_url.
import type { Issue } from "../model.ts";
import type { BeadsFields, IssueTracker, TrackerIssue } from "./engine.ts";
import {
  labelsForTracker,
  priorityFromLabels,
  sameLabels,
  statusFrom,
  typeFromLabels,
  unscopedLabels,
} from "./scoped-labels.ts";
import { isoSeconds, type JsonTransport, orNotFound, PER_PAGE, RestApi } from "./transport.ts";

export const GITHUB_DEFAULT_URL = "https://api.github.com";

export interface GitHubConfig {
  token: string;
  owner: string;
  repo: string;
  /** API base URL (GitHub Enterprise, or a test server). */
  url?: string;
}

export interface GitHubIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: string;
  html_url: string;
  created_at?: string;
  updated_at?: string;
  closed_at?: string | null;
  labels?: Array<{ name: string } | string>;
  assignee?: { login: string; id: number } | null;
  pull_request?: unknown;
}

export interface GitHubRepository {
  full_name: string;
  description?: string | null;
  html_url: string;
}

const STATUS = {
  labels: { in_progress: "in_progress", blocked: "blocked", deferred: "deferred" },
  states: { open: "open", closed: "closed" },
};

const SHORTHAND = /^github:([1-9]\d*)$/;
const ISSUE_PATH = /\/issues\/(\d+)/;

const labelNames = (gh: GitHubIssue) => (gh.labels ?? []).map((l) => (typeof l === "string" ? l : l.name));

export class GitHubApi extends RestApi {
  private readonly cfg: GitHubConfig;
  constructor(cfg: GitHubConfig, http: JsonTransport) {
    super(cfg.url || GITHUB_DEFAULT_URL, http);
    this.cfg = cfg;
  }

  protected headers(): Record<string, string> {
    return {
      Authorization: `Bearer ${this.cfg.token}`,
      Accept: "application/vnd.github+json",
      "X-GitHub-Api-Version": "2022-11-28",
    };
  }

  private repoPath(): string {
    return `/repos/${encodeURIComponent(this.cfg.owner)}/${encodeURIComponent(this.cfg.repo)}`;
  }

  /** Every page of a listing (`query` without page, each part starting with &): Link rel="next" says more. */
  private listing<T>(path: string, query: string, what: string): Promise<T[]> {
    return this.pages<T>(
      path,
      what,
      (page) => `per_page=${PER_PAGE}&page=${page}${query}`,
      (res) => /<[^>]+>;\s*rel="next"/.test(res.headers.link ?? ""),
    );
  }

  async listIssues(state: string, since?: string): Promise<GitHubIssue[]> {
    const q = `&state=${state}${since ? `&since=${encodeURIComponent(isoSeconds(since))}` : ""}&direction=asc`;
    const all = await this.listing<GitHubIssue>(`${this.repoPath()}/issues`, q, "issues");
    return all.filter((i) => i.pull_request === undefined || i.pull_request === null);
  }

  getIssue(number: string): Promise<GitHubIssue> {
    return this.call<GitHubIssue>("GET", `${this.repoPath()}/issues/${number}`);
  }

  createIssue(body: Record<string, unknown>): Promise<GitHubIssue> {
    return this.call<GitHubIssue>("POST", `${this.repoPath()}/issues`, body);
  }

  updateIssue(number: string, body: Record<string, unknown>): Promise<GitHubIssue> {
    return this.call<GitHubIssue>("PATCH", `${this.repoPath()}/issues/${number}`, body);
  }

  listRepositories(): Promise<GitHubRepository[]> {
    return this.listing<GitHubRepository>("/user/repos", "&sort=updated", "repositories");
  }
}

function toTracker(gh: GitHubIssue): TrackerIssue {
  return {
    id: String(gh.id),
    identifier: String(gh.number),
    url: gh.html_url ?? "",
    title: gh.title,
    updated_at: gh.updated_at,
    raw: gh,
  };
}

/** The fields a bead is pushed with (PATCH body; POST takes title, body and labels). */
export function githubFields(issue: Issue): Record<string, unknown> {
  return {
    title: issue.title,
    body: issue.description ?? "",
    labels: labelsForTracker(issue),
    state: issue.status === "closed" ? "closed" : "open",
  };
}

export function githubTracker(api: GitHubApi): IssueTracker {
  return {
    name: "github",
    displayName: "GitHub",
    async fetchIssues({ state, since }) {
      return (await api.listIssues(state, since)).map(toTracker);
    },
    async fetchIssue(identifier) {
      if (!/^\d+$/.test(identifier)) throw new Error(`invalid GitHub issue number "${identifier}"`);
      const found = await orNotFound(api.getIssue(identifier));
      return found && toTracker(found);
    },
    async createIssue(issue) {
      const f = githubFields(issue);
      const created = await api.createIssue({ title: f.title, body: f.body, labels: f.labels });
      // A bead already closed is created and then closed (the create call has no state).
      if (f.state === "closed")
        return toTracker(await api.updateIssue(String(created.number), { state: "closed" }));
      return toTracker(created);
    },
    async updateIssue(identifier, issue) {
      return toTracker(await api.updateIssue(identifier, githubFields(issue)));
    },
    toBeads(ti) {
      const gh = ti.raw as GitHubIssue;
      const labels = labelNames(gh);
      const fields: BeadsFields = {
        title: gh.title,
        description: gh.body ?? "",
        status: statusFrom(labels, gh.state, STATUS),
        priority: priorityFromLabels(labels),
        issue_type: typeFromLabels(labels),
        labels: unscopedLabels(labels),
        source_system: gh.html_url ? `github:${gh.html_url}:${gh.number}` : `github:${gh.id}:${gh.number}`,
        ...(gh.assignee?.login ? { assignee: gh.assignee.login } : {}),
      };
      return { fields, dependencies: [] };
    },
    contentEqual(local, remote) {
      const gh = remote.raw as GitHubIssue;
      const f = githubFields(local);
      return (
        gh.title === f.title &&
        (gh.body ?? "") === f.body &&
        gh.state === f.state &&
        sameLabels(labelNames(gh), f.labels as string[])
      );
    },
    isExternalRef: (ref) => SHORTHAND.test(ref) || (ref.includes("github") && ISSUE_PATH.test(ref)),
    extractIdentifier: (ref) => SHORTHAND.exec(ref)?.[1] ?? ISSUE_PATH.exec(ref)?.[1] ?? "",
    buildExternalRef: (ti) => ti.url || `github:${ti.identifier}`,
  };
}
