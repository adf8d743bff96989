// gt estop / gt thaw on a live town (tmux, script agents, the daemon running). A polecat is
// in the middle of its task and the refinery in the middle of its gate when the e-stop
// comes: every session but the mayor's is frozen, process tree and all. While it stands
// nothing moves — no commit, no merge, no sling, no restart by the daemon — and gt status
// and gt prime say so. gt thaw resumes them: the gate passes and lands, the task finishes
// and lands too, nothing lost. A rig's own e-stop keeps a hand-run refinery from landing.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bdOk, commitIn, eventually, git, refSha, slingNew } from "../helpers/town.ts";
import {
  type AgentStatus,
  type DaemonTown,
  daemonTown,
  eventsOf,
  procState,
  treeOf,
} from "./daemon-helpers.ts";

interface Bead {
  id: string;
  status: string;
  metadata?: Record<string, unknown>;
}

/** Processes whose command line holds `text` (Linux). */
function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, "latin1").includes(text)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

describe("gt estop and gt thaw", () => {
  let town: DaemonTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bead = async (id: string) =>
    (JSON.parse(await bdOk(town, rigDir(), ["show", id, "--json"])) as Bead[])[0]!;
  const create = (title: string, sh: string) =>
    bdOk(town, rigDir(), ["create", title, "-d", `Task.\n\n\`\`\`sh\n${sh}\n\`\`\`\n`, "--silent"]);
  const sling = async (id: string) =>
    (
      await town.gtJson<{ outcomes: Array<{ polecat: string; session: string; work_dir: string }> }>([
        "sling",
        id,
        "alpha",
      ])
    ).outcomes[0]!;
  const file = (name: string) => join(town.scratch, name);

  before(async () => {
    town = await daemonTown({
      mergeQueue: {
        // The gate waits for a file the test writes: the refinery is mid-gate at the e-stop.
        test_command: `while [ ! -f '${join("SCRATCH", "gate-go")}' ]; do sleep 0.1; done`,
        poll_interval_seconds: 1,
      },
    });
    // The scratch path is only known now: write it into the gate.
    const settingsFile = join(rigDir(), "settings", "config.json");
    writeFileSync(settingsFile, readFileSync(settingsFile, "utf8").replace("SCRATCH", town.scratch));
    origin = join(town.scratch, "project.git");
    const up = await town.gt(["up"]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("freezes the town mid-work; nothing moves until thaw, then all of it lands", async () => {
    const quick = await create("Quick task", "echo a > a.txt");
    await sling(quick);
    const slow = await create(
      "Slow task",
      [
        `echo started >> '${file("b-started")}'`,
        `while [ ! -f '${file("b-go")}' ]; do sleep 0.1; done`,
        "echo b > b.txt",
      ].join("\n"),
    );
    const b = await sling(slow);
    // The refinery is running the gate on the quick task's MR; the slow task is running.
    const gate = await eventually(
      async () => processesWith(file("gate-go"))[0],
      60_000,
      "the refinery's gate to run",
    );
    await eventually(async () => existsSync(file("b-started")), 30_000, "the slow task to start");
    const mainBefore = refSha(origin, "main");
    const branchBefore = git(b.work_dir, "rev-parse", "HEAD");

    const stop = await town.gtJson<{ raised: boolean; frozen: string[]; exempt: string[]; failed: string[] }>(
      ["estop", "-r", "test freeze"],
    );
    assert.equal(stop.raised, true);
    assert.deepEqual(stop.failed, []);
    assert.deepEqual(stop.exempt, ["hq-mayor"]);
    for (const s of ["hq-deacon", "al-witness", "al-refinery", b.session])
      assert.ok(stop.frozen.includes(s), `${s} frozen: ${stop.frozen.join(", ")}`);
    assert.equal(existsSync(join(town.root, "ESTOP")), true);
    // Every process of the gate and of the slow polecat's session is stopped; the mayor runs.
    assert.equal(procState(gate!), "T", "the gate is frozen");
    // (The pane's own shell only waits for the agent; tmux would continue it if it stopped.)
    const agentTree = treeOf(town.panePid(b.session)!).slice(1);
    assert.ok(agentTree.length >= 2, "the agent and its task shell");
    // (A child that ended just as its parent froze stays a zombie, unreaped: it runs no more.)
    for (const pid of agentTree) assert.ok(["T", "Z"].includes(procState(pid) ?? ""), `pid ${pid} frozen`);
    assert.equal(procState(agentTree[0]!), "T", "the agent is frozen");
    const mayor = await town.agentPid("hq-mayor");
    assert.notEqual(procState(mayor), "T", "the mayor is exempt");

    // What would let the work go on arrives — and nothing moves.
    writeFileSync(file("gate-go"), "");
    writeFileSync(file("b-go"), "");
    await sleep(3000);
    assert.equal(refSha(origin, "main"), mainBefore, "nothing merged");
    assert.equal(git(b.work_dir, "rev-parse", "HEAD"), branchBefore, "no commit");
    assert.equal(existsSync(join(b.work_dir, "b.txt")), false);
    assert.equal((await bead(quick)).status !== "closed", true);

    // Everyone is told, and nothing new starts.
    const status = await town.gt(["status"]);
    assert.match(
      status.stdout,
      /⛔ E-STOP since .* \(test freeze\): every agent but the mayor is frozen \(gt thaw\)/,
    );
    const json = await town.gtJson<{ estop: { reason: string } | null }>(["status"]);
    assert.equal(json.estop?.reason, "test freeze");
    const prime = await town.gt(["prime"], { cwd: join(town.root, "mayor") });
    assert.match(
      prime.stdout,
      /^⛔ E-STOP: the town is frozen since .* \(test freeze\)\.\nStart nothing new/,
    );
    const refused = await town.gt([
      "sling",
      await bdOk(town, rigDir(), ["create", "Later", "--silent"]),
      "alpha",
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /e-stop is on \(test freeze\): nothing is slung until gt thaw/);
    const again = await town.gt(["estop"]);
    assert.match(again.stdout, /E-stop already active \(since .*: test freeze\)/);
    // A frozen agent killed outright (its pane too) is not restarted while the e-stop stands.
    const witness = await town.gtJson<AgentStatus>(["witness", "status", "alpha"]);
    for (const pid of treeOf(town.panePid(witness.session)!)) process.kill(pid, "SIGKILL");
    await sleep(2000);
    assert.notEqual((await town.gtJson<AgentStatus>(["witness", "status", "alpha"])).state, "running");
    assert.equal(eventsOf(town, "daemon_start").filter((e) => e.payload.agent === "alpha/witness").length, 0);

    const thaw = await town.gt(["thaw"]);
    assert.equal(thaw.code, 0, thaw.stderr);
    assert.match(thaw.stdout, /✓ \d+ session\(s\) resumed/);
    assert.equal(existsSync(join(town.root, "ESTOP")), false);
    // The gate finishes and lands; the task finishes, is committed, and lands after it.
    await eventually(async () => (await bead(quick)).status === "closed", 60_000, "the quick task to land");
    await eventually(async () => (await bead(slow)).status === "closed", 90_000, "the slow task to land");
    assert.equal(git(origin, "show", "main:a.txt"), "a");
    assert.equal(git(origin, "show", "main:b.txt"), "b");
    assert.equal(readFileSync(file("b-started"), "utf8"), "started\n", "the task ran once, not again");
    // And the daemon brings the witness back.
    await eventually(
      async () => (await town.gtJson<AgentStatus>(["witness", "status", "alpha"])).state === "running",
      30_000,
      "the witness restarted after the thaw",
    );
    assert.equal((await town.gt(["thaw"])).stdout.trim(), "No E-stop active.");
  });

  it("a rig's own e-stop: a refinery run by hand lands nothing until gt thaw --rig", async () => {
    // Whatever the test before left: no e-stop, an open gate.
    await town.gt(["thaw"]);
    writeFileSync(file("gate-go"), "");
    // The daemon off and the refinery stopped: the merge request waits for a hand-run.
    assert.equal((await town.gt(["daemon", "stop"])).code, 0);
    assert.equal((await town.gt(["refinery", "stop", "alpha"])).code, 0);
    const s = await slingNew(town, "alpha", "Hand-landed task");
    commitIn(s.work_dir, "c.txt", "c\n");
    const done = await town.gt(["done"], {
      cwd: s.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: s.polecat },
    });
    assert.equal(done.code, 0, done.stderr);
    const stop = await town.gt(["estop", "--rig", "alpha", "-r", "release freeze"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /⛔ EMERGENCY STOP: alpha/);
    assert.equal(existsSync(join(town.root, "ESTOP.alpha")), true);
    const mainBefore = refSha(origin, "main");
    const held = await town.gt(["refinery", "run-once", "alpha"]);
    assert.equal(held.code, 0, held.stderr);
    assert.match(held.stdout, /refinery: e-stop is on: landing nothing until gt thaw/);
    assert.equal(refSha(origin, "main"), mainBefore);
    assert.notEqual((await bead(s.bead)).status, "closed");
    const rig = await town.gtJson<{ estop: { town_wide: boolean } | null }>(["rig", "status", "alpha"]);
    assert.equal(rig.estop?.town_wide, false);

    const thaw = await town.gt(["thaw", "--rig", "alpha"]);
    assert.equal(thaw.code, 0, thaw.stderr);
    assert.equal(existsSync(join(town.root, "ESTOP.alpha")), false);
    const landed = await town.gt(["refinery", "run-once", "alpha"]);
    assert.equal(landed.code, 0, landed.stderr);
    assert.match(landed.stdout, /✓ merged/);
    assert.equal(git(origin, "show", "main:c.txt"), "c");
    assert.equal((await bead(s.bead)).status, "closed");
  });
});
