// Dog agents end to end (tmux, the script agent): gt sling <bead> deacon/dogs adds a dog to
// the empty kennel (deacon/dogs/rex: session hq-dog-rex, its kennel directory, its agent
// bead), hooks the bead and starts the dog; the dog runs the job in its kennel, gt dog done
// closes the bead (no merge request), queues the deacon a DOG_DONE nudge and ends the dog's
// session. The next pool sling reuses the idle dog, with a rig's bead too. A named dog must
// exist unless --create; a job that fails goes back to open with the reason, DOG_FAILED.
// gt dog list shows the dogs; gt dog remove takes an idle one out of the kennel.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, bdOk, changeSettings, eventually, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  status: string;
  assignee?: string;
  close_reason?: string;
  comments?: Array<{ text: string }>;
}
interface DogSling {
  dog: { name: string; address: string; added: boolean } | null;
  outcomes: Array<{
    bead: string;
    target: string;
    session: string;
    session_action: string;
    work_dir: string;
  }>;
  queued: unknown[];
}

describe("dog agents: gt sling <bead> deacon/dogs", () => {
  let town: TestTown;
  const alive = (session: string) => {
    try {
      execFileSync("tmux", ["-L", String(town.env.GT_TMUX_SOCKET), "has-session", "-t", `=${session}`], {
        stdio: "ignore",
      });
      return true;
    } catch {
      return false;
    }
  };
  const job = (cwd: string, title: string, sh: string) =>
    bdOk(town, cwd, ["create", title, "-d", `A job.\n\n\`\`\`sh\n${sh}\n\`\`\`\n`, "--silent"]);
  const show = async (cwd: string, id: string) =>
    (JSON.parse(await bdOk(town, cwd, ["show", id, "--json"])) as Bead[])[0]!;
  /** The deacon's queued nudges (it is not running: they wait for its next turn). */
  const deaconQueue = () => {
    const dir = join(town.root, ".runtime", "nudge_queue", "hq-deacon");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => (JSON.parse(readFileSync(join(dir, f), "utf8")) as { message: string }).message);
  };

  before(async () => {
    town = await newTown("tmux");
    await addBareRig(town, "alpha");
    changeSettings(town, (s) => {
      s.default_agent = "script";
    });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("adds a dog to the empty kennel, which does the job, closes it and reports to the deacon", async () => {
    const id = await job(town.root, "Back up the town", "echo backed-up > proof.txt");
    const r = await town.gtJson<DogSling>(["sling", id, "deacon/dogs"]);
    assert.deepEqual(r.dog, { name: "rex", address: "deacon/dogs/rex", added: true });
    const o = r.outcomes[0]!;
    assert.deepEqual(
      [o.target, o.session, o.session_action, o.work_dir],
      ["deacon/dogs/rex", "hq-dog-rex", "started", join(town.root, "deacon", "dogs", "rex")],
    );
    assert.deepEqual(r.queued, [], "dogs skip the scheduler");
    await eventually(async () => (await show(town.root, id)).status === "closed", 30_000, "the job closed");
    const closed = await show(town.root, id);
    assert.equal(closed.close_reason, "done by script-agent");
    assert.equal(readFileSync(join(town.root, "deacon", "dogs", "rex", "proof.txt"), "utf8"), "backed-up\n");
    await eventually(async () => !alive("hq-dog-rex"), 15_000, "the dog's session to end");
    assert.ok(
      deaconQueue().some((m) => m === `DOG_DONE deacon/dogs/rex ${id} closed: done by script-agent`),
      JSON.stringify(deaconQueue()),
    );
    const mrs = await bdOk(town, town.root, ["list", "--type", "merge-request", "--all", "--json"]);
    assert.equal(JSON.parse(mrs).length, 0, "no merge request for a dog's job");
    const agentBead = await show(town.root, "hq-dog-rex");
    assert.equal(agentBead.id, "hq-dog-rex");
  });

  it("reuses the idle dog for the next job, a rig's bead too", async () => {
    const rigDir = join(town.root, "alpha");
    const id = await job(rigDir, "Check alpha", "echo checked > alpha-check.txt");
    const r = await town.gtJson<DogSling>(["sling", id, "deacon/dogs"]);
    assert.deepEqual(r.dog, { name: "rex", address: "deacon/dogs/rex", added: false });
    await eventually(async () => (await show(rigDir, id)).status === "closed", 30_000, "the rig job closed");
    assert.ok(existsSync(join(town.root, "deacon", "dogs", "rex", "alpha-check.txt")));
    await eventually(async () => !alive("hq-dog-rex"), 15_000, "the dog's session to end");
  });

  it("a named dog must exist unless --create; a failed job goes back to open", async () => {
    const id = await job(town.root, "Doomed job", "echo trying; exit 3");
    const missing = await town.gt(["sling", id, "deacon/dogs/spot"]);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr.trim().split("\n").length, 1, missing.stderr);
    assert.match(missing.stderr, /no dog spot in the kennel/);
    assert.equal((await show(town.root, id)).status, "open");

    const r = await town.gtJson<DogSling>(["sling", id, "deacon/dogs/spot", "--create"]);
    assert.deepEqual(r.dog, { name: "spot", address: "deacon/dogs/spot", added: true });
    await eventually(
      async () => {
        const b = await show(town.root, id);
        return b.status === "open" && !b.assignee;
      },
      30_000,
      "the failed job back to open",
    );
    const back = await show(town.root, id);
    assert.ok(
      back.comments?.some((c) => /deacon\/dogs\/spot failed: script-agent could not do it/.test(c.text)),
      JSON.stringify(back.comments),
    );
    await eventually(
      async () => deaconQueue().some((m) => m.startsWith(`DOG_FAILED deacon/dogs/spot ${id} failed`)),
      10_000,
      "DOG_FAILED to the deacon",
    );
  });

  it("gt down stops a dog at work, before the mayor and the deacon; its job stays hooked", async () => {
    const gate = join(town.scratch, "dog-go");
    const id = await job(town.root, "Long job", `while [ ! -f '${gate}' ]; do sleep 0.2; done`);
    const r = await town.gtJson<DogSling>(["sling", id, "deacon/dogs"]);
    assert.equal(r.dog?.name, "rex");
    const plan = await town.gtJson<{ services: Array<{ name: string; detail: string }> }>([
      "down",
      "--dry-run",
    ]);
    const names = plan.services.map((s) => s.name);
    assert.equal(plan.services.find((s) => s.name === "Dog (rex)")?.detail, "would stop hq-dog-rex");
    assert.ok(names.indexOf("Dog (rex)") < names.indexOf("Mayor"), names.join(", "));
    const down = await town.gtJson<{ services: Array<{ name: string; detail: string }> }>(["down"]);
    assert.equal(down.services.find((s) => s.name === "Dog (rex)")?.detail, "stopped");
    assert.equal(alive("hq-dog-rex"), false);
    const b = await show(town.root, id);
    assert.deepEqual([b.status, b.assignee], ["hooked", "deacon/dogs/rex"]);
    assert.equal((await town.gt(["unsling", id])).code, 0);
  });

  it("gt dog list shows the dogs; gt dog remove takes an idle one out of the kennel", async () => {
    await eventually(async () => !alive("hq-dog-spot"), 15_000, "spot's session to end");
    const list = await town.gtJson<Array<{ name: string; kind: string; state: unknown }>>(["dog", "list"]);
    const agents = list.filter((d) => d.kind === "agent").map((d) => [d.name, d.state]);
    assert.deepEqual(agents, [
      ["rex", "idle"],
      ["spot", "idle"],
    ]);
    assert.ok(
      list.some((d) => d.name === "checkpoint"),
      "the daemon's dogs are still listed",
    );
    assert.equal((await town.gt(["dog", "remove", "spot"])).code, 0);
    assert.equal(existsSync(join(town.root, "deacon", "dogs", "spot")), false);
    const bad = await town.gt(["dog", "add", "boot"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /boot is one of the daemon's dogs/);
  });
});
