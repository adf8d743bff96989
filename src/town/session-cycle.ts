// gt cycle next|prev and gt town next|prev: tmux keybinding helpers that move the attached
// client to the next (or previous) running session of the same group. The groups: the town's
// own agents (mayor, deacon); a rig's crew; a rig's workers (witness, refinery, polecats).
// Sessions are ordered by name and the order wraps around.

import { townSocketName } from "../adapters/tmux.ts";
import { currentSession, sessionNames, switchClient } from "../adapters/tmux-client.ts";
import { ValidationError } from "../errors.ts";
import { ROLES } from "./roles.ts";
import type { Town } from "./workspace.ts";

export type CycleGroup = { kind: "town" } | { kind: "crew"; rig: string } | { kind: "rig"; rig: string };

export function groupLabel(g: CycleGroup): string {
  return g.kind === "town"
    ? "town (mayor, deacon)"
    : g.kind === "crew"
      ? `${g.rig} crew`
      : `${g.rig} workers`;
}

/** Which rig (or the town, null) a session of this town belongs to; undefined when none. */
export function sessionOwner(town: Town, session: string): { rig: string | null } | undefined {
  if (session === ROLES.mayor.session || session === ROLES.deacon.session) return { rig: null };
  const dash = session.indexOf("-");
  if (dash <= 0 || dash === session.length - 1) return undefined;
  const prefix = session.slice(0, dash);
  const rig = town.rigNames().find((r) => town.prefixOf(r) === prefix);
  return rig ? { rig } : undefined;
}

/** The cycle group of a session; undefined for a session outside every group (a dog, another town's). */
export function cycleGroupOf(town: Town, session: string): CycleGroup | undefined {
  const owner = sessionOwner(town, session);
  if (!owner) return undefined;
  if (owner.rig === null) return { kind: "town" };
  const prefix = town.prefixOf(owner.rig);
  return session.startsWith(`${prefix}-crew-`)
    ? { kind: "crew", rig: owner.rig }
    : { kind: "rig", rig: owner.rig };
}

function sameGroup(a: CycleGroup, b: CycleGroup | undefined): boolean {
  return !!b && a.kind === b.kind && (a.kind === "town" || a.rig === (b as { rig: string }).rig);
}

/**
 * The session `direction` steps from `current` among `members` (sorted by name, wrapping);
 * undefined when `current` is not among them or is the only one.
 */
export function cycleTarget(current: string, members: string[], direction: 1 | -1): string | undefined {
  const sorted = [...new Set(members)].sort();
  const i = sorted.indexOf(current);
  if (i < 0 || sorted.length < 2) return undefined;
  return sorted[(i + direction + sorted.length) % sorted.length];
}

export interface CyclePlan {
  from: string;
  /** The session to switch to; null when there is none (see reason). */
  to: string | null;
  group: string | null;
  members: string[];
  reason?: string;
}

export interface CycleOptions {
  direction: 1 | -1;
  /** The session to cycle from; else the one the calling tmux client shows. */
  session?: string;
  /** gt town next|prev: only the town's group moves. */
  townOnly?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Works out where the client goes, from the sessions running on the town's tmux server. */
export async function planCycle(town: Town, opts: CycleOptions): Promise<CyclePlan> {
  const env = opts.env ?? process.env;
  const socket = townSocketName(town.root, env);
  let from = opts.session;
  if (!from) {
    if (!env.TMUX)
      throw new ValidationError("not inside tmux: run it from a town session or pass --session <name>");
    from = await currentSession(socket);
  }
  const group = cycleGroupOf(town, from);
  if (!group || (opts.townOnly && group.kind !== "town"))
    return {
      from,
      to: null,
      group: null,
      members: [],
      reason: opts.townOnly ? "not a town session (mayor, deacon)" : "not in a cycle group of this town",
    };
  const running = await sessionNames(socket);
  if (!running.includes(from)) throw new ValidationError(`no session ${from} is running in this town`);
  const members = running.filter((s) => sameGroup(group, cycleGroupOf(town, s))).sort();
  const to = cycleTarget(from, members, opts.direction) ?? null;
  return {
    from,
    to,
    group: groupLabel(group),
    members,
    ...(to ? {} : { reason: "no other session in its group" }),
  };
}

/** Switches the client (the given tty, else the calling one) to the plan's target. */
export async function runCycle(
  town: Town,
  plan: CyclePlan,
  client?: string,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  if (plan.to) await switchClient(townSocketName(town.root, env ?? process.env), plan.to, client);
}
