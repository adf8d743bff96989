// Linear as a tracker: its GraphQL API (issues of the configured teams in cursor pages,
// one issue by identifier, a team's workflow states, issueCreate/issueUpdate, teams) and
// beads' mapping (Linear priority 0-4 → beads, state type or name → status by
// linear.state_map.*, labels → type; acceptance criteria, design and notes travel in the
// description). Pushing needs linear.state_map.* so each status lands in a known state.
// external_ref is the issue URL without its slug.
import type { Issue } from "../model.ts";
import type { BeadsFields, IssueTracker, TrackerIssue } from "./engine.ts";
import { isoSeconds, type JsonTransport } from "./transport.ts";

export const LINEAR_DEFAULT_ENDPOINT = "https://api.linear.app/graphql";

export interface LinearConfig {
  apiKey: string;
  teamIds: string[];
  endpoint?: string;
  projectId?: string;
  /** linear.priority_map.<linear 0-4> = beads priority. */
  priorityMap?: Record<string, string>;
  /** linear.state_map.<state type or name> = beads status. */
  stateMap?: Record<string, string>;
  /** linear.label_type_map.<label> = beads type. */
  labelTypeMap?: Record<string, string>;
}

export interface LinearState {
  id: string;
  name: string;
  type: string;
}

export interface LinearIssue {
  id: string;
  identifier: string;
  title: string;
  description?: string | null;
  url: string;
  priority: number;
  state?: LinearState | null;
  assignee?: { name?: string; email?: string; displayName?: string } | null;
  labels?: { nodes: Array<{ id: string; name: string }> } | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface LinearTeam {
  id: string;
  name: string;
  key: string;
}

const ISSUE_FIELDS = `id identifier title description url priority state { id name type }
  assignee { id name email displayName } labels { nodes { id name } } createdAt updatedAt completedAt`;

const ISSUES_QUERY = `query Issues($filter: IssueFilter!, $first: Int!, $after: String) {
  issues(first: $first, after: $after, filter: $filter) { nodes { ${ISSUE_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

const PRIORITY: Record<string, number> = { "0": 4, "1": 0, "2": 1, "3": 2, "4": 3 };
const STATE: Record<string, string> = {
  backlog: "open",
  unstarted: "open",
  started: "in_progress",
  completed: "closed",
  canceled: "closed",
};
const LABEL_TYPE: Record<string, string> = {
  bug: "bug",
  defect: "bug",
  feature: "feature",
  enhancement: "feature",
  epic: "epic",
  chore: "chore",
  maintenance: "chore",
  task: "task",
  decision: "decision",
  spike: "spike",
  story: "story",
  milestone: "milestone",
};
/** Types never matched inside a longer label ("user-story" is not a story). */
const EXACT_ONLY = new Set(["decision", "spike", "story", "milestone"]);

export const MISSING_STATE_MAP =
  "linear.state_map is not configured: map Linear states to beads statuses first, e.g. bd config set linear.state_map.started in_progress";

export class LinearApi {
  readonly cfg: LinearConfig;
  private readonly http: JsonTransport;
  constructor(cfg: LinearConfig, http: JsonTransport) {
    this.cfg = cfg;
    this.http = http;
  }

  async graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const res = await this.http({
      method: "POST",
      url: this.cfg.endpoint || LINEAR_DEFAULT_ENDPOINT,
      headers: { Authorization: this.cfg.apiKey },
      body: { query, ...(variables ? { variables } : {}) },
    });
    const body = res.body as { data?: T; errors?: Array<{ message: string }> };
    if (body.errors && body.errors.length > 0)
      throw new Error(`GraphQL errors: ${body.errors.map((e) => e.message).join("; ")}`);
    if (!body.data) throw new Error("GraphQL answer without data");
    return body.data;
  }

  async listIssues(teamId: string, state: string, since?: string): Promise<LinearIssue[]> {
    const filter: Record<string, unknown> = { team: { id: { eq: teamId } } };
    if (this.cfg.projectId) filter.project = { id: { eq: this.cfg.projectId } };
    if (since) filter.updatedAt = { gte: isoSeconds(since) };
    if (state === "open") filter.state = { type: { in: ["backlog", "unstarted", "started"] } };
    if (state === "closed") filter.state = { type: { in: ["completed", "canceled"] } };
    const out: LinearIssue[] = [];
    let after: string | undefined;
    for (let page = 1; page <= 1000; page++) {
      const data = await this.graphql<{
        issues: { nodes: LinearIssue[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      }>(ISSUES_QUERY, { filter, first: 100, ...(after ? { after } : {}) });
      out.push(...data.issues.nodes);
      if (!data.issues.pageInfo.hasNextPage) return out;
      after = data.issues.pageInfo.endCursor;
    }
    throw new Error("pagination limit exceeded: stopped after 1000 pages");
  }

  async issueByIdentifier(teamId: string, identifier: string): Promise<LinearIssue | undefined> {
    const filter: Record<string, unknown> = { team: { id: { eq: teamId } } };
    const n = Number(identifier.split("-").at(-1));
    if (Number.isInteger(n)) filter.number = { eq: n };
    const data = await this.graphql<{ issues: { nodes: LinearIssue[] } }>(
      `query IssueByIdentifier($filter: IssueFilter!) { issues(filter: $filter, first: 1) { nodes { ${ISSUE_FIELDS} } } }`,
      { filter },
    );
    return data.issues.nodes.find((i) => i.identifier === identifier);
  }

  async teamStates(teamId: string): Promise<LinearState[]> {
    const data = await this.graphql<{ team: { states?: { nodes: LinearState[] } | null } }>(
      "query TeamStates($teamId: String!) { team(id: $teamId) { id states { nodes { id name type } } } }",
      { teamId },
    );
    if (!data.team.states) throw new Error("no states found for team");
    return data.team.states.nodes;
  }

  async createIssue(input: Record<string, unknown>): Promise<LinearIssue> {
    const data = await this.graphql<{ issueCreate: { success: boolean; issue: LinearIssue } }>(
      `mutation CreateIssue($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { ${ISSUE_FIELDS} } } }`,
      { input },
    );
    if (!data.issueCreate.success) throw new Error("issue creation reported as unsuccessful");
    return data.issueCreate.issue;
  }

  async updateIssue(id: string, input: Record<string, unknown>): Promise<LinearIssue> {
    const data = await this.graphql<{ issueUpdate: { success: boolean; issue: LinearIssue } }>(
      `mutation UpdateIssue($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { ${ISSUE_FIELDS} } } }`,
      { id, input },
    );
    if (!data.issueUpdate.success) throw new Error("issue update reported as unsuccessful");
    return data.issueUpdate.issue;
  }

  async teams(): Promise<LinearTeam[]> {
    const data = await this.graphql<{ teams: { nodes: LinearTeam[] } }>(
      "query { teams { nodes { id name key } } }",
    );
    return data.teams.nodes;
  }
}

/** The description pushed to Linear: beads' other text sections appended under headings. */
export function linearDescription(issue: Issue): string {
  let d = issue.description ?? "";
  if (issue.acceptance_criteria) d += `\n\n## Acceptance Criteria\n${issue.acceptance_criteria}`;
  if (issue.design) d += `\n\n## Design\n${issue.design}`;
  if (issue.notes) d += `\n\n## Notes\n${issue.notes}`;
  return d;
}

