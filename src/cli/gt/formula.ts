// gt formula list/show: the same search path, output and --json shapes as bd formula
// list/show (Gas Town's gt formula hands these to bd). run turns a formula into slung work
// (src/work/formula-run.ts); create writes a starter file (src/work/formula-create.ts).
import { realpathSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { createFormulaFile, formulaDirOf, type StarterType } from "../../work/formula-create.ts";
import { type FormulaRunResult, runFormula } from "../../work/formula-run.ts";
import { formulaJson, formulaLibraryFor, listFormulas, listText, showText } from "../formula-view.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { registerFormulaOverlay } from "./formula-overlay.ts";
import { act, type GtGroup } from "./program.ts";

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The rig named (argument or --rig), else the one the command runs in. */
function rigFor(ctx: GtContext, named: string | undefined, required: boolean): string | undefined {
  const town = ctx.town();
  if (named) {
    town.rig(named);
    return named;
  }
  const fromIdentity = callerIdentity(town.root, ctx.env, ctx.cwd)?.rig;
  if (fromIdentity) return fromIdentity;
  let here = ctx.cwd;
  try {
    here = realpathSync(ctx.cwd);
  } catch {
    // a cwd that is gone: no rig from it
  }
  const rel = relative(realpathSync(town.root), here);
  const first = rel.split(sep)[0];
  if (first && !rel.startsWith("..") && town.rigNames().includes(first)) return first;
  if (required) throw new ValidationError("name the rig: gt formula run <formula> <rig> (or --rig <rig>)");
  return undefined;
}

function varsOf(opts: Record<string, unknown>): Record<string, string> {
  try {
    return parseVarFlags((opts.var as string[] | undefined) ?? []);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
}

function printRun(ctx: GtContext, r: FormulaRunResult): void {
  const verb = r.dry_run ? "Would run" : "Ran";
  ctx.out(`🧪 ${verb} ${r.formula} (${r.type}) on ${r.rig}`);
  for (const b of r.beads) {
    const o = r.sling?.outcomes.find((x) => x.bead === b.id);
    const where = o ? ` → ${o.target}` : "";
    ctx.out(`   ${b.leg ? `leg ${b.leg}: ` : ""}${b.id || "(new bead)"} "${oneLine(b.title)}"${where}`);
  }
  if (r.synthesis) ctx.out(`   synthesis ${r.synthesis}: waits for every leg, then is slung to ${r.rig}`);
  if (r.convoy) ctx.out(`   convoy ${r.convoy} (gt convoy status ${r.convoy})`);
  for (const f of r.sling?.failures ?? []) ctx.warn(`✗ ${f.bead}: ${f.error}`);
}

export const formulaGroup: GtGroup = {
  names: ["formula", "formulas"],
  register(p: Command) {
    const formula = p
      .command("formula")
      .alias("formulas")
      .description("Workflow formulas: list, show, run, create (search path: rig, town, ~/.beads, built-in)");
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
    formula
      .command("run")
      .description(
        "Run a formula on a rig: a workflow becomes one bead slung with its molecule; a convoy, one polecat per leg in parallel and the synthesis after",
      )
      .argument("<name>", "formula name (or path to a formula file)")
      .argument("[rig]", "the rig (default: the one you are in)")
      .option("--rig <rig>", "the rig")
      .option("--var <key=value>", "a var (repeatable)", repeat)
      .option("--preset <name>", "a convoy formula's preset: only its legs")
      .option("--agent <name>", "run this agent preset instead of the rig's")
      .option("--no-start", "hook only; do not start sessions")
      .option("-n, --dry-run", "show what would be made")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name, rigArg], opts) => {
          const town = ctx.town();
          const rig = rigFor(ctx, rigArg ?? (opts.rig as string | undefined), true)!;
          const r = await runFormula(town, ctx.provider(), name!, rig, {
            vars: varsOf(opts),
            preset: opts.preset as string | undefined,
            agent: opts.agent as string | undefined,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            dryRun: opts.dryRun === true,
            noStart: opts.start === false,
          });
          if (ctx.json) ctx.printJson(r);
          else printRun(ctx, r);
          if ((r.sling?.failures.length ?? 0) > 0) return 1;
        }),
      );
    formula
      .command("create")
      .description("Write a starter formula file (refuses to overwrite one)")
      .argument("<name>", "the formula's name")
      .option("--rig <rig>", "in this rig's .beads/formulas (default: the town's)")
      .option("--type <type>", "workflow (default) or convoy", "workflow")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          const dir = formulaDirOf(town, opts.rig as string | undefined);
          const file = createFormulaFile(dir, name!, opts.type as StarterType);
          if (ctx.json) return ctx.printJson({ name, type: opts.type, path: file });
          ctx.out(`✓ ${file}`);
          ctx.out(`  edit it, then: gt formula show ${name}`);
        }),
      );
    registerFormulaOverlay(formula);
  },
};
