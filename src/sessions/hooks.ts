// The domain of `gt hooks sync`: write each role's agent-CLI hook settings into the shared
// parent directory its sessions use (mayor/, deacon/, <rig>/witness, <rig>/refinery,
// <rig>/polecats, <rig>/crew), so `gt prime --hook` and `gt mail check --inject` run on their own.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { gtExecutable } from "../package-paths.ts";
import * as z from "../schema.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import { settingsDirOf } from "../town/identity.ts";
import { parseJson } from "../town/json-file.ts";
import { ROLES, type RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";

const hookCommandSchema = z.lazy(() =>
  z.looseObject({ type: z._default(z.string(), "command"), command: z.string() }),
);
const matcherEntrySchema = z.lazy(() =>
  z.looseObject({
    matcher: z._default(z.string(), ""),
    hooks: z.array(hookCommandSchema),
  }),
);
const hookSetSchema = z.lazy(() => z.record(z.string(), z.array(matcherEntrySchema)));
/** A base/override file: either `{"hooks": {...}}` (a settings.json shape) or the events map itself. */
const hookFileSchema = z.lazy(() => z.union([z.looseObject({ hooks: hookSetSchema }), hookSetSchema]));

export type HookCommand = z.output<typeof hookCommandSchema>;
export type MatcherEntry = z.output<typeof matcherEntrySchema>;
/** Claude's `hooks` object: event name → matcher entries. */
export type HookSet = Record<string, MatcherEntry[]>;

export interface HookSyncResult {
  written: string[];
  unchanged: string[];
  skipped: Array<{ target: string; reason: string }>;
}

export interface HookSyncOptions {
  /**
   * Where GT_HOME (base and override files) is read from, and the agent's own home (Gemini
   * CLI's GEMINI_CLI_HOME, whose settings gt's copy carries); default process.env.
   */
  env?: NodeJS.ProcessEnv;
}

export interface EnsureHooksOptions extends HookSyncOptions {
  /** `--agent`: the agent this session will actually run, when not the role's default. */
  agent?: string;
  crewName?: string;
}

/** One settings directory and the role whose sessions use it. */
interface HookTarget {
  role: RoleName;
  rig?: string;
  label: string;
  dir: string;
}

/** Every managed settings directory in the town: town roles, then each rig's. */
export async function syncHooks(town: Town, opts: HookSyncOptions = {}): Promise<HookSyncResult> {
  const result: HookSyncResult = { written: [], unchanged: [], skipped: [] };
  const roles: RoleName[] = ["witness", "refinery", "polecat", "crew"];
  const targets = [targetOf(town, "mayor"), targetOf(town, "deacon")];
  for (const rig of town.rigNames()) targets.push(...roles.map((r) => targetOf(town, r, rig)));
  for (const t of targets) syncTarget(town, t, opts, result);
  return result;
}

/** Syncs the one settings directory a role's session uses (called before starting it). */
export async function ensureRoleHooks(
  town: Town,
  role: RoleName,
  rig?: string,
  opts: EnsureHooksOptions = {},
): Promise<HookSyncResult> {
  const result: HookSyncResult = { written: [], unchanged: [], skipped: [] };
  syncTarget(town, targetOf(town, role, rig), opts, result);
  return result;
}

function targetOf(town: Town, role: RoleName, rig?: string): HookTarget {
  // Settings dirs never depend on a polecat's or crew member's name: they are shared.
  const dir = settingsDirOf(town.root, { role, ...(rig ? { rig } : {}) });
  const tail = ROLES[role].settingsDir.split("/").at(-1) ?? role;
  return { role, ...(rig ? { rig } : {}), label: rig ? `${rig}/${tail}` : role, dir };
}

/** What one target's settings file should hold, or why it is skipped. */
function renderTarget(
  town: Town,
  t: HookTarget,
  opts: EnsureHooksOptions,
):
  | { skip: string }
  | { agent: string; path: string; text: string; beside?: (dir: string, env: NodeJS.ProcessEnv) => void } {
  if (t.rig && !existsSync(town.rigDir(t.rig)))
    return { skip: `rig directory ${town.rigDir(t.rig)} does not exist` };
  let agent: { name: string; provider: string };
  try {
    const r = resolveAgent({
      townRoot: town.root,
      ...(t.rig ? { rigDir: town.rigDir(t.rig) } : {}),
      role: t.role,
      ...(opts.crewName ? { crewName: opts.crewName } : {}),
      ...(opts.agent ? { override: opts.agent } : {}),
    });
    agent = { name: r.name, provider: r.config.hooks.provider };
  } catch (e) {
    return { skip: (e as Error).message };
  }
  const env = opts.env ?? process.env;
  const hooks = mergedHooks(t, env);
  const file = writerFor(agent.provider);
  if (!file)
    return { skip: `agent ${agent.name} has no hook support; context comes from its startup prompt` };
  const path = join(t.dir, file.path);
  const text = file.render(path, hooks, env);
  if (typeof text !== "string") return { skip: text.error };
  return { agent: agent.name, path, text, ...(file.beside ? { beside: file.beside } : {}) };
}

function syncTarget(town: Town, t: HookTarget, opts: EnsureHooksOptions, out: HookSyncResult): void {
  const r = renderTarget(town, t, opts);
  if ("skip" in r) {
    out.skipped.push({ target: t.label, reason: r.skip });
    return;
  }
  if (writeIfChanged(r.path, r.text)) out.written.push(r.path);
  else out.unchanged.push(r.path);
  r.beside?.(dirname(r.path), opts.env ?? process.env);
}

export interface HookPlan {
  target: string;
  role: RoleName;
  rig: string | null;
  agent: string | null;
  path: string | null;
  /** up-to-date: the file holds what sync writes; stale: it differs; missing: no file; skipped. */
  status: "up-to-date" | "stale" | "missing" | "skipped";
  reason?: string;
  /** What sync would write (diff). */
  wanted?: string;
  current?: string;
}

/** Every managed settings file and how it stands against what `gt hooks sync` would write; writes nothing. */
export function planHooks(town: Town, opts: HookSyncOptions = {}): HookPlan[] {
  const roles: RoleName[] = ["witness", "refinery", "polecat", "crew"];
  const targets = [targetOf(town, "mayor"), targetOf(town, "deacon")];
  for (const rig of town.rigNames()) targets.push(...roles.map((r) => targetOf(town, r, rig)));
  return targets.map((t): HookPlan => {
    const base = { target: t.label, role: t.role, rig: t.rig ?? null };
    const r = renderTarget(town, t, opts);
    if ("skip" in r) return { ...base, agent: null, path: null, status: "skipped", reason: r.skip };
    const current = existsSync(r.path) ? readFileSync(r.path, "utf8") : undefined;
    const status = current === undefined ? "missing" : current === r.text ? "up-to-date" : "stale";
    return {
      ...base,
      agent: r.agent,
      path: r.path,
      status,
      wanted: r.text,
      ...(current !== undefined ? { current } : {}),
    };
  });
}

/** A line diff (what is only in `a` with -, only in `b` with +), enough to see what sync changes. */
export function lineDiff(a: string, b: string): string[] {
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${y[j++]}`);
    else out.push(`- ${x[i++]}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The hook set: built-in defaults, then the user's base and override files

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.:@%+=,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

function command(...cmds: string[]): MatcherEntry[] {
  return [{ matcher: "", hooks: cmds.map((c) => ({ type: "command", command: c })) }];
}

/**
 * The shell tool's name as hook matchers see it: Claude Code's Bash, and Codex calls its shell
 * tool the same in hook input. Gemini CLI's name is mapped where its file is written.
 */
export const SHELL_TOOL = "Bash";

/**
 * Runs `cmd` after the hook has returned, with the hook's stdin (a background command's
 * default stdin is /dev/null) and none of its output, so the agent does not wait for it.
 */
export function inBackground(cmd: string): string {
  return `{ ${cmd} <&3 >/dev/null 2>&1 & } 3<&0`;
}

/** What every role gets without any user files. */
export function defaultHooks(role: RoleName): HookSet {
  const gt = shellQuote(gtExecutable());
  const prime = `${gt} prime --hook`;
  const mail = `${gt} mail check --inject`;
  const guard = (name: string): HookCommand => ({ type: "command", command: `${gt} tap guard ${name}` });
  // Autonomous roles read their mail as soon as they start; interactive ones at each prompt.
  // The turn hooks keep the idle marker nudges trust before the screen (turn-state.ts).
  return {
    // Gas Town's guards, for every role. Agent CLIs match a hook on the tool's name only
    // (Claude Code: exact, or a regex), so Gas Town's `Bash(git push --force*)` matchers
    // never fire there: the guards run on each shell call and judge the command themselves.
    PreToolUse: [{ matcher: SHELL_TOOL, hooks: [guard("pr-workflow"), guard("dangerous-command")] }],
    SessionStart: command(ROLES[role].autonomous ? `${prime} && ${mail}` : prime),
    PreCompact: command(prime),
    UserPromptSubmit: command(`${gt} hooks turn busy`, mail),
    // The cost log reads the whole transcript: in the background, so the turn ends at once.
    Stop: command(`${gt} hooks turn idle`, inBackground(`${gt} costs record`)),
  };
}

function gtHome(env: NodeJS.ProcessEnv): string {
  return env.GT_HOME || homedir();
}

/** The files layered over the defaults for a target, lowest priority first. */
export function hookLayerFiles(role: RoleName, rig: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const base = join(gtHome(env), ".gt");
  const files = [join(base, "hooks-base.json"), join(base, "hooks-overrides", `${role}.json`)];
  if (rig) files.push(join(base, "hooks-overrides", `${rig}__${role}.json`));
  return files;
}

function readHookFile(file: string): HookSet | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = parseJson(file, readFileSync(file, "utf8"), hookFileSchema);
  const set = "hooks" in parsed && !Array.isArray(parsed.hooks) ? parsed.hooks : parsed;
  return set as HookSet;
}

function mergedHooks(t: HookTarget, env: NodeJS.ProcessEnv): HookSet {
  let hooks = defaultHooks(t.role);
  for (const file of hookLayerFiles(t.role, t.rig, env)) {
    const layer = readHookFile(file);
    if (layer) hooks = mergeHookSets(hooks, layer);
  }
  return hooks;
}

/**
 * Lays `over` on `base`, per event: an entry replaces the base entry with the same matcher,
 * new matchers are appended, an entry with no hooks removes its matcher, and an empty list
 * removes the whole event.
 */
export function mergeHookSets(base: HookSet, over: HookSet): HookSet {
  const out: HookSet = structuredClone(base);
  for (const [event, entries] of Object.entries(over)) {
    if (entries.length === 0) {
      delete out[event];
      continue;
    }
    const merged = [...(out[event] ?? [])];
    for (const entry of entries) {
      const at = merged.findIndex((m) => m.matcher === entry.matcher);
      if (entry.hooks.length === 0) {
        if (at >= 0) merged.splice(at, 1);
      } else if (at >= 0) merged[at] = structuredClone(entry);
      else merged.push(structuredClone(entry));
    }
    if (merged.length) out[event] = merged;
    else delete out[event];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Provider file formats

interface HookFileWriter {
  /** Relative to the settings dir. */
  path: string;
  /** The full file text, or why it cannot be written. */
  render(path: string, hooks: HookSet, env: NodeJS.ProcessEnv): string | { error: string };
  /** What else the file's directory needs (Gemini: links to the user's own files). */
  beside?(dir: string, env: NodeJS.ProcessEnv): void;
}

function writerFor(provider: string): HookFileWriter | undefined {
  if (provider === "claude") return { path: join(".claude", "settings.json"), render: renderClaude };
  if (provider === "copilot")
    return { path: join(".github", "hooks", "gastown.json"), render: renderCopilot };
  if (provider === "codex") return { path: join(".codex", "hooks.json"), render: renderCodex };
  if (provider === "gemini")
    return { path: join(".gemini", "settings.json"), render: renderGemini, beside: linkGeminiHome };
  return undefined;
}

/**
 * How a session starts with its role's hooks, by hook provider: the arguments and
 * environment that make the agent read the file `gt hooks sync` wrote in `settingsDir`.
 * Claude: `--settings <file>`. Codex: the hooks inline as a `-c hooks=…` config override
 * (the user's CODEX_HOME is left as it is, and its own hooks still run beside them), with
 * --dangerously-bypass-hook-trust, since gt wrote these hooks itself. Gemini CLI: its home
 * is the settings dir, whose .gemini/settings.json is the user's own settings plus gt's hooks.
 */
export function hookLaunch(
  provider: string,
  settingsDir: string,
  env: NodeJS.ProcessEnv,
): { args: string[]; env: Record<string, string> } {
  if (provider === "claude")
    return { args: ["--settings", join(settingsDir, ".claude", "settings.json")], env: {} };
  if (provider === "codex") {
    const file = join(settingsDir, ".codex", "hooks.json");
    if (!existsSync(file)) return { args: [], env: {} };
    const hooks = (JSON.parse(readFileSync(file, "utf8")) as { hooks?: unknown }).hooks ?? {};
    return { args: ["--dangerously-bypass-hook-trust", "-c", `hooks=${tomlInline(hooks)}`], env: {} };
  }
  if (provider === "gemini" && existsSync(join(settingsDir, ".gemini", "settings.json")))
    return { args: [], env: { GEMINI_CLI_HOME: settingsDir, [USER_GEMINI_HOME]: userGeminiHome(env) } };
  return { args: [], env: {} };
}

/** A JSON value as one line of TOML (an inline table for objects), for a `-c key=value` override. */
export function tomlInline(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlInline).join(",")}]`;
  if (v && typeof v === "object") {
    const key = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined && x !== null)
      .map(([k, x]) => `${key(k)}=${tomlInline(x)}`)
      .join(",")}}`;
  }
  throw new Error(`no TOML for ${String(v)}`);
}

