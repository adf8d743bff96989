// gt reaper databases|scan|reap|purge|auto-close|run (src/work/reaper.ts): Gas Town's
// Dog-callable clean-up helpers, over the town's ledgers (no Dolt server: --host/--port are
// gone; "databases" are the town ledger, "town", and each rig's).
import type { Command } from "commander";
import { durationMs } from "../../duration.ts";
import { callerActor } from "../../town/identity.ts";
import {
  type AutoCloseResult,
  autoCloseDatabase,
  type PurgeResult,
  purgeDatabase,
  type ReaperAges,
  type ReapResult,
  reapDatabase,
  reaperDatabases,
  type ScanResult,
  scanDatabase,
} from "../../work/reaper.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const DEFAULTS = { maxAge: "24h", purgeAge: "168h", mailAge: "168h", staleAge: "720h" };

function ages(opts: Record<string, unknown>): ReaperAges & { maxAgeText: string } {
  const get = (k: keyof typeof DEFAULTS, flag: string) =>
    durationMs(String(opts[k] ?? DEFAULTS[k]), `--${flag}`);
  return {
    maxAgeMs: get("maxAge", "max-age"),
    purgeAgeMs: get("purgeAge", "purge-age"),
    mailAgeMs: get("mailAge", "mail-age"),
    staleAgeMs: get("staleAge", "stale-age"),
    maxAgeText: String(opts.maxAge ?? DEFAULTS.maxAge),
  };
}

interface Flags {
  maxAge?: boolean;
  purge?: boolean;
  stale?: boolean;
  json?: boolean;
}

function withFlags(c: Command, f: Flags): Command {
  c.option("--db <names>", "only these ledgers, comma-separated (town, or a rig's name)").option(
    "--dry-run",
    "report what would happen without acting",
  );
  if (f.maxAge) c.option("--max-age <duration>", "open wisps older than this are reaped", DEFAULTS.maxAge);
  if (f.purge)
    c.option("--purge-age <duration>", "closed wisps older than this are purged", DEFAULTS.purgeAge).option(
      "--mail-age <duration>",
      "closed mail older than this is purged",
      DEFAULTS.mailAge,
    );
  if (f.stale)
    c.option("--stale-age <duration>", "issues not updated for this long are auto-closed", DEFAULTS.staleAge);
  if (f.json !== false) c.option("--json", "JSON output");
  return c;
}

interface CycleRow {
  database: string;
  scan: ScanResult;
  reap: ReapResult;
  purge: PurgeResult;
  auto_close: AutoCloseResult;
}

const actorOf = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);
const dry = (opts: Record<string, unknown>) => opts.dryRun === true;
const would = (opts: Record<string, unknown>) => (dry(opts) ? "[DRY RUN] would " : "");

