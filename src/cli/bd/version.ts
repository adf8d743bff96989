// bd version: a group of its own (registered right after admin, where it used to sit, so help
// keeps its order). It opens no ledger, so it does without act() and BdContext: `bd version`
// then loads nothing of the ledger's code (run.ts and output.ts only).
import type { Command } from "commander";
import { writeOut } from "../stdio.ts";
import { BD_BUNDLES } from "./bundles.ts";
import { jsonText } from "./output.ts";
import { BD_VERSION, type CommandGroup, globalsOf } from "./run.ts";

function version(_opts: unknown, cmd: Command): void {
  const text = globalsOf(cmd).json
    ? jsonText({ version: BD_VERSION, backend: "sqlite", runtime: `node ${process.versions.node}` })
    : `bd version ${BD_VERSION} (sqlite)`;
  writeOut(`${text}\n`);
}

export const VERSION: CommandGroup = {
  names: BD_BUNDLES["bd-version"],
  register(program: Command) {
    program.command("version").description("Print the version").action(version);
  },
};
