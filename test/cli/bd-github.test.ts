import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bd, bdJson } from "../helpers/bd.ts";
import { type FakeTracker, fakeGitHub, trackerLedger, trackerStamp } from "../helpers/tracker-server.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  labels?: string[];
  assignee?: string;
  external_ref?: string;
}

const TOKEN = "gh-secret-token-123";
const stamp = trackerStamp;

// bd github through bin/bd against a loopback GitHub: pull (paged, pull requests left out,
// scoped labels mapped), push (create upstream, link back), a second sync that changes
// nothing, a close upstream that closes here, and the token never shown.
describe("bd github", () => {
  let dir: string;
  let cleanup: () => void;
  let gh: FakeTracker;
  const env = () => ({ GITHUB_TOKEN: TOKEN });
  const all = () => bdJson<Bead[]>(dir, ["list", "--all", "-n", "0"]);
  const byRef = (beads: Bead[], n: number) =>
    beads.find((b) => b.external_ref === `https://github.com/acme/app/issues/${n}`);

  before(async () => {
    gh = await fakeGitHub("acme", "app");
    ({ dir, cleanup } = await trackerLedger("gh", [
      ["github.repository", "acme/app"],
      ["github.url", gh.url],
    ]));
    const issue = (number: number, extra: Record<string, unknown>) => ({
      id: 100 + number,
      number,
      title: `Upstream ${number}`,
      body: `body ${number}`,
      state: "open",
      labels: [],
      html_url: `https://github.com/acme/app/issues/${number}`,
      created_at: stamp(-60_000),
      updated_at: stamp(-60_000),
      ...extra,
    });
    gh.issues.set(
      1,
      issue(1, {
        labels: [{ name: "priority::high" }, { name: "type::bug" }, { name: "ui" }],
        assignee: { login: "ann", id: 5 },
      }),
    );
    gh.issues.set(2, issue(2, { state: "closed", closed_at: stamp(-30_000) }));
    gh.issues.set(3, issue(3, { pull_request: { url: "https://api.github.com/pulls/3" } }));
    gh.issues.set(4, issue(4, { labels: [{ name: "status::in_progress" }, { name: "enhancement" }] }));
  });
  after(async () => {
    await gh?.close();
    cleanup?.();
  });

  it("says what is missing before any request, and refuses clashing flags", async () => {
    const noToken = await bd(dir, ["github", "sync"]);
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.stderr, /github\.token is not configured/);
    const both = await bd(dir, ["github", "sync", "--pull-only", "--push-only"], { env: env() });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /cannot use both --pull-only and --push-only/);
    const prefer = await bd(dir, ["github", "sync", "--prefer-local", "--prefer-github"], { env: env() });
    assert.match(prefer.stderr, /cannot use multiple conflict resolution flags/);
    assert.equal(gh.requests.length, 0);
  });

  it("status shows the configuration with the token masked", async () => {
    const r = await bd(dir, ["github", "status"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Owner:\s+acme/);
    assert.match(r.stdout, /Repository: app/);
    assert.match(r.stdout, /Token:\s+gh-s\*\*\*\*/);
    assert.match(r.stdout, /Status: ✓ Configured/);
    assert.ok(!r.stdout.includes(TOKEN));
    const j = await bdJson<{ configured: boolean; token: string; owner: string }>(
      dir,
      ["github", "status"],
      env(),
    );
    assert.equal(j.configured, true);
    assert.ok(!JSON.stringify(j).includes(TOKEN));
  });

  it("pulls every page, pushes local beads, and links both ways", async () => {
    const local = await bdJson<Bead>(dir, ["create", "Local only", "-t", "feature", "-p", "1", "-l", "web"]);
    const r = await bd(dir, ["github", "sync", "--json"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    const result = JSON.parse(r.stdout) as {
      success: boolean;
      stats: Record<string, number>;
      last_sync: string;
    };
    assert.equal(result.success, true);
    assert.equal(result.stats.pulled, 3);
    assert.equal(result.stats.pushed, 1);
    // The list spanned pages (two a page) and asked for every state.
    const lists = gh.requests.filter((q) => q.method === "GET" && q.path === "/repos/acme/app/issues");
    assert.deepEqual(
      lists.map((q) => q.query.get("page")),
      ["1", "2"],
    );
    assert.ok(lists.every((q) => q.query.get("state") === "all" && q.auth === `Bearer ${TOKEN}`));

    const beads = await all();
    const one = byRef(beads, 1)!;
    assert.deepEqual(
      {
        title: one.title,
        priority: one.priority,
        type: one.issue_type,
        labels: one.labels,
        assignee: one.assignee,
        status: one.status,
      },
      { title: "Upstream 1", priority: 1, type: "bug", labels: ["ui"], assignee: "ann", status: "open" },
    );
    assert.equal(byRef(beads, 2)?.status, "closed");
    assert.equal(byRef(beads, 3), undefined, "a pull request is not an issue");
    assert.deepEqual([byRef(beads, 4)?.status, byRef(beads, 4)?.issue_type], ["in_progress", "feature"]);

    // The local bead went up as #5 with its fields as scoped labels, and points at it now.
    const post = gh.requests.find((q) => q.method === "POST");
    assert.deepEqual(post?.body, {
      title: "Local only",
      body: "",
      labels: ["type::feature", "priority::high", "web"],
    });
    assert.equal(beads.find((b) => b.id === local.id)?.external_ref, "https://github.com/acme/app/issues/5");
    // Nothing pulled was pushed back.
    assert.equal(gh.requests.filter((q) => q.method === "PATCH").length, 0);
    const state = JSON.parse(readFileSync(join(dir, ".beads", "sync-state.json"), "utf8")) as Record<
      string,
      string
    >;
    assert.equal(state["github.last_sync"], result.last_sync);
  });

  it("a second sync creates nothing twice and asks only for what changed since", async () => {
    const before = await all();
    const seen = gh.requests.length;
    const r = await bd(dir, ["github", "sync", "--json"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { stats: Record<string, number> };
    assert.equal(result.stats.created, 0);
    assert.equal(result.stats.pushed, 0);
    const after = await all();
    assert.equal(after.length, before.length);
    const fresh = gh.requests.slice(seen);
    assert.ok(
      fresh.some((q) => q.query.get("since")),
      "incremental list",
    );
    assert.equal(fresh.filter((q) => q.method === "POST" || q.method === "PATCH").length, 0);
    assert.equal(gh.issues.size, 5);
  });

  it("closed upstream closes the bead; a local edit is pushed as a PATCH", async () => {
    Object.assign(gh.issues.get(1)!, { state: "closed", closed_at: stamp(1000), updated_at: stamp(1000) });
    const four = byRef(await all(), 4)!;
    const upd = await bd(dir, ["update", four.id, "--title", "Renamed here"]);
    assert.equal(upd.code, 0, upd.stderr);
    const r = await bd(dir, ["github", "sync"], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ Pulled 1 issues \(1 created|✓ Pulled 1 issues/);
    assert.match(r.stdout, /✓ Pushed 1 issues/);
    const beads = await all();
    assert.equal(byRef(beads, 1)?.status, "closed");
    const patch = gh.requests.filter((q) => q.method === "PATCH").at(-1);
    assert.equal(patch?.path, "/repos/acme/app/issues/4");
    assert.equal(patch?.body?.title, "Renamed here");
    assert.equal(patch?.body?.state, "open");
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });

  it("changed on both sides since the last sync: --prefer-github takes theirs, the default the newer", async () => {
    const one = byRef(await all(), 1)!;
    assert.equal((await bd(dir, ["update", one.id, "--title", "Ours"])).code, 0);
    Object.assign(gh.issues.get(1)!, { title: "Theirs", updated_at: stamp(2000) });
    const seen = gh.requests.length;
    const theirs = await bdJson<{ stats: Record<string, number> }>(
      dir,
      ["github", "sync", "--prefer-github"],
      env(),
    );
    assert.equal(theirs.stats.conflicts, 1);
    assert.equal(byRef(await all(), 1)?.title, "Theirs");
    assert.equal(gh.requests.slice(seen).filter((q) => q.method === "PATCH").length, 0);

    // Both change again, ours last: newer wins, so it goes up.
    await new Promise((r) => setTimeout(r, 1100));
    Object.assign(gh.issues.get(1)!, { title: "Theirs again", updated_at: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await bd(dir, ["update", one.id, "--title", "Ours, later"])).code, 0);
    const newer = await bd(dir, ["github", "sync"], { env: env() });
    assert.equal(newer.code, 0, newer.stderr);
    assert.match(newer.stdout, new RegExp(`Conflict on ${one.id}: local is newer, pushing`));
    assert.equal(gh.issues.get(1)?.title, "Ours, later");
    assert.equal(byRef(await all(), 1)?.title, "Ours, later");
  });

  it("dry run changes nothing; repos lists what the token sees; a bad token is one error line", async () => {
    await bdJson<Bead>(dir, ["create", "Not yet pushed"]);
    const seen = gh.issues.size;
    const dry = await bd(dir, ["github", "sync", "--dry-run"], { env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run mode/);
    assert.match(dry.stdout, /\[dry-run\] Would create in GitHub: Not yet pushed/);
    assert.equal(gh.issues.size, seen);
    const repos = await bdJson<Array<{ full_name: string }>>(dir, ["github", "repos"], env());
    assert.deepEqual(
      repos.map((x) => x.full_name),
      ["acme/app"],
    );
    const bad = await bd(dir, ["github", "sync", "--pull-only"], {
      env: { GITHUB_TOKEN: "wrong-token-999" },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Bad credentials \(status 401\)/);
    assert.ok(!bad.stderr.includes("wrong-token-999"));
  });
});
