// gt config get/set (dot-notation keys in the town's settings/config.json), the agent email
// domain gt commit uses, and cost tiers: presets that say which model each role runs
// (role_agents pointing at claude-opus / claude-sonnet / claude-haiku agents).
import { ValidationError } from "../errors.ts";
import { agentDefinition } from "./agent-resolve.ts";
import {
  AGENT_ROLES,
  type AgentRole,
  loadTownSettings,
  saveTownSettings,
  type TownSettings,
} from "./settings.ts";

type Kind = "bool" | "int" | "duration" | "string" | { oneOf: readonly string[] };

interface KeyDef {
  kind: Kind;
  description: string;
  default: string;
  /** Extra check of a parsed value (throws a ValidationError); may return it normalised. */
  check?: (value: unknown, townRoot: string) => unknown;
}

export const CONFIG_KEYS: Record<string, KeyDef> = {
  default_agent: {
    kind: "string",
    description: "the agent preset roles run unless told otherwise",
    default: "claude",
    check: (v, root) => {
      agentDefinition(root, String(v));
      return v;
    },
  },
  agent_email_domain: {
    kind: "string",
    description: "domain of agents' commit emails (gt commit)",
    default: "gastown.local",
    check: (v) => checkDomain(String(v)),
  },
  runtime_provider: {
    kind: { oneOf: ["tmux", "subprocess"] },
    description: "where agent sessions run",
    default: "tmux",
  },
  cli_theme: {
    kind: { oneOf: ["dark", "light", "auto"] },
    description: "CLI colour scheme",
    default: "auto",
  },
  "convoy.notify_on_complete": {
    kind: "bool",
    description: "tell the mayor's session when a convoy completes",
    default: "false",
  },
  "scheduler.max_polecats": {
    kind: "int",
    description: "-1: slings dispatch at once; N > 0: at most N polecats working town-wide",
    default: "-1",
    check: (v) => {
      if ((v as number) < -1) throw new ValidationError("scheduler.max_polecats is -1 or more");
    },
  },
  "scheduler.batch_size": {
    kind: "int",
    description: "beads per dispatch pass",
    default: "1",
    check: (v) => {
      if ((v as number) < 1) throw new ValidationError("scheduler.batch_size is 1 or more");
    },
  },
  "scheduler.spawn_delay": { kind: "duration", description: "pause between two dispatches", default: "0s" },
};

export function checkDomain(domain: string): string {
  if (
    !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(domain)
  )
    throw new ValidationError(`invalid domain "${domain}"`);
  return domain.toLowerCase();
}

function keyDef(key: string): KeyDef {
  const def = CONFIG_KEYS[key];
  if (!def) throw new ValidationError(`unknown key "${key}" (keys: ${Object.keys(CONFIG_KEYS).join(", ")})`);
  return def;
}

function parseValue(key: string, def: KeyDef, raw: string): unknown {
  const bad = (what: string) => new ValidationError(`${key} wants ${what}, not "${raw}"`);
  if (def.kind === "bool") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw bad("true or false");
  }
  if (def.kind === "int") {
    if (!/^-?\d+$/.test(raw)) throw bad("a whole number");
    return Number(raw);
  }
  if (def.kind === "duration") {
    if (!/^\d+(\.\d+)?(ms|s|m|h)$/.test(raw)) throw bad("a duration such as 0s, 500ms or 3s");
    return raw;
  }
  if (def.kind === "string") {
    if (!raw.trim()) throw bad("a value");
    return raw.trim();
  }
  if (!def.kind.oneOf.includes(raw)) throw bad(def.kind.oneOf.join(", "));
  return raw;
}

