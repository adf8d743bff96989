import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson } from "../helpers/bd.ts";
import { type FakeTracker, fakeGitLab, trackerLedger, trackerStamp } from "../helpers/tracker-server.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  labels?: string[];
  estimated_minutes?: number;
  external_ref?: string;
}

const TOKEN = "gl-secret-token-456";
const stamp = trackerStamp;

// bd gitlab through bin/bd against a loopback GitLab API v4: PRIVATE-TOKEN auth, X-Next-Page
// pages, issue links as blocking edges, weight as estimate, state_event to close.
describe("bd gitlab", () => {
  let dir: string;
  let cleanup: () => void;
  let gl: FakeTracker;
  const env = () => ({ GITLAB_TOKEN: TOKEN });
  const all = () => bdJson<Bead[]>(dir, ["list", "--all", "-n", "0"]);
  const byIid = (beads: Bead[], iid: number) =>
    beads.find((b) => b.external_ref === `https://gitlab.example.com/g/p/-/issues/${iid}`);

  before(async () => {
    gl = await fakeGitLab(42);
    ({ dir, cleanup } = await trackerLedger("gl", [
      ["gitlab.url", gl.url],
      ["gitlab.project_id", "42"],
    ]));
    const issue = (iid: number, extra: Record<string, unknown>) => ({
      id: 500 + iid,
      iid,
      project_id: 42,
      title: `GL ${iid}`,
      description: `text ${iid}`,
      state: "opened",
      labels: [],
      web_url: `https://gitlab.example.com/g/p/-/issues/${iid}`,
      created_at: stamp(-60_000),
      updated_at: stamp(-60_000),
      ...extra,
    });
    gl.issues.set(1, issue(1, { labels: ["priority::critical", "type::bug", "backend"], weight: 2 }));
    gl.issues.set(2, issue(2, { labels: ["status::done"] }));
    gl.issues.set(3, issue(3, {}));
    // #1 blocks #3 (the links endpoint lists the other issue with the link type).
    gl.links.set(1, [{ iid: 3, link_type: "blocks" }]);
    gl.links.set(3, [{ iid: 1, link_type: "is_blocked_by" }]);
  });
  after(async () => {
    await gl?.close();
    cleanup?.();
  });

  it("checks its configuration: a missing token, plain http to another host", async () => {
    const r = await bd(dir, ["gitlab", "sync"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /gitlab\.token is not configured/);
    assert.equal((await bd(dir, ["config", "set", "gitlab.url", "http://gitlab.example.com"])).code, 0);
    const http = await bd(dir, ["gitlab", "sync"], { env: env() });
    assert.notEqual(http.code, 0);
    assert.match(http.stderr, /gitlab\.url must use HTTPS/);
    assert.equal((await bd(dir, ["config", "set", "gitlab.url", gl.url])).code, 0);
    assert.equal(gl.requests.length, 0);
  });

  it("pulls with links as edges, pushes local beads, and a second sync changes nothing", async () => {
    const local = await bdJson<Bead>(dir, ["create", "From beads", "-t", "task", "-p", "3"]);
    const r = await bd(dir, ["gitlab", "sync", "--json"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    const result = JSON.parse(r.stdout) as { stats: Record<string, number> };
    assert.deepEqual([result.stats.pulled, result.stats.pushed], [3, 1]);
    const lists = gl.requests.filter((q) => q.method === "GET" && q.path === "/api/v4/projects/42/issues");
    assert.deepEqual(
      lists.map((q) => q.query.get("page")),
      ["1", "2"],
    );
    assert.ok(gl.requests.every((q) => q.auth === TOKEN));

    const beads = await all();
    const one = byIid(beads, 1)!;
    assert.deepEqual(
      [one.priority, one.issue_type, one.labels, one.estimated_minutes],
      [0, "bug", ["backend"], 120],
    );
    assert.equal(byIid(beads, 2)?.status, "closed", "status::done is closed");
    const [three] = await bdJson<Array<{ dependencies?: Array<{ id: string; dependency_type: string }> }>>(
      dir,
      ["show", byIid(beads, 3)!.id],
    );
    assert.deepEqual(
      (three!.dependencies ?? []).map((d) => [d.id, d.dependency_type]),
      [[one.id, "blocks"]],
    );
    const post = gl.requests.find((q) => q.method === "POST");
    assert.deepEqual(post?.body, {
      title: "From beads",
      description: "",
      labels: "type::task,priority::low",
    });
    assert.equal(
      beads.find((b) => b.id === local.id)?.external_ref,
      "https://gitlab.example.com/g/p/-/issues/4",
    );

    const seen = gl.requests.length;
    const again = await bdJson<{ stats: Record<string, number> }>(dir, ["gitlab", "sync"], env());
    assert.deepEqual([again.stats.created, again.stats.pushed], [0, 0]);
    assert.equal((await all()).length, beads.length);
    const fresh = gl.requests.slice(seen);
    assert.ok(fresh.some((q) => q.query.get("updated_after")));
    assert.equal(fresh.filter((q) => q.method === "POST" || q.method === "PUT").length, 0);
  });

  it("closing here closes upstream through state_event; closed upstream closes here", async () => {
    const beads = await all();
    const three = byIid(beads, 3)!;
    const closed = await bd(dir, ["close", three.id, "--force"]);
    assert.equal(closed.code, 0, closed.stderr);
    Object.assign(gl.issues.get(1)!, { state: "closed", updated_at: stamp(1000) });
    const r = await bd(dir, ["gitlab", "sync"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const put = gl.requests.filter((q) => q.method === "PUT").at(-1);
    assert.equal(put?.path, "/api/v4/projects/42/issues/3");
    assert.equal(put?.body?.state_event, "close");
    assert.equal(gl.issues.get(3)?.state, "closed");
    assert.equal(byIid(await all(), 1)?.status, "closed");
  });

  it("two syncs at once push a new bead once (they take turns)", async () => {
    const bead = await bdJson<Bead>(dir, ["create", "Raced bead"]);
    const runs = await Promise.all([1, 2].map(() => bd(dir, ["gitlab", "sync"], { env: env() })));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const posts = gl.requests.filter((q) => q.method === "POST" && q.body?.title === "Raced bead");
    assert.equal(posts.length, 1);
    const linked = (await all()).find((b) => b.id === bead.id);
    assert.match(linked?.external_ref ?? "", /\/-\/issues\/\d+$/);
  });

  it("status and projects; the token is masked", async () => {
    const s = await bd(dir, ["gitlab", "status"], { env: env() });
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /Project ID: 42/);
    assert.match(s.stdout, /Sync Mode:\s+project/);
    assert.match(s.stdout, /Token:\s+gl-s\*\*\*\*/);
    assert.ok(!s.stdout.includes(TOKEN));
    const p = await bdJson<Array<{ id: number; path_with_namespace: string }>>(
      dir,
      ["gitlab", "projects"],
      env(),
    );
    assert.deepEqual(p, [
      { id: 42, name: "p", path_with_namespace: "g/p", web_url: "https://gitlab.example.com/g/p" },
    ]);
  });
});
