// gt done --pre-verified, --cleanup-status and --resume through the real executable, from
// polecat worktrees made by gt sling --no-start (the test plays the agent); interrupted runs
// are killed at done's fault points (src/test-pause.ts).
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
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
  description?: string;
  metadata?: Record<string, unknown>;
}
interface DoneResult {
  merge_request: string | null;
  already_submitted: boolean;
  resumed: boolean;
  pre_verified: boolean;
  cleanup_status: string | null;
}

describe("gt done flags", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const agentOf = (s: Slung) => show(`al-alpha-polecat-${s.polecat}`);
  const env = (s: Slung) => ({ GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat });
  const done = async (s: Slung, args: string[] = []) => {
    const r = await town.gt(["done", "--json", ...args], { cwd: s.work_dir, env: env(s) });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as DoneResult;
  };
  /** The witness's POLECAT_DONE notices about this bead (a reused polecat has earlier ones). */
  const witnessNotices = async (s: Slung) =>
    (
      await town.gtJson<Array<{ subject: string; body: string }>>([
        "mail",
        "inbox",
        "--identity",
        "alpha/witness",
        "--all",
      ])
    ).filter((m) => m.subject === `POLECAT_DONE ${s.polecat}` && m.body.includes(`Issue: ${s.bead}\n`));

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("--pre-verified marks the merge request with the base the agent checked; --cleanup-status is recorded", async () => {
    const s = await slingNew(town, "alpha", "verified work");
    commitIn(s.work_dir, "v.txt", "v\n");
    const res = await done(s, ["--pre-verified", "--cleanup-status", "has_stash"]);
    assert.equal(res.pre_verified, true);
    assert.equal(res.cleanup_status, "stash");
    const mr = (await mergeRequestBeads<Bead>(town, rigDir())).find((m) => m.id === res.merge_request)!;
    assert.equal(mr.metadata?.pre_verified, true);
    assert.equal(mr.metadata?.pre_verified_base, refSha(origin, "refs/heads/main"));
    assert.match(String(mr.metadata?.pre_verified_at), /^\d{4}-\d\d-\d\dT/);
    assert.match(mr.description ?? "", /^pre_verified: true$/m);
    assert.match(mr.description ?? "", /^branch: /m, "the MR's own lines are kept");
    assert.equal((await agentOf(s)).metadata?.cleanup_status, "stash");
    assert.equal(
      (await agentOf(s)).metadata?.done_checkpoint ?? null,
      null,
      "a finished done leaves no checkpoint",
    );
  });

  it("without --cleanup-status the status is observed; a bad one is refused before anything happens", async () => {
    const s = await slingNew(town, "alpha", "observed work");
    commitIn(s.work_dir, "o.txt", "o\n");
    const bad = await town.gt(["done", "--cleanup-status", "sparkling"], { cwd: s.work_dir, env: env(s) });
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /^Error: unknown cleanup status "sparkling" \(use clean, uncommitted, unpushed, stash, unknown\)\n$/,
    );
    assert.equal((await show(s.bead)).status, "hooked");
    assert.deepEqual(
      (await mergeRequestBeads<Bead>(town, rigDir())).filter((m) => m.description?.includes(s.bead)),
      [],
    );
    const res = await done(s);
    assert.equal(res.pre_verified, false);
    assert.equal(res.cleanup_status, "clean");
    assert.equal((await agentOf(s)).metadata?.cleanup_status, "clean");
  });

  it("an interrupted gt done is finished by the next one: no second merge request, one witness notice", async () => {
    // Killed with the merge request filed and the bead still hooked: the next run resumes by itself.
    const s = await slingNew(town, "alpha", "interrupted early");
    commitIn(s.work_dir, "e.txt", "e\n");
    const crash = await runCrashingAt(GT, s.work_dir, ["done"], "done:mr-filed", { ...town.env, ...env(s) });
    assert.equal(crash.signal, "SIGKILL");
    const cp = (await agentOf(s)).metadata?.done_checkpoint as { issue: string; merge_request: string };
    assert.equal(cp.issue, s.bead);
    assert.ok(cp.merge_request);
    const res = await done(s);
    assert.equal(res.resumed, true);
    assert.equal(res.merge_request, cp.merge_request);
    assert.equal(res.already_submitted, true);
    assert.equal((await show(s.bead)).status, "in_progress");
    assert.equal((await witnessNotices(s)).length, 1);

    // Killed after the witness was told, before the sandbox was tidied: --resume finishes it
    // without telling the witness twice, and leaves the sandbox at the default branch.
    const t = await slingNew(town, "alpha", "interrupted late");
    commitIn(t.work_dir, "l.txt", "l\n");
    const late = await runCrashingAt(GT, t.work_dir, ["done"], "done:hook-released", {
      ...town.env,
      ...env(t),
    });
    assert.equal(late.signal, "SIGKILL");
    assert.equal((await witnessNotices(t)).length, 1);
    assert.notEqual(git(t.work_dir, "rev-parse", "--abbrev-ref", "HEAD"), "HEAD", "still on the branch");
    const resumed = await done(t, ["--resume"]);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.already_submitted, true);
    assert.equal((await witnessNotices(t)).length, 1);
    assert.equal(
      git(t.work_dir, "rev-parse", "--abbrev-ref", "HEAD"),
      "HEAD",
      "detached at the default branch",
    );
    assert.equal((await agentOf(t)).metadata?.done_checkpoint ?? null, null);

    // A finished done run again without --resume is the plain "already submitted" answer.
    const again = await done(t, ["--issue", t.bead]);
    assert.equal(again.resumed, false);
    assert.equal(again.already_submitted, true);
    assert.equal((await witnessNotices(t)).length, 1);
  });
});
