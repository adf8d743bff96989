import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConflictError, NotFoundError, ValidationError } from "../../src/errors.ts";
import {
  getDefaultAgent,
  removeAgent,
  setAgent,
  setDefaultAgent,
  splitCommandLine,
} from "../../src/town/agent-config.ts";
import { agentDefinition } from "../../src/town/agent-resolve.ts";
import { ConfigFileError } from "../../src/town/json-file.ts";
import {
  loadAgentRegistry,
  loadRigSettings,
  loadTownSettings,
  saveRigSettings,
  saveTownSettings,
  settingsFile,
} from "../../src/town/settings.ts";
import { scratchDir } from "../helpers/temp.ts";

function withSettings(text: string, file = "config.json"): { dir: string; path: string } {
  const dir = scratchDir("gt-settings-");
  mkdirSync(join(dir, "settings"));
  const path = join(dir, "settings", file);
  writeFileSync(path, text);
  return { dir, path };
}

/** Asserts `fn` throws a ConfigFileError naming `path` and every one of `parts`. */
function throwsNaming(fn: () => unknown, path: string, ...parts: string[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigFileError, String(e));
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    for (const p of parts) assert.ok(e.message.includes(p), `${e.message} lacks ${p}`);
    return true;
  });
}

describe("settings files", () => {
  it("gives defaults when files are missing", () => {
    const dir = scratchDir("gt-settings-");
    assert.deepEqual(loadTownSettings(dir), { type: "town-settings", version: 1 });
    assert.deepEqual(loadRigSettings(dir), { type: "rig-settings", version: 1 });
    assert.deepEqual(loadAgentRegistry(dir), { version: 1, agents: {} });
  });

  it("keeps keys it does not model, and the saved file reloads identically", () => {
    const { dir, path } = withSettings(
      JSON.stringify({
        type: "town-settings",
        version: 1,
        default_agent: "claude",
        role_agents: { polecat: "codex", dog: "gemini" },
        scheduler: { max_polecats: 4 },
        agents: { fast: { command: "claude", args: ["--model", "haiku"], acp: { command: "x" } } },
      }),
    );
    const s = loadTownSettings(dir);
    assert.deepEqual(s.scheduler, { max_polecats: 4 });
    saveTownSettings(dir, s);
    assert.deepEqual(loadTownSettings(dir), s);
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")).agents.fast.acp, { command: "x" });
  });

  it("round-trips rig settings", () => {
    const dir = scratchDir("gt-settings-");
    const s = {
      ...loadRigSettings(dir),
      agent: "codex",
      worker_agents: { max: "gemini" },
      namepool: { style: "minerals", max_before_numbering: 50 },
      merge_queue: { enabled: true, run_tests: false },
    };
    saveRigSettings(dir, s);
    assert.deepEqual(loadRigSettings(dir), s);
  });

  it("reports a file that is not JSON", () => {
    const { dir, path } = withSettings("{ not json");
    throwsNaming(() => loadTownSettings(dir), path, "not valid JSON");
  });

  it("reports a wrong type at a key", () => {
    const { dir, path } = withSettings(JSON.stringify({ type: "town-settings", crew_agents: { max: 3 } }));
    throwsNaming(() => loadTownSettings(dir), path, "crew_agents.max");
    const bad = withSettings(JSON.stringify({ agents: { fast: { command: "x", args: "--yolo" } } }));
    throwsNaming(() => loadRigSettings(bad.dir), bad.path, "agents.fast.args");
    const reg = withSettings(
      JSON.stringify({ version: 1, agents: { a: { ready_delay_ms: "soon" } } }),
      "agents.json",
    );
    throwsNaming(() => loadAgentRegistry(reg.dir), reg.path, "agents.a.ready_delay_ms");
    const prov = withSettings(JSON.stringify({ runtime_provider: "docker" }));
    throwsNaming(() => loadTownSettings(prov.dir), prov.path, "runtime_provider");
  });

  it("reports an unknown role in role_agents", () => {
    const { dir, path } = withSettings(JSON.stringify({ role_agents: { janitor: "claude" } }));
    throwsNaming(() => loadTownSettings(dir), path, "role_agents.janitor", 'unknown role "janitor"', "mayor");
    const rig = withSettings(
      JSON.stringify({ type: "rig-settings", role_agents: { mayor: "x", oops: "y" } }),
    );
    throwsNaming(() => loadRigSettings(rig.dir), rig.path, "role_agents.oops");
  });

  it("reports a file of the wrong type", () => {
    const { dir, path } = withSettings(JSON.stringify({ type: "rig-settings" }));
    throwsNaming(() => loadTownSettings(dir), path, "type");
  });
});

