// gt done killed with SIGKILL inside its two crash windows, on every run: the test-only fault
// points of src/test-pause.ts (GT_TEST_CRASH=<point>: the process kills itself there).
//   done:pushed    the branch is on origin, no merge request filed yet
//   done:mr-filed  the merge request is filed, the bead still on the polecat's hook
// What must hold: the bead stays on the hook until its merge request exists, so the polecat's
// next gt done finishes the hand-over; there is exactly one merge request for the work, and
// the refinery lands it (nothing lost, nothing twice).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
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
  assignee?: string;
  close_reason?: string;
  metadata?: Record<string, unknown>;
}
interface DoneResult {
  issue: string;
  branch: string | null;
  commit_sha: string | null;
  merge_request: string | null;
  already_submitted: boolean;
  pushed: boolean;
}

describe("gt done killed in a crash window", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const originHas = (ref: string) => refSha(origin, ref);
  const mrsOf = async (bead: string) =>
    (await mergeRequestBeads<Bead>(town, rigDir())).filter((m) => m.metadata?.source_issue === bead);
  const polecatEnv = (s: Slung) => ({ GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat });

  /** gt done in the polecat's sandbox, SIGKILLed by itself at `point`. */
  const doneCrashingAt = (s: Slung, point: string) =>
    runCrashingAt(GT, s.work_dir, ["done"], point, { ...town.env, ...polecatEnv(s) });
  const done = async (s: Slung, args: string[] = []) => {
    const r = await town.gt(["done", "--json", ...args], { cwd: s.work_dir, env: polecatEnv(s) });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as DoneResult;
  };

  /** After the retried gt done: one merge request, the bead off the hook, and the refinery lands it once. */
  async function assertHandedOverOnce(s: Slung, sha: string, files: string[]) {
    const mrs = await mrsOf(s.bead);
    assert.equal(mrs.length, 1, `one merge request for ${s.bead}: ${mrs.map((m) => m.id).join(", ")}`);
    const mr = mrs[0]!;
    assert.equal(mr.status, "open");
    assert.equal(mr.metadata?.branch, s.branch);
    assert.equal(mr.metadata?.commit_sha, sha);
    const bead = await show(s.bead);
    assert.equal(bead.status, "in_progress", "off the hook, waiting for the refinery");
    assert.equal(bead.metadata?.merge_request, mr.id);

    // A third gt done (the sandbox has left the branch: naming the bead) changes nothing.
    const again = await done(s, ["--issue", s.bead]);
    assert.equal(again.merge_request, mr.id);
    assert.equal(again.already_submitted, true);
    assert.equal((await mrsOf(s.bead)).length, 1);

    // Nothing lost: the refinery lands exactly this work, once.
    const ran = await town.gtJson<{ landed: Array<{ mr: string }> }>(["refinery", "run-once", "alpha"]);
    assert.deepEqual(
      ran.landed.map((l) => l.mr),
      [mr.id],
    );
    assert.equal((await show(s.bead)).status, "closed");
    const onMain = git(origin, "ls-tree", "-r", "--name-only", "main").split("\n");
    for (const f of files) assert.ok(onMain.includes(f), `${f} is on main`);
    const subjects = git(origin, "log", "--format=%s", "main").split("\n");
    assert.equal(subjects.filter((l) => l === `add ${files[0]}`).length, 1, "landed once");
  }

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "true" } });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("killed after the push (done:pushed): the next gt done files the merge request, once", async () => {
    const s = await slingNew(town, "alpha", "pushed then killed");
    commitIn(s.work_dir, "pushed.txt", "pushed\n");
    writeFileSync(join(s.work_dir, "unsaved.txt"), "never committed by hand\n");
    const r = await doneCrashingAt(s, "done:pushed");
    assert.equal(r.signal, "SIGKILL", `gt done did not reach done:pushed (exit ${r.code}): ${r.stderr}`);

    // The window: the work (with the auto-save) is on origin, no merge request, still hooked.
    const sha = originHas(`refs/heads/${s.branch}`);
    assert.ok(sha, "the branch reached origin before the kill");
    assert.ok(git(origin, "ls-tree", "--name-only", sha).split("\n").includes("unsaved.txt"));
    assert.deepEqual(await mrsOf(s.bead), []);
    const held = await show(s.bead);
    assert.equal(held.status, "hooked", "the bead stays on the hook until its merge request exists");
    assert.equal(held.assignee, `alpha/polecats/${s.polecat}`);

    const res = await done(s);
    assert.equal(res.commit_sha, sha);
    assert.equal(res.already_submitted, false);
    await assertHandedOverOnce(s, sha, ["pushed.txt", "unsaved.txt"]);
  });

  it("killed after filing the merge request (done:mr-filed): the next gt done takes that one", async () => {
    const s = await slingNew(town, "alpha", "filed then killed");
    commitIn(s.work_dir, "filed.txt", "filed\n");
    const r = await doneCrashingAt(s, "done:mr-filed");
    assert.equal(r.signal, "SIGKILL", `gt done did not reach done:mr-filed (exit ${r.code}): ${r.stderr}`);

    const sha = originHas(`refs/heads/${s.branch}`);
    assert.ok(sha);
    const filed = await mrsOf(s.bead);
    assert.equal(filed.length, 1, "the merge request was filed before the kill");
    assert.equal((await show(s.bead)).status, "hooked", "the kill left the bead on the hook");

    const res = await done(s);
    assert.equal(res.merge_request, filed[0]!.id, "the merge request already filed, not a new one");
    await assertHandedOverOnce(s, sha, ["filed.txt"]);
  });
});
