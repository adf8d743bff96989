// bd admin cleanup|compact|reset: beads' administrative commands on the SQLite ledger.
// cleanup deletes closed beads (--force to do it), compact is beads' agent-driven and
// automatic compaction (--analyze, --apply, --auto with the mechanical summary, --stats),
// reset removes bd's git hook sections and the whole .beads/ (a preview unless --force).
import { readFileSync, rmSync } from "node:fs";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { applyCompaction, compactionCandidates, contentSize, ineligibility } from "../../ledger/compact.ts";
import { MANAGED_HOOKS, uninstallHooks } from "../../ledger/git-hooks.ts";
import {
  candidateRows,
  closedOlderThan,
  compactAll,
  daysOption,
  dryRunJson,
  headCommit,
  reportCompaction,
  tierDays,
  tierOption,
} from "./compact.ts";
import type { BdContext } from "./context.ts";
import { gitHooksDir } from "./hooks.ts";
import { act, type CommandGroup } from "./program.ts";

async function cleanup(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const days = daysOption(o.olderThan as string | undefined, "--older-than", 0);
  const { issues, pinned } = await closedOlderThan(store, days, o.ephemeral ? "only" : true);
  const ids = issues.map((i) => i.id);
  if (ids.length === 0) {
    if (ctx.json) return ctx.printJson({ deleted_count: 0, message: "No closed issues to delete" });
    return ctx.out("No closed issues to delete");
  }
  if (o.dryRun) {
    if (ctx.json)
      return ctx.printJson({ dry_run: true, would_delete: ids.length, ids, pinned_skipped: pinned });
    ctx.out(`Would delete ${ids.length} closed issue(s):`);
    for (const i of issues) ctx.out(`  ${i.id}  ${i.title}`);
    return ctx.out("\n(Dry-run mode — no changes made)");
  }
  if (!o.force)
    throw new ValidationError(
      `would delete ${ids.length} closed issue(s): use --force to confirm or --dry-run to preview`,
    );
  for (const id of ids) await store.deleteIssue(id, ctx.actor());
  if (ctx.json) return ctx.printJson({ deleted_count: ids.length, ids, pinned_skipped: pinned });
  ctx.out(`✓ Deleted ${ids.length} closed issue(s)`);
}

async function compactStats(ctx: BdContext) {
  const store = ctx.ledger();
  const t1 = await compactionCandidates(store, 1, await tierDays(store, 1, undefined));
  const t2 = await compactionCandidates(store, 2, await tierDays(store, 2, undefined));
  const size = (l: typeof t1) => l.reduce((n, c) => n + c.content_size, 0);
  if (ctx.json)
    return ctx.printJson({
      tier1: { candidates: t1.length, total_size: size(t1) },
      tier2: { candidates: t2.length, total_size: size(t2) },
    });
  ctx.out("Compaction Statistics");
  ctx.out(`Tier 1 (30+ days closed):\n  Candidates: ${t1.length}\n  Total size: ${size(t1)} bytes`);
  ctx.out(
    `Tier 2 (90+ days closed, Tier 1 compacted):\n  Candidates: ${t2.length}\n  Total size: ${size(t2)} bytes`,
  );
}

async function compactAnalyze(ctx: BdContext, o: Record<string, unknown>) {
  const store = ctx.ledger();
  const tier = tierOption(o.tier as string | undefined);
  let ids: string[];
  if (o.id) ids = [(await ctx.resolve(o.id as string)).id];
  else {
    const list = await compactionCandidates(store, tier, await tierDays(store, tier, undefined));
    const limit = Number(o.limit ?? 0);
    ids = (limit > 0 ? list.slice(0, limit) : list).map((c) => c.id);
  }
  const now = Date.now();
  const candidates = (await store.getIssues(ids)).map((i) => ({
    id: i.id,
    title: i.title,
    description: i.description ?? "",
    design: i.design ?? "",
    notes: i.notes ?? "",
    acceptance_criteria: i.acceptance_criteria ?? "",
    size_bytes: contentSize(i),
    age_days: i.closed_at ? Math.floor((now - Date.parse(i.closed_at)) / 86_400_000) : 0,
    tier,
    compacted: (i.compaction_level ?? 0) > 0,
  }));
  const total = candidates.reduce((n, c) => n + c.size_bytes, 0);
  if (ctx.json)
    return ctx.printJson({
      candidates,
      summary: { total_candidates: candidates.length, total_content_bytes: total },
    });
  candidateRows(
    ctx,
    candidates.map((c) => ({ ...c, closed_at: "", content_size: c.size_bytes, compaction_level: 0 })),
    `Compaction Candidates (Tier ${tier})`,
  );
}

async function compactApply(ctx: BdContext, o: Record<string, unknown>) {
  if (!o.id) throw new ValidationError("--apply requires --id");
  if (!o.summary) throw new ValidationError("--apply requires --summary");
  const started = Date.now();
  const tier = tierOption(o.tier as string | undefined);
  const store = ctx.ledger();
  const { id } = await ctx.resolve(o.id as string);
  const summary = readFileSync(o.summary === "-" ? 0 : (o.summary as string), "utf8");
  const issue = (await store.getIssue(id))!;
  if (!o.force) {
    const why = ineligibility(issue, tier, await tierDays(store, tier, undefined));
    if (why)
      throw new ValidationError(
        `${id} is not eligible for Tier ${tier} compaction: ${why} (--force bypasses)`,
      );
  }
  const r = await applyCompaction(store, issue, {
    tier,
    summary,
    actor: ctx.opts.actor ?? "agent",
    commit: await headCommit(ctx),
    force: Boolean(o.force),
  });
  if (r.skipped) throw new ValidationError(`${r.skipped} (--force bypasses)`);
  const saved = r.original_size - r.compacted_size;
  const pct = r.original_size ? (saved / r.original_size) * 100 : 0;
  if (ctx.json)
    return ctx.printJson({
      success: true,
      issue_id: id,
      tier,
      original_size: r.original_size,
      compacted_size: r.compacted_size,
      saved_bytes: saved,
      reduction_pct: pct,
      elapsed_ms: Date.now() - started,
    });
  ctx.out(
    `✓ Compacted ${id} (Tier ${tier})\n  ${r.original_size} → ${r.compacted_size} bytes (saved ${saved}, ${pct.toFixed(1)}%)`,
  );
}