describe("gt config agent", () => {
  it("sets an agent from a command line and reads it back", () => {
    const town = scratchDir("gt-settings-");
    const saved = setAgent(town, "fast", "claude --model haiku --append-system-prompt 'be brief'");
    assert.deepEqual(saved, {
      name: "fast",
      command: "claude",
      args: ["--model", "haiku", "--append-system-prompt", "be brief"],
      builtin: false,
      source: "town",
    });
    const cfg = agentDefinition(town, "fast");
    assert.equal(cfg.hooks.provider, "claude"); // built on the claude preset
    assert.deepEqual(loadTownSettings(town).agents?.fast, { command: "claude", args: saved.args });
  });

  it("takes already-split words as they are", () => {
    const town = scratchDir("gt-settings-");
    const saved = setAgent(town, "odd", ["my bot", "--say", "a 'b' c"]);
    assert.deepEqual([saved.command, ...saved.args], ["my bot", "--say", "a 'b' c"]);
  });

  it("keeps other fields of an entry it replaces the command of", () => {
    const town = scratchDir("gt-settings-");
    setAgent(town, "fast", "claude", { env: { X: "1" } });
    setAgent(town, "fast", "claude --model opus");
    assert.deepEqual(loadTownSettings(town).agents?.fast, {
      env: { X: "1" },
      command: "claude",
      args: ["--model", "opus"],
    });
  });

  it("validates names and commands", () => {
    const town = scratchDir("gt-settings-");
    for (const bad of ["Fast", "1x", "a b", "", "x.y"]) {
      assert.throws(() => setAgent(town, bad, "claude"), ValidationError, bad);
    }
    assert.throws(() => setAgent(town, "empty", "   "), ValidationError);
    assert.throws(() => setAgent(town, "open", "claude 'oops"), /unterminated/);
  });

  it("removes custom agents but refuses built-ins and unknown names", () => {
    const town = scratchDir("gt-settings-");
    setAgent(town, "fast", "claude --model haiku");
    removeAgent(town, "fast");
    assert.deepEqual(loadTownSettings(town).agents, {});
    assert.throws(() => removeAgent(town, "claude"), /cannot remove built-in agent claude/);
    assert.throws(() => removeAgent(town, "fast"), NotFoundError);
  });

  it("refuses to remove an agent still in use", () => {
    const town = scratchDir("gt-settings-");
    setAgent(town, "fast", "claude");
    setDefaultAgent(town, "fast");
    assert.throws(() => removeAgent(town, "fast"), ConflictError);
  });

  it("gets and sets the default agent", () => {
    const town = scratchDir("gt-settings-");
    assert.equal(getDefaultAgent(town), "claude");
    assert.equal(setDefaultAgent(town, "codex"), "codex");
    assert.equal(getDefaultAgent(town), "codex");
    assert.throws(() => setDefaultAgent(town, "nope"), /unknown agent "nope" \(known: amp, /);
    setAgent(town, "mine", "mybot -y");
    setDefaultAgent(town, "mine");
    assert.equal(loadTownSettings(town).default_agent, "mine");
    assert.equal(JSON.parse(readFileSync(settingsFile(town), "utf8")).type, "town-settings");
  });
});

describe("command-line splitting", () => {
  it("follows shell quoting", () => {
    const cases: Array<[string, string[]]> = [
      ["a b  c", ["a", "b", "c"]],
      [`a "b c" 'd e'`, ["a", "b c", "d e"]],
      [`x "" ''`, ["x", "", ""]],
      [`a\\ b "q\\"q" 'no\\escape'`, ["a b", 'q"q', "no\\escape"]],
      [`pre"mid"'post'`, ["premidpost"]],
      ["  ", []],
    ];
    for (const [line, words] of cases) assert.deepEqual(splitCommandLine(line), words, line);
  });
});
