// The built-in agent presets (claude, codex, gemini, … and our own script agent) as data,
// in the same snake_case shape a user writes under `agents` in settings, plus the zod
// schemas that read such user entries and the merge of a user entry over its base preset.
import { basename } from "node:path";
import { SESSION_KEYS, type SessionKey } from "../runtime/provider.ts";
import * as z from "../schema.ts";

export const HOOK_PROVIDERS = [
  "claude",
  "gemini",
  "cursor",
  "copilot",
  "opencode",
  "codex",
  "pi",
  "omp",
  "vibe",
  "none",
] as const;
export type HookProvider = (typeof HOOK_PROVIDERS)[number];

export interface AgentHooks {
  provider: HookProvider;
  /** Directory (relative to the settings dir) the provider's hook file lives in. */
  dir?: string;
  settings_file?: string;
  /** The hook file only carries instructions; the runtime does not execute it. */
  informational?: boolean;
}

export interface AgentResume {
  /** flag: `<cmd> <value> <id>`; subcommand: `<cmd> <value> <id>` before the args; none: cannot resume. */
  style: "flag" | "subcommand" | "none";
  value?: string;
}

/** Headless one-shot runs (dogs, formulas): `<cmd> [subcommand] [prompt_flag] <prompt> [output_flag]`. */
export interface NonInteractive {
  subcommand?: string;
  prompt_flag?: string;
  output_flag?: string;
}

/**
 * A screen an agent may show before its input prompt, and what gt does about it when it
 * starts the agent unattended. Screens are tried in order on every poll while the session
 * starts; the first whose `match` strings are all on the screen is handled.
 */
export interface StartupScreen {
  /** Names the screen in messages: "trust folder", "bypass-permissions warning". */
  name: string;
  /** The screen is showing when every one of these strings is on it. */
  match: string[];
  /**
   * accept: press `keys` to get past it. login: the agent cannot work until someone logs it
   * in; the start fails with "<agent> needs login: <how>". fail: it cannot start unattended;
   * the start fails with "<agent> stopped at its <name> screen: <how>". wait: the agent is
   * busy on its own (restarting); gt waits for the screen to go, pressing nothing.
   */
  action: "accept" | "login" | "fail" | "wait";
  /** accept: keys pressed in order; `{expect}` first waits for that text (else the start fails). */
  keys?: Array<SessionKey | { expect: string }>;
  /** accept only when the preset's own args include this flag; otherwise it fails. */
  if_arg?: string;
  /** accept only when the session's working directory is inside the town; otherwise it fails. */
  if_in_town?: boolean;
  /** What the user should do about it (login, fail, and an accept whose condition is not met). */
  how?: string;
  /**
   * Its text stays drawn once it is over (the agent restarts and draws anew under it): it
   * counts only while the agent's prompt is not drawn below it.
   */
  left_on_screen?: boolean;
}

export interface AgentConfig {
  provider: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Variables taken out of the session's environment: ones that make the agent leave its
   * interactive mode, which a terminal session needs (Gemini CLI goes headless under CI=true).
   */
  env_unset?: string[];
  initial_prompt?: string;
  /** arg: the startup prompt is the last CLI argument; none: it is sent as a nudge once ready. */
  prompt_mode: "arg" | "none";
  /** Process names that mean "the agent is alive" in the pane. */
  process_names: string[];
  /** The input prompt: ready (and idle) when a line starts with it, leading spaces aside. */
  ready_prompt_prefix?: string;
  /**
   * How many non-empty lines the agent draws below its input line (rules, a status footer):
   * the prompt counts only that close to the bottom. Default 0: the prompt is the last line.
   */
  prompt_lines_below?: number;
  /**
   * How many it draws there at least (default 0): Codex draws its prompt with one hint line
   * while it loads, and with its two status lines only once it is ready.
   */
  prompt_lines_below_min?: number;
  /** Text that, anywhere in the prompt's bottom lines, means a turn is running ("esc to interrupt"). */
  busy_markers?: string[];
  /**
   * How many non-empty lines above the prompt line are searched for busy markers (default 3):
   * Gemini CLI draws its spinner over a badge, a rule and the input box's edge.
   */
  busy_lines_above?: number;
  /** Dialogs shown before the prompt (trust, login, warnings) and how to get past them. */
  startup_screens?: StartupScreen[];
  /** With a prompt prefix: the longest wait for it; without: a fixed delay. */
  ready_delay_ms: number;
  /**
   * How long the prompt must stay up, with no startup screen over it, before the start is
   * reported (default 200 ms): Gemini CLI draws its prompt and only then may open its auth box.
   */
  ready_confirm_ms?: number;
  resume: AgentResume;
  session_id_env?: string;
  config_dir?: string;
  config_dir_env?: string;
  hooks: AgentHooks;
  instructions_file: string;
  non_interactive?: NonInteractive;
}

