// The domain behind `gt config agent list/get/set/remove` and `gt config default-agent`:
// user agent definitions live under `agents` in the town's settings/config.json, and the
// default under `default_agent`. Built-ins can be overridden there but never removed.

import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { type AgentEntry, DEFAULT_AGENT, isBuiltinAgent } from "./agent-presets.ts";
import { agentDefinition, type ListedAgent } from "./agent-resolve.ts";
import { loadTownSettings, saveTownSettings, settingsFile } from "./settings.ts";

const AGENT_NAME = /^[a-z][a-z0-9_-]*$/;

function checkName(name: string): void {
  if (!AGENT_NAME.test(name)) {
    throw new ValidationError(
      `invalid agent name "${name}": use lowercase letters, digits, "-" and "_", starting with a letter`,
    );
  }
}

/**
 * Splits a command line into words the way a POSIX shell would for plain words, '…', "…"
 * and backslash escapes (no expansion of $vars, globs or ~).
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false; // "" is a word when it was quoted
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const next = line[i + 1];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && next !== undefined && '"\\$`'.includes(next)) word += line[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\" && next !== undefined) word += line[++i];
      else word += c;
    }
  }
  if (quote) throw new ValidationError(`unterminated ${quote} quote in command: ${line}`);
  if (inWord) words.push(word);
  return words;
}

/**
 * Defines (or overrides) agent `name` in town settings. `command` is either a command line
 * (split with shell quoting rules) or the words already split, as argv gives them. Other
 * fields of an existing entry are kept; `extra` adds or replaces fields.
 */
export function setAgent(
  townRoot: string,
  name: string,
  command: string | readonly string[],
  extra: AgentEntry = {},
): ListedAgent {
  checkName(name);
  const words = typeof command === "string" ? splitCommandLine(command) : [...command];
  const [cmd, ...args] = words;
  if (!cmd) throw new ValidationError(`agent "${name}" needs a command`);
  const settings = loadTownSettings(townRoot);
  const agents = { ...settings.agents };
  agents[name] = { ...agents[name], ...extra, command: cmd, args };
  saveTownSettings(townRoot, { ...settings, agents });
  const config = agentDefinition(townRoot, name);
  return { name, command: config.command, args: config.args, builtin: isBuiltinAgent(name), source: "town" };
}

/** Where a town-level setting still points at `name` (so removing it would dangle). */
function usesOf(settings: ReturnType<typeof loadTownSettings>, name: string): string[] {
  const uses: string[] = [];
  if (settings.default_agent === name) uses.push("default_agent");
  for (const key of ["role_agents", "crew_agents"] as const) {
    for (const [who, agent] of Object.entries(settings[key] ?? {}))
      if (agent === name) uses.push(`${key}.${who}`);
  }
  return uses;
}

/** Removes a user-defined agent from town settings. Built-ins and agents still in use are refused. */
export function removeAgent(townRoot: string, name: string): void {
  if (isBuiltinAgent(name)) throw new ValidationError(`cannot remove built-in agent ${name}`);
  const settings = loadTownSettings(townRoot);
  if (!settings.agents || !Object.hasOwn(settings.agents, name)) {
    throw new NotFoundError(name, `unknown agent "${name}" (not defined in ${settingsFile(townRoot)})`);
  }
  const uses = usesOf(settings, name);
  if (uses.length) {
    throw new ConflictError("agent_in_use", `agent "${name}" is still used by ${uses.join(", ")}`);
  }
  const { [name]: _removed, ...agents } = settings.agents;
  saveTownSettings(townRoot, { ...settings, agents });
}

/** The town's default agent (built-in "claude" when unset). */
export function getDefaultAgent(townRoot: string): string {
  return loadTownSettings(townRoot).default_agent || DEFAULT_AGENT;
}

/** Makes `name` the town's default agent; it must be a built-in or a town-defined agent. */
export function setDefaultAgent(townRoot: string, name: string): string {
  agentDefinition(townRoot, name); // throws the "unknown agent (known: …)" error
  saveTownSettings(townRoot, { ...loadTownSettings(townRoot), default_agent: name });
  return name;
}