/** Claude's settings.json: our `hooks` replaces theirs; every other key is left as it was. */
function renderClaude(path: string, hooks: HookSet): string | { error: string } {
  let existing: Record<string, unknown> = {};
  if (existsSync(path)) {
    try {
      const v: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
      existing = v as Record<string, unknown>;
    } catch (e) {
      // Never overwrite a file someone broke by hand: they may lose their own settings.
      return { error: `${path} is not a valid settings file (${(e as Error).message}); fix or remove it` };
    }
  }
  return `${JSON.stringify({ ...existing, hooks }, null, 2)}\n`;
}

/**
 * Claude event → Copilot event. Only events that carry no matcher map cleanly: a tool guard
 * would lose its matcher and fire on every tool call, so the rest are left out.
 */
const COPILOT_EVENTS: Record<string, string> = {
  SessionStart: "sessionStart",
  UserPromptSubmit: "userPromptSubmitted",
};

/** Copilot's `.github/hooks/gastown.json`: the file is wholly ours. */
function renderCopilot(_path: string, hooks: HookSet): string {
  const out: Record<string, Array<{ type: "command"; bash: string }>> = {};
  for (const [event, entries] of Object.entries(hooks)) {
    const name = COPILOT_EVENTS[event];
    if (!name) continue;
    const cmds = entries.flatMap((e) => e.hooks.map((h) => ({ type: "command" as const, bash: h.command })));
    if (cmds.length) out[name] = [...(out[name] ?? []), ...cmds];
  }
  return `${JSON.stringify({ version: 1, hooks: out }, null, 2)}\n`;
}

