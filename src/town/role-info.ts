// Who the caller is and where that was read from (`gt role`): GT_ROLE is the authority, the
// working directory the fallback; when both speak and disagree the caller is told, since a
// session started in the wrong place acts as someone it is not.
import { ValidationError } from "../errors.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  identityFromEnv,
  identityFromPath,
  sessionNameOf,
  workDirOf,
} from "./identity.ts";
import { isRoleName, ROLE_NAMES, ROLES, type RoleName } from "./roles.ts";
import type { Town } from "./workspace.ts";

export interface RoleInfo {
  role: RoleName;
  rig: string | null;
  name: string | null;
  address: string;
  /** env: GT_ROLE; cwd: the working directory. */
  source: "env" | "cwd";
  home: string;
  session: string;
  agent_bead: string;
  /** The address the working directory implies, when it implies one. */
  cwd_address: string | null;
  /** GT_ROLE and the working directory name different agents. */
  mismatch: boolean;
}

function prefixOf(town: Town, id: AgentIdentity): string | undefined {
  if (!id.rig) return undefined;
  try {
    return town.prefixOf(id.rig);
  } catch {
    return undefined; // a rig GT_ROLE names but this town lacks: the names still read
  }
}

export function describeRole(town: Town, id: AgentIdentity, source: "env" | "cwd", cwd: string): RoleInfo {
  const prefix = prefixOf(town, id);
  const fromCwd = identityFromPath(town.root, cwd);
  const cwdAddress = fromCwd ? addressOf(fromCwd) : null;
  return {
    role: id.role,
    rig: id.rig ?? null,
    name: id.name ?? null,
    address: addressOf(id),
    source,
    home: workDirOf(town.root, id),
    session: sessionNameOf(id, prefix),
    agent_bead: agentBeadIdOf(id, prefix),
    cwd_address: cwdAddress,
    mismatch: source === "env" && cwdAddress !== null && cwdAddress !== addressOf(id),
  };
}

/** The caller's role, or undefined when neither GT_ROLE nor the directory names one. */
export function callerRole(town: Town, env: NodeJS.ProcessEnv, cwd: string): RoleInfo | undefined {
  const fromEnv = identityFromEnv(env);
  if (fromEnv) return describeRole(town, fromEnv, "env", cwd);
  const fromCwd = identityFromPath(town.root, cwd);
  return fromCwd ? describeRole(town, fromCwd, "cwd", cwd) : undefined;
}

/** The identity `role` names with the given rig and name, checked against the role's needs. */
export function identityFor(role: string, rig: string | undefined, name: string | undefined): AgentIdentity {
  const r = role === "polecats" ? "polecat" : role;
  if (!isRoleName(r)) throw new ValidationError(`unknown role "${role}" (one of ${ROLE_NAMES.join(", ")})`);
  const def = ROLES[r];
  if (def.scope === "rig" && !rig) throw new ValidationError(`the ${r} role needs --rig`);
  if (def.named && !name) throw new ValidationError(`the ${r} role needs a name (--name)`);
  return {
    role: r,
    ...(def.scope === "rig" && rig ? { rig } : {}),
    ...(def.named && name ? { name } : {}),
  };
}

/** The variables a session of this role is identified by, for `eval "$(gt role env)"`. */
export function roleEnv(town: Town, info: RoleInfo): Record<string, string> {
  const env: Record<string, string> = {
    GT_ROLE: info.address,
    GT_ROLE_HOME: info.home,
    GT_ROOT: town.root,
    GT_TOWN_ROOT: town.root,
    BD_ACTOR: info.address,
    GIT_AUTHOR_NAME: info.address,
  };
  if (info.rig) env.GT_RIG = info.rig;
  if (info.name && info.role === "polecat") env.GT_POLECAT = info.name;
  if (info.name && info.role === "crew") env.GT_CREW = info.name;
  if (info.name && info.role === "dog") env.GT_DOG = info.name;
  return env;
}

/** A value quoted for a POSIX shell. */
export function shellValue(v: string): string {
  return /^[A-Za-z0-9_/.:@%+=,-]*$/.test(v) && v !== "" ? v : `'${v.replaceAll("'", `'\\''`)}'`;
}
