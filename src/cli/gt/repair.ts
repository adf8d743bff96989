// gt repair: identity and configuration repairs (src/doctor/repair.ts), gt doctor --fix
// narrowed to what Gas Town's repair fixes.
import type { Command } from "commander";
import { REPAIR_CHECKS, runRepair } from "../../doctor/repair.ts";
import { formatReport } from "../../doctor/report.ts";
import { callerActor } from "../../town/identity.ts";
import { act, type GtGroup } from "./program.ts";

export const repairGroup: GtGroup = {
  names: ["repair"],
  register(p: Command) {
    p.command("repair")
      .description(
        `Repair identity and configuration: ${REPAIR_CHECKS.map((c) => c.name).join(", ")} (a focused gt doctor --fix; no Dolt here)`,
      )
      .option("--dry-run", "report what needs repair; change nothing")
      .option("--rig <name>", "only this rig")
      .option("-v, --verbose", "details of passing checks too")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const rig = typeof opts.rig === "string" ? opts.rig.replace(/\/+$/, "") : undefined;
          if (rig) town.rig(rig);
          const report = await runRepair(town, {
            dryRun: opts.dryRun === true,
            ...(rig ? { rig } : {}),
            env: ctx.env,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) ctx.printJson(report);
          else {
            ctx.out("Repairing identity and configuration...\n");
            for (const line of formatReport(report, { verbose: opts.verbose === true })) ctx.out(line);
            const { errors, warnings, fixed } = report.summary;
            ctx.out(
              errors + warnings === 0
                ? fixed > 0
                  ? "\nRepair complete. Run 'gt doctor' for a full diagnostic."
                  : "\nAll identity checks passed — no repairs needed."
                : "\nSome problems remain (above). Run 'gt doctor' for a full diagnostic.",
            );
          }
          return report.summary.errors > 0 ? 1 : 0;
        }),
      );
  },
};
