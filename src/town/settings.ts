// Town and rig behaviour settings (`settings/config.json`) and the agent registries
// (`settings/agents.json`). We validate the keys we model and keep every other key, so a
// file written by Go Gas Town loads here and survives a save.
import { join } from "node:path";
import { z } from "zod";
import { agentEntrySchema } from "./agent-presets.ts";
import { readJsonFile, writeJsonFile } from "./json-file.ts";

/** Roles an agent can be chosen for (`role_agents` keys). */
export const AGENT_ROLES = [
  "mayor",
  "deacon",
  "witness",
  "refinery",
  "polecat",
  "crew",
  "boot",
  "dog",
] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

const agentsMap = z.record(z.string(), agentEntrySchema);

const roleAgents = z.record(z.string(), z.string()).superRefine((map, ctx) => {
  for (const role of Object.keys(map)) {
    if ((AGENT_ROLES as readonly string[]).includes(role)) continue;
    ctx.addIssue({
      code: "custom",
      path: [role],
      message: `unknown role "${role}" (roles: ${AGENT_ROLES.join(", ")})`,
    });
  }
});

export const townSettingsSchema = z.looseObject({
  type: z.literal("town-settings").default("town-settings"),
  version: z.number().int().positive().default(1),
  default_agent: z.string().optional(),
  agents: agentsMap.optional(),
  role_agents: roleAgents.optional(),
  crew_agents: z.record(z.string(), z.string()).optional(),
  runtime_provider: z.enum(["tmux", "subprocess"]).optional(),
  agent_email_domain: z.string().optional(),
});
export type TownSettings = z.output<typeof townSettingsSchema>;

export const rigSettingsSchema = z.looseObject({
  type: z.literal("rig-settings").default("rig-settings"),
  version: z.number().int().positive().default(1),
  agent: z.string().optional(),
  agents: agentsMap.optional(),
  role_agents: roleAgents.optional(),
  worker_agents: z.record(z.string(), z.string()).optional(),
  namepool: z
    .looseObject({
      style: z.string().optional(),
      names: z.array(z.string()).optional(),
      max_before_numbering: z.number().int().positive().optional(),
    })
    .optional(),
  merge_queue: z.looseObject({}).optional(),
});
export type RigSettings = z.output<typeof rigSettingsSchema>;

export const agentRegistrySchema = z.looseObject({
  version: z.number().int().positive().default(1),
  agents: agentsMap.default({}),
});
export type AgentRegistry = z.output<typeof agentRegistrySchema>;

/** `<dir>/settings/config.json` for a town root or a rig dir. */
export function settingsFile(dir: string): string {
  return join(dir, "settings", "config.json");
}

/** `<dir>/settings/agents.json` for a town root or a rig dir. */
export function agentRegistryFile(dir: string): string {
  return join(dir, "settings", "agents.json");
}

export function loadTownSettings(townRoot: string): TownSettings {
  return readJsonFile(settingsFile(townRoot), townSettingsSchema, () => ({
    type: "town-settings" as const,
    version: 1,
  }));
}

export function saveTownSettings(townRoot: string, s: TownSettings): void {
  writeJsonFile(settingsFile(townRoot), s);
}

export function loadRigSettings(rigDir: string): RigSettings {
  return readJsonFile(settingsFile(rigDir), rigSettingsSchema, () => ({
    type: "rig-settings" as const,
    version: 1,
  }));
}

export function saveRigSettings(rigDir: string, s: RigSettings): void {
  writeJsonFile(settingsFile(rigDir), s);
}

/** The agents.json registry of a town root or rig dir; an empty registry when there is none. */
export function loadAgentRegistry(dir: string): AgentRegistry {
  return readJsonFile(agentRegistryFile(dir), agentRegistrySchema, () => ({ version: 1, agents: {} }));
}
