// bd completion bash|zsh|fish, and the hidden bd __complete its scripts call on each TAB
// (src/cli/completion.ts): the whole command tree, plus the IDs of the ledger's open beads.
import type { Command } from "commander";
import { COMPLETE_COMMAND, type NameSource, openBeadIds, registerCompletion } from "../completion.ts";
import type { CommandGroup } from "./program.ts";

const ID_NAMES = new Set([
  "id",
  "ids",
  "issue",
  "issues",
  "blocker",
  "molecule",
  "molecules",
  "A",
  "B",
  "parent",
]);

const bdNames: NameSource = (name) => (ID_NAMES.has(name) ? openBeadIds(process.cwd()) : []);

/** The completion group; `all` loads every other bd group, registered only to complete. */
export function completionGroup(all: () => Promise<readonly CommandGroup[]>): CommandGroup {
  return {
    names: ["completion", COMPLETE_COMMAND],
    register(p: Command) {
      registerCompletion(
        p,
        "bd",
        async (root) => {
          for (const g of await all()) g.register(root);
        },
        bdNames,
      );
    },
  };
}
