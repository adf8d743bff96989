// bd formula list/show and bd cook: the formula half of molecules. Thin: the search path,
// loading, resolving and cooking are src/formulas; the layouts are ../formula-view.ts.
import { resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { type CookedFormula, type CookMode, cookFormula } from "../../formulas/cook.ts";
import { FormulaLibrary } from "../../formulas/library.ts";
import { burnMolecule } from "../../formulas/molecule.ts";
import { pourCooked, protoId } from "../../formulas/pour.ts";
import { allSteps } from "../../formulas/resolve.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { formulaLibraryFor, listFormulas, listText, showText } from "../formula-view.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

/** A repeatable option whose values may hold commas (`--var list=a,b`). */
function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The search path, with --search-path directories first. */
function libraryWith(ctx: BdContext, extra: string[] | undefined): FormulaLibrary {
  const lib = formulaLibraryFor(ctx.cwd, ctx.env);
  return extra?.length ? new FormulaLibrary([...extra.map((d) => resolve(ctx.cwd, d)), ...lib.dirs]) : lib;
}

async function list(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const lib = formulaLibraryFor(ctx.cwd, ctx.env);
  const { entries, broken } = listFormulas(lib, o.type as string | undefined);
  // A broken file is said on stderr; the JSON list holds the formulas that can be used.
  for (const b of broken) ctx.warn(`warning: ${b}`);
  if (ctx.json) return ctx.printJson(entries);
  ctx.out(listText(entries, lib.dirs));
}

async function show(ctx: BdContext, args: string[]) {
  const lib = formulaLibraryFor(ctx.cwd, ctx.env);
  const { formula } = lib.loadNameOrPath(args[0]!, ctx.cwd);
  if (ctx.json) return ctx.printJson(formula);
  ctx.out(showText(formula));
}

function dryRunText(c: CookedFormula): string {
  const out = [
    `Dry run: ${c.formula} (${c.type}, ${c.mode} mode), ${c.step_count} step${c.step_count === 1 ? "" : "s"}`,
  ];
  for (const s of allSteps(c.steps)) {
    const needs = s.needs?.length ? `  (needs ${s.needs.join(", ")})` : "";
    out.push(`  ${s.id}: ${s.title ?? ""}${needs}`);
  }
  if (c.variables.length > 0) out.push(`Variables used: ${c.variables.join(", ")}`);
  if (c.values) for (const [k, v] of Object.entries(c.values)) out.push(`  {{${k}}} = ${v}`);
  return out.join("\n");
}

/** bd cook --persist: the proto as template beads `<prefix>-<formula>[.<step>]` (src/formulas/pour.ts). */
async function persist(ctx: BdContext, cooked: CookedFormula, force: boolean) {
  const store = ctx.ledger();
  const id = protoId(await store.prefix(), cooked.formula);
  const old = await store.getIssue(id);
  if (old && !(force && old.is_template))
    throw new ValidationError(
      old.is_template
        ? `proto ${id} already exists (--force replaces it)`
        : `${id} exists and is not a proto`,
    );
  if (old) await burnMolecule(store, id, ctx.actor());
  const made = await pourCooked(store, cooked, { ephemeral: false, proto: true, actor: ctx.actor() });
  if (ctx.json) return ctx.printJson({ proto_id: made.root_id, ...made });
  ctx.out(`✓ Persisted proto ${made.root_id} (${made.created} template beads, ${cooked.mode} mode)`);
}

async function cook(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const mode = o.mode as string | undefined;
  if (mode !== undefined && mode !== "compile" && mode !== "runtime")
    throw new ValidationError(`--mode must be compile or runtime, not "${mode}"`);
  let vars: Record<string, string>;
  try {
    vars = parseVarFlags((o.var as string[] | undefined) ?? []);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
  const lib = libraryWith(ctx, o.searchPath as string[] | undefined);
  const cooked = cookFormula(lib, args[0]!, ctx.cwd, { mode: mode as CookMode | undefined, vars });
  if (o.dryRun && !ctx.json) return ctx.out(dryRunText(cooked));
  if (o.persist) return persist(ctx, cooked, o.force === true);
  if (ctx.json) return ctx.printJson(o.dryRun ? { ...cooked, dry_run: true } : cooked);
  process.stdout.write(`${JSON.stringify(cooked, null, 2)}\n`);
}

function registerFormula(program: Command): void {
  const formula = program
    .command("formula")
    .description("Workflow formulas (.formula.toml / .formula.json): list and show");
  formula
    .command("list")
    .description("List the formulas on the search path (rig, town, ~/.beads, built-in)")
    .option("--type <type>", "only this type: workflow, expansion, aspect or convoy")
    .action(act(list));
  formula
    .command("show")
    .description("Show a formula: vars, steps, composition")
    .argument("<name>", "formula name (or path to a formula file)")
    .action(act(show));
  program
    .command("cook")
    .description("Resolve a formula (extends, expansions, aspects) and print it as JSON with every step")
    .argument("<formula>", "formula name or path to a .formula.toml/.formula.json file")
    .option("--var <key=value>", "a variable's value (repeatable); any --var means runtime mode", repeat)
    .option("--mode <mode>", "compile (keep {{vars}}, the default) or runtime (substitute and check them)")
    .option("--dry-run", "print the steps that would be cooked instead of the JSON")
    .option("--persist", "write the proto as template beads <prefix>-<formula>.<step>")
    .option("--force", "with --persist: replace an existing proto")
    .option("--search-path <dir>", "look for formulas here first (repeatable)", repeat)
    .action(act(cook));
}

export const FORMULA: CommandGroup = { names: ["formula", "cook"], register: registerFormula };
