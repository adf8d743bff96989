// gt uninstall: remove what gt put outside towns (src/town/uninstall.ts).
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { planUninstall, runUninstall } from "../../town/uninstall.ts";
import { daemonStatus } from "../../watch/daemon-control.ts";
import { act, type GtGroup } from "./program.ts";

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export const uninstallGroup: GtGroup = {
  names: ["uninstall"],
  register(p: Command) {
    p.command("uninstall")
      .description(
        "Remove Gas Town's shell integration, config, state and cache for this user (towns stay unless --workspace)",
      )
      .option("-f, --force", "do not ask for confirmation")
      .option("--dry-run", "only list what would be removed")
      .option("--hooks", "also remove the GT_HOME hook layers (~/.gt/hooks-base.json, hooks-overrides/)")
      .option("--workspace <town>", "also remove this town, whole (DESTRUCTIVE; refused while it runs)")
      .option("--json", "JSON output: {dry_run, removed: [{kind, path, what}], failed: [...]}")
      .action(
        act(async (ctx, _args, opts) => {
          const dryRun = opts.dryRun === true;
          const items = await planUninstall({
            hooks: opts.hooks === true,
            town: opts.workspace as string | undefined,
            daemonRunning: (town) => daemonStatus(town).running,
            env: ctx.env,
          });
          if (dryRun || items.length === 0) {
            if (ctx.json) return ctx.printJson({ dry_run: dryRun, removed: dryRun ? items : [], failed: [] });
            if (items.length === 0) return ctx.out("Nothing of Gas Town to remove.");
            ctx.out("Would remove:");
            for (const i of items) ctx.out(`  • ${i.what}: ${i.path}`);
            return;
          }
          if (opts.force !== true) {
            if (!process.stdin.isTTY || ctx.json)
              throw new ValidationError(
                "gt uninstall asks first: pass --force (or --dry-run to see what would go)",
              );
            ctx.out("This removes:");
            for (const i of items) ctx.out(`  • ${i.what}: ${i.path}`);
            if (!(await confirmed("Continue? [y/N] "))) return ctx.out("Aborted.");
          }
          const r = runUninstall(items, ctx.env);
          if (ctx.json) {
            ctx.printJson({ dry_run: false, ...r });
            return r.failed.length ? 1 : undefined;
          }
          for (const i of r.removed) ctx.out(`  ✓ removed ${i.what}: ${i.path}`);
          if (r.failed.length) {
            for (const f of r.failed) ctx.warn(`  ✗ ${f.what}: ${f.error}`);
            throw new ValidationError(
              `uninstall incomplete: ${r.failed.length} item(s) could not be removed`,
            );
          }
          ctx.out("✓ Gas Town uninstalled for this user");
        }),
      );
  },
};
