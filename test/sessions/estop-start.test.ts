// Starting an agent by hand while an e-stop stands: every start goes through one function
// (startAgentSession), which refuses with one line and a non-zero exit, and starts no
// session — for a crew member, a witness, the deacon, a restart (the frozen session is not
// stopped for a start that would be refused), and a sling at a crew member (the bead stays
// open). The mayor, who coordinates the recovery, still starts. A rig's own e-stop holds
// that rig only. After gt thaw the same starts go through.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

describe("starting agents under an e-stop", () => {
  let town: TestTown;
  const alive = (session: string) => {
    try {
      execFileSync("tmux", ["-L", town.env.GT_TMUX_SOCKET!, "has-session", "-t", `=${session}`], {
        stdio: "ignore",
      });
      return true;
    } catch {
      return false;
    }
  };
  const ok = async (args: string[]) => {
    const r = await town.gt(args);
    assert.equal(r.code, 0, `gt ${args.join(" ")}: ${r.stderr}`);
    return r;
  };
  const refused = async (args: string[], scope: RegExp) => {
    const r = await town.gt(args);
    assert.notEqual(r.code, 0, `gt ${args.join(" ")} should be refused: ${r.stdout}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, scope);
    assert.match(lines[0]!, /gt thaw/);
    return r;
  };

  before(async () => {
    town = await newTown("tmux");
    await ok(["rig", "add", "alpha", makeRepo(join(town.scratch, "a")), "--mirror"]);
    await ok(["rig", "add", "beta", makeRepo(join(town.scratch, "b")), "--mirror"]);
    await ok(["crew", "add", "max", "--rig", "alpha"]);
    await ok(["crew", "add", "ann", "--rig", "beta"]);
    await ok(["config", "default-agent", "script"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("refuses every start but the mayor's while the town's e-stop stands; thaw lets them start", async () => {
    await ok(["witness", "start", "alpha", "--agent", "script"]);
    assert.ok(alive("al-witness"));
    await ok(["estop", "-r", "drill"]);

    await refused(
      ["crew", "start", "max", "--rig", "alpha", "--agent", "script"],
      /town is e-stopped \(drill\)/,
    );
    assert.equal(alive("al-crew-max"), false, "no session for a refused start");
    await refused(["deacon", "start", "--agent", "script"], /deacon not started/);
    assert.equal(alive("hq-deacon"), false);
    await refused(["refinery", "start", "beta", "--agent", "script"], /beta\/refinery not started/);
    assert.equal(alive("be-refinery"), false);
    // A restart is refused before the frozen session is stopped: its context stays.
    await refused(["witness", "restart", "alpha", "--agent", "script"], /alpha\/witness not started/);
    assert.ok(alive("al-witness"), "the frozen witness is still there");
    // A sling at a crew member hooks nothing and starts nothing.
    const bead = await bdOk(town, join(town.root, "alpha"), ["create", "Some work", "--silent"]);
    await refused(["sling", bead, "alpha/crew/max"], /e-stop/);
    const shown = JSON.parse(await bdOk(town, join(town.root, "alpha"), ["show", bead, "--json"]));
    assert.equal(shown[0].status, "open");
    assert.equal(alive("al-crew-max"), false);

    // The mayor is exempt: gt start starts it and reports the deacon refused (not "running").
    const start = await town.gt(["start", "--json"]);
    assert.equal(start.code, 1, start.stderr);
    const services = (
      JSON.parse(start.stdout) as { services: Array<{ name: string; ok: boolean; detail: string }> }
    ).services;
    const deacon = services.find((s) => s.name === "Deacon")!;
    assert.equal(deacon.ok, false);
    assert.match(deacon.detail, /town is e-stopped/);
    assert.equal(services.find((s) => s.name === "Mayor")?.ok, true);
    assert.ok(alive("hq-mayor"));
    assert.equal(alive("hq-deacon"), false);

    await ok(["thaw"]);
    await ok(["crew", "start", "max", "--rig", "alpha", "--agent", "script"]);
    assert.ok(alive("al-crew-max"));
    await ok(["mayor", "stop"]);
    await ok(["crew", "stop", "max", "--rig", "alpha"]);
    await ok(["witness", "stop", "alpha"]);
  });

  it("a rig's own e-stop refuses starts in that rig only", async () => {
    await ok(["estop", "--rig", "beta"]);
    await refused(["crew", "start", "ann", "--rig", "beta", "--agent", "script"], /rig beta is e-stopped/);
    assert.equal(alive("be-crew-ann"), false);
    await ok(["crew", "start", "max", "--rig", "alpha", "--agent", "script"]);
    assert.ok(alive("al-crew-max"));
    await ok(["thaw", "--rig", "beta"]);
    await ok(["crew", "start", "ann", "--rig", "beta", "--agent", "script"]);
    assert.ok(alive("be-crew-ann"));
  });
});
