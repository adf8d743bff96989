// Town and rig behaviour settings (`settings/config.json`) and the agent registries
// (`settings/agents.json`). We validate the keys we model and keep every other key, so a
// file written by Go Gas Town loads here and survives a save.
import { join } from "node:path";
import * as z from "../schema.ts";
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

const agentsMap = z.lazy(() => z.record(z.string(), agentEntrySchema));

const roleAgents = z.lazy(() =>
  z.record(z.string(), z.string()).check(
    z.superRefine((map, ctx) => {
      for (const role of Object.keys(map)) {
        if ((AGENT_ROLES as readonly string[]).includes(role)) continue;
        ctx.addIssue({
          code: "custom",
          path: [role],
          message: `unknown role "${role}" (roles: ${AGENT_ROLES.join(", ")})`,
        });
      }
    }),
  ),
);

export const townSettingsSchema = z.lazy(() =>
  z.looseObject({
    type: z._default(z.literal("town-settings"), "town-settings"),
    version: z._default(z.int().check(z.positive()), 1),
    default_agent: z.optional(z.string()),
    agents: z.optional(agentsMap),
    role_agents: z.optional(roleAgents),
    crew_agents: z.optional(z.record(z.string(), z.string())),
    runtime_provider: z.optional(z.enum(["tmux", "subprocess"])),
    agent_email_domain: z.optional(z.string()),
  }),
);
export type TownSettings = z.output<typeof townSettingsSchema>;

export const rigSettingsSchema = z.lazy(() =>
  z.looseObject({
    type: z._default(z.literal("rig-settings"), "rig-settings"),
    version: z._default(z.int().check(z.positive()), 1),
    agent: z.optional(z.string()),
    agents: z.optional(agentsMap),
    role_agents: z.optional(roleAgents),
    worker_agents: z.optional(z.record(z.string(), z.string())),
    namepool: z.optional(
      z.looseObject({
        style: z.optional(z.string()),
        names: z.optional(z.array(z.string())),
        max_before_numbering: z.optional(z.int().check(z.positive())),
      }),
    ),
    merge_queue: z.optional(z.looseObject({})),
  }),
);
export type RigSettings = z.output<typeof rigSettingsSchema>;

export const agentRegistrySchema = z.lazy(() =>
  z.looseObject({
    version: z._default(z.int().check(z.positive()), 1),
    agents: z._default(agentsMap, {}),
  }),
);
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
