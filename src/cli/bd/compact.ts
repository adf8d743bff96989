// bd gc (decay: delete old closed beads; the compaction outlook; VACUUM of the database) and
// bd compact (beads' tier compaction of old closed beads, with a mechanical summary where
// beads asks a model). bd admin compact (admin-tools.ts) shares the compaction here.
import { existsSync, statSync } from "node:fs";
import type { Command } from "commander";
import { git } from "../../adapters/git.ts";
import { ValidationError } from "../../errors.ts";
import {
  applyCompaction,
  type Candidate,
  type CompactResult,
  compactionCandidates,
  DEFAULT_TIER_DAYS,
  mechanicalSummary,
  type Tier,
} from "../../ledger/compact.ts";
import type { Issue } from "../../ledger/model.ts";
import { SqliteLedger } from "../../ledger/sqlite/store.ts";
import type { Ledger } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

/** A whole number of days, at least `min`; the flag's name in the error. */
export function daysOption(text: string | undefined, flag: string, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min)
    throw new ValidationError(`${flag} must be a non-negative number of days`);
  return n;
}

export function tierOption(text: string | undefined): Tier {
  if (text === undefined || text === "1") return 1;
  if (text === "2") return 2;
  throw new ValidationError(`unsupported tier: ${text} (1 or 2)`);
}

/** The days a tier waits: --days, else config compact_tier<N>_days, else beads' default. */
export async function tierDays(store: Ledger, tier: Tier, flag: string | undefined): Promise<number> {
  if (flag !== undefined) return daysOption(flag, "--days", 0);
  const configured = Number(await store.getConfig(`compact_tier${tier}_days`));
  return configured > 0 ? configured : DEFAULT_TIER_DAYS[tier];
}

