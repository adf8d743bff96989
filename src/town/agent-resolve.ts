// Which agent a role runs, and what that agent is. The name comes from the first rung of
// the spec's ladder that names one (flag > crew overrides > role overrides > rig agent >
// town default > claude); the definition from rig, then town, then the built-in presets.
import { NotFoundError } from "../errors.ts";
import {
  type AgentConfig,
  type AgentEntry,
  BUILTIN_PRESETS,
  baseConfigFor,
  DEFAULT_AGENT,
  isBuiltinAgent,
  mergeAgentConfig,
} from "./agent-presets.ts";
import { ConfigFileError } from "./json-file.ts";
import {
  type AgentRole,
  agentRegistryFile,
  loadAgentRegistry,
  loadRigSettings,
  loadTownSettings,
  type RigSettings,
  settingsFile,
  type TownSettings,
} from "./settings.ts";

export interface ResolveRequest {
  townRoot: string;
  rigDir?: string;
  role: AgentRole;
  /** Crew member name; only consulted when role is "crew". */
  crewName?: string;
  /** `--agent` on the command line. */
  override?: string;
}

/** Where the agent's NAME came from. */
export type NameSource = "flag" | "rig" | "town" | "default";
/** Where the agent's DEFINITION came from. */
export type DefinitionSource = "rig" | "town" | "builtin";

export interface ResolvedAgent {
  name: string;
  config: AgentConfig;
  source: NameSource;
  definedBy: DefinitionSource;
}

export interface ListedAgent {
  name: string;
  command: string;
  args: string[];
  builtin: boolean;
  source: DefinitionSource;
}

type Entries = Record<string, AgentEntry>;

/** A place agents can be defined, highest priority first. */
interface Layer {
  agents: Entries;
  source: DefinitionSource;
  file: string;
}

interface Scope {
  town: TownSettings;
  rig?: RigSettings;
  layers: Layer[];
}

/** Rig settings, rig agents.json, town settings, town agents.json: every file read once. */
function loadScope(townRoot: string, rigDir?: string): Scope {
  const town = loadTownSettings(townRoot);
  const rig = rigDir ? loadRigSettings(rigDir) : undefined;
  const layers: Layer[] = [];
  if (rigDir) {
    layers.push({ agents: rig?.agents ?? {}, source: "rig", file: settingsFile(rigDir) });
    layers.push({ agents: loadAgentRegistry(rigDir).agents, source: "rig", file: agentRegistryFile(rigDir) });
  }
  layers.push({ agents: town.agents ?? {}, source: "town", file: settingsFile(townRoot) });
  layers.push({
    agents: loadAgentRegistry(townRoot).agents,
    source: "town",
    file: agentRegistryFile(townRoot),
  });
  return { town, ...(rig ? { rig } : {}), layers };
}

/** The ladder, highest first; empty strings count as unset. */
function chooseName(s: Scope, req: ResolveRequest): { name: string; source: NameSource } {
  const crew = req.role === "crew" && req.crewName ? req.crewName : undefined;
  const rungs: Array<[string | undefined, NameSource]> = [
    [req.override, "flag"],
    [crew && s.rig?.worker_agents?.[crew], "rig"],
    [crew && s.town.crew_agents?.[crew], "town"],
    [s.rig?.role_agents?.[req.role], "rig"],
    [s.town.role_agents?.[req.role], "town"],
    // A refinery runs the built-in merge queue unless a role agent is set for it.
    [req.role === "refinery" ? "merge-queue" : undefined, "default"],
    [s.rig?.agent, "rig"],
    [s.town.default_agent, "town"],
  ];
  for (const [name, source] of rungs) if (name) return { name, source };
  return { name: DEFAULT_AGENT, source: "default" };
}

function knownNames(s: Scope): string[] {
  const names = new Set(Object.keys(BUILTIN_PRESETS));
  for (const layer of s.layers) for (const n of Object.keys(layer.agents)) names.add(n);
  return [...names].sort();
}

/** The first user entry wins, merged over the built-in of that name (or the preset it builds on). */
function defineAgent(s: Scope, name: string): { config: AgentConfig; definedBy: DefinitionSource } {
  const found = s.layers.find((l) => Object.hasOwn(l.agents, name));
  const entry = found?.agents[name];
  if (isBuiltinAgent(name)) {
    const base = structuredClone(BUILTIN_PRESETS[name]) as AgentConfig;
    if (!found || !entry) return { config: base, definedBy: "builtin" };
    return { config: mergeAgentConfig(base, entry), definedBy: found.source };
  }
  if (!found || !entry) {
    throw new NotFoundError(name, `unknown agent "${name}" (known: ${knownNames(s).join(", ")})`);
  }
  // Only a built-in's name may be given without a command: there is nothing else to run.
  if (!entry.command) throw new ConfigFileError(found.file, `agents.${name}.command: required`);
  return { config: mergeAgentConfig(baseConfigFor(entry), entry), definedBy: found.source };
}

/** The agent a role runs: its name, full definition and where the name came from. */
export function resolveAgent(req: ResolveRequest): ResolvedAgent {
  const scope = loadScope(req.townRoot, req.rigDir);
  const { name, source } = chooseName(scope, req);
  return { name, source, ...defineAgent(scope, name) };
}

/** The full definition of the agent called `name` in this town (and rig). */
export function agentDefinition(townRoot: string, name: string, rigDir?: string): AgentConfig {
  return defineAgent(loadScope(townRoot, rigDir), name).config;
}

/** Names of every agent known in this town (and rig), sorted. */
export function knownAgentNames(townRoot: string, rigDir?: string): string[] {
  return knownNames(loadScope(townRoot, rigDir));
}

/** Every agent known in this town (and rig), sorted by name. */
export function listAgents(townRoot: string, rigDir?: string): ListedAgent[] {
  const scope = loadScope(townRoot, rigDir);
  return knownNames(scope).map((name) => {
    const { config, definedBy } = defineAgent(scope, name);
    return {
      name,
      command: config.command,
      args: config.args,
      builtin: isBuiltinAgent(name),
      source: definedBy,
    };
  });
}
