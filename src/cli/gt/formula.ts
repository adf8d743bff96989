// gt formula list/show: the same search path, output and --json shapes as bd formula
// list/show (Gas Town's gt formula hands these to bd). run and create come with molecules.
import type { Command } from "commander";
import { formulaJson, formulaLibraryFor, listFormulas, listText, showText } from "../formula-view.ts";
import { act, type GtGroup } from "./program.ts";

export const formulaGroup: GtGroup = {
  names: ["formula", "formulas"],
  register(p: Command) {
    const formula = p
      .command("formula")
      .alias("formulas")
      .description("Workflow formulas: list and show (search path: rig, town, ~/.beads, built-in)");
    formula
      .command("list")
      .description("List the formulas on the search path")
      .option("--type <type>", "only this type: workflow, expansion, aspect or convoy")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const lib = formulaLibraryFor(ctx.cwd, ctx.env);
          const { entries, broken } = listFormulas(lib, opts.type as string | undefined);
          for (const b of broken) ctx.warn(`warning: ${b}`);
          if (ctx.json) return void process.stdout.write(formulaJson(entries));
          ctx.out(listText(entries, lib.dirs));
        }),
      );
    formula
      .command("show")
      .description("Show a formula: vars, steps, composition")
      .argument("<name>", "formula name (or path to a formula file)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const { formula: f } = formulaLibraryFor(ctx.cwd, ctx.env).loadNameOrPath(args[0]!, ctx.cwd);
          if (ctx.json) return void process.stdout.write(formulaJson(f));
          ctx.out(showText(f));
        }),
      );
  },
};
