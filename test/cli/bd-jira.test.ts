import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson } from "../helpers/bd.ts";
import { type FakeTracker, fakeJira, jiraStamp, trackerLedger } from "../helpers/tracker-server.ts";

interface Bead {
  id: string;
  title: string;
  description?: string;
  status: string;
  priority: number;
  issue_type: string;
  owner?: string;
  labels?: string[];
  external_ref?: string;
}

const TOKEN = "jira-secret-token-789";
const adf = (text: string) => ({
  type: "doc",
  version: 1,
  content: [{ type: "paragraph", content: [{ type: "text", text }] }],
});

// bd jira through bin/bd against a loopback Jira REST v3: Basic auth, JQL search pages,
// beads' name mapping, ADF descriptions, statuses moved by transitions.
describe("bd jira", () => {
  let dir: string;
  let cleanup: () => void;
  let jira: FakeTracker & { byKey: Map<string, Record<string, unknown>> };
  const env = () => ({ JIRA_API_TOKEN: TOKEN });
  const all = () => bdJson<Bead[]>(dir, ["list", "--all", "-n", "0"]);
  const byKey = (beads: Bead[], key: string) =>
    beads.find((b) => b.external_ref === `${jira.url}/browse/${key}`);

  before(async () => {
    jira = await fakeJira();
    ({ dir, cleanup } = await trackerLedger("ji", [
      ["jira.url", jira.url],
      ["jira.project", "PROJ"],
      ["jira.username", "me@example.com"],
    ]));
    const issue = (n: number, fields: Record<string, unknown>) =>
      jira.byKey.set(`PROJ-${n}`, {
        id: String(100 + n),
        key: `PROJ-${n}`,
        self: `${jira.url}/rest/api/3/issue/${100 + n}`,
        fields: {
          summary: `Jira ${n}`,
          description: null,
          status: { name: "To Do" },
          priority: { name: "Medium" },
          issuetype: { name: "Task" },
          project: { key: "PROJ" },
          labels: [],
          created: jiraStamp(new Date(Date.now() - 3_600_000)),
          updated: jiraStamp(new Date(Date.now() - 3_600_000)),
          ...fields,
        },
      });
    issue(1, {
      description: adf("Steps to reproduce"),
      priority: { name: "Highest" },
      issuetype: { name: "Bug" },
      labels: ["backend"],
      assignee: { displayName: "Ann Lee" },
    });
    issue(2, { status: { name: "Done" }, issuetype: { name: "Story" } });
    issue(3, { status: { name: "In Progress" } });
  });
  after(async () => {
    await jira?.close();
    cleanup?.();
  });

  it("status before configuration is complete, and the checks sync makes first", async () => {
    const noToken = await bd(dir, ["jira", "sync"]);
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.stderr, /Jira API token not configured/);
    const both = await bd(dir, ["jira", "sync", "--prefer-local", "--prefer-jira"], { env: env() });
    assert.match(both.stderr, /cannot use both --prefer-local and --prefer-jira/);
    const state = await bd(dir, ["jira", "sync", "--state", "some"], { env: env() });
    assert.match(state.stderr, /--state must be open, closed or all/);
    assert.equal(jira.requests.length, 0);
  });

  it("pulls every page with beads' mapping and pushes a local bead, then a second sync is quiet", async () => {
    const local = await bdJson<Bead>(dir, [
      "create",
      "From beads",
      "-t",
      "bug",
      "-p",
      "1",
      "-d",
      "line one\nline two",
    ]);
    const r = await bd(dir, ["jira", "sync", "--json"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    const result = JSON.parse(r.stdout) as { stats: Record<string, number> };
    assert.deepEqual([result.stats.pulled, result.stats.pushed], [3, 1]);
    const searches = jira.requests.filter((q) => q.path === "/rest/api/3/search/jql");
    assert.deepEqual(
      searches.map((q) => q.query.get("nextPageToken")),
      [null, "2"],
    );
    assert.match(searches[0]!.query.get("jql")!, /^project = "PROJ" ORDER BY updated DESC$/);

    const beads = await all();
    const one = byKey(beads, "PROJ-1")!;
    assert.deepEqual(
      [one.title, one.description, one.priority, one.issue_type, one.labels, one.owner, one.status],
      ["Jira 1", "Steps to reproduce", 0, "bug", ["backend"], "Ann Lee", "open"],
    );
    assert.deepEqual(
      [byKey(beads, "PROJ-2")?.status, byKey(beads, "PROJ-2")?.issue_type],
      ["closed", "feature"],
    );
    assert.equal(byKey(beads, "PROJ-3")?.status, "in_progress");

    const post = jira.requests.find((q) => q.method === "POST" && q.path === "/rest/api/3/issue");
    assert.deepEqual(post?.body, {
      fields: {
        summary: "From beads",
        issuetype: { name: "Bug" },
        priority: { name: "High" },
        description: {
          type: "doc",
          version: 1,
          content: [
            { type: "paragraph", content: [{ type: "text", text: "line one" }] },
            { type: "paragraph", content: [{ type: "text", text: "line two" }] },
          ],
        },
        project: { key: "PROJ" },
      },
    });
    assert.equal(beads.find((b) => b.id === local.id)?.external_ref, `${jira.url}/browse/PROJ-4`);

    const seen = jira.requests.length;
    const again = await bdJson<{ stats: Record<string, number> }>(dir, ["jira", "sync"], env());
    assert.deepEqual([again.stats.created, again.stats.pushed], [0, 0]);
    assert.equal((await all()).length, beads.length);
    const fresh = jira.requests.slice(seen);
    assert.ok(fresh.some((q) => /updated >= "/.test(q.query.get("jql") ?? "")));
    assert.equal(fresh.filter((q) => q.method !== "GET").length, 0);
  });

  it("closing here moves the Jira issue to Done through a transition; Done there closes here", async () => {
    const beads = await all();
    const three = byKey(beads, "PROJ-3")!;
    assert.equal((await bd(dir, ["close", three.id])).code, 0);
    Object.assign(jira.byKey.get("PROJ-1")!.fields as object, {
      status: { name: "Done" },
      updated: jiraStamp(new Date(Date.now() + 60_000)),
    });
    const r = await bd(dir, ["jira", "sync"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ Jira sync complete/);
    const moved = jira.requests.filter(
      (q) => q.method === "POST" && q.path === "/rest/api/3/issue/PROJ-3/transitions",
    );
    assert.deepEqual(moved.at(-1)?.body, { transition: { id: "13" } });
    assert.equal((jira.byKey.get("PROJ-3")!.fields as { status: { name: string } }).status.name, "Done");
    assert.equal(byKey(await all(), "PROJ-1")?.status, "closed");
  });

  it("status counts linked and local beads; push_prefix limits what goes up", async () => {
    const s = await bdJson<{
      configured: boolean;
      jira_projects: string[];
      with_jira_ref: number;
      pending_push: number;
    }>(dir, ["jira", "status"]);
    assert.deepEqual(
      [s.configured, s.jira_projects, s.with_jira_ref, s.pending_push],
      [true, ["PROJ"], 4, 0],
    );
    await bdJson<Bead>(dir, ["create", "Stays local"]);
    assert.equal((await bd(dir, ["config", "set", "jira.push_prefix", "other"])).code, 0);
    const before = jira.byKey.size;
    const r = await bdJson<{ stats: Record<string, number> }>(dir, ["jira", "sync", "--push"], env());
    assert.equal(r.stats.pushed, 0);
    assert.equal(jira.byKey.size, before);
    const human = await bd(dir, ["jira", "status"]);
    assert.match(human.stdout, /Local Only:\s+1/);
    assert.match(human.stdout, /Run 'bd jira sync --push' to push 1 local issue\(s\) to Jira/);
  });
});
