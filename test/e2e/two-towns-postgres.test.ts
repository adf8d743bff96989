import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
// A town on two machines (issue 18): two town roots on different paths, each with its own tmux
// server and home, sharing one PostgreSQL database (the town ledger and the rig's ledger, one
// schema each) and one git remote. Town A moves its ledgers to PostgreSQL (bd migrate); town B
// points its own at the same schemas (bd init --backend postgres --force). Then: what one
// closes the other's bd ready stops offering at once; a bead slung by one cannot be slung by
// the other; a convoy whose beads are done from both towns lands.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Postgres, startPostgres } from "../helpers/postgres.ts";
import { addBareRig, bdOk, commitIn, git, newTown, type Slung, type TestTown } from "../helpers/town.ts";

describe("two towns sharing one PostgreSQL ledger and one remote", () => {
  let pg: Postgres;
  let a: TestTown;
  let b: TestTown;
  let origin: string;
  const rig = (t: TestTown) => join(t.root, "alpha");
  const bd = (t: TestTown, dir: string, args: string[]) => bdOk(t, dir, args);
  const readyIds = async (t: TestTown) =>
    (JSON.parse(await bd(t, rig(t), ["ready", "--json", "--limit", "0"])) as Array<{ id: string }>).map(
      (i) => i.id,
    );
  const sling = (t: TestTown, bead: string) =>
    t.gt(["sling", bead, "alpha", "--no-start", "--no-convoy", "--json"]);
  const done = async (t: TestTown, s: Slung) => {
    const env = { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat };
    const r = await t.gt(["done", "--json"], { cwd: s.work_dir, env });
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    pg = await startPostgres();
    a = await newTown("tmux");
    b = await newTown("tmux");
    origin = await addBareRig(a, "alpha", { mergeQueue: { test_command: "true" } });
    const added = await b.gt(["rig", "add", "alpha", origin]);
    assert.equal(added.code, 0, added.stderr);
    // Town A's ledgers move to PostgreSQL; town B's name the same schemas.
    for (const dir of [a.root, rig(a)]) await bd(a, dir, ["migrate", "--to", "postgres", "--dsn", pg.dsn]);
    await bd(b, b.root, ["init", "--backend", "postgres", "--dsn", pg.dsn, "--prefix", "hq", "--force"]);
    await bd(b, rig(b), ["init", "--backend", "postgres", "--dsn", pg.dsn, "--prefix", "al", "--force"]);
  });
  after(async () => {
    await a?.cleanup();
    await b?.cleanup();
    pg?.stop();
  });

  it("what one town writes, the other reads at once", async () => {
    const id = await bd(a, rig(a), ["create", "Shared work", "--silent"]);
    assert.ok((await readyIds(b)).includes(id), "B sees A's new bead");
    await bd(b, rig(b), ["close", id, "--reason", "done on B"]);
    assert.ok(!(await readyIds(a)).includes(id), "A no longer offers what B closed");
    const shown = JSON.parse(await bd(a, rig(a), ["show", id, "--json"])) as Array<{ close_reason: string }>;
    assert.equal(shown[0]!.close_reason, "done on B");
  });

  it("a bead slung by one town cannot be slung by the other", async () => {
    const id = await bd(a, rig(a), ["create", "Only once", "--silent"]);
    const first = await sling(a, id);
    assert.equal(first.code, 0, first.stderr);
    const second = await sling(b, id);
    assert.notEqual(second.code, 0, "B's sling of a bead on A's hook must fail");
    assert.match(second.stderr, /is on alpha\/polecats\/\w+'s hook in another town/);
    const bead = JSON.parse(await bd(b, rig(b), ["show", id, "--json"])) as Array<{ assignee: string }>;
    const slung = JSON.parse(first.stdout) as { outcomes: Array<{ polecat: string }> };
    assert.equal(bead[0]!.assignee, `alpha/polecats/${slung.outcomes[0]!.polecat}`);
  });

  it("a convoy whose beads are done from both towns lands", async () => {
    const x = await bd(a, rig(a), ["create", "Part from A", "--silent"]);
    const y = await bd(a, rig(a), ["create", "Part from B", "--silent"]);
    const convoy = await a.gtJson<{ id: string }>(["convoy", "create", "Across towns", x, y]);
    const fromA = await a.gtJson<{ outcomes: Slung[] }>(["sling", x, "alpha", "--no-start"]);
    const fromB = await b.gtJson<{ outcomes: Slung[] }>(["sling", y, "alpha", "--no-start"]);
    const sa = fromA.outcomes[0]!;
    const sb = fromB.outcomes[0]!;
    commitIn(sa.work_dir, "from-a.txt", "a\n");
    commitIn(sb.work_dir, "from-b.txt", "b\n");
    await done(a, sa);
    await done(b, sb);
    // One refinery (town A's) lands both: the merge requests are in the shared ledger, the
    // branches on the shared remote.
    const report = await a.gtJson<{ landed: Array<{ mr: string }> }>(["refinery", "run-once", "alpha"]);
    assert.equal(report.landed.length, 2, JSON.stringify(report));
    const files = git(origin, "ls-tree", "--name-only", "main").split("\n");
    assert.ok(files.includes("from-a.txt") && files.includes("from-b.txt"), files.join(","));
    await b.gt(["convoy", "check"]);
    const status = await b.gtJson<{ status: string }>(["convoy", "status", convoy.id]);
    assert.equal(status.status, "closed", "the convoy landed, seen from B");
  });
});
