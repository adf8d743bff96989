// gt deacon's helpers on a real town (tmux, the script agent): the heartbeat and pause;
// a stuck agent (its process stopped with SIGSTOP) fails three health checks in a row and
// is force-killed with everything in its session, at most once per cooldown, the mayor
// told; stale hooks of agents that are gone are unhooked; agent processes that outlived
// their session are stopped; the zombie scan reports and touches nothing. Bad input is one
// line and a non-zero exit.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive } from "../helpers/procs.ts";
import { bdOk, eventually } from "../helpers/town.ts";
import { childrenOf, type DaemonTown, daemonTown, procState } from "./daemon-helpers.ts";

interface Beat {
  timestamp: string;
  cycle: number;
  last_action: string | null;
}

interface Health {
  agent: string;
  outcome: string;
  consecutive_failures: number;
  should_force_kill: boolean;
}

describe("gt deacon: heartbeat, pause, health checks and force-kill, sweeps", () => {
  let town: DaemonTown;
  const stopped: number[] = [];

  before(async () => {
    town = await daemonTown();
    // The deacon patrols once at start and then not again for the length of the test.
    town.settings((s) => {
      s.patrol = { interval: "1h" };
    });
  });
  after(async () => {
    for (const pid of stopped) if (processAlive(pid)) process.kill(pid, "SIGKILL");
    await town?.cleanup();
  });

  it("records heartbeats, refuses them while paused, and says so in gt deacon status", async () => {
    const one = await town.gtJson<Beat>(["deacon", "heartbeat", "checking", "mail"]);
    assert.equal(one.last_action, "checking mail");
    const two = await town.gtJson<Beat>(["deacon", "heartbeat"]);
    assert.equal(two.cycle, one.cycle + 1);
    const s = await town.gtJson<{ heartbeat_health: string; paused: unknown }>(["deacon", "status"]);
    assert.equal(s.heartbeat_health, "fresh");
    assert.equal(s.paused, null);

    await town.gtJson(["deacon", "pause", "--reason", "maintenance"]);
    const refused = await town.gt(["deacon", "heartbeat"]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    assert.match(refused.stderr, /the deacon is paused \(maintenance\)/);
    const paused = await town.gtJson<{ paused: { reason: string } }>(["deacon", "status"]);
    assert.equal(paused.paused.reason, "maintenance");
    assert.deepEqual(await town.gtJson(["deacon", "resume"]), { resumed: true });
    assert.equal((await town.gt(["deacon", "heartbeat"])).code, 0);
  });

  it("refuses bad input in one line with a non-zero exit", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["deacon", "health-check", "deacon", "--timeout", "soon"], /--timeout: "soon" is not a duration/],
      [["deacon", "health-check", "deacon", "--failures", "0"], /--failures: "0" is not a whole number/],
      [["deacon", "health-check", "a/b/c/d"], /invalid agent address/],
      [["deacon", "force-kill", "nowhere/witness"], /nowhere/],
      [["deacon", "redispatch", "zz-nothing"], /cannot tell which rig zz-nothing belongs to/],
      [["deacon", "stale-hooks", "--max-age", "1y"], /--max-age: "1y" is not a duration/],
    ];
    for (const [args, msg] of cases) {
      const r = await town.gt(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });

  it("a stuck deacon fails three health checks in a row and is force-killed once per cooldown", async () => {
    const started = await town.gt(["deacon", "start", "--agent", "script"]);
    assert.equal(started.code, 0, started.stderr);
    const agent = await town.agentPid("hq-deacon");
    const live = await town.gtJson<Health>(["deacon", "health-check", "deacon", "--timeout", "10s"]);
    assert.equal(live.outcome, "responded", "a running agent reacts to the nudge");
    assert.equal(live.consecutive_failures, 0);

    process.kill(agent, "SIGSTOP"); // stuck: alive, but nothing it is told gets an answer
    stopped.push(agent);
    await eventually(async () => procState(agent) === "T", 5000, "the agent stopped");
    for (const n of [1, 2, 3]) {
      const r = await town.gt(["deacon", "health-check", "deacon", "--timeout", "1s", "--json"]);
      const h = JSON.parse(r.stdout) as Health;
      assert.equal(h.outcome, "no-response");
      assert.equal(h.consecutive_failures, n);
      assert.equal(h.should_force_kill, n === 3);
      assert.equal(r.code, n === 3 ? 2 : 0, "exit 2: should be force-killed");
    }
    const pane = town.panePid("hq-deacon");
    const k = await town.gtJson<{ killed: boolean; mailed: string[] }>(["deacon", "force-kill", "deacon"]);
    assert.equal(k.killed, true);
    assert.deepEqual(k.mailed, ["deacon", "mayor"]);
    assert.equal(town.panePid("hq-deacon"), undefined, "its session is gone");
    await eventually(
      async () => !processAlive(agent) && (!pane || !processAlive(pane)),
      10_000,
      "its processes gone",
    );
    const mayor = await town.gtJson<Array<{ subject: string; body: string }>>(["mail", "inbox", "mayor"]);
    assert.ok(
      mayor.some(
        (m) => m.subject === "Agent killed: deacon" && /3 consecutive failed health checks/.test(m.body),
      ),
    );

    // Started again (by hand here; the daemon or boot in a running town), stuck again: no
    // second force-kill within the cooldown.
    assert.equal((await town.gt(["deacon", "start", "--agent", "script"])).code, 0);
    const again = await town.gt(["deacon", "force-kill", "deacon"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /deacon was force-killed at .*; the next force-kill is allowed in \d+s/);
    assert.ok(town.panePid("hq-deacon"), "left running");
    const cooling = await town.gtJson<Health>(["deacon", "health-check", "deacon", "--timeout", "1s"]);
    assert.equal(cooling.outcome, "cooldown");
    const state = await town.gtJson<{
      agents: Record<string, { force_kills: number; consecutive_failures: number }>;
    }>(["deacon", "health-state"]);
    assert.equal(state.agents.deacon?.force_kills, 1);
    assert.equal(state.agents.deacon?.consecutive_failures, 0);
    await town.gt(["deacon", "stop"]);
  });

  it("stale-hooks unhooks work held by an agent that is gone, after --max-age; a running holder keeps it", async () => {
    const rig = `${town.root}/alpha`;
    const gone = await bdOk(town, rig, ["create", "held by a stopped crew member", "--silent"]);
    await bdOk(town, rig, ["update", gone, "--status", "hooked", "--assignee", "alpha/crew/nobody"]);
    const young = await town.gtJson<{ stale: unknown[] }>(["deacon", "stale-hooks", "--max-age", "1h"]);
    assert.deepEqual(young.stale, [], "younger than --max-age");
    const dry = await town.gtJson<{
      stale: Array<{ bead: string; unhooked: boolean; holder_alive: boolean }>;
    }>(["deacon", "stale-hooks", "--max-age", "0s", "--dry-run"]);
    assert.deepEqual(
      dry.stale.map((s) => [s.bead, s.holder_alive, s.unhooked]),
      [[gone, false, false]],
    );
    const real = await town.gtJson<{ unhooked: number }>(["deacon", "stale-hooks", "--max-age", "0s"]);
    assert.equal(real.unhooked, 1);
    const bead = JSON.parse(await bdOk(town, rig, ["show", gone, "--json"]))[0];
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee, undefined);
  });

  it("cleanup-orphans stops an agent process whose session is gone; the zombie scan only reports", async () => {
    // A process started for a session that no longer exists, as a killed session's child is left.
    const orphan = spawn("sleep", ["300"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, GT_TOWN_ROOT: town.root, GT_SESSION: "hq-gone" },
    });
    orphan.unref();
    stopped.push(orphan.pid!);
    const rig = `${town.root}/alpha`;
    const held = await bdOk(town, rig, ["create", "held by a polecat that never existed", "--silent"]);
    await bdOk(town, rig, ["update", held, "--status", "hooked", "--assignee", "alpha/polecats/ghost"]);
    town.settings((s) => {
      s.patrol = { interval: "1h", spawn_grace: "1s" };
    });
    await sleep(1100); // past the spawn grace: a hook this old is no sling still starting

    const scan = await town.gtJson<{
      zombies: Array<{ class: string; bead: string }>;
      orphans: Array<{ pid: number }>;
    }>(["deacon", "zombie-scan"]);
    assert.ok(
      scan.zombies.some((z) => z.class === "orphaned-bead" && z.bead === held),
      JSON.stringify(scan),
    );
    assert.equal(
      JSON.parse(await bdOk(town, rig, ["show", held, "--json"]))[0].status,
      "hooked",
      "report only",
    );

    const dry = await town.gtJson<{ orphans: Array<{ pid: number; stopped: boolean }> }>([
      "deacon",
      "cleanup-orphans",
      "--grace",
      "0s",
      "--dry-run",
    ]);
    assert.ok(dry.orphans.some((o) => o.pid === orphan.pid && !o.stopped));
    assert.ok(processAlive(orphan.pid!));
    const r = await town.gtJson<{ orphans: Array<{ pid: number; stopped: boolean }> }>([
      "deacon",
      "cleanup-orphans",
      "--grace",
      "0s",
    ]);
    assert.ok(r.orphans.some((o) => o.pid === orphan.pid && o.stopped));
    await eventually(
      async () => !processAlive(orphan.pid!) || procState(orphan.pid!) === "Z",
      5000,
      "the orphan gone",
    );
    assert.deepEqual(childrenOf(orphan.pid!), []);
  });
});
