// gt krc: the Key Record Chronicle, TTLs and pruning of the town's event log (src/events/krc.ts).
import type { Command } from "commander";
import {
  autoPrune,
  decayReport,
  defaultKrcConfig,
  formatTtl,
  type KrcConfig,
  krcConfigPath,
  krcStats,
  loadAutoPruneState,
  loadKrcConfig,
  nextAutoPruneIn,
  type PruneResult,
  pruneEvents,
  saveKrcConfig,
  setKrcTtl,
} from "../../events/krc.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = "KMGTPE";
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}B`;
}

const ago = (iso: string) => formatTtl(Math.max(0, Date.now() - Date.parse(iso)));

/** The config as --json shows it: durations as text, as the file has them. */
function configJson(townRoot: string, c: KrcConfig) {
  return {
    path: krcConfigPath(townRoot),
    default_ttl: formatTtl(c.default_ttl_ms),
    prune_interval: formatTtl(c.prune_interval_ms),
    min_retain_count: c.min_retain_count,
    ttls: Object.fromEntries(
      Object.keys(c.ttls)
        .sort()
        .map((k) => [k, formatTtl(c.ttls[k]!)]),
    ),
  };
}

function printPrune(ctx: GtContext, r: PruneResult): void {
  if (r.events_pruned === 0) {
    ctx.out("No expired events to prune.");
    return;
  }
  const types = Object.entries(r.pruned_by_type).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (r.dry_run) {
    ctx.out("Dry run - would prune:\n");
    for (const [t, n] of types) ctx.out(`  ${t.padEnd(20)} ${n} events`);
    ctx.out(`\nTotal: ${r.events_pruned} events would be pruned\n\nRun without --dry-run to prune.`);
    return;
  }
  ctx.out("Prune complete:");
  ctx.out(`  Events processed: ${r.events_processed}`);
  ctx.out(`  Events pruned:    ${r.events_pruned}`);
  ctx.out(`  Events retained:  ${r.events_retained}`);
  ctx.out(`  Space saved:      ${bytes(r.bytes_before - r.bytes_after)}`);
  ctx.out(`  Duration:         ${r.duration_ms}ms`);
  ctx.out("\nPruned by type:");
  for (const [t, n] of types) ctx.out(`  ${t.padEnd(20)} ${n}`);
}

export const krcGroup: GtGroup = {
  names: ["krc"],
  register(p: Command) {
    const k = p
      .command("krc")
      .description("Key Record Chronicle: time-to-live by event type for the town's event log, and pruning");

    k.command("stats")
      .description("Event log size, events by age, and each type's TTL and expired count")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const s = krcStats(town.root, loadKrcConfig(town.root));
          if (ctx.json) return ctx.printJson(s);
          ctx.out("Key Record Chronicle Statistics\n");
          ctx.out("Files:");
          ctx.out(`  Events: ${bytes(s.events_file.size)} (${s.events_file.event_count} events)\n`);
          ctx.out("Age Distribution:");
          for (const [age, n] of Object.entries(s.by_age))
            if (n > 0) ctx.out(`  ${`${age}:`.padEnd(8)} ${n} events`);
          ctx.out("");
          if (s.oldest_event && s.newest_event) {
            ctx.out(`Oldest event: ${s.oldest_event} (${ago(s.oldest_event)} ago)`);
            ctx.out(`Newest event: ${s.newest_event} (${ago(s.newest_event)} ago)\n`);
          }
          ctx.out("TTL Status by Type:");
          const types = Object.entries(s.ttl_breakdown).sort(
            (a, b) => b[1].expired - a[1].expired || a[0].localeCompare(b[0]),
          );
          for (const [t, i] of types)
            ctx.out(
              `  ${t.padEnd(20)} TTL: ${formatTtl(i.ttl_ms).padEnd(6)} Count: ${String(i.count).padEnd(5)} ${i.expired ? `${i.expired} expired` : "OK"}`,
            );
        }),
      );

    k.command("prune")
      .description(
        "Remove events older than their type's TTL from .events.jsonl (the newest min_retain_count stay)",
      )
      .option("--dry-run", "show what would be pruned")
      .option("--auto", "daemon mode: prune only when the prune interval has passed since the last prune")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const config = loadKrcConfig(town.root);
          if (opts.auto) {
            const r = autoPrune(town.root, config);
            if (ctx.json) return ctx.printJson({ ran: r !== null, result: r });
            if (!r) {
              const next = nextAutoPruneIn(loadAutoPruneState(town.root), config);
              return ctx.out(`○ Auto-prune skipped (next in ${formatTtl(next)})`);
            }
            if (r.events_pruned === 0) return ctx.out("○ Auto-prune ran: no expired events");
            return ctx.out(
              `✓ Auto-pruned ${r.events_pruned} events (${bytes(r.bytes_before - r.bytes_after)} freed)`,
            );
          }
          const r = pruneEvents(town.root, config, { dryRun: opts.dryRun === true });
          if (ctx.json) return ctx.printJson(r);
          printPrune(ctx, r);
        }),
      );

    const c = k
      .command("config")
      .description("Show the TTL configuration (settings/krc.json over the defaults)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const cfg = loadKrcConfig(town.root);
          const j = configJson(town.root, cfg);
          if (ctx.json) return ctx.printJson(j);
          ctx.out("KRC Configuration\n");
          ctx.out(`Config file: ${j.path}\n`);
          ctx.out(`Default TTL:     ${j.default_ttl}`);
          ctx.out(`Prune interval:  ${j.prune_interval}`);
          ctx.out(`Min retain:      ${j.min_retain_count} events\n`);
          ctx.out("TTLs by pattern:");
          for (const [pat, ttl] of Object.entries(j.ttls)) ctx.out(`  ${pat.padEnd(20)} ${ttl}`);
        }),
      );
    c.command("set <pattern> <ttl>")
      .description('Set the TTL of an event type or glob ("patrol_*"); "default" sets the default TTL')
      .option("--json", "JSON output: the whole config")
      .action(
        act(async (ctx, args) => {
          const town = ctx.town();
          const [pattern, ttl] = args as [string, string];
          const cfg = setKrcTtl(town.root, pattern, ttl);
          if (ctx.json) return ctx.printJson(configJson(town.root, cfg));
          const ms = pattern === "default" ? cfg.default_ttl_ms : cfg.ttls[pattern]!;
          ctx.out(
            pattern === "default"
              ? `Set default TTL to ${formatTtl(ms)}`
              : `Set TTL for "${pattern}" to ${formatTtl(ms)}`,
          );
        }),
      );
    c.command("reset")
      .description("Reset the TTL configuration to the built-in defaults")
      .action(
        act(async (ctx) => {
          saveKrcConfig(ctx.town().root, defaultKrcConfig());
          ctx.out("Reset KRC configuration to defaults.");
        }),
      );

    k.command("decay")
      .description("How much forensic value each event type has left (rapid, steady, slow or flat decay)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const r = decayReport(town.root, loadKrcConfig(town.root));
          if (ctx.json) return ctx.printJson(r);
          ctx.out("Forensic Value Decay Report\n");
          if (r.types.length === 0) return ctx.out("○ No events found");
          ctx.out(
            `Total events: ${r.total_events}   Avg score: ${Math.round(r.total_score * 100)}%   At risk: ${r.at_risk}   Expired: ${r.expired}\n`,
          );
          const row = (cols: string[]) =>
            `  ${cols[0]!.padEnd(20)} ${cols[1]!.padEnd(7)} ${cols[2]!.padEnd(6)} ${cols[3]!.padEnd(8)} ${cols[4]!.padEnd(8)} ${cols[5]!.padEnd(8)} ${cols[6]}`;
          ctx.out(row(["TYPE", "CURVE", "TTL", "COUNT", "AVG AGE", "SCORE", "STATUS"]));
          ctx.out(row(["-".repeat(20), "------", "-----", "-------", "-------", "-------", "------"]));
          for (const t of r.types) {
            const status =
              t.expired_count > 0
                ? `${t.expired_count} expired`
                : t.avg_score < 0.25
                  ? "low value"
                  : t.avg_score < 0.5
                    ? "decaying"
                    : "healthy";
            ctx.out(
              row([
                t.event_type,
                t.curve,
                formatTtl(t.ttl_ms),
                String(t.count),
                formatTtl(t.avg_age_ms),
                `${Math.round(t.avg_score * 100)}%`,
                status,
              ]),
            );
          }
          ctx.out("\nDecay curves: rapid (heartbeats), steady (sessions), slow (errors), flat (audit)");
        }),
      );

    k.command("auto-prune-status")
      .description("When auto-prune last ran, what it freed, and when it is next due")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const config = loadKrcConfig(town.root);
          const s = loadAutoPruneState(town.root);
          const next = nextAutoPruneIn(s, config);
          if (ctx.json)
            return ctx.printJson({
              ...s,
              prune_interval: formatTtl(config.prune_interval_ms),
              due: next === 0,
              next_in_ms: next,
            });
          ctx.out("Auto-Prune Status\n");
          ctx.out(`Prune interval: ${formatTtl(config.prune_interval_ms)}`);
          if (!s.last_prune_time) {
            ctx.out("Last prune:     never");
            ctx.out("Status:         prune pending");
          } else {
            ctx.out(`Last prune:     ${s.last_prune_time} (${ago(s.last_prune_time)} ago)`);
            ctx.out(`Status:         ${next === 0 ? "prune due" : `next in ${formatTtl(next)}`}`);
          }
          ctx.out("");
          ctx.out(`Total prunes:      ${s.prune_count}`);
          ctx.out(`Total pruned:      ${s.total_pruned} events`);
          ctx.out(`Total space freed: ${bytes(s.total_bytes_freed)}`);
          const last = s.last_result;
          if (last && last.events_pruned > 0) {
            ctx.out("\nLast prune result:");
            ctx.out(
              `  Processed: ${last.events_processed}  Pruned: ${last.events_pruned}  Retained: ${last.events_retained}`,
            );
          }
        }),
      );
  },
};
