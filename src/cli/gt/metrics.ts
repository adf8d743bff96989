// gt metrics: which gt commands are used, how often and by whom, from the command-usage log
// (src/town/command-usage.ts); --dead lists the commands of the whole tree nobody ran.
import { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { deadCommands, readUsage, usageByActor, usageFrequency } from "../../town/command-usage.ts";
import { act, type GtGroup, type LazyGtGroup } from "./program.ts";

/** Every runnable command path of gt ("gt mail send"), with every group loaded. */
async function registeredPaths(all: readonly LazyGtGroup[]): Promise<string[]> {
  const root = new Command("gt");
  for (const g of await Promise.all(all.map((g) => g.load()))) g.register(root);
  const out: string[] = [];
  const walk = (c: Command, path: string) => {
    const subs = c.commands as Command[];
    if (subs.length === 0 || (c as unknown as { _actionHandler?: unknown })._actionHandler) out.push(path);
    for (const s of subs) walk(s, `${path} ${s.name()}`);
  };
  for (const c of root.commands as Command[]) walk(c, `gt ${c.name()}`);
  return [...new Set(out)];
}

/** The metrics group; `all` is every gt group (GT_GROUPS), loaded only for --dead. */
export function metricsGroup(all: readonly LazyGtGroup[]): GtGroup {
  return {
    names: ["metrics"],
    register(p: Command) {
      p.command("metrics")
        .description("Show command usage statistics (from ~/.gt/cmd-usage.jsonl)")
        .option("--by-actor", "breakdown by actor")
        .option("--since <days>", "only the last N days")
        .option("--dead", "commands defined but never invoked")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, _args, opts) => {
            const since = opts.since === undefined ? 0 : Number(opts.since);
            if (!Number.isInteger(since) || since < 0)
              throw new ValidationError(`--since takes a whole number of days, not "${String(opts.since)}"`);
            const entries = readUsage(ctx.env, since);
            if (opts.dead) {
              const registered = await registeredPaths(all.filter((g) => !g.names.includes("metrics")));
              const dead = deadCommands(entries, [...registered, "gt metrics"]);
              if (ctx.json) return ctx.printJson({ registered: registered.length + 1, dead });
              if (dead.length === 0)
                return ctx.out("No dead commands — every registered command has been invoked.");
              ctx.out(`Dead commands (${registered.length + 1} registered, never invoked):\n`);
              for (const c of dead) ctx.out(`  ${c}`);
              return ctx.out(
                `\nTotal: ${dead.length} dead out of ${registered.length + 1} registered commands`,
              );
            }
            if (opts.byActor) {
              const rows = usageByActor(entries);
              if (ctx.json) return ctx.printJson(rows);
              if (rows.length === 0) return ctx.out("No usage data.");
              for (const a of rows) {
                ctx.out(`\n${a.actor} (${a.total} invocations)`);
                ctx.out(`  ${"COMMAND".padEnd(33)} ${"COUNT".padStart(6)}`);
                for (const r of a.commands) ctx.out(`  ${r.cmd.padEnd(33)} ${String(r.count).padStart(6)}`);
              }
              return;
            }
            const rows = usageFrequency(entries);
            if (ctx.json) return ctx.printJson(rows);
            if (rows.length === 0) return ctx.out("No usage data.");
            ctx.out(`${"COMMAND".padEnd(35)} ${"COUNT".padStart(6)}  LAST USED`);
            ctx.out(`${"─".repeat(35)} ${"─".repeat(6)}  ${"─".repeat(10)}`);
            for (const r of rows)
              ctx.out(`${r.cmd.padEnd(35)} ${String(r.count).padStart(6)}  ${r.last_used.slice(0, 10)}`);
            ctx.out(`\nTotal: ${entries.length} invocations across ${rows.length} commands`);
          }),
        );
    },
  };
}
