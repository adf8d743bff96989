// gt rig shutdown / reboot / reset on a real town (subprocess runtime, script agent):
// shutdown refuses while a polecat holds unsaved work and stops everything with --force,
// keeping the sandbox; reboot brings the witness and refinery back; reset clears handoff
// markers and notes, read mail and in_progress beads of dead sessions, and nothing else.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  changeSettings,
  failsInOneLine,
  gtSteps,
  newTown,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Row {
  name: string;
  ok: boolean;
  detail: string;
}
interface Agent {
  role: string;
  rig?: string;
  running: boolean;
}

describe("gt rig shutdown, reboot and reset", () => {
  let town: TestTown;
  let rig: string;
  let slung: Slung;
  const fails = failsInOneLine(() => town);
  const running = async (role: string) => (await town.gtJson<Agent>([role, "status", "alpha"])).running;

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha", { mergeQueue: { test_command: "true" } });
    changeSettings(town, (s) => {
      s.default_agent = "script";
    });
    rig = join(town.root, "alpha");
    await gtSteps(town, [
      ["crew", "add", "max", "--rig", "alpha"],
      ["rig", "start", "alpha"],
    ]);
    slung = await slingNew(town, "alpha", "half-done work");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("shutdown refuses under unsaved polecat work, --force stops all and keeps the sandbox; reboot starts them again", async () => {
    assert.equal(await running("witness"), true);
    writeFileSync(join(slung.work_dir, "wip.txt"), "not committed\n");
    await fails(
      ["rig", "shutdown", "alpha"],
      new RegExp(`polecat\\(s\\) ${slung.polecat} of alpha hold uncommitted`),
    );
    assert.equal(await running("refinery"), true, "a refused shutdown stops nothing");

    const rows = await town.gtJson<Row[]>(["rig", "shutdown", "alpha", "--force"]);
    assert.ok(rows.every((r) => r.ok));
    assert.ok(rows.some((r) => /Witness/.test(r.name)));
    assert.equal(await running("witness"), false);
    assert.equal(await running("refinery"), false);
    assert.ok(existsSync(join(slung.work_dir, "wip.txt")), "the sandbox and its work stay");

    await fails(["rig", "reboot", "alpha"], /hold uncommitted/);
    const reboot = await town.gtJson<{ stopped: Row[]; started: Row[] }>([
      "rig",
      "reboot",
      "alpha",
      "--force",
    ]);
    assert.ok(reboot.started.length >= 2 && reboot.started.every((r) => r.ok), JSON.stringify(reboot));
    assert.equal(await running("witness"), true);
    assert.equal(await running("refinery"), true);
    await fails(["rig", "shutdown", "nosuch"], /unknown rig "nosuch"/);
  });

  it("reset reopens in_progress beads of dead sessions, archives read mail and clears handoff markers", async () => {
    const orphan = await bdOk(town, rig, ["create", "left behind", "--silent"]);
    await bdOk(town, rig, ["update", orphan, "--status", "in_progress", "--assignee", "alpha/crew/max"]);
    const persons = await bdOk(town, rig, ["create", "a person's", "--silent"]);
    await bdOk(town, rig, ["update", persons, "--status", "in_progress", "--assignee", "alice"]);
    const maxDir = join(rig, "crew", "max");
    const sent = await town.gtJson<{ id: string }>([
      "mail",
      "send",
      "alpha/crew/max",
      "-s",
      "fyi",
      "-m",
      "x",
      "--no-notify",
    ]);
    const unread = await town.gtJson<{ id: string }>([
      "mail",
      "send",
      "alpha/crew/max",
      "-s",
      "todo",
      "-m",
      "y",
      "--no-notify",
    ]);
    const read = await town.gt(["mail", "read", sent.id], { cwd: maxDir });
    assert.equal(read.code, 0, read.stderr);
    mkdirSync(join(maxDir, ".runtime"), { recursive: true });
    writeFileSync(join(maxDir, ".runtime", "handoff_to_successor"), "now\n");

    const dry = await town.gtJson<{ stale: Array<{ id: string }>; mail: Array<{ id: string }> }>([
      "rig",
      "reset",
      "alpha",
      "--dry-run",
    ]);
    assert.deepEqual(
      dry.stale.map((s) => s.id),
      [orphan],
    );
    assert.deepEqual(
      dry.mail.map((m) => m.id),
      [sent.id],
    );
    const status = async (id: string) => JSON.parse(await bdOk(town, rig, ["show", id, "--json"]))[0];
    assert.equal((await status(orphan)).status, "in_progress", "a dry run changes nothing");

    const r = await town.gtJson<{ handoff: Array<{ address: string; marker: boolean }> }>([
      "rig",
      "reset",
      "alpha",
    ]);
    assert.deepEqual(r.handoff, [{ address: "alpha/crew/max", mail: [], marker: true }]);
    assert.ok(!existsSync(join(maxDir, ".runtime", "handoff_to_successor")));
    const bead = await status(orphan);
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);
    assert.equal((await status(persons)).status, "in_progress", "a person's claim is theirs");
    const inbox = await town.gtJson<Array<{ id: string }>>(["mail", "inbox", "alpha/crew/max"]);
    assert.deepEqual(
      inbox.map((m) => m.id),
      [unread.id],
    );
  });
});