async function compactAuto(ctx: BdContext, o: Record<string, unknown>) {
  if (o.id && o.all) throw new ValidationError("cannot use --id and --all together");
  if (o.force && !o.id) throw new ValidationError("--force requires --id");
  if (!o.id && !o.all && !o.dryRun) throw new ValidationError("must specify --all, --id, or --dry-run");
  const started = Date.now();
  const tier = tierOption(o.tier as string | undefined);
  const store = ctx.ledger();
  const days = await tierDays(store, tier, undefined);
  let ids: string[];
  if (o.id) {
    const { id } = await ctx.resolve(o.id as string);
    const why = o.force ? undefined : ineligibility((await store.getIssue(id))!, tier, days);
    if (why) throw new ValidationError(`${id} is not eligible for Tier ${tier} compaction: ${why}`);
    ids = [id];
  } else ids = (await compactionCandidates(store, tier, days)).map((c) => c.id);
  if (o.dryRun) {
    const list = (await compactionCandidates(store, tier, o.id ? 0 : days)).filter((c) => ids.includes(c.id));
    if (ctx.json) return ctx.printJson(dryRunJson(tier, list));
    return candidateRows(ctx, list, `DRY RUN - Tier ${tier} compaction`);
  }
  if (ids.length === 0) {
    if (ctx.json) return ctx.printJson({ success: true, count: 0, message: "No eligible candidates" });
    return ctx.out("No eligible candidates for compaction");
  }
  reportCompaction(ctx, tier, await compactAll(ctx, tier, ids, Boolean(o.force)), started);
}

async function adminCompact(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  if (o.stats) return compactStats(ctx);
  const modes = ["analyze", "apply", "auto"].filter((m) => o[m]);
  if (modes.length === 0) throw new ValidationError("must specify one mode: --analyze, --apply, or --auto");
  if (modes.length > 1)
    throw new ValidationError(
      "cannot use multiple modes together (--analyze, --apply, --auto are mutually exclusive)",
    );
  if (o.analyze) return compactAnalyze(ctx, o);
  if (o.apply) return compactApply(ctx, o);
  return compactAuto(ctx, o);
}

async function reset(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const loc = ctx.location();
  let hooksDir: string | undefined;
  try {
    hooksDir = await gitHooksDir(ctx.cwd);
  } catch {
    hooksDir = undefined;
  }
  const items = [
    ...(hooksDir
      ? [
          {
            type: "hooks",
            path: hooksDir,
            description: `Remove bd's section from git hooks (${MANAGED_HOOKS.join(", ")})`,
          },
        ]
      : []),
    {
      type: "directory",
      path: loc.beadsDir,
      description: "Remove .beads directory (database, JSONL, config)",
    },
  ];
  if (!o.force) {
    if (ctx.json) return ctx.printJson({ dry_run: true, items });
    ctx.out("Reset preview (nothing removed; run bd admin reset --force to do it):\n");
    for (const i of items) ctx.out(`  • ${i.description}\n    ${i.path}`);
    return;
  }
  const hooks = hooksDir ? uninstallHooks(hooksDir) : [];
  await ctx.close();
  rmSync(loc.beadsDir, { recursive: true, force: true });
  if (ctx.json) return ctx.printJson({ reset: true, removed: loc.beadsDir, hooks_cleaned: hooks });
  ctx.out(`✓ Removed ${loc.beadsDir}${hooks.length ? ` and bd's part of ${hooks.length} git hook(s)` : ""}`);
  ctx.out("Run bd init (or bd bootstrap in a clone) to start again.");
}

export const ADMIN_TOOLS: CommandGroup = {
  names: ["admin"],
  register(p: Command) {
    const admin = p.command("admin").description("Administrative commands for database maintenance");
    admin
      .command("cleanup")
      .description("Delete closed issues to reduce database size")
      .option("-f, --force", "actually delete")
      .option("--dry-run", "preview what would be deleted")
      .option("--cascade", "accepted for compatibility (edges to deleted beads are removed with them)")
      .option("--older-than <days>", "only issues closed more than N days ago (0 = all closed)")
      .option("--ephemeral", "only closed wisps")
      .action(act(cleanup));
    admin
      .command("compact")
      .description("Compact old closed issues (--analyze, --apply, --auto, --stats)")
      .option("--dry-run", "preview without compacting")
      .option("--tier <n>", "compaction tier (1 or 2)", "1")
      .option("--all", "process all candidates")
      .option("--id <id>", "compact a specific issue")
      .option("--force", "bypass eligibility and size checks (requires --id)")
      .option("--stats", "show compaction statistics")
      .option("--analyze", "export candidates with their full text for an agent to summarise")
      .option("--apply", "accept an agent-written summary (--id, --summary)")
      .option("--auto", "compact with bd's mechanical summary (no model needed)")
      .option("--summary <file>", "summary file ('-' for stdin)")
      .option("--limit <n>", "limit the number of candidates (0 = no limit)")
      .action(act(adminCompact));
    admin
      .command("reset")
      .description("Remove all beads data and configuration (a preview unless --force)")
      .option("--force", "actually perform the reset")
      .action(act(reset));
  },
};
