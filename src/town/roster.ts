// The town's roster: which agents exist, read from the town's layout on disk (the town
// roles, and per rig its witness, refinery, crew clones and polecat directories). Everything
// that needs "who is here" (mail addressing, status, ledger repair) asks this one place.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentIdentity } from "./identity.ts";
import type { Town } from "./workspace.ts";

export function polecatsDir(town: Town, rig: string): string {
  return join(town.rigDir(rig), "polecats");
}

function subdirs(dir: string, keep: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith(".") && keep(d.name))
    .map((d) => d.name)
    .sort();
}

/** Crew members of a rig: directories under <rig>/crew holding a clone. */
export function crewNames(town: Town, rig: string): string[] {
  const dir = join(town.rigDir(rig), "crew");
  return subdirs(dir, (n) => existsSync(join(dir, n, ".git")));
}

/** Polecats of a rig: directories under <rig>/polecats (a sandbox may be gone; the polecat stays). */
export function polecatNames(town: Town, rig: string): string[] {
  return subdirs(polecatsDir(town, rig));
}

/**
 * The deacon's dog agents: directories under deacon/dogs whose `.dog.json` says
 * `"kind": "agent"` (command dogs and boot share the kennel).
 */
export function dogNames(town: Town): string[] {
  const dir = join(town.root, "deacon", "dogs");
  return subdirs(dir, (n) => {
    try {
      return (
        (JSON.parse(readFileSync(join(dir, n, ".dog.json"), "utf8")) as { kind?: unknown }).kind === "agent"
      );
    } catch {
      return false;
    }
  });
}

/**
 * The agents whose beads live in one ledger and that exist: mayor, deacon and the dogs for
 * the town ledger; witness, refinery, crew and polecats (those with a directory) for a rig's.
 */
export function agentsOfLedger(town: Town, rig: string | undefined): AgentIdentity[] {
  if (!rig)
    return [
      { role: "mayor" },
      { role: "deacon" },
      ...dogNames(town).map((name): AgentIdentity => ({ role: "dog", name })),
    ];
  return [
    { role: "witness", rig },
    { role: "refinery", rig },
    ...crewNames(town, rig).map((name): AgentIdentity => ({ role: "crew", rig, name })),
    ...polecatNames(town, rig).map((name): AgentIdentity => ({ role: "polecat", rig, name })),
  ];
}

/** Every agent the town has a place for: town roles, then per rig witness, refinery, crew, polecats. */
export function knownAgents(town: Town, rigs: string[] = town.rigNames()): AgentIdentity[] {
  return [...agentsOfLedger(town, undefined), ...rigs.flatMap((rig) => agentsOfLedger(town, rig))];
}
