// Agents named on the command line: every address form is accepted (mayor, deacon,
// rig/witness, rig/refinery, rig/crew/name, rig/polecats/name, rig/name for a polecat,
// a trailing slash), checked against the town, and printed back in the one canonical form.
import { NotFoundError, ValidationError } from "../../errors.ts";
import {
  type AgentIdentity,
  addressOf,
  identityFromEnv,
  identityFromPath,
  parseAddress,
} from "../../town/identity.ts";
import { crewNames, polecatNames } from "../../town/roster.ts";
import type { Town } from "../../town/workspace.ts";
import type { GtContext } from "./context.ts";

/** The text looks like an agent address rather than a bead ID (bead IDs have no slash). */
export function looksLikeAddress(text: string): boolean {
  return text.includes("/") || text === "mayor" || text === "deacon";
}

/** An agent that exists in this town, from any address form; one clear error otherwise. */
export function resolveAgent(town: Town, text: string): AgentIdentity {
  if (!looksLikeAddress(text) && town.rigNames().includes(text))
    throw new ValidationError(
      `"${text}" is a rig, not an agent: name one of its agents (${text}/polecats/<name>, ${text}/crew/<name>, ${text}/witness, ${text}/refinery)`,
    );
  const id = parseAddress(text);
  if (!id.rig) return id;
  town.rig(id.rig); // unknown rig: NotFoundError naming the rigs
  if (id.role === "polecat") {
    const polecats = polecatNames(town, id.rig);
    if (!polecats.includes(id.name!)) {
      const crewHint = crewNames(town, id.rig).includes(id.name!)
        ? `; ${id.rig}/crew/${id.name} is a crew member`
        : polecats.length > 0
          ? ` (polecats of ${id.rig}: ${polecats.join(", ")})`
          : ` (${id.rig} has no polecats)`;
      throw new NotFoundError(addressOf(id), `no polecat ${addressOf(id)}${crewHint}`);
    }
  } else if (id.role === "crew") {
    const crew = crewNames(town, id.rig);
    if (!crew.includes(id.name!))
      throw new NotFoundError(
        addressOf(id),
        `no crew member ${addressOf(id)}${crew.length > 0 ? ` (crew of ${id.rig}: ${crew.join(", ")})` : ` (${id.rig} has no crew; gt crew add)`}`,
      );
  }
  return id;
}

/** A polecat of this town from `rig/name` or `rig/polecats/name`. */
export function resolvePolecat(town: Town, text: string): { rig: string; name: string } {
  let id: AgentIdentity;
  try {
    id = parseAddress(text);
  } catch {
    throw new ValidationError(`name a polecat as <rig>/polecats/<name> or <rig>/<name>, not "${text}"`);
  }
  if (id.role !== "polecat")
    throw new ValidationError(`${addressOf(id)} is not a polecat (a polecat is <rig>/polecats/<name>)`);
  resolveAgent(town, text);
  return { rig: id.rig!, name: id.name! };
}

/** --rig, else the rig the caller is in, else the town's only rig; refused otherwise. */
export function rigOf(ctx: GtContext, opts: { rig?: unknown }): string {
  const town = ctx.town();
  if (opts.rig) return town.rig(opts.rig as string).name;
  const here = identityFromEnv(ctx.env)?.rig ?? identityFromPath(town.root, ctx.cwd)?.rig;
  if (here) return here;
  const rigs = town.rigNames();
  if (rigs.length === 1) return rigs[0]!;
  throw new ValidationError("not in a rig: pass --rig <rig>");
}