/**
 * Codex's hooks.json (Claude's shape; no matcher where ours is empty): the file is wholly
 * ours. Codex hands its shell calls to PreToolUse as tool "Bash" with {command}, so the
 * guards' matcher and input carry over as they are.
 */
function renderCodex(_path: string, hooks: HookSet): string {
  const out: Record<string, Array<{ matcher?: string; hooks: HookCommand[] }>> = {};
  for (const [event, entries] of Object.entries(hooks))
    out[event] = entries.map((e) => ({
      ...(e.matcher ? { matcher: e.matcher } : {}),
      hooks: e.hooks.map((h) => ({ type: h.type, command: h.command })),
    }));
  return `${JSON.stringify({ hooks: out }, null, 2)}\n`;
}

/**
 * Claude event → Gemini CLI event. Not PreCompact: Gemini fires PreCompress before it checks,
 * every turn, whether the chat needs compressing at all, and does not hand its output on.
 */
const GEMINI_EVENTS: Record<string, string> = {
  SessionStart: "SessionStart",
  UserPromptSubmit: "BeforeAgent",
  PreToolUse: "BeforeTool",
  Stop: "AfterAgent",
};

/** Claude tool name → Gemini CLI's (a BeforeTool matcher is a regex on Gemini's names). */
const GEMINI_TOOLS: Record<string, string> = { [SHELL_TOOL]: "run_shell_command" };

