import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bd, bdJson } from "../helpers/bd.ts";
import {
  type FakeTracker,
  fakeLinear,
  LINEAR_STATES,
  LINEAR_TEAM,
  trackerLedger,
} from "../helpers/tracker-server.ts";

interface Bead {
  id: string;
  title: string;
  description?: string;
  status: string;
  priority: number;
  issue_type: string;
  assignee?: string;
  labels?: string[];
  external_ref?: string;
}

const KEY = "lin_api_secret_key_0000";

// bd linear through bin/bd against a loopback Linear GraphQL endpoint: cursor pages, the
// state map needed before a push, priorities and states both ways, a quiet second sync.
describe("bd linear", () => {
  let dir: string;
  let cleanup: () => void;
  let lin: FakeTracker & { byId: Map<string, Record<string, unknown>> };
  const env = () => ({ LINEAR_API_KEY: KEY });
  const all = () => bdJson<Bead[]>(dir, ["list", "--all", "-n", "0"]);
  const byIdent = (beads: Bead[], ident: string) =>
    beads.find((b) => b.external_ref === `https://linear.app/acme/issue/${ident}`);
  const seed = (n: number, extra: Record<string, unknown>) =>
    lin.byId.set(`lin-${n}`, {
      id: `lin-${n}`,
      identifier: `ENG-${n}`,
      title: `Linear ${n}`,
      description: `about ${n}`,
      url: `https://linear.app/acme/issue/ENG-${n}/linear-${n}`,
      priority: 3,
      state: LINEAR_STATES[1],
      labels: { nodes: [] },
      team: LINEAR_TEAM,
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      updatedAt: new Date(Date.now() - 3_600_000).toISOString(),
      ...extra,
    });

  before(async () => {
    lin = await fakeLinear();
    ({ dir, cleanup } = await trackerLedger("li", [
      ["linear.api_endpoint", `${lin.url}/graphql`],
      ["linear.team_id", LINEAR_TEAM],
    ]));
    seed(1, {
      priority: 1,
      labels: {
        nodes: [
          { id: "l1", name: "Bug" },
          { id: "l2", name: "frontend" },
        ],
      },
      assignee: { email: "ann@example.com" },
    });
    seed(2, { state: LINEAR_STATES[3] });
    seed(3, { state: LINEAR_STATES[2], priority: 0 });
  });
  after(async () => {
    await lin?.close();
    cleanup?.();
  });

  it("checks its configuration first: key, team UUID, and a state map before any push", async () => {
    const noKey = await bd(dir, ["linear", "sync"]);
    assert.notEqual(noKey.code, 0);
    assert.match(noKey.stderr, /Linear authentication not configured/);
    const badTeam = await bd(dir, ["linear", "sync", "--team", "ENG"], { env: env() });
    assert.match(badTeam.stderr, /invalid Linear team ID \(expected UUID format/);
    const noMap = await bd(dir, ["linear", "sync"], { env: env() });
    assert.notEqual(noMap.code, 0);
    assert.match(noMap.stderr, /linear\.state_map is not configured/);
    assert.equal(
      lin.requests.filter((q) => /issues\(|issueCreate/.test(String(q.body?.query))).length,
      0,
      "nothing was read or written",
    );
  });

  it("pulls every page with beads' mapping, without needing a state map", async () => {
    const r = await bd(dir, ["linear", "sync", "--pull", "--json"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY));
    const result = JSON.parse(r.stdout) as { stats: Record<string, number> };
    assert.equal(result.stats.pulled, 3);
    const pages = lin.requests.filter((q) => String(q.body?.query).includes("query Issues"));
    assert.deepEqual(
      pages.map((q) => (q.body?.variables as { after?: string } | undefined)?.after),
      [undefined, "2"],
    );
    assert.ok(lin.requests.every((q) => q.auth === KEY));
    const beads = await all();
    const one = byIdent(beads, "ENG-1")!;
    assert.deepEqual(
      [one.title, one.priority, one.issue_type, one.assignee, one.status, one.labels?.sort()],
      ["Linear 1", 0, "bug", "ann@example.com", "open", ["Bug", "frontend"]],
    );
    assert.equal(byIdent(beads, "ENG-2")?.status, "closed");
    assert.deepEqual(
      [byIdent(beads, "ENG-3")?.status, byIdent(beads, "ENG-3")?.priority],
      ["in_progress", 4],
    );
  });

  it("pushes with the state map: new beads created in the mapped state, edits updated", async () => {
    for (const [k, v] of [
      ["linear.state_map.unstarted", "open"],
      ["linear.state_map.started", "in_progress"],
      ["linear.state_map.done", "closed"],
    ])
      assert.equal((await bd(dir, ["config", "set", k!, v!])).code, 0);
    const local = await bdJson<Bead>(dir, [
      "create",
      "From beads",
      "-p",
      "1",
      "-d",
      "why",
      "--acceptance",
      "it works",
    ]);
    const two = byIdent(await all(), "ENG-2")!;
    assert.equal((await bd(dir, ["reopen", two.id])).code, 0);
    const r = await bd(dir, ["linear", "sync"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ Pushed 2 issues/);
    assert.match(r.stdout, /✓ Linear sync complete/);
    const create = lin.requests.find((q) => String(q.body?.query).includes("issueCreate"));
    assert.deepEqual((create?.body?.variables as { input?: unknown } | undefined)?.input, {
      teamId: LINEAR_TEAM,
      title: "From beads",
      description: "why\n\n## Acceptance Criteria\nit works",
      stateId: "st-todo",
      priority: 2,
    });
    assert.equal(
      (await all()).find((b) => b.id === local.id)?.external_ref,
      "https://linear.app/acme/issue/ENG-4",
    );
    const update = lin.requests.find((q) => String(q.body?.query).includes("issueUpdate"));
    assert.equal((update?.body?.variables as { id?: string } | undefined)?.id, "lin-2");
    assert.equal((lin.byId.get("lin-2")?.state as { name?: string } | undefined)?.name, "Todo");

    const seen = lin.requests.length;
    const again = await bdJson<{ stats: Record<string, number> }>(dir, ["linear", "sync"], env());
    assert.deepEqual([again.stats.created, again.stats.pushed], [0, 0]);
    assert.equal(
      lin.requests.slice(seen).filter((q) => /issueCreate|issueUpdate/.test(String(q.body?.query))).length,
      0,
    );
  });

  it("status and teams; the key is masked", async () => {
    const s = await bd(dir, ["linear", "status"], { env: env() });
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, new RegExp(`Team ID:\\s+${LINEAR_TEAM}`));
    assert.match(s.stdout, /API Key:\s+lin_\.\.\.0000/);
    assert.match(s.stdout, /With Linear:\s+4/);
    assert.ok(!s.stdout.includes(KEY));
    const j = await bdJson<{ configured: boolean; with_linear_ref: number; auth_mode: string }>(
      dir,
      ["linear", "status"],
      env(),
    );
    assert.deepEqual([j.configured, j.with_linear_ref, j.auth_mode], [true, 4, "api_key"]);
    const t = await bdJson<Array<{ id: string; key: string }>>(dir, ["linear", "teams"], env());
    assert.deepEqual(
      t.map((x) => [x.id, x.key]),
      [[LINEAR_TEAM, "ENG"]],
    );
  });
});
