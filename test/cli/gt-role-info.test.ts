import "../helpers/isolation.ts";
// gt role (who you are, from GT_ROLE or the directory; homes, env, definitions), gt info,
// gt health and gt checkpoint write|read|clear, in a town with rig alpha and crew max.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Role {
  role: string;
  rig: string | null;
  name: string | null;
  address: string;
  source: string;
  home: string;
  session: string;
  agent_bead: string;
  mismatch: boolean;
}

describe("gt role, info, health, checkpoint", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const max = () => join(town.root, "alpha", "crew", "max");

  before(async () => {
    town = await crewTown(["max"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt role reads the directory, and GT_ROLE over it (warning when they disagree)", async () => {
    const r = await town.gtJson<Role>(["role"], { cwd: max() });
    assert.equal(r.address, "alpha/crew/max");
    assert.equal(r.source, "cwd");
    assert.equal(r.home, max());
    assert.match(r.session, /-crew-max$/);
    assert.equal(r.mismatch, false);

    const env = await town.gtJson<Role>(["role", "show"], { cwd: max(), env: { GT_ROLE: "mayor" } });
    assert.equal(env.role, "mayor");
    assert.equal(env.source, "env");
    assert.equal(env.mismatch, true);
    const text = await town.gt(["role"], { cwd: max(), env: { GT_ROLE: "mayor" } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /GT_ROLE says mayor but this directory is alpha\/crew\/max's/);
    const detect = await town.gtJson<Role>(["role", "detect"], { cwd: max(), env: { GT_ROLE: "mayor" } });
    assert.equal(detect.address, "alpha/crew/max", "detect ignores GT_ROLE");

    await fails(["role"], /no role here/);
  });

  it("gt role home, env, list and def", async () => {
    const home = await town.gt(["role", "home", "witness", "--rig", "alpha"]);
    assert.equal(home.stdout.trim(), join(town.root, "alpha", "witness"));
    assert.equal((await town.gt(["role", "home"], { cwd: max() })).stdout.trim(), max());
    await fails(["role", "home", "witness"], /the witness role needs --rig/);
    await fails(["role", "home", "wizard"], /unknown role "wizard"/);
    await fails(["role", "home", "crew", "--rig", "nope", "--name", "x"], /nope/);

    const env = await town.gt(["role", "env"], { cwd: max() });
    assert.equal(env.code, 0, env.stderr);
    const lines = env.stdout.trim().split("\n");
    assert.ok(lines.includes("export GT_ROLE=alpha/crew/max"), env.stdout);
    assert.ok(lines.includes("export GT_CREW=max"));
    assert.ok(lines.includes("export GT_RIG=alpha"));
    assert.ok(lines.includes(`export GT_ROLE_HOME=${max()}`));

    const list = await town.gtJson<Array<{ role: string }>>(["role", "list"]);
    assert.deepEqual(
      list.map((r) => r.role),
      ["mayor", "deacon", "witness", "refinery", "polecat", "crew", "dog"],
    );
    const def = await town.gtJson<{ address: string; scope: string }>(["role", "def", "polecats"]);
    assert.equal(def.address, "{rig}/polecats/{name}");
    assert.equal(def.scope, "rig");
    await fails(["role", "def", "wizard"], /unknown role "wizard"/);
  });

  it("gt info names this gt and the town, or no town outside one", async () => {
    const version = await town.gtJson<{ version: string }>(["version"]);
    const info = await town.gtJson<{
      version: string;
      node: string;
      town: { name: string; rigs: string[]; root: string } | null;
    }>(["info"]);
    assert.equal(info.version, version.version);
    assert.match(info.node, /^24\./);
    assert.deepEqual(info.town, { root: town.root, name: "testtown", rigs: ["alpha"] });
    const outside = await town.gtJson<{ town: unknown }>(["info"], { cwd: town.scratch });
    assert.equal(outside.town, null);
  });

  it("gt health: healthy, then a stale daemon pid file is a problem and exit 1", async () => {
    const h = await town.gtJson<{
      healthy: boolean;
      problems: string[];
      ledgers: Array<{ rig: string | null; ok: boolean }>;
    }>(["health"]);
    assert.equal(h.healthy, true, h.problems.join("; "));
    assert.deepEqual(
      h.ledgers.map((l) => [l.rig, l.ok]),
      [
        [null, true],
        ["alpha", true],
      ],
    );
    mkdirSync(join(town.root, "daemon"), { recursive: true });
    writeFileSync(join(town.root, "daemon", "daemon.pid"), "999999999\nnonce\n");
    const bad = await town.gt(["health", "--json"]);
    assert.equal(bad.code, 1);
    const r = JSON.parse(bad.stdout) as { healthy: boolean; problems: string[] };
    assert.equal(r.healthy, false);
    assert.match(r.problems.join("\n"), /daemon: a pid file names 999999999/);
    const text = await town.gt(["health"]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /✗ 1 problem\(s\)/);
  });

  it("gt checkpoint write, read and clear for a crew member; refused for the mayor", async () => {
    const here = { cwd: max() };
    assert.equal(await town.gtJson(["checkpoint", "read"], here), null);
    writeFileSync(join(max(), "notes.txt"), "half done\n");
    const cp = await town.gtJson<{
      agent: string;
      branch: string;
      last_commit: string;
      modified_files: string[];
      notes: string;
    }>(["checkpoint", "write", "--notes", "stopped mid-refactor"], here);
    assert.equal(cp.agent, "alpha/crew/max");
    assert.equal(cp.branch, "main");
    assert.match(cp.last_commit, /^[0-9a-f]{40}$/);
    assert.ok(cp.modified_files.includes("notes.txt"), JSON.stringify(cp.modified_files));
    assert.equal(cp.notes, "stopped mid-refactor");

    // From elsewhere in the town, as the same agent: the same checkpoint.
    const read = await town.gtJson<typeof cp>(["checkpoint", "read"], { env: { GT_ROLE: "alpha/crew/max" } });
    assert.deepEqual(read, cp);
    const text = await town.gt(["checkpoint", "read"], here);
    assert.match(text.stdout, /notes: +stopped mid-refactor/);
    // The next session's context carries it.
    const prime = await town.gt(["prime"], here);
    assert.equal(prime.code, 0, prime.stderr);
    assert.match(prime.stdout, /## Checkpoint from an earlier session/);
    assert.match(prime.stdout, /- notes: stopped mid-refactor/);
    assert.match(prime.stdout, /- files changed then: .*notes\.txt/);

    await fails(["checkpoint", "write"], /checkpoints are for polecats and crew, not the mayor/, {
      env: { GT_ROLE: "mayor" },
    });
    assert.deepEqual(await town.gtJson(["checkpoint", "clear"], here), { cleared: true });
    assert.equal(await town.gtJson(["checkpoint", "read"], here), null);
    assert.deepEqual(await town.gtJson(["checkpoint", "clear"], here), { cleared: false });
    assert.doesNotMatch((await town.gt(["prime"], here)).stdout, /Checkpoint from an earlier session/);
  });
});
