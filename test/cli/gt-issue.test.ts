import "../helpers/isolation.ts";
// gt issue set|show|clear on a tmux session of the town's private socket: GT_ISSUE in the
// session's environment and the issue in its status line.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

describe("gt issue", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", town.env.GT_TMUX_SOCKET!, ...args], { encoding: "utf8" }).trim();
  const mayor = { env: { GT_ROLE: "mayor" } };

  before(async () => {
    town = await newTown("tmux");
    tmux("new-session", "-d", "-s", "hq-mayor", "sleep 600");
    tmux("new-session", "-d", "-s", "hq-mayor-2", "sleep 600");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("set puts the issue in the session's environment and status line; show and clear", async () => {
    assert.deepEqual(await town.gtJson(["issue", "show"], mayor), { session: "hq-mayor", issue: null });
    const set = await town.gt(["issue", "set", "hq-abc12"], mayor);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /hq-mayor: current issue hq-abc12/);
    assert.equal(tmux("show-environment", "-t", "hq-mayor", "GT_ISSUE"), "GT_ISSUE=hq-abc12");
    assert.match(
      tmux("display-message", "-p", "-t", "hq-mayor:", "#{E:status-right}"),
      /^hq-abc12 \| \d\d:\d\d$/,
    );
    assert.deepEqual(await town.gtJson(["issue", "show"], mayor), { session: "hq-mayor", issue: "hq-abc12" });
    assert.deepEqual(
      await town.gtJson(["issue", "show", "--session", "hq-mayor-2"]),
      { session: "hq-mayor-2", issue: null },
      "another session (not matched as a prefix) is untouched",
    );

    assert.deepEqual(await town.gtJson(["issue", "clear"], { env: { GT_SESSION: "hq-mayor" } }), {
      session: "hq-mayor",
      cleared: "hq-abc12",
    });
    assert.match(tmux("display-message", "-p", "-t", "hq-mayor:", "#{E:status-right}"), /^\d\d:\d\d$/);
    assert.match((await town.gt(["issue", "show"], mayor)).stdout, /no issue set/);
    assert.match((await town.gt(["issue", "clear"], mayor)).stdout, /no issue was set/);
  });

  it("bad input fails in one line", async () => {
    await fails(["issue", "set", "x #{pane_pid}"], /invalid issue id/, mayor);
    await fails(["issue", "show", "--session", "nope"], /no tmux session nope/);
    await fails(["issue", "show"], /not in a Gas Town session: pass --session/);
  });
});
