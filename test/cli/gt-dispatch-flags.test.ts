// Dispatch flags against a real town: gt ready --rig, gt hook status, gt unsling --dry-run
// and --force.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  commitIn,
  git,
  mergeRequestBeads,
  newTown,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

describe("gt dispatch flags: ready --rig, hook status, unsling --dry-run/--force", () => {
  let town: TestTown;
  let rigDir: string;
  const create = (cwd: string, title: string) => bdOk(town, cwd, ["create", title, "--silent"]);
  const status = async (id: string) =>
    (await town.gtJson<Array<{ status: string; assignee?: string }>>(["show", id]))[0]!;

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    rigDir = join(town.root, "alpha");
    const crew = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(crew.code, 0, crew.stderr);
  });
  after(async () => town?.cleanup());

  it("gt ready --rig lists only that rig's ready work", async () => {
    const rigBead = await create(rigDir, "Rig ready");
    const townBead = await create(town.root, "Town ready");
    const all = await town.gtJson<Array<{ id: string }>>(["ready"]);
    assert.ok(all.some((r) => r.id === townBead) && all.some((r) => r.id === rigBead));
    const rig = await town.gtJson<Array<{ id: string; rig: string | null }>>(["ready", "--rig", "alpha"]);
    assert.ok(rig.some((r) => r.id === rigBead));
    assert.deepEqual([...new Set(rig.map((r) => r.rig))], ["alpha"]);
    const bad = await town.gt(["ready", "--rig", "nosuch"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown rig "nosuch"/);
  });

  it("gt hook status shows an agent's hook; gt unsling --dry-run changes nothing", async () => {
    const bead = await create(rigDir, "Hooked work");
    const hooked = await town.gt(["hook", bead, "alpha/crew/max"]);
    assert.equal(hooked.code, 0, hooked.stderr);
    const st = await town.gtJson<{ agent: string; hooked: Array<{ id: string }> }>([
      "hook",
      "status",
      "alpha/crew/max",
    ]);
    assert.equal(st.agent, "alpha/crew/max");
    assert.deepEqual(
      st.hooked.map((b) => b.id),
      [bead],
    );

    const dry = await town.gt(["unsling", bead, "alpha/crew/max", "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, `○ Would take ${bead} off alpha/crew/max's hook\n`);
    assert.equal((await status(bead)).status, "hooked");
    const dryAll = await town.gtJson<Array<{ bead: string; dry_run: boolean }>>([
      "unsling",
      "alpha/crew/max",
      "-n",
    ]);
    assert.deepEqual(dryAll, [{ bead, from: "alpha/crew/max", dry_run: true }]);
    const wrong = await town.gt(["unsling", bead, "alpha/crew/bob", "--dry-run"]);
    assert.equal(wrong.code, 1, "a dry run refuses what the real run would");
    assert.equal((await status(bead)).status, "hooked");

    const off = await town.gt(["unsling", bead]);
    assert.equal(off.code, 0, off.stderr);
    assert.equal((await status(bead)).status, "open");
  });

  it("gt unsling --force takes back work its holder has started", async () => {
    const bead = await create(rigDir, "Started work");
    await bdOk(town, rigDir, ["update", bead, "--status", "in_progress", "--assignee", "alpha/crew/max"]);
    const refused = await town.gt(["unsling", bead]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /in progress with alpha\/crew\/max.*--force takes it back/);
    assert.equal((await status(bead)).status, "in_progress");
    const forced = await town.gtJson<Array<{ bead: string; from: string }>>(["unsling", bead, "--force"]);
    assert.deepEqual(forced, [{ bead, from: "alpha/crew/max" }]);
    const back = await status(bead);
    assert.equal(back.status, "open");
    assert.equal(back.assignee ?? "", "");
  });

  it("gt sling --base-branch starts the polecat from that branch; --no-merge and --base-branch are kept on the bead", async () => {
    // A develop branch on origin, one commit ahead of main.
    const origin = join(town.scratch, "project.git");
    const tree = git(origin, "rev-parse", "main^{tree}");
    const dev = git(
      origin,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@e",
      "commit-tree",
      tree,
      "-p",
      "main",
      "-m",
      "develop work",
    );
    git(origin, "update-ref", "refs/heads/develop", dev);

    const bead = await create(rigDir, "Work on develop");
    for (const [args, message] of [
      [["--base-branch", "nosuch"], /rig alpha has no branch "nosuch"/],
      [["--merge", "direct"], /--merge direct is not offered here/],
      [["--merge", "sideways"], /--merge wants mr or local, not "sideways"/],
    ] as const) {
      const r = await town.gt(["sling", bead, "alpha", "--no-start", "--no-convoy", ...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal((await status(bead)).status, "open", "nothing half-made");
    }
    const crew = await town.gt(["sling", bead, "alpha/crew/max", "--base-branch", "develop"]);
    assert.equal(crew.code, 1);
    assert.match(crew.stderr, /--base-branch is for polecat work/);

    const report = await town.gtJson<{ outcomes: Array<{ work_dir: string; branch: string }> }>([
      "sling",
      bead,
      "alpha",
      "--no-start",
      "--no-convoy",
      "--base-branch",
      "develop",
      "--no-merge",
    ]);
    const out = report.outcomes[0]!;
    assert.equal(git(out.work_dir, "rev-parse", "HEAD"), dev, "the sandbox starts at develop's tip");
    const meta = (await town.gtJson<Array<{ metadata: Record<string, unknown> }>>(["show", bead]))[0]!
      .metadata;
    assert.equal(meta.base_branch, "develop");
    assert.equal(meta.no_merge, true);
  });

  it("gt done --priority sets the merge request's priority; a bad one is refused before anything happens", async () => {
    const s = await slingNew(town, "alpha", "Urgent fix", ["-p", "3"]);
    commitIn(s.work_dir, "fix.txt", "fix\n");
    const env = { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat };
    const bad = await town.gt(["done", "--priority", "7"], { cwd: s.work_dir, env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--priority wants 0-4, not "7"/);
    assert.equal((await status(s.bead)).status, "hooked", "nothing happened");
    const r = await town.gt(["done", "-p", "0", "--json"], { cwd: s.work_dir, env });
    assert.equal(r.code, 0, r.stderr);
    const mrId = (JSON.parse(r.stdout) as { merge_request: string }).merge_request;
    const mr = (await mergeRequestBeads<{ id: string; priority: number }>(town, rigDir)).find(
      (m) => m.id === mrId,
    );
    assert.equal(mr?.priority, 0);
  });

  it("gt polecat add creates a polecat identity, as gt polecat identity add does", async () => {
    const r = await town.gtJson<{ address: string; rig: string; name: string }>([
      "polecat",
      "add",
      "alpha",
      "zeta9",
    ]);
    assert.deepEqual([r.address, r.rig, r.name], ["alpha/polecats/zeta9", "alpha", "zeta9"]);
    const ids = await town.gtJson<Array<{ name: string }>>(["polecat", "identity", "list", "alpha"]);
    assert.ok(ids.some((i) => i.name === "zeta9"));
    for (const [args, message] of [
      [["polecat", "add", "alpha", "Bad-Name"], /invalid polecat name "Bad-Name"/],
      [["polecat", "add", "nosuch", "x"], /unknown rig "nosuch"/],
    ] as const) {
      const bad = await town.gt([...args]);
      assert.equal(bad.code, 1, args.join(" "));
      assert.match(bad.stderr, message);
    }
  });
});
