// An idle town costs next to nothing and still recovers (tmux, script agents, the built-in
// merge queue, patrols every second): while nothing changes the witness runs no scan and the
// refinery no git fetch, though both look every second and the deacon keeps its heartbeat.
// Then a bead turns up held by a polecat that no longer exists: the witness's next scan
// resets it, the deacon re-dispatches it from its ORPHAN_RECOVERED mail, a polecat does it
// and the refinery merges it.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bdOk, eventually, git } from "../helpers/town.ts";
import { type DaemonTown, daemonTown } from "./daemon-helpers.ts";

describe("an idle town: no scans, no fetches, and recovery still works", () => {
  let town: DaemonTown;
  const mtime = (file: string) => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return 0;
    }
  };

  before(async () => {
    town = await daemonTown({ mergeQueue: { test_command: "true", poll_interval_seconds: 1 } });
    town.settings((s) => {
      s.patrol = { interval: "1s", spawn_grace: "1s" };
    });
    for (const args of [
      ["witness", "start", "alpha", "--agent", "script"],
      ["refinery", "start", "alpha"],
      ["deacon", "start", "--agent", "script"],
    ]) {
      const r = await town.gt(args);
      assert.equal(r.code, 0, `gt ${args.join(" ")}: ${r.stderr}`);
    }
  });
  after(async () => {
    await town?.cleanup();
  });

  it("while nothing changes the witness does not scan and the refinery does not fetch; then an orphan is recovered end to end", async () => {
    const rig = join(town.root, "alpha");
    const scans = join(town.root, ".runtime", "patrol", "alpha.json"); // written by every scan
    const fetches = join(rig, ".repo.git", "FETCH_HEAD"); // written by every git fetch
    await eventually(async () => mtime(scans) > 0 && mtime(fetches) > 0, 20_000, "a first scan and round");
    await sleep(4000); // the start-up's own writes seen by one more scan
    const scanned = mtime(scans);
    const fetched = mtime(fetches);
    const beat = (await town.gtJson<{ heartbeat: { cycle: number } }>(["deacon", "status"])).heartbeat.cycle;
    await sleep(6000);
    assert.equal(mtime(scans), scanned, "no patrol scan in 6 s of 1 s cycles");
    assert.equal(mtime(fetches), fetched, "no git fetch in 6 s of 1 s polls");
    const after = (await town.gtJson<{ heartbeat: { cycle: number } }>(["deacon", "status"])).heartbeat.cycle;
    assert.ok(after >= beat + 3, `the deacon still cycles (${beat} → ${after})`);

    const bead = await bdOk(town, rig, [
      "create",
      "orphaned work",
      "--silent",
      "-d",
      "Write a file.\n\n```sh\necho recovered > recovered.txt\n```\n",
    ]);
    await bdOk(town, rig, ["update", bead, "--status", "hooked", "--assignee", "alpha/polecats/ghost"]);
    const merged = await eventually(
      async () => {
        const b = JSON.parse(await bdOk(town, rig, ["show", bead, "--json"]))[0] as { status: string };
        return b.status === "closed";
      },
      90_000,
      "the orphan reset, re-dispatched, done and merged",
    );
    assert.ok(merged);
    const origin = join(town.scratch, "project.git");
    assert.equal(git(origin, "show", "main:recovered.txt"), "recovered");
    assert.ok(mtime(scans) > scanned && mtime(fetches) > fetched, "the change woke both");
  });
});
