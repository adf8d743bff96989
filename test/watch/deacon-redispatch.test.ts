// The deacon's re-dispatch and stranded-convoy feeding on a real town (tmux, script-agent
// polecats working gated tasks): a recovered bead is slung again at most three times, not
// within the cooldown, then handed to the mayor as an escalation and never slung again; a
// bead that is not open is skipped. The running deacon does it by itself: a bead held by a
// polecat that no longer exists is reset by its patrol, and its ORPHAN_RECOVERED mail
// re-dispatched. A convoy nobody works on gets its ready beads slung (not blocked ones, not
// the scheduler's queued ones); an empty one is closed.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { agentTranscript, eventually } from "../helpers/town.ts";
import { type PatrolTown, patrolTown } from "./patrol-helpers.ts";

interface Redispatch {
  bead: string;
  action: string;
  attempts: number;
  escalation: string | null;
  message: string;
}

describe("gt deacon redispatch and feed-stranded", () => {
  let t: PatrolTown;
  const settings = (change: (s: Record<string, unknown>) => void) => {
    const file = join(t.town.root, "settings", "config.json");
    const s = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    change(s);
    writeFileSync(file, JSON.stringify(s, null, 2));
  };
  const redispatch = async (bead: string, ...flags: string[]) => {
    const r = await t.town.gt(["deacon", "redispatch", bead, "--json", ...flags]);
    return { code: r.code, out: JSON.parse(r.stdout) as Redispatch, stderr: r.stderr };
  };
  /** What the patrol does to a bead whose polecat is gone for good: back to open, unassigned. */
  const recover = async (bead: string) => {
    const b = await t.show(bead);
    const session = `al-${b.assignee!.split("/").pop()}`;
    if (t.alive(session)) t.kill(session);
    await t.bd(["update", bead, "--status", "open", "--assignee", ""]);
  };
  const hookedOn = async (bead: string) => {
    const b = await eventually(
      async () => {
        const x = await t.show(bead);
        return x.status === "hooked" && x.assignee ? x : undefined;
      },
      30_000,
      `${bead} hooked`,
    );
    return b!.assignee!;
  };

  before(async () => {
    t = await patrolTown();
    settings((s) => {
      s.default_agent = "script";
    });
  });
  after(async () => {
    await t?.cleanup();
  });

  it("slings a recovered bead again at most three times, cooldown apart, then escalates it to the mayor", async () => {
    const bead = await t.gatedTask("flaky work", join(t.town.scratch, "gate-flaky"), "flaky.txt");
    const one = await redispatch(bead);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.out.action, "redispatched");
    assert.equal(one.out.attempts, 1);
    const holder = await hookedOn(bead);
    await t.running(`al-${holder.split("/").pop()}`);

    await recover(bead);
    const early = await redispatch(bead);
    assert.equal(early.code, 2, "exit 2: in its cooldown");
    assert.equal(early.out.action, "cooldown");
    assert.equal((await t.show(bead)).status, "open", "not slung");

    for (const n of [2, 3]) {
      const r = await redispatch(bead, "--cooldown", "0s");
      assert.equal(r.out.action, "redispatched", r.out.message);
      assert.equal(r.out.attempts, n);
      await hookedOn(bead);
      await recover(bead);
    }
    const fourth = await redispatch(bead, "--cooldown", "0s");
    assert.equal(fourth.code, 0);
    assert.equal(fourth.out.action, "escalated");
    assert.match(fourth.out.message, /escalated to the mayor after 3 re-dispatches/);
    assert.equal((await t.show(bead)).status, "open", "left open, not slung a fourth time");
    const escalations = await t.town.gtJson<Array<{ id: string; related: string | null }>>([
      "escalate",
      "list",
    ]);
    assert.ok(escalations.some((e) => e.id === fourth.out.escalation && e.related === bead));
    const mayor = await t.inbox("mayor");
    assert.ok(
      mayor.some((m) => m.subject.includes(`${bead} failed 3 re-dispatches`)),
      JSON.stringify(mayor.map((m) => m.subject)),
    );
    const fifth = await redispatch(bead, "--cooldown", "0s");
    assert.equal(fifth.out.action, "already-escalated");
    assert.equal((await t.show(bead)).status, "open");
    const state = await t.town.gtJson<{ beads: Record<string, { attempts: number; escalation: string }> }>([
      "deacon",
      "redispatch-state",
    ]);
    assert.equal(state.beads[bead]?.attempts, 3);
    assert.equal(state.beads[bead]?.escalation, fourth.out.escalation);

    const held = await t.bd(["create", "someone has it", "--silent"]);
    await t.bd(["update", held, "--status", "in_progress", "--assignee", "alpha/crew/max"]);
    const skipped = await redispatch(held);
    assert.equal(skipped.code, 3, "exit 3: not open");
    assert.match(skipped.out.message, /is in_progress, not open/);
  });

  it("the running deacon re-dispatches a bead its patrol recovered from a polecat that no longer exists", async () => {
    const bead = await t.gatedTask("orphaned work", join(t.town.scratch, "gate-orphan"), "orphan.txt");
    await t.bd(["update", bead, "--status", "hooked", "--assignee", "alpha/polecats/ghost"]);
    t.setPatrol({ interval: "1s", spawn_grace: "1s" });
    const started = await t.town.gt(["deacon", "start", "--agent", "script"]);
    assert.equal(started.code, 0, started.stderr);
    try {
      const holder = await eventually(
        async () => {
          const b = await t.show(bead);
          return b.status === "hooked" && b.assignee !== "alpha/polecats/ghost" ? b.assignee : undefined;
        },
        60_000,
        "the bead re-dispatched to a real polecat",
      );
      await t.running(`al-${holder!.split("/").pop()}`);
      await eventually(
        async () =>
          agentTranscript(t.town, "hq-deacon").some((l) =>
            l.text.includes(`redispatch ${bead}: redispatched`),
          ),
        30_000,
        "the deacon to say so",
      );
      const deaconMail = await t.inbox("deacon");
      assert.ok(deaconMail.some((m) => m.subject === `ORPHAN_RECOVERED ${bead}`));
    } finally {
      await t.town.gt(["deacon", "stop"]);
    }
  });

  it("feeds a convoy nobody works on, closes an empty one, and leaves blocked and queued beads alone", async () => {
    const a = await t.gatedTask("convoy a", join(t.town.scratch, "gate-a"), "a.txt");
    const b = await t.gatedTask("convoy b", join(t.town.scratch, "gate-b"), "b.txt");
    const blocker = await t.bd(["create", "not in the convoy", "--silent"]);
    const blocked = await t.bd(["create", "waits on the blocker", "--silent", "--deps", blocker]);
    const queued = await t.bd(["create", "in the scheduler's queue", "--silent"]);
    await t.bd(["label", "add", queued, "gt:queued"]);
    const create = async (name: string, ids: string[]) =>
      (await t.town.gtJson<{ id: string }>(["convoy", "create", name, ...ids])).id;
    const work = await create("work", [a, b]);
    const stuck = await create("stuck", [blocked, queued]);
    const empty = await create("empty", []);

    const dry = await t.town.gtJson<{ details: Array<{ convoy: string; action: string; beads: string[] }> }>([
      "deacon",
      "feed-stranded",
      "--dry-run",
    ]);
    assert.deepEqual(dry.details.find((d) => d.convoy === work)?.beads.sort(), [a, b].sort());
    assert.equal((await t.show(a)).status, "open", "a dry run slings nothing");

    const fed = await t.town.gtJson<{
      fed: number;
      closed: number;
      details: Array<{ convoy: string; action: string; beads: string[] }>;
    }>(["deacon", "feed-stranded"]);
    const byConvoy = new Map(fed.details.map((d) => [d.convoy, d]));
    assert.equal(byConvoy.get(work)?.action, "fed");
    assert.deepEqual(byConvoy.get(work)?.beads.sort(), [a, b].sort());
    assert.equal(byConvoy.get(stuck)?.action, "needs-attention");
    assert.equal(byConvoy.get(empty)?.action, "closed");
    for (const id of [a, b]) assert.match((await hookedOn(id)) ?? "", /^alpha\/polecats\//);
    for (const id of [blocked, queued]) assert.equal((await t.show(id)).status, "open");
    const convoys = await t.town.gtJson<Array<{ id: string; status: string }>>(["convoy", "list", "--all"]);
    assert.equal(convoys.find((c) => c.id === empty)?.status, "closed");

    await sleep(200);
    const again = await t.town.gtJson<{ details: Array<{ convoy: string }> }>(["deacon", "feed-stranded"]);
    assert.equal(
      again.details.some((d) => d.convoy === work),
      false,
      "being worked on: not stranded",
    );
  });
});
