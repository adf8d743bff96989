// gt completion bash|zsh|fish, and the hidden gt __complete its scripts call on each TAB
// (src/cli/completion.ts): the whole command tree, plus the town's rigs, agents and beads.
import type { Command } from "commander";
import { COMPLETE_COMMAND, type NameSource, openBeadIds, registerCompletion } from "../completion.ts";
import type { GtGroup, LazyGtGroup } from "./program.ts";

const RIG_NAMES = new Set(["rig", "rigs", "mr-or-rig"]);
const AGENT_NAMES = new Set(["target", "agent", "agents", "address", "member", "members", "crew-member"]);
const POLECAT_NAMES = new Set(["polecat", "polecats"]);
const BEAD_NAMES = new Set(["bead", "beads", "issues", "convoy"]);

/** Rigs and agent addresses of the town around the current directory, bead IDs of its ledger. */
const gtNames: NameSource = async (valueName, cmd) => {
  // `gt rig status [name]`, `gt rig remove <name>`: a rig's name (not `gt rig add <name>`'s new one).
  const name =
    valueName === "name" && cmd.parent?.name() === "rig" && cmd.name() !== "add" ? "rig" : valueName;
  const cwd = process.cwd();
  if (BEAD_NAMES.has(name)) return openBeadIds(cwd);
  if (!RIG_NAMES.has(name) && !AGENT_NAMES.has(name) && !POLECAT_NAMES.has(name)) return [];
  const { findTownRoot, Town } = await import("../../town/workspace.ts");
  const root = findTownRoot(cwd);
  if (!root) return [];
  const town = new Town(root);
  if (RIG_NAMES.has(name)) return town.rigNames();
  const { knownAgents } = await import("../../town/roster.ts");
  const { addressOf } = await import("../../town/identity.ts");
  const agents = knownAgents(town).filter((a) => !POLECAT_NAMES.has(name) || a.role === "polecat");
  return agents.map(addressOf);
};

/** The completion group; `all` is every gt group (GT_GROUPS), loaded only to complete. */
export function completionGroup(all: readonly LazyGtGroup[]): GtGroup {
  return {
    names: ["completion", COMPLETE_COMMAND],
    register(p: Command) {
      registerCompletion(
        p,
        "gt",
        async (root) => {
          const others = all.filter((g) => !g.names.includes(COMPLETE_COMMAND));
          for (const g of await Promise.all(others.map((g) => g.load()))) g.register(root);
          // gt version is registered by gtMain, next to the groups.
          if (!root.commands.some((c) => c.name() === "version")) root.command("version").option("--json");
        },
        gtNames,
      );
    },
  };
}
