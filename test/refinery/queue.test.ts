// The refinery against real git: a bare project origin, branches pushed like polecats push
// them, merge-request beads filed with the same code gt done uses, and `gt refinery run-once`
// through the real executable. 16 MRs with one that breaks the test gate and one that
// conflicts: 14 land in one push or a few, the bad one is rejected with the gate's output,
// and bisection keeps the gate runs near 1 + 2·log2(16).
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { locate } from "../../src/town/ledgers.ts";
import { createMergeRequest } from "../../src/work/merge-requests.ts";
import { BD, GT, run } from "../helpers/bd.ts";
import { groupAlive, killGroups, processGroupsUnder } from "../helpers/procs.ts";
import { eventually, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Report {
  batches: number;
  gate_runs: number;
  landed: Array<{ mr: string; source_issue: string; commit: string }>;
  rejected: Array<{ mr: string; source_issue: string; reason: string; detail: string; output: string }>;
  retried: string[];
  dropped: Array<{ mr: string; reason: string }>;
  recovered: string[];
  targets: Record<string, string>;
}
interface Bead {
  id: string;
  status: string;
  labels?: string[];
  close_reason?: string;
  metadata?: Record<string, unknown>;
}

const CHECK = `#!/bin/sh
for f in *.txt; do
  if grep -q BROKEN "$f"; then echo "test failed: $f is broken"; exit 1; fi
done
echo "all tests pass"
`;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=dev", "-c", "user.email=dev@example.com", ...args], {
    cwd,
    encoding: "utf8",
    stdio: "pipe",
  }).trim();

