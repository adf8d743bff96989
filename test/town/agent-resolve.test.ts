import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { NotFoundError } from "../../src/errors.ts";
import { listAgents, type ResolveRequest, resolveAgent } from "../../src/town/agent-resolve.ts";
import { ConfigFileError } from "../../src/town/json-file.ts";
import { scratchDir } from "../helpers/temp.ts";

/** A temp town with rig "alpha"; settings files are written only when given. */
function makeTown(files: { town?: object; rig?: object; townAgents?: object; rigAgents?: object } = {}) {
  const townRoot = scratchDir("gt-resolve-");
  const rigDir = join(townRoot, "alpha");
  const write = (dir: string, file: string, v: object | undefined) => {
    if (!v) return;
    mkdirSync(join(dir, "settings"), { recursive: true });
    writeFileSync(join(dir, "settings", file), JSON.stringify(v));
  };
  mkdirSync(rigDir, { recursive: true });
  write(townRoot, "config.json", files.town && { type: "town-settings", version: 1, ...files.town });
  write(rigDir, "config.json", files.rig && { type: "rig-settings", version: 1, ...files.rig });
  write(townRoot, "agents.json", files.townAgents);
  write(rigDir, "agents.json", files.rigAgents);
  return { townRoot, rigDir };
}

/** Every rung of the ladder set, each to a different agent; dropping one at a time walks down. */
const FULL = {
  town: {
    default_agent: "gemini",
    role_agents: { crew: "codex" },
    crew_agents: { max: "amp" },
  },
  rig: {
    agent: "cursor",
    role_agents: { crew: "copilot" },
    worker_agents: { max: "auggie" },
  },
};

function resolveCrew(files: typeof FULL, override?: string) {
  const { townRoot, rigDir } = makeTown(files);
  const req: ResolveRequest = { townRoot, rigDir, role: "crew", crewName: "max" };
  return resolveAgent(override ? { ...req, override } : req);
}

function without(files: typeof FULL, drop: { town?: string[]; rig?: string[] }): typeof FULL {
  const strip = (o: Record<string, unknown>, keys: string[] = []) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
  return { town: strip(files.town, drop.town), rig: strip(files.rig, drop.rig) } as typeof FULL;
}

describe("agent name resolution order", () => {
  it("--agent beats rig worker_agents", () => {
    const r = resolveCrew(FULL, "vibe");
    assert.deepEqual([r.name, r.source], ["vibe", "flag"]);
  });

  it("rig worker_agents beats town crew_agents", () => {
    const r = resolveCrew(FULL);
    assert.deepEqual([r.name, r.source], ["auggie", "rig"]);
  });

  it("town crew_agents beats rig role_agents", () => {
    const r = resolveCrew(without(FULL, { rig: ["worker_agents"] }));
    assert.deepEqual([r.name, r.source], ["amp", "town"]);
  });

  it("rig role_agents beats town role_agents", () => {
    const r = resolveCrew(without(FULL, { rig: ["worker_agents"], town: ["crew_agents"] }));
    assert.deepEqual([r.name, r.source], ["copilot", "rig"]);
  });

  it("town role_agents beats rig agent", () => {
    const r = resolveCrew(without(FULL, { rig: ["worker_agents", "role_agents"], town: ["crew_agents"] }));
    assert.deepEqual([r.name, r.source], ["codex", "town"]);
  });

  it("rig agent beats town default_agent", () => {
    const r = resolveCrew(
      without(FULL, { rig: ["worker_agents", "role_agents"], town: ["crew_agents", "role_agents"] }),
    );
    assert.deepEqual([r.name, r.source], ["cursor", "rig"]);
  });

  it("town default_agent beats built-in claude", () => {
    const r = resolveCrew(
      without(FULL, { rig: ["worker_agents", "role_agents", "agent"], town: ["crew_agents", "role_agents"] }),
    );
    assert.deepEqual([r.name, r.source], ["gemini", "town"]);
  });

  it("falls back to built-in claude", () => {
    const { townRoot } = makeTown();
    const r = resolveAgent({ townRoot, role: "mayor" });
    assert.deepEqual([r.name, r.source, r.definedBy], ["claude", "default", "builtin"]);
    assert.equal(r.config.command, "claude");
  });

  it("consults crew overrides only for crew", () => {
    const { townRoot, rigDir } = makeTown(FULL);
    const r = resolveAgent({ townRoot, rigDir, role: "polecat", crewName: "max" });
    assert.equal(r.name, "cursor"); // rig agent: no polecat role_agents, crew maps ignored
  });

  it("ignores the rig when resolving a town role", () => {
    const { townRoot } = makeTown(FULL);
    assert.equal(resolveAgent({ townRoot, role: "mayor" }).name, "gemini");
  });
});

