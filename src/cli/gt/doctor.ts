// gt doctor: health checks over the whole town, each with its repair under --fix.
import type { Command } from "commander";
import { runDoctor } from "../../doctor/doctor.ts";
import { formatReport } from "../../doctor/report.ts";
import { callerActor } from "../../town/identity.ts";
import { act, type GtGroup } from "./program.ts";

export const doctorGroup: GtGroup = {
  names: ["doctor"],
  register(p: Command) {
    p.command("doctor")
      .description(
        "Check the town's health (config files, ledgers, routes, sandboxes, orphaned sessions and processes, locks, excludes, hooks, disk)",
      )
      .option("--fix", "repair what can be repaired, then check again")
      .option("--rig <name>", "only this rig's rig-level checks")
      .option("-v, --verbose", "details of passing checks too")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const rig = typeof opts.rig === "string" ? opts.rig.replace(/\/+$/, "") : undefined;
          if (rig) town.rig(rig); // unknown rig: one line naming the rigs
          const report = await runDoctor(town, {
            fix: opts.fix === true,
            ...(rig ? { rig } : {}),
            env: ctx.env,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          // --json: {checks: [{name, category, status, message, details, hint, fixable, fixed}], summary}
          if (ctx.json) ctx.printJson(report);
          else for (const line of formatReport(report, { verbose: opts.verbose === true })) ctx.out(line);
          return report.summary.errors > 0 ? 1 : 0;
        }),
      );
  },
};
