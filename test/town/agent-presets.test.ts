import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentConfig,
  agentConfigSchema,
  agentEntrySchema,
  BUILTIN_AGENT_NAMES,
  BUILTIN_PRESETS,
  DEFAULT_AGENT,
  expandAgentEnv,
  mergeAgentConfig,
} from "../../src/town/agent-presets.ts";

const preset = (name: string): AgentConfig => {
  const p = BUILTIN_PRESETS[name];
  assert.ok(p, `preset ${name} missing`);
  return p as AgentConfig;
};

describe("built-in agent presets", () => {
  it("has every spec preset with its command and default args", () => {
    const expected: Record<string, string[]> = {
      claude: ["claude", "--dangerously-skip-permissions"],
      gemini: ["gemini", "--approval-mode", "yolo"],
      codex: [
        "codex",
        "--no-daemon",
        "--dangerously-bypass-approvals-and-sandbox",
        "-c",
        "allow_login_shell=false",
      ],
      cursor: ["cursor-agent", "-f"],
      copilot: ["copilot", "--yolo"],
      opencode: ["opencode"],
      auggie: ["auggie", "--allow-indexing"],
      amp: ["amp", "--dangerously-allow-all", "--no-ide"],
      pi: ["pi", "-e", ".pi/extensions/gastown-hooks.js"],
      omp: ["omp", "--hook", ".omp/hooks/gastown-hook.ts"],
      vibe: ["vibe", "--agent", "auto-approve"],
      "groq-compound": ["claude", "--dangerously-skip-permissions"],
      script: ["gt", "script-agent"],
      "merge-queue": ["gt", "refinery", "serve"],
    };
    assert.deepEqual([...BUILTIN_AGENT_NAMES], Object.keys(expected).sort());
    for (const [name, argv] of Object.entries(expected)) {
      const p = preset(name);
      assert.deepEqual([p.command, ...p.args], argv, name);
    }
    assert.equal(DEFAULT_AGENT, "claude");
  });

  it("carries the runtime details of the spec table", () => {
    const claude = preset("claude");
    assert.deepEqual(claude.process_names, ["node", "claude"]);
    assert.equal(claude.ready_prompt_prefix, "❯ ");
    assert.equal(claude.ready_delay_ms, 10_000);
    assert.equal(claude.instructions_file, "CLAUDE.md");
    assert.deepEqual(claude.hooks, { provider: "claude", dir: ".claude", settings_file: "settings.json" });
    assert.deepEqual(claude.resume, { style: "flag", value: "--resume" });
    assert.equal(claude.session_id_env, "CLAUDE_SESSION_ID");

    const codex = preset("codex");
    assert.equal(codex.prompt_mode, "arg");
    assert.equal(codex.ready_prompt_prefix, "› ");
    assert.equal(codex.prompt_lines_below, 2);
    assert.equal(codex.prompt_lines_below_min, 2);
    assert.deepEqual(codex.busy_markers, ["esc to interrupt"]);
    assert.equal(codex.ready_delay_ms, 20_000);
    assert.equal(codex.resume.style, "subcommand");
    assert.equal(codex.instructions_file, "AGENTS.md");
    assert.deepEqual(codex.hooks, { provider: "codex", dir: ".codex", settings_file: "hooks.json" });
    assert.deepEqual(
      codex.startup_screens?.map((s) => [s.name, s.action]),
      [
        ["sign-in", "login"],
        ["folder trust", "accept"],
        ["hooks review", "fail"],
      ],
    );

    const gemini = preset("gemini");
    assert.equal(gemini.prompt_mode, "none");
    assert.equal(gemini.ready_prompt_prefix, "*   Type your message");
    assert.deepEqual(gemini.busy_markers, ["esc to cancel", "Executing Hook"]);
    assert.equal(gemini.busy_lines_above, 4);
    assert.equal(gemini.ready_confirm_ms, 1_500);
    assert.deepEqual(gemini.hooks, { provider: "gemini", dir: ".gemini", settings_file: "settings.json" });

    const copilot = preset("copilot");
    assert.equal(copilot.hooks.provider, "copilot");
    assert.equal(`${copilot.hooks.dir}/${copilot.hooks.settings_file}`, ".github/hooks/gastown.json");
    assert.equal(copilot.ready_delay_ms, 5_000);
    assert.equal(copilot.ready_prompt_prefix, undefined);

    assert.equal(preset("gemini").ready_delay_ms, 30_000);
    assert.equal(preset("opencode").ready_delay_ms, 8_000);
    assert.equal(preset("opencode").resume.style, "none");
  });

  it("describes our script agent", () => {
    const s = preset("script");
    assert.deepEqual(s.process_names, ["node"]);
    assert.equal(s.ready_prompt_prefix, "script-agent ready");
    assert.equal(s.ready_delay_ms, 0);
    assert.equal(s.prompt_mode, "none");
    assert.equal(s.hooks.provider, "none");
    assert.equal(s.instructions_file, "AGENTS.md");
  });

  it("cannot be edited in place", () => {
    assert.throws(() => {
      (preset("claude").args as string[]).push("--oops");
    });
  });

  it("expands $-brace placeholders from the spawning environment", () => {
    const env = expandAgentEnv(preset("groq-compound").env, { GROQ_API_KEY: "k-123" });
    assert.equal(env.ANTHROPIC_AUTH_TOKEN, "k-123");
    assert.equal(expandAgentEnv({ A: "$" + "{NOPE}x" }, {}).A, "x");
  });
});

