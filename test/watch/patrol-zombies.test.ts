// The rest of spec §4.4's table on a real town, each made the way it happens: a gt done
// killed after its push (done-intent-dead), a bead closed under a working polecat
// (bead-closed-still-running), work left uncommitted in an idle sandbox (idle-dirty-sandbox),
// an agent saying it is stuck (self-reported-stuck), hooked work that stops moving (stalled,
// GUPP), a bead held by a polecat that was removed (orphaned), and --notify telling the
// witness once.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT } from "../helpers/bd.ts";
import { runCrashingAt } from "../helpers/fault-points.ts";
import { commitIn, git } from "../helpers/town.ts";
import { type PatrolTown, patrolTown, type Slung } from "./patrol-helpers.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the zombie classes on a real town", () => {
  let t: PatrolTown;
  before(async () => {
    t = await patrolTown();
    t.setPatrol({ spawn_grace: "1s", done_intent_grace: "1s" });
  });
  after(async () => {
    await t?.cleanup();
  });

  let crashed: Slung;

  it("done-intent-dead: gt done killed after its push, the session gone → restarted on its hook, the intent cleared", async () => {
    const bead = await t.gatedTask("task d", join(t.town.scratch, "gate-d"), "d.txt");
    crashed = await t.sling(bead);
    await t.running(crashed.session);
    t.kill(crashed.session);
    // What the agent would have done: a commit, then gt done, which dies once the branch is pushed.
    commitIn(crashed.work_dir, "d.txt", "task d\n");
    const env = { ...t.town.env, GT_ROLE: `alpha/polecats/${crashed.polecat}` };
    const r = await runCrashingAt(GT, crashed.work_dir, ["done"], "done:pushed", env);
    assert.equal(r.signal, "SIGKILL", r.stderr);
    assert.equal(typeof (await t.agentFacts(crashed.polecat)).done_intent, "string");
    await sleep(1100);
    const acted = await t.scan(["--act"]);
    const f = acted.findings.find((x) => x.bead === bead);
    assert.equal(f?.class, "done-intent-dead", JSON.stringify(acted.findings));
    assert.equal(f.action, "restart");
    assert.equal(f.acted, true, f.detail);
    assert.equal(t.alive(crashed.session), true);
    assert.equal((await t.agentFacts(crashed.polecat)).done_intent, null);
    assert.equal((await t.show(bead)).status, "hooked", "back at work on its hook");
  });

  it("stalled and GUPP violations are reported, never acted on", async () => {
    // GUPP well after stalled: on a loaded machine a scan can take seconds, and at 3 s the
    // first scan sometimes already saw a GUPP violation.
    t.setPatrol({ spawn_grace: "1s", stalled: "1s", gupp: "8s" });
    await sleep(1100);
    const stalled = (await t.scan(["--act"])).findings.find((f) => f.session === crashed.session);
    assert.equal(stalled?.class, "stalled", JSON.stringify(stalled));
    assert.equal(stalled.action, "report");
    assert.equal(stalled.acted, false);
    await sleep(7000);
    const gupp = (await t.scan(["--act"])).findings.find((f) => f.session === crashed.session);
    assert.equal(gupp?.class, "gupp-violation");
    assert.equal(gupp.acted, false);
    assert.equal(t.alive(crashed.session), true, "reports change nothing");
  });

  it("--notify mails the witness what is new, once", async () => {
    const first = await t.scan(["--notify"]);
    assert.ok(first.summary.notified >= 1, JSON.stringify(first.summary));
    const again = await t.scan(["--notify"]);
    assert.equal(again.summary.notified, 0, "the same findings are not mailed again");
    const mail = (await t.inbox("alpha/witness")).filter((m) => m.subject.startsWith("PATROL:"));
    assert.equal(mail.length, 1);
    assert.match(mail[0]!.body, new RegExp(`gupp-violation: alpha/polecats/${crashed.polecat}`));
    t.setPatrol({ spawn_grace: "1s" });
  });

  let closedOn: Slung;

  it("bead-closed-still-running: a bead closed under its working polecat → the session stops, the polecat goes idle", async () => {
    const bead = await t.gatedTask("task e", join(t.town.scratch, "gate-e"), "e.txt");
    closedOn = await t.sling(bead);
    await t.running(closedOn.session);
    await t.bd(["close", bead, "--reason", "not needed after all", "--force"]);
    const acted = await t.scan(["--act"]);
    const f = acted.findings.find((x) => x.bead === bead);
    assert.equal(f?.class, "bead-closed-still-running", JSON.stringify(acted.findings));
    assert.equal(f.acted, true, f.detail);
    assert.equal(t.alive(closedOn.session), false);
    const facts = await t.agentFacts(closedOn.polecat);
    assert.equal(facts.hook_bead, null);
    assert.equal(facts.agent_state, "idle");
  });

  it("idle-dirty-sandbox: work left uncommitted in an idle sandbox is committed and pushed to origin", async () => {
    writeFileSync(join(closedOn.work_dir, "notes.txt"), "half an idea\n");
    const report = await t.scan();
    const seen = report.findings.find((f) => f.class === "idle-dirty-sandbox");
    assert.equal(seen?.action, "rescue", JSON.stringify(report.findings));
    assert.match(seen.detail, /1 uncommitted change/);
    const acted = (await t.scan(["--act"])).findings.find((f) => f.class === "idle-dirty-sandbox");
    assert.equal(acted?.acted, true, acted?.detail);
    // Saved on its own polecat branch (or a rescued-… one), pushed to origin.
    const branch = /saved on (polecat\/\S+) \(pushed\)/.exec(acted.detail)?.[1];
    assert.ok(branch?.startsWith(`polecat/${closedOn.polecat}/`), acted.detail);
    assert.equal(git(t.origin, "show", `${branch}:notes.txt`), "half an idea");
    const mail = await t.inbox("alpha/witness");
    assert.ok(mail.some((m) => m.subject === `RESCUED ${closedOn.polecat}`));
    assert.equal((await t.scan()).findings.filter((f) => f.class === "idle-dirty-sandbox").length, 0);

    // A commit no remote has counts too.
    commitIn(closedOn.work_dir, "more.txt", "the other half\n");
    const unpushed = (await t.scan(["--act"])).findings.find((f) => f.class === "idle-dirty-sandbox");
    assert.match(unpushed?.detail ?? "", /1 unpushed commit/);
    assert.equal(unpushed?.acted, true, unpushed?.detail);
    assert.equal(git(t.origin, "show", `${branch}:more.txt`), "the other half");
  });

  it("self-reported-stuck: an agent's 'stuck' heartbeat is escalated once; its bead stays on the hook", async () => {
    const bead = await t.gatedTask("task f", join(t.town.scratch, "gate-f"), "f.txt");
    const s = await t.sling(bead);
    await t.running(s.session);
    const beat = await t.town.gt(["heartbeat", "stuck", "--context", "the tests hang"], {
      cwd: s.work_dir,
      env: { GT_SESSION: s.session, GT_ROLE: `alpha/polecats/${s.polecat}` },
    });
    assert.equal(beat.code, 0, beat.stderr);
    const acted = (await t.scan(["--act"])).findings.find((f) => f.bead === bead);
    assert.equal(acted?.class, "self-reported-stuck");
    assert.equal(acted.action, "escalate");
    assert.equal(acted.acted, true, acted.detail);
    const escalations = await t.town.gtJson<
      Array<{ related: string | null; source: string; summary: string }>
    >(["escalate", "list"]);
    const mine = escalations.filter((e) => e.related === bead);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.source, `alpha/polecats/${s.polecat}`);
    assert.equal((await t.show(bead)).status, "hooked");
    assert.equal(t.alive(s.session), true);
    const again = (await t.scan(["--act"])).findings.find((f) => f.bead === bead);
    assert.equal(again?.action, "none");
    assert.equal(
      (await t.town.gtJson<Array<{ related: string | null }>>(["escalate", "list"])).filter(
        (e) => e.related === bead,
      ).length,
      1,
      "escalated once",
    );
  });

  it("under an e-stop the patrol reports and acts on nothing; after gt thaw it restarts", async () => {
    const bead = await t.gatedTask("task h", join(t.town.scratch, "gate-h"), "h.txt");
    const s = await t.sling(bead, {}, "alpha/toast");
    await t.running(s.session);
    t.kill(s.session);
    const stop = await t.town.gt(["estop", "--rig", "alpha", "-r", "patrol test"]);
    assert.equal(stop.code, 0, stop.stderr);
    await sleep(1100);
    const held = await t.scan(["--act"]);
    assert.deepEqual(held.summary.estop, ["alpha"]);
    const f = held.findings.find((x) => x.bead === bead);
    assert.equal(f?.class, "session-dead-active");
    assert.equal(f.acted, false);
    assert.equal(held.summary.acted, 0, "nothing acted on while frozen");
    assert.equal(t.alive(s.session), false);
    assert.equal((await t.town.gt(["thaw", "--rig", "alpha"])).code, 0);
    const after = await t.scan(["--act"]);
    assert.deepEqual(after.summary.estop, []);
    assert.equal(after.findings.find((x) => x.bead === bead)?.acted, true);
    assert.equal(t.alive(s.session), true);
  });

  it("startup-stall: a session that never reaches its prompt and goes quiet is reported", async () => {
    // An agent whose ready prompt never shows (gt stops waiting for it after 300 ms).
    const file = join(t.town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents = {
      mute: {
        command: "sh",
        args: ["-c", "echo starting up; exec sleep 600"],
        ready_prompt_prefix: "READY>",
        ready_delay_ms: 300,
      },
    };
    writeFileSync(file, JSON.stringify(settings, null, 2));
    t.setPatrol({ spawn_grace: "1s", startup_stall: "1s", startup_activity: "1s" });
    const bead = await t.bd(["create", "task m", "--silent"]);
    const r = await t.town.gtJson<{ outcomes: Slung[] }>([
      "sling",
      bead,
      "alpha/mute",
      "--agent",
      "mute",
      "--no-convoy",
    ]);
    const s = r.outcomes[0]!;
    assert.equal(t.alive(s.session), true);
    await t.scan(); // the first look at its screen
    await sleep(1200);
    const f = (await t.scan(["--act"])).findings.find((x) => x.session === s.session);
    assert.equal(f?.class, "startup-stall", JSON.stringify(f));
    assert.equal(f.action, "report");
    assert.equal(f.acted, false);
    assert.match(f.detail, /without reaching its prompt/);
    assert.equal(t.alive(s.session), true, "reported, not touched");
    t.kill(s.session);
    await t.bd(["update", bead, "--status", "open", "--unassign"]);
    t.setPatrol({ spawn_grace: "1s" });
  });

  it("orphaned bead: hooked on a polecat that no longer exists → open again, the witness and the dispatcher told", async () => {
    const bead = await t.bd(["create", "task g", "--silent"]);
    await t.bd([
      "update",
      bead,
      "--status",
      "hooked",
      "--assignee",
      "alpha/polecats/ghost",
      "--set-metadata",
      "dispatcher=mayor",
    ]);
    await sleep(1100);
    const report = await t.scan();
    const f = report.findings.find((x) => x.bead === bead);
    assert.deepEqual(
      { ...f!, detail: "" },
      {
        class: "orphaned-bead",
        agent: "alpha/polecats/ghost",
        bead,
        session: null,
        action: "reset-open",
        acted: false,
        detail: "",
      },
    );
    assert.equal((await t.show(bead)).status, "hooked", "report only");
    const acted = (await t.scan(["--act"])).findings.find((x) => x.bead === bead);
    assert.equal(acted?.acted, true, acted?.detail);
    const now = await t.show(bead);
    assert.equal(now.status, "open");
    assert.equal(now.assignee, undefined);
    for (const box of ["alpha/witness", "mayor"]) {
      const mail = (await t.inbox(box)).find((m) => m.subject === `ORPHAN_RECOVERED ${bead}`);
      assert.ok(mail, `${box} told`);
      assert.match(mail.body, /alpha\/polecats\/ghost, which no longer exists/);
    }
  });
});
