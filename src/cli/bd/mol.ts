// bd mol: pour / wisp (a formula cooked in runtime mode, or a persisted proto cloned, written
// as a molecule: src/formulas/pour.ts, proto.ts) and bond; the reading and tidying commands
// (current, progress, show, squash, burn, wisp list/gc, seed, distill) are in mol-work.ts.
import { resolve } from "node:path";
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { cookFormula } from "../../formulas/cook.ts";
import { FormulaLibrary } from "../../formulas/library.ts";
import { bondBeads, bondType, burnMolecule } from "../../formulas/molecule.ts";
import { type PourResult, pourCooked } from "../../formulas/pour.ts";
import { protoRoot, spawnProto } from "../../formulas/proto.ts";
import { formulaLibraryFor } from "../formula-view.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import {
  burn,
  current,
  distill,
  progress,
  seed,
  show,
  squash,
  varFlags,
  wispGc,
  wispList,
} from "./mol-work.ts";
import { act, type CommandGroup } from "./program.ts";

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Cooks `formulaArg` in runtime mode with the command's --var and --search-path, and pours it. */
async function cookAndPour(
  ctx: BdContext,
  formulaArg: string,
  o: Record<string, unknown>,
  ephemeral: boolean,
): Promise<PourResult> {
  const vars = varFlags(o);
  // A persisted proto (bd cook --persist) by its exact id is cloned rather than cooked.
  if (await protoRoot(ctx.ledger(), formulaArg))
    return spawnProto(ctx.ledger(), formulaArg, {
      vars,
      ephemeral,
      rootOnly: o.rootOnly === true,
      assignee: o.assignee as string | undefined,
      actor: ctx.actor(),
    });
  const extra = (o.searchPath as string[] | undefined) ?? [];
  const base = formulaLibraryFor(ctx.cwd, ctx.env);
  const lib = extra.length
    ? new FormulaLibrary([...extra.map((d) => resolve(ctx.cwd, d)), ...base.dirs])
    : base;
  const cooked = cookFormula(lib, formulaArg, ctx.cwd, { mode: "runtime", vars });
  if (!ephemeral && cooked.phase === "vapor")
    ctx.warn(`warning: ${cooked.formula} is meant to be a wisp (phase = "vapor"); bd mol wisp makes one`);
  return pourCooked(ctx.ledger(), cooked, {
    ephemeral,
    rootOnly: o.rootOnly === true,
    assignee: o.assignee as string | undefined,
    actor: ctx.actor(),
  });
}

async function pour(ctx: BdContext, formulaArg: string, o: Record<string, unknown>, ephemeral: boolean) {
  const result = await cookAndPour(ctx, formulaArg, o, ephemeral);
  ctx.touch(result.root_id);
  if (ctx.json) return ctx.printJson(result);
  const what = ephemeral ? "wisp" : "molecule";
  ctx.out(`✓ ${result.formula} poured as ${what} ${result.root_id} (${result.created} beads)`);
  if (!o.rootOnly) ctx.out(`  next: bd ready --mol ${result.root_id}`);
}

