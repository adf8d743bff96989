// Small stand-ins for the GitHub and GitLab REST APIs on 127.0.0.1 (a free port): the issue
// calls bd's trackers make, with real pagination (two issues a page, so any list spans pages),
// and a log of every request (method, path, query, auth header, body) for tests to check.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bd, freshLedger } from "./bd.ts";

export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  auth: string | undefined;
  body: Record<string, unknown> | undefined;
}

export interface FakeTracker {
  url: string;
  requests: LoggedRequest[];
  /** Issues by number (GitHub) or iid (GitLab), as the API returns them. */
  issues: Map<number, Record<string, unknown>>;
  /** GitLab issue links by iid, as the links endpoint returns them. */
  links: Map<number, Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const PAGE = 2;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function start(
  handle: (req: LoggedRequest, res: ServerResponse, t: FakeTracker) => void,
): Promise<FakeTracker> {
  const t = { requests: [], issues: new Map(), links: new Map() } as unknown as FakeTracker;
  const server: Server = createServer(async (req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const auth = (req.headers.authorization ?? req.headers["private-token"]) as string | undefined;
    const logged: LoggedRequest = {
      method: req.method ?? "GET",
      path: u.pathname,
      query: u.searchParams,
      auth,
      body: await readBody(req),
    };
    t.requests.push(logged);
    handle(logged, res, t);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.close = () => new Promise((r) => server.close(() => r()));
  return t;
}

function page<T>(items: T[], q: URLSearchParams): { items: T[]; more: boolean; n: number } {
  const n = Number(q.get("page") ?? "1");
  return { items: items.slice((n - 1) * PAGE, n * PAGE), more: n * PAGE < items.length, n };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** GitHub: /repos/:owner/:repo/issues (list, get, create, patch) and /user/repos. */
export function fakeGitHub(owner: string, repo: string): Promise<FakeTracker> {
  const base = `/repos/${owner}/${repo}/issues`;
  return start((req, res, t) => {
    if (req.auth !== "Bearer gh-secret-token-123") return send(res, 401, { message: "Bad credentials" });
    if (req.method === "GET" && req.path === base) {
      const state = req.query.get("state") ?? "open";
      const since = req.query.get("since");
      const all = [...t.issues.values()]
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => !since || String(i.updated_at) >= since);
      const p = page(all, req.query);
      return send(res, 200, p.items, p.more ? { Link: `<${t.url}${base}?page=${p.n + 1}>; rel="next"` } : {});
    }
    const one = new RegExp(`^${base}/(\\d+)$`).exec(req.path);
    if (one) {
      const issue = t.issues.get(Number(one[1]));
      if (!issue) return send(res, 404, { message: "Not Found" });
      if (req.method === "PATCH") {
        const b = req.body ?? {};
        if (b.labels) b.labels = (b.labels as string[]).map((name) => ({ name }));
        Object.assign(issue, b, { updated_at: now() });
      }
      return send(res, 200, issue);
    }
    if (req.method === "POST" && req.path === base) {
      const number = Math.max(0, ...t.issues.keys()) + 1;
      const b = req.body ?? {};
      const issue = {
        id: 9000 + number,
        number,
        title: b.title,
        body: b.body,
        state: "open",
        labels: ((b.labels as string[]) ?? []).map((name) => ({ name })),
        html_url: `https://github.com/${owner}/${repo}/issues/${number}`,
        created_at: now(),
        updated_at: now(),
      };
      t.issues.set(number, issue);
      return send(res, 201, issue);
    }
    if (req.method === "GET" && req.path === "/user/repos")
      return send(res, 200, [
        {
          full_name: `${owner}/${repo}`,
          description: "the repo",
          html_url: `https://github.com/${owner}/${repo}`,
        },
      ]);
    send(res, 404, { message: "Not Found" });
  });
}

/** GitLab: /api/v4/projects/:id/issues (list, get, create, put, links) and /api/v4/projects. */
export function fakeGitLab(projectId: number): Promise<FakeTracker> {
  const base = `/api/v4/projects/${projectId}/issues`;
  return start((req, res, t) => {
    if (req.auth !== "gl-secret-token-456") return send(res, 401, { message: "401 Unauthorized" });
    if (req.method === "GET" && req.path === base) {
      const state = req.query.get("state");
      const since = req.query.get("updated_after");
      const all = [...t.issues.values()]
        .filter((i) => !state || i.state === state)
        .filter((i) => !since || String(i.updated_at) >= since);
      const p = page(all, req.query);
      return send(res, 200, p.items, { "X-Next-Page": p.more ? String(p.n + 1) : "" });
    }
    const links = new RegExp(`^${base}/(\\d+)/links$`).exec(req.path);
    if (links) return send(res, 200, t.links.get(Number(links[1])) ?? []);
    const one = new RegExp(`^${base}/(\\d+)$`).exec(req.path);
    if (one) {
      const issue = t.issues.get(Number(one[1]));
      if (!issue) return send(res, 404, { message: "404 Not found" });
      if (req.method === "PUT") {
        const { state_event, labels, ...rest } = req.body ?? {};
        Object.assign(issue, rest, { updated_at: now() });
        if (labels !== undefined) issue.labels = String(labels).split(",").filter(Boolean);
        if (state_event === "close") issue.state = "closed";
        if (state_event === "reopen") issue.state = "reopened";
      }
      return send(res, 200, issue);
    }
    if (req.method === "POST" && req.path === base) {
      const iid = Math.max(0, ...t.issues.keys()) + 1;
      const b = req.body ?? {};
      const issue = {
        id: 7000 + iid,
        iid,
        project_id: projectId,
        title: b.title,
        description: b.description,
        state: "opened",
        labels: String(b.labels ?? "")
          .split(",")
          .filter(Boolean),
        web_url: `https://gitlab.example.com/g/p/-/issues/${iid}`,
        created_at: now(),
        updated_at: now(),
      };
      t.issues.set(iid, issue);
      return send(res, 201, issue);
    }
    if (req.method === "GET" && req.path === "/api/v4/projects")
      return send(res, 200, [
        { id: projectId, name: "p", path_with_namespace: "g/p", web_url: "https://gitlab.example.com/g/p" },
      ]);
    send(res, 404, { message: "404 Not found" });
  });
}

const jiraStamp = (d = new Date()) => d.toISOString().replace("Z", "+0000");
const JIRA_STATUSES = ["To Do", "In Progress", "Done"];

/**
 * Jira REST v3: /rest/api/3/search/jql (token pages; `project = "K"` and `updated >= "…"`
 * understood), issue get/create/update, transitions to To Do, In Progress and Done.
 * Issues are kept by key with Jira's `fields` shape.
 */
export function fakeJira(): Promise<FakeTracker & { byKey: Map<string, Record<string, unknown>> }> {
  const byKey = new Map<string, Record<string, unknown>>();
  const api = "/rest/api/3";
  return start((req, res, t) => {
    if (req.auth !== `Basic ${Buffer.from("me@example.com:jira-secret-token-789").toString("base64")}`)
      return send(res, 401, { errorMessages: ["unauthorized"] });
    if (req.method === "GET" && req.path === `${api}/search/jql`) {
      const jql = req.query.get("jql") ?? "";
      const project = /project = "([^"]+)"/.exec(jql)?.[1];
      const since = /updated >= "([^"]+)"/.exec(jql)?.[1];
      const all = [...byKey.values()].filter((i) => {
        const f = i.fields as Record<string, unknown>;
        if (project && (f.project as { key: string }).key !== project) return false;
        if (
          since &&
          new Date(String(f.updated).replace("+0000", "Z")).toISOString().slice(0, 16).replace("T", " ") <
            since
        )
          return false;
        return true;
      });
      const from = Number(req.query.get("nextPageToken") ?? "0");
      const issues = all.slice(from, from + PAGE);
      const more = from + PAGE < all.length;
      return send(res, 200, {
        issues,
        isLast: !more,
        ...(more ? { nextPageToken: String(from + PAGE) } : {}),
      });
    }
    const tr = new RegExp(`^${api}/issue/([A-Z]+-\\d+)/transitions$`).exec(req.path);
    if (tr) {
      const issue = byKey.get(tr[1]!);
      if (!issue) return send(res, 404, { errorMessages: ["no such issue"] });
      if (req.method === "GET")
        return send(res, 200, {
          transitions: JIRA_STATUSES.map((name, i) => ({
            id: String(11 + i),
            name,
            to: { id: String(i), name },
          })),
        });
      const id = Number((req.body?.transition as { id?: string } | undefined)?.id) - 11;
      Object.assign(issue.fields as object, {
        status: { id: String(id), name: JIRA_STATUSES[id] },
        updated: jiraStamp(),
      });
      res.writeHead(204);
      return res.end();
    }
    const one = new RegExp(`^${api}/issue/([A-Z]+-\\d+)$`).exec(req.path);
    if (one) {
      const issue = byKey.get(one[1]!);
      if (!issue) return send(res, 404, { errorMessages: ["Issue does not exist"] });
      if (req.method === "PUT") {
        Object.assign(issue.fields as object, req.body?.fields ?? {}, { updated: jiraStamp() });
        res.writeHead(204);
        return res.end();
      }
      return send(res, 200, issue);
    }
    if (req.method === "POST" && req.path === `${api}/issue`) {
      const fields = (req.body?.fields ?? {}) as Record<string, unknown>;
      const project = (fields.project as { key: string }).key;
      const n = [...byKey.keys()].filter((k) => k.startsWith(`${project}-`)).length + 1;
      const key = `${project}-${n}`;
      byKey.set(key, {
        id: String(10_000 + byKey.size),
        key,
        self: `${t.url}${api}/issue/${key}`,
        fields: { ...fields, status: { id: "0", name: "To Do" }, created: jiraStamp(), updated: jiraStamp() },
      });
      return send(res, 201, {
        id: String(10_000 + byKey.size - 1),
        key,
        self: `${t.url}${api}/issue/${key}`,
      });
    }
    send(res, 404, { errorMessages: ["not found"] });
  }).then((t) => Object.assign(t, { byKey }));
}

