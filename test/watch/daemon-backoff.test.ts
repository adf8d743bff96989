// The daemon's restart rules as pure functions: the first restart at once, then 30 s
// doubling to 10 min; five restarts within 15 min is a crash loop (quarantine, and then
// nothing more); 30 min of stable running forgets the streak. And the plan: a dead agent
// that must run is started, a live one left alone, one of a parked rig stopped, nothing of
// a rig under its own e-stop touched, a quarantined agent seen running again released.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionInfo } from "../../src/runtime/provider.ts";
import { backoffAfter, recordStart, restartVerdict, settled } from "../../src/watch/backoff.ts";
import { defaultTimings } from "../../src/watch/daemon-config.ts";
import type { AgentRecord } from "../../src/watch/daemon-files.ts";
import { type PlannedAgent, planReconcile, type TownPlan } from "../../src/watch/reconcile.ts";

const t = defaultTimings();
const S = 1000;
const M = 60 * S;

describe("restart backoff and crash loops (spec §4.1 defaults)", () => {
  it("backs off 30 s, 60 s, 120 s ... capped at 10 min", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffAfter(n, t) / S),
      [30, 60, 120, 240, 480, 600, 600],
    );
  });

  it("restarts at once the first time, then waits out each backoff", () => {
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    assert.deepEqual(restartVerdict(undefined, t0, t), { action: "start" });
    const r1 = recordStart(undefined, t0, t);
    assert.deepEqual(restartVerdict(r1, t0 + 29 * S, t), { action: "wait", untilMs: t0 + 30 * S });
    assert.deepEqual(restartVerdict(r1, t0 + 30 * S, t), { action: "start" });
    const r2 = recordStart(r1, t0 + 30 * S, t);
    assert.equal(Date.parse(r2.backoff_until!), t0 + 90 * S, "the second waits 60 s");
  });

  it("five restarts within 15 minutes is a crash loop: quarantined, never started again", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    let rec: AgentRecord | undefined;
    const verdicts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const v = restartVerdict(rec, now, t);
      verdicts.push(v.action);
      if (v.action === "wait") now = v.untilMs;
      const again = restartVerdict(rec, now, t);
      if (again.action !== "start") {
        verdicts.push(again.action);
        break;
      }
      rec = recordStart(rec, now, t);
    }
    // 0 s, 30 s, 90 s, 210 s, 450 s: five starts within 7.5 min, then the loop is seen.
    assert.equal(rec!.restarts.length, 5);
    assert.equal(verdicts.at(-1), "quarantine");
    const q: AgentRecord = { ...rec!, quarantined_at: new Date(now).toISOString() };
    assert.deepEqual(restartVerdict(q, now + 24 * 60 * M, t), { action: "quarantined" });
  });

  it("restarts spread over more than the window are no crash loop", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    let rec: AgentRecord | undefined;
    for (let i = 0; i < 8; i++) {
      assert.equal(restartVerdict(rec, now, t).action, "start", `restart ${i + 1}`);
      rec = recordStart(rec, now, t);
      now += 16 * M; // each run lasted 16 min: never 5 within 15, never 30 min stable
    }
  });

  it("30 minutes of stable running forgets the streak: the next restart is at once again", () => {
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    let rec = recordStart(undefined, t0, t);
    rec = recordStart(rec, t0 + 30 * S, t);
    rec = recordStart(rec, t0 + 90 * S, t);
    assert.equal(rec.restarts.length, 3);
    assert.equal(settled(rec, t0 + 10 * M, t).restarts.length, 3, "10 min is not stable yet");
    const calm = settled(rec, t0 + 90 * S + 30 * M, t);
    assert.deepEqual(calm.restarts, []);
    assert.equal(calm.backoff_until, null);
    const next = recordStart(rec, t0 + 90 * S + 31 * M, t);
    assert.equal(next.restarts.length, 1, "a new streak");
    assert.equal(Date.parse(next.backoff_until!) - Date.parse(next.last_start!), 30 * S);
  });
});

function agent(address: string, session: string, rig?: string): PlannedAgent {
  const [role] = address.split("/").reverse();
  return {
    id: rig ? { role: role as "witness", rig } : { role: address as "mayor" },
    address,
    session,
    why: "test",
  };
}

describe("the reconcile plan", () => {
  const mayor = agent("mayor", "hq-mayor");
  const witness = agent("alpha/witness", "al-witness", "alpha");
  const refinery = agent("alpha/refinery", "al-refinery", "alpha");
  const betaWitness = agent("beta/witness", "be-witness", "beta");
  const sessions = (live: Record<string, boolean>) =>
    new Map<string, SessionInfo>(
      Object.entries(live).map(([name, alive]) => [name, { name, alive, pid: 4242 }]),
    );
  const plan = (p: Partial<TownPlan>): TownPlan => ({
    want: [],
    unwanted: [],
    holds: new Map(),
    frozenRigs: new Set(),
    ...p,
  });
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("starts what must run and is down or a zombie; leaves what runs alone", () => {
    const actions = planReconcile(
      plan({ want: [mayor, witness, refinery] }),
      sessions({ "hq-mayor": true, "al-witness": false }),
      {},
      now,
      t,
    );
    assert.deepEqual(
      actions.map((a) => `${a.kind} ${a.agent.address}`),
      ["start alpha/witness", "start alpha/refinery"],
    );
  });

  it("stops what must not run (a parked rig's patrols), only when it runs", () => {
    const actions = planReconcile(
      plan({ want: [mayor], unwanted: [witness, refinery], holds: new Map([["alpha", "parked"]]) }),
      sessions({ "hq-mayor": true, "al-witness": true }),
      {},
      now,
      t,
    );
    assert.deepEqual(
      actions.map((a) => `${a.kind} ${a.agent.address}`),
      ["stop alpha/witness"],
    );
  });

  it("touches nothing of a rig under its own e-stop", () => {
    const actions = planReconcile(
      plan({ want: [witness, betaWitness], unwanted: [refinery], frozenRigs: new Set(["alpha"]) }),
      sessions({ "al-refinery": true }),
      {},
      now,
      t,
    );
    assert.deepEqual(
      actions.map((a) => `${a.kind} ${a.agent.address}`),
      ["start beta/witness"],
    );
  });

  it("waits out a backoff, quarantines a crash loop, releases a quarantined agent running again", () => {
    const backingOff = recordStart(undefined, now - 1000, t);
    let looping: AgentRecord | undefined;
    for (let i = 0; i < 5; i++) looping = recordStart(looping, now - 60_000 + i, t);
    const quarantined: AgentRecord = { ...backingOff, quarantined_at: new Date(now).toISOString() };
    const actions = planReconcile(
      plan({ want: [mayor, witness, refinery] }),
      sessions({ "hq-mayor": true }),
      { mayor: quarantined, "alpha/witness": backingOff, "alpha/refinery": looping! },
      now,
      t,
    );
    assert.deepEqual(
      actions.map((a) => a.kind),
      ["release", "wait", "quarantine"],
    );
  });
});
