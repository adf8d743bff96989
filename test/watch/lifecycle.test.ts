// The town's lifecycle on real tmux with script agents. gt up starts the daemon, deacon,
// mayor, the rig's witness and refinery and the crew marked to start, and a second gt up
// changes nothing. With a polecat in the middle of its work, gt down --all leaves no process
// of the town in the process table (no tmux server, no daemon, no agent, no task shell, no nudge poller) and
// the bead still on the polecat's hook; gt up brings the polecat back on it, and the work
// lands. A parked or a docked rig gets no sessions (from gt up, gt rig start or the daemon)
// and no slings; unparking and undocking let the daemon bring its agents back.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { processAlive } from "../helpers/procs.ts";
import { bdOk, eventually, git } from "../helpers/town.ts";
import {
  type AgentStatus,
  type DaemonTown,
  daemonTown,
  tmuxServerUp,
  townProcesses,
} from "./daemon-helpers.ts";

interface Service {
  name: string;
  ok: boolean;
  detail: string;
}
interface UpReport {
  success: boolean;
  services: Service[];
}
interface Bead {
  id: string;
  status: string;
  assignee?: string;
}

describe("gt up and gt down", () => {
  let town: DaemonTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bead = async (id: string) =>
    (JSON.parse(await bdOk(town, rigDir(), ["show", id, "--json"])) as Bead[])[0]!;
  /** One line per run of the polecat's task. */
  const started = () => {
    const file = join(town.scratch, "started");
    return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  };

  before(async () => {
    town = await daemonTown();
    origin = join(town.scratch, "project.git");
    const crew = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(crew.code, 0, crew.stderr);
    const file = join(rigDir(), "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.crew = { startup: ["max"] };
    writeFileSync(file, JSON.stringify(settings, null, 2));
    // A mayor without a prompt hook: gt starts a nudge poller beside its session, one more
    // process of the town that gt down must not leave behind.
    town.settings((s) => {
      s.agents = {
        sleeper: {
          command: "sh",
          args: ["-c", "sleep 600 & echo READY; exec sleep 600"],
          ready_prompt_prefix: "READY",
        },
      };
      s.role_agents = { mayor: "sleeper" };
    });
    // The poller looks whether its session lives once a poll (10 s by default): at that rate
    // it sometimes ended by itself before gt down looked. Polling once a day, it outlives its
    // session for sure, so only gt down can end it.
    town.env.GT_NUDGE_POLL_MS = String(86_400_000);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt up starts the whole town; a second gt up changes nothing", async () => {
    const up = await town.gtJson<UpReport>(["up"]);
    assert.equal(up.success, true, JSON.stringify(up.services));
    assert.deepEqual(
      up.services.map((s) => s.name),
      ["Daemon", "Deacon", "Mayor", "Witness (alpha)", "Refinery (alpha)", "Crew (alpha/max)"],
    );
    assert.match(up.services[0]!.detail, /^started \(pid \d+\)$/);
    for (const s of up.services.slice(1)) assert.match(s.detail, /^started /, s.name);
    assert.ok(processAlive(town.daemonPid()!));
    assert.ok(
      townProcesses(town).some((p) => / nudge-poller hq-mayor$/.test(p.argv)),
      "the mayor's nudge poller runs",
    );

    const again = await town.gtJson<UpReport>(["up"]);
    assert.equal(again.success, true);
    assert.match(again.services[0]!.detail, /^already running \(pid \d+\)$/);
    for (const s of again.services.slice(1)) assert.match(s.detail, /^already running /, s.name);
    const human = await town.gt(["up"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /✓ Crew \(alpha\/max\): already running \(al-crew-max\)/);
  });

  it("gt down --all mid-work leaves nothing running; gt up brings the polecat back on its hook and the work lands", async () => {
    const go = join(town.scratch, "go");
    const task = [
      `echo "$$" >> '${join(town.scratch, "started")}'`,
      `while [ ! -f '${go}' ]; do sleep 0.2; done`,
      "echo landed > out.txt",
    ].join("\n");
    const id = await bdOk(town, rigDir(), [
      "create",
      "Slow task",
      "-d",
      `Waits.\n\n\`\`\`sh\n${task}\n\`\`\`\n`,
      "--silent",
    ]);
    const sling = await town.gtJson<{ outcomes: Array<{ polecat: string; session: string }> }>([
      "sling",
      id,
      "alpha",
    ]);
    const { polecat, session } = sling.outcomes[0]!;
    await eventually(async () => started().length === 1, 30_000, "the polecat to start its task");

    const down = await town.gt(["down", "--all"]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    for (const line of [
      `✓ Polecat (alpha/${polecat}): stopped`,
      "✓ Crew (alpha/max): stopped",
      "✓ Refinery (alpha): stopped",
      "✓ Witness (alpha): stopped",
      "✓ Mayor: stopped",
      "✓ Deacon: stopped",
    ])
      assert.ok(down.stdout.includes(line), `${line} in\n${down.stdout}`);
    assert.match(down.stdout, /✓ Daemon: stopped \(was pid \d+\)/);
    // The mayor's nudge poller outlives its session by up to a poll: gt down ends it.
    assert.match(down.stdout, /✓ Leftover processes: ended \d+ \(.*hq-mayor.*\)/);
    // Nothing of the town runs: no tmux server, no daemon, no agent, no task shell.
    assert.equal(tmuxServerUp(town), false, "the town's tmux server is gone");
    await eventually(async () => townProcesses(town).length === 0, 5_000, "no process of the town").catch(
      () => assert.deepEqual(townProcesses(town), [], "processes of the town left running"),
    );
    const held = await bead(id);
    assert.equal(held.status, "hooked");
    assert.equal(held.assignee, `alpha/polecats/${polecat}`);
    // gt down is a pause: a later one finds nothing to stop.
    const twice = await town.gt(["down", "--all"]);
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /✓ Daemon: not running/);

    const up = await town.gtJson<UpReport>(["up"]);
    assert.equal(up.success, true, JSON.stringify(up.services));
    const back = up.services.find((s) => s.name === `Polecat (alpha/${polecat})`);
    assert.ok(back, JSON.stringify(up.services));
    assert.match(back.detail, new RegExp(`^started ${session} \\(script\\)$`));
    await eventually(async () => started().length === 2, 30_000, "the polecat to take up its hook again");
    writeFileSync(go, "");
    await eventually(async () => (await bead(id)).status === "closed", 90_000, "the work to land");
    assert.equal(git(origin, "show", "main:out.txt"), "landed");
  });

  it("gt shutdown stops the town and removes clean polecats, keeping crew; gt start brings back deacon and mayor", async () => {
    const polecats = await town.gtJson<Array<{ name: string; work_dir: string }>>([
      "polecat",
      "list",
      "alpha",
    ]);
    assert.equal(polecats.length, 1);
    const down = await town.gt(["shutdown"]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.match(down.stdout, new RegExp(`✓ Polecat alpha/polecats/${polecats[0]!.name}: removed`));
    assert.match(down.stdout, /✓ Daemon: stopped/);
    assert.ok(!down.stdout.includes("Crew (alpha/max)"), "crew is kept without --all");
    assert.deepEqual(await town.gtJson(["polecat", "list", "alpha"]), []);
    assert.equal(existsSync(polecats[0]!.work_dir), false);
    const rig = await town.gtJson<{ agents: Array<{ address: string; state: string }> }>([
      "rig",
      "status",
      "alpha",
    ]);
    assert.equal(rig.agents.find((a) => a.address === "alpha/crew/max")?.state, "running");

    const start = await town.gtJson<UpReport>(["start"]);
    assert.deepEqual(
      start.services.map((s) => `${s.name}: ${s.detail.split(" ")[0]}`),
      ["Deacon: started", "Mayor: started"],
    );
    assert.equal((await town.gtJson<{ state: string }>(["witness", "status", "alpha"])).state, "stopped");
    const all = await town.gtJson<UpReport>(["start", "--all"]);
    assert.deepEqual(
      all.services.map((s) => `${s.name}: ${s.detail.split(" ")[0]}`),
      ["Deacon: already", "Mayor: already", "Witness (alpha): started", "Refinery (alpha): started"],
    );
    assert.equal(town.daemonPid(), undefined, "gt start leaves the daemon to gt up");
  });
});

describe("parked and docked rigs", () => {
  let town: DaemonTown;
  const status = (role: "witness" | "refinery") => town.gtJson<AgentStatus>([role, "status", "alpha"]);
  const running = async () =>
    (await status("witness")).state === "running" && (await status("refinery")).state === "running";
  const newBead = (title: string) => bdOk(town, join(town.root, "alpha"), ["create", title, "--silent"]);

  before(async () => {
    town = await daemonTown();
    const up = await town.gt(["up"]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("park: its patrols stop and stay stopped, no sling, no start; unpark brings them back", async () => {
    const park = await town.gt(["rig", "park", "alpha"]);
    assert.equal(park.code, 0, park.stderr);
    assert.match(park.stdout, /✓ Rig alpha parked \(local only\)/);
    assert.match(park.stdout, /✓ Refinery \(alpha\): stopped/);
    assert.match(park.stdout, /✓ Witness \(alpha\): stopped/);
    await sleep(2000); // the daemon was woken by the park: it must not restart them
    assert.equal((await status("witness")).state, "stopped");
    assert.equal((await status("refinery")).state, "stopped");
    const rig = await town.gtJson<{ state: string; parked: { by: string } }>(["rig", "status", "alpha"]);
    assert.equal(rig.state, "parked");

    const sling = await town.gt(["sling", await newBead("Not now"), "alpha"]);
    assert.equal(sling.code, 1);
    assert.equal(
      sling.stderr.trim(),
      "Error: rig alpha is parked: it takes no new work (gt rig unpark alpha)",
    );
    const start = await town.gt(["rig", "start", "alpha"]);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /rig alpha is parked/);
    const up = await town.gtJson<UpReport>(["up"]);
    assert.deepEqual(
      up.services.filter((s) => s.name.includes("alpha")).map((s) => `${s.name}: ${s.detail}`),
      ["Rig alpha: parked: no agents started (gt rig unpark alpha)"],
    );
    assert.equal((await status("witness")).state, "stopped");

    const unpark = await town.gt(["rig", "unpark", "alpha"]);
    assert.equal(unpark.code, 0, unpark.stderr);
    assert.match(unpark.stdout, /✓ Rig alpha unparked: the daemon starts its agents/);
    await eventually(running, 30_000, "the daemon to start the witness and refinery again");
    assert.equal((await town.gtJson<{ state: string }>(["rig", "status", "alpha"])).state, "active");
  });

  it("dock: recorded on the rig bead, its agents and polecats stopped, no sling; undock brings them back", async () => {
    const dock = await town.gt(["rig", "dock", "alpha"]);
    assert.equal(dock.code, 0, dock.stderr);
    assert.match(dock.stdout, /✓ Rig alpha docked/);
    const rigBead = JSON.parse(
      await bdOk(town, join(town.root, "alpha"), ["show", "al-rig-alpha", "--json"]),
    );
    assert.ok(rigBead[0].labels.includes("status:docked"), JSON.stringify(rigBead[0].labels));
    await sleep(2000);
    assert.equal((await status("witness")).state, "stopped");
    const sling = await town.gt(["sling", await newBead("Not now either"), "alpha"]);
    assert.equal(sling.code, 1);
    assert.match(sling.stderr, /rig alpha is docked: it takes no new work \(gt rig undock alpha\)/);
    const again = await town.gt(["rig", "dock", "alpha"]);
    assert.match(again.stdout, /• Rig alpha is already docked/);

    const undock = await town.gt(["rig", "undock", "alpha"]);
    assert.equal(undock.code, 0, undock.stderr);
    await eventually(running, 30_000, "the daemon to start the witness and refinery again");
    const labels = JSON.parse(
      await bdOk(town, join(town.root, "alpha"), ["show", "al-rig-alpha", "--json"]),
    )[0].labels;
    assert.ok(!labels.includes("status:docked"));
  });

  it("rig stop, start and restart; bad input is one line", async () => {
    const stop = await town.gt(["rig", "stop", "alpha"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(
      stop.stdout,
      /the daemon starts the witness and refinery again; gt rig park alpha keeps them stopped/,
    );
    await eventually(running, 30_000, "the daemon to start them again");
    const restart = await town.gtJson<Service[]>(["rig", "restart", "alpha"]);
    assert.deepEqual(
      restart.map((r) => r.ok),
      [true, true],
    );
    const unknown = await town.gt(["rig", "park", "nosuch"]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'Error: unknown rig "nosuch" (rigs: alpha)');
  });
});
