// gt init: make the current git repository rig-shaped (src/town/rig-init.ts).
import type { Command } from "commander";
import { initRigHere } from "../../town/rig-init.ts";
import { act, type GtGroup } from "./program.ts";

export const initGroup: GtGroup = {
  names: ["init"],
  register(p: Command) {
    p.command("init")
      .description("Make the current git repository rig-shaped (agent dirs, listed in .git/info/exclude)")
      .option("-f, --force", "run again over an existing rig structure")
      .option("--json", "JSON output: {path, created, existed, exclude_file, exclude_updated}")
      .action(
        act(async (ctx, _args, opts) => {
          const r = await initRigHere(ctx.cwd, { force: opts.force === true });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`Initializing Gas Town rig in ${r.path}`);
          for (const d of r.created) ctx.out(`  ✓ created ${d}/`);
          for (const d of r.existed) ctx.out(`  ○ ${d}/ already there`);
          ctx.out(
            r.exclude_updated ? `  ✓ updated ${r.exclude_file}` : `  ○ ${r.exclude_file} already lists them`,
          );
          ctx.out("Next: add it to a town with 'gt rig add <name> <git-url>'.");
        }),
      );
  },
};
