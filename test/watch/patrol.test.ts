// gt patrol scan on a real town (tmux on a private socket, real git, the script agent, the
// refinery): bad input, the spawn grace, a polecat killed mid-work reported then restarted
// on its hook by --act (its work merges), a gt done that hangs with its session alive
// (stuck-in-done) restarted and merged, finished work discovered and acknowledged once, an
// idle session reaped with its sandbox and identity kept, and the receipts in the event log.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, git } from "../helpers/town.ts";
import { type PatrolTown, patrolTown } from "./patrol-helpers.ts";

describe("gt patrol scan", () => {
  let t: PatrolTown;
  before(async () => {
    t = await patrolTown();
  });
  after(async () => {
    await t?.cleanup();
  });

  it("bad input is one line and a non-zero exit", async () => {
    const unknown = await t.town.gt(["patrol", "scan", "--rig", "nope"]);
    assert.notEqual(unknown.code, 0);
    assert.equal(unknown.stderr.trim(), 'Error: unknown rig "nope" (rigs: alpha)');
    t.setPatrol({ spawn_grace: "soon" });
    const bad = await t.town.gt(["patrol", "scan"]);
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr.trim(),
      /^Error: .*settings\/config\.json: patrol\.spawn_grace: a duration such as/,
    );
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    t.setPatrol({ spawn_gracee: "1s" });
    assert.match((await t.town.gt(["patrol", "scan"])).stderr, /patrol.*spawn_gracee/);
    t.setPatrol({});
    const noSession = await t.town.gt(["heartbeat", "stuck"]);
    assert.notEqual(noSession.code, 0);
    assert.match(noSession.stderr, /^Error: gt heartbeat runs inside an agent's session/);
    const badState = await t.town.gt(["heartbeat", "sleepy"], { env: { GT_SESSION: "al-x" } });
    assert.notEqual(badState.code, 0);
    assert.equal(
      badState.stderr.trim(),
      'Error: unknown heartbeat state "sleepy" (working, idle, stuck, exiting)',
    );
    const polecatActs = await t.town.gt(["patrol", "scan", "--act"], {
      env: { GT_ROLE: "alpha/polecats/x" },
    });
    assert.notEqual(polecatActs.code, 0);
    assert.match(polecatActs.stderr, /polecats do not patrol/);
  });

  let first: { bead: string; polecat: string; session: string; work_dir: string; gate: string };

  it("a polecat killed mid-work is left alone inside the spawn grace, reported after it, restarted by --act, and its work merges", async () => {
    const gate = join(t.town.scratch, "gate-a");
    const bead = await t.gatedTask("task a", gate, "a.txt");
    const s = await t.sling(bead);
    first = { ...s, gate };
    await t.running(s.session);
    t.kill(s.session);

    // The default grace is 5 minutes: a just-slung polecat's missing session is not a zombie yet.
    const young = await t.scan(["--act"]);
    assert.deepEqual(
      young.findings.filter((f) => f.bead === bead),
      [],
    );
    assert.equal(t.alive(s.session), false, "nothing was restarted");
    assert.equal((await t.show(bead)).status, "hooked");

    t.setPatrol({ spawn_grace: "1s" });
    await new Promise((r) => setTimeout(r, 1200));
    const report = await t.scan();
    const found = report.findings.filter((f) => f.bead === bead);
    assert.equal(found.length, 1, JSON.stringify(report));
    assert.deepEqual(Object.keys(found[0]!), [
      "class",
      "agent",
      "bead",
      "session",
      "action",
      "acted",
      "detail",
    ]);
    assert.deepEqual(
      { ...found[0]!, detail: "" },
      {
        class: "session-dead-active",
        agent: `alpha/polecats/${s.polecat}`,
        bead,
        session: s.session,
        action: "restart",
        acted: false,
        detail: "",
      },
    );
    assert.equal(report.summary.act, false);
    assert.equal(t.alive(s.session), false, "a scan without --act changes nothing");

    const acted = await t.scan(["--act"]);
    const restart = acted.findings.find((f) => f.bead === bead)!;
    assert.equal(restart.acted, true, restart.detail);
    assert.match(restart.detail, /restart 1: resumed, session started/);
    assert.equal(t.alive(s.session), true);
    const meta = (await t.show(bead)).metadata ?? {};
    assert.equal(meta.patrol_respawns, 1);
    assert.equal(meta.branch, s.branch, "same branch: the sandbox is resumed, not replaced");
    assert.equal((await t.scan()).findings.filter((f) => f.bead === bead).length, 0, "fixed: nothing left");

    await t.running(s.session, 2);
    writeFileSync(gate, "");
    await eventually(
      async () => (await t.show(bead)).status === "closed",
      60_000,
      "the restarted work merged",
    );
    assert.equal(git(t.origin, "show", "main:a.txt"), "task a");
  });

  it("finished work is discovered once: the completion is acknowledged and not reported again", async () => {
    const scan = await t.scan();
    const done = scan.findings.filter(
      (f) => f.class === "completion" && f.agent.endsWith(`/${first.polecat}`),
    );
    assert.equal(done.length, 1, JSON.stringify(scan.findings));
    assert.equal(done[0]!.bead, first.bead);
    const acted = await t.scan(["--act"]);
    assert.equal(acted.findings.find((f) => f.class === "completion")?.acted, true);
    const facts = await t.agentFacts(first.polecat);
    assert.equal(facts.exit_type, undefined);
    assert.equal(facts.last_exit_type, "COMPLETED");
    assert.equal((await t.scan()).findings.filter((f) => f.class === "completion").length, 0);
  });

  it("a gt done hanging with its session alive is stuck-in-done: the session is restarted and the work merges", async () => {
    const bead = await t.bd([
      "create",
      "task b",
      "-d",
      'task b.\n\n```sh\necho "task b" > b.txt\n```\n',
      "--silent",
    ]);
    const paused = join(t.town.scratch, "paused-b");
    // A new polecat's session inherits the sling's environment: its gt done stops once the
    // branch is pushed (no merge request yet).
    const s = await t.sling(bead, { GT_TEST_PAUSE: "done:pushed", GT_TEST_PAUSE_FILE: paused }, "alpha/slit");
    await eventually(async () => existsSync(paused), 30_000, "gt done to hang");
    assert.equal(typeof (await t.agentFacts(s.polecat)).done_intent, "string", "the done-intent stands");
    assert.equal((await t.show(bead)).status, "hooked");

    // Under a minute it is gt done at work.
    assert.equal((await t.scan()).findings.filter((f) => f.bead === bead).length, 0);
    t.setPatrol({ spawn_grace: "1s", done_intent_stuck: "1s" });
    await new Promise((r) => setTimeout(r, 1200));
    const acted = await t.scan(["--act"]);
    const stuck = acted.findings.find((f) => f.bead === bead);
    assert.equal(stuck?.class, "stuck-in-done", JSON.stringify(acted.findings));
    assert.equal(stuck.acted, true, stuck.detail);
    await eventually(async () => (await t.show(bead)).status === "closed", 60_000, "the work merged");
    assert.equal(git(t.origin, "show", "main:b.txt"), "task b");
    assert.equal((await t.agentFacts(s.polecat)).done_intent, null, "the new session's gt done cleared it");
  });

  it("an idle polecat's session is reaped after its idle time; its sandbox and identity stay", async () => {
    assert.equal(t.alive(first.session), true, "idle after its work, session still up");
    t.setPatrol({ spawn_grace: "1s", idle_reap: "2s" });
    const reaped = await eventually(
      async () => {
        const r = await t.scan(["--act"]);
        return r.findings.find((f) => f.class === "idle-session" && f.session === first.session && f.acted);
      },
      20_000,
      "the idle session reaped",
    );
    assert.match(reaped!.detail, /sandbox and identity kept/);
    assert.equal(t.alive(first.session), false);
    assert.ok(existsSync(join(first.work_dir, ".git")), "the sandbox stays");
    const list = await t.town.gtJson<Array<{ name: string; state: string }>>(["polecat", "list", "alpha"]);
    assert.equal(list.find((p) => p.name === first.polecat)?.state, "idle");
    assert.equal((await t.agentFacts(first.polecat)).agent_state, "idle");
  });

  it("receipts: each scan that found something new and each action are in the event log", () => {
    const actions = t.events("patrol_action");
    const classes = actions.map((e) => e.payload.class);
    for (const c of ["session-dead-active", "completion", "stuck-in-done", "idle-session"])
      assert.ok(classes.includes(c), `${c} in ${classes.join(", ")}`);
    assert.ok(actions.every((e) => e.payload.acted === true));
    const scans = t.events("patrol");
    assert.ok(scans.length >= 4);
    assert.ok(scans.every((e) => Array.isArray(e.payload.findings) && e.payload.rig === "alpha"));
  });
});
