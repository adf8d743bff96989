// bd setup <recipe> (an agent's instructions file and session hook; --check, --remove,
// --list, --print, -o, --add) and bd rules audit|compact (rule files looked over, merged).
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  builtinRecipes,
  checkRecipe,
  INSTRUCTIONS,
  installRecipe,
  type Recipe,
  removeRecipe,
  saveUserRecipe,
  userRecipes,
  writeInstructions,
} from "../../ledger/agent-setup.ts";
import { findLedger } from "../../ledger/discovery.ts";
import {
  auditRules,
  groupLabel,
  mergeRules,
  parseRuleFile,
  type RuleFile,
} from "../../ledger/rules-audit.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

function recipes(ctx: BdContext, o: Record<string, unknown>): Recipe[] {
  const beadsDir = findLedger(ctx.cwd, ctx.env)?.beadsDir;
  return [
    ...builtinRecipes({
      project: ctx.cwd,
      home: ctx.env.HOME || homedir(),
      codexHome: ctx.env.CODEX_HOME,
      // bd's tree also takes --global (a hidden global flag), so it may arrive there.
      global: Boolean(o.global || (ctx.opts as { global?: boolean }).global),
      projectOnly: Boolean(o.project),
    }),
    ...userRecipes(beadsDir, ctx.cwd),
  ];
}

const shown = (ctx: BdContext, path: string) =>
  path.startsWith(`${ctx.cwd}/`) ? path.slice(ctx.cwd.length + 1) : path;

