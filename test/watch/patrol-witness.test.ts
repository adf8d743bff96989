// A town that recovers without a model: the rig's witness runs the script agent, which runs
// `gt patrol scan --act` every cycle (1 s here), on a real tmux server with script-agent
// polecats and the refinery. A polecat killed mid-work inside the spawn grace is left alone;
// after it the witness restores it and the work merges; a bead whose polecat keeps dying is
// restarted three times, then escalated and never restarted again; a bead whose polecat
// identity was removed goes back to open and the witness is told; an idle polecat's session
// is reaped after its idle time. With the witness down, the deacon's patrol does the same.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentTranscript, eventually, git } from "../helpers/town.ts";
import { type PatrolTown, patrolTown, type Slung } from "./patrol-helpers.ts";

describe("the witness patrols with the script agent", () => {
  let t: PatrolTown;
  const stateFile = () => join(t.town.root, ".runtime", "patrol", "alpha.json");

  /** Waits until `n` more patrols of rig alpha have run (each rewrites its state file). */
  async function patrols(n: number): Promise<void> {
    const stamp = () => {
      try {
        return statSync(stateFile()).mtimeMs;
      } catch {
        return 0;
      }
    };
    for (let i = 0; i < n; i++) {
      const before = stamp();
      await eventually(async () => stamp() !== before, 20_000, "a patrol");
    }
  }

  const patrolLines = (session: string) =>
    agentTranscript(t.town, session)
      .map((l) => l.text)
      .filter((x) => x.includes("patrol: "));

  before(async () => {
    t = await patrolTown();
    t.setPatrol({ interval: "1s" }); // the default 5-minute spawn grace
    const started = await t.town.gt(["witness", "start", "alpha", "--agent", "script"]);
    assert.equal(started.code, 0, started.stderr);
    await patrols(1);
  });
  after(async () => {
    await t?.cleanup();
  });

  let a: Slung & { gate: string };

  it("a freshly slung polecat killed inside the spawn grace is left alone", async () => {
    const gate = join(t.town.scratch, "gate-a");
    const bead = await t.gatedTask("task a", gate, "a.txt");
    a = { ...(await t.sling(bead)), gate };
    await t.running(a.session);
    t.kill(a.session);
    await patrols(3);
    assert.equal(t.alive(a.session), false, "not restarted");
    assert.equal((await t.show(bead)).status, "hooked");
    assert.equal(
      t.events("patrol_action").filter((e) => e.payload.bead === bead).length,
      0,
      "no action on it",
    );
  });

  it("after the grace the witness restores the killed polecat on its hook, and the work merges", async () => {
    t.setPatrol({ interval: "1s", spawn_grace: "2s" });
    // The receipt is written once the restart is done.
    const action = await eventually(
      async () => t.events("patrol_action").find((e) => e.payload.bead === a.bead),
      30_000,
      "the witness to restart the polecat",
    );
    assert.equal(t.alive(a.session), true);
    assert.equal(action?.actor, "alpha/witness");
    assert.equal(action.payload.class, "session-dead-active");
    // The witness's own transcript says what its patrol did.
    await eventually(
      async () =>
        patrolLines("al-witness").some((l) =>
          l.includes(`session-dead-active alpha/polecats/${a.polecat} ${a.bead} → restart`),
        ),
      10_000,
      "the patrol line in the witness's transcript",
    );
    await t.running(a.session, 2);
    writeFileSync(a.gate, "");
    await eventually(async () => (await t.show(a.bead)).status === "closed", 60_000, "the work merged");
    assert.equal(git(t.origin, "show", "main:a.txt"), "task a");
  });

  it("a bead whose polecat keeps dying is restarted three times, then escalated, never restarted again", async () => {
    const bead = await t.gatedTask("task c", join(t.town.scratch, "gate-c"), "c.txt");
    const c = await t.sling(bead, {}, "alpha/rictus"); // a polecat of its own: a's stays idle
    await t.running(c.session);
    for (let n = 1; n <= 3; n++) {
      t.kill(c.session);
      await eventually(
        async () => (await t.show(bead)).metadata?.patrol_respawns === n && t.alive(c.session),
        30_000,
        `restart ${n}`,
      );
      await t.running(c.session, n + 1);
    }
    t.kill(c.session);
    await eventually(async () => (await t.show(bead)).status === "blocked", 30_000, "the escalation");
    const escalations = await t.town.gtJson<Array<{ related: string | null; source: string }>>([
      "escalate",
      "list",
    ]);
    assert.equal(escalations.filter((e) => e.related === bead).length, 1);
    const blocked = await t.show(bead);
    assert.ok(blocked.labels?.includes("gt:escalated"));
    await patrols(3);
    assert.equal(t.alive(c.session), false, "not restarted a fourth time");
    assert.equal((await t.show(bead)).metadata?.patrol_respawns, 3);
    assert.equal(
      (await t.town.gtJson<Array<{ related: string | null }>>(["escalate", "list"])).filter(
        (e) => e.related === bead,
      ).length,
      1,
      "escalated once",
    );
  });

  it("a bead whose polecat identity was removed goes back to open, and the witness is told", async () => {
    t.setPatrol({ interval: "1s", spawn_grace: "1h" }); // hold the patrol off while the polecat goes
    const bead = await t.bd(["create", "task d", "--silent"]);
    const d = (
      await t.town.gtJson<{ outcomes: Slung[] }>(["sling", bead, "alpha/nux", "--no-start", "--no-convoy"])
    ).outcomes[0]!;
    execFileSync("git", ["-C", join(t.rigDir, ".repo.git"), "worktree", "remove", "--force", d.work_dir]);
    rmSync(join(t.rigDir, "polecats", "nux"), { recursive: true, force: true });
    assert.equal((await t.show(bead)).assignee, "alpha/polecats/nux");
    t.setPatrol({ interval: "1s", spawn_grace: "2s" });
    await eventually(async () => (await t.show(bead)).status === "open", 30_000, "the orphan reset");
    assert.equal((await t.show(bead)).assignee, undefined);
    const mail = await eventually(
      async () => (await t.inbox("alpha/witness")).find((m) => m.subject === `ORPHAN_RECOVERED ${bead}`),
      10_000,
      "the ORPHAN_RECOVERED mail",
    );
    assert.match(mail!.body, /alpha\/polecats\/nux, which no longer exists/);
  });

  it("an idle polecat's session is reaped after its idle time; its sandbox and identity stay", async () => {
    assert.equal(t.alive(a.session), true, "idle since its work merged");
    t.setPatrol({ interval: "1s", spawn_grace: "2s", idle_reap: "3s" });
    const reap = await eventually(
      async () =>
        t
          .events("patrol_action")
          .find((e) => e.payload.class === "idle-session" && e.payload.session === a.session),
      30_000,
      "the idle session reaped",
    );
    assert.equal(t.alive(a.session), false);
    assert.equal(reap?.actor, "alpha/witness");
    assert.ok(statSync(join(a.work_dir, ".git")));
    const list = await t.town.gtJson<Array<{ name: string; state: string }>>(["polecat", "list", "alpha"]);
    assert.equal(list.find((p) => p.name === a.polecat)?.state, "idle");
  });

  it("with the witness down the deacon's patrol restores a killed polecat", async () => {
    assert.equal((await t.town.gt(["witness", "stop", "alpha"])).code, 0);
    const started = await t.town.gt(["deacon", "start", "--agent", "script"]);
    assert.equal(started.code, 0, started.stderr);
    const bead = await t.gatedTask("task e", join(t.town.scratch, "gate-e"), "e.txt");
    const e = await t.sling(bead, {}, "alpha/slit");
    await t.running(e.session);
    t.kill(e.session);
    const action = await eventually(
      async () => t.events("patrol_action").find((x) => x.payload.bead === bead),
      30_000,
      "the deacon to restart the polecat",
    );
    assert.equal(t.alive(e.session), true);
    assert.equal(action?.actor, "deacon");
    assert.equal(action.payload.class, "session-dead-active");
  });
});
