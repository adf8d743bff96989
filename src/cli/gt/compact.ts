// gt compact [report]: TTL-based compaction of wisps (src/work/compact.ts).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { type CompactResult, compactWisps, dailyDigest, weeklyRollup } from "../../work/compact.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

/** --rig, else the rig the caller is in (GT_ROLE or directory), else none: the town ledger. */
function rigHere(ctx: GtContext, opts: { rig?: unknown }): string | undefined {
  const town = ctx.town();
  if (typeof opts.rig === "string") return town.rig(opts.rig.replace(/\/+$/, "")).name;
  const id = identityFromEnv(ctx.env) ?? identityFromPath(town.root, ctx.cwd);
  if (id?.rig) return id.rig;
  const env = ctx.env.GT_RIG;
  return env && town.rigNames().includes(env) ? env : undefined;
}

const short = (s: string, n: number) => oneLine(s.length > n ? `${s.slice(0, n - 3)}...` : s);

function printSummary(ctx: GtContext, r: CompactResult): void {
  const total = r.promoted.length + r.deleted.length + r.skipped;
  if (r.dry_run) {
    for (const p of r.promoted) ctx.out(`  [dry-run] promote ${p.id} ${short(p.title, 40)} (${p.reason})`);
    for (const d of r.deleted) ctx.out(`  [dry-run] delete  ${d.id} ${short(d.title, 40)} (${d.reason})`);
    ctx.out(`\nℹ Dry run complete: ${total} wisps scanned (${r.ledger})`);
  } else ctx.out(`\n✓ Compaction complete (${r.ledger})`);
  ctx.out(`  Promoted: ${r.promoted.length}`);
  ctx.out(`  Deleted:  ${r.deleted.length}`);
  ctx.out(`  Skipped:  ${r.skipped} (within TTL)`);
  if (r.errors.length > 0) {
    ctx.out(`\n⚠ ${r.errors.length} errors:`);
    for (const e of r.errors) ctx.out(`  - ${e}`);
  }
  if (r.promoted.length > 0 && !r.dry_run) {
    ctx.out("\nPromotions:");
    for (const p of r.promoted) ctx.out(`  ${p.id}: ${short(p.title, 50)} (${p.reason})`);
  }
}

export const compactGroup: GtGroup = {
  names: ["compact"],
  register(p: Command) {
    const c = p
      .command("compact")
      .description(
        "Compact expired wisps: open ones past their TTL are promoted (stuck), closed ones deleted; commented or keep-labelled ones promoted",
      )
      .option("--dry-run", "show what would happen")
      .option("-v, --verbose", "show each wisp's decision")
      .option("--rig <rig>", "the rig's ledger (default: the rig you are in, else the town's)")
      .option("--json", "JSON output: {ledger, promoted[], deleted[], skipped, errors[], dry_run}")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const rig = rigHere(ctx, opts);
          const verbose = opts.verbose === true && !ctx.json;
          const r = await compactWisps(town, {
            rig,
            dryRun: opts.dryRun === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            onDecision: verbose
              ? (what, w, detail) => ctx.out(`  ${what.padEnd(7)} ${w.id} ${short(w.title, 40)} (${detail})`)
              : undefined,
          });
          if (ctx.json) ctx.printJson(r);
          else printSummary(ctx, r);
          return r.errors.length > 0 ? 1 : 0;
        }),
      );

    c.command("report")
      .description(
        "Compact, then send the day's digest to the mayor (recorded as an event bead); --weekly rolls up the week",
      )
      .option("--dry-run", "preview the digest: nothing compacted, recorded or sent")
      .option("--weekly", "the past 7 days' digests added up, sent to the mayor")
      .option("-v, --verbose", "verbose output")
      .option("--date <date>", "the digest's date (YYYY-MM-DD; default: today, UTC)")
      .option("--rig <rig>", "the rig's ledger (default: the rig you are in, else the town's)")
      .option("--json", "JSON output: the report")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const actor = callerActor(town.root, ctx.env, ctx.cwd);
          const dryRun = opts.dryRun === true;
          if (opts.weekly) {
            const w = await weeklyRollup(town, { actor, dryRun });
            if (ctx.json) return ctx.printJson({ ...w.rollup, sent: w.sent, already_sent: w.already_sent });
            if (w.already_sent)
              return ctx.out(
                `○ Weekly rollup already sent for ${w.rollup.week_start} to ${w.rollup.week_end}`,
              );
            if (dryRun) ctx.out(`[dry-run] Weekly compaction rollup:\n`);
            ctx.out(w.markdown);
            if (w.sent) ctx.out(`✓ Weekly rollup sent to mayor/ (${w.rollup.days} day(s))`);
            return;
          }
          const date = (opts.date as string | undefined) ?? new Date().toISOString().slice(0, 10);
          if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
            throw new ValidationError(`invalid date "${date}": use YYYY-MM-DD`);
          const d = await dailyDigest(town, { rig: rigHere(ctx, opts), dryRun, actor, date });
          if (ctx.json)
            return ctx.printJson({ ...d.report, bead: d.bead, sent: d.sent, already_sent: d.already_sent });
          if (d.already_sent)
            return ctx.out(`○ Compaction digest already sent for ${date} (bead: ${d.bead})`);
          if (dryRun) {
            ctx.out(`[dry-run] Daily compaction digest for ${date}:\n`);
            return ctx.out(d.markdown);
          }
          ctx.out(`✓ Compaction digest sent for ${date}`);
          if (d.bead) ctx.out(`  Audit bead: ${d.bead}`);
        }),
      );
  },
};
