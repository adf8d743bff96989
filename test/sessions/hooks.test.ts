import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, it } from "node:test";
import { gtExecutable } from "../../src/package-paths.ts";
import {
  defaultHooks,
  ensureRoleHooks,
  type HookSet,
  hookLaunch,
  inBackground,
  mergeHookSets,
  syncHooks,
  tomlInline,
} from "../../src/sessions/hooks.ts";
import { Town } from "../../src/town/workspace.ts";
import { handMadeTown } from "../helpers/hand-made-town.ts";
import { scratchDir } from "../helpers/temp.ts";

/** A town with rig "gastown", and an empty GT_HOME (no base or override files). */
function makeTown(): { town: Town; root: string; env: NodeJS.ProcessEnv; home: string } {
  const root = handMadeTown("gt-hooks-");
  const home = scratchDir("gt-home-");
  return { town: new Town(root), root, env: { GT_HOME: home }, home };
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function hooksOf(path: string): HookSet {
  return readJson(path).hooks as HookSet;
}

function commandsOf(hooks: HookSet, event: string): string[] {
  return (hooks[event] ?? []).flatMap((e) => e.hooks.map((h) => h.command));
}

const settings = (root: string, dir: string) => join(root, dir, ".claude", "settings.json");

describe("gt hooks sync (claude)", () => {
  it("writes every role's settings with the absolute gt path", async () => {
    const { town, root, env } = makeTown();
    const r = await syncHooks(town, { env });
    // The refinery runs the built-in merge queue (no model, no hook settings) by default.
    const dirs = ["mayor", "deacon", "gastown/witness", "gastown/polecats", "gastown/crew"];
    assert.deepEqual(
      r.written,
      dirs.map((d) => settings(root, d)),
    );
    assert.deepEqual(
      r.skipped.map((x) => x.target),
      ["gastown/refinery"],
    );
    const gt = gtExecutable();
    assert.ok(isAbsolute(gt));
    const polecat = hooksOf(settings(root, "gastown/polecats"));
    assert.deepEqual(commandsOf(polecat, "SessionStart"), [
      `${gt} prime --hook && ${gt} mail check --inject`,
    ]);
    assert.deepEqual(commandsOf(polecat, "PreCompact"), [`${gt} prime --hook`]);
    assert.deepEqual(commandsOf(polecat, "UserPromptSubmit"), [
      `${gt} hooks turn busy`,
      `${gt} mail check --inject`,
    ]);
    // The turn hooks keep the idle marker nudges read before the screen; the cost log is
    // written in the background.
    assert.deepEqual(commandsOf(polecat, "Stop"), [
      `${gt} hooks turn idle`,
      `{ ${gt} costs record <&3 >/dev/null 2>&1 & } 3<&0`,
    ]);
    // Gas Town's guards on every shell call (they read the command themselves).
    const guards = [
      {
        matcher: "Bash",
        hooks: [
          { type: "command", command: `${gt} tap guard pr-workflow` },
          { type: "command", command: `${gt} tap guard dangerous-command` },
        ],
      },
    ];
    assert.deepEqual(polecat.PreToolUse, guards);
    assert.deepEqual(polecat.SessionStart, [
      {
        matcher: "",
        hooks: [{ type: "command", command: `${gt} prime --hook && ${gt} mail check --inject` }],
      },
    ]);
    // Interactive roles get mail on each prompt, not at session start.
    const mayor = hooksOf(settings(root, "mayor"));
    assert.deepEqual(commandsOf(mayor, "SessionStart"), [`${gt} prime --hook`]);
    assert.deepEqual(commandsOf(mayor, "UserPromptSubmit"), [
      `${gt} hooks turn busy`,
      `${gt} mail check --inject`,
    ]);
    assert.deepEqual(mayor.PreToolUse, guards);
  });

  it("the guard hook blocks a force push (exit 2) and lets a plain command through", () => {
    const { root } = makeTown();
    const hooks = defaultHooks("polecat");
    const dangerous = hooks.PreToolUse![0]!.hooks[1]!.command;
    const run = (command: string) =>
      spawnSync("sh", ["-c", dangerous], {
        cwd: root,
        input: JSON.stringify({ tool_name: "Bash", tool_input: { command } }),
        encoding: "utf8",
      });
    const blocked = run("cd x && git push --force origin main");
    assert.equal(blocked.status, 2, blocked.stderr);
    assert.match(blocked.stderr, /blocked: force push/);
    const allowed = run("git push origin main");
    assert.equal(allowed.status, 0, allowed.stderr);
  });

  it("a background hook command gets the hook's stdin and does not hold the hook up", () => {
    const dir = scratchDir("gt-hook-bg-");
    const out = join(dir, "got.json");
    const t0 = Date.now();
    const r = spawnSync("sh", ["-c", inBackground(`sh -c 'sleep 1; cat > ${out}'`)], {
      input: '{"session_id":"s1"}',
      encoding: "utf8",
    });
    assert.equal(r.status, 0);
    assert.ok(Date.now() - t0 < 900, "the hook returned before its background command ended");
    assert.equal(existsSync(out), false);
    const deadline = Date.now() + 10_000;
    while (!existsSync(out) && Date.now() < deadline) execFileSync("sleep", ["0.1"]);
    assert.equal(readFileSync(out, "utf8"), '{"session_id":"s1"}');
  });

  it("keeps keys it does not own and reports unchanged files on a second run", async () => {
    const { town, root, env } = makeTown();
    const file = settings(root, "mayor");
    mkdirSync(join(root, "mayor", ".claude"));
    writeFileSync(file, JSON.stringify({ permissions: { allow: ["Bash"] }, hooks: { Old: [] }, model: "x" }));
    const first = await syncHooks(town, { env });
    assert.ok(first.written.includes(file));
    const v = readJson(file);
    assert.deepEqual(v.permissions, { allow: ["Bash"] });
    assert.equal(v.model, "x");
    assert.equal((v.hooks as HookSet).Old, undefined);
    const second = await syncHooks(town, { env });
    assert.deepEqual(second.written, []);
    assert.equal(second.unchanged.length, 5);
  });

  it("leaves a broken settings file alone and says so", async () => {
    const { town, root, env } = makeTown();
    mkdirSync(join(root, "deacon", ".claude"), { recursive: true });
    writeFileSync(settings(root, "deacon"), "{ nope");
    const r = await syncHooks(town, { env });
    assert.equal(readFileSync(settings(root, "deacon"), "utf8"), "{ nope");
    assert.equal(r.skipped[0]?.target, "deacon");
    assert.match(r.skipped[0]?.reason ?? "", /not a valid settings file/);
  });

  it("merges base, role and rig+role overrides from GT_HOME", async () => {
    const { town, root, env, home } = makeTown();
    const cmd = (command: string, matcher = "") => [{ matcher, hooks: [{ type: "command", command }] }];
    mkdirSync(join(home, ".gt", "hooks-overrides"), { recursive: true });
    writeFileSync(
      join(home, ".gt", "hooks-base.json"),
      JSON.stringify({ hooks: { Stop: cmd("echo base-stop") } }),
    );
    writeFileSync(
      join(home, ".gt", "hooks-overrides", "polecat.json"),
      JSON.stringify({ PreCompact: [], SessionStart: cmd("echo startup-only", "startup") }),
    );
    writeFileSync(
      join(home, ".gt", "hooks-overrides", "gastown__polecat.json"),
      JSON.stringify({ hooks: { Stop: [{ matcher: "", hooks: [{ command: "echo rig-stop" }] }] } }),
    );
    await syncHooks(town, { env });
    const polecat = hooksOf(settings(root, "gastown/polecats"));
    assert.deepEqual(commandsOf(polecat, "Stop"), ["echo rig-stop"]);
    assert.equal(polecat.PreCompact, undefined);
    assert.deepEqual(
      polecat.SessionStart?.map((e) => e.matcher),
      ["", "startup"],
    );
    const witness = hooksOf(settings(root, "gastown/witness"));
    assert.deepEqual(commandsOf(witness, "Stop"), ["echo base-stop"]);
    assert.equal(commandsOf(witness, "PreCompact").length, 1);
  });

  it("an entry with no hooks removes its matcher", () => {
    const base: HookSet = {
      A: [
        { matcher: "", hooks: [{ type: "command", command: "x" }] },
        { matcher: "Bash", hooks: [{ type: "command", command: "y" }] },
      ],
    };
    assert.deepEqual(mergeHookSets(base, { A: [{ matcher: "Bash", hooks: [] }] }), {
      A: [{ matcher: "", hooks: [{ type: "command", command: "x" }] }],
    });
    assert.deepEqual(mergeHookSets(base, { A: [] }), {});
  });
});

describe("gt hooks sync (other agents)", () => {
  it("skips roles whose agent has no hooks and writes Copilot's file", async () => {
    const { town, root, env } = makeTown();
    mkdirSync(join(root, "settings"));
    writeFileSync(
      join(root, "settings", "config.json"),
      JSON.stringify({
        type: "town-settings",
        version: 1,
        role_agents: { witness: "auggie", refinery: "copilot" },
      }),
    );
    const r = await syncHooks(town, { env });
    assert.deepEqual(r.skipped, [
      {
        target: "gastown/witness",
        reason: "agent auggie has no hook support; context comes from its startup prompt",
      },
    ]);
    assert.equal(existsSync(settings(root, "gastown/witness")), false);
    const file = join(root, "gastown", "refinery", ".github", "hooks", "gastown.json");
    assert.ok(r.written.includes(file));
    const gt = gtExecutable();
    assert.deepEqual(readJson(file), {
      version: 1,
      hooks: {
        sessionStart: [{ type: "command", bash: `${gt} prime --hook && ${gt} mail check --inject` }],
        userPromptSubmitted: [
          { type: "command", bash: `${gt} hooks turn busy` },
          { type: "command", bash: `${gt} mail check --inject` },
        ],
      },
    });
  });

  it("ensureRoleHooks syncs one target, honouring an --agent override", async () => {
    const { town, root, env } = makeTown();
    const r = await ensureRoleHooks(town, "polecat", "gastown", { env });
    assert.deepEqual(r.written, [settings(root, "gastown/polecats")]);
    assert.equal(existsSync(settings(root, "mayor")), false);
    const c = await ensureRoleHooks(town, "crew", "gastown", { env, agent: "auggie" });
    assert.equal(c.skipped[0]?.target, "gastown/crew");
  });
});

describe("gt hooks sync (codex, gemini)", () => {
  it("writes Codex's hooks.json in the town and passes it inline with the hook-trust bypass, CODEX_HOME untouched", async () => {
    const { town, root, env } = makeTown();
    const codexHome = scratchDir("gt-codex-home-");
    const r = await ensureRoleHooks(town, "crew", "gastown", {
      env: { ...env, CODEX_HOME: codexHome },
      agent: "codex",
    });
    const file = join(root, "gastown", "crew", ".codex", "hooks.json");
    assert.deepEqual(r.written, [file]);
    const gt = gtExecutable();
    const hooks = readJson(file).hooks as Record<string, Array<{ matcher?: string; hooks: unknown[] }>>;
    assert.deepEqual(Object.keys(hooks).sort(), [
      "PreCompact",
      "PreToolUse",
      "SessionStart",
      "Stop",
      "UserPromptSubmit",
    ]);
    const costs = `{ ${gt} costs record <&3 >/dev/null 2>&1 & } 3<&0`;
    assert.deepEqual(hooks.Stop, [
      {
        hooks: [
          { type: "command", command: `${gt} hooks turn idle` },
          { type: "command", command: costs },
        ],
      },
    ]);
    // Codex names its shell tool "Bash" in hook input too: the guards' matcher carries over.
    assert.equal(hooks.PreToolUse?.[0]?.matcher, "Bash");
    assert.deepEqual(readdirSync(codexHome), [], "nothing written in the user's CODEX_HOME");

    const launch = hookLaunch("codex", join(root, "gastown", "crew"), env);
    assert.deepEqual(launch.env, {});
    assert.equal(launch.args[0], "--dangerously-bypass-hook-trust");
    assert.equal(launch.args[1], "-c");
    assert.equal(
      launch.args[2],
      `hooks={PreToolUse=[{matcher="Bash",hooks=[{type="command",command="${gt} tap guard pr-workflow"},{type="command",command="${gt} tap guard dangerous-command"}]}],SessionStart=[{hooks=[{type="command",command="${gt} prime --hook"}]}],PreCompact=[{hooks=[{type="command",command="${gt} prime --hook"}]}],UserPromptSubmit=[{hooks=[{type="command",command="${gt} hooks turn busy"},{type="command",command="${gt} mail check --inject"}]}],Stop=[{hooks=[{type="command",command="${gt} hooks turn idle"},{type="command",command=${JSON.stringify(costs)}}]}]}`,
    );
  });

  it("writes a Gemini home for the role: the user's settings with gt's hooks added, their other files linked", async () => {
    const { town, root, env } = makeTown();
    const userHome = scratchDir("gt-gemini-user-");
    mkdirSync(join(userHome, ".gemini"));
    const theirHook = { hooks: [{ type: "command", command: "their-after-agent" }] };
    writeFileSync(
      join(userHome, ".gemini", "settings.json"),
      JSON.stringify({
        security: { auth: { selectedType: "gemini-api-key" } },
        hooks: { AfterAgent: [theirHook] },
      }),
    );
    writeFileSync(join(userHome, ".gemini", "oauth_creds.json"), "{}");
    const geminiEnv = { ...env, GEMINI_CLI_HOME: userHome };
    await ensureRoleHooks(town, "polecat", "gastown", { env: geminiEnv, agent: "gemini" });
    const dir = join(root, "gastown", "polecats");
    const file = join(dir, ".gemini", "settings.json");
    const written = readJson(file) as {
      security: unknown;
      hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
    };
    const gt = gtExecutable();
    assert.deepEqual(written.security, { auth: { selectedType: "gemini-api-key" } });
    assert.deepEqual(Object.keys(written.hooks).sort(), [
      "AfterAgent",
      "BeforeAgent",
      "BeforeTool",
      "SessionStart",
    ]);
    // Their hook first, then gt's turn end (and the cost log, in the background).
    assert.deepEqual(written.hooks.AfterAgent, [
      theirHook,
      {
        hooks: [
          { type: "command", name: "gt hooks turn idle", command: `${gt} hooks turn idle` },
          {
            type: "command",
            name: "gt costs record &",
            command: `{ ${gt} costs record <&3 >/dev/null 2>&1 & } 3<&0`,
          },
        ],
      },
    ]);
    // The guards match Gemini's own shell tool; their output is not for the model.
    assert.deepEqual(written.hooks.BeforeTool, [
      {
        matcher: "run_shell_command",
        hooks: [
          { type: "command", name: "gt tap guard pr-workflow", command: `${gt} tap guard pr-workflow` },
          {
            type: "command",
            name: "gt tap guard dangerous-command",
            command: `${gt} tap guard dangerous-command`,
          },
        ],
      },
    ]);
    // Output meant for the model goes through gt hooks context (Gemini reads only JSON).
    assert.deepEqual(
      written.hooks.SessionStart?.[0]?.hooks.map((h) => h.command),
      [`{ ${gt} prime --hook && ${gt} mail check --inject; } | ${gt} hooks context SessionStart`],
    );
    assert.deepEqual(
      written.hooks.BeforeAgent?.[0]?.hooks.map((h) => h.command),
      [
        `{ ${gt} hooks turn busy; } | ${gt} hooks context BeforeAgent`,
        `{ ${gt} mail check --inject; } | ${gt} hooks context BeforeAgent`,
      ],
    );
    assert.equal(
      readlinkSync(join(dir, ".gemini", "oauth_creds.json")),
      join(userHome, ".gemini", "oauth_creds.json"),
    );
    assert.deepEqual(JSON.parse(readFileSync(join(userHome, ".gemini", "settings.json"), "utf8")).hooks, {
      AfterAgent: [theirHook],
    });

    // The session's home is the role's copy; a gt inside it (a handoff) still finds the user's.
    const launch = hookLaunch("gemini", dir, geminiEnv);
    assert.deepEqual(launch, { args: [], env: { GEMINI_CLI_HOME: dir, GT_USER_GEMINI_CLI_HOME: userHome } });
    await ensureRoleHooks(town, "polecat", "gastown", { env: { ...env, ...launch.env }, agent: "gemini" });
    assert.deepEqual((readJson(file) as typeof written).security, written.security);
  });

  it("gt hooks context wraps what is piped in as Gemini's additionalContext, and prints nothing for nothing", () => {
    const run = (input: string) =>
      execFileSync(gtExecutable(), ["hooks", "context", "BeforeAgent"], { input, encoding: "utf8" });
    assert.deepEqual(JSON.parse(run("You have mail\n")), {
      hookSpecificOutput: { hookEventName: "BeforeAgent", additionalContext: "You have mail" },
    });
    assert.equal(run(""), "");
  });

  it("tomlInline writes JSON as one line of TOML", () => {
    assert.equal(tomlInline({ a: [1, 'x"y'], "b c": { d: true } }), '{a=[1,"x\\"y"],"b c"={d=true}}');
  });
});
