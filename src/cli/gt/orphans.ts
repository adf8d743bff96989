// gt orphans (lost polecat work; kill; procs), gt prune-branches and gt cleanup (orphaned
// agent processes). What they remove is gone for good, so they ask first: --force answers
// yes, --dry-run only shows, and without a terminal to ask on they refuse.
import type * as Readline from "node:readline";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import type { Town } from "../../town/workspace.ts";
import { durationFlag } from "../../watch/deacon-config.ts";
import { cleanupOrphans, type OrphanProcess } from "../../watch/deacon-sweep.ts";
import {
  findOrphans,
  type OrphansReport,
  pruneBranches,
  pruneOrphanCommits,
  sharedRepoOf,
} from "../../work/orphans.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";
import { rigOf } from "./targets.ts";

function actor(ctx: GtContext): string {
  return callerActor(ctx.town().root, ctx.env, ctx.cwd);
}

/** Yes with --force; else asks on the terminal; with no terminal, refuses (one line, exit 1). */
async function confirmed(ctx: GtContext, opts: Record<string, unknown>, question: string): Promise<boolean> {
  if (opts.force) return true;
  if (!process.stdin.isTTY || ctx.json)
    throw new ValidationError(
      `${question.replace(/\?$/, "")}: confirm with --force (or look first with --dry-run)`,
    );
  const readline = process.getBuiltinModule("node:readline") as typeof Readline;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string>((res) => rl.question(`${question} [y/N] `, res));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

function daysOf(opts: Record<string, unknown>): number {
  const raw = opts.days ?? "7";
  if (!/^\d+$/.test(String(raw)) || Number(raw) < 1)
    throw new ValidationError(`--days wants a whole number of days (1 or more), not "${raw}"`);
  return Number(raw);
}

function printOrphans(ctx: GtContext, r: OrphansReport, days: number, all: boolean): void {
  if (r.commits.length > 0) {
    ctx.out(`⚠ ${r.commits.length} orphaned commit(s) in ${r.rig}'s shared repository:`);
    for (const c of r.commits)
      ctx.out(`  ${c.sha.slice(0, 8)} ${oneLine(c.subject)}\n    ${c.date} by ${oneLine(c.author)}`);
    ctx.out(`  to recover one: git -C ${r.rig}/.repo.git branch rescue <sha> (or git show / cherry-pick it)`);
  }
  if (r.branches.length > 0) {
    ctx.out(`⚠ ${r.branches.length} polecat branch(es) with work ${r.default_branch} does not have:`);
    for (const b of r.branches) {
      ctx.out(`  ${b.polecat} ${b.branch} (${b.ahead} commit(s) ahead of ${r.default_branch})`);
      if (b.latest_subject) ctx.out(`    latest: ${oneLine(b.latest_subject)}`);
      if (b.uncommitted) ctx.out("    has uncommitted changes");
      ctx.out(`    path: ${b.path}`);
    }
  }
  for (const s of r.skipped) ctx.out(`⚠ skipped ${s.polecat}: ${oneLine(s.error)}`);
  if (r.commits.length === 0 && r.branches.length === 0) {
    ctx.out(`✓ No orphaned work in ${r.rig}`);
    if (r.older > 0 && !all)
      ctx.out(`  (${r.older} orphaned commit(s) older than ${days} day(s): --days N or --all shows them)`);
  }
}

function printProcs(ctx: GtContext, orphans: OrphanProcess[], verb: string): void {
  if (orphans.length === 0) ctx.out("✓ No orphaned agent processes");
  for (const o of orphans)
    ctx.out(
      `  ${o.stopped ? "✓ stopped" : verb} pid ${o.pid} (session ${o.session} gone${o.age_ms === null ? "" : `, ${Math.round(o.age_ms / 1000)}s old`}): ${oneLine(o.command)}`,
    );
}

/** Orphaned agent processes: listed, or stopped after confirmation. */
async function procs(ctx: GtContext, opts: Record<string, unknown>, kill: boolean) {
  const town = ctx.town();
  const graceMs = durationFlag("--grace", opts.grace) ?? 60_000;
  const found = await cleanupOrphans(town, ctx.provider(), { graceMs, dryRun: true, actor: actor(ctx) });
  if (!found.supported)
    throw new ValidationError("this system has no /proc: orphaned processes cannot be found");
  if (!kill || opts.dryRun || found.orphans.length === 0) {
    if (ctx.json) return ctx.printJson({ orphans: found.orphans, dry_run: kill });
    printProcs(ctx, found.orphans, kill ? "would stop" : "○");
    return;
  }
  if (!ctx.json) printProcs(ctx, found.orphans, "○");
  if (!(await confirmed(ctx, opts, `Stop these ${found.orphans.length} process(es)?`)))
    return ctx.out("Aborted");
  const r = await cleanupOrphans(town, ctx.provider(), { graceMs, actor: actor(ctx) });
  if (ctx.json) return ctx.printJson({ orphans: r.orphans, dry_run: false });
  printProcs(ctx, r.orphans, "✗ still running");
  return r.orphans.some((o) => !o.stopped) ? 1 : 0;
}

function procOptions(c: Command): Command {
  return c
    .option("--grace <duration>", "leave processes younger than this (default 60s)")
    .option("--json", "JSON output");
}

/** The repository prune-branches works on: --rig's shared repository, else the one here. */
async function pruneTarget(
  ctx: GtContext,
  opts: Record<string, unknown>,
): Promise<{ repo: string; branch: string }> {
  let town: Town | undefined;
  try {
    town = ctx.town();
  } catch {
    town = undefined; // outside a town: the repository here, default branch main
  }
  if (opts.rig) {
    if (!town) throw new ValidationError("--rig needs a town (run inside one or set GT_TOWN_ROOT)");
    const rig = town.rig(opts.rig as string);
    return { repo: sharedRepoOf(town, rig.name), branch: town.rigConfig(rig.name).default_branch };
  }
  const here = town
    ? (identityFromEnv(ctx.env)?.rig ?? identityFromPath(town.root, ctx.cwd)?.rig)
    : undefined;
  return { repo: ctx.cwd, branch: here && town ? town.rigConfig(here).default_branch : "main" };
}

export const orphansGroup: GtGroup = {
  names: ["orphans", "prune-branches", "cleanup"],
  register(p: Command) {
    const orphans = p
      .command("orphans")
      .description(
        "Find lost polecat work: orphaned commits in a rig's shared repository and unmerged polecat branches",
      )
      .option("--rig <rig>", "the rig (default: the one you are in)")
      .option("--days <n>", "orphaned commits of the last N days (default 7)")
      .option("--all", "every orphaned commit, however old")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _a, opts) => {
          const days = daysOf(opts);
          const r = await findOrphans(ctx.town(), rigOf(ctx, opts), { days, all: opts.all === true });
          if (ctx.json) return ctx.printJson(r);
          printOrphans(ctx, r, days, opts.all === true);
        }),
      );
    orphans
      .command("kill")
      .description("Remove a rig's orphaned commits for good (git gc) and stop orphaned agent processes")
      .option("--rig <rig>", "the rig (default: the one you are in)")
      .option("--dry-run", "only show what would go")
      .option("--force", "do not ask")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _a, o) => {
          const opts: Record<string, unknown> = { ...o, rig: o.rig ?? orphans.opts().rig };
          const town = ctx.town();
          const rig = rigOf(ctx, opts);
          const report = await findOrphans(town, rig, { days: 0, all: true });
          const found = await cleanupOrphans(town, ctx.provider(), {
            graceMs: 60_000,
            dryRun: true,
            actor: actor(ctx),
          });
          const plan = { rig, commits: report.commits.length, processes: found.orphans.length };
          if (plan.commits === 0 && plan.processes === 0) {
            if (ctx.json) return ctx.printJson({ ...plan, dry_run: opts.dryRun === true, removed: false });
            return ctx.out(`✓ No orphaned commits or processes in ${rig}`);
          }
          if (!ctx.json) {
            printOrphans(ctx, { ...report, branches: [], skipped: [] }, 0, true);
            printProcs(ctx, found.orphans, "○");
          }
          if (opts.dryRun) {
            if (ctx.json) return ctx.printJson({ ...plan, dry_run: true, removed: false });
            return ctx.out("ℹ Dry run: nothing removed");
          }
          if (
            !(await confirmed(
              ctx,
              opts,
              `Remove ${plan.commits} commit(s) and stop ${plan.processes} process(es)?`,
            ))
          )
            return ctx.out("Aborted");
          if (plan.commits > 0) await pruneOrphanCommits(town, rig);
          const stopped = plan.processes
            ? (await cleanupOrphans(town, ctx.provider(), { graceMs: 60_000, actor: actor(ctx) })).orphans
            : [];
          if (ctx.json) return ctx.printJson({ ...plan, dry_run: false, removed: true, stopped });
          ctx.out(
            `✓ Removed ${plan.commits} orphaned commit(s) in ${rig}; stopped ${stopped.filter((s) => s.stopped).length} process(es)`,
          );
        }),
      );
    const procsCmd = procOptions(
      orphans
        .command("procs")
        .description("Orphaned agent processes of this town (their session is gone): list, kill"),
    ).action(act((ctx, _a, opts) => procs(ctx, opts, false)));
    procOptions(procsCmd.command("list").description("List orphaned agent processes")).action(
      act((ctx, _a, opts) => procs(ctx, opts, false)),
    );
    procOptions(procsCmd.command("kill").description("Stop orphaned agent processes (and what they started)"))
      .option("-f, --force", "do not ask")
      .option("--dry-run", "only show them")
      .action(act((ctx, _a, opts) => procs(ctx, opts, true)));

    p.command("prune-branches")
      .description(
        "Delete local branches (default polecat/*) merged into the default branch, or whose origin branch is gone and git agrees they are merged",
      )
      .option("--pattern <glob>", "branch names to consider", "polecat/*")
      .option("--rig <rig>", "the rig's shared repository (default: the git repository here)")
      .option("--dry-run", "only show what would go")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _a, opts) => {
          const { repo, branch } = await pruneTarget(ctx, opts);
          const r = await pruneBranches(repo, {
            pattern: opts.pattern as string,
            defaultBranch: branch,
            dryRun: opts.dryRun === true,
          });
          if (ctx.json) return ctx.printJson({ ...r, dry_run: opts.dryRun === true });
          if (r.fetch_error) ctx.warn(`⚠ git fetch --prune failed: ${r.fetch_error}`);
          if (r.pruned.length === 0) return ctx.out(`✓ No stale branches matching ${opts.pattern}`);
          ctx.out(`${opts.dryRun ? "Would prune" : "✓ Pruned"} ${r.pruned.length} branch(es):`);
          const why = {
            merged: `merged to ${branch}`,
            "no-remote": "remote branch deleted",
            "no-remote-merged": `remote deleted, merged to ${branch}`,
          };
          for (const b of r.pruned) ctx.out(`  • ${b.name} (${why[b.reason]})`);
        }),
      );

    procOptions(
      p
        .command("cleanup")
        .description("Stop this town's orphaned agent processes (their session is gone), asking first"),
    )
      .option("--dry-run", "only show them")
      .option("-f, --force", "do not ask")
      .action(act((ctx, _a, opts) => procs(ctx, opts, true)));
  },
};