export const isLinearRef = (ref: string) => ref.includes("linear.app/") && ref.includes("/issue/");

export function linearIdentifier(ref: string): string {
  const parts = ref.split("/");
  const at = parts.indexOf("issue");
  return at >= 0 && at + 1 < parts.length ? parts[at + 1]! : "";
}

/** The issue URL up to its identifier (the slug after it changes with the title). */
export function canonicalLinearRef(url: string): string {
  const id = linearIdentifier(url);
  if (!id) return url;
  return url.slice(0, url.indexOf(`/issue/${id}`) + `/issue/${id}`.length);
}

/**
 * The state a beads status goes to, by linear.state_map: a state named in the map first, then
 * one whose type is (beads' rule); more than one match, or none, is an error.
 */
export function resolveStateId(all: LinearState[], explicit: Record<string, string>, status: string): string {
  for (const key of ["name", "type"] as const) {
    const hits = all.filter((s) => {
      const mapped = explicit[s[key].toLowerCase()];
      return mapped !== undefined && normStatus(mapped) === status;
    });
    if (hits.length === 1) return hits[0]!.id;
    if (hits.length > 1)
      throw new Error(
        `linear.state_map maps beads status "${status}" to multiple Linear states: ${hits.map((h) => h.name).join(", ")}`,
      );
  }
  throw new Error(`linear.state_map has no configured Linear state for beads status "${status}"`);
}

