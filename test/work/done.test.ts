// gt done through the real executable, from inside polecat worktrees set up by gt sling
// (--no-start: the test plays the agent). What must hold: the work reaches origin before
// the merge request exists, a failure leaves the bead hooked, and nothing else is touched.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import type { Issue } from "../../src/ledger/model.ts";
import { locate } from "../../src/town/ledgers.ts";
import {
  createMergeRequest,
  listMergeRequests,
  type MergeRequestFields,
  readMergeRequest,
} from "../../src/work/merge-requests.ts";
import { GT, run } from "../helpers/bd.ts";
import {
  addBareRig,
  bdOk,
  commitIn,
  git,
  makeRepo,
  mergeRequestBeads,
  newTown,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  priority: number;
  issue_type: string;
  description?: string;
  assignee?: string;
  labels?: string[];
  close_reason?: string;
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
  no_merge: boolean;
  closed: boolean;
}

describe("gt done", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const mergeRequests = () => mergeRequestBeads<Bead>(town, rigDir());

  const polecatEnv = (s: Slung, extra: NodeJS.ProcessEnv = {}) => ({
    GT_ROLE: "polecat",
    GT_RIG: "alpha",
    GT_POLECAT: s.polecat,
    ...extra,
  });
  const done = (s: Slung, args: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
    town.gt(["done", ...args], { cwd: s.work_dir, env: polecatEnv(s, extra) });

  before(async () => {
    town = await newTown("subprocess");
    // A bare origin, as a hosted remote is: the test reads the branches gt done pushes there.
    project = await addBareRig(town, "alpha");
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("saves, pushes and verifies the branch, files the merge request and goes idle", async () => {
    const s = await slingNew(town, "alpha", "real work", ["-p", "1"]);
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
    assert.equal(git(project, "rev-parse", `refs/heads/${s.branch}`), res.commit_sha);
    const files = git(project, "ls-tree", "-r", "--name-only", res.commit_sha!).split("\n");
    assert.ok(files.includes("feature.txt") && files.includes("forgotten.txt"), files.join(","));
    assert.ok(!files.some((f) => f.startsWith(".claude") || f.startsWith(".beads")), files.join(","));

    const mr = (await mergeRequests()).find((m) => m.id === res.merge_request)!;
    assert.ok(mr.labels?.includes("gt:merge-request"));
    assert.equal(mr.metadata?.branch, s.branch);
    assert.equal(mr.metadata?.commit_sha, res.commit_sha);
    assert.equal(mr.metadata?.source_issue, s.bead);
    assert.equal(mr.metadata?.target, "main");
    assert.equal(mr.metadata?.worker, `alpha/polecats/${s.polecat}`);
    assert.equal(mr.metadata?.agent_bead, `al-alpha-polecat-${s.polecat}`);
    assert.equal(mr.metadata?.retry_count, 0);
    assert.equal(mr.issue_type, "merge-request");
    assert.equal(mr.title, `Merge: ${s.bead}`);
    assert.equal(mr.priority, 1, "priority inherited from the bead");
    assert.equal(mr.status, "open");
    // The same fields as key: value lines for people and agents.
    for (const line of [
      `branch: ${s.branch}`,
      "target: main",
      `source_issue: ${s.bead}`,
      "rig: alpha",
      `commit_sha: ${res.commit_sha}`,
      `worker: alpha/polecats/${s.polecat}`,
      "retry_count: 0",
    ])
      assert.ok(mr.description?.split("\n").includes(line), `${line} in ${mr.description}`);

    const bead = await show(s.bead);
    assert.equal(bead.status, "in_progress", "off the hook, waiting for the refinery");
    assert.equal(bead.metadata?.merge_request, res.merge_request);
    const agent = await show(`al-alpha-polecat-${s.polecat}`);
    assert.equal(agent.metadata?.agent_state, "idle");
    assert.equal(agent.metadata?.hook_bead ?? null, null);
    assert.equal(agent.metadata?.exit_type, "COMPLETED");
    assert.equal(agent.metadata?.merge_request, res.merge_request);
    assert.ok(agent.metadata?.completion_time);
    // The sandbox is clean, detached at main, and the pushed local branch is gone.
    assert.equal(git(s.work_dir, "status", "--porcelain", "--untracked-files=no"), "");
    assert.equal(git(s.work_dir, "rev-parse", "HEAD"), git(project, "rev-parse", "main"));
    assert.throws(() => git(s.work_dir, "symbolic-ref", "-q", "HEAD"));
    assert.throws(() => git(s.work_dir, "rev-parse", "--verify", "-q", `refs/heads/${s.branch}`));
    const events = readFileSync(join(town.root, ".events.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; payload: Record<string, unknown> });
    const ev = events.find((e) => e.type === "done" && e.payload.bead === s.bead);
    assert.deepEqual(
      { branch: ev?.payload.branch, mr: ev?.payload.mr },
      { branch: s.branch, mr: res.merge_request },
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
    const s = await slingNew(town, "alpha", "nothing yet");
    let r = await done(s);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: nothing to submit/);
    assert.equal((await show(s.bead)).status, "hooked");

    commitIn(s.work_dir, "work.txt", "work\n");
    const bare = join(rigDir(), ".repo.git");
    git(bare, "remote", "set-url", "origin", join(town.scratch, "gone.git"));
    try {
      r = await done(s, ["--json"]);
    } finally {
      git(bare, "remote", "set-url", "origin", project);
    }
    assert.equal(r.code, 1);
    assert.match(r.stderr, /push of .* failed.*stays on your hook/);
    assert.equal((JSON.parse(r.stdout) as { code: string }).code, "push_failed");
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
    const s = await slingNew(town, "alpha", "generations");
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
    const stuck = await slingNew(town, "alpha", "too hard");
    commitIn(stuck.work_dir, "partial.txt", "half\n");
    let r = await done(stuck, ["--status", "ESCALATED", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    let bead = await show(stuck.bead);
    assert.equal(bead.status, "blocked");
    assert.ok(bead.labels?.includes("gt:escalated"));
    assert.equal(
      git(stuck.work_dir, "symbolic-ref", "--short", "HEAD"),
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

    const later = await slingNew(town, "alpha", "not now");
    r = await done(later, ["--status", "deferred"]);
    assert.equal(r.code, 0, r.stderr);
    bead = await show(later.bead);
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);
  });

  it("acts only on the polecat's own worktree, and finds it again when the cwd is gone", async () => {
    const a = await slingNew(town, "alpha", "mine");
    const b = await slingNew(town, "alpha", "theirs");
    commitIn(a.work_dir, "a.txt", "a\n");
    // a's identity inside b's worktree (or a crew clone): refused, nothing changes.
    for (const dir of [b.work_dir, join(rigDir(), "crew", "max")]) {
      const r = await town.gt(["done"], { cwd: dir, env: polecatEnv(a) });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error: gt done acts on alpha\/\S+'s own worktree/);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    assert.equal((await show(a.bead)).status, "hooked");
    assert.equal((await show(b.bead)).status, "hooked");

    // The agent removed the directory it stood in: GT_POLECAT_PATH leads back to the worktree.
    const sub = join(a.work_dir, "scratch");
    mkdirSync(sub);
    const r = await run(
      "sh",
      a.work_dir,
      ["-c", 'cd "$1" && rmdir "$1" && exec "$2" done --json', "sh", sub, GT],
      { env: { ...town.env, ...polecatEnv(a), GT_POLECAT_PATH: a.work_dir, GT_TOWN_ROOT: town.root } },
    );
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as DoneResult;
    assert.equal(res.issue, a.bead);
    assert.ok(res.merge_request);
    assert.equal((await show(a.bead)).status, "in_progress");
  });

  it("no_merge beads: nothing to merge closes the bead; a branch is pushed for review without an MR", async () => {
    const report = await slingNew(town, "alpha", "write a report");
    await bd(["update", report.bead, "--set-metadata", "no_merge=true"]);
    let r = await done(report, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    let res = JSON.parse(r.stdout) as DoneResult;
    assert.ok(res.closed && res.no_merge && !res.pushed);
    assert.equal(res.merge_request, null);
    assert.equal((await show(report.bead)).status, "closed");
    assert.equal(
      (await show(`al-alpha-polecat-${report.polecat}`)).metadata?.agent_state,
      "idle",
      "polecat idle",
    );

    const review = await slingNew(town, "alpha", "try an idea");
    await bd([
      "update",
      review.bead,
      "--set-metadata",
      "review_only=true",
      "--set-metadata",
      "dispatcher=mayor",
    ]);
    commitIn(review.work_dir, "idea.txt", "idea\n");
    r = await done(review, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    res = JSON.parse(r.stdout) as DoneResult;
    assert.ok(res.pushed && res.no_merge && !res.closed);
    assert.equal(res.merge_request, null);
    assert.equal(git(project, "rev-parse", `refs/heads/${review.branch}`), res.commit_sha);
    const bead = await show(review.bead);
    assert.equal(bead.status, "in_progress");
    assert.equal(bead.metadata?.ready_for_review, true);
    assert.ok(!(await mergeRequests()).some((m) => m.metadata?.source_issue === review.bead));
    const mail = await town.gtJson<Array<{ subject: string }>>(["mail", "inbox", "--identity", "mayor"]);
    assert.ok(mail.some((m) => m.subject === `READY_FOR_REVIEW: ${review.bead}`));
  });

  it("a push origin accepted but does not show is not taken as pushed: no merge request, still hooked", async () => {
    const s = await slingNew(town, "alpha", "vanishing push");
    const sha = commitIn(s.work_dir, "vanish.txt", "x\n");
    // origin's hook moves the pushed branch elsewhere right after accepting it.
    const hook = join(project, "hooks", "post-receive");
    writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/polecat/*) git update-ref "$ref" "$(git rev-parse main)";; esac; done\n',
      { mode: 0o755 },
    );
    let r: Awaited<ReturnType<typeof done>>;
    try {
      r = await done(s, ["--json"]);
    } finally {
      rmSync(hook, { force: true });
    }
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `Error: origin does not show ${s.branch} at ${sha.slice(0, 8)} after the push; the bead stays on your hook\n`,
    );
    assert.equal((JSON.parse(r.stdout) as { code: string }).code, "push_unverified");
    assert.equal((await show(s.bead)).status, "hooked");
    assert.ok(!(await mergeRequests()).some((m) => m.metadata?.source_issue === s.bead), "no MR");
    const again = await done(s, ["--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(git(project, "rev-parse", `refs/heads/${s.branch}`), sha);
  });

  it("a bead slung again after its merge request was rejected files a new one; another polecat's bead is refused", async () => {
    const s = await slingNew(town, "alpha", "second attempt");
    const other = await slingNew(town, "alpha", "someone else"); // slung while s is busy: another polecat
    commitIn(s.work_dir, "again.txt", "x\n");
    // Left from the rejected attempt: the old MR's id stays on the bead.
    await bd(["update", s.bead, "--set-metadata", "merge_request=al-old-mr"]);
    const r = await done(s, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as DoneResult;
    assert.equal(res.already_submitted, false);
    assert.ok(res.merge_request && res.merge_request !== "al-old-mr", res.merge_request ?? "none");
    assert.equal((await show(s.bead)).metadata?.merge_request, res.merge_request);

    // Another polecat naming that submitted bead: not its work.
    const wrong = await done(other, ["--issue", s.bead]);
    assert.equal(wrong.code, 1);
    assert.equal(
      wrong.stderr,
      `Error: ${s.bead} is not on your hook (status in_progress, held by alpha/polecats/${s.polecat})\n`,
    );
  });

  it("pushes only the polecat's own polecat/<name>/ branch: never another branch, another polecat's or the target", async () => {
    const s = await slingNew(town, "alpha", "wrong branch");
    const refused = async (branch: string, from: string, note = "") => {
      git(s.work_dir, "checkout", "-q", "-B", branch, from);
      commitIn(s.work_dir, `${branch.replaceAll("/", "-")}.txt`, "x\n");
      const r = await done(s);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `Error: gt done pushes only your own polecat/${s.polecat}/… branch, not ${branch}${note}; your commits stay here: move them with \`git checkout -b polecat/${s.polecat}/<bead>\` and run gt done again\n`,
      );
      assert.throws(
        () => git(project, "rev-parse", "--verify", "-q", `refs/heads/${branch}`),
        `${branch} not pushed`,
      );
    };
    await refused("feature", s.branch);
    await refused(`polecat/${s.polecat}x/other`, s.branch); // a name that only starts like ours
    const main = git(project, "rev-parse", "main");
    git(s.work_dir, "checkout", "-q", "-B", "main", "origin/main");
    commitIn(s.work_dir, "direct.txt", "x\n");
    const r = await done(s);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /, not main \(the merge target\); your commits stay here/);
    assert.equal(git(project, "rev-parse", "main"), main, "main did not move");
    assert.equal((await show(s.bead)).status, "hooked");
  });

  it("the auto-save takes new and modified files, by the polecat's name; never deletions or a tracked runtime file", async () => {
    const s = await slingNew(town, "alpha", "leftovers");
    commitIn(s.work_dir, "keep.txt", "v1\n");
    commitIn(s.work_dir, "doomed.txt", "still wanted\n");
    mkdirSync(join(s.work_dir, ".claude"), { recursive: true });
    writeFileSync(join(s.work_dir, ".claude", "tracked.json"), '{"v":1}\n');
    git(s.work_dir, "add", "-f", ".claude/tracked.json");
    git(s.work_dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "a project that tracks it");
    const committed = git(s.work_dir, "rev-parse", "HEAD");
    // Left over: a modified file, a new one, a deletion and an agent's edit of its own settings.
    writeFileSync(join(s.work_dir, "keep.txt"), "v2\n");
    writeFileSync(join(s.work_dir, "new.txt"), "new\n");
    rmSync(join(s.work_dir, "doomed.txt"));
    writeFileSync(join(s.work_dir, ".claude", "tracked.json"), '{"v":2}\n');

    const r = await done(s, ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as DoneResult;
    assert.equal(res.auto_committed, true);
    const sha = res.commit_sha!;
    assert.equal(git(project, "rev-parse", `${sha}^`), committed, "one auto-save commit on top");
    assert.equal(git(project, "show", `${sha}:keep.txt`), "v2");
    assert.equal(git(project, "show", `${sha}:new.txt`), "new");
    assert.equal(git(project, "show", `${sha}:doomed.txt`), "still wanted", "a deletion is not saved");
    assert.equal(git(project, "show", `${sha}:.claude/tracked.json`), '{"v":1}', "runtime edits stay out");
    assert.equal(
      git(project, "log", "-1", "--format=%an <%ae>|%s", sha),
      `alpha/polecats/${s.polecat} <alpha.polecats.${s.polecat}@gastown.local>|auto-save: work on ${s.bead} left uncommitted by alpha/polecats/${s.polecat}`,
    );

    // The deletion is left for a person to see: the sandbox stays on the branch.
    assert.equal(git(s.work_dir, "symbolic-ref", "--short", "HEAD"), s.branch);

    // With everything committed there is nothing to save, and the sandbox goes back to main
    // for reuse although the agent edited a tracked runtime file (which is not work).
    const clean = await slingNew(town, "alpha", "all committed");
    mkdirSync(join(clean.work_dir, ".claude"), { recursive: true });
    writeFileSync(join(clean.work_dir, ".claude", "tracked.json"), '{"v":1}\n');
    git(clean.work_dir, "add", "-f", ".claude/tracked.json");
    commitIn(clean.work_dir, "done.txt", "done\n");
    const head = git(clean.work_dir, "rev-parse", "HEAD");
    writeFileSync(join(clean.work_dir, ".claude", "tracked.json"), '{"v":2}\n');
    const c = await done(clean, ["--json"]);
    assert.equal(c.code, 0, c.stderr);
    const cres = JSON.parse(c.stdout) as DoneResult;
    assert.equal(cres.auto_committed, false);
    assert.equal(cres.commit_sha, head);
    assert.equal(git(clean.work_dir, "rev-parse", "HEAD"), git(project, "rev-parse", "main"));
    assert.throws(() => git(clean.work_dir, "symbolic-ref", "-q", "HEAD"), "detached, ready for reuse");

    // The first sandbox (a deletion and a runtime edit left in it) takes its next bead too.
    const next = await bd(["create", "next for the first", "--silent"]);
    const r2 = await town.gtJson<{ outcomes: Array<{ action: string }> }>([
      "sling",
      next,
      `alpha/polecats/${s.polecat}`,
      "--no-start",
      "--json",
    ]);
    assert.equal(r2.outcomes[0]!.action, "hooked");
    assert.match(git(s.work_dir, "symbolic-ref", "--short", "HEAD"), new RegExp(`^polecat/${s.polecat}/`));
    assert.notEqual(git(s.work_dir, "symbolic-ref", "--short", "HEAD"), s.branch);
  });
});

describe("merge-request beads", () => {
  let town: TestTown;
  let rigDir: string;
  const fields = (over: Partial<MergeRequestFields>): MergeRequestFields => ({
    branch: "polecat/nux/al-x@1",
    target: "main",
    source_issue: "al-x",
    rig: "alpha",
    commit_sha: "a".repeat(40),
    worker: "alpha/polecats/nux",
    retry_count: 0,
    ...over,
  });

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "project")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
    rigDir = join(town.root, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("idempotent on branch and commit; a newer one supersedes the older; listed oldest first", async () => {
    const source = await bdOk(town, rigDir, ["create", "the work", "--silent"]);
    const ledger = openLedger(locate(join(rigDir, ".beads")));
    try {
      const first = await createMergeRequest(ledger, fields({ source_issue: source }), 2, "test");
      assert.ok(first.created);
      const again = await createMergeRequest(ledger, fields({ source_issue: source }), 2, "test");
      assert.equal(again.created, false);
      assert.equal(again.mr.id, first.mr.id);

      const second = await createMergeRequest(
        ledger,
        fields({ source_issue: source, commit_sha: "b".repeat(40), convoy: "hq-cv-1" }),
        3,
        "test",
      );
      assert.ok(second.created);
      assert.deepEqual(second.superseded, [first.mr.id]);
      const old = (await ledger.getIssue(first.mr.id))!;
      assert.equal(old.status, "closed");
      assert.equal(old.close_reason, "superseded");
      assert.equal((old.metadata as Record<string, unknown>).superseded_by, second.mr.id);
      assert.equal(second.mr.convoy, "hq-cv-1");
      assert.equal(second.mr.priority, 3);

      const open = await listMergeRequests(ledger, { sourceIssue: source });
      assert.deepEqual(
        open.map((m) => m.id),
        [second.mr.id],
      );
      const all = await listMergeRequests(ledger, { all: true, sourceIssue: source });
      assert.deepEqual(
        all.map((m) => m.id),
        [first.mr.id, second.mr.id],
      );
      const closed = await listMergeRequests(ledger, { status: "closed" });
      assert.deepEqual(
        closed.map((m) => m.id),
        [first.mr.id],
      );

      // Code reads metadata; the description lines alone are enough when metadata is missing.
      const bare = { ...((await ledger.getIssue(second.mr.id)) as Issue), metadata: undefined };
      const parsed = readMergeRequest(bare);
      assert.equal(parsed.commit_sha, "b".repeat(40));
      assert.equal(parsed.source_issue, source);
      assert.equal(parsed.retry_count, 0);
      assert.equal(parsed.convoy, "hq-cv-1");
    } finally {
      await ledger.close();
    }
    // A real bead of its type: bd lists it (not a wisp).
    const listed = JSON.parse(
      await bdOk(town, rigDir, ["list", "--type", "merge-request", "--json"]),
    ) as Array<{ id: string; labels?: string[] }>;
    assert.ok(listed.some((m) => m.labels?.includes("gt:merge-request")));
  });
});