async function setup(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const all = recipes(ctx, o);
  if (o.list) {
    if (ctx.json)
      return ctx.printJson(
        all.map((r) => ({
          name: r.name,
          description: r.description,
          source: r.builtin ? "built-in" : "user",
        })),
      );
    ctx.out("Available recipes:\n");
    for (const r of [...all].sort((a, b) => a.name.localeCompare(b.name)))
      ctx.out(`  ${r.name.padEnd(12)}  ${r.description.padEnd(25)}  (${r.builtin ? "built-in" : "user"})`);
    ctx.out(
      "\nUse 'bd setup <recipe>' to install.\nUse 'bd setup --add <name> <path>' to add a custom recipe.",
    );
    return;
  }
  if (o.print) return void process.stdout.write(INSTRUCTIONS);
  if (o.output) {
    writeInstructions(resolve(ctx.cwd, o.output as string));
    return ctx.out(`✓ Wrote template to ${o.output as string}`);
  }
  if (o.add) {
    if (args.length !== 1)
      throw new ValidationError("--add requires a path argument (bd setup --add <name> <path>)");
    const name = String(o.add).toLowerCase();
    if (all.some((r) => r.builtin && r.name === name))
      throw new ValidationError(`"${name}" is a built-in recipe`);
    saveUserRecipe(ctx.location().beadsDir, name, args[0]!);
    return ctx.out(`✓ Added recipe '${name}' → ${args[0]}\n\nInstall with: bd setup ${name}`);
  }
  if (args.length !== 1)
    throw new ValidationError("usage: bd setup <recipe> [--check|--remove] (bd setup --list)");
  if (o.check && o.remove) throw new ValidationError("--check and --remove cannot be used together");
  const name = args[0]!.toLowerCase();
  const recipe = all.find((r) => r.name === name);
  if (!recipe) throw new ValidationError(`unknown recipe: ${name} (bd setup --list shows them)`);

  if (o.check) {
    const state = checkRecipe(recipe);
    if (ctx.json)
      ctx.printJson({
        recipe: recipe.name,
        installed: state.installed,
        files: state.files,
        ...(state.hook ? { hook: state.hook } : {}),
      });
    else if (state.installed) {
      ctx.out(`✓ ${recipe.display} integration installed`);
      for (const f of [...state.files, ...(state.hook ? [state.hook] : [])])
        ctx.out(`  File: ${shown(ctx, f.path)}`);
    } else {
      ctx.out(`✗ ${recipe.display} integration not installed\n  Run: bd setup ${recipe.name}`);
      for (const f of [...state.files, ...(state.hook ? [state.hook] : [])])
        if (!f.present) ctx.out(`  Missing: ${shown(ctx, f.path)}`);
    }
    return state.installed ? 0 : 1;
  }
  if (o.remove) {
    const changed = removeRecipe(recipe);
    if (ctx.json) return ctx.printJson({ recipe: recipe.name, removed: changed });
    if (changed.length === 0) return ctx.out("No integration files found");
    return ctx.out(`✓ Removed ${recipe.display} integration`);
  }
  let written: string[];
  try {
    written = installRecipe(recipe);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
  if (ctx.json) return ctx.printJson({ recipe: recipe.name, installed: true, files: written });
  ctx.out(`Installing ${recipe.display} integration...\n\n✓ ${recipe.display} integration installed`);
  for (const f of written) ctx.out(`  File: ${shown(ctx, f)}`);
  if (recipe.hook) ctx.out(`\nRestart ${recipe.display} for the session hook to take effect.`);
}

function threshold(text: unknown): number {
  const n = Number(text ?? 0.6);
  if (!(n >= 0 && n <= 1)) throw new ValidationError("--threshold must be between 0 and 1");
  return n;
}

async function rulesAudit(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const dir = resolve(ctx.cwd, o.path as string);
  const t = threshold(o.threshold);
  const result = auditRules(dir, t);
  if (ctx.json) return ctx.printJson({ ...result, rules: result.rules.map(({ body: _, ...r }) => r) });
  ctx.out(`Rules Audit — ${o.path as string}\n${"=".repeat(60)}\n`);
  const grouped = result.merge_candidates.reduce((n, m) => n + m.rules.length, 0);
  ctx.out(
    `Summary:\n  Total rules:        ${result.total_rules}\n  Token estimate:     ~${result.token_estimate}\n  Contradictions:     ${result.contradictions.length}`,
  );
  ctx.out(
    `  Merge candidates:   ${result.merge_candidates.length ? `${result.merge_candidates.length} groups (${grouped} rules)` : "0"}\n`,
  );
  if (result.contradictions.length) {
    ctx.out("Contradictions:");
    for (const c of result.contradictions) ctx.out(`  ${c.rule_a}  ${c.rule_b}  ${c.tension}`);
    ctx.out("");
  }
  if (result.merge_candidates.length) {
    ctx.out(`Merge Candidates (similarity > ${t.toFixed(2)}):`);
    result.merge_candidates.forEach((m, i) => {
      ctx.out(`  Group ${i + 1} — "${m.group_label}" (score: ${m.score.toFixed(2)})`);
      for (const r of m.rules) ctx.out(`    → ${r}`);
      ctx.out(`    Suggested: merge into ${m.group_label.replaceAll(" ", "-")}.md\n`);
    });
    ctx.out("Run `bd rules compact --auto` to apply suggested merges.");
  }
}

/** Writes the merged file first (temp + rename), then removes the sources other than it. */
function applyMerge(dir: string, label: string, merged: string, sources: RuleFile[]): string {
  const out = join(dir, `${label.replaceAll(" ", "-")}.md`);
  const tmp = `${out}.bd-tmp-${process.pid}`;
  writeFileSync(tmp, merged, { mode: 0o600 });
  renameSync(tmp, out);
  for (const s of sources) if (resolve(s.path) !== resolve(out)) rmSync(s.path, { force: true });
  return out;
}

async function rulesCompact(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const dir = resolve(ctx.cwd, o.path as string);
  const groups = ((o.group as string[] | undefined) ?? []).flatMap((g) => g.split(",")).filter(Boolean);
  if (!o.auto && groups.length === 0)
    throw new ValidationError("specify --group <rule1,rule2,...> or --auto");
  const dry = Boolean(o.dryRun);
  if (o.auto) {
    const audit = auditRules(dir, 0.6);
    if (audit.merge_candidates.length === 0) {
      if (ctx.json) return ctx.printJson({ status: "no merge candidates found" });
      return ctx.out("No merge candidates found.");
    }
    const results = audit.merge_candidates.map((m) => {
      const members = m.rules.map((r) => parseRuleFile(join(dir, r)));
      const merged = mergeRules(members, m.group_label);
      if (!dry) applyMerge(dir, m.group_label, merged, members);
      if (!ctx.json)
        ctx.out(
          `${dry ? "Preview merge" : "Merged"} → ${m.group_label}.md:\n${"─".repeat(40)}\n${merged}${"─".repeat(40)}\n`,
        );
      return { group: m.group_label, output: merged, rules_merged: members.length, applied: !dry };
    });
    if (ctx.json) ctx.printJson(results);
    return;
  }
  const members = groups.map((g) => {
    const path = join(dir, g.endsWith(".md") ? g : `${g}.md`);
    if (!existsSync(path)) throw new ValidationError(`cannot read rule ${g}: no such file`);
    return parseRuleFile(path);
  });
  if (members.length < 2) throw new ValidationError("need at least 2 rules to merge");
  const label = groupLabel(members);
  const merged = mergeRules(members, label);
  if (!dry) applyMerge(dir, label, merged, members);
  if (ctx.json) return ctx.printJson({ group: label, output: merged, rules: members.length, dry_run: dry });
  ctx.out(
    `${dry ? "Preview merge" : "Merged"} → ${label.replaceAll(" ", "-")}.md:\n${"─".repeat(40)}\n${merged}${"─".repeat(40)}`,
  );
}

export const SETUP: CommandGroup = {
  names: ["setup", "rules"],
  register(p: Command) {
    p.command("setup")
      .description("Setup integration with AI editors (cursor, claude, codex, gemini, …)")
      .argument("[recipe]")
      .option("--list", "list all available recipes")
      .option("--print", "print the instructions template to stdout")
      .option("-o, --output <path>", "write the instructions template to this path")
      .option("--add <name>", "add a custom recipe writing the template to <path>")
      .option("--check", "check whether the integration is installed (exit 1 when not)")
      .option("--remove", "remove the integration (only what bd wrote)")
      .option("--project", "gemini: install the hook for this project only")
      .option("--global", "claude/codex: install to the home directory")
      .option("--stealth", "accepted for compatibility")
      .action(act(setup));
    const rules = p.command("rules").description("Audit and compact Claude rules");
    rules
      .command("audit")
      .description("Scan rules for contradictions and merge opportunities")
      .option("--path <dir>", "path to the rules directory", ".claude/rules/")
      .option("--threshold <n>", "Jaccard similarity threshold", "0.6")
      .action(act(rulesAudit));
    rules
      .command("compact")
      .description("Merge related rules into composites")
      .option("--path <dir>", "path to the rules directory", ".claude/rules/")
      .option("--group <names>", "rule names to merge (comma list)", (v: string, acc: string[] = []) => [
        ...acc,
        v,
      ])
      .option("--auto", "apply the audit's suggested merges")
      .option("--dry-run", "preview without applying")
      .action(act(rulesCompact));
  },
};
