// The dogs on a real town (tmux, script-agent polecats): the wisp reaper closes wisps past
// their TTL (never mail) and deletes closed ones past their keep time; the checkpoint dog
// saves a working polecat's uncommitted work as a WIP commit on polecat/<name>/wip, pushed,
// leaving its sandbox, index and bead branch as they were; the JSONL check catches up an
// export; the doctor dog reports what gt doctor finds to the deacon, once; command dogs are
// added, run and removed; and the daemon runs the dogs on their intervals, none while an
// e-stop stands.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BD, run } from "../helpers/bd.ts";
import { eventually, git, refSha } from "../helpers/town.ts";
import { setPatrols } from "./daemon-helpers.ts";
import { type PatrolTown, patrolTown } from "./patrol-helpers.ts";

interface DogState {
  runs: number;
  last_ok: boolean;
  last_summary: string;
  problems: string[];
  details: Record<string, unknown> | null;
}

describe("the dogs: reaper, checkpoint, JSONL check, doctor, command dogs, and the daemon running them", () => {
  let t: PatrolTown;
  const dogs = (patrols: Record<string, unknown>) => {
    const file = join(t.town.root, "mayor", "daemon.json");
    const cfg = JSON.parse(readFileSync(file, "utf8"));
    cfg.patrols = { ...cfg.patrols, ...patrols };
    writeFileSync(file, JSON.stringify(cfg, null, 2));
  };
  /** Runs a dog now; its record whether it went well or not (a failed run exits 1). */
  const runDog = async (name: string) => {
    const r = await t.town.gt(["dog", "run", name, "--json"]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    return JSON.parse(r.stdout) as DogState;
  };

  before(async () => {
    t = await patrolTown();
  });
  after(async () => {
    await t?.cleanup();
  });

  it("the wisp reaper closes wisps past their TTL, never mail, and deletes closed ones past their keep time", async () => {
    dogs({ wisp_reaper: { max_age: "1s", delete_age: "2s" } });
    const wisp = await t.bd(["create", "scratch note", "--ephemeral", "--silent"]);
    const kept = await t.bd(["create", "real work", "--silent"]);
    const mail = (
      await t.town.gtJson<{ id: string }>(["mail", "send", "mayor", "-s", "unread news", "-m", "hi"])
    ).id;
    await sleep(1100);
    const first = await runDog("wisp-reaper");
    assert.equal(first.last_ok, true);
    assert.match(first.last_summary, /closed 1 wisp\(s\) past 1s/);
    assert.equal((await t.show(wisp)).status, "closed");
    assert.equal((await t.show(kept)).status, "open", "not a wisp: never reaped");
    const inbox = await t.inbox("mayor");
    assert.ok(
      inbox.some((m) => m.subject === "unread news"),
      "unread mail stays",
    );
    await sleep(2100);
    const second = await runDog("wisp-reaper");
    assert.match(second.last_summary, /deleted 1 closed past 2s/);
    const still = await t.town.gt(["mail", "read", mail, "--identity", "mayor"]);
    assert.equal(still.code, 0, `the unread mail is still there: ${still.stderr}`);
    const deleted = await run(BD, t.rigDir, ["show", wisp, "--json"], { env: t.town.env });
    assert.notEqual(deleted.code, 0, "the closed wisp is deleted");
    assert.match(deleted.stderr, /no issue found/);
  });

  it("the JSONL check catches up an export a killed writer left behind", async () => {
    const jsonl = join(t.rigDir, ".beads", "issues.jsonl");
    assert.ok(existsSync(jsonl));
    rmSync(jsonl); // as if the export after a commit never happened
    const s = await runDog("jsonl-export");
    assert.equal(s.last_ok, true, s.problems.join("; "));
    assert.match(s.last_summary, /1 export\(s\) caught up/);
    assert.ok(existsSync(jsonl), "issues.jsonl written again");
    const ledgers = s.details!.ledgers as Record<
      string,
      { missing: number; differing: number; beads: number }
    >;
    assert.equal(ledgers.alpha?.missing, 0);
    assert.ok((ledgers.alpha?.beads ?? 0) > 0);
  });

  it("the checkpoint dog saves a working polecat's uncommitted work on polecat/<name>/wip, leaving its sandbox alone", async () => {
    const gate = join(t.town.scratch, "gate-checkpoint");
    const bead = await t.gatedTask("long task", gate, "done.txt");
    const p = await t.sling(bead);
    await t.running(p.session);
    const head = git(p.work_dir, "rev-parse", "HEAD");
    const branch = git(p.work_dir, "symbolic-ref", "--short", "HEAD");
    writeFileSync(join(p.work_dir, "notes.txt"), "half done\n");
    writeFileSync(join(p.work_dir, "README.md"), "# project\nchanged\n");
    const statusBefore = git(p.work_dir, "status", "--porcelain");

    const s = await runDog("checkpoint");
    assert.equal(s.last_ok, true, s.problems.join("; "));
    const cps = s.details!.checkpoints as Array<{
      polecat: string;
      branch: string;
      commit: string;
      pushed: boolean;
      bead: string;
    }>;
    assert.equal(cps.length, 1);
    const cp = cps[0]!;
    assert.equal(cp.branch, `polecat/${p.polecat}/wip`);
    assert.equal(cp.pushed, true);
    assert.equal(cp.bead, bead);
    assert.equal(refSha(t.origin, `refs/heads/polecat/${p.polecat}/wip`), cp.commit, "on origin");
    assert.equal(git(t.origin, "show", `${cp.commit}:notes.txt`), "half done");
    assert.match(git(t.origin, "show", `${cp.commit}:README.md`), /changed/);
    assert.equal(git(t.origin, "rev-parse", `${cp.commit}^`), head, "on top of the sandbox's HEAD");
    const files = git(t.origin, "ls-tree", "-r", "--name-only", cp.commit).split("\n");
    assert.ok(!files.some((f) => f.startsWith(".beads/") || f.startsWith(".claude/")), files.join(" "));

    assert.equal(git(p.work_dir, "rev-parse", "HEAD"), head, "the sandbox's HEAD did not move");
    assert.equal(git(p.work_dir, "symbolic-ref", "--short", "HEAD"), branch, "still on the bead's branch");
    assert.equal(git(p.work_dir, "status", "--porcelain"), statusBefore, "its changes are still uncommitted");
    assert.equal(git(p.work_dir, "diff", "--cached", "--name-only"), "", "its index untouched");
    assert.equal(
      refSha(t.origin, `refs/heads/${branch}`) ?? head,
      head,
      "the bead's branch got no WIP commit",
    );

    const same = await runDog("checkpoint");
    assert.match(same.last_summary, /0 checkpointed/, "an unchanged sandbox is not committed again");
    writeFileSync(join(p.work_dir, "notes.txt"), "more done\n");
    const next = await runDog("checkpoint");
    const cp2 = (next.details!.checkpoints as Array<{ commit: string }>)[0]!;
    assert.notEqual(cp2.commit, cp.commit);
    assert.equal(git(t.origin, "show", `${cp2.commit}:notes.txt`), "more done");
    rmSync(join(p.work_dir, "notes.txt"));
    git(p.work_dir, "checkout", "--", "README.md");
    writeFileSync(gate, "");
  });

  it("the doctor dog reports what gt doctor finds to the deacon, once, and is clean after gt doctor --fix", async () => {
    const dead = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    mkdirSync(join(t.town.root, ".runtime", "locks"), { recursive: true });
    writeFileSync(join(t.town.root, ".runtime", "locks", "left-behind.lock"), dead);
    const s = await runDog("doctor");
    const stale = s.problems.find((p) => p.includes("stale-locks"));
    assert.ok(stale, s.problems.join("\n"));
    const reports = async () =>
      (await t.inbox("deacon")).filter((m) => m.subject.startsWith("DOG_REPORT doctor"));
    const mailed = await reports();
    assert.equal(mailed.length, 1);
    assert.ok(mailed[0]!.body.includes("stale-locks"));
    await runDog("doctor");
    assert.equal((await reports()).length, 1, "the same problem is not reported again");
    const status = await t.town.gtJson<{ state: DogState }>(["dog", "status", "doctor"]);
    assert.ok(status.state.problems.some((p) => p.includes("stale-locks")));

    assert.equal((await t.town.gt(["doctor", "--fix"])).code, 0);
    const clean = await runDog("doctor");
    assert.equal(
      clean.problems.some((p) => p.includes("stale-locks")),
      false,
      clean.problems.join("\n"),
    );
  });

  it("command dogs: added, run, listed with their last result, removed; bad input is one line", async () => {
    const added = await t.town.gtJson<{ name: string }>([
      "dog",
      "add",
      "count-beads",
      "--run",
      "ls alpha > .runtime/seen.txt",
      "--every",
      "1h",
    ]);
    assert.equal(added.name, "count-beads");
    const ran = await runDog("count-beads");
    assert.equal(ran.last_ok, true);
    assert.ok(existsSync(join(t.town.root, ".runtime", "seen.txt")), "it ran in the town's root");
    const list = await t.town.gtJson<Array<{ name: string; kind: string; state: DogState | null }>>([
      "dog",
      "list",
    ]);
    assert.deepEqual(
      list.map((d) => d.name),
      ["boot", "wisp-reaper", "checkpoint", "jsonl-export", "doctor", "count-beads"],
    );
    assert.equal(list.find((d) => d.name === "count-beads")?.state?.runs, 1);
    assert.equal((await t.town.gt(["dog", "add", "fails", "--run", "exit 4", "--every", "1h"])).code, 0);
    const failed = await t.town.gt(["dog", "run", "fails"]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /exit 4/);
    const cases: Array<[string[], RegExp]> = [
      [["dog", "add", "Bad Name", "--run", "true", "--every", "1m"], /invalid dog name/],
      [["dog", "add", "x", "--run", "true", "--every", "soon"], /--every: "soon" is not a duration/],
      [["dog", "add", "boot", "--run", "true", "--every", "1m"], /boot is a built-in dog/],
      [["dog", "add", "count-beads", "--run", "true", "--every", "1m"], /already exists/],
      [["dog", "remove", "doctor"], /built-in dog/],
      [["dog", "run", "nobody"], /no dog named nobody/],
    ];
    for (const [args, msg] of cases) {
      const r = await t.town.gt(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
    assert.equal((await t.town.gt(["dog", "remove", "count-beads"])).code, 0);
    assert.equal((await t.town.gt(["dog", "remove", "fails"])).code, 0);
    assert.equal((await t.town.gt(["dog", "status", "count-beads"])).code, 1);
  });

  it("the daemon runs the dogs on their intervals, boot included, and none while an e-stop stands", async () => {
    setPatrols(t.town, false); // no agents: the dogs alone
    dogs({
      boot: { interval: "1s" },
      wisp_reaper: { interval: "1s", max_age: "1h" },
      doctor_dog: { enabled: false },
    });
    const runs = async (name: string) =>
      (await t.town.gtJson<{ state: DogState | null }>(["dog", "status", name])).state?.runs ?? 0;
    const before = { boot: await runs("boot"), reaper: await runs("wisp-reaper") };
    assert.equal((await t.town.gt(["daemon", "start"])).code, 0);
    try {
      await eventually(async () => (await runs("boot")) > before.boot + 1, 20_000, "boot run by the daemon");
      await eventually(
        async () => (await runs("wisp-reaper")) > before.reaper,
        20_000,
        "the reaper run by the daemon",
      );
      const boot = await t.town.gtJson<{ last: { by: string; reason: string } }>(["boot", "status"]);
      assert.equal(boot.last.by, "daemon");
      assert.match(boot.last.reason, /switched off/, "the deacon is off in mayor/daemon.json");

      assert.equal((await t.town.gt(["estop", "-r", "dogs"])).code, 0);
      await sleep(1500); // a round in flight finishes
      const frozen = await runs("wisp-reaper");
      await sleep(3000);
      assert.equal(await runs("wisp-reaper"), frozen, "no dog runs under an e-stop");
      assert.equal((await t.town.gt(["thaw"])).code, 0);
      await eventually(async () => (await runs("wisp-reaper")) > frozen, 30_000, "dogs again after thaw");
    } finally {
      await t.town.gt(["daemon", "stop"]);
    }
  });
});