function read(settings: Record<string, unknown>, key: string): unknown {
  let at: unknown = settings;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** A key's value (its default when unset) and whether it was set. */
export function getConfig(townRoot: string, key: string): { key: string; value: string; set: boolean } {
  const def = keyDef(key);
  const v = read(loadTownSettings(townRoot) as Record<string, unknown>, key);
  return { key, value: v === undefined ? def.default : String(v), set: v !== undefined };
}

/** Sets a key after checking its value; nothing is written for a bad one. */
export function setConfig(townRoot: string, key: string, raw: string): { key: string; value: string } {
  const def = keyDef(key);
  const parsed = parseValue(key, def, raw);
  const value = def.check?.(parsed, townRoot) ?? parsed;
  const settings = loadTownSettings(townRoot) as Record<string, unknown>;
  const parts = key.split(".");
  let at = settings;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    at[part] = typeof next === "object" && next !== null ? { ...(next as object) } : {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
  saveTownSettings(townRoot, settings as TownSettings);
  return { key, value: String(value) };
}

// Cost tiers.
export const COST_TIERS = ["standard", "economy", "budget"] as const;
export type CostTier = (typeof COST_TIERS)[number];
const MODELS = { opus: "claude-opus", sonnet: "claude-sonnet", haiku: "claude-haiku" } as const;
type Model = keyof typeof MODELS;

const TIER_TABLE: Record<CostTier, { description: string; roles: Record<AgentRole, Model> }> = {
  standard: {
    description: "every role runs Opus (highest quality)",
    roles: Object.fromEntries(AGENT_ROLES.map((r) => [r, "opus"])) as Record<AgentRole, Model>,
  },
  economy: {
    description: "patrol roles run Sonnet or Haiku; the mayor and workers run Opus",
    roles: {
      mayor: "opus",
      deacon: "sonnet",
      witness: "sonnet",
      refinery: "sonnet",
      polecat: "opus",
      crew: "opus",
      boot: "haiku",
      dog: "haiku",
    },
  },
  budget: {
    description: "patrol roles run Haiku; the mayor and workers run Sonnet",
    roles: {
      mayor: "sonnet",
      deacon: "haiku",
      witness: "haiku",
      refinery: "haiku",
      polecat: "sonnet",
      crew: "sonnet",
      boot: "haiku",
      dog: "haiku",
    },
  },
};

export interface TierView {
  tier: CostTier | "custom";
  description: string;
  role_agents: Record<string, string>;
}

function roleAgentsOf(tier: CostTier): Record<string, string> {
  return Object.fromEntries(Object.entries(TIER_TABLE[tier].roles).map(([r, m]) => [r, MODELS[m]]));
}

/** The tier whose role table the town's role_agents match, else "custom" (or standard when unset). */
export function costTier(townRoot: string): TierView {
  const s = loadTownSettings(townRoot);
  const current = s.role_agents ?? {};
  if (Object.keys(current).length === 0)
    return { tier: "standard", description: "not set: every role runs its default agent", role_agents: {} };
  for (const t of COST_TIERS) {
    const want = roleAgentsOf(t);
    if (
      Object.keys(want).length === Object.keys(current).length &&
      Object.entries(want).every(([r, a]) => current[r] === a)
    )
      return { tier: t, description: TIER_TABLE[t].description, role_agents: current };
  }
  return { tier: "custom", description: "role_agents set by hand", role_agents: current };
}

/**
 * Applies a tier: defines the claude-opus/-sonnet/-haiku agents (claude with --model) where
 * the town has none of that name, and points every role at its model.
 */
export function setCostTier(townRoot: string, tier: string): TierView & { replaced_custom: boolean } {
  if (!(COST_TIERS as readonly string[]).includes(tier))
    throw new ValidationError(`invalid cost tier "${tier}" (valid: ${COST_TIERS.join(", ")})`);
  const before = costTier(townRoot);
  const s = loadTownSettings(townRoot);
  const agents = { ...s.agents };
  for (const [model, name] of Object.entries(MODELS))
    if (!agents[name]) agents[name] = { command: "claude", args: ["--model", model], provider: "claude" };
  saveTownSettings(townRoot, { ...s, agents, role_agents: roleAgentsOf(tier as CostTier) });
  return { ...costTier(townRoot), replaced_custom: before.tier === "custom" };
}
