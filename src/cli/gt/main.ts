// gt entry point: a thin CLI over the town, agents and runtime modules.
import type { Command } from "commander";
import { GT_GROUPS } from "./groups.ts";
import { act, GT_VERSION, type GtGroup, runGt } from "./program.ts";

// The launcher turns Node's compile cache on for us; agents we start need not inherit it.
delete process.env.NODE_COMPILE_CACHE;

const versionGroup: GtGroup = {
  names: ["version"],
  register(p: Command) {
    p.command("version")
      .description("Print the version")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          if (ctx.json)
            return ctx.printJson({ version: GT_VERSION, runtime: `node ${process.versions.node}` });
          ctx.out(`gt version ${GT_VERSION}`);
        }),
      );
  },
};

void runGt(process.argv, [...GT_GROUPS, { names: versionGroup.names, load: async () => versionGroup }]);
