// gt changelog: completed work across the town's ledgers (src/agents/changelog.ts).
import type { Command } from "commander";
import { type ChangelogEntry, changelogSince, collectChangelog, weekStart } from "../../agents/changelog.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const TYPE_ICONS: Record<string, string> = { bug: "🐛", feature: "✨", task: "✓", epic: "🏔" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const day = (d: Date) => `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, "0")}`;

function periodLabel(since: Date, now = new Date()): string {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  // On a Monday the week starts today: "Week of" says more than "Today".
  if (since.getTime() === weekStart(now).getTime()) return `Week of ${day(since)}, ${since.getFullYear()}`;
  if (since.getTime() === today.getTime()) return "Today";
  return `Since ${day(since)}, ${since.getFullYear()}`;
}

function printChangelog(out: (s: string) => void, entries: ChangelogEntry[], since: Date): void {
  out(`\n📋 Changelog — ${periodLabel(since)}\n`);
  if (entries.length === 0) {
    out("  No completed work found for this period.\n");
    return;
  }
  const byRig = new Map<string, ChangelogEntry[]>();
  for (const e of entries) byRig.set(e.rig, [...(byRig.get(e.rig) ?? []), e]);
  for (const [rig, list] of byRig) {
    out(`${rig.toUpperCase()}  (${list.length})`);
    for (const e of list)
      out(`  ${TYPE_ICONS[e.type] ?? "·"}  ${e.id}  ${day(new Date(e.closed_at))} ${oneLine(e.title)}`);
    out("");
  }
  out(`Total: ${entries.length} issues closed across ${byRig.size} rig(s)\n`);
}

export const changelogGroup: GtGroup = {
  names: ["changelog"],
  register(p: Command) {
    p.command("changelog")
      .description("Show completed work across rigs (closed beads, wisps and bookkeeping left out)")
      .option("--today", "today's completions")
      .option("--week", "this week's completions (the default)")
      .option("--since <date>", "completions since a date (YYYY-MM-DD)")
      .option("--rig <rig>", "one rig only")
      .option("--json", "JSON output: [{id, title, type, rig, closed_at, close_reason?}]")
      .action(
        act(async (ctx, _args, opts) => {
          const since = changelogSince({
            since: opts.since as string | undefined,
            today: opts.today === true && opts.week !== true,
          });
          const entries = await collectChangelog(ctx.town(), since, opts.rig as string | undefined);
          if (ctx.json) return ctx.printJson(entries);
          printChangelog((s) => ctx.out(s), entries, since);
        }),
      );
  },
};
