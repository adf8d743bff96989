// bd mol pour / bd mol wisp: a formula cooked in runtime mode and written as a molecule
// (src/formulas/pour.ts). The rest of bd mol (bond, current, progress, squash, burn, wisp
// list/gc) comes with the molecule work that builds on this.
import { resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { cookFormula } from "../../formulas/cook.ts";
import { FormulaLibrary } from "../../formulas/library.ts";
import { type PourResult, pourCooked } from "../../formulas/pour.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { formulaLibraryFor } from "../formula-view.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function pour(ctx: BdContext, formulaArg: string, o: Record<string, unknown>, ephemeral: boolean) {
  let vars: Record<string, string>;
  try {
    vars = parseVarFlags((o.var as string[] | undefined) ?? []);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
  const extra = (o.searchPath as string[] | undefined) ?? [];
  const base = formulaLibraryFor(ctx.cwd, ctx.env);
  const lib = extra.length
    ? new FormulaLibrary([...extra.map((d) => resolve(ctx.cwd, d)), ...base.dirs])
    : base;
  const cooked = cookFormula(lib, formulaArg, ctx.cwd, { mode: "runtime", vars });
  if (!ephemeral && cooked.phase === "vapor")
    ctx.warn(`warning: ${cooked.formula} is meant to be a wisp (phase = "vapor"); bd mol wisp makes one`);
  const result: PourResult = await pourCooked(ctx.ledger(), cooked, {
    ephemeral,
    rootOnly: o.rootOnly === true,
    assignee: o.assignee as string | undefined,
    actor: ctx.actor(),
  });
  ctx.touch(result.root_id);
  if (ctx.json) return ctx.printJson(result);
  const what = ephemeral ? "wisp" : "molecule";
  ctx.out(`✓ ${cooked.formula} poured as ${what} ${result.root_id} (${result.created} beads)`);
  if (!o.rootOnly) ctx.out(`  next: bd ready --mol ${result.root_id}`);
}

function registerMol(program: Command): void {
  const mol = program.command("mol").alias("molecule").description("Molecules: formulas poured as beads");
  const withFormulaOptions = (cmd: Command) =>
    cmd
      .option("--var <key=value>", "a variable's value (repeatable)", repeat)
      .option("--assignee <who>", "assignee of the molecule's root")
      .option("--search-path <dir>", "look for formulas here first (repeatable)", repeat);
  withFormulaOptions(
    mol
      .command("pour")
      .description(
        "Pour a formula as a persistent molecule: a root <prefix>-mol-… and one child bead per step",
      )
      .argument("<formula>", "formula name or path"),
  ).action(act(async (ctx, args, o) => pour(ctx, args[0]!, o, false)));
  withFormulaOptions(
    mol
      .command("wisp")
      .description(
        "Pour a formula as a wisp: ephemeral beads <prefix>-wisp-… (also: bd mol wisp create <formula>)",
      )
      .argument("<formula>", "formula name or path")
      .argument("[proto]", "with `create`: the formula")
      .option("--root-only", "only the root bead (the steps stay in the formula)"),
  ).action(
    act(async (ctx, args, o) => {
      // Gas Town's spelling: bd mol wisp create <proto> --root-only.
      const formula = args[0] === "create" && args[1] ? args[1] : args[0]!;
      if (args.length > 1 && args[0] !== "create")
        throw new ValidationError(`unexpected argument "${args[1]}"`);
      return pour(ctx, formula, o, true);
    }),
  );
}

export const MOL: CommandGroup = { names: ["mol", "molecule"], register: registerMol };
