import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addressOf,
  agentBeadIdOf,
  buildAgentEnv,
  identityFromEnv,
  identityFromPath,
  parseAddress,
  sessionNameOf,
  workDirOf,
} from "../../src/town/identity.ts";

describe("agent identities", () => {
  it("names sessions, addresses and agent beads as Gas Town does", () => {
    const rows: Array<[Parameters<typeof addressOf>[0], string | undefined, string, string, string]> = [
      [{ role: "mayor" }, undefined, "mayor", "hq-mayor", "hq-mayor"],
      [{ role: "deacon" }, undefined, "deacon", "hq-deacon", "hq-deacon"],
      [{ role: "witness", rig: "gastown" }, "gt", "gastown/witness", "gt-witness", "gt-gastown-witness"],
      [{ role: "refinery", rig: "gastown" }, "gt", "gastown/refinery", "gt-refinery", "gt-gastown-refinery"],
      [
        { role: "crew", rig: "gastown", name: "max" },
        "gt",
        "gastown/crew/max",
        "gt-crew-max",
        "gt-gastown-crew-max",
      ],
      [
        { role: "polecat", rig: "gastown", name: "toast" },
        "gt",
        "gastown/polecats/toast",
        "gt-toast",
        "gt-gastown-polecat-toast",
      ],
      // prefix equal to the rig name drops the rig segment
      [{ role: "witness", rig: "ff" }, "ff", "ff/witness", "ff-witness", "ff-witness"],
    ];
    for (const [id, prefix, address, session, bead] of rows) {
      assert.equal(addressOf(id), address);
      assert.equal(sessionNameOf(id, prefix), session);
      assert.equal(agentBeadIdOf(id, prefix), bead);
    }
  });

  it("parses addresses, including shorthand and trailing slashes", () => {
    assert.deepEqual(parseAddress("mayor/"), { role: "mayor" });
    assert.deepEqual(parseAddress("gastown/witness"), { role: "witness", rig: "gastown" });
    assert.deepEqual(parseAddress("gastown/toast"), { role: "polecat", rig: "gastown", name: "toast" });
    assert.deepEqual(parseAddress("gastown/polecats/toast"), {
      role: "polecat",
      rig: "gastown",
      name: "toast",
    });
    assert.deepEqual(parseAddress("gastown/crew/max"), { role: "crew", rig: "gastown", name: "max" });
    for (const bad of ["", "nobody", "a//b", "gastown/crew", "a/b/c/d", "gastown/other/x"]) {
      assert.throws(() => parseAddress(bad), /invalid agent address/, bad);
    }
  });

  it("takes the role from GT_ROLE first, else from the working directory", () => {
    assert.deepEqual(identityFromEnv({ GT_ROLE: "gastown/crew/max" }), {
      role: "crew",
      rig: "gastown",
      name: "max",
    });
    assert.deepEqual(identityFromEnv({ GT_ROLE: "polecat", GT_RIG: "gastown", GT_POLECAT: "nux" }), {
      role: "polecat",
      rig: "gastown",
      name: "nux",
    });
    assert.equal(identityFromEnv({ GT_ROLE: "polecat" }), undefined);
    assert.equal(identityFromEnv({}), undefined);
    const town = "/t";
    assert.deepEqual(identityFromPath(town, "/t/mayor"), { role: "mayor" });
    assert.deepEqual(identityFromPath(town, "/t/deacon/dogs/boot"), { role: "deacon" });
    assert.deepEqual(identityFromPath(town, "/t/gastown/mayor/rig/src"), { role: "mayor" });
    assert.deepEqual(identityFromPath(town, "/t/gastown/witness"), { role: "witness", rig: "gastown" });
    assert.deepEqual(identityFromPath(town, "/t/gastown/refinery/rig"), { role: "refinery", rig: "gastown" });
    assert.deepEqual(identityFromPath(town, "/t/gastown/polecats/nux/gastown/src"), {
      role: "polecat",
      rig: "gastown",
      name: "nux",
    });
    assert.deepEqual(identityFromPath(town, "/t/gastown/crew/max/x"), {
      role: "crew",
      rig: "gastown",
      name: "max",
    });
    assert.equal(identityFromPath(town, "/t"), undefined);
    assert.equal(identityFromPath(town, "/elsewhere"), undefined);
    assert.equal(
      workDirOf(town, { role: "polecat", rig: "gastown", name: "nux" }),
      "/t/gastown/polecats/nux/gastown",
    );
  });

  it("builds the session environment the spec lists", () => {
    const env = buildAgentEnv({
      townRoot: "/t",
      id: { role: "polecat", rig: "gastown", name: "nux" },
      rigPrefix: "gt",
      agentName: "claude",
      processNames: ["node", "claude"],
      runId: "run-1",
      beadsDir: "/t/gastown/.beads",
      binDir: "/opt/gt/bin",
      branch: "polecat/nux/gt-1@x",
      basePath: "/usr/bin",
    });
    assert.equal(env.GT_ROLE, "gastown/polecats/nux");
    assert.equal(env.BD_ACTOR, "gastown/polecats/nux");
    assert.equal(env.GIT_AUTHOR_NAME, "gastown/polecats/nux");
    assert.equal(env.BEADS_AGENT_NAME, "gastown/nux");
    assert.equal(env.GT_RIG, "gastown");
    assert.equal(env.GT_POLECAT, "nux");
    assert.equal(env.GT_POLECAT_PATH, "/t/gastown/polecats/nux/gastown");
    assert.equal(env.GT_BRANCH, "polecat/nux/gt-1@x");
    assert.equal(env.GT_SESSION, "gt-nux");
    assert.equal(env.GT_ROOT, "/t");
    assert.equal(env.GT_AGENT, "claude");
    assert.equal(env.GT_RUN, "run-1");
    assert.equal(env.BEADS_DIR, "/t/gastown/.beads");
    assert.equal(env.PATH, "/opt/gt/bin:/usr/bin");
    assert.equal(env.NODE_OPTIONS, "");
    assert.equal(env.GT_CREW, undefined);
  });
});