export { jiraStamp };

export const LINEAR_TEAM = "11111111-2222-3333-4444-555555555555";
export const LINEAR_STATES = [
  { id: "st-backlog", name: "Backlog", type: "backlog" },
  { id: "st-todo", name: "Todo", type: "unstarted" },
  { id: "st-doing", name: "In Progress", type: "started" },
  { id: "st-done", name: "Done", type: "completed" },
  { id: "st-cancel", name: "Canceled", type: "canceled" },
];

/**
 * Linear's GraphQL endpoint at /graphql: issues (team, updatedAt gte, number eq filters; two
 * a page with cursors), team states, issueCreate, issueUpdate, teams. Issues kept by id.
 */
export function fakeLinear(): Promise<FakeTracker & { byId: Map<string, Record<string, unknown>> }> {
  const byId = new Map<string, Record<string, unknown>>();
  return start((req, res) => {
    if (req.auth !== "lin_api_secret_key_0000")
      return send(res, 200, { errors: [{ message: "Authentication required" }] });
    if (req.method !== "POST" || req.path !== "/graphql") return send(res, 404, { message: "not found" });
    const query = String(req.body?.query ?? "");
    const vars = (req.body?.variables ?? {}) as Record<string, unknown>;
    const stateOf = (id: unknown) => LINEAR_STATES.find((s) => s.id === id);
    if (query.includes("issueCreate")) {
      const input = vars.input as Record<string, unknown>;
      const n = byId.size + 1;
      const issue = {
        id: `lin-${n}`,
        identifier: `ENG-${n}`,
        title: input.title,
        description: input.description,
        url: `https://linear.app/acme/issue/ENG-${n}/${String(input.title).toLowerCase().replace(/\W+/g, "-")}`,
        priority: input.priority ?? 0,
        state: stateOf(input.stateId),
        labels: { nodes: [] },
        team: input.teamId,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      };
      byId.set(issue.id, issue);
      return send(res, 200, { data: { issueCreate: { success: true, issue } } });
    }
    if (query.includes("issueUpdate")) {
      const issue = byId.get(String(vars.id));
      if (!issue) return send(res, 200, { errors: [{ message: "Entity not found" }] });
      const { stateId, ...rest } = vars.input as Record<string, unknown>;
      Object.assign(issue, rest, stateId ? { state: stateOf(stateId) } : {}, {
        updatedAt: new Date().toISOString(),
      });
      return send(res, 200, { data: { issueUpdate: { success: true, issue } } });
    }
    if (query.includes("team(id:"))
      return send(res, 200, { data: { team: { id: vars.teamId, states: { nodes: LINEAR_STATES } } } });
    if (query.includes("teams {"))
      return send(res, 200, {
        data: { teams: { nodes: [{ id: LINEAR_TEAM, name: "Engineering", key: "ENG" }] } },
      });
    if (query.includes("issues(")) {
      const filter = (vars.filter ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
      const team = filter.team?.id?.eq;
      const since = filter.updatedAt?.gte as string | undefined;
      const number = filter.number?.eq as number | undefined;
      const all = [...byId.values()].filter(
        (i) =>
          i.team === team &&
          (!since || Date.parse(String(i.updatedAt)) >= Date.parse(since)) &&
          (number === undefined || i.identifier === `ENG-${number}`),
      );
      const from = Number(vars.after ?? "0");
      const first = Math.min(Number(vars.first ?? PAGE), PAGE);
      const nodes = all.slice(from, from + first);
      const more = from + first < all.length;
      return send(res, 200, {
        data: { issues: { nodes, pageInfo: { hasNextPage: more, endCursor: String(from + first) } } },
      });
    }
    send(res, 200, { errors: [{ message: "unknown query" }] });
  }).then((t) => Object.assign(t, { byId }));
}

/** A time as the trackers stamp it (UTC, whole seconds), `offsetMs` from now. */
export const trackerStamp = (offsetMs = 0): string =>
  new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, "Z");

/** A new ledger (IDs `prefix`-…) with `settings` set through `bd config set`, as a user sets up a tracker. */
export async function trackerLedger(
  prefix: string,
  settings: Array<[string, string]>,
): Promise<{ dir: string; cleanup: () => void }> {
  const ledger = await freshLedger(prefix);
  for (const [key, value] of settings) {
    const r = await bd(ledger.dir, ["config", "set", key, value]);
    if (r.code !== 0) throw new Error(`bd config set ${key} failed: ${r.stderr}`);
  }
  return ledger;
}
