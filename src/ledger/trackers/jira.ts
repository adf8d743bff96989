// Jira as a tracker: REST API v3 (or v2) — JQL search with token pages (v3) or startAt (v2),
// issues created and updated by fields, status changed through transitions — and beads'
// mapping (named priorities, types and statuses, overridable by jira.*_map.<beads value>
// config; ADF descriptions as plain text). external_ref is <jira.url>/browse/<KEY>.
import type { Issue } from "../model.ts";
import type { BeadsFields, IssueTracker, TrackerIssue } from "./engine.ts";
import { sameLabels } from "./scoped-labels.ts";
import { type JsonTransport, orNotFound } from "./transport.ts";

export interface JiraConfig {
  url: string;
  projects: string[];
  token: string;
  username?: string;
  /** "3" (default) or "2". */
  apiVersion?: string;
  pullJql?: string;
  /** beads value → Jira name, from jira.status_map.*, jira.type_map.*, jira.priority_map.*. */
  statusMap?: Record<string, string>;
  typeMap?: Record<string, string>;
  priorityMap?: Record<string, string>;
}

interface Named {
  id?: string;
  name: string;
}

export interface JiraIssue {
  id: string;
  key: string;
  self: string;
  fields: {
    summary: string;
    description?: unknown;
    status?: Named | null;
    priority?: Named | null;
    issuetype?: Named | null;
    project?: { key: string } | null;
    assignee?: { displayName: string; emailAddress?: string } | null;
    labels?: string[];
    created?: string;
    updated?: string;
  };
}

const FIELDS =
  "summary,description,status,priority,issuetype,project,assignee,labels,created,updated,resolution";
const PRIORITY = ["Highest", "High", "Medium", "Low", "Lowest"];
const STATUS_IN: Record<string, string> = {
  "to do": "open",
  open: "open",
  backlog: "open",
  new: "open",
  "in progress": "in_progress",
  "in review": "in_progress",
  blocked: "blocked",
  done: "closed",
  closed: "closed",
  resolved: "closed",
};
const STATUS_OUT: Record<string, string> = {
  open: "To Do",
  in_progress: "In Progress",
  blocked: "Blocked",
  closed: "Done",
};
const TYPE_IN: Record<string, string> = {
  bug: "bug",
  story: "feature",
  feature: "feature",
  epic: "epic",
  task: "task",
  "sub-task": "task",
};
const TYPE_OUT: Record<string, string> = { bug: "Bug", feature: "Story", epic: "Epic" };

