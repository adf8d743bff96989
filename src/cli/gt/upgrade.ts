// gt upgrade: the installed version, the registry's latest, and how to update (src/town/upgrade.ts);
// then, inside a town, Gas Town's post-install step: the town's files brought up to date by
// gt doctor's repairs (only checked with --dry-run).
import type { Command } from "commander";
import { callerActor } from "../../town/identity.ts";
import { checkForUpgrade, type UpgradeCheck } from "../../town/upgrade.ts";
import { NotInTownError, type Town } from "../../town/workspace.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

interface Migration {
  town: string;
  dry_run: boolean;
  fixed: number;
  errors: number;
  warnings: number;
}

function townOrNone(ctx: GtContext): Town | undefined {
  try {
    return ctx.town();
  } catch (e) {
    if (e instanceof NotInTownError) return undefined;
    throw e;
  }
}

async function migrate(ctx: GtContext, town: Town, dryRun: boolean, verbose: boolean): Promise<Migration> {
  const { runDoctor } = await import("../../doctor/doctor.ts");
  const report = await runDoctor(town, {
    fix: !dryRun,
    env: ctx.env,
    actor: callerActor(town.root, ctx.env, ctx.cwd),
  });
  if (verbose && !ctx.json) {
    const { formatReport } = await import("../../doctor/report.ts");
    for (const line of formatReport(report, { verbose: true })) ctx.out(line);
  }
  const s = report.summary;
  return { town: town.root, dry_run: dryRun, fixed: s.fixed, errors: s.errors, warnings: s.warnings };
}

export const upgradeGroup: GtGroup = {
  names: ["upgrade"],
  register(p: Command) {
    p.command("upgrade")
      .description(
        "Say which gt is installed, whether the npm registry (GT_UPGRADE_REGISTRY, npm_config_registry) has a newer one and the command that installs it; in a town, then bring its files up to date (gt doctor's repairs)",
      )
      .option("--check", "only check the version: exit 1 when an update is available, 0 when up to date")
      .option("--dry-run", "in a town: only check what the post-install step would repair")
      .option("-v, --verbose", "show every check of the post-install step")
      .option(
        "--json",
        "JSON output: {name, installed, latest, update_available, registry, update_command, migration?}",
      )
      .action(
        act(async (ctx, _args, opts) => {
          if (opts.check === true) {
            const c = await checkForUpgrade(ctx.env);
            const code = c.update_available ? 1 : 0;
            if (ctx.json) ctx.printJson(c);
            else printVersion(ctx, c, true);
            return code;
          }
          // Offline is no reason to skip the town's own upgrade: the version is then unknown.
          let c: UpgradeCheck | { error: string };
          try {
            c = await checkForUpgrade(ctx.env);
          } catch (e) {
            c = { error: (e as Error).message };
          }
          const town = townOrNone(ctx);
          const migration = town
            ? await migrate(ctx, town, opts.dryRun === true, opts.verbose === true)
            : undefined;
          if (ctx.json) return ctx.printJson({ ...c, ...(migration ? { migration } : {}) });
          if ("error" in c) ctx.warn(`warning: ${c.error}`);
          else printVersion(ctx, c, false);
          if (!migration) return;
          ctx.out(
            migration.dry_run
              ? `\nPost-install check of ${migration.town}: ${migration.errors} error(s), ${migration.warnings} warning(s) (run without --dry-run to repair)`
              : `\nPost-install migration of ${migration.town}: ${migration.fixed} repaired, ${migration.errors} error(s) remain, ${migration.warnings} warning(s)`,
          );
        }),
      );
  },
};

function printVersion(ctx: GtContext, c: UpgradeCheck, checkOnly: boolean): void {
  ctx.out(`${c.name} ${c.installed} installed (latest on ${c.registry}: ${c.latest})`);
  if (!c.update_available) {
    ctx.out("✓ up to date");
    return;
  }
  ctx.out(`⬆ ${c.latest} is available. Update with:`);
  ctx.out(`  ${c.update_command}`);
  if (!checkOnly) ctx.out("Then run gt upgrade again in each town to bring its files up to date.");
}
