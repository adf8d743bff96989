// bd mol's reading and tidying commands: current, progress, show (through moleculeProgress),
// squash and burn, wisp list/gc, seed and distill. Registered by mol.ts with pour/wisp/bond.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { durationMs } from "../../duration.ts";
import { ValidationError } from "../../errors.ts";
import { cookFormula } from "../../formulas/cook.ts";
import { distillMolecule } from "../../formulas/distill.ts";
import { burnMolecule, currentMolecules, requireMolecule, squashMolecule } from "../../formulas/molecule.ts";
import { type MoleculeProgress, moleculeProgress } from "../../formulas/progress.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { gcWisps, listWisps } from "../../formulas/wisps.ts";
import type { Issue } from "../../ledger/model.ts";
import type { LedgerStore } from "../../ledger/store.ts";
import { formulaLibraryFor } from "../formula-view.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";

/** The command's --var k=v flags; a malformed one is a ValidationError (one line). */
export function varFlags(o: Record<string, unknown>): Record<string, string> {
  try {
    return parseVarFlags((o.var as string[] | undefined) ?? []);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
}

/** The molecule root an argument names, in the ledger that holds it. */
export async function molecule(ctx: BdContext, raw: string): Promise<{ store: LedgerStore; root: Issue }> {
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

export async function current(ctx: BdContext, args: string[], o: Record<string, unknown>) {
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

export async function progress(ctx: BdContext, args: string[]) {
  const { store, root } = await molecule(ctx, args[0]!);
  const p = await moleculeProgress(store, root.id);
  if (ctx.json) return ctx.printJson(p);
  ctx.out(checklist(p).join("\n"));
}

export async function show(ctx: BdContext, args: string[]) {
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

export async function squash(ctx: BdContext, args: string[], o: Record<string, unknown>) {
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

export async function burn(ctx: BdContext, args: string[]) {
  // Every id must name a molecule before anything is deleted.
  const targets = [];
  for (const raw of args) targets.push(await molecule(ctx, raw));
  const burned = [];
  for (const { store, root } of targets) burned.push(await burnMolecule(store, root.id, ctx.actor()));
  if (ctx.json) return ctx.printJson(burned.length === 1 ? burned[0] : burned);
  for (const b of burned) ctx.out(`🔥 Burned ${one(b.molecule_id)} (${b.deleted.length} beads deleted)`);
}

export async function wispList(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const list = await listWisps(ctx.ledger(), {
    ageMs: durationMs(o.age as string, "--age"),
    includeClosed: o.all === true,
  });
  if (ctx.json) return ctx.printJson(list);
  if (list.count === 0) return ctx.out("No wisps");
  for (const w of list.wisps) ctx.out(`${one(w.id)}  [${w.status}] ${one(w.title)}${w.old ? "  (old)" : ""}`);
  ctx.out(`\n${list.count} wisps, ${list.old_count} old`);
}

export async function wispGc(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
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

const PATROL_FORMULAS = ["mol-witness-patrol", "mol-refinery-patrol", "mol-deacon-patrol"];

/** bd mol seed [formula...] [--patrol]: checks that formulas resolve and cook (compile mode). */
export async function seed(ctx: BdContext, args: string[], o: Record<string, unknown>) {
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
export async function distill(ctx: BdContext, args: string[], o: Record<string, unknown>) {
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