export const DEFAULT_AGENT = "claude";

const CLAUDE_LOGIN =
  "run `claude` once in a terminal with the same CLAUDE_CONFIG_DIR and finish its setup (or give the agent ANTHROPIC_AUTH_TOKEN in its env)";

/** Claude Code's screens before its prompt, as version 2.1 shows them with a fresh config dir. */
const CLAUDE_SCREENS: StartupScreen[] = [
  {
    name: "first-run setup",
    match: ["Choose the text style that looks best with your terminal"],
    action: "login",
    how: CLAUDE_LOGIN,
  },
  {
    name: "first-run security notes",
    match: ["Security notes:", "Press Enter to continue"],
    action: "login",
    how: CLAUDE_LOGIN,
  },
  { name: "login method", match: ["Select login method"], action: "login", how: CLAUDE_LOGIN },
  { name: "not logged in", match: ["Not logged in", "Run /login"], action: "login", how: CLAUDE_LOGIN },
  {
    name: "custom API key",
    match: ["Detected a custom API key"],
    action: "fail",
    how: "it asks whether to use ANTHROPIC_API_KEY (default No); give the key as ANTHROPIC_AUTH_TOKEN instead, or approve it once by running `claude` in a terminal",
  },
  {
    name: "trust folder",
    match: ["Yes, I trust this folder"],
    action: "accept",
    keys: [{ expect: "❯ 1. Yes, I trust this folder" }, "Enter"],
    if_in_town: true,
    how: "gt trusts only folders inside the town; run `claude` there once and trust it yourself",
  },
  {
    // Its default is "No, exit": a stray Enter ends the agent, so the choice is checked first.
    name: "bypass-permissions warning",
    match: ["Bypass Permissions mode", "Yes, I accept"],
    action: "accept",
    keys: ["Down", { expect: "❯ 2. Yes, I accept" }, "Enter"],
    if_arg: "--dangerously-skip-permissions",
    how: "the agent's own args do not ask for --dangerously-skip-permissions, so gt will not accept the warning for it",
  },
];

const CLAUDE: AgentConfig = {
  provider: "claude",
  command: "claude",
  args: ["--dangerously-skip-permissions"],
  env: {},
  prompt_mode: "arg",
  process_names: ["node", "claude"],
  ready_prompt_prefix: "❯ ",
  // Below the input line: a rule, then a footer of one or two lines (mode, notices).
  prompt_lines_below: 4,
  busy_markers: ["esc to interrupt"],
  startup_screens: CLAUDE_SCREENS,
  ready_delay_ms: 10_000,
  resume: { style: "flag", value: "--resume" },
  session_id_env: "CLAUDE_SESSION_ID",
  config_dir: ".claude",
  config_dir_env: "CLAUDE_CONFIG_DIR",
  hooks: { provider: "claude", dir: ".claude", settings_file: "settings.json" },
  instructions_file: "CLAUDE.md",
  non_interactive: { prompt_flag: "-p", output_flag: "--output-format json" },
};

const CODEX_LOGIN =
  "run `codex login` once in a terminal with the same CODEX_HOME (or describe a model provider in its config.toml, or pass OPENAI_API_KEY with `codex login --with-api-key`)";

/** Codex's screens before its prompt (0.171), with a fresh CODEX_HOME or a new folder. */
const CODEX_SCREENS: StartupScreen[] = [
  {
    name: "sign-in",
    match: ["Sign in with ChatGPT", "Choose how you want to use Codex"],
    action: "login",
    how: CODEX_LOGIN,
  },
  {
    // Shown for a git repository Codex has not been told to trust, bypass flag or not.
    name: "folder trust",
    match: ["Trust this folder?", "Trust and continue"],
    action: "accept",
    keys: [{ expect: "› 1. Trust and continue" }, "Enter"],
    if_in_town: true,
    how: "gt trusts only folders inside the town; run `codex` there once and trust it yourself",
  },
  {
    // gt's own hooks come with --dangerously-bypass-hook-trust, so this is about someone
    // else's: gt never trusts hooks it did not write.
    name: "hooks review",
    match: ["Hooks need review", "Trust all and continue"],
    action: "fail",
    how: "hooks in your Codex config are new or changed; run `codex` once in a terminal and review them",
  },
];

