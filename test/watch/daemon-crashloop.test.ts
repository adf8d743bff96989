// An agent that crashes on start: the daemon restarts it with growing waits (never in a
// tight loop), and after five starts within the crash-loop window quarantines it, escalates
// (a bead and mail to the mayor) and starts it no more. gt daemon clear-backoff lets it try
// again. Timings are the test's (300 ms doubling to 2 s, a 60 s window); the rules are §4.1's.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eventually } from "../helpers/town.ts";
import { type DaemonTown, daemonTown, eventsOf } from "./daemon-helpers.ts";

interface Status {
  running: boolean;
  quarantined: Array<{ agent: string; escalation: string | null; last_error: string | null }>;
  state: { agents: Record<string, { restarts: string[]; quarantined_at: string | null }> };
}

describe("a crash-looping agent is quarantined and escalated", () => {
  let town: DaemonTown;
  let startsFile: string;
  const starts = (): number[] =>
    existsSync(startsFile)
      ? readFileSync(startsFile, "utf8").trim().split("\n").filter(Boolean).map(Number)
      : [];

  before(async () => {
    town = await daemonTown();
    startsFile = join(town.scratch, "witness-starts");
    // The witness's agent writes down when it started, then dies before it is ever ready.
    town.settings((s) => {
      s.agents = {
        crasher: {
          command: "sh",
          args: ["-c", `date +%s%3N >> '${startsFile}'; echo 'boom: bad config'; exit 3`],
          ready_prompt_prefix: "READY>",
          ready_delay_ms: 5000,
        },
      };
      s.role_agents = { witness: "crasher" };
    });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("five starts with growing gaps, then quarantine, an escalation, and no sixth start", async () => {
    const started = await town.gt(["daemon", "start"]);
    assert.equal(started.code, 0, started.stderr);
    const status = await eventually(
      async () => {
        const s = await town.gtJson<Status>(["daemon", "status"]);
        return s.quarantined.length ? s : undefined;
      },
      60_000,
      "the witness to be quarantined",
    ).then((s) => s!);
    assert.deepEqual(
      status.quarantined.map((q) => q.agent),
      ["alpha/witness"],
    );
    const q = status.quarantined[0]!;
    assert.match(q.last_error ?? "", /crasher exited while starting session al-witness: boom: bad config/);
    const times = starts();
    assert.equal(times.length, 5, `started ${times.length} times`);
    // Never a tight loop: each wait is the backoff (300 ms, 600 ms, 1.2 s, 2 s), counted from
    // the daemon's start of the session (what the agent writes down comes a little later).
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const floors = [300, 600, 1200, 2000];
    for (const [i, g] of gaps.entries())
      assert.ok(g >= floors[i]! - 200, `gap ${i + 1} was ${g} ms, wanted about ${floors[i]} or more`);
    assert.ok(times.at(-1)! - times[0]! >= 4100 - 200, `five starts over ${times.at(-1)! - times[0]!} ms`);

    // Escalated: a high-severity escalation bead naming the agent, mail to the mayor.
    const escalations = await town.gtJson<
      Array<{ id: string; summary: string; severity: string; source: string }>
    >(["escalate", "list"]);
    const e = escalations.find((x) => x.id === q.escalation);
    assert.ok(e, `escalation ${q.escalation} in ${JSON.stringify(escalations)}`);
    assert.equal(e.severity, "high");
    assert.equal(e.source, "daemon");
    assert.match(e.summary, /alpha\/witness is crash-looping: 5 restarts in 60s, quarantined/);
    const inbox = await town.gtJson<Array<{ subject: string }>>(["mail", "inbox", "--identity", "mayor"]);
    assert.ok(
      inbox.some((m) => m.subject.includes("alpha/witness is crash-looping")),
      JSON.stringify(inbox),
    );
    const quarantined = eventsOf(town, "agent_quarantined");
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0]!.payload.agent, "alpha/witness");

    // No sixth start, even past every backoff and with the daemon woken again.
    await town.gt(["rig", "status", "alpha"]);
    await sleep(4000);
    assert.equal(starts().length, 5, "not restarted again");
    const log = await town.gt(["daemon", "logs", "-n", "0"]);
    assert.equal((log.stdout.match(/start of alpha\/witness failed/g) ?? []).length, 5);
    assert.match(log.stdout, /alpha\/witness quarantined after 5 restarts in 60s .*: no more restarts/);
    // With its witness down, the daemon patrols the rig itself.
    assert.match(log.stdout, /witness of alpha is down: patrolled it \(\d+ finding\(s\), \d+ acted on\)/);
    // The rest of the town ran all along.
    const mayor = await town.gtJson<{ state: string }>(["mayor", "status"]);
    assert.equal(mayor.state, "running");
    const human = await town.gt(["daemon", "status"]);
    assert.match(human.stdout, /⛔ alpha\/witness quarantined .*gt daemon clear-backoff alpha\/witness/);
  });

  it("gt daemon clear-backoff lets the daemon try again", async () => {
    const cleared = await town.gtJson<{ cleared: string[] }>(["daemon", "clear-backoff", "alpha/witness"]);
    assert.deepEqual(cleared.cleared, ["alpha/witness"]);
    await eventually(async () => starts().length > 5, 20_000, "a new start after the clear");
    const s = await town.gtJson<Status>(["daemon", "status"]);
    assert.equal(s.state.agents["alpha/witness"]!.quarantined_at, null);
  });
});
