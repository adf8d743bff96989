// gt mol (alias molecule): the molecule on your hook — status, attach, detach, step done,
// burn, squash. Thin: the work is in src/work/mol.ts and src/work/attach.ts.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { checklistLines } from "../../formulas/checklist.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { attachMolecule, detachMolecule } from "../../work/attach.ts";
import { molBurn, molSquash, molStatus, molStepDone } from "../../work/mol.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function who(ctx: GtContext) {
  const town = ctx.town();
  return {
    town,
    caller: callerIdentity(town.root, ctx.env, ctx.cwd),
    actor: callerActor(town.root, ctx.env, ctx.cwd),
  };
}

export const molGroup: GtGroup = {
  names: ["mol", "molecule"],
  register(p: Command) {
    const mol = p
      .command("mol")
      .alias("molecule")
      .description(
        "The molecule (formula steps) on your hook: status, attach, detach, step done, burn, squash",
      );

    mol
      .command("status [target]")
      .alias("current")
      .description("Where a molecule stands (a bead, a molecule or a step; default: the one on your hook)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target]) => {
          const { town, caller } = who(ctx);
          const s = await molStatus(town, target, caller);
          if (ctx.json) return ctx.printJson(s);
          const p = s.progress;
          ctx.out(
            `🧬 ${p.molecule_id}: ${oneLine(p.molecule_title)}${s.formula ? ` (${s.formula})` : ""}${s.bead ? ` on ${s.bead}` : ""}  ${p.completed}/${p.total} done`,
          );
          for (const l of checklistLines(p)) ctx.out(`  ${l}`);
          if (p.total > 0 && p.completed === p.total) ctx.out("  every step is done: finish with gt done");
        }),
      );

    mol
      .command("attach <bead> <formula>")
      .description("Pour a formula as a molecule and attach it to a bead")
      .option("--var <key=value>", "a var for the formula (repeatable)", repeat)
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [bead, formula], opts) => {
          const { town, actor } = who(ctx);
          let vars: Record<string, string>;
          try {
            vars = parseVarFlags((opts.var as string[] | undefined) ?? []);
          } catch (e) {
            throw new ValidationError((e as Error).message);
          }
          const r = await attachMolecule(town, bead!, { formula: formula!, vars, actor });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`🧬 ${r.formula} attached to ${r.bead} as ${r.molecule} (${r.steps} steps)`);
        }),
      );

    mol
      .command("detach <bead>")
      .description("Take the molecule off a bead (its step beads are burned unless --keep)")
      .option("--keep", "keep the molecule's beads")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [bead], opts) => {
          const { town, actor } = who(ctx);
          const r = await detachMolecule(town, bead!, { actor, burn: opts.keep !== true });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ ${r.molecule} detached from ${r.bead}${r.burned ? " and burned" : " (its beads kept)"}`);
        }),
      );

    const step = mol.command("step").description("Work the molecule's steps");
    step
      .command("done [step]")
      .description("Close a step (default: the current one) and claim the next ready one")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id]) => {
          const { town, caller, actor } = who(ctx);
          const r = await molStepDone(town, id, caller, actor);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ ${r.closed} done`);
          if (r.next) ctx.out(`→ next step: ${r.next.id} — ${oneLine(r.next.title)}`);
          else if (r.complete) ctx.out("✓ every step is done: finish with gt done");
          else ctx.out("○ no step is ready yet (the rest wait on blockers)");
        }),
      );

    mol
      .command("burn [target]")
      .description("Delete a molecule and everything it made (default: the one on your hook)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target]) => {
          const { town, caller, actor } = who(ctx);
          const r = await molBurn(town, target, caller, actor);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `🔥 ${r.molecule_id} burned (${r.deleted.length} beads)${r.bead ? `; detached from ${r.bead}` : ""}`,
          );
        }),
      );

    mol
      .command("squash [target]")
      .description("Squash a molecule into a digest bead; its steps are removed")
      .option("--summary <text>", "your summary, first in the digest")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target], opts) => {
          const { town, caller, actor } = who(ctx);
          const r = await molSquash(town, target, caller, {
            summary: opts.summary as string | undefined,
            actor,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`📦 ${r.molecule_id} squashed into ${r.digest_id} (${r.squashed} steps)`);
        }),
      );
  },
};
