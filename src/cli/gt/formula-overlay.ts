// gt formula overlay show|edit|list: per-formula step overrides (src/formulas/overlay.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Command } from "commander";
import { GasTownError } from "../../errors.ts";
import {
  applyOverlay,
  checkFormulaName,
  listOverlays,
  loadOverlay,
  overlayPath,
  overlayStarter,
} from "../../formulas/overlay.ts";
import type { Step } from "../../formulas/schema.ts";
import { identityFromEnv, identityFromPath } from "../../town/identity.ts";
import type { Town } from "../../town/workspace.ts";
import { formulaLibraryOf } from "../../work/attach.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act } from "./program.ts";

/** --rig, else the rig the caller is in (GT_ROLE or directory), else none. */
function rigHere(ctx: GtContext, opts: { rig?: unknown }): string | null {
  const town = ctx.town();
  if (typeof opts.rig === "string") return town.rig(opts.rig).name;
  const id = identityFromEnv(ctx.env) ?? identityFromPath(town.root, ctx.cwd);
  if (id?.rig) return id.rig;
  const first = ctx.cwd.startsWith(`${town.root}/`)
    ? ctx.cwd.slice(town.root.length + 1).split("/")[0]
    : undefined;
  return first && town.rigNames().includes(first) ? first : null;
}

/** The formula's steps from the rig's search path, or null when it is not found. */
function stepsOf(town: Town, rig: string | null, formula: string): Step[] | null {
  try {
    return formulaLibraryOf(town, rig ?? undefined).load(formula).formula.steps ?? [];
  } catch {
    return null;
  }
}

export function registerFormulaOverlay(formula: Command): void {
  const o = formula
    .command("overlay")
    .description(
      "Formula overlays: per-formula step overrides (replace, append, skip) for the town or a rig",
    );

  o.command("show <formula>")
    .description(
      "Show the overlay in force for a formula (the rig's, else the town's) and the steps it yields",
    )
    .option("--rig <rig>", "the rig (default: the one you are in)")
    .option("--json", "JSON output: {formula, rig, overlay, steps, warnings}")
    .action(
      act(async (ctx, args, opts) => {
        const town = ctx.town();
        const name = checkFormulaName(args[0]!);
        const rig = rigHere(ctx, opts);
        const overlay = loadOverlay(town.root, name, rig);
        const steps = stepsOf(town, rig, name);
        const applied = overlay && steps ? applyOverlay(steps, overlay.overrides) : null;
        if (ctx.json)
          return ctx.printJson({
            formula: name,
            rig,
            overlay,
            formula_found: steps !== null,
            steps:
              applied?.steps.map((s) => ({
                id: s.id,
                title: s.title ?? null,
                description: s.description ?? null,
                needs: s.needs ?? [],
              })) ?? null,
            warnings: applied?.warnings ?? [],
          });
        if (!overlay) {
          ctx.out(`No overlay found for formula "${name}"`);
          ctx.out(`  Checked: ${overlayPath(town.root, name)}`);
          if (rig) ctx.out(`  Checked: ${overlayPath(town.root, name, rig)}`);
          ctx.out("\nUse 'gt formula overlay edit' to create one.");
          return;
        }
        ctx.out(`# Overlay: ${name} (${overlay.rig ? `rig:${overlay.rig}` : "town"})`);
        ctx.out(`# Source: ${overlay.path}`);
        ctx.out(`# Step overrides: ${overlay.overrides.length}\n`);
        for (const s of overlay.overrides) {
          ctx.out(`[${s.mode}] ${s.step_id}`);
          if (s.description) ctx.out(`  ${s.description.split("\n").join("\n  ")}`);
        }
        if (!applied)
          return ctx.out(`\n(formula ${name} is not on the search path: no steps to apply it to)`);
        ctx.out("\nSteps with the overlay:");
        for (const s of applied.steps) ctx.out(`  ${s.id}${s.title ? `  ${oneLine(s.title)}` : ""}`);
        for (const w of applied.warnings) ctx.warn(`warning: ${w}`);
      }),
    );

  o.command("edit <formula>")
    .description(
      "Open a formula's overlay in $EDITOR (made if missing): the rig's where you are, else the town's",
    )
    .option("--rig <rig>", "the rig's overlay")
    .option("--town", "the town-level overlay, even inside a rig")
    .option("--json", "JSON output: {path, created, changed, overrides}")
    .action(
      act(async (ctx, args, opts) => {
        const town = ctx.town();
        const name = checkFormulaName(args[0]!);
        const rig = opts.town === true ? null : rigHere(ctx, opts);
        const path = overlayPath(town.root, name, rig);
        const created = !existsSync(path);
        if (created) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(
            path,
            overlayStarter(
              name,
              (stepsOf(town, rig, name) ?? []).map((s) => s.id),
            ),
          );
        }
        const before = readFileSync(path, "utf8");
        const editor = ctx.env.VISUAL || ctx.env.EDITOR || "vi";
        const r = spawnSync("sh", ["-c", `${editor} "$1"`, "gt-overlay-edit", path], {
          stdio: ctx.json ? ["inherit", "ignore", "inherit"] : "inherit",
          env: ctx.env,
        });
        if (r.error || r.status !== 0)
          throw new GasTownError(
            "editor_failed",
            `editor "${editor}" ${r.error ? `could not run: ${r.error.message}` : `exited with ${r.status ?? r.signal}`}; ${path} is as it was left`,
          );
        const changed = readFileSync(path, "utf8") !== before;
        // A broken file is reported (one line naming it), not silently kept as if valid.
        const overlay = loadOverlay(town.root, name, rig);
        if (ctx.json)
          return ctx.printJson({ path, created, changed, overrides: overlay?.overrides.length ?? 0 });
        if (created) ctx.out(`Created new overlay: ${path}`);
        ctx.out(changed ? `Overlay updated: ${path}` : `○ overlay unchanged: ${path}`);
        ctx.out("Changes take effect at next 'gt prime'.");
      }),
    );

  o.command("list")
    .description("List every overlay file of the town and its rigs")
    .option("--json", "JSON output: [{scope, rig, formula, path}]")
    .action(
      act(async (ctx) => {
        const town = ctx.town();
        const rows = listOverlays(town.root, town.rigNames());
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) {
          ctx.out("No overlay files found.");
          return ctx.out("\nUse 'gt formula overlay edit <formula>' to create one.");
        }
        ctx.out(`Formula overlay files (${rows.length}):\n`);
        ctx.out(`  ${"SCOPE".padEnd(10)} ${"FORMULA".padEnd(30)} PATH`);
        for (const r of rows) ctx.out(`  ${(r.rig ?? "town").padEnd(10)} ${r.formula.padEnd(30)} ${r.path}`);
      }),
    );
}
