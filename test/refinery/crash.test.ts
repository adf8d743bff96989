// The refinery killed with SIGKILL inside its landing windows, on every run: the test-only
// fault points of src/test-pause.ts (GT_TEST_CRASH=<point>: the process kills itself there).
//   refinery:merging  the landing marks (phase merging, landing_commit) are written, no push
//   refinery:pushed   the target is pushed, nothing closed yet
// Work is submitted the real way (gt sling, gt done). What must hold: the next
// `gt refinery run-once` lands each merge request exactly once (its files enter the target
// in one commit), closes it and its bead, and tidies its branch; the run after that does nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT } from "../helpers/bd.ts";
import { runCrashingAt } from "../helpers/fault-points.ts";
import {
  addBareRig,
  bdOk,
  commitIn,
  git,
  mergeRequestBeads,
  newTown,
  refSha,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Bead {
  id: string;
  status: string;
  close_reason?: string;
  metadata?: Record<string, unknown>;
}
interface Report {
  landed: Array<{ mr: string; source_issue: string }>;
  rejected: Array<{ mr: string; detail: string }>;
  recovered: string[];
  dropped: Array<{ mr: string; reason: string }>;
}
interface Submitted extends Slung {
  mr: string;
  file: string;
}

describe("the refinery killed in a landing window", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const originHas = (ref: string) => refSha(origin, ref);
  /** The commits of main carrying `file`'s commit (by its message): one per landing, an empty re-pick included. */
  const landingsOf = (file: string) =>
    git(origin, "log", "--format=%s", "main")
      .split("\n")
      .filter((subject) => subject === `add ${file}`);
  const runOnce = () => town.gtJson<Report>(["refinery", "run-once", "alpha"]);

  /** A bead slung at the rig, one file committed in its sandbox, handed over with gt done. */
  const submit = async (name: string): Promise<Submitted> => {
    const s = await slingNew(town, "alpha", name);
    const file = `${name}.txt`;
    commitIn(s.work_dir, file, `${name}\n`);
    const r = await town.gt(["done", "--json"], {
      cwd: s.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat },
    });
    assert.equal(r.code, 0, r.stderr);
    const mr = (JSON.parse(r.stdout) as { merge_request: string }).merge_request;
    assert.ok(mr);
    return { ...s, mr, file };
  };

  /** `gt refinery run-once`, SIGKILLed by itself at `point`. */
  const refineryCrashingAt = (point: string) =>
    runCrashingAt(GT, town.root, ["refinery", "run-once", "alpha"], point, town.env);

  /** Each MR landed once, closed as merged with its bead, its branch gone; a further run does nothing. */
  async function assertLandedOnce(subs: Submitted[]) {
    for (const s of subs) {
      assert.equal(landingsOf(s.file).length, 1, `${s.file} entered main in exactly one commit`);
      const mr = await show(s.mr);
      assert.equal(mr.status, "closed");
      assert.equal(mr.close_reason, "merged");
      assert.equal(mr.metadata?.landing_commit, undefined, "the landing mark is cleared");
      assert.equal((await show(s.bead)).status, "closed");
      assert.equal(originHas(`refs/heads/${s.branch}`), undefined, `${s.branch} tidied`);
    }
    const main = originHas("refs/heads/main");
    const again = await runOnce();
    assert.deepEqual(again.landed, []);
    assert.deepEqual(again.recovered, []);
    assert.equal(originHas("refs/heads/main"), main, "a further run leaves main alone");
    const open = (await mergeRequestBeads<Bead>(town, rigDir())).filter((m) => m.status !== "closed");
    assert.deepEqual(
      open.map((m) => m.id),
      [],
    );
  }

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "true" } });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("killed after writing the landing marks (refinery:merging): the next run lands the batch once", async () => {
    const subs = [await submit("merging-a"), await submit("merging-b")];
    const before = originHas("refs/heads/main");
    const r = await refineryCrashingAt("refinery:merging");
    assert.equal(
      r.signal,
      "SIGKILL",
      `the refinery did not reach refinery:merging (exit ${r.code}): ${r.stderr}`,
    );

    // The window: both marked for landing, nothing pushed, nothing closed.
    assert.equal(originHas("refs/heads/main"), before, "killed before the push");
    for (const s of subs) {
      const mr = await show(s.mr);
      assert.equal(mr.status, "open");
      assert.equal(mr.metadata?.phase, "merging");
      assert.ok(mr.metadata?.landing_commit, "the landing mark was written");
      assert.notEqual((await show(s.bead)).status, "closed");
    }

    const report = await runOnce();
    for (const s of subs) assert.equal(landingsOf(s.file).length, 1, `${s.file} is on main, once`);
    assert.deepEqual(report.recovered, [], "nothing had reached main: nothing to recover");
    assert.deepEqual(report.rejected, []);
    assert.deepEqual(report.landed.map((l) => l.mr).sort(), subs.map((s) => s.mr).sort());
    await assertLandedOnce(subs);
  });

  it("killed after the push (refinery:pushed): the next run finishes the landing, without landing again", async () => {
    const subs = [await submit("pushed-a"), await submit("pushed-b")];
    const r = await refineryCrashingAt("refinery:pushed");
    assert.equal(
      r.signal,
      "SIGKILL",
      `the refinery did not reach refinery:pushed (exit ${r.code}): ${r.stderr}`,
    );

    // The window: main has the batch, the merge requests and beads are still open.
    const pushed = originHas("refs/heads/main");
    for (const s of subs) {
      assert.equal(landingsOf(s.file).length, 1, `${s.file} was pushed before the kill`);
      assert.equal((await show(s.mr)).status, "open");
      assert.notEqual((await show(s.bead)).status, "closed");
    }

    const report = await runOnce();
    for (const s of subs) assert.equal(landingsOf(s.file).length, 1, `${s.file} is on main, once`);
    assert.deepEqual(report.recovered.sort(), subs.map((s) => s.mr).sort());
    assert.deepEqual(report.rejected, []);
    assert.equal(originHas("refs/heads/main"), pushed, "main is not pushed again");
    await assertLandedOnce(subs);
  });
});
