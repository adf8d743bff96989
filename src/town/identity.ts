// Who an agent is: its address (= BD_ACTOR = git author = mail address), session name,
// agent bead, working directory and environment — all derived from the role table.
import { join, relative, resolve, sep } from "node:path";
import { ValidationError } from "../errors.ts";
import { isRoleName, ROLES, type RoleDef, type RoleName } from "./roles.ts";

export interface AgentIdentity {
  role: RoleName;
  /** The rig, for rig-scoped roles. */
  rig?: string;
  /** The polecat or crew member's name. */
  name?: string;
}

/** Fills a role pattern. `prefix` is the rig's bead prefix (no hyphen); town roles need none. */
function fill(pattern: string, id: AgentIdentity, prefix?: string): string {
  const rig = id.rig ?? "";
  const p = prefix ?? "gt";
  // When the prefix equals the rig name the rig segment is dropped (ff-witness, not ff-ff-witness).
  const pRig = prefix === rig ? p : `${p}-${rig}`;
  return pattern
    .replaceAll("{rig}", rig)
    .replaceAll("{name}", id.name ?? "")
    .replaceAll("{prefix}", p)
    .replaceAll("{p}", pRig);
}

export function roleDef(id: AgentIdentity): RoleDef {
  return ROLES[id.role];
}

export function addressOf(id: AgentIdentity): string {
  return fill(ROLES[id.role].address, id);
}

export function sessionNameOf(id: AgentIdentity, rigPrefix?: string): string {
  return fill(ROLES[id.role].session, id, rigPrefix);
}

export function agentBeadIdOf(id: AgentIdentity, rigPrefix?: string): string {
  return fill(ROLES[id.role].agentBead, id, rigPrefix);
}

export function workDirOf(townRoot: string, id: AgentIdentity): string {
  return join(townRoot, fill(ROLES[id.role].workDir, id));
}

export function settingsDirOf(townRoot: string, id: AgentIdentity): string {
  return join(townRoot, fill(ROLES[id.role].settingsDir, id));
}

/** "Toast (polecat, rig gastown)" — deliberately not path-like, for prompts. */
export function displayName(id: AgentIdentity): string {
  if (id.name) return `${id.role} ${id.name} (rig: ${id.rig})`;
  return id.rig ? `${id.role} (rig: ${id.rig})` : id.role;
}

/**
 * Parses an agent address: `mayor`, `deacon`, `rig/witness`, `rig/refinery`,
 * `rig/crew/<n>`, `rig/polecats/<n>`, and `rig/<n>` as shorthand for a polecat.
 */
export function parseAddress(address: string): AgentIdentity {
  const parts = address.replace(/\/+$/, "").split("/");
  const bad = () =>
    new ValidationError(
      `invalid agent address "${address}": use mayor, deacon, deacon/dogs/<name>, <rig>/witness, <rig>/refinery, <rig>/crew/<name> or <rig>/polecats/<name> (<rig>/<name> for short)`,
    );
  if (parts.some((p) => p === "")) throw bad();
  if (parts.length === 1) {
    if (parts[0] === "mayor" || parts[0] === "deacon") return { role: parts[0] };
    throw bad();
  }
  // The deacon's dogs: deacon/dogs/<name> (boot, who lives in the kennel too, is no dog).
  if (parts[0] === "deacon") {
    if (parts.length === 3 && parts[1] === "dogs" && parts[2] !== "boot")
      return { role: "dog", name: parts[2]! };
    throw bad();
  }
  const [rig, second, third] = parts as [string, string, string | undefined];
  if (parts.length === 2) {
    if (second === "witness" || second === "refinery") return { role: second, rig };
    if (second === "crew" || second === "polecats") throw bad();
    return { role: "polecat", rig, name: second };
  }
  if (parts.length === 3 && third) {
    if (second === "crew") return { role: "crew", rig, name: third };
    if (second === "polecats") return { role: "polecat", rig, name: third };
  }
  throw bad();
}

/**
 * The caller's identity from GT_ROLE (the authority). Accepts the address form
 * (`gastown/polecats/toast`) and the bare role with GT_RIG / GT_POLECAT / GT_CREW.
 */