/** Before a push: open, in_progress and closed must each land in one state of every team. */
export async function validatePushStates(api: LinearApi): Promise<void> {
  const explicit = Object.fromEntries(
    Object.entries(api.cfg.stateMap ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (Object.keys(explicit).length === 0) throw new Error(MISSING_STATE_MAP);
  for (const team of api.cfg.teamIds) {
    const all = await api.teamStates(team);
    for (const status of ["open", "in_progress", "closed"]) resolveStateId(all, explicit, status);
  }
}

function normStatus(s: string): string {
  const v = s.toLowerCase();
  if (["in_progress", "in-progress", "inprogress"].includes(v)) return "in_progress";
  if (v === "done") return "closed";
  return ["open", "blocked", "closed", "deferred", "pinned", "hooked"].includes(v) ? v : "open";
}

export function linearTracker(api: LinearApi): IssueTracker {
  const cfg = api.cfg;
  const priorityMap: Record<string, number> = { ...PRIORITY };
  for (const [k, v] of Object.entries(cfg.priorityMap ?? {})) if (/^\d+$/.test(v)) priorityMap[k] = Number(v);
  const stateMap: Record<string, string> = { ...STATE };
  for (const [k, v] of Object.entries(cfg.stateMap ?? {})) stateMap[k.toLowerCase()] = v;
  const labelTypes: Record<string, string> = { ...LABEL_TYPE };
  for (const [k, v] of Object.entries(cfg.labelTypeMap ?? {})) labelTypes[k.toLowerCase()] = v;
  const explicit = Object.fromEntries(
    Object.entries(cfg.stateMap ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );

  const priorityIn = (p: number) => priorityMap[String(p)] ?? 2;
  const priorityOut = (p: number) => {
    for (const [linear, beads] of Object.entries(priorityMap)) if (beads === p) return Number(linear);
    return 3;
  };
  const statusIn = (s: LinearState | null | undefined) => {
    if (!s) return "open";
    const mapped = stateMap[s.type.toLowerCase()] ?? stateMap[s.name.toLowerCase()];
    return mapped ? normStatus(mapped) : "open";
  };
  const typeIn = (labels: string[]) => {
    for (const label of labels.map((l) => l.toLowerCase())) {
      if (labelTypes[label]) return labelTypes[label]!;
      for (const [keyword, type] of Object.entries(labelTypes))
        if (!EXACT_ONLY.has(keyword) && !EXACT_ONLY.has(type) && label.includes(keyword)) return type;
    }
    return "task";
  };
  const states = new Map<string, Promise<LinearState[]>>();
  const stateIdFor = async (teamId: string, status: string): Promise<string> => {
    if (Object.keys(explicit).length === 0) throw new Error(MISSING_STATE_MAP);
    if (!states.has(teamId)) states.set(teamId, api.teamStates(teamId));
    return resolveStateId(await states.get(teamId)!, explicit, status);
  };
  const toTracker = (li: LinearIssue): TrackerIssue => ({
    id: li.id,
    identifier: li.identifier,
    url: li.url,
    title: li.title,
    updated_at: li.updatedAt,
    raw: li,
  });
  const primary = cfg.teamIds[0]!;
  return {
    name: "linear",
    displayName: "Linear",
    async fetchIssues({ state, since }) {
      const seen = new Set<string>();
      const out: TrackerIssue[] = [];
      for (const team of cfg.teamIds)
        for (const li of await api.listIssues(team, state, since))
          if (!seen.has(li.id)) {
            seen.add(li.id);
            out.push(toTracker(li));
          }
      return out;
    },
    async fetchIssue(identifier) {
      for (const team of cfg.teamIds) {
        const li = await api.issueByIdentifier(team, identifier).catch(() => undefined);
        if (li) return toTracker(li);
      }
      return undefined;
    },
    async createIssue(issue) {
      const input: Record<string, unknown> = {
        teamId: primary,
        title: issue.title,
        description: linearDescription(issue),
        stateId: await stateIdFor(primary, issue.status),
      };
      if (cfg.projectId) input.projectId = cfg.projectId;
      const priority = priorityOut(issue.priority);
      if (priority > 0) input.priority = priority;
      return toTracker(await api.createIssue(input));
    },
    async updateIssue(identifier, issue) {
      const current = await this.fetchIssue(identifier);
      if (!current) throw new Error(`Linear issue ${identifier} not found`);
      const input = {
        title: issue.title,
        description: linearDescription(issue),
        priority: priorityOut(issue.priority),
        stateId: await stateIdFor(primary, issue.status),
      };
      return toTracker(await api.updateIssue(current.id, input));
    },
    toBeads(ti) {
      const li = ti.raw as LinearIssue;
      const labels = (li.labels?.nodes ?? []).map((l) => l.name);
      const fields: BeadsFields = {
        title: li.title,
        description: li.description ?? "",
        status: statusIn(li.state),
        priority: priorityIn(li.priority),
        issue_type: typeIn(labels),
        labels,
        source_system: `linear:${li.identifier}`,
        ...(li.assignee
          ? { assignee: li.assignee.email || li.assignee.displayName || li.assignee.name || "" }
          : {}),
      };
      return { fields, dependencies: [] };
    },
    contentEqual(local, remote) {
      const li = remote.raw as LinearIssue;
      return (
        li.title === local.title &&
        (li.description ?? "") === linearDescription(local) &&
        li.priority === priorityOut(local.priority) &&
        statusIn(li.state) === local.status
      );
    },
    isExternalRef: isLinearRef,
    extractIdentifier: linearIdentifier,
    buildExternalRef: (ti) => canonicalLinearRef(ti.url),
  };
}