describe("the refinery", () => {
  let town: TestTown;

  /** A rig whose origin is a bare repo, with a test gate and the given merge-queue settings. */
  async function bareRig(name: string, mq: Record<string, unknown>) {
    const seed = makeRepo(join(town.scratch, `${name}-seed`), { "README.md": "title\n", "check.sh": CHECK });
    const origin = join(town.scratch, `${name}.git`);
    execFileSync("git", ["clone", "--quiet", "--bare", seed, origin]);
    const r = await town.gt(["rig", "add", name, origin]);
    assert.equal(r.code, 0, r.stderr);
    const rigDir = join(town.root, name);
    const file = join(rigDir, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.merge_queue = { test_command: "sh check.sh", ...mq };
    writeFileSync(file, JSON.stringify(settings, null, 2));
    const work = join(town.scratch, `${name}-work`);
    execFileSync("git", ["clone", "--quiet", origin, work]);
    return { rigDir, origin, work };
  }

  /** A branch off origin/main with `files`, pushed, a bead for it and its merge request. */
  async function submit(
    rig: { rigDir: string; work: string },
    rigName: string,
    branch: string,
    files: Record<string, string>,
  ): Promise<{ bead: string; mr: string; sha: string }> {
    git(rig.work, "fetch", "--quiet", "origin");
    git(rig.work, "checkout", "--quiet", "-B", branch, "origin/main");
    for (const [f, text] of Object.entries(files)) writeFileSync(join(rig.work, f), text);
    git(rig.work, "add", "-A");
    git(rig.work, "commit", "--quiet", "-m", `work on ${branch}`);
    git(rig.work, "push", "--quiet", "origin", branch);
    const sha = git(rig.work, "rev-parse", "HEAD");
    const bead = (await run(BD, rig.rigDir, ["create", branch, "--silent"], { env: town.env })).stdout.trim();
    const ledger = openLedger(locate(join(rig.rigDir, ".beads")));
    try {
      await ledger.updateIssue(bead, { status: "in_progress" }, "test");
      const { mr } = await createMergeRequest(
        ledger,
        {
          branch,
          target: "main",
          source_issue: bead,
          rig: rigName,
          commit_sha: sha,
          worker: `${rigName}/polecats/p`,
          retry_count: 0,
        },
        2,
        "test",
      );
      return { bead, mr: mr.id, sha };
    } finally {
      await ledger.close();
    }
  }

  const runOnce = async (rig: string) => town.gtJson<Report>(["refinery", "run-once", rig]);
  const show = async (rigDir: string, id: string) =>
    (JSON.parse((await run(BD, rigDir, ["show", id, "--json"], { env: town.env })).stdout) as Bead[])[0]!;
  const filesOnMain = (origin: string) =>
    git(origin, "ls-tree", "--name-only", "main")
      .split("\n")
      .filter((f) => f.endsWith(".txt"))
      .sort();

  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("16 MRs, one breaking the test gate and one conflicting: 14 land, bisection finds the bad one", async () => {
    const rig = await bareRig("alpha", { batch_size: 16 });
    const subs = [];
    for (let i = 1; i <= 16; i++) {
      const files: Record<string, string> = { [`f${i}.txt`]: i === 7 ? "BROKEN\n" : `ok ${i}\n` };
      if (i === 4) files["README.md"] = "title four\n";
      if (i === 12) files["README.md"] = "title twelve\n";
      subs.push(await submit(rig, "alpha", `polecat/p${i}/work@x`, files));
    }
    const report = await runOnce("alpha");

    assert.equal(report.landed.length, 14, JSON.stringify(report.rejected));
    assert.equal(report.rejected.length, 2);
    const gate = report.rejected.find((r) => r.reason === "gate")!;
    assert.equal(gate.mr, subs[6]!.mr, "MR 7 breaks the test gate");
    assert.match(gate.detail, /test gate failed/);
    assert.match(gate.output, /f7.txt is broken/);
    const conflict = report.rejected.find((r) => r.reason === "conflict")!;
    assert.ok([subs[3]!.mr, subs[11]!.mr].includes(conflict.mr), "one of the two README edits conflicts");
    // Bisection, not one gate run per MR.
    assert.ok(report.gate_runs <= 9, `gate runs: ${report.gate_runs}`);
    assert.ok(report.gate_runs >= 2);

    const landedFiles = filesOnMain(rig.origin);
    assert.equal(landedFiles.length, 14);
    assert.ok(!landedFiles.includes("f7.txt"));
    assert.equal(git(rig.origin, "rev-parse", "main"), report.targets.main);
    // Landed: MR and source closed, branch deleted. Rejected: source open again, with the output.
    const landedSub = subs[0]!;
    assert.equal((await show(rig.rigDir, landedSub.mr)).status, "closed");
    const src = await show(rig.rigDir, landedSub.bead);
    assert.equal(src.status, "closed");
    assert.match(src.close_reason ?? "", /merged into main/);
    assert.throws(() => git(rig.origin, "rev-parse", "--verify", "refs/heads/polecat/p1/work@x"));
    const bad = await show(rig.rigDir, subs[6]!.bead);
    assert.equal(bad.status, "open");
    assert.ok(bad.labels?.includes("gt:rejected"));
    const events = readFileSync(join(town.root, ".events.jsonl"), "utf8");
    assert.match(events, new RegExp(`"type":"merge_queue_run".*"gate_runs":${report.gate_runs}`));

    // The rig's witness hears of every outcome by mail, as in Gas Town.
    const notices = await town.gtJson<Array<{ subject: string }>>([
      "mail",
      "inbox",
      "--identity",
      "alpha/witness",
    ]);
    assert.equal(notices.filter((m) => m.subject.startsWith("MERGED ")).length, 14);
    assert.equal(notices.filter((m) => m.subject.startsWith("MERGE_FAILED ")).length, 2);

    // Nothing left: a second run does nothing.
    const again = await runOnce("alpha");
    assert.equal(again.batches, 0);
    assert.equal(again.gate_runs, 0);
  });

  it("auto_rebase retries a conflicting MR on the new target; assign_back would reject it", async () => {
    const rig = await bareRig("beta", { on_conflict: "auto_rebase" });
    // A is bad and edits README; B edits README too, so it conflicts only with A.
    const a = await submit(rig, "beta", "polecat/a/x@1", { "a.txt": "BROKEN\n", "README.md": "title A\n" });
    const b = await submit(rig, "beta", "polecat/b/x@1", { "b.txt": "ok\n", "README.md": "title B\n" });
    const report = await runOnce("beta");
    assert.deepEqual(report.retried, [b.mr]);
    assert.deepEqual(
      report.rejected.map((r) => [r.mr, r.reason]),
      [[a.mr, "gate"]],
    );
    assert.deepEqual(
      report.landed.map((l) => l.mr),
      [b.mr],
    );
    assert.equal(git(rig.origin, "show", "main:README.md"), "title B");
  });

  it("a hanging gate fails with timeout instead of stalling the queue", async () => {
    const rig = await bareRig("gamma", { test_command: "sleep 30", gate_timeout_seconds: 1 });
    const s = await submit(rig, "gamma", "polecat/h/x@1", { "h.txt": "ok\n" });
    const t0 = Date.now();
    const report = await runOnce("gamma");
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(report.rejected[0]?.mr, s.mr);
    assert.match(report.rejected[0]!.detail, /test gate: timeout/);
  });

  it("finishes MRs a killed run had landed, forgets marks that never landed, drops stale ones", async () => {
    const rig = await bareRig("delta", {});
    const landedBefore = await submit(rig, "delta", "polecat/d/one@1", { "one.txt": "ok\n" });
    const notLanded = await submit(rig, "delta", "polecat/d/two@1", { "two.txt": "ok\n" });
    const stale = await submit(rig, "delta", "polecat/d/three@1", { "three.txt": "ok\n" });
    // As if a refinery pushed MR one and was killed before closing anything.
    git(rig.work, "push", "--quiet", "origin", `${landedBefore.sha}:refs/heads/main`);
    const ledger = openLedger(locate(join(rig.rigDir, ".beads")));
    try {
      await ledger.updateIssue(
        landedBefore.mr,
        { set_metadata: { landing_commit: landedBefore.sha, landing_target: "main" } },
        "t",
      );
      await ledger.updateIssue(
        notLanded.mr,
        { set_metadata: { landing_commit: "0".repeat(40), landing_target: "main" } },
        "t",
      );
      await ledger.closeIssue(stale.bead, { reason: "done elsewhere" }, "t");
    } finally {
      await ledger.close();
    }
    const report = await runOnce("delta");
    assert.deepEqual(report.recovered, [landedBefore.mr]);
    assert.deepEqual(
      report.dropped.map((d) => d.mr),
      [stale.mr],
    );
    assert.deepEqual(report.landed.map((l) => l.mr).sort(), [landedBefore.mr, notLanded.mr].sort());
    assert.deepEqual(filesOnMain(rig.origin), ["one.txt", "two.txt"]);
  });

  it("a refinery killed mid-batch leaves the target untouched; the next run lands the batch", async () => {
    // The gate writes its shell's pid (the leader of the process group the refinery runs it
    // in) before it blocks, so the test knows exactly which processes are the gate.
    const gatePid = join(town.scratch, "zeta-gate.pid");
    const rig = await bareRig("zeta", { test_command: `echo $$ > ${gatePid}; sleep 20` });
    const subs = [
      await submit(rig, "zeta", "polecat/z/a@1", { "a.txt": "ok\n" }),
      await submit(rig, "zeta", "polecat/z/b@1", { "b.txt": "ok\n" }),
    ];
    const mainBefore = git(rig.origin, "rev-parse", "main");
    const child = spawn(GT, ["refinery", "run-once", "zeta"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
      stdio: "ignore",
    });
    // Kill it while the gate runs on the stacked batch.
    const gate = await eventually(
      async () => (existsSync(gatePid) ? Number(readFileSync(gatePid, "utf8").trim()) : 0),
      15_000,
      "the gate to start",
    );
    assert.ok(groupAlive(gate), "the gate is running when the refinery is killed");
    assert.ok(processGroupsUnder([child.pid!]).includes(gate), "the gate is the refinery's own child group");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // The gate ran in its own process group; it outlives the killed refinery, so end that group here.
    assert.ok(groupAlive(gate), "the gate's group outlived the refinery");
    killGroups([gate]);
    assert.equal(git(rig.origin, "rev-parse", "main"), mainBefore, "no half batch on the target");
    for (const s of subs) assert.equal((await show(rig.rigDir, s.mr)).status, "open");

    const file = join(rig.rigDir, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.merge_queue.test_command = "true";
    writeFileSync(file, JSON.stringify(settings));
    const report = await runOnce("zeta");
    assert.equal(report.landed.length, 2);
    assert.deepEqual(filesOnMain(rig.origin), ["a.txt", "b.txt"]);
  });

  it("gt mq list shows the queue in order; reject and retry work by hand", async () => {
    const rig = await bareRig("eps", {});
    const low = await submit(rig, "eps", "polecat/e/low@1", { "low.txt": "ok\n" });
    const ledger = openLedger(locate(join(rig.rigDir, ".beads")));
    try {
      await ledger.updateIssue(low.mr, { priority: 3 }, "t");
    } finally {
      await ledger.close();
    }
    const high = await submit(rig, "eps", "polecat/e/high@1", { "high.txt": "ok\n" });
    const queue = await town.gtJson<Array<{ id: string; score: number }>>(["mq", "list", "eps"]);
    assert.deepEqual(
      queue.map((q) => q.id),
      [high.mr, low.mr],
    );
    let r = await town.gt(["mq", "reject", "eps", low.mr, "--reason", "not wanted"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await show(rig.rigDir, low.bead)).status, "open");
    r = await town.gt(["mq", "retry", "eps", low.mr]);
    assert.equal(r.code, 0, r.stderr);
    const report = await runOnce("eps");
    assert.equal(report.landed.length, 2);
    r = await town.gt(["mq", "status", "al-nope", "eps"]);
    assert.equal(r.code, 1);
  });
});