describe("user agent entries", () => {
  it("needs only a command and fills the rest sensibly", () => {
    const c = agentConfigSchema.parse({ command: "/usr/local/bin/mybot", args: ["--fast"] });
    assert.equal(c.command, "/usr/local/bin/mybot");
    assert.deepEqual(c.args, ["--fast"]);
    assert.deepEqual(c.process_names, ["mybot"]);
    assert.equal(c.prompt_mode, "arg");
    assert.equal(c.hooks.provider, "none");
    assert.equal(c.instructions_file, "AGENTS.md");
    assert.throws(() => agentConfigSchema.parse({ args: ["x"] }));
  });

  it("builds on the built-in with the same command", () => {
    const c = agentConfigSchema.parse({ command: "claude", args: ["--model", "haiku"] });
    assert.deepEqual(c.args, ["--model", "haiku"]);
    assert.equal(c.hooks.provider, "claude");
    assert.equal(c.ready_prompt_prefix, "❯ ");
  });

  it("merges over a built-in: given fields replace, env adds", () => {
    const entry = agentEntrySchema.parse({ args: ["--model", "opus"], env: { X: "1" } });
    const c = mergeAgentConfig(preset("groq-compound"), entry);
    assert.deepEqual(c.args, ["--model", "opus"]);
    assert.equal(c.env.X, "1");
    assert.equal(c.env.ANTHROPIC_BASE_URL, preset("groq-compound").env.ANTHROPIC_BASE_URL);
    assert.equal(c.command, "claude");
  });

  it("reads Gas Town's nested and flat field spellings", () => {
    const e = agentEntrySchema.parse({
      command: "claude",
      tmux: { process_names: ["claude"], ready_delay_ms: 500 },
      session: { session_id_env: "SID" },
      instructions: { file: "CLAUDE.md" },
      hooks_provider: "claude",
      resume_flag: "--resume",
    });
    assert.deepEqual(e.process_names, ["claude"]);
    assert.equal(e.ready_delay_ms, 500);
    assert.equal(e.session_id_env, "SID");
    assert.equal(e.instructions_file, "CLAUDE.md");
    assert.equal(e.hooks?.provider, "claude");
    assert.deepEqual(e.resume, { style: "flag", value: "--resume" });
  });

  it("rejects wrong types", () => {
    assert.throws(() => agentEntrySchema.parse({ args: "--yolo" }));
    assert.throws(() => agentEntrySchema.parse({ prompt_mode: "stdin" }));
    assert.throws(() => agentEntrySchema.parse({ hooks: { provider: "emacs" } }));
  });
});
