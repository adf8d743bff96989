// gt boot triage on a real town (tmux, the script agent as the deacon), row by row of the
// decision table: a dead deacon is started (and not again by boot within its cooldown); an
// active one is left alone, and so is any deacon while it is paused, under an e-stop or
// while gt down holds its lock; an idle deacon with unread mail is nudged; a silent one is
// woken with a health check, and one that stays unresponsive (its process stopped) is
// force-killed after three failed checks and started again, a new process.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive } from "../helpers/procs.ts";
import { agentTranscript, eventually } from "../helpers/town.ts";
import { type DaemonTown, daemonTown, procState } from "./daemon-helpers.ts";

interface Triage {
  action: string;
  reason: string;
  result: string | null;
  error: string | null;
  by: string;
  runs: number;
}

describe("gt boot: the deacon's watchdog, without a model", () => {
  let town: DaemonTown;
  const stopped: number[] = [];
  const triage = () => town.gtJson<Triage>(["boot", "triage"]);
  const deacon = (t: Record<string, string>) =>
    town.settings((s) => {
      s.deacon = t;
    });

  before(async () => {
    town = await daemonTown();
    // The script deacon writes its heartbeat when it starts, then not again during a test.
    town.settings((s) => {
      s.patrol = { interval: "1h" };
    });
  });
  after(async () => {
    for (const pid of stopped) if (processAlive(pid)) process.kill(pid, "SIGKILL");
    await town?.cleanup();
  });

  it("starts a dead deacon, leaves an active one alone, and holds off when paused, under e-stop or gt down", async () => {
    const first = await triage();
    assert.equal(first.action, "start", first.reason);
    assert.match(first.result ?? "", /started in session hq-deacon \(script\)/);
    assert.ok(town.panePid("hq-deacon"), "the deacon runs");
    const second = await triage();
    assert.equal(second.action, "nothing");
    assert.match(second.reason, /^active/);
    const status = await town.gtJson<{ last: Triage }>(["boot", "status"]);
    assert.equal(status.last.action, "nothing");
    assert.equal(status.last.by, "boot");
    assert.equal(status.last.runs, 2);

    await town.gt(["deacon", "stop"]);
    await town.gt(["deacon", "pause", "--reason", "testing"]);
    const paused = await triage();
    assert.equal(paused.action, "nothing");
    assert.match(paused.reason, /paused/);
    await town.gt(["deacon", "resume"]);
    assert.equal((await town.gt(["estop", "-r", "test"])).code, 0);
    const frozen = await triage();
    assert.match(frozen.reason, /e-stop/);
    assert.equal((await town.gt(["thaw"])).code, 0);
    const lock = join(town.root, "daemon", "shutdown.lock");
    writeFileSync(lock, String(process.pid)); // a gt down under way (this process holds it)
    const down = await triage();
    assert.match(down.reason, /gt down/);
    rmSync(lock);
    assert.equal(town.panePid("hq-deacon"), undefined, "none of them started it");

    const soon = await triage();
    assert.equal(soon.action, "start");
    assert.match(soon.result ?? "", /not started: boot started it \d+s ago/, "boot's own start cooldown");
  });

  it("nudges an idle deacon that has unread mail", async () => {
    assert.equal((await town.gt(["deacon", "start", "--agent", "script"])).code, 0);
    deacon({ heartbeat_stale: "1s", wake_after: "1h" });
    await sleep(1200);
    assert.equal((await triage()).action, "nothing", "idle, no mail");
    const sent = await town.gt(["mail", "send", "deacon", "-s", "Look at alpha", "-m", "please"]);
    assert.equal(sent.code, 0, sent.stderr);
    const t = await triage();
    assert.equal(t.action, "nudge", t.reason);
    assert.match(t.reason, /1 unread message/);
    await eventually(
      async () =>
        agentTranscript(town, "hq-deacon").some((l) => l.kind === "nudge" && /1 unread message/.test(l.text)),
      15_000,
      "the deacon to get the nudge",
    );
  });

  it("wakes a silent deacon; one that stays unresponsive is force-killed after three failed checks and started again", async () => {
    deacon({ heartbeat_stale: "1s", wake_after: "2s", health_check_timeout: "1s" });
    await sleep(2200);
    const woken = await triage();
    assert.equal(woken.action, "wake", woken.reason);
    assert.match(woken.result ?? "", /health check: responded/);

    const agent = await town.agentPid("hq-deacon");
    process.kill(agent, "SIGSTOP");
    stopped.push(agent);
    await sleep(2200);
    for (const n of [1, 2]) {
      const t = await triage();
      assert.equal(t.action, "wake");
      assert.match(t.result ?? "", new RegExp(`health check: no-response \\(${n}/3 failures\\)`));
      assert.equal(procState(agent), "T", "still there, still stuck");
    }
    const killed = await triage();
    assert.equal(killed.action, "force-kill", killed.reason);
    assert.match(killed.result ?? "", /force-killed \(session stopped\); started in session hq-deacon/);
    await eventually(async () => !processAlive(agent), 10_000, "the stuck process gone");
    const fresh = await town.agentPid("hq-deacon");
    assert.notEqual(fresh, agent);
    assert.notEqual(procState(fresh), "T");
    const mayor = await town.gtJson<Array<{ subject: string }>>(["mail", "inbox", "mayor"]);
    assert.ok(mayor.some((m) => m.subject === "Agent killed: deacon"));
  });
  it("executes pending death warrants before its decision, once", async () => {
    const socket = String(town.env.GT_TMUX_SOCKET);
    execFileSync("tmux", ["-L", socket, "new-session", "-d", "-s", "al-crew-doomed", "sleep 300"]);
    const filed = await town.gt(["warrant", "file", "alpha/crew/doomed", "-r", "stuck in a loop"]);
    assert.equal(filed.code, 0, filed.stderr);
    const t = await town.gtJson<Triage & { warrants_executed?: string[] }>(["boot", "triage"]);
    assert.deepEqual(t.warrants_executed, ["alpha/crew/doomed"]);
    assert.equal(town.panePid("al-crew-doomed"), undefined, "the session is gone");
    assert.deepEqual(await town.gtJson<unknown[]>(["warrant", "list", "--json"]), [], "none pending");
    const again = await town.gtJson<Triage & { warrants_executed?: string[] }>(["boot", "triage"]);
    assert.equal(again.warrants_executed, undefined);
  });
});
