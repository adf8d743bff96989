// The refinery's pre-verification fast path (gt done --pre-verified): a merge request whose
// agent ran the gates on the target's current tip lands without the refinery's gates; once the
// target has moved, its gates run as for any other. The rig's gate always fails here, so a
// landing proves the gates were skipped and a rejection proves they ran.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  commitIn,
  git,
  newTown,
  refSha,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Report {
  gate_runs: number;
  landed: Array<{ mr: string }>;
  rejected: Array<{ mr: string; reason: string }>;
}

describe("the refinery and pre-verified merge requests", () => {
  let town: TestTown;
  let origin: string;
  const done = async (s: Slung, args: string[]) => {
    const env = { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat };
    const r = await town.gt(["done", "--json", ...args], { cwd: s.work_dir, env });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { merge_request: string }).merge_request;
  };
  const runOnce = () => town.gtJson<Report>(["refinery", "run-once", "alpha"]);

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "false" } });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("lands a pre-verified request on an unmoved target without gates", async () => {
    const s = await slingNew(town, "alpha", "verified work");
    commitIn(s.work_dir, "verified.txt", "v\n");
    const mr = await done(s, ["--pre-verified"]);
    const r = await runOnce();
    assert.deepEqual([r.landed.map((l) => l.mr), r.rejected, r.gate_runs], [[mr], [], 0]);
    assert.equal(git(origin, "show", "main:verified.txt"), "v");
  });

  it("gates a pre-verified request once the target has moved, and a plain one always", async () => {
    const stale = await slingNew(town, "alpha", "verified, then main moved");
    commitIn(stale.work_dir, "stale.txt", "s\n");
    const staleMr = await done(stale, ["--pre-verified"]);
    // Someone lands on main after the agent verified.
    const other = join(town.scratch, "other-clone");
    git(town.scratch, "clone", "-q", origin, other);
    commitIn(other, "elsewhere.txt", "e\n");
    git(other, "push", "-q", "origin", "HEAD:main");
    const moved = refSha(origin, "refs/heads/main");

    const r = await runOnce();
    assert.deepEqual(
      r.rejected.map((x) => [x.mr, x.reason]),
      [[staleMr, "gate"]],
    );
    assert.ok(r.gate_runs >= 1);
    assert.equal(refSha(origin, "refs/heads/main"), moved, "nothing landed");

    const plain = await slingNew(town, "alpha", "not verified");
    commitIn(plain.work_dir, "plain.txt", "p\n");
    const plainMr = await done(plain, []);
    const again = await runOnce();
    assert.deepEqual(
      again.rejected.map((x) => [x.mr, x.reason]),
      [[plainMr, "gate"]],
    );
  });
});
