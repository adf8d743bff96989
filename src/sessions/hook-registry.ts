// The town's hook registry (<town>/hooks/registry.toml, as Gas Town keeps it): named hook
// definitions — event, matchers, command, the roles they suit — that `gt hooks install`
// adds to a role's override layer (GT_HOME/.gt/hooks-overrides/<role>.json, or
// <rig>__<role>.json), from which `gt hooks sync` writes the agents' settings.
import { existsSync, readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { NotFoundError, ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { ConfigFileError, writeJsonFile } from "../town/json-file.ts";
import { ROLES, type RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";
import { type HookSet, hookLayerFiles, mergeHookSets, planHooks } from "./hooks.ts";

const definitionSchema = z.lazy(() =>
  z.looseObject({
    description: z._default(z.string(), ""),
    event: z.string().check(z.minLength(1)),
    matchers: z._default(z.array(z.string()), [""]),
    command: z.string().check(z.minLength(1)),
    roles: z._default(z.array(z.string()), []),
    enabled: z._default(z.boolean(), true),
  }),
);
const registrySchema = z.lazy(() =>
  z.looseObject({ hooks: z._default(z.record(z.string(), definitionSchema), {}) }),
);
export type HookDefinition = z.output<typeof definitionSchema>;

export function registryFile(town: Town): string {
  return town.path("hooks", "registry.toml");
}

export function loadRegistry(town: Town): Record<string, HookDefinition> {
  const file = registryFile(town);
  if (!existsSync(file)) throw new NotFoundError(file, `no hook registry at ${file}`);
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigFileError(file, `not valid TOML (${(e as Error).message.split("\n")[0]})`);
  }
  const r = registrySchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigFileError(file, `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  return r.data.hooks;
}

export interface InstallResult {
  hook: string;
  role: RoleName;
  rig: string | null;
  file: string;
  event: string;
  matchers: string[];
  dry_run: boolean;
}

/** Adds a registry hook to a role's override layer (checked first; `dryRun` writes nothing). */
export function installHook(
  town: Town,
  name: string,
  opts: { role: string; rig?: string; force?: boolean; dryRun?: boolean; env?: NodeJS.ProcessEnv },
): InstallResult {
  const registry = loadRegistry(town);
  const def = registry[name];
  if (!def)
    throw new NotFoundError(
      name,
      `no hook "${name}" in the registry (${Object.keys(registry).sort().join(", ") || "it is empty"})`,
    );
  if (!def.enabled && !opts.force)
    throw new ValidationError(`hook "${name}" is disabled in the registry (--force to install it)`);
  if (!Object.hasOwn(ROLES, opts.role)) throw new ValidationError(`unknown role "${opts.role}"`);
  const role = opts.role as RoleName;
  if (def.roles.length && !def.roles.includes(role) && !opts.force)
    throw new ValidationError(
      `hook "${name}" is for ${def.roles.join(", ")}, not ${role} (--force to install it)`,
    );
  if (opts.rig) town.rig(opts.rig);
  const files = hookLayerFiles(role, opts.rig, opts.env ?? process.env);
  const file = files[files.length - 1]!;
  const entry: HookSet = {
    [def.event]: def.matchers.map((matcher) => ({
      matcher,
      hooks: [{ type: "command", command: def.command }],
    })),
  };
  const result = {
    hook: name,
    role,
    rig: opts.rig ?? null,
    file,
    event: def.event,
    matchers: def.matchers,
    dry_run: opts.dryRun === true,
  };
  if (opts.dryRun) return result;
  let current: HookSet = {};
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { hooks?: HookSet } & HookSet;
    current = (parsed.hooks && !Array.isArray(parsed.hooks) ? parsed.hooks : parsed) as HookSet;
  }
  writeJsonFile(file, { hooks: mergeHookSets(current, entry) });
  return result;
}

/** The layer file `gt hooks base` (no target) or `gt hooks override <target>` edits. */
export function layerFile(town: Town, target: string | undefined, env: NodeJS.ProcessEnv): string {
  if (target === undefined) return hookLayerFiles("crew", undefined, env)[0]!;
  const parts = target.replace(/\/$/, "").split("/");
  const roleWord = parts[parts.length - 1]!;
  const role = roleWord === "polecats" ? "polecat" : roleWord;
  if (!Object.hasOwn(ROLES, role) || parts.length > 2)
    throw new ValidationError(
      `invalid target "${target}" (a role: crew, polecats, witness, refinery, mayor, deacon; or <rig>/<role>)`,
    );
  const rig = parts.length === 2 ? parts[0] : undefined;
  if (rig) town.rig(rig);
  const files = hookLayerFiles(role as RoleName, rig, env);
  return files[files.length - 1]!;
}

/** Checks a layer file after an edit: valid JSON of the hooks shape, or one error naming it. */
export function checkLayerFile(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const events = z.record(
    z.string(),
    z.array(z.looseObject({ hooks: z.array(z.looseObject({ command: z.string() })) })),
  );
  const ok = z.union([z.looseObject({ hooks: events }), events]).safeParse(raw);
  if (!ok.success)
    throw new ConfigFileError(
      file,
      `not a hooks file: ${ok.error.issues[0]!.path.join(".") || "(top level)"}: ${ok.error.issues[0]!.message}`,
    );
}

export interface ScannedHooks {
  target: string;
  path: string;
  events: Record<string, string[]>;
}

/** The hooks each managed settings file holds now, by event. */
export function scanHooks(town: Town, env: NodeJS.ProcessEnv): ScannedHooks[] {
  const out: ScannedHooks[] = [];
  for (const p of planHooks(town, { env })) {
    if (!p.path || p.current === undefined) continue;
    let hooks: HookSet = {};
    try {
      hooks = ((JSON.parse(p.current) as { hooks?: HookSet }).hooks ?? {}) as HookSet;
    } catch {
      // a file that is not JSON holds no hooks we can read
    }
    const events: Record<string, string[]> = {};
    for (const [event, entries] of Object.entries(hooks))
      events[event] = entries.flatMap((e) =>
        e.hooks.map((h) => (e.matcher ? `[${e.matcher}] ${h.command}` : h.command)),
      );
    out.push({ target: p.target, path: p.path, events });
  }
  return out;
}
