import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
// gt mq's filters and options as Gas Town has them: list --ready/--status/--worker/--epic/--verify,
// submit --epic, reject --stdin/--notify, retry --now. Merge requests come from polecats'
// gt done (the test plays the agents, no sessions).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";
import {
  addBareRig,
  bdOk,
  commitIn,
  failsInOneLine,
  git,
  newTown,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Row {
  id: string;
  worker: string;
  target: string;
  branch: string;
  status: string;
  branch_missing?: boolean;
}

describe("gt mq list filters, submit --epic, reject --stdin --notify, retry --now", () => {
  let town: TestTown;
  let origin: string;
  const fails = failsInOneLine(() => town);
  const rigDir = () => join(town.root, "alpha");
  const done = async (s: Slung) => {
    const env = { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat };
    const r = await town.gt(["done", "--json"], { cwd: s.work_dir, env });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { merge_request: string }).merge_request;
  };
  const list = (...args: string[]) => town.gtJson<Row[]>(["mq", "list", "alpha", ...args]);
  const ids = (rows: Row[]) => rows.map((r) => r.id).sort();
  let a: Slung;
  let mrA = "";
  let mrB = "";
  let mrC = "";
  let epic = "";

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha");
    // An epic with an integration branch; a child of it slung beside two plain tasks, all three
    // before any is done: three polecats, three workers.
    epic = await bdOk(town, rigDir(), ["create", "Big feature", "-t", "epic", "--silent"]);
    const created = await town.gt([
      "mq",
      "integration",
      "create",
      epic,
      "--rig",
      "alpha",
      "--branch",
      "integration/big",
    ]);
    assert.equal(created.code, 0, created.stderr);
    a = await slingNew(town, "alpha", "task a");
    const b = await slingNew(town, "alpha", "task b");
    const c = await slingNew(town, "alpha", "part of it", ["--parent", epic]);
    assert.equal(new Set([a.polecat, b.polecat, c.polecat]).size, 3);
    commitIn(a.work_dir, "a.txt", "a\n");
    mrA = await done(a);
    commitIn(b.work_dir, "b.txt", "b\n");
    mrB = await done(b);
    commitIn(c.work_dir, "c.txt", "c\n");
    mrC = await done(c);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("list filters by readiness, status, worker and epic, and --verify marks branches origin lost", async () => {
    assert.deepEqual(ids(await list()), [mrA, mrB, mrC].sort());
    const claim = await town.gt(["refinery", "claim", mrB, "alpha", "--worker", "bob"]);
    assert.equal(claim.code, 0, claim.stderr);
    assert.deepEqual(ids(await list("--ready")), [mrA, mrC].sort(), "a claimed MR is not ready");
    assert.deepEqual(ids(await list("--worker", a.polecat)), [mrA]);
    assert.deepEqual(ids(await list("--worker", `alpha/polecats/${a.polecat}`)), [mrA]);
    assert.deepEqual(ids(await list("--status", "closed")), []);
    const byEpic = await list("--epic", epic);
    assert.deepEqual(
      byEpic.map((r) => [r.id, r.target]),
      [[mrC, "integration/big"]],
    );
    await fails(["mq", "list", "alpha", "--epic", "al-nope"], /al-nope/);

    const rowA = (await list()).find((r) => r.id === mrA)!;
    git(origin, "branch", "-D", rowA.branch);
    const verified = await list("--verify");
    assert.deepEqual(
      verified.map((r) => [r.id, r.branch_missing]).sort(),
      [
        [mrA, true],
        [mrB, false],
        [mrC, false],
      ].sort(),
    );
    assert.match((await town.gt(["mq", "list", "alpha", "--verify"])).stdout, /MISSING/);
    await town.gt(["refinery", "release", mrB, "alpha"]);
  });

  it("submit --epic needs an epic with an integration branch, and not --target too", async () => {
    const plain = await bdOk(town, rigDir(), ["create", "No branch epic", "-t", "epic", "--silent"]);
    await fails(["mq", "submit", "--issue", mrA, "--epic", plain], /has no integration branch/);
    await fails(["mq", "submit", "--issue", mrA, "--epic", epic, "--target", "main"], /not both/);
  });

  it("reject reads its reason from stdin and mails the worker; retry --now works the queue at once", async () => {
    const r = await run(GT, rigDir(), ["mq", "reject", "alpha", mrB, "--stdin", "--notify", "--json"], {
      env: town.env,
      input: "tests fail on CI\n",
    });
    assert.equal(r.code, 0, r.stderr);
    const rejected = JSON.parse(r.stdout) as { status: string; notified: string | null; worker: string };
    assert.equal(rejected.status, "closed");
    assert.equal(rejected.notified, rejected.worker);
    const inbox = await town.gtJson<Array<{ subject: string; body: string }>>([
      "mail",
      "inbox",
      "--identity",
      rejected.worker,
    ]);
    assert.ok(
      inbox.some((m) => m.subject === `Merge request ${mrB} rejected` && m.body.includes("tests fail on CI")),
      JSON.stringify(inbox),
    );
    await fails(["mq", "reject", "alpha", mrA], /say why/);

    const retried = await town.gtJson<{ id: string; run: { landed: Array<{ mr: string }> } }>([
      "mq",
      "retry",
      "alpha",
      mrB,
      "--now",
    ]);
    assert.equal(retried.id, mrB);
    assert.ok(
      retried.run.landed.some((l) => l.mr === mrB),
      JSON.stringify(retried.run),
    );
    assert.equal(git(origin, "show", "main:b.txt"), "b");
  });
});
