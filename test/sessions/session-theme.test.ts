import "../helpers/isolation.ts";
// A session gt starts on tmux gets its rig's status-line colours at once (as `gt theme apply`
// would give it later): the configured theme, the auto-assigned one, none when theming is off,
// and the deacon's own. Real gt starts on the town's private tmux server, with a stand-in agent.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

describe("a session started on tmux wears its rig's theme", () => {
  let town: TestTown;
  let socket: string;
  let prefix: string;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" }).trim();
  const style = (session: string) => tmux("show-options", "-v", "-t", `=${session}:`, "status-style");
  const themeOf = (rig: string) =>
    town.gtJson<{ theme: string | null; style: string | null }>(["theme", "--rig", rig]);

  before(async () => {
    town = await newTown("tmux");
    socket = town.env.GT_TMUX_SOCKET!;
    await gtSteps(town, [
      ["rig", "add", "alpha", makeRepo(join(town.scratch, "a")), "--mirror"],
      ["crew", "add", "max", "--rig", "alpha"],
      ["crew", "add", "joe", "--rig", "alpha"],
      ["config", "agent", "set", "sleeper", "sh", "-c", "echo READY; exec sleep 600"],
    ]);
    const file = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents.sleeper.ready_prompt_prefix = "READY";
    writeFileSync(file, JSON.stringify(settings, null, 2));
    prefix = JSON.parse(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8")).rigs.alpha.beads.prefix;
  });
  after(async () => {
    await town?.cleanup();
  });

  it("the auto-assigned theme, then a chosen one, then none; the deacon gets its own", async () => {
    const start = (...args: string[]) => gtSteps(town, [[...args, "--agent", "sleeper"]]);
    const auto = await themeOf("alpha");
    assert.match(auto.style ?? "", /^bg=#[0-9a-f]{6},fg=#[0-9a-f]{6}$/);
    await start("crew", "start", "max", "--rig", "alpha");
    assert.equal(style(`${prefix}-crew-max`), auto.style);

    const chosen = auto.theme === "forest" ? "plum" : "forest";
    await gtSteps(town, [["theme", chosen, "--rig", "alpha"]]);
    const themed = await themeOf("alpha");
    await start("witness", "start", "alpha");
    assert.equal(style(`${prefix}-witness`), themed.style);
    assert.equal(style(`${prefix}-crew-max`), auto.style, "a running session keeps its colours");

    await gtSteps(town, [["theme", "none", "--rig", "alpha"]]);
    await start("crew", "start", "joe", "--rig", "alpha");
    assert.equal(style(`${prefix}-crew-joe`), "", "no colours of its own: the server's default");

    await start("deacon", "start");
    assert.equal(style("hq-deacon"), "bg=#2e203e,fg=#c1b1d1");
  });
});
