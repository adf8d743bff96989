// bd mol: pour / wisp (a formula cooked in runtime mode and written as a molecule,
// src/formulas/pour.ts), and working with poured molecules: current, progress, show
// (read through moleculeProgress), squash, burn, bond, wisp list/gc (src/formulas/molecule.ts).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { cookFormula } from "../../formulas/cook.ts";
import { distillMolecule } from "../../formulas/distill.ts";
import { durationMs } from "../../formulas/duration.ts";
import { FormulaLibrary } from "../../formulas/library.ts";
import {
  bondBeads,
  bondType,
  burnMolecule,
  currentMolecules,
  requireMolecule,
  squashMolecule,
} from "../../formulas/molecule.ts";
import { type PourResult, pourCooked } from "../../formulas/pour.ts";
import { type MoleculeProgress, moleculeProgress } from "../../formulas/progress.ts";
import { protoRoot, spawnProto } from "../../formulas/proto.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { gcWisps, listWisps } from "../../formulas/wisps.ts";
import type { Issue } from "../../ledger/model.ts";
import type { LedgerStore } from "../../ledger/store.ts";
import { formulaLibraryFor } from "../formula-view.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { act, type CommandGroup } from "./program.ts";

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The command's --var k=v flags; a malformed one is a ValidationError (one line). */
function varFlags(o: Record<string, unknown>): Record<string, string> {
  try {
    return parseVarFlags((o.var as string[] | undefined) ?? []);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
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

/** The molecule root an argument names, in the ledger that holds it. */
async function molecule(ctx: BdContext, raw: string): Promise<{ store: LedgerStore; root: Issue }> {
  const { store, id } = await ctx.resolve(raw);
  return { store, root: await requireMolecule(store, id) };
}

function checklist(p: MoleculeProgress): string[] {
  const mark: Record<string, string> = {
    done: "[x]",
    current: "[>]",
    ready: "[ ]",
    blocked: "[!]",
    pending: "[ ]",
  };
  const lines = [`${one(p.molecule_id)}: ${one(p.molecule_title)}  (${p.completed}/${p.total} done)`];
  for (const s of p.steps) {
    const note = s.is_current ? "  ← current" : s.status === "blocked" ? "  (blocked)" : "";
    lines.push(
      `${"  ".repeat(s.depth + 1)}${mark[s.status]} ${one(s.issue.id)}  ${one(s.issue.title)}${note}`,
    );
  }
  return lines;
}

async function current(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  let found: MoleculeProgress[];
  if (args[0]) {
    const { store, root } = await molecule(ctx, args[0]);
    found = [await moleculeProgress(store, root.id)];
  } else {
    found = await currentMolecules(ctx.ledger(), (o.for as string | undefined) ?? ctx.actor());
  }
  if (ctx.json) return ctx.printJson(found);
  if (found.length === 0) return ctx.out("No molecule in progress");
  for (const p of found) {
    ctx.out(checklist(p).join("\n"));
    ctx.out(p.current_step ? `  current: ${one(p.current_step)}` : `  next: ${one(p.next_step ?? "none")}`);
  }
}

async function progress(ctx: BdContext, args: string[]) {
  const { store, root } = await molecule(ctx, args[0]!);
  const p = await moleculeProgress(store, root.id);
  if (ctx.json) return ctx.printJson(p);
  ctx.out(checklist(p).join("\n"));
}

async function show(ctx: BdContext, args: string[]) {
  const { store, root } = await molecule(ctx, args[0]!);
  const p = await moleculeProgress(store, root.id);
  const gates = await store.listIssues({
    parent: root.id,
    types: ["gate"],
    all: true,
    ephemeral: true,
    limit: 0,
  });
  if (ctx.json)
    return ctx.printJson({
      molecule: root,
      steps: p.steps.map((s) => ({ ...s.issue, state: s.status, depth: s.depth })),
      gates,
      completed: p.completed,
      total: p.total,
    });
  ctx.out(`${one(root.id)} [molecule${root.ephemeral ? ", wisp" : ""}] ${one(root.title)} (${root.status})`);
  if (root.source_formula) ctx.out(`  formula: ${one(root.source_formula)}`);
  if (root.assignee) ctx.out(`  assignee: ${one(root.assignee)}`);
  ctx.out(checklist(p).slice(1).join("\n"));
  for (const g of gates)
    ctx.out(
      `  gate ${one(g.id)} (${g.await_type ?? "?"}${g.await_id ? ` ${one(g.await_id)}` : ""}): ${g.status}`,
    );
  ctx.out(`${p.completed}/${p.total} steps done`);
}

async function squash(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const { store, root } = await molecule(ctx, args[0]!);
  const res = await squashMolecule(store, root.id, {
    summary: o.summary as string | undefined,
    keepChildren: o.keepChildren === true,
    actor: ctx.actor(),
  });
  ctx.touch(res.digest_id);
  if (ctx.json) return ctx.printJson(res);
  ctx.out(`✓ Squashed ${one(root.id)} into digest ${res.digest_id} (${res.squashed} steps)`);
  ctx.out(res.kept.length > 0 ? `  kept ${res.kept.length} beads` : `  deleted ${res.deleted.length} beads`);
}

async function burn(ctx: BdContext, args: string[]) {
  // Every id must name a molecule before anything is deleted.
  const targets = [];
  for (const raw of args) targets.push(await molecule(ctx, raw));
  const burned = [];
  for (const { store, root } of targets) burned.push(await burnMolecule(store, root.id, ctx.actor()));
  if (ctx.json) return ctx.printJson(burned.length === 1 ? burned[0] : burned);
  for (const b of burned) ctx.out(`🔥 Burned ${one(b.molecule_id)} (${b.deleted.length} beads deleted)`);
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

async function wispList(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const list = await listWisps(ctx.ledger(), {
    ageMs: durationMs(o.age as string, "--age"),
    includeClosed: o.all === true,
  });
  if (ctx.json) return ctx.printJson(list);
  if (list.count === 0) return ctx.out("No wisps");
  for (const w of list.wisps) ctx.out(`${one(w.id)}  [${w.status}] ${one(w.title)}${w.old ? "  (old)" : ""}`);
  ctx.out(`\n${list.count} wisps, ${list.old_count} old`);
}

async function wispGc(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const res = await gcWisps(ctx.ledger(), {
    ageMs: durationMs(o.age as string, "--age"),
    closedOnly: o.closed === true,
    all: o.all === true,
    dryRun: o.dryRun === true,
    actor: ctx.actor(),
  });
  if (ctx.json) return ctx.printJson(res);
  const verb = res.dry_run ? "Would remove" : "Removed";
  for (const w of res.removed) ctx.out(`${verb} ${one(w.id)} (${w.reason}): ${one(w.title)}`);
  ctx.out(
    res.dry_run
      ? `${res.removed.length} wisps would be removed (dry run)`
      : `${res.removed.length} wisps removed (${res.deleted} beads)`,
  );
}

/** bd mol seed [formula...] [--patrol]: checks that formulas resolve and cook (compile mode). */
async function seed(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const names = [...args, ...(o.patrol ? PATROL_FORMULAS : [])];
  if (names.length === 0) throw new ValidationError("name formulas to check, or --patrol");
  const lib = formulaLibraryFor(ctx.cwd, ctx.env);
  const seeded = names.map((name) => {
    try {
      const c = cookFormula(lib, name, ctx.cwd, {});
      return { formula: name, ok: true, steps: c.step_count, source: c.source };
    } catch (e) {
      return { formula: name, ok: false, error: (e as Error).message };
    }
  });
  const ok = seeded.every((x) => x.ok);
  if (ctx.json) ctx.printJson({ ok, seeded });
  else
    for (const x of seeded)
      ctx.out(x.ok ? `✓ ${x.formula} (${x.steps} steps)` : `✗ ${x.formula}: ${one(x.error)}`);
  return ok ? 0 : 1;
}

/** bd mol distill <mol> [name]: the molecule written back as a formula file. */
async function distill(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const { store, root } = await molecule(ctx, args[0]!);
  const vars = varFlags(o);
  const name =
    args[1] ??
    (root.source_formula
      ? `${root.source_formula}-distilled`
      : root.title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "") || "distilled");
  const d = await distillMolecule(store, root.id, { name, vars });
  if (o.output === "-") return void process.stdout.write(d.text);
  const path = o.output
    ? resolve(ctx.cwd, o.output as string)
    : join(ctx.location().beadsDir, "formulas", `${name}.formula.toml`);
  if (existsSync(path) && !o.force) throw new ValidationError(`${path} exists (--force overwrites it)`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, d.text);
  if (ctx.json) return ctx.printJson({ name, path, steps: d.steps });
  ctx.out(`✓ Distilled ${one(root.id)} into ${path} (${d.steps} steps)`);
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

const PATROL_FORMULAS = ["mol-witness-patrol", "mol-refinery-patrol", "mol-deacon-patrol"];

export const MOL: CommandGroup = { names: ["mol", "molecule"], register: registerMol };
