// gt done through the real executable, from inside polecat worktrees set up by gt sling
// (--no-start: the test plays the agent). What must hold: the work reaches origin before
// the merge request exists, a failure leaves the bead hooked, and nothing else is touched.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, mergeRequestBeads, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  status: string;
  assignee?: string;
  labels?: string[];
  metadata?: Record<string, unknown>;
}
interface DoneResult {
  status: string;
  issue: string;
  branch: string | null;
  commit_sha: string | null;
  merge_request: string | null;
  already_submitted: boolean;
  auto_committed: boolean;
  pushed: boolean;
}
interface Slung {
  bead: string;
  polecat: string;
  branch: string;
  work_dir: string;
}

describe("gt done", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const mergeRequests = () => mergeRequestBeads<Bead>(town, rigDir());
  const gitIn = (dir: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: "pipe" }).trim();

  /** A bead slung at the rig (no session): the polecat's worktree, ready for the test to work in. */
  const slingNew = async (title: string): Promise<Slung> => {
    const id = await bd(["create", title, "--silent"]);
    const report = await town.gtJson<{ outcomes: Slung[] }>([
      "sling",
      id,
      "alpha",
      "--no-start",
      "--no-convoy",
    ]);
    return report.outcomes[0]!;
  };
  const polecatEnv = (s: Slung, extra: NodeJS.ProcessEnv = {}) => ({
    GT_ROLE: "polecat",
    GT_RIG: "alpha",
    GT_POLECAT: s.polecat,
    ...extra,
  });
  const done = (s: Slung, args: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
    town.gt(["done", ...args], { cwd: s.work_dir, env: polecatEnv(s, extra) });
  const commitIn = (dir: string, file: string, text: string) => {
    writeFileSync(join(dir, file), text);
    gitIn(dir, "add", file);
    gitIn(dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", `add ${file}`);
  };

  before(async () => {
    town = await newTown("subprocess");
    project = makeRepo(join(town.scratch, "project"));
    const r = await town.gt(["rig", "add", "alpha", project]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("saves, pushes and verifies the branch, files the merge request and goes idle", async () => {
    const s = await slingNew("real work");
    commitIn(s.work_dir, "feature.txt", "feature\n");
    writeFileSync(join(s.work_dir, "forgotten.txt"), "left uncommitted\n");
    mkdirSync(join(s.work_dir, ".claude"), { recursive: true });
    writeFileSync(join(s.work_dir, ".claude", "settings.local.json"), "{}\n");
    writeFileSync(join(s.work_dir, ".beads", "scratch.db"), "x");

    const r = await done(s, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as DoneResult;
    assert.equal(res.status, "COMPLETED");
    assert.equal(res.issue, s.bead);
    assert.equal(res.branch, s.branch);
    assert.ok(res.auto_committed && res.pushed);

    // origin (the project) has the branch at the submitted commit, with both files and no runtime files.
    assert.equal(gitIn(project, "rev-parse", `refs/heads/${s.branch}`), res.commit_sha);
    const files = gitIn(project, "ls-tree", "-r", "--name-only", res.commit_sha!).split("\n");
    assert.ok(files.includes("feature.txt") && files.includes("forgotten.txt"), files.join(","));
    assert.ok(!files.some((f) => f.startsWith(".claude") || f.startsWith(".beads")), files.join(","));

    const mr = (await mergeRequests()).find((m) => m.id === res.merge_request)!;
    assert.ok(mr.labels?.includes("gt:merge-request"));
    assert.equal(mr.metadata?.branch, s.branch);
    assert.equal(mr.metadata?.commit_sha, res.commit_sha);
    assert.equal(mr.metadata?.source_issue, s.bead);
    assert.equal(mr.metadata?.target, "main");
    assert.equal(mr.metadata?.worker, `alpha/polecats/${s.polecat}`);

    const bead = await show(s.bead);
    assert.equal(bead.status, "in_progress", "off the hook, waiting for the refinery");
    assert.equal(bead.metadata?.merge_request, res.merge_request);
    const agent = await show(`al-alpha-polecat-${s.polecat}`);
    assert.equal(agent.metadata?.agent_state, "idle");
    assert.equal(agent.metadata?.hook_bead ?? null, null);
    assert.equal(gitIn(s.work_dir, "status", "--porcelain", "--untracked-files=no"), "");
    assert.match(
      readFileSync(join(town.root, ".events.jsonl"), "utf8"),
      new RegExp(`"type":"done".*"${s.bead}"`),
    );

    // The witness got the completion notice.
    const notices = await town.gtJson<Array<{ subject: string; body: string }>>([
      "mail",
      "inbox",
      "--identity",
      "alpha/witness",
    ]);
    const doneNotice = notices.find((m) => m.subject === `POLECAT_DONE ${s.polecat}`);
    assert.ok(doneNotice);
    assert.match(doneNotice.body, new RegExp(`MR: ${res.merge_request}`));

    // Running it again changes nothing and files nothing new.
    const before = (await mergeRequests()).length;
    const again = await done(s, ["--issue", s.bead, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as DoneResult).already_submitted, true);
    assert.equal((await mergeRequests()).length, before);
  });

  it("refuses to submit nothing, and a failed push leaves the bead hooked", async () => {
    const s = await slingNew("nothing yet");
    let r = await done(s);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: nothing to submit/);
    assert.equal((await show(s.bead)).status, "hooked");

    commitIn(s.work_dir, "work.txt", "work\n");
    const bare = join(rigDir(), ".repo.git");
    gitIn(bare, "remote", "set-url", "origin", join(town.scratch, "gone.git"));
    try {
      r = await done(s);
    } finally {
      gitIn(bare, "remote", "set-url", "origin", project);
    }
    assert.equal(r.code, 1);
    assert.match(r.stderr, /push of .* failed.*stays on your hook/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.equal((await show(s.bead)).status, "hooked");
    assert.ok(
      !(await mergeRequests()).some((m) => m.metadata?.source_issue === s.bead),
      "no MR without a push",
    );

    r = await done(s, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("a stale session changes nothing; only polecats may run it", async () => {
    const s = await slingNew("generations");
    commitIn(s.work_dir, "gen.txt", "gen\n");
    await bd(["update", `al-alpha-polecat-${s.polecat}`, "--set-metadata", "run_id=current-run"]);
    let r = await done(s, [], { GT_RUN: "older-run" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stale session/);
    assert.equal((await show(s.bead)).status, "hooked");

    r = await town.gt(["done"], { cwd: join(rigDir(), "crew", "max") });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /gt done is for polecats/);

    r = await done(s, ["--status", "MAYBE"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown status/);
  });

  it("ESCALATED blocks the bead and keeps the branch; DEFERRED puts it back", async () => {
    const stuck = await slingNew("too hard");
    commitIn(stuck.work_dir, "partial.txt", "half\n");
    let r = await done(stuck, ["--status", "ESCALATED", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    let bead = await show(stuck.bead);
    assert.equal(bead.status, "blocked");
    assert.ok(bead.labels?.includes("gt:escalated"));
    assert.equal(
      gitIn(stuck.work_dir, "symbolic-ref", "--short", "HEAD"),
      stuck.branch,
      "work kept checked out",
    );
    const help = await town.gtJson<Array<{ subject: string }>>([
      "mail",
      "inbox",
      "--identity",
      "alpha/witness",
    ]);
    assert.ok(help.some((m) => m.subject === `HELP: ${stuck.polecat} needs help with ${stuck.bead}`));
    // The unpushed escalated work protects the polecat from a plain nuke.
    r = await town.gt(["polecat", "nuke", `alpha/${stuck.polecat}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unpushed/);

    const later = await slingNew("not now");
    r = await done(later, ["--status", "deferred"]);
    assert.equal(r.code, 0, r.stderr);
    bead = await show(later.bead);
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);
  });
});