/** What Gemini's status line shows while a hook runs: the command without gt's path or plumbing. */
function geminiHookName(command: string, gt: string): string {
  const bg = /^\{ (.*) <&3 >\/dev\/null 2>&1 & \} 3<&0$/.exec(command);
  return (bg ? `${bg[1]} &` : command).replaceAll(gt, "gt");
}

/** Gemini events whose hook output is meant for the model. */
const GEMINI_CONTEXT_EVENTS = new Set(["SessionStart", "BeforeAgent"]);

/**
 * Where a Gemini session's own home was before gt pointed GEMINI_CLI_HOME at its copy, so a
 * gt run inside the session (a handoff) still finds the user's settings.
 */
const USER_GEMINI_HOME = "GT_USER_GEMINI_CLI_HOME";

/** The Gemini CLI home a session would have without gt: GEMINI_CLI_HOME, else the user's home. */
function userGeminiHome(env: NodeJS.ProcessEnv): string {
  return env[USER_GEMINI_HOME] || env.GEMINI_CLI_HOME || homedir();
}

function userGeminiDir(env: NodeJS.ProcessEnv): string {
  return join(userGeminiHome(env), ".gemini");
}

/**
 * Gemini CLI's settings for a role: the user's own settings.json (from their Gemini home)
 * with gt's hooks added to theirs, event by event. Gemini hands a hook's plain output to
 * the model only as JSON (`hookSpecificOutput.additionalContext`), so each command whose
 * output is context is piped through `gt hooks context <event>`.
 */
