// Which agent a session runs, called directly: agentNameFor walks the ladder (the --agent
// flag over the rig's and the town's role agents, the refinery's own merge queue, the rig's
// and town's default agent) for each role; lastStartedAgentOf reads back the agent a real
// `gt <role> start --agent` recorded on the agent bead, per ledger, kept after a stop.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NotFoundError } from "../../src/errors.ts";
import { agentNameFor, lastStartedAgentOf } from "../../src/sessions/session.ts";
import {
  loadRigSettings,
  loadTownSettings,
  saveRigSettings,
  saveTownSettings,
} from "../../src/town/settings.ts";
import { Town } from "../../src/town/workspace.ts";
import { makeRepo, newTown, type TestTown } from "../helpers/town.ts";

describe("agentNameFor and lastStartedAgentOf", () => {
  let t: TestTown;
  let town: Town;
  before(async () => {
    t = await newTown("subprocess");
    const add = await t.gt(["rig", "add", "alpha", makeRepo(join(t.scratch, "src")), "--mirror"]);
    assert.equal(add.code, 0, add.stderr);
    // Two stand-in agents that say they are ready and wait.
    for (const name of ["sleeper", "napper"]) {
      const set = await t.gt(["config", "agent", "set", name, "sh", "-c", "echo READY; exec sleep 600"]);
      assert.equal(set.code, 0, set.stderr);
    }
    const file = join(t.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    for (const name of ["sleeper", "napper"]) settings.agents[name].ready_prompt_prefix = "READY";
    writeFileSync(file, JSON.stringify(settings, null, 2));
    town = new Town(t.root);
  });
  after(async () => {
    await t?.cleanup();
  });

  it("lets the --agent flag beat every configured choice, for every role", () => {
    const rigDir = town.rigDir("alpha");
    const townSettings = loadTownSettings(t.root);
    const rigSettings = loadRigSettings(rigDir);
    try {
      saveTownSettings(t.root, {
        ...townSettings,
        default_agent: "codex",
        role_agents: { mayor: "gemini", witness: "gemini", polecat: "gemini" },
      });
      saveRigSettings(rigDir, { ...rigSettings, agent: "opencode", role_agents: { witness: "amp" } });

      // What each role runs without the flag: the rig's role agent over the town's, the
      // town's role agent over the rig's default agent, the refinery's built-in merge queue.
      assert.equal(agentNameFor(town, { role: "witness", rig: "alpha" }), "amp");
      assert.equal(agentNameFor(town, { role: "polecat", rig: "alpha", name: "toast" }), "gemini");
      assert.equal(agentNameFor(town, { role: "mayor" }), "gemini");
      assert.equal(agentNameFor(town, { role: "deacon" }), "codex");
      assert.equal(agentNameFor(town, { role: "crew", rig: "alpha", name: "max" }), "opencode");
      assert.equal(agentNameFor(town, { role: "refinery", rig: "alpha" }), "merge-queue");

      // The flag wins over each of those.
      for (const id of [
        { role: "witness", rig: "alpha" },
        { role: "polecat", rig: "alpha", name: "toast" },
        { role: "mayor" },
        { role: "deacon" },
        { role: "crew", rig: "alpha", name: "max" },
        { role: "refinery", rig: "alpha" },
      ] as const)
        assert.equal(agentNameFor(town, id, "sleeper"), "sleeper", JSON.stringify(id));
      // An empty flag is no flag.
      assert.equal(agentNameFor(town, { role: "witness", rig: "alpha" }, ""), "amp");
    } finally {
      saveTownSettings(t.root, townSettings);
      saveRigSettings(rigDir, rigSettings);
    }
    // Nothing configured: the town's default agent (claude).
    assert.equal(agentNameFor(town, { role: "witness", rig: "alpha" }), "claude");
  });

  it("refuses an --agent that names no agent", () => {
    assert.throws(
      () => agentNameFor(town, { role: "mayor" }, "no-such-agent"),
      (e: unknown) => e instanceof NotFoundError && /unknown agent "no-such-agent"/.test(e.message),
    );
  });

  it("reads back the agent the latest start recorded, for that agent only, kept after a stop", async () => {
    const witness = { role: "witness", rig: "alpha" } as const;
    assert.equal(await lastStartedAgentOf(town, witness), undefined);
    assert.equal(await lastStartedAgentOf(town, { role: "mayor" }), undefined);

    let r = await t.gt(["witness", "start", "alpha", "--agent", "sleeper"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await lastStartedAgentOf(town, witness), "sleeper");
    assert.equal(await lastStartedAgentOf(town, { role: "mayor" }), undefined);
    assert.equal(await lastStartedAgentOf(town, { role: "deacon" }), undefined);

    r = await t.gt(["mayor", "start", "--agent", "napper"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await lastStartedAgentOf(town, { role: "mayor" }), "napper");
    assert.equal(await lastStartedAgentOf(town, witness), "sleeper");

    r = await t.gt(["witness", "restart", "alpha", "--agent", "napper"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await lastStartedAgentOf(town, witness), "napper");

    for (const args of [
      ["witness", "stop", "alpha"],
      ["mayor", "stop"],
    ]) {
      r = await t.gt(args);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(await lastStartedAgentOf(town, witness), "napper");
    assert.equal(await lastStartedAgentOf(town, { role: "mayor" }), "napper");
  });
});
