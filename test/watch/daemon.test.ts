// The daemon on a real town (tmux, script agents): one per town — a second start is refused
// naming the first, two starts at once leave one daemon; a pid file whose pid another
// program took over is recognised by its nonce and that program left alone; a corrupt
// state file is set aside and rebuilt. Then with the town up: an agent killed like a crash
// is restarted within seconds, and three killed at once are a mass death, all restarted.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive } from "../helpers/procs.ts";
import { eventually } from "../helpers/town.ts";
import {
  type AgentStatus,
  type DaemonTown,
  daemonTown,
  eventsOf,
  setPatrols,
  townProcesses,
} from "./daemon-helpers.ts";

interface Status {
  running: boolean;
  pid: number | null;
  stale_pid: { pid: number; why: string } | null;
  state_problem: string | null;
  state: { running: boolean; reconcile_count: number; agents: Record<string, { restarts: string[] }> };
}

describe("gt daemon: one per town, its pid file and its state", () => {
  let town: DaemonTown;
  const status = () => town.gtJson<Status>(["daemon", "status"]);
  const daemons = () => townProcesses(town).filter((p) => / daemon run/.test(p.argv));

  before(async () => {
    town = await daemonTown();
    setPatrols(town, false); // nothing to run: these tests are about the daemon alone
  });
  after(async () => {
    await town?.cleanup();
  });

  it("a second daemon is refused and names the first; two starts at once leave one", async () => {
    const first = await town.gtJson<{ started: boolean; pid: number }>(["daemon", "start"]);
    assert.equal(first.started, true);
    assert.ok(processAlive(first.pid));
    const s = await status();
    assert.equal(s.running, true);
    assert.equal(s.pid, first.pid);

    const second = await town.gt(["daemon", "start"]);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`a daemon already runs for this town \\(pid ${first.pid}, since `),
    );
    // In the foreground too (what a supervisor would run).
    const fg = await town.gt(["daemon", "run"]);
    assert.notEqual(fg.code, 0);
    assert.match(fg.stderr, new RegExp(`already runs for this town \\(pid ${first.pid}`));
    assert.deepEqual(
      daemons().map((d) => d.pid),
      [first.pid],
      "still the one daemon",
    );

    const stopped = await town.gtJson<{ stopped: boolean; pid: number }>(["daemon", "stop"]);
    assert.deepEqual(stopped, { pid: first.pid, stopped: true, stale: null });
    await eventually(async () => !processAlive(first.pid), 10_000, "the daemon to exit");
    assert.equal(existsSync(join(town.root, "daemon", "daemon.pid")), false, "its pid file went with it");
    assert.equal((await status()).running, false);

    const both = await Promise.all([town.gt(["daemon", "start"]), town.gt(["daemon", "start"])]);
    assert.deepEqual(both.map((r) => r.code).sort(), [0, 1], both.map((r) => r.stderr).join(" | "));
    const winner = (await status()).pid!;
    assert.match(both.find((r) => r.code === 1)!.stderr, new RegExp(`pid ${winner}`));
    await eventually(async () => daemons().length === 1, 10_000, "the loser's daemon process to exit");
    assert.equal(daemons()[0]!.pid, winner);
    assert.equal((await town.gt(["daemon", "stop"])).code, 0);
    await eventually(async () => !processAlive(winner), 10_000, "the daemon to exit");
  });

  it("a stale pid file whose pid another program holds now is recognised by the nonce", async () => {
    // A program that is not the daemon holds the pid the file names (as after a reboot).
    const stranger = spawn("sleep", ["300"], { stdio: "ignore" });
    try {
      const pidFile = join(town.root, "daemon", "daemon.pid");
      writeFileSync(pidFile, `${stranger.pid}\n0123456789abcdef\n`);
      const s = await status();
      assert.equal(s.running, false);
      assert.deepEqual(s.stale_pid, { pid: stranger.pid, why: "reused" });
      const human = await town.gt(["daemon", "status"]);
      assert.match(
        human.stdout,
        new RegExp(`stale pid file: pid ${stranger.pid} now belongs to another program`),
      );

      // gt daemon start takes over the town; the stranger is never signalled.
      const started = await town.gtJson<{ pid: number }>(["daemon", "start"]);
      assert.notEqual(started.pid, stranger.pid);
      assert.equal(Number(readFileSync(pidFile, "utf8").split("\n")[0]), started.pid);
      assert.equal((await town.gt(["daemon", "stop"])).code, 0);
      await eventually(async () => !processAlive(started.pid), 10_000, "the daemon to exit");
      assert.ok(processAlive(stranger.pid!), "the other program still runs");

      // gt daemon stop on such a file removes the file, not the program.
      writeFileSync(pidFile, `${stranger.pid}\nfedcba9876543210\n`);
      const stop = await town.gt(["daemon", "stop"]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, /stale pid file removed: pid \d+ belongs to another program, left alone/);
      assert.equal(existsSync(pidFile), false);
      assert.ok(processAlive(stranger.pid!), "the other program still runs");
    } finally {
      stranger.kill("SIGKILL");
    }
  });

  it("a corrupt state file is reported, set aside and rebuilt; the daemon runs on", async () => {
    const stateFile = join(town.root, "daemon", "state.json");
    writeFileSync(stateFile, '{"running": true, "agents": {"mayor": {"restarts": 7');
    const before = await status();
    assert.match(before.state_problem ?? "", /not valid JSON/);
    assert.match((await town.gt(["daemon", "status"])).stdout, /state file unreadable/);

    const started = await town.gtJson<{ pid: number }>(["daemon", "start"]);
    const s = await eventually(
      async () => {
        const now = await status();
        return now.state.reconcile_count > 0 ? now : undefined;
      },
      15_000,
      "a first pass",
    ).then((x) => x!);
    assert.equal(s.running, true);
    assert.equal(s.state_problem, null);
    assert.equal(s.state.running, true);
    const state = JSON.parse(readFileSync(stateFile, "utf8"));
    assert.equal(state.pid, started.pid);
    const aside = readdirSync(join(town.root, "daemon")).filter((f) => f.startsWith("state.json.corrupt-"));
    assert.equal(aside.length, 1, "the broken file is kept aside");
    assert.match(readFileSync(join(town.root, "daemon", aside[0]!), "utf8"), /"restarts": 7/);
    const log = await town.gt(["daemon", "logs"]);
    assert.match(log.stdout, /state file unreadable \(not valid JSON.*\): set aside, rebuilt/);
    assert.equal((await town.gt(["daemon", "stop"])).code, 0);
    await eventually(async () => !processAlive(started.pid), 10_000, "the daemon to exit");
  });

  it("bad input: one line and a non-zero exit", async () => {
    const r = await town.gt(["daemon", "clear-backoff", "no/such/agent/here"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: invalid agent address "no\/such\/agent\/here"/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    const none = await town.gt(["daemon", "clear-backoff"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /name the agents to clear/);
    const lines = await town.gt(["daemon", "logs", "-n", "many"]);
    assert.equal(lines.code, 1);
    assert.match(lines.stderr, /--lines wants a count/);
  });
});

describe("the daemon keeps the town's agents running", () => {
  let town: DaemonTown;
  const witness = () => town.gtJson<AgentStatus>(["witness", "status", "alpha"]);

  before(async () => {
    town = await daemonTown();
    const up = await town.gt(["up"]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    // The daemon's first pass (after gt up let go of the reconcile lock) sees them running.
    await eventually(
      async () => (await town.gtJson<Status>(["daemon", "status"])).state.reconcile_count > 0,
      15_000,
      "the daemon's first pass",
    );
  });
  after(async () => {
    await town?.cleanup();
  });

  it("kill the witness's agent like a crash: the daemon restarts it within seconds", async () => {
    const before = await witness();
    assert.equal(before.state, "running");
    const agent = await town.agentPid(before.session);
    const killedAt = Date.now();
    process.kill(agent, "SIGKILL");
    const after = await eventually(
      async () => {
        const s = await witness();
        return s.state === "running" && s.pid !== before.pid ? s : undefined;
      },
      20_000,
      "the witness to be restarted",
    ).then((x) => x!);
    const seconds = (Date.now() - killedAt) / 1000;
    assert.ok(seconds < 10, `restarted after ${seconds}s`);
    assert.ok(processAlive(await town.agentPid(after.session)), "a new agent runs in it");
    // The event follows once the agent is ready.
    const starts = await eventually(
      async () => {
        const found = eventsOf(town, "daemon_start").filter((e) => e.payload.agent === "alpha/witness");
        return found.length ? found : undefined;
      },
      10_000,
      "the daemon_start event",
    ).then((x) => x!);
    assert.equal(starts.length, 1);
    assert.equal(starts[0]!.payload.why, "rig patrol");
    const deaths = eventsOf(town, "session_death").map((e) => e.payload.session);
    assert.deepEqual(deaths, ["al-witness"]);
    const log = await town.gt(["daemon", "logs"]);
    assert.match(log.stdout, /session al-witness died/);
    assert.match(log.stdout, /started alpha\/witness \(rig patrol; start 1 of this streak\)/);
  });

  it("while gt down holds the shutdown lock the daemon starts nothing; after it, it does", async () => {
    const lock = join(town.root, "daemon", "shutdown.lock");
    const holder = spawn("sleep", ["60"], { stdio: "ignore" }); // a live process standing for gt down
    const before = await witness();
    try {
      writeFileSync(lock, String(holder.pid));
      process.kill(await town.agentPid(before.session), "SIGKILL");
      await sleep(2500);
      assert.notEqual((await witness()).state, "running", "not restarted under the lock");
      const log = await town.gt(["daemon", "logs"]);
      assert.match(
        log.stdout,
        new RegExp(`gt down \\(pid ${holder.pid}\\) holds the shutdown lock: starting nothing`),
      );
    } finally {
      rmSync(lock, { force: true });
      holder.kill("SIGKILL");
    }
    await eventually(
      async () => {
        const s = await witness();
        return s.state === "running" && s.pid !== before.pid;
      },
      20_000,
      "the witness restarted once the lock is gone",
    );
  });

  it("three agents killed at once: one mass_death event, and each is restarted", async () => {
    const sessions = ["hq-mayor", "hq-deacon", "al-refinery"];
    const before = new Map(sessions.map((s) => [s, town.panePid(s)]));
    const agents = await Promise.all(sessions.map((s) => town.agentPid(s)));
    for (const pid of agents) process.kill(pid, "SIGKILL");
    const mass = (await eventually(
      async () => eventsOf(town, "mass_death")[0],
      20_000,
      "a mass_death event",
    ))!;
    // The witness killed a moment ago may count too: it died within the same 30 s.
    const died = mass.payload.sessions as string[];
    for (const s of sessions) assert.ok(died.includes(s), `${s} in ${died.join(", ")}`);
    assert.equal(mass.payload.count, died.length);
    await eventually(
      async () => sessions.every((s) => town.panePid(s) !== undefined && town.panePid(s) !== before.get(s)),
      30_000,
      "all three restarted",
    );
    assert.equal(eventsOf(town, "mass_death").length, 1, "one event for the one incident");
    const st = await town.gtJson<Status>(["daemon", "status"]);
    assert.ok(st.state.agents.mayor && st.state.agents.deacon && st.state.agents["alpha/refinery"]);
  });
});
