// gt refinery claim/release/unclaimed/ready/blocked against a real rig: merge requests filed
// as gt done files them, a claim that keeps `gt refinery run-once` off an MR until released,
// a blocking bead that holds one back until it closes, and a stale claim taken over.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { queueHasWork } from "../../src/refinery/wake.ts";
import { locate } from "../../src/town/ledgers.ts";
import { Town } from "../../src/town/workspace.ts";
import { createMergeRequest } from "../../src/work/merge-requests.ts";
import { addBareRig, bdOk, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

interface Row {
  id: string;
  claimed_by: string | null;
  claim_stale: boolean;
  blocked_by: string[];
}
interface Report {
  landed: Array<{ mr: string }>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=dev", "-c", "user.email=dev@example.com", ...args], {
    cwd,
    encoding: "utf8",
    stdio: "pipe",
  }).trim();

describe("gt refinery claims", () => {
  let town: TestTown;
  let rigDir: string;
  let work: string;
  const fails = failsInOneLine(() => town);

  async function withLedger<T>(f: (l: ReturnType<typeof openLedger>) => Promise<T>): Promise<T> {
    const ledger = openLedger(locate(join(rigDir, ".beads")));
    try {
      return await f(ledger);
    } finally {
      await ledger.close();
    }
  }

  /** A pushed branch with one new file, its bead and its merge request; returns the MR ID. */
  async function submit(name: string): Promise<string> {
    const branch = `polecat/${name}/work@x`;
    git(work, "fetch", "--quiet", "origin");
    git(work, "checkout", "--quiet", "-B", branch, "origin/main");
    writeFileSync(join(work, `${name}.txt`), `${name}\n`);
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", name);
    git(work, "push", "--quiet", "origin", branch);
    const sha = git(work, "rev-parse", "HEAD");
    const bead = await bdOk(town, rigDir, ["create", name, "--silent"]);
    return withLedger(async (l) => {
      await l.updateIssue(bead, { status: "in_progress" }, "test");
      const fields = { branch, target: "main", source_issue: bead, rig: "alpha", commit_sha: sha };
      const r = await createMergeRequest(
        l,
        { ...fields, worker: `alpha/polecats/${name}`, retry_count: 0 },
        2,
        "test",
      );
      return r.mr.id;
    });
  }
  const ids = (rows: Row[]) => rows.map((r) => r.id).sort();
  const ready = async () => (await town.gtJson<{ ready: Row[] }>(["refinery", "ready", "alpha"])).ready;

  before(async () => {
    town = await newTown("subprocess");
    const origin = await addBareRig(town, "alpha");
    rigDir = join(town.root, "alpha");
    work = join(town.scratch, "work");
    execFileSync("git", ["clone", "--quiet", origin, work]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("a claimed MR and a blocked one stay out of the refinery's round until released and unblocked", async () => {
    const a = await submit("a");
    const b = await submit("b");
    const c = await submit("c");
    assert.deepEqual(ids(await ready()), [a, b, c].sort());

    const claim = await town.gtJson<{ mr: string; worker: string; previous: string | null }>([
      "refinery",
      "claim",
      a,
      "--worker",
      "alice",
    ]);
    assert.deepEqual(claim, { mr: a, worker: "alice", previous: null, renewed: false });
    await fails(["refinery", "claim", a, "--worker", "bob"], /claimed by alice/);
    const unclaimed = await town.gtJson<Row[]>(["refinery", "unclaimed", "alpha"]);
    assert.deepEqual(ids(unclaimed), [b, c].sort());

    const gate = await bdOk(town, rigDir, ["create", "resolve the conflict first", "--silent"]);
    await bdOk(town, rigDir, ["dep", "add", c, gate]);
    const blocked = await town.gtJson<Row[]>(["refinery", "blocked", "alpha"]);
    assert.deepEqual(
      blocked.map((r) => [r.id, r.blocked_by]),
      [[c, [gate]]],
    );
    assert.deepEqual(ids(await ready()), [b]);
    const all = await town.gtJson<Row[]>(["refinery", "ready", "alpha", "--all"]);
    assert.equal(all.find((r) => r.id === a)?.claimed_by, "alice");
    const human = await town.gt(["refinery", "ready", "alpha", "--all"]);
    assert.match(human.stdout, new RegExp(`ID: ${a} .*Claimed: alice`));
    assert.match(human.stdout, new RegExp(`Blocked by: ${gate}`));

    assert.equal(await queueHasWork(new Town(town.root), "alpha"), true, "b is the refinery's to take");
    let report = await town.gtJson<Report>(["refinery", "run-once", "alpha"]);
    assert.deepEqual(
      report.landed.map((l) => l.mr),
      [b],
      "only the unclaimed, unblocked MR lands",
    );

    // Left: a claimed MR and a blocked one; a running refinery has nothing to wake up for.
    assert.equal(await queueHasWork(new Town(town.root), "alpha"), false);
    const released = await town.gtJson<{ released: string | null }>(["refinery", "release", a]);
    assert.equal(released.released, "alice");
    assert.match((await town.gt(["refinery", "release", a])).stdout, /was not claimed/);
    await bdOk(town, rigDir, ["close", gate]);
    assert.deepEqual(ids(await ready()), [a, c].sort());
    report = await town.gtJson<Report>(["refinery", "run-once", "alpha"]);
    assert.deepEqual(report.landed.map((l) => l.mr).sort(), [a, c].sort());
    assert.deepEqual(await ready(), []);
    await fails(["refinery", "claim", a], /is closed/);
  });

  it("a stale claim counts as unclaimed, shows as an anomaly, and may be taken over", async () => {
    const d = await submit("d");
    await town.gtJson(["refinery", "claim", d, "--worker", "carol"]);
    await fails(["refinery", "claim", d, "--worker", "dave"], /claimed by carol/);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await withLedger((l) => l.updateIssue(d, { set_metadata: { claimed_at: hourAgo } }, "test"));
    const r = await town.gtJson<{ ready: Row[]; anomalies: Array<{ id: string; type: string }> }>([
      "refinery",
      "ready",
      "alpha",
    ]);
    assert.deepEqual(ids(r.ready), [d]);
    assert.deepEqual(
      r.anomalies.map((x) => [x.id, x.type]),
      [[d, "stale-claim"]],
    );
    const taken = await town.gtJson<{ previous: string }>(["refinery", "claim", d, "--worker", "dave"]);
    assert.equal(taken.previous, "carol");
    await town.gtJson(["refinery", "claim", d, "--worker", "erin", "--force"]);
    await fails(["refinery", "claim", "al-nosuch"], /no merge request|no issue/);
    await fails(["refinery", "release", "nosuch", "alpha"], /no merge request|no issue/);
  });
});