const GEMINI_LOGIN =
  "give the agent GEMINI_API_KEY in its env (GOOGLE_GEMINI_BASE_URL for another endpoint), or run `gemini` once in a terminal and sign in";

/** Gemini CLI's screens before its prompt (0.61), with a fresh home or a new folder. */
const GEMINI_SCREENS: StartupScreen[] = [
  {
    // Drawn under the answered trust dialog, which stays on the screen until the new
    // instance draws (seconds): the dialog is not to be answered again meanwhile.
    name: "restart after trust",
    match: ["Gemini CLI is restarting to apply the trust changes"],
    action: "wait",
    left_on_screen: true,
  },
  {
    // Trusting restarts the CLI ("restarting to apply the trust changes"), then it goes on.
    name: "folder trust",
    match: ["Do you trust the files in this folder?"],
    action: "accept",
    keys: [{ expect: "● 1. Trust folder" }, "Enter"],
    if_in_town: true,
    how: "gt trusts only folders inside the town; run `gemini` there once and trust it yourself",
    left_on_screen: true,
  },
  {
    // With GEMINI_API_KEY set the picker preselects the key and says it found one.
    name: "auth method (API key found)",
    match: ["How would you like to authenticate", "Existing API key detected (GEMINI_API_KEY)"],
    action: "accept",
    keys: [{ expect: "● 2. Use Gemini API Key" }, "Enter"],
  },
  { name: "auth method", match: ["How would you like to authenticate"], action: "login", how: GEMINI_LOGIN },
  {
    name: "API key (empty)",
    match: ["Enter Gemini API Key", "Paste your API key here"],
    action: "login",
    how: GEMINI_LOGIN,
  },
  {
    // Prefilled from GEMINI_API_KEY (an empty box shows its placeholder lower down: above).
    name: "API key",
    match: ["Enter Gemini API Key"],
    action: "accept",
    keys: ["Enter"],
  },
  {
    // With no key and no sign-in chosen, it starts Google's browser sign-in by itself.
    name: "Google sign-in",
    match: ["Logging in with Google"],
    action: "login",
    how: GEMINI_LOGIN,
  },
  {
    name: "Google sign-in code",
    match: ["Enter the authorization code"],
    action: "login",
    how: GEMINI_LOGIN,
  },
];

