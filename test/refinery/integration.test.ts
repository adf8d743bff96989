// gt mq integration create|status|land on a real town: an epic's integration branch made on
// origin, its two beads done by polecats (gt done targets the branch by itself), landed there
// by the refinery while main stays put, then the whole branch landed on main as one merge.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  commitIn,
  failsInOneLine,
  git,
  newTown,
  refSha,
  type Slung,
  type TestTown,
} from "../helpers/town.ts";

interface Status {
  epic: string;
  branch: string;
  base_branch: string;
  ahead_of_base: number;
  merged_mrs: Array<{ id: string; title: string }>;
  pending_mrs: Array<{ id: string; status?: string }>;
  ready_to_land: boolean;
  children_total: number;
  children_closed: number;
}

describe("gt mq integration", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) =>
    (JSON.parse(await bd(["show", id, "--json"])) as Array<{ status: string; description?: string }>)[0]!;
  const fails = failsInOneLine(() => town);

  async function slingChild(epic: string, title: string): Promise<Slung> {
    const id = await bd(["create", title, "--parent", epic, "--silent"]);
    const r = await town.gtJson<{ outcomes: Slung[] }>(["sling", id, "alpha", "--no-start", "--no-convoy"]);
    return r.outcomes[0]!;
  }
  const done = (s: Slung, args: string[] = []) =>
    town.gtJson<{ merge_request: string }>(["done", ...args], {
      cwd: s.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat },
    });

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "test -f README.md" } });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("beads of an epic land on its integration branch, which then lands on main as one merge", async () => {
    const epic = await bd(["create", "Add user auth!", "-t", "epic", "--silent"]);
    const mainBefore = refSha(origin, "refs/heads/main")!;

    const created = await town.gtJson<{ branch: string; base_branch: string; commit: string }>([
      "mq",
      "integration",
      "create",
      epic,
      "--rig",
      "alpha",
    ]);
    assert.equal(created.branch, "integration/add-user-auth");
    assert.equal(created.base_branch, "main");
    assert.equal(refSha(origin, "refs/heads/integration/add-user-auth"), mainBefore);
    assert.match((await show(epic)).description ?? "", /^integration_branch: integration\/add-user-auth$/m);
    assert.match((await show(epic)).description ?? "", /^base_branch: main$/m);
    await fails(["mq", "integration", "create", epic, "--rig", "alpha"], /already has integration branch/);
    await fails(["mq", "integration", "create", "al-nosuch", "--rig", "alpha"], /not found/);
    const task = await bd(["create", "not an epic", "--silent"]);
    await fails(["mq", "integration", "create", task, "--rig", "alpha"], /is a task, not an epic/);

    // Two children done by polecats: their merge requests target the integration branch.
    const a = await slingChild(epic, "login form");
    const b = await slingChild(epic, "logout button");
    commitIn(a.work_dir, "login.txt", "login\n");
    commitIn(b.work_dir, "logout.txt", "logout\n");
    const mrA = (await done(a)).merge_request;
    const mrB = (await done(b)).merge_request;
    const mrs = JSON.parse(await bd(["list", "--type", "merge-request", "--json", "--all"])) as Array<{
      id: string;
      metadata?: { target?: string };
    }>;
    for (const id of [mrA, mrB])
      assert.equal(mrs.find((m) => m.id === id)?.metadata?.target, "integration/add-user-auth");

    let st = await town.gtJson<Status>(["mq", "integration", "status", epic, "--rig", "alpha"]);
    assert.deepEqual(st.pending_mrs.map((m) => m.id).sort(), [mrA, mrB].sort());
    assert.equal(st.ready_to_land, false);
    assert.equal(st.ahead_of_base, 0);
    await fails(["mq", "integration", "land", epic, "--rig", "alpha"], /cannot land: 2 open merge request/);

    // The refinery lands both on the integration branch; main does not move.
    const report = await town.gtJson<{ landed: Array<{ mr: string }> }>(["refinery", "run-once", "alpha"]);
    assert.deepEqual(report.landed.map((l) => l.mr).sort(), [mrA, mrB].sort());
    assert.equal(refSha(origin, "refs/heads/main"), mainBefore);
    const files = git(origin, "ls-tree", "--name-only", "refs/heads/integration/add-user-auth").split("\n");
    assert.ok(files.includes("login.txt") && files.includes("logout.txt"), files.join(","));

    st = await town.gtJson<Status>(["mq", "integration", "status", epic, "--rig", "alpha"]);
    assert.deepEqual(st.merged_mrs.map((m) => m.id).sort(), [mrA, mrB].sort());
    assert.deepEqual(st.pending_mrs, []);
    assert.equal(st.children_total, 2);
    assert.equal(st.children_closed, 2);
    assert.equal(st.ahead_of_base, 2);
    assert.equal(st.ready_to_land, true);
    const human = await town.gt(["mq", "integration", "status", epic, "--rig", "alpha"]);
    assert.match(human.stdout, /Integration: integration\/add-user-auth/);
    assert.match(human.stdout, /ready to land/);

    // A dry run changes nothing.
    const dry = await town.gtJson<{ dry_run: boolean }>([
      "mq",
      "integration",
      "land",
      epic,
      "--rig",
      "alpha",
      "--dry-run",
    ]);
    assert.equal(dry.dry_run, true);
    assert.equal(refSha(origin, "refs/heads/main"), mainBefore);
    assert.equal((await show(epic)).status, "open");

    const landed = await town.gtJson<{
      merge_commit: string;
      gates: string;
      epic_closed: boolean;
      branch_deleted: boolean;
    }>(["mq", "integration", "land", epic, "--rig", "alpha"]);
    assert.equal(landed.gates, "passed");
    assert.equal(refSha(origin, "refs/heads/main"), landed.merge_commit);
    const parents = git(origin, "rev-list", "--parents", "-n", "1", landed.merge_commit).split(" ");
    assert.equal(parents.length, 3, "one --no-ff merge commit");
    assert.equal(parents[1], mainBefore);
    const onMain = git(origin, "ls-tree", "--name-only", "refs/heads/main").split("\n");
    assert.ok(onMain.includes("login.txt") && onMain.includes("logout.txt"));
    assert.ok(landed.epic_closed && landed.branch_deleted);
    assert.equal(refSha(origin, "refs/heads/integration/add-user-auth"), undefined);
    assert.equal((await show(epic)).status, "closed");
    await fails(["mq", "integration", "status", epic, "--rig", "alpha"], /does not exist/);
  });

  it("land refuses open children unless --force, and a rerun after the push only tidies up", async () => {
    const epic = await bd(["create", "Second epic", "-t", "epic", "--silent"]);
    await town.gtJson([
      "mq",
      "integration",
      "create",
      epic,
      "--rig",
      "alpha",
      "--branch",
      "integration/{epic}",
    ]);
    const branch = `integration/${epic}`;
    const child = await bd(["create", "still open", "--parent", epic, "--silent"]);
    await fails(
      ["mq", "integration", "land", epic, "--rig", "alpha"],
      new RegExp(`1 child\\(ren\\) of ${epic} still open \\(${child}\\)`),
    );

    // Someone merged the branch into main already (a land killed after its push): nothing
    // to merge, the epic is closed and the branch deleted.
    const clone = join(town.scratch, "second");
    git(town.scratch, "clone", "--quiet", origin, clone);
    git(clone, "checkout", "--quiet", branch);
    commitIn(clone, "second.txt", "second\n");
    git(clone, "push", "--quiet", "origin", branch);
    git(clone, "checkout", "--quiet", "main");
    git(
      clone,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@e",
      "merge",
      "--quiet",
      "--no-ff",
      "-m",
      "by hand",
      branch,
    );
    git(clone, "push", "--quiet", "origin", "main");
    const main = refSha(origin, "refs/heads/main");
    const r = await town.gtJson<{
      already_merged: boolean;
      merge_commit: string | null;
      epic_closed: boolean;
    }>(["mq", "integration", "land", epic, "--rig", "alpha", "--force"]);
    assert.equal(r.already_merged, true);
    assert.equal(r.merge_commit, null);
    assert.equal(refSha(origin, "refs/heads/main"), main);
    assert.equal(refSha(origin, `refs/heads/${branch}`), undefined);
    assert.equal((await show(epic)).status, "closed");
  });
});