/** Jira's "+0000" offsets made ISO so Date.parse reads them everywhere. */
export function jiraTime(ts: string | undefined): string | undefined {
  if (!ts) return undefined;
  const d = new Date(ts.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Atlassian Document Format (or a plain string) as text: one line per block. */
export function adfToText(raw: unknown): string {
  if (raw === null || raw === undefined) return "";
  if (typeof raw === "string") return raw;
  const doc = raw as { type?: string; content?: Array<{ content?: Array<{ text?: string }> }> };
  if (doc.type !== "doc") return JSON.stringify(raw);
  return (doc.content ?? [])
    .map((block) => (block.content ?? []).map((inline) => inline.text ?? "").join(""))
    .filter((line) => line !== "")
    .join("\n");
}

export function textToAdf(text: string): unknown {
  return {
    type: "doc",
    version: 1,
    content: text
      .split("\n")
      .map((para) => ({ type: "paragraph", content: para ? [{ type: "text", text: para }] : [] })),
  };
}

function reverse(map: Record<string, string> | undefined, name: string): string | undefined {
  for (const [beads, jira] of Object.entries(map ?? {}))
    if (jira.toLowerCase() === name.toLowerCase()) return beads;
  return undefined;
}

export class JiraApi {
  readonly cfg: JiraConfig;
  private readonly http: JsonTransport;
  constructor(cfg: JiraConfig, http: JsonTransport) {
    this.cfg = { ...cfg, url: cfg.url.replace(/\/+$/, "") };
    this.http = http;
  }

  private get base(): string {
    return `${this.cfg.url}/rest/api/${this.cfg.apiVersion || "3"}`;
  }

  private headers(): Record<string, string> {
    const auth = this.cfg.username
      ? `Basic ${Buffer.from(`${this.cfg.username}:${this.cfg.token}`).toString("base64")}`
      : `Bearer ${this.cfg.token}`;
    return { Authorization: auth, Accept: "application/json", "User-Agent": "bd-jira-sync/1.0" };
  }

  async search(jql: string): Promise<JiraIssue[]> {
    const v2 = this.cfg.apiVersion === "2";
    const out: JiraIssue[] = [];
    let token = "";
    let startAt = 0;
    for (let page = 1; page <= 1000; page++) {
      const q = new URLSearchParams({ jql, fields: FIELDS, maxResults: "100" });
      if (v2) q.set("startAt", String(startAt));
      else if (token) q.set("nextPageToken", token);
      const res = await this.http({
        method: "GET",
        url: `${this.base}/${v2 ? "search" : "search/jql"}?${q}`,
        headers: this.headers(),
      });
      const body = res.body as {
        issues?: JiraIssue[];
        total?: number;
        nextPageToken?: string;
        isLast?: boolean;
      };
      const issues = body.issues ?? [];
      out.push(...issues);
      if (issues.length === 0) return out;
      if (v2) {
        startAt += issues.length;
        if (startAt >= (body.total ?? 0)) return out;
      } else {
        if (body.isLast || !body.nextPageToken) return out;
        token = body.nextPageToken;
      }
    }
    throw new Error("pagination limit exceeded: stopped after 1000 pages");
  }

  async getIssue(key: string): Promise<JiraIssue> {
    const res = await this.http({
      method: "GET",
      url: `${this.base}/issue/${encodeURIComponent(key)}?fields=${FIELDS}`,
      headers: this.headers(),
    });
    return res.body as JiraIssue;
  }

  async createIssue(fields: Record<string, unknown>): Promise<JiraIssue> {
    const res = await this.http({
      method: "POST",
      url: `${this.base}/issue`,
      headers: this.headers(),
      body: { fields },
    });
    return this.getIssue((res.body as { key: string }).key);
  }

  async updateIssue(key: string, fields: Record<string, unknown>): Promise<void> {
    await this.http({
      method: "PUT",
      url: `${this.base}/issue/${encodeURIComponent(key)}`,
      headers: this.headers(),
      body: { fields },
    });
  }

  /** Moves the issue to the status named `to` when a transition leads there; false when none does. */
  async transition(key: string, to: string): Promise<boolean> {
    const url = `${this.base}/issue/${encodeURIComponent(key)}/transitions`;
    const res = await this.http({ method: "GET", url, headers: this.headers() });
    const list = (res.body as { transitions?: Array<{ id: string; to: Named }> }).transitions ?? [];
    const t = list.find((x) => x.to.name.toLowerCase() === to.toLowerCase());
    if (!t) return false;
    await this.http({ method: "POST", url, headers: this.headers(), body: { transition: { id: t.id } } });
    return true;
  }
}

export function isJiraRef(ref: string, url: string): boolean {
  return ref.includes("/browse/") && (!url || ref.startsWith(url.replace(/\/+$/, "")));
}

export function jiraTracker(api: JiraApi): IssueTracker {
  const cfg = api.cfg;
  const statusOut = (s: string) => cfg.statusMap?.[s] ?? STATUS_OUT[s] ?? "To Do";
  const priorityOut = (p: number) => cfg.priorityMap?.[String(p)] ?? PRIORITY[p] ?? "Medium";
  const typeOut = (t: string) => cfg.typeMap?.[t] ?? TYPE_OUT[t] ?? "Task";
  const fieldsOf = (issue: Issue): Record<string, unknown> => {
    const fields: Record<string, unknown> = {
      summary: issue.title,
      issuetype: { name: typeOut(issue.issue_type) },
      priority: { name: priorityOut(issue.priority) },
    };
    if (issue.description)
      fields.description = cfg.apiVersion === "2" ? issue.description : textToAdf(issue.description);
    if (issue.labels && issue.labels.length > 0) fields.labels = issue.labels;
    return fields;
  };
  const toTracker = (ji: JiraIssue): TrackerIssue => ({
    id: ji.id,
    identifier: ji.key,
    url: `${cfg.url}/browse/${ji.key}`,
    title: ji.fields.summary,
    updated_at: jiraTime(ji.fields.updated),
    raw: ji,
  });
  const moveTo = async (key: string, status: string, current: string | undefined) => {
    const want = statusOut(status);
    if ((current ?? "").toLowerCase() !== want.toLowerCase()) await api.transition(key, want);
  };
  return {
    name: "jira",
    displayName: "Jira",
    async fetchIssues({ state, since }) {
      const projects = cfg.projects.map((p) => JSON.stringify(p));
      let jql = projects.length === 1 ? `project = ${projects[0]}` : `project IN (${projects.join(", ")})`;
      if (cfg.pullJql) jql += ` AND ${cfg.pullJql}`;
      if (state === "open") jql += " AND statusCategory != Done";
      if (state === "closed") jql += " AND statusCategory = Done";
      if (since) jql += ` AND updated >= "${new Date(since).toISOString().slice(0, 16).replace("T", " ")}"`;
      jql += " ORDER BY updated DESC";
      return (await api.search(jql)).map(toTracker);
    },
    async fetchIssue(key) {
      const found = await orNotFound(api.getIssue(key));
      return found && toTracker(found);
    },
    async createIssue(issue) {
      const created = await api.createIssue({ ...fieldsOf(issue), project: { key: cfg.projects[0] } });
      if (issue.status !== "open") {
        await moveTo(created.key, issue.status, created.fields.status?.name);
        return toTracker(await api.getIssue(created.key));
      }
      return toTracker(created);
    },
    async updateIssue(key, issue) {
      await api.updateIssue(key, fieldsOf(issue));
      const current = await api.getIssue(key);
      await moveTo(key, issue.status, current.fields.status?.name);
      return toTracker(await api.getIssue(key));
    },
    toBeads(ti) {
      const ji = ti.raw as JiraIssue;
      const f = ji.fields;
      const status = f.status?.name ?? "";
      const type = f.issuetype?.name ?? "";
      const priority = f.priority?.name ?? "";
      const mapped = Number(reverse(cfg.priorityMap, priority) ?? Number.NaN);
      const named = PRIORITY.findIndex((p) => p.toLowerCase() === priority.toLowerCase());
      const fields: BeadsFields = {
        title: f.summary,
        description: adfToText(f.description),
        status: reverse(cfg.statusMap, status) ?? STATUS_IN[status.toLowerCase()] ?? "open",
        priority: Number.isInteger(mapped) && mapped >= 0 && mapped <= 4 ? mapped : named >= 0 ? named : 2,
        issue_type: reverse(cfg.typeMap, type) ?? TYPE_IN[type.toLowerCase()] ?? "task",
        labels: f.labels ?? [],
        source_system: `jira:${f.project?.key ?? ji.key.replace(/-[^-]*$/, "")}:${ji.key}`,
        ...(f.assignee?.displayName ? { owner: f.assignee.displayName } : {}),
      };
      return { fields, dependencies: [] };
    },
    contentEqual(local, remote) {
      const ji = remote.raw as JiraIssue;
      const f = ji.fields;
      return (
        f.summary === local.title &&
        adfToText(f.description) === (local.description ?? "") &&
        (f.issuetype?.name ?? "") === typeOut(local.issue_type) &&
        (f.priority?.name ?? "") === priorityOut(local.priority) &&
        (f.status?.name ?? "").toLowerCase() === statusOut(local.status).toLowerCase() &&
        sameLabels(f.labels ?? [], local.labels ?? [])
      );
    },
    isExternalRef: (ref) => isJiraRef(ref, cfg.url),
    extractIdentifier: (ref) => {
      const at = ref.lastIndexOf("/browse/");
      return at < 0 ? "" : ref.slice(at + "/browse/".length);
    },
    buildExternalRef: (ti) => `${cfg.url}/browse/${ti.identifier}`,
  };
}