/** The commit of the repository that holds the ledger (its issues.jsonl keeps the full text). */
export async function headCommit(ctx: BdContext): Promise<string | undefined> {
  try {
    return (await git(ctx.location().beadsDir, ["rev-parse", "HEAD"])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Closed beads (wisps too) closed before `days` ago, pinned ones left out and counted. */
export async function closedOlderThan(
  store: Ledger,
  days: number,
  ephemeral: boolean | "only",
): Promise<{ issues: Issue[]; pinned: number }> {
  const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
  const found = await store.listIssues({
    statuses: ["closed"],
    closedBefore: cutoff,
    ephemeral,
    includeInfra: true,
    includeTemplates: true,
  });
  const issues = found.filter((i) => !i.pinned && i.closed_at && i.closed_at < cutoff);
  return { issues, pinned: found.length - issues.length };
}

interface Phase {
  name: string;
  skipped: boolean;
  detail?: string;
}

async function gc(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const started = Date.now();
  const days = daysOption(o.olderThan as string | undefined, "--older-than", 90);
  const dry = Boolean(o.dryRun);
  const store = ctx.ledger();
  const say = (line: string) => {
    if (!ctx.json) ctx.out(line);
  };
  const phases: Phase[] = [];

  if (o.skipDecay) phases.push({ name: "Decay", skipped: true });
  else {
    say("Phase 1/3: Decay (delete old closed issues)");
    const { issues } = await closedOlderThan(store, days, o.ephemeral ? "only" : true);
    if (issues.length === 0) {
      say(`  No closed issues older than ${days} days`);
      phases.push({ name: "Decay", skipped: false, detail: "0 issues deleted" });
    } else if (dry) {
      say(`  Would delete ${issues.length} closed issue(s)`);
      phases.push({ name: "Decay", skipped: false, detail: `${issues.length} issues (dry-run)` });
    } else {
      if (!o.force)
        throw new ValidationError(
          `would delete ${issues.length} closed issue(s) older than ${days} days: use --force to confirm or --dry-run to preview`,
        );
      for (const i of issues) await store.deleteIssue(i.id, ctx.actor());
      say(`  Deleted ${issues.length} issue(s)`);
      phases.push({ name: "Decay", skipped: false, detail: `${issues.length} issues deleted` });
    }
    say("");
  }

  // Dolt squashes its commit history here; the ledger's history is git's, so this phase
  // reports what bd compact could summarise instead.
  say("Phase 2/3: Compact (old closed beads that bd compact would summarise)");
  const waiting = await compactionCandidates(store, 1, await tierDays(store, 1, undefined));
  say(
    waiting.length === 0
      ? "  Nothing to compact"
      : `  ${waiting.length} bead(s) could be compacted (bd compact)`,
  );
  say("");
  phases.push({
    name: "Compact",
    skipped: false,
    detail: waiting.length === 0 ? "nothing to compact" : `${waiting.length} candidates`,
  });

  if (o.skipVacuum || o.skipDolt) phases.push({ name: "Vacuum", skipped: true });
  else {
    say("Phase 3/3: Vacuum (reclaim disk space)");
    if (dry) {
      say("  Would run VACUUM");
      phases.push({ name: "Vacuum", skipped: false, detail: "dry-run" });
    } else {
      const db = ctx.location().dbPath;
      const size = () => (existsSync(db) ? statSync(db).size : 0);
      const before = size();
      // PostgreSQL reclaims space itself (autovacuum); the SQLite file is compacted here.
      if (store instanceof SqliteLedger) {
        store.database.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        store.database.exec("VACUUM");
      }
      const after = size();
      say(`  Done (${before} → ${after} bytes)`);
      phases.push({ name: "Vacuum", skipped: false, detail: `complete (${before} → ${after} bytes)` });
    }
    say("");
  }

  const elapsed = Date.now() - started;
  if (ctx.json) return ctx.printJson({ dry_run: dry, elapsed_ms: elapsed, phases });
  ctx.out(`${dry ? "DRY RUN complete" : "✓ GC complete"} (${elapsed}ms)`);
  for (const p of phases) ctx.out(`  ${p.name}: ${p.skipped ? "skipped" : p.detail}`);
}

export function candidateRows(ctx: BdContext, list: Candidate[], heading: string) {
  ctx.out(`${heading}\n`);
  ctx.out(`  ${"ID".padEnd(12)} ${"TITLE".padEnd(40)} ${"AGE".padStart(8)} ${"SIZE".padStart(10)}`);
  let total = 0;
  for (const c of list) {
    const title = c.title.length > 40 ? `${c.title.slice(0, 37)}...` : c.title;
    ctx.out(
      `  ${c.id.padEnd(12)} ${title.padEnd(40)} ${`${c.age_days}d`.padStart(8)} ${`${c.content_size} B`.padStart(10)}`,
    );
    total += c.content_size;
  }
  ctx.out(`\nSummary: ${list.length} candidate${list.length === 1 ? "" : "s"}, ${total} bytes total content`);
}

export function dryRunJson(tier: Tier, list: Candidate[]) {
  return {
    dry_run: true,
    tier,
    candidates: list.map(({ compaction_level: _, ...c }) => c),
    summary: {
      total_candidates: list.length,
      total_content_bytes: list.reduce((n, c) => n + c.content_size, 0),
    },
  };
}

/** Compacts each bead with its mechanical summary; the results, skipped ones included. */
export async function compactAll(
  ctx: BdContext,
  tier: Tier,
  ids: string[],
  force = false,
): Promise<CompactResult[]> {
  const store = ctx.ledger();
  const commit = await headCommit(ctx);
  const results: CompactResult[] = [];
  for (const id of ids) {
    const issue = (await store.getIssue(id))!;
    results.push(
      await applyCompaction(store, issue, {
        tier,
        summary: mechanicalSummary(issue, tier),
        actor: ctx.actor(),
        commit,
        force,
      }),
    );
  }
  return results;
}

export function reportCompaction(ctx: BdContext, tier: Tier, results: CompactResult[], started: number) {
  const done = results.filter((r) => !r.skipped);
  const original = done.reduce((n, r) => n + r.original_size, 0);
  const saved = done.reduce((n, r) => n + r.original_size - r.compacted_size, 0);
  if (ctx.json)
    return ctx.printJson({
      success: true,
      tier,
      total: results.length,
      succeeded: done.length,
      failed: results.length - done.length,
      saved_bytes: saved,
      original_size: original,
      elapsed_ms: Date.now() - started,
      compacted: done.map(({ skipped: _, tier: __, ...r }) => r),
      skipped: results.filter((r) => r.skipped).map((r) => ({ id: r.id, reason: r.skipped })),
    });
  for (const r of results)
    ctx.out(
      r.skipped
        ? `  - ${r.id}: skipped, ${r.skipped}`
        : `✓ Compacted ${r.id} (Tier ${tier}): ${r.original_size} → ${r.compacted_size} bytes`,
    );
  ctx.out(`\nSummary:\n  Succeeded: ${done.length}\n  Skipped: ${results.length - done.length}`);
  if (original > 0) ctx.out(`  Saved: ${saved} bytes (${((saved / original) * 100).toFixed(1)}%)`);
}

async function compact(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const started = Date.now();
  const tier = tierOption(o.tier as string | undefined);
  const store = ctx.ledger();
  const days = await tierDays(store, tier, o.days as string | undefined);
  const list = await compactionCandidates(store, tier, days);
  if (list.length === 0) {
    if (ctx.json) return ctx.printJson({ success: true, count: 0, message: "No eligible candidates" });
    return ctx.out("No eligible candidates for compaction");
  }
  if (o.dryRun) {
    if (ctx.json) return ctx.printJson(dryRunJson(tier, list));
    return candidateRows(ctx, list, `DRY RUN - Tier ${tier} compaction`);
  }
  if (!o.force)
    throw new ValidationError(
      `would compact ${list.length} closed bead(s): use --force to confirm or --dry-run to preview`,
    );
  if (!ctx.json) ctx.out(`Compacting ${list.length} issues (Tier ${tier})...\n`);
  reportCompaction(
    ctx,
    tier,
    await compactAll(
      ctx,
      tier,
      list.map((c) => c.id),
    ),
    started,
  );
}

export const COMPACT: CommandGroup = {
  names: ["gc", "compact"],
  register(p: Command) {
    p.command("gc")
      .description(
        "Garbage collect: decay old closed issues, report what compact would do, VACUUM the database",
      )
      .option("--dry-run", "preview without making changes")
      .option("-f, --force", "delete without asking")
      .option("--older-than <days>", "delete closed issues older than N days (default 90)")
      .option("--ephemeral", "decay only closed wisps (ephemeral beads), keep closed persistent ones")
      .option("--skip-decay", "skip the issue deletion phase")
      .option("--skip-vacuum", "skip the VACUUM phase")
      .option("--skip-dolt", "the same as --skip-vacuum (beads' name)")
      .action(act(gc));
    p.command("compact")
      .description("Compact old closed issues: a mechanical summary replaces their long text fields")
      .option("--dry-run", "preview the candidates")
      .option("--days <n>", "closed at least N days ago (default: compact_tier<N>_days, else 30 / 90)")
      .option("--tier <n>", "compaction tier: 1 (first) or 2 (of tier-1 beads)", "1")
      .option("-f, --force", "compact without asking")
      .action(act(compact));
  },
};
