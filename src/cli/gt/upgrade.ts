// gt upgrade: the installed version, the registry's latest, and how to update (src/town/upgrade.ts).
import type { Command } from "commander";
import { checkForUpgrade } from "../../town/upgrade.ts";
import { act, type GtGroup } from "./program.ts";

export const upgradeGroup: GtGroup = {
  names: ["upgrade"],
  register(p: Command) {
    p.command("upgrade")
      .description(
        "Say which gt is installed, whether the npm registry has a newer one, and the command that installs it",
      )
      .option("--check", "only check: exit 1 when an update is available, 0 when up to date")
      .option("--json", "JSON output: {name, installed, latest, update_available, registry, update_command}")
      .action(
        act(async (ctx, _args, opts) => {
          const c = await checkForUpgrade(ctx.env);
          const code = opts.check === true && c.update_available ? 1 : 0;
          if (ctx.json) {
            ctx.printJson(c);
            return code;
          }
          ctx.out(`${c.name} ${c.installed} installed (latest on ${c.registry}: ${c.latest})`);
          if (!c.update_available) {
            ctx.out("✓ up to date");
            return code;
          }
          ctx.out(`⬆ ${c.latest} is available. Update with:`);
          ctx.out(`  ${c.update_command}`);
          if (opts.check !== true)
            ctx.out("Then run gt doctor --fix in each town to bring its files up to date.");
          return code;
        }),
      );
  },
};
