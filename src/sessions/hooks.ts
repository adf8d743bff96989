// The domain of `gt hooks sync`: write each role's agent-CLI hook settings into the shared
// parent directory its sessions use (mayor/, deacon/, <rig>/witness, <rig>/refinery,
// <rig>/polecats, <rig>/crew), so `gt prime --hook` and `gt mail check --inject` run on their own.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { gtExecutable } from "../package-paths.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import { settingsDirOf } from "../town/identity.ts";
import { parseJson } from "../town/json-file.ts";
import { ROLES, type RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";

const hookCommandSchema = z.looseObject({ type: z.string().default("command"), command: z.string() });
const matcherEntrySchema = z.looseObject({
  matcher: z.string().default(""),
  hooks: z.array(hookCommandSchema),
});
const hookSetSchema = z.record(z.string(), z.array(matcherEntrySchema));
/** A base/override file: either `{"hooks": {...}}` (a settings.json shape) or the events map itself. */
const hookFileSchema = z.union([z.looseObject({ hooks: hookSetSchema }), hookSetSchema]);

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
  /** Where GT_HOME (base and override files) is read from; default process.env. */
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

function syncTarget(town: Town, t: HookTarget, opts: EnsureHooksOptions, out: HookSyncResult): void {
  if (t.rig && !existsSync(town.rigDir(t.rig))) {
    out.skipped.push({ target: t.label, reason: `rig directory ${town.rigDir(t.rig)} does not exist` });
    return;
  }
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
    out.skipped.push({ target: t.label, reason: (e as Error).message });
    return;
  }
  const hooks = mergedHooks(t, opts.env ?? process.env);
  const file = writerFor(agent.provider);
  if (!file) {
    out.skipped.push({
      target: t.label,
      reason: `agent ${agent.name} has no hook support; context comes from its startup prompt`,
    });
    return;
  }
  const path = join(t.dir, file.path);
  const text = file.render(path, hooks);
  if (typeof text !== "string") {
    out.skipped.push({ target: t.label, reason: text.error });
    return;
  }
  if (writeIfChanged(path, text)) out.written.push(path);
  else out.unchanged.push(path);
}

// ---------------------------------------------------------------------------------------
// The hook set: built-in defaults, then the user's base and override files

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.:@%+=,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

function command(...cmds: string[]): MatcherEntry[] {
  return [{ matcher: "", hooks: cmds.map((c) => ({ type: "command", command: c })) }];
}

/** What every role gets without any user files. */
export function defaultHooks(role: RoleName): HookSet {
  const gt = shellQuote(gtExecutable());
  const prime = `${gt} prime --hook`;
  const mail = `${gt} mail check --inject`;
  // Autonomous roles read their mail as soon as they start; interactive ones at each prompt.
  // The turn hooks keep the idle marker nudges trust before the screen (turn-state.ts).
  return {
    SessionStart: command(ROLES[role].autonomous ? `${prime} && ${mail}` : prime),
    PreCompact: command(prime),
    UserPromptSubmit: command(`${gt} hooks turn busy`, mail),
    Stop: command(`${gt} hooks turn idle`),
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
  render(path: string, hooks: HookSet): string | { error: string };
}

function writerFor(provider: string): HookFileWriter | undefined {
  if (provider === "claude") return { path: join(".claude", "settings.json"), render: renderClaude };
  if (provider === "copilot")
    return { path: join(".github", "hooks", "gastown.json"), render: renderCopilot };
  return undefined;
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

/** Writes through a temp file and a rename when the text differs; true if it wrote. */
function writeIfChanged(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}
