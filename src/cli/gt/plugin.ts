// gt plugin list|show|run|history|sync: the Deacon's periodic automation (src/watch/plugins.ts).
import { resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
import {
  getPlugin,
  listPlugins,
  type Plugin,
  pluginRuns,
  runPlugin,
  syncPlugins,
} from "../../watch/plugins.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const where = (p: Plugin) => (p.rig ? `rig ${p.rig}` : "town");

function gateText(p: Plugin): string {
  const g = p.gate;
  const detail = g.duration ?? g.schedule ?? g.check ?? g.on;
  return detail ? `${g.type} ${detail}` : g.type;
}

export const pluginGroup: GtGroup = {
  names: ["plugin"],
  register(p: Command) {
    const plugin = p
      .command("plugin")
      .description(
        "Plugins: periodic automation in <town>/plugins/ and <rig>/plugins/, run by the Deacon's dogs",
      );
    plugin
      .command("list")
      .description("List the town's plugins and every rig's")
      .option("--rig <rig>", "only the town's and this rig's")
      .option("--json", "JSON output: [{name, description, location, rig, path, gate, ...}]")
      .action(
        act(async (ctx, _args, opts) => {
          const rows = listPlugins(ctx.town(), { rig: opts.rig as string | undefined });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0)
            return ctx.out(
              `○ no plugins (add a directory with plugin.md under ${ctx.town().path("plugins")})`,
            );
          for (const r of rows) {
            ctx.out(`● ${r.name} [${where(r)}] gate: ${gateText(r)}${r.has_run_script ? " · run.sh" : ""}`);
            if (r.description) ctx.out(`    ${oneLine(r.description)}`);
          }
        }),
      );
    plugin
      .command("show <name>")
      .description("Show a plugin: gate, tracking, execution and instructions")
      .option("--rig <rig>", "the rig's plugin of that name (else the town's)")
      .option("--json", "JSON output: the plugin")
      .action(
        act(async (ctx, args, opts) => {
          const r = getPlugin(ctx.town(), args[0]!, opts.rig as string | undefined);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`Plugin: ${r.name} (${where(r)}, version ${r.version})`);
          ctx.out(`Path: ${r.path}`);
          if (r.description) ctx.out(`Description: ${oneLine(r.description)}`);
          ctx.out(`Gate: ${gateText(r)}`);
          if (r.tracking.labels.length || r.tracking.digest)
            ctx.out(`Tracking: labels ${r.tracking.labels.join(", ") || "-"}; digest ${r.tracking.digest}`);
          const e = r.execution;
          ctx.out(
            `Execution: ${r.has_run_script ? "run.sh" : "instructions for a dog"}${e.timeout ? `, timeout ${e.timeout}` : ""}${e.severity ? `, severity ${e.severity}` : ""}${e.notify_on_failure ? ", notify on failure" : ""}`,
          );
          ctx.out("");
          ctx.out(r.instructions || "(no instructions)");
        }),
      );
    plugin
      .command("run <name>")
      .description("Run a plugin now (its run.sh, else hand over its instructions) and record the run")
      .option("--rig <rig>", "the rig's plugin of that name (else the town's)")
      .option("--force", "run even though its gate is closed")
      .option("--dry-run", "only say whether the gate is open")
      .option("--json", "JSON output: {plugin, gate, ran, result, exit_code, output, run_id, ...}")
      .action(
        act(async (ctx, args, opts) => {
          const town = ctx.town();
          const pl = getPlugin(town, args[0]!, opts.rig as string | undefined);
          const r = await runPlugin(town, pl, {
            force: opts.force === true,
            dryRun: opts.dryRun === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            env: ctx.env,
          });
          if (ctx.json) {
            ctx.printJson(r);
            return r.result === "failure" ? 1 : 0;
          }
          if (!r.ran) {
            if (opts.dryRun === true)
              return ctx.out(
                `${r.gate.open ? "Gate open" : "Gate closed"}: ${r.gate.reason}${r.gate.open ? "" : " (--force runs it anyway)"}`,
              );
            ctx.out(`⚠ gate closed: ${r.gate.reason} (--force runs it anyway)`);
            return;
          }
          if (r.forced) ctx.out(`(gate bypassed with --force: ${r.gate.reason})`);
          if (r.script) {
            if (r.output.trim()) ctx.out(r.output.trimEnd());
            ctx.out(
              `${r.result === "success" ? "✓" : "✗"} ${r.plugin}: run.sh ${r.result} (exit ${r.exit_code ?? "killed"}), recorded as ${r.run_id}`,
            );
            return r.result === "success" ? 0 : 1;
          }
          ctx.out(`● ${r.plugin}: instructions (no run.sh), recorded as ${r.run_id}\n`);
          ctx.out(r.output);
        }),
      );
    plugin
      .command("history <name>")
      .description("A plugin's recorded runs, newest first")
      .option("--rig <rig>", "the rig's plugin of that name (else the town's)")
      .option("--limit <n>", "at most this many", "10")
      .option("--json", "JSON output: [{id, plugin, rig, result, at, summary}]")
      .action(
        act(async (ctx, args, opts) => {
          const limit = Number(opts.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw new ValidationError(`invalid --limit "${String(opts.limit)}"`);
          const town = ctx.town();
          getPlugin(town, args[0]!, opts.rig as string | undefined);
          const rows = await pluginRuns(town, args[0]!, { limit });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out(`○ ${args[0]} has not run`);
          for (const r of rows)
            ctx.out(
              `${r.result === "success" ? "✓" : "✗"} ${r.at.replace("T", " ").slice(0, 19)}  ${r.id}${r.rig ? `  [${r.rig}]` : ""}  ${oneLine(r.summary)}`,
            );
        }),
      );
    plugin
      .command("sync")
      .description("Copy plugins from a source directory into the town's plugins/ (or a rig's)")
      .requiredOption("--source <dir>", "a directory of plugin directories (each with plugin.md)")
      .option("--rig <rig>", "into this rig's plugins/")
      .option("--clean", "remove plugins the source does not have")
      .option("--dry-run", "only say what would change")
      .option("--json", "JSON output: {source, target, copied, unchanged, removed, dry_run}")
      .action(
        act(async (ctx, _args, opts) => {
          const r = syncPlugins(ctx.town(), resolve(ctx.cwd, opts.source as string), {
            rig: opts.rig as string | undefined,
            clean: opts.clean === true,
            dryRun: opts.dryRun === true,
          });
          if (ctx.json) return ctx.printJson(r);
          const verb = r.dry_run ? "would " : "";
          for (const n of r.copied) ctx.out(`↑ ${n} ${verb}${r.dry_run ? "be copied" : "copied"}`);
          for (const n of r.removed) ctx.out(`- ${n} ${verb}${r.dry_run ? "be removed" : "removed"}`);
          ctx.out(
            r.copied.length || r.removed.length
              ? `${r.dry_run ? "○ dry run: " : "✓ "}${r.copied.length} copied, ${r.removed.length} removed, ${r.unchanged.length} up to date (${r.target})`
              : `✓ plugins up to date (${r.unchanged.length} checked)`,
          );
        }),
      );
  },
};
