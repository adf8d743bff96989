// bd version: a group of its own (registered right after admin, where it used to sit, so
// help keeps its order), so that `bd version` loads nothing of the ledger's commands.
import type { Command } from "commander";
import type { BdContext } from "./context.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

async function version(ctx: BdContext) {
  if (ctx.json)
    return ctx.printJson({
      version: BD_VERSION,
      backend: "sqlite",
      runtime: `node ${process.versions.node}`,
    });
  ctx.out(`bd version ${BD_VERSION} (sqlite)`);
}

export const VERSION: CommandGroup = {
  names: ["version"],
  register(program: Command) {
    program.command("version").description("Print the version").action(act(version));
  },
};
