// The town's hook registry (<town>/hooks/registry.toml, as Gas Town keeps it): named hook
// definitions — event, matchers, command, the roles they suit — that `gt hooks install`
// adds to a role's override layer (GT_HOME/.gt/hooks-overrides/<role>.json, or
// <rig>__<role>.json), from which `gt hooks sync` writes the agents' settings.
import { existsSync, readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { NotFoundError, ValidationError } from "../errors.ts";
import { z } from "../schema.ts";
import { ConfigFileError, writeJsonFile } from "../town/json-file.ts";
import { ROLES, type RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";
import { type HookSet, hookLayerFiles, mergeHookSets } from "./hooks.ts";

const definitionSchema = z.looseObject({
  description: z._default(z.string(), ""),
  event: z.string().check(z.minLength(1)),
  matchers: z._default(z.array(z.string()), [""]),
  command: z.string().check(z.minLength(1)),
  roles: z._default(z.array(z.string()), []),
  enabled: z._default(z.boolean(), true),
});
const registrySchema = z.looseObject({ hooks: z._default(z.record(z.string(), definitionSchema), {}) });
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
