// Startup screens are data in an agent's preset: gt answers the ones it may (pressing the
// listed keys, checking the selection first where a stray Enter would do harm) and refuses
// the rest with the preset's words, leaving no session behind. Driven in real tmux with a
// stand-in TUI (stub-tui.ts) that shows Claude Code's menus and exits on a wrong choice.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";

const STUB = join(dirname(fileURLToPath(import.meta.url)), "stub-tui.ts");

describe("startup screens (a stand-in TUI in real tmux)", () => {
  let town: TestTown;
  let choices: string;
  const picked = () => (existsSync(choices) ? readFileSync(choices, "utf8").trim().split("\n") : []);
  const start = (agent: string) => town.gt(["crew", "start", "max", "--rig", "alpha", "--agent", agent]);
  const alive = async () => {
    const r = await town.gt(["session", "list", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as Array<{ name: string; alive: boolean }>).some(
      (s) => s.name === "al-crew-max" && s.alive,
    );
  };

  before(async () => {
    town = await newTown("tmux");
    await addBareRig(town, "alpha");
    choices = join(town.scratch, "choices.txt");
    const stub = (screens: string, ...args: string[]) => ({
      command: process.execPath,
      args: [STUB, screens, ...args],
      env: { STUB_CHOICES: choices },
    });
    const file = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents = {
      // Built on the claude preset (its screens, prompt and footer rules).
      "stub-claude": { provider: "claude", ...stub("trust,bypass", "--dangerously-skip-permissions") },
      "stub-careful": { provider: "claude", ...stub("bypass") },
      // An agent of the user's own, with a screen gt knows only from this entry.
      "stub-plan": {
        ...stub("plan"),
        ready_prompt_prefix: "❯ ",
        prompt_lines_below: 2,
        startup_screens: [
          {
            name: "plan picker",
            match: ["Pick a plan"],
            action: "accept",
            keys: ["Down", { expect: "❯ 2. Free plan" }, "Enter"],
          },
        ],
      },
    };
    writeFileSync(file, JSON.stringify(settings, null, 2));
    const r = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("answers trust, then moves to 'Yes, I accept' on the bypass warning before pressing Enter", async () => {
    const r = await start("stub-claude");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(picked(), ["Yes, I trust this folder", "Yes, I accept"]);
    assert.ok(await alive());
    const screen = (await town.gt(["session", "peek", "al-crew-max", "20"])).stdout;
    assert.match(screen, /stub footer/);
    assert.equal((await town.gt(["crew", "stop", "max", "--rig", "alpha"])).code, 0);
  });

  it("refuses the bypass warning for an agent whose own args do not ask for it", async () => {
    writeFileSync(choices, "");
    const r = await start("stub-careful");
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /stub-careful stopped at its bypass-permissions warning screen: the agent's own args do not ask for --dangerously-skip-permissions/,
    );
    assert.deepEqual(picked(), [""], "no key was pressed on it");
    assert.equal(await alive(), false, "no session left behind");
  });

  it("answers a screen a user described in the agent's settings", async () => {
    writeFileSync(choices, "");
    const r = await start("stub-plan");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(picked(), ["Free plan"]);
    assert.ok(await alive());
    assert.equal((await town.gt(["crew", "stop", "max", "--rig", "alpha"])).code, 0);
  });

  it("rejects a screen entry that cannot be answered", async () => {
    await town.gt(["crew", "stop", "max", "--rig", "alpha"]); // whatever an earlier test left
    const file = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents["stub-plan"].startup_screens[0].keys = [];
    writeFileSync(file, JSON.stringify(settings, null, 2));
    const r = await start("stub-plan");
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /an accept screen needs keys/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  });
});