function renderGemini(path: string, hooks: HookSet, env: NodeJS.ProcessEnv): string | { error: string } {
  const own = join(userGeminiDir(env), "settings.json");
  let user: Record<string, unknown> = {};
  if (own !== path && existsSync(own)) {
    try {
      const v: unknown = JSON.parse(readFileSync(own, "utf8"));
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
      user = v as Record<string, unknown>;
    } catch (e) {
      return { error: `${own} is not a valid settings file (${(e as Error).message}); fix or remove it` };
    }
  }
  const gt = shellQuote(gtExecutable());
  const merged: Record<string, unknown[]> = {};
  const theirs = (user.hooks ?? {}) as Record<string, unknown>;
  for (const [event, list] of Object.entries(theirs)) if (Array.isArray(list)) merged[event] = [...list];
  for (const [event, entries] of Object.entries(hooks)) {
    const name = GEMINI_EVENTS[event];
    if (!name) continue;
    const context = GEMINI_CONTEXT_EVENTS.has(name);
    for (const e of entries)
      merged[name] = [
        ...(merged[name] ?? []),
        {
          ...(e.matcher ? { matcher: GEMINI_TOOLS[e.matcher] ?? e.matcher } : {}),
          hooks: e.hooks.map((h) => ({
            type: "command",
            // What its status line shows while the hook runs ("Executing Hook: <name>"): a
            // short name keeps the busy marker after it on the screen.
            name: geminiHookName(h.command, gt),
            command: context ? `{ ${h.command}; } | ${gt} hooks context ${name}` : h.command,
          })),
        },
      ];
  }
  return `${JSON.stringify({ ...user, hooks: merged }, null, 2)}\n`;
}

/**
 * The rest of the role's Gemini home: a link to each of the user's own files (sign-in,
 * trusted folders, transcripts, memory, extensions) that the copy does not have, so the
 * agent finds everything but the settings where it would without gt.
 */
function linkGeminiHome(dir: string, env: NodeJS.ProcessEnv): void {
  const own = userGeminiDir(env);
  if (resolve(own) === resolve(dir) || !existsSync(own)) return;
  for (const name of readdirSync(own)) {
    if (name === "settings.json" || name.startsWith("settings.json.")) continue;
    const at = join(dir, name);
    const target = join(own, name);
    let current: string | undefined;
    try {
      const st = lstatSync(at);
      if (!st.isSymbolicLink()) continue; // the agent's own file in gt's copy: kept
      current = readlinkSync(at);
    } catch {
      // nothing there yet
    }
    if (current === target) continue;
    try {
      if (current !== undefined) rmSync(at, { force: true });
      symlinkSync(target, at);
    } catch {
      // another session's start linked it at the same moment
    }
  }
}

/** Writes through a temp file and a rename when the text differs; true if it wrote. */
function writeIfChanged(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}