export function identityFromEnv(env: NodeJS.ProcessEnv): AgentIdentity | undefined {
  const role = env.GT_ROLE?.trim();
  if (!role) return undefined;
  if (role.includes("/") || role === "mayor" || role === "deacon") return parseAddress(role);
  if (!isRoleName(role)) return undefined;
  const rig = env.GT_RIG || undefined;
  const name =
    role === "polecat"
      ? env.GT_POLECAT
      : role === "crew"
        ? env.GT_CREW
        : role === "dog"
          ? env.GT_DOG
          : undefined;
  if (ROLES[role].scope === "rig" && !rig) return undefined;
  if (ROLES[role].named && !name) return undefined;
  return { role, ...(rig ? { rig } : {}), ...(name ? { name } : {}) };
}

/** The identity a working directory implies (fallback when GT_ROLE is unset). */
export function identityFromPath(townRoot: string, cwd: string): AgentIdentity | undefined {
  const rel = relative(resolve(townRoot), resolve(cwd));
  if (rel === "" || rel.startsWith("..")) return undefined;
  const parts = rel.split(sep);
  const [first, second, third] = parts as [string, string | undefined, string | undefined];
  if (first === "mayor") return { role: "mayor" };
  if (first === "deacon" && second === "dogs" && third && third !== "boot")
    return { role: "dog", name: third };
  if (first === "deacon") return { role: "deacon" };
  switch (second) {
    case "mayor":
      return { role: "mayor" };
    case "witness":
      return { role: "witness", rig: first };
    case "refinery":
      return { role: "refinery", rig: first };
    case "polecats":
      return third ? { role: "polecat", rig: first, name: third } : undefined;
    case "crew":
      return third ? { role: "crew", rig: first, name: third } : undefined;
    default:
      return undefined;
  }
}

/** Who is running this command: GT_ROLE first, then where the working directory sits. */
export function callerIdentity(
  townRoot: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): AgentIdentity | undefined {
  return identityFromEnv(env) ?? identityFromPath(townRoot, cwd);
}

/** The name writes are recorded under: an agent's address, else BD_ACTOR, else the login name. */
export function callerActor(townRoot: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const id = callerIdentity(townRoot, env, cwd);
  if (id) return addressOf(id);
  return env.BD_ACTOR || env.USER || env.LOGNAME || "human";
}

export interface AgentEnvInput {
  townRoot: string;
  id: AgentIdentity;
  /** The rig's bead prefix (rig roles). */
  rigPrefix?: string;
  /** Preset name (claude, codex, script, ...). */
  agentName: string;
  processNames: string[];
  runId: string;
  /** The ledger the agent's bd talks to. */
  beadsDir: string;
  /** Directory holding gt and bd, put first on PATH. */
  binDir: string;
  /** Polecats: branch and worktree, for when the cwd has gone. */
  branch?: string;
  gitEmail?: string;
  basePath?: string;
}

/** The one place the environment of an agent session is decided. */
export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const { id, townRoot } = input;
  const address = addressOf(id);
  const env: Record<string, string> = {
    GT_ROLE: address,
    GT_ROOT: townRoot,
    GT_TOWN_ROOT: townRoot,
    GT_AGENT: input.agentName,
    GT_PROCESS_NAMES: input.processNames.join(","),
    GT_SESSION: sessionNameOf(id, input.rigPrefix),
    GT_RUN: input.runId,
    BD_ACTOR: address,
    BEADS_AGENT_NAME: id.rig && id.name ? `${id.rig}/${id.name}` : address,
    BEADS_DIR: input.beadsDir,
    GIT_AUTHOR_NAME: address,
    GIT_COMMITTER_NAME: address,
    GIT_CEILING_DIRECTORIES: townRoot,
    BD_BACKUP_ENABLED: "false",
    // Nothing from the launching shell's Node or Claude session leaks into the agent.
    NODE_OPTIONS: "",
    CLAUDECODE: "",
    PATH: `${input.binDir}:${input.basePath ?? process.env.PATH ?? "/usr/bin:/bin"}`,
  };
  if (input.gitEmail) {
    env.GIT_AUTHOR_EMAIL = input.gitEmail;
    env.GIT_COMMITTER_EMAIL = input.gitEmail;
  }
  if (id.rig) env.GT_RIG = id.rig;
  if (id.role === "polecat" && id.name) {
    env.GT_POLECAT = id.name;
    env.GT_POLECAT_PATH = workDirOf(townRoot, id);
    if (input.branch) env.GT_BRANCH = input.branch;
  }
  if (id.role === "crew" && id.name) env.GT_CREW = id.name;
  if (id.role === "dog" && id.name) env.GT_DOG = id.name;
  return env;
}