export const reaperGroup: GtGroup = {
  names: ["reaper"],
  register(p: Command) {
    const cmd = p
      .command("reaper")
      .description(
        "Wisp and issue clean-up over the town's ledgers: reap stale wisps and orphaned worktrees, purge old closed wisps and mail, auto-close stale issues",
      );
    cmd
      .command("databases")
      .description("The ledgers the reaper works on: town, and each rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const dbs = reaperDatabases(ctx.town());
          if (ctx.json) return ctx.printJson(dbs);
          for (const d of dbs) ctx.out(d);
        }),
      );
    withFlags(
      cmd.command("scan").description("Count reap, purge, mail and stale candidates (changes nothing)"),
      { maxAge: true, purge: true, stale: true },
    ).action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const a = ages(opts);
        const results = [];
        for (const db of reaperDatabases(town, opts.db as string | undefined))
          results.push(await scanDatabase(town, db, a));
        if (ctx.json) return ctx.printJson(results);
        for (const r of results) {
          ctx.out(`Database: ${r.database}`);
          ctx.out(`  Reap candidates:  ${r.reap_candidates}`);
          ctx.out(`  Purge candidates: ${r.purge_candidates}`);
          ctx.out(`  Mail candidates:  ${r.mail_candidates}`);
          ctx.out(`  Stale candidates: ${r.stale_candidates}`);
          ctx.out(`  Open wisps:       ${r.open_wisps}`);
          ctx.out(`  Orphaned worktrees: ${r.orphaned_worktrees}`);
          for (const x of r.anomalies ?? []) ctx.out(`  ANOMALY: ${x.message}`);
        }
      }),
    );
    withFlags(
      cmd.command("reap").description("Close stale open wisps past --max-age; prune orphaned worktrees"),
      {
        maxAge: true,
      },
    ).action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const a = ages(opts);
        const results = [];
        for (const db of reaperDatabases(town, opts.db as string | undefined))
          results.push(
            await reapDatabase(town, db, a.maxAgeMs, {
              dryRun: dry(opts),
              actor: actorOf(ctx),
              ageText: a.maxAgeText,
            }),
          );
        if (ctx.json) return ctx.printJson(results);
        for (const r of results)
          ctx.out(
            `${r.database}: ${would(opts)}reaped ${r.reaped} wisps, pruned ${r.worktrees_pruned} orphaned worktrees, ${r.open_remain} open remain`,
          );
      }),
    );
    withFlags(
      cmd
        .command("purge")
        .description("Delete closed wisps past --purge-age and closed mail past --mail-age"),
      {
        purge: true,
      },
    ).action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const a = ages(opts);
        const results = [];
        for (const db of reaperDatabases(town, opts.db as string | undefined))
          results.push(await purgeDatabase(town, db, a, { dryRun: dry(opts), actor: actorOf(ctx) }));
        if (ctx.json) return ctx.printJson(results);
        for (const r of results)
          ctx.out(`${r.database}: ${would(opts)}purged ${r.wisps_purged} wisps, ${r.mail_purged} mail`);
      }),
    );
    withFlags(
      cmd
        .command("auto-close")
        .description(
          "Close issues with no update past --stale-age (not P0/P1, epics, protected or with open deps)",
        ),
      { stale: true },
    ).action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const a = ages(opts);
        const results = [];
        for (const db of reaperDatabases(town, opts.db as string | undefined))
          results.push(
            await autoCloseDatabase(town, db, a.staleAgeMs, { dryRun: dry(opts), actor: actorOf(ctx) }),
          );
        if (ctx.json) return ctx.printJson(results);
        for (const r of results) {
          for (const e of r.closed_entries ?? [])
            ctx.out(`  ${e.id} ${oneLine(e.title)} (${e.age_days}d stale, db:${e.database})`);
          ctx.out(`${r.database}: ${would(opts)}auto-closed ${r.closed} stale issues`);
        }
      }),
    );
    withFlags(cmd.command("run").description("A whole reaper cycle: scan, reap, purge, auto-close, report"), {
      maxAge: true,
      purge: true,
      stale: true,
    }).action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const a = ages(opts);
        const actor = actorOf(ctx);
        const dbs = reaperDatabases(town, opts.db as string | undefined);
        const cycle: CycleRow[] = [];
        for (const db of dbs) {
          const scan = await scanDatabase(town, db, a);
          const reap = await reapDatabase(town, db, a.maxAgeMs, {
            dryRun: dry(opts),
            actor,
            ageText: a.maxAgeText,
          });
          const purge = await purgeDatabase(town, db, a, { dryRun: dry(opts), actor });
          const close = await autoCloseDatabase(town, db, a.staleAgeMs, { dryRun: dry(opts), actor });
          cycle.push({ database: db, scan, reap, purge, auto_close: close });
        }
        const sum = (f: (c: (typeof cycle)[number]) => number) => cycle.reduce((n, c) => n + f(c), 0);
        const totals = {
          databases: dbs.length,
          reaped: sum((c) => c.reap.reaped),
          worktrees_pruned: sum((c) => c.reap.worktrees_pruned),
          wisps_purged: sum((c) => c.purge.wisps_purged),
          mail_purged: sum((c) => c.purge.mail_purged),
          closed: sum((c) => c.auto_close.closed),
          open_remain: sum((c) => c.reap.open_remain),
        };
        if (ctx.json) return ctx.printJson({ dry_run: dry(opts), totals, databases: cycle });
        for (const c of cycle) {
          for (const x of c.scan.anomalies ?? []) ctx.out(`${c.database}: ANOMALY: ${x.message}`);
          for (const e of c.auto_close.closed_entries ?? [])
            ctx.out(`  ${e.id} ${oneLine(e.title)} (${e.age_days}d stale, db:${e.database})`);
        }
        ctx.out(`\n${dry(opts) ? "[DRY RUN] " : ""}Reaper cycle complete:`);
        ctx.out(`  Databases: ${totals.databases}`);
        ctx.out(`  Reaped:    ${totals.reaped} (and ${totals.worktrees_pruned} orphaned worktrees pruned)`);
        ctx.out(`  Purged:    ${totals.wisps_purged} wisps, ${totals.mail_purged} mail`);
        ctx.out(`  Closed:    ${totals.closed} stale issues`);
        ctx.out(`  Open:      ${totals.open_remain} wisps remain`);
      }),
    );
  },
};