describe("agent definitions", () => {
  it("a town entry with a built-in name is merged over the built-in", () => {
    const { townRoot } = makeTown({ town: { agents: { claude: { args: ["--model", "opus"] } } } });
    const r = resolveAgent({ townRoot, role: "mayor" });
    assert.equal(r.definedBy, "town");
    assert.equal(r.config.command, "claude");
    assert.deepEqual(r.config.args, ["--model", "opus"]);
    assert.equal(r.config.ready_prompt_prefix, "❯ ");
  });

  it("rig definitions beat town definitions; settings beat agents.json", () => {
    const { townRoot, rigDir } = makeTown({
      town: { default_agent: "fast", agents: { fast: { command: "town-fast" } } },
      townAgents: { version: 1, agents: { fast: { command: "town-registry-fast" } } },
      rig: { agents: { fast: { command: "rig-fast" } } },
      rigAgents: { version: 1, agents: { fast: { command: "rig-registry-fast" } } },
    });
    const r = resolveAgent({ townRoot, rigDir, role: "polecat" });
    assert.deepEqual([r.name, r.config.command, r.definedBy], ["fast", "rig-fast", "rig"]);
    assert.equal(resolveAgent({ townRoot, role: "mayor" }).config.command, "town-fast");
  });

  it("finds agents defined only in agents.json", () => {
    const { townRoot, rigDir } = makeTown({
      rig: { agent: "mine" },
      rigAgents: { version: 1, agents: { mine: { command: "mybot", args: ["-y"] } } },
    });
    const r = resolveAgent({ townRoot, rigDir, role: "witness" });
    assert.deepEqual([r.config.command, ...r.config.args], ["mybot", "-y"]);
  });

  it("names the known agents when one is unknown", () => {
    const { townRoot } = makeTown({ town: { agents: { fast: { command: "claude" } } } });
    assert.throws(
      () => resolveAgent({ townRoot, role: "mayor", override: "nope" }),
      (e: unknown) =>
        e instanceof NotFoundError &&
        e.message ===
          'unknown agent "nope" (known: amp, auggie, claude, codex, copilot, cursor, fast, gemini, groq-compound, merge-queue, omp, opencode, pi, script, vibe)',
    );
  });

  it("refuses a custom entry without a command, naming the file and key", () => {
    const { townRoot } = makeTown({ town: { default_agent: "half", agents: { half: { args: ["-x"] } } } });
    assert.throws(
      () => resolveAgent({ townRoot, role: "mayor" }),
      (e: unknown) =>
        e instanceof ConfigFileError &&
        e.message.includes(join(townRoot, "settings", "config.json")) &&
        e.message.includes("agents.half.command"),
    );
  });

  it("lists built-ins and custom agents sorted by name", () => {
    const { townRoot, rigDir } = makeTown({
      town: { agents: { zeta: { command: "z" }, claude: { args: [] } } },
      rig: { agents: { beta: { command: "b", args: ["1"] } } },
    });
    const list = listAgents(townRoot, rigDir);
    const names = list.map((a) => a.name);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(
      list.find((a) => a.name === "beta"),
      {
        name: "beta",
        command: "b",
        args: ["1"],
        builtin: false,
        source: "rig",
      },
    );
    assert.deepEqual(
      list.find((a) => a.name === "claude"),
      { name: "claude", command: "claude", args: [], builtin: true, source: "town" },
    );
    assert.equal(list.find((a) => a.name === "codex")?.source, "builtin");
    assert.ok(!listAgents(townRoot).some((a) => a.name === "beta"));
  });
});