/** A bond operand: a bead of this ledger (`bead`), or a proto id or formula to spawn. */
async function operand(ctx: BdContext, raw: string): Promise<{ bead?: string; spawn?: string }> {
  if (/\.formula\.(toml|json)$|\//.test(raw)) return { spawn: raw };
  try {
    const { store, id } = await ctx.resolve(raw);
    if (store !== ctx.ledger())
      throw new ValidationError(`${id} is in another ledger: bond beads of one ledger`);
    return (await store.getIssue(id))?.is_template ? { spawn: id } : { bead: id };
  } catch (e) {
    if (e instanceof NotFoundError) return { spawn: raw };
    throw e;
  }
}

/**
 * bd mol bond A B (beads §4.1): a formula or proto is spawned first (a wisp with --ephemeral,
 * else a poured molecule); then B depends on A through the bond's edge (molecule.ts
 * bondBeads). Two formulas or protos (a compound proto) are refused: pour one, bond the other.
 */
async function bond(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const type = bondType(o.type as string | undefined);
  const [a, b] = [await operand(ctx, args[0]!), await operand(ctx, args[1]!)];
  if (a.spawn !== undefined && b.spawn !== undefined)
    throw new ValidationError(
      `neither ${args[0]} nor ${args[1]} is a bead: bonding two formulas is not supported; pour one and bond the other to it`,
    );
  const spawnArg = a.spawn ?? b.spawn;
  const spawned =
    spawnArg === undefined ? undefined : await cookAndPour(ctx, spawnArg, o, o.ephemeral === true);
  const first = a.bead ?? spawned!.root_id;
  const second = b.bead ?? spawned!.root_id;
  try {
    await bondBeads(ctx.ledger(), first, second, type, ctx.actor());
  } catch (e) {
    // Nothing half-written: a molecule spawned for a bond that failed goes again.
    if (spawned) await burnMolecule(ctx.ledger(), spawned.root_id, ctx.actor());
    throw e;
  }
  const result = {
    result_id: spawned?.root_id ?? first,
    result_type: "compound_molecule",
    bond_type: type,
    spawned: spawned?.created ?? 0,
    id_mapping: spawned?.id_mapping ?? {},
  };
  if (ctx.json) return ctx.printJson(result);
  if (spawned) ctx.out(`✓ ${spawned.formula} spawned as ${spawned.root_id} (${spawned.created} beads)`);
  ctx.out(`✓ Bonded ${one(second)} to ${one(first)} (${type})`);
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
  const wisp = withFormulaOptions(
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
  wisp
    .command("list")
    .description("The top-level wisps (wisp molecules' roots, lone wisps), each old or not")
    .option("--age <duration>", "not updated for this long is old", "1h")
    .option("--all", "closed wisps too")
    .action(act(wispList));
  wisp
    .command("gc")
    .description("Remove closed wisps and old ones nobody works on, with their steps")
    .option("--age <duration>", "not updated for this long is old", "1h")
    .option("--closed", "only closed wisps")
    .option("--all", "old wisps in progress or hooked too")
    .option("--dry-run", "show what would be removed")
    .option("--force", "accepted for compatibility")
    .action(act(wispGc));
  mol
    .command("current")
    .description("Where the molecules you work on stand (the steps, the current one marked)")
    .argument("[molecule]", "a molecule root (default: those with your steps in progress or assigned to you)")
    .option("--for <who>", "whose molecules (default: the actor)")
    .action(act(current));
  mol
    .command("progress")
    .description("A molecule's checklist: steps done, current and to come, and n/total")
    .argument("<molecule>", "molecule root ID")
    .action(act(progress));
  mol
    .command("show")
    .description("A molecule: its root, its steps in order and its gates")
    .argument("<molecule>", "molecule root ID")
    .action(act(show));
  mol
    .command("squash")
    .description("Leave a closed digest bead summarising the steps, then delete the steps and gates")
    .argument("<molecule>", "molecule root ID")
    .option("--summary <text>", "your summary, put first in the digest")
    .option("--keep-children", "keep the steps (wisps become persistent) instead of deleting them")
    .action(act(squash));
  mol
    .command("burn")
    .description("Delete a molecule: its root, steps, gates and their edges, nothing else")
    .argument("<molecules...>", "molecule root IDs")
    .action(act(burn));
  mol
    .command("bond")
    .description("Bond two work graphs: B depends on A; a formula given as A or B is spawned first")
    .argument("<A>", "molecule root, bead, or formula to spawn")
    .argument("<B>", "bead or molecule root (or a formula to spawn after A)")
    .option(
      "--type <bond>",
      "sequential (B waits for A), parallel (linked only) or conditional",
      "sequential",
    )
    .option("--ephemeral", "spawn a formula as a wisp")
    .option("--var <key=value>", "a variable of the spawned formula (repeatable)", repeat)
    .option("--assignee <who>", "assignee of the spawned molecule's root")
    .option("--search-path <dir>", "look for formulas here first (repeatable)", repeat)
    .action(act(bond));
  mol
    .command("seed")
    .description("Check that formulas resolve and cook (--patrol: the witness, refinery and deacon patrols)")
    .argument("[formulas...]", "formula names or paths")
    .option("--patrol", "the patrol formulas")
    .action(act(seed));
  mol
    .command("distill")
    .description("Write a molecule back as a formula file (.beads/formulas/<name>.formula.toml)")
    .argument("<molecule>", "molecule root ID")
    .argument("[name]", "formula name (default: <source formula>-distilled, or the title)")
    .option("--var <name=value>", "turn this value back into {{name}} (repeatable)", repeat)
    .option("-o, --output <path>", "where to write it (- for stdout)")
    .option("--force", "overwrite an existing file")
    .action(act(distill));
}

export const MOL: CommandGroup = { names: ["mol", "molecule"], register: registerMol };
