import "../helpers/isolation.ts";
// gt session start/stop/restart/status/check/inject, gt agents check/fix/state, gt mayor
// attach starting a stopped mayor, and gt status --fast/--verbose, on the subprocess runtime
// with the script agent.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  agentTranscript,
  bdOk,
  crewTown,
  eventually,
  failsInOneLine,
  type TestTown,
} from "../helpers/town.ts";

interface SessionStatus {
  address: string;
  state: string;
  running: boolean;
  pid: number | null;
  uptime_s: number | null;
  queued_nudges: number;
}
interface Problem {
  address: string;
  problem: string;
}

describe("gt session, gt agents check/fix/state, gt mayor attach, gt status flags", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const status = (agent: string) => town.gtJson<SessionStatus>(["session", "status", agent]);

  before(async () => {
    town = await crewTown(["max", "ann"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("session start/status/inject/stop/restart an agent by address", async () => {
    const started = await town.gtJson<{ started: boolean; session: string }>([
      "session",
      "start",
      "alpha/crew/max",
      "--agent",
      "script",
    ]);
    assert.equal(started.session, "al-crew-max");
    const s = await status("alpha/crew/max");
    assert.equal(s.state, "running");
    assert.equal(typeof s.uptime_s, "number");
    assert.equal(s.queued_nudges, 0);
    await fails(["session", "start", "alpha/crew/max", "--agent", "script"], /already running/);
    await fails(["session", "start", "alpha/crew/nobody"], /no crew member alpha\/crew\/nobody/);

    const injected = await town.gtJson<{ outcome: string }>([
      "session",
      "inject",
      "alpha/crew/max",
      "-m",
      "hello by inject",
    ]);
    assert.equal(injected.outcome, "delivered");
    await eventually(
      async () => agentTranscript(town, "al-crew-max").some((t) => t.text.includes("hello by inject")),
      10_000,
      "the injected text in max's transcript",
    );
    await fails(["session", "inject", "alpha/crew/max"], /with -m or -f/);
    await fails(["session", "inject", "alpha/crew/max", "-f", join(town.scratch, "nope.txt")], /cannot read/);

    const before_ = s.pid;
    const restarted = await town.gtJson<{ started: boolean }>([
      "session",
      "restart",
      "alpha/crew/max",
      "--agent",
      "script",
    ]);
    assert.equal(restarted.started, true);
    assert.notEqual((await status("alpha/crew/max")).pid, before_);
    assert.equal(
      (await town.gtJson<{ stopped: boolean }>(["session", "stop", "alpha/crew/max"])).stopped,
      true,
    );
    assert.equal((await status("alpha/crew/max")).state, "stopped");
    assert.equal(
      (await town.gtJson<{ stopped: boolean }>(["session", "stop", "alpha/crew/max"])).stopped,
      false,
    );
  });

  it("agents state reads and changes key:value state on the agent bead", async () => {
    const set = await town.gtJson<{ state: Record<string, string> }>([
      "agents",
      "state",
      "alpha/crew/ann",
      "--set",
      "idle=2",
      "--set",
      "backoff=30s",
    ]);
    assert.deepEqual(set.state, { idle: "2", backoff: "30s" });
    const incr = await town.gtJson<{ state: Record<string, string> }>([
      "agents",
      "state",
      "alpha/crew/ann",
      "--incr",
      "idle",
    ]);
    assert.equal(incr.state.idle, "3");
    const del = await town.gtJson<{ state: Record<string, string> }>([
      "agents",
      "state",
      "alpha/crew/ann",
      "--del",
      "idle",
    ]);
    assert.deepEqual(del.state, { backoff: "30s" });
    assert.deepEqual(
      (await town.gtJson<{ state: Record<string, string> }>(["agents", "state", "alpha/crew/ann"])).state,
      {
        backoff: "30s",
      },
    );
    await fails(["agents", "state", "alpha/crew/ann", "--set", "idle"], /--set wants key=value/);
    await fails(["agents", "state", "alpha/crew/ann", "--incr", "backoff"], /not a count/);
  });

  it("agents check/fix and session check find zombies and hooked work nobody runs", async () => {
    const bead = await bdOk(town, join(town.root, "alpha"), ["create", "for ann", "--silent"]);
    assert.equal((await town.gt(["hook", bead, "alpha/crew/ann"])).code, 0);
    await town.gtJson(["session", "start", "alpha/crew/max", "--agent", "script"]);
    const pid = (await status("alpha/crew/max")).pid!;
    process.kill(pid, "SIGKILL");
    await eventually(async () => (await status("alpha/crew/max")).state === "zombie", 10_000, "max a zombie");

    const check = await town.gt(["agents", "check", "--json"]);
    assert.equal(check.code, 1);
    const problems = (JSON.parse(check.stdout) as { problems: Problem[] }).problems;
    assert.deepEqual(problems.map((p) => [p.address, p.problem]).sort(), [
      ["alpha/crew/ann", "hooked_not_running"],
      ["alpha/crew/max", "zombie"],
    ]);
    const sessionCheck = await town.gt(["session", "check", "alpha"]);
    assert.equal(sessionCheck.code, 1);
    assert.match(sessionCheck.stdout, /alpha\/crew\/max \(al-crew-max\): zombie/);
    await fails(["session", "check", "nosuch"], /nosuch/);

    const dry = await town.gtJson<{ fixed: Problem[]; left: Problem[] }>(["agents", "fix", "--dry-run"]);
    assert.deepEqual(
      dry.fixed.map((p) => p.address),
      ["alpha/crew/max"],
    );
    assert.equal((await status("alpha/crew/max")).state, "zombie", "a dry run clears nothing");
    const fixed = await town.gtJson<{ fixed: Problem[]; left: Problem[] }>(["agents", "fix"]);
    assert.deepEqual(
      fixed.left.map((p) => p.address),
      ["alpha/crew/ann"],
    );
    assert.equal((await status("alpha/crew/max")).state, "stopped");
  });

  it("gt mayor attach starts a stopped mayor first", async () => {
    assert.equal((await status("mayor")).state, "stopped");
    const r = await town.gt(["mayor", "attach", "--agent", "script"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Mayor session not running, starting/);
    assert.equal((await status("mayor")).state, "running");
  });

  it("gt status --verbose adds per-agent details; --fast skips the slow lookups", async () => {
    await town.gtJson(["mail", "send", "mayor", "-s", "hello", "--no-notify"], {
      env: { GT_ROLE: "alpha/crew/ann" },
    });
    const verbose = await town.gtJson<{
      agents: Array<{ address: string; unread_mail: number; queued_nudges: number }>;
    }>(["status", "--verbose"]);
    const mayor = verbose.agents.find((a) => a.address === "mayor")!;
    assert.equal(mayor.unread_mail, 1);
    assert.equal(typeof mayor.queued_nudges, "number");
    const fast = await town.gtJson<{
      fast: boolean;
      escalations: unknown[];
      agents: Array<{ unread_mail?: unknown }>;
    }>(["status", "--fast", "--verbose"]);
    assert.equal(fast.fast, true);
    assert.deepEqual(fast.escalations, []);
    assert.equal(fast.agents[0]!.unread_mail, null, "no mail lookups with --fast");
    const plain = await town.gtJson<{ agents: Array<Record<string, unknown>> }>(["status"]);
    assert.equal("unread_mail" in plain.agents[0]!, false);
    const text = await town.gt(["status", "-v"]);
    assert.match(text.stdout, /1 unread mail/);
  });
});
