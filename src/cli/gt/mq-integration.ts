// gt mq integration create|status|land: integration branches per epic (src/refinery/integration.ts).
// Added to the `gt mq` command that refinery.ts registers (see the mq line of groups.ts).
import type { Command } from "commander";
import {
  createIntegrationBranch,
  type IntegrationStatus,
  integrationStatus,
  landIntegrationBranch,
} from "../../refinery/integration.ts";
import { callerActor } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { rigArgument } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";

function printStatus(ctx: GtContext, s: IntegrationStatus): void {
  ctx.out(`Integration: ${s.branch}`);
  if (s.created) ctx.out(`Created: ${s.created}`);
  ctx.out(`Ahead of ${s.base_branch}: ${s.ahead_of_base} commits`);
  ctx.out(`Epic children: ${s.children_closed}/${s.children_total} closed`);
  ctx.out(`\nMerged MRs (${s.merged_mrs.length}):`);
  if (s.merged_mrs.length === 0) ctx.out("  (none)");
  for (const mr of s.merged_mrs) ctx.out(`  ${mr.id.padEnd(12)}  ${oneLine(mr.title)}`);
  ctx.out(`\nPending MRs (${s.pending_mrs.length}):`);
  if (s.pending_mrs.length === 0) ctx.out("  (none)");
  for (const mr of s.pending_mrs)
    ctx.out(
      `  ${mr.id.padEnd(12)}  ${oneLine(mr.title)}${mr.status && mr.status !== "open" ? ` (${mr.status})` : ""}`,
    );
  ctx.out("");
  if (s.ready_to_land) {
    ctx.out("✓ Integration branch is ready to land.");
    ctx.out(`  Run: gt mq integration land ${s.epic}`);
  } else if (s.children_total === 0) ctx.out("○ Epic has no children yet.");
  else if (s.children_closed < s.children_total)
    ctx.out(`○ Waiting for ${s.children_total - s.children_closed}/${s.children_total} children to close.`);
  else if (s.pending_mrs.length > 0) ctx.out(`○ Waiting for ${s.pending_mrs.length} pending MRs to merge.`);
  else if (s.ahead_of_base === 0) ctx.out(`○ No commits ahead of ${s.base_branch}.`);
  ctx.out(
    `  Auto-land: ${s.auto_land_enabled ? "enabled (recorded; landing here is by gt mq integration land)" : "disabled"}`,
  );
}

const actorOf = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);

/** Adds `integration` under the `mq` command `p` already has. */
export function addIntegrationCommands(p: Command): void {
  const mq = p.commands.find((c) => c.name() === "mq");
  if (!mq) return;
  const cmd = mq
    .command("integration")
    .description("Integration branches for epics: their beads merge there, then land on main as one batch");
  cmd
    .command("create <epic-id>")
    .description(
      "Create an epic's integration branch on origin (from the rig's default branch) and record it",
    )
    .option("--branch <template>", "branch name or template ({title}, {epic}, {prefix}, {user})")
    .option("--base-branch <branch>", "start from this branch instead of the default branch")
    .option("--force", "make a new branch though the epic already has one")
    .option("--rig <rig>", "the rig (default: where you are)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [epic], opts) => {
        const r = await createIntegrationBranch(ctx.town(), {
          rig: rigArgument(ctx, opts.rig as string | undefined),
          epic: epic!,
          actor: actorOf(ctx),
          branch: opts.branch as string | undefined,
          baseBranch: opts.baseBranch as string | undefined,
          force: opts.force === true,
        });
        if (ctx.json) return ctx.printJson(r);
        if (r.renamed_from) ctx.out(`  (branch '${r.renamed_from}' already exists, using '${r.branch}')`);
        if (r.outside_namespace) ctx.out(`  ⚠ Branch '${r.branch}' is outside the integration/ namespace.`);
        ctx.out("✓ Created integration branch");
        ctx.out(`  Epic:   ${r.epic}`);
        ctx.out(`  Branch: ${r.branch}`);
        ctx.out(`  From:   ${r.base_branch}`);
        ctx.out("\n  gt done sends the merge requests of this epic's beads to it.");
      }),
    );
  cmd
    .command("status <epic-id>")
    .description("An integration branch: commits ahead, merged and pending MRs, whether it can land")
    .option("--rig <rig>", "the rig (default: where you are)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [epic], opts) => {
        const s = await integrationStatus(
          ctx.town(),
          rigArgument(ctx, opts.rig as string | undefined),
          epic!,
        );
        if (ctx.json) return ctx.printJson(s);
        printStatus(ctx, s);
      }),
    );
  cmd
    .command("land <epic-id>")
    .description(
      "Merge an epic's integration branch into its base (--no-ff), run the gates, push, close the epic",
    )
    .option("--force", "land even if merge requests or children are still open")
    .option("--skip-tests", "do not run the rig's gates on the merge")
    .option("--dry-run", "check and say what would happen; change nothing")
    .option("--rig <rig>", "the rig (default: where you are)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [epic], opts) => {
        const r = await landIntegrationBranch(ctx.town(), {
          rig: rigArgument(ctx, opts.rig as string | undefined),
          epic: epic!,
          actor: actorOf(ctx),
          force: opts.force === true,
          skipTests: opts.skipTests === true,
          dryRun: opts.dryRun === true,
          log: ctx.json ? undefined : (l) => ctx.out(l),
        });
        if (ctx.json) return ctx.printJson(r);
        if (r.open_mrs.length > 0) ctx.out(`⚠ Open merge requests: ${r.open_mrs.join(", ")} (--force)`);
        if (r.open_children.length > 0) ctx.out(`⚠ Open children: ${r.open_children.join(", ")} (--force)`);
        if (r.dry_run) {
          ctx.out("🔍 Dry run complete. Would perform:");
          ctx.out(`  1. Merge ${r.branch} to ${r.target} (--no-ff)`);
          ctx.out(`  2. Run the gates on ${r.target}`);
          ctx.out(`  3. Push ${r.target} to origin`);
          ctx.out("  4. Close the epic, delete the integration branch");
          return;
        }
        for (const w of r.warnings) ctx.out(`⚠ ${w}`);
        ctx.out(
          `${r.warnings.length > 0 ? "⚠ Landed integration branch (with warnings)" : "✓ Successfully landed integration branch"}`,
        );
        ctx.out(`  Epic:   ${r.epic}`);
        ctx.out(`  Branch: ${r.branch} → ${r.target}`);
        return r.warnings.length > 0 ? 1 : undefined;
      }),
    );
}

/** The `mq` group with its integration commands. */
export function withIntegration(mq: GtGroup): GtGroup {
  return {
    names: mq.names,
    register(p: Command) {
      mq.register(p);
      addIntegrationCommands(p);
    },
  };
}