/** Fields most non-Claude presets share; each preset below states only what differs. */
function preset(p: Pick<AgentConfig, "provider" | "command"> & Partial<AgentConfig>): AgentConfig {
  return {
    args: [],
    env: {},
    prompt_mode: "arg",
    process_names: [p.command],
    ready_delay_ms: 5_000,
    resume: { style: "none" },
    hooks: { provider: "none" },
    instructions_file: "AGENTS.md",
    ...p,
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// Frozen: callers get copies (structuredClone) and must never edit the registry itself.
export const BUILTIN_PRESETS: Readonly<Record<string, Readonly<AgentConfig>>> = deepFreeze({
  claude: CLAUDE,
  gemini: preset({
    provider: "gemini",
    command: "gemini",
    args: ["--approval-mode", "yolo"],
    // On a CI machine (CI=true or GITHUB_ACTIONS=true) Gemini CLI runs headless: no prompt,
    // it exits at once. Its session is a terminal, so those never reach it.
    env_unset: ["CI", "GITHUB_ACTIONS"],
    // Typed once it is idle: with `-i <prompt>` the prompt goes out while its SessionStart
    // hook still runs, and the prime reaches the model only on the turn after.
    prompt_mode: "none",
    process_names: ["gemini", "node"],
    // The empty input's placeholder (YOLO mode); under it the box's edge and two status lines.
    ready_prompt_prefix: "*   Type your message",
    prompt_lines_below: 3,
    prompt_lines_below_min: 2,
    // The spinner (" ⠋ Thinking... (esc to cancel, 2s)", or "Executing Hook: <name>" while a
    // hook runs) sits over the YOLO badge, a rule and the box's top edge.
    busy_markers: ["esc to cancel", "Executing Hook"],
    busy_lines_above: 4,
    startup_screens: GEMINI_SCREENS,
    ready_delay_ms: 30_000,
    ready_confirm_ms: 1_500,
    resume: { style: "flag", value: "--resume" },
    config_dir: ".gemini",
    config_dir_env: "GEMINI_CLI_HOME",
    hooks: { provider: "gemini", dir: ".gemini", settings_file: "settings.json" },
    non_interactive: { prompt_flag: "-p", output_flag: "--output-format json" },
  }),
  codex: preset({
    provider: "codex",
    command: "codex",
    // Without --no-daemon an interactive Codex hands its session to a background daemon. Its
    // shell tool runs login shells by default, whose /etc/profile resets PATH and so loses
    // the gt (and bd) that the session's PATH puts first.
    args: ["--no-daemon", "--dangerously-bypass-approvals-and-sandbox", "-c", "allow_login_shell=false"],
    process_names: ["codex", "node"],
    // Idle: the prompt line (its placeholder when empty), then the model/directory line and
    // the key hints. The prompt line stays drawn while a turn runs ("• Working (3s • esc to
    // interrupt)" above it), so the busy marker must be absent too.
    ready_prompt_prefix: "› ",
    prompt_lines_below: 2,
    // While it loads it shows the prompt with a single hint line, then maybe its trust screen.
    prompt_lines_below_min: 2,
    busy_markers: ["esc to interrupt"],
    startup_screens: CODEX_SCREENS,
    ready_delay_ms: 20_000,
    resume: { style: "subcommand", value: "resume" },
    config_dir: ".codex",
    config_dir_env: "CODEX_HOME",
    hooks: { provider: "codex", dir: ".codex", settings_file: "hooks.json" },
    non_interactive: { subcommand: "exec", output_flag: "--json" },
  }),
  cursor: preset({
    provider: "cursor",
    command: "cursor-agent",
    args: ["-f"],
    process_names: ["cursor-agent", "agent"],
    resume: { style: "flag", value: "--resume" },
    config_dir: ".cursor",
    hooks: { provider: "cursor", dir: ".cursor", settings_file: "hooks.json" },
  }),
  copilot: preset({
    provider: "copilot",
    command: "copilot",
    args: ["--yolo"],
    resume: { style: "flag", value: "--resume" },
    hooks: { provider: "copilot", dir: ".github/hooks", settings_file: "gastown.json" },
  }),
  opencode: preset({
    provider: "opencode",
    command: "opencode",
    // OpenCode has no yolo flag: its permissions come from this variable.
    env: { OPENCODE_PERMISSION: '{"*":"allow"}' },
    process_names: ["opencode", "node", "bun"],
    ready_delay_ms: 8_000,
    config_dir: ".opencode",
    hooks: { provider: "opencode", dir: ".opencode/plugins", settings_file: "gastown.js" },
    non_interactive: { subcommand: "run", output_flag: "--format json" },
  }),
  auggie: preset({
    provider: "auggie",
    command: "auggie",
    args: ["--allow-indexing"],
    resume: { style: "flag", value: "--resume" },
  }),
  amp: preset({
    provider: "amp",
    command: "amp",
    args: ["--dangerously-allow-all", "--no-ide"],
    resume: { style: "subcommand", value: "threads continue" },
  }),
  pi: preset({
    provider: "pi",
    command: "pi",
    args: ["-e", ".pi/extensions/gastown-hooks.js"],
    process_names: ["pi", "node", "bun"],
    ready_delay_ms: 8_000,
    hooks: { provider: "pi", dir: ".pi/extensions", settings_file: "gastown-hooks.js" },
  }),
  omp: preset({
    provider: "omp",
    command: "omp",
    args: ["--hook", ".omp/hooks/gastown-hook.ts"],
    process_names: ["omp", "node", "bun"],
    hooks: { provider: "omp", dir: ".omp/hooks", settings_file: "gastown-hook.ts" },
  }),
  vibe: preset({
    provider: "vibe",
    command: "vibe",
    args: ["--agent", "auto-approve"],
    ready_prompt_prefix: "❯ ",
    resume: { style: "flag", value: "--resume" },
    hooks: { provider: "vibe", dir: ".vibe", settings_file: "config.toml" },
  }),
  // Claude Code pointed at Groq's Anthropic-compatible endpoint; `${GROQ_API_KEY}` is
  // expanded from the spawning environment (expandAgentEnv) so the key is never stored.
  "groq-compound": {
    ...CLAUDE,
    env: {
      ANTHROPIC_BASE_URL: "https://api.groq.com/openai/v1",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a placeholder for expandAgentEnv
      ANTHROPIC_AUTH_TOKEN: "${GROQ_API_KEY}",
      ANTHROPIC_MODEL: "groq/compound",
    },
  },
  // Our own stand-in agent; the session builder swaps "gt" for the absolute gt path.
  script: preset({
    provider: "script",
    command: "gt",
    args: ["script-agent"],
    prompt_mode: "none",
    process_names: ["node"],
    ready_prompt_prefix: "script-agent ready",
    ready_delay_ms: 0,
  }),
  // The refinery's own program: the merge queue needs no model (a conflict to resolve goes
  // back to a worker as a bead), so this is what a refinery runs unless told otherwise.
  "merge-queue": preset({
    provider: "script",
    command: "gt",
    args: ["refinery", "serve"],
    prompt_mode: "none",
    process_names: ["node"],
    ready_prompt_prefix: "refinery ready",
    ready_delay_ms: 0,
  }),
});

export const BUILTIN_AGENT_NAMES: readonly string[] = Object.keys(BUILTIN_PRESETS).sort();

export function isBuiltinAgent(name: string): boolean {
  return Object.hasOwn(BUILTIN_PRESETS, name);
}

/** Replaces `${VAR}` in preset env values with the spawning environment's value ("" if unset). */
export function expandAgentEnv(env: Record<string, string>, from: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v.replace(/\$\{(\w+)\}/g, (_, name) => from[name] ?? "");
  return out;
}

// ---- user entries ----------------------------------------------------------------------

// The schemas are built on first use, not at load: building them cost every gt start (agents'
// hooks included) a tenth of a bare Node start, and most commands never read an agent entry.
function buildEntryShape() {
  const hooksSchema = z.looseObject({
    provider: z.optional(z.enum(HOOK_PROVIDERS)),
    dir: z.optional(z.string()),
    settings_file: z.optional(z.string()),
    informational: z.optional(z.boolean()),
  });

  const startupScreenSchema = z
    .looseObject({
      name: z.string().check(z.minLength(1)),
      match: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
      action: z.enum(["accept", "login", "fail", "wait"]),
      keys: z.optional(
        z.array(z.union([z.enum(SESSION_KEYS), z.looseObject({ expect: z.string().check(z.minLength(1)) })])),
      ),
      if_arg: z.optional(z.string()),
      if_in_town: z.optional(z.boolean()),
      how: z.optional(z.string()),
      left_on_screen: z.optional(z.boolean()),
    })
    .check(
      z.refine((s) => s.action !== "accept" || (s.keys?.length ?? 0) > 0, {
        message: "an accept screen needs keys",
      }),
    );

  const entryShape = z.looseObject({
    provider: z.optional(z.string().check(z.minLength(1))),
    command: z.optional(z.string().check(z.minLength(1))),
    args: z.optional(z.array(z.string())),
    env: z.optional(z.record(z.string(), z.string())),
    env_unset: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name")))),
    initial_prompt: z.optional(z.string()),
    prompt_mode: z.optional(z.enum(["arg", "none"])),
    process_names: z.optional(z.array(z.string())),
    ready_prompt_prefix: z.optional(z.string()),
    prompt_lines_below: z.optional(z.int().check(z.nonnegative())),
    prompt_lines_below_min: z.optional(z.int().check(z.nonnegative())),
    busy_markers: z.optional(z.array(z.string().check(z.minLength(1)))),
    busy_lines_above: z.optional(z.int().check(z.nonnegative())),
    startup_screens: z.optional(z.array(startupScreenSchema)),
    ready_delay_ms: z.optional(z.int().check(z.nonnegative())),
    ready_confirm_ms: z.optional(z.int().check(z.nonnegative())),
    resume: z.optional(
      z.looseObject({ style: z.enum(["flag", "subcommand", "none"]), value: z.optional(z.string()) }),
    ),
    session_id_env: z.optional(z.string()),
    config_dir: z.optional(z.string()),
    config_dir_env: z.optional(z.string()),
    hooks: z.optional(hooksSchema),
    instructions_file: z.optional(z.string().check(z.minLength(1))),
    non_interactive: z.optional(
      z.looseObject({
        subcommand: z.optional(z.string()),
        prompt_flag: z.optional(z.string()),
        output_flag: z.optional(z.string()),
      }),
    ),
  });
  return entryShape;
}

let entryShapeBuilt: ReturnType<typeof buildEntryShape> | undefined;
function entryShape() {
  entryShapeBuilt ??= buildEntryShape();
  return entryShapeBuilt;
}

/** What a user writes for one agent: any subset of AgentConfig (unknown keys kept). */
export type AgentEntry = z.output<ReturnType<typeof buildEntryShape>>;

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Gas Town's own files nest some fields (tmux {process_names, …}, session {…}, instructions
 * {file}) or flatten others (hooks_provider, resume_flag); lift them into our flat shape so a
 * real Gas Town entry means the same here. Keys already in our shape win.
 */
function liftGasTownKeys(v: unknown): unknown {
  if (!isObj(v)) return v;
  const out: Raw = { ...v };
  const fill = (key: string, value: unknown) => {
    if (out[key] === undefined && value !== undefined) out[key] = value;
  };
  const tmux = isObj(v.tmux) ? v.tmux : {};
  const session = isObj(v.session) ? v.session : {};
  for (const k of ["process_names", "ready_prompt_prefix", "ready_delay_ms"]) fill(k, tmux[k]);
  for (const k of ["session_id_env", "config_dir_env"]) fill(k, session[k]);
  fill("instructions_file", isObj(v.instructions) ? v.instructions.file : undefined);
  const hooks = Object.fromEntries(
    ["provider", "dir", "settings_file", "informational"]
      .map((k) => [k, v[`hooks_${k}`]] as const)
      .filter(([, x]) => x !== undefined),
  );
  if (Object.keys(hooks).length) out.hooks = { ...hooks, ...(isObj(v.hooks) ? v.hooks : {}) };
  if (typeof v.resume_flag === "string" && v.resume_flag) {
    fill("resume", { style: v.resume_style === "subcommand" ? "subcommand" : "flag", value: v.resume_flag });
  }
  return out;
}

/** A user entry as stored in settings or agents.json: every field optional. */
export const agentEntrySchema = z.lazy(() => z.pipe(z.transform(liftGasTownKeys), entryShape()));

/** A stand-alone user entry: only `command` is required; the rest comes from its base preset. */
export const agentConfigSchema = z.lazy(() =>
  z.pipe(
    z.pipe(
      z.transform(liftGasTownKeys),
      z.extend(entryShape(), { command: z.string().check(z.minLength(1)) }),
    ),
    z.transform((e): AgentConfig => mergeAgentConfig(baseConfigFor(e), e)),
  ),
);

/** Defaults for an agent we know nothing about: run it, prompt as an argument, wait 5 s. */
function genericConfig(command: string, provider?: string): AgentConfig {
  return preset({ provider: provider ?? basename(command), command, process_names: [basename(command)] });
}

/**
 * The preset a custom entry builds on: the built-in named by its `provider`, else the first
 * built-in with the same command (so `fast = claude --model haiku` keeps Claude's hooks and
 * readiness), else generic defaults.
 */
export function baseConfigFor(e: AgentEntry): AgentConfig {
  const byProvider = e.provider && isBuiltinAgent(e.provider) ? BUILTIN_PRESETS[e.provider] : undefined;
  const cmd = e.command ? basename(e.command) : undefined;
  const byCommand = Object.values(BUILTIN_PRESETS).find((p) => p.command === cmd && p.command !== "gt");
  const base = byProvider ?? byCommand;
  if (base) return structuredClone(base) as AgentConfig;
  return genericConfig(e.command ?? "", e.provider);
}

/** Known keys only: what a user entry contributes (its unknown keys stay in the file). */
function knownFields(e: AgentEntry): Partial<AgentConfig> {
  const out: Raw = {};
  for (const k of Object.keys(entryShape().shape)) if (e[k] !== undefined) out[k] = e[k];
  return out as Partial<AgentConfig>;
}

/**
 * A user entry over a base: fields given replace the base's, except `env` (variables are
 * added) and `hooks` (kept when the provider stays the same).
 */
export function mergeAgentConfig(base: AgentConfig, entry: AgentEntry): AgentConfig {
  const e = knownFields(entry);
  const hooksProvider = e.hooks?.provider ?? base.hooks.provider;
  const hooks: AgentHooks = e.hooks
    ? { ...(hooksProvider === base.hooks.provider ? base.hooks : {}), ...e.hooks, provider: hooksProvider }
    : base.hooks;
  return { ...base, ...e, env: { ...base.env, ...e.env }, hooks };
}
