// gt mol (alias molecule): the molecule on your hook — status, progress, dag, attach,
// attachment, detach, step done, burn, squash. Thin: the work is in src/work/mol.ts,
// src/work/attach.ts and src/formulas/dag.ts.
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { checklistLines } from "../../formulas/checklist.ts";
import { dagLines, moleculeDag, progressBar, summarizeProgress } from "../../formulas/dag.ts";
import { moleculeProgress } from "../../formulas/progress.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { openLedgerOfBead } from "../../town/ledgers.ts";
import { attachMolecule, detachMolecule, readAttachment } from "../../work/attach.ts";
import { molBurn, molSquash, molStatus, molStepDone, withMolecule } from "../../work/mol.ts";
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
      .command("progress [target]")
      .description(
        "A molecule's steps done out of total, with what is ready and blocked (default: your hook's)",
      )
      .option(
        "--json",
        "JSON output: {molecule_id, molecule_title, bead, total_steps, done_steps, in_progress_steps, ready_steps, blocked_steps, percent_complete, complete}",
      )
      .action(
        act(async (ctx, [target]) => {
          const { town, caller } = who(ctx);
          const s = await withMolecule(town, target, caller, async ({ store, molecule, bead }) => ({
            ...summarizeProgress(await moleculeProgress(store, molecule)),
            bead: bead?.id ?? null,
          }));
          if (ctx.json) return ctx.printJson(s);
          ctx.out(`🧬 ${s.molecule_id}: ${oneLine(s.molecule_title)}${s.bead ? ` on ${s.bead}` : ""}`);
          ctx.out(
            `  [${progressBar(s.percent_complete)}] ${s.percent_complete}% (${s.done_steps}/${s.total_steps})`,
          );
          const list = (ids: string[]) => `${ids.length}${ids.length ? ` (${ids.join(", ")})` : ""}`;
          ctx.out(`  Done:        ${s.done_steps}`);
          ctx.out(`  In progress: ${list(s.in_progress_steps)}`);
          ctx.out(`  Ready:       ${list(s.ready_steps)}`);
          ctx.out(`  Blocked:     ${list(s.blocked_steps)}`);
          if (s.complete) ctx.out("  ✓ every step is done");
        }),
      );

    mol
      .command("dag [target]")
      .description("A molecule's step graph: which step waits on which, in execution tiers")
      .option("--tiers", "group the steps by execution tier instead of a tree")
      .option(
        "--json",
        "JSON output: {molecule_id, molecule_title, total, tiers, tier_groups, critical_path, nodes: [{id, title, status, needs, needed_by, tier, parent}]}",
      )
      .action(
        act(async (ctx, [target], opts) => {
          const { town, caller } = who(ctx);
          const dag = await withMolecule(town, target, caller, ({ store, molecule }) =>
            moleculeDag(store, molecule),
          );
          if (ctx.json) return ctx.printJson(dag);
          ctx.out(
            `🧬 ${dag.molecule_id}: ${oneLine(dag.molecule_title)}  ${dag.total} steps in ${dag.tiers} tier(s)`,
          );
          for (const l of dagLines(dag, opts.tiers === true)) ctx.out(`  ${oneLine(l)}`);
          if (dag.critical_path.length > 1) ctx.out(`  critical path: ${dag.critical_path.join(" → ")}`);
        }),
      );

    mol
      .command("attachment <bead>")
      .description("What molecule is attached to a bead, and how far along it is")
      .option(
        "--json",
        "JSON output: {bead, title, status, attached_molecule, attached_formula, attached_at, attached_vars, dispatched_by, done_steps, total_steps}",
      )
      .action(
        act(async (ctx, [beadArg]) => {
          const town = ctx.town();
          const { ledger } = openLedgerOfBead(town, beadArg!);
          let r: Record<string, unknown> & { bead: string; title: string; status: string };
          try {
            const id = await ledger.resolveId(beadArg!).catch(() => beadArg!);
            const bead = await ledger.getIssue(id);
            if (!bead) throw new NotFoundError(beadArg!, `no bead ${beadArg}`);
            const a = readAttachment(bead.description);
            const p = a
              ? await moleculeProgress(ledger, a.attached_molecule).catch(() => undefined)
              : undefined;
            r = {
              bead: bead.id,
              title: bead.title,
              status: bead.status,
              attached_molecule: a?.attached_molecule ?? null,
              attached_formula: a?.attached_formula ?? null,
              attached_at: a?.attached_at ?? null,
              attached_vars: a?.attached_vars ?? {},
              dispatched_by: a?.dispatched_by ?? null,
              molecule_exists: a ? p !== undefined : null,
              done_steps: p?.completed ?? null,
              total_steps: p?.total ?? null,
            };
          } finally {
            await ledger.close();
          }
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`${r.bead}: ${oneLine(r.title)}  [${r.status}]`);
          if (r.attached_molecule === null) return ctx.out("  no molecule attached");
          ctx.out(
            `  molecule: ${r.attached_molecule}${r.attached_formula ? ` (${r.attached_formula})` : ""}`,
          );
          if (r.attached_at)
            ctx.out(`  attached: ${r.attached_at}${r.dispatched_by ? ` by ${r.dispatched_by}` : ""}`);
          const vars = Object.entries(r.attached_vars as Record<string, string>);
          if (vars.length) ctx.out(`  vars: ${vars.map(([k, v]) => `${k}=${oneLine(v)}`).join(", ")}`);
          ctx.out(
            r.molecule_exists
              ? `  progress: ${r.done_steps}/${r.total_steps} steps done`
              : "  the molecule is gone from the ledger (gt mol detach to clear the attachment)",
          );
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
      .command("attach-from-mail <mail-id>")
      .description(
        "Attach the molecule a message names (attached_molecule: <id>, or formula: <name>) to the bead on your hook",
      )
      .option("--json", "JSON output: {mail, bead, molecule, formula, how}")
      .action(
        act(async (ctx, [mailId]) => {
          const { attachFromMail } = await import("../../agents/mol-mail.ts");
          const { town, caller } = who(ctx);
          const r = await attachFromMail(town, caller, mailId!);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `🧬 ${r.molecule}${r.formula ? ` (${r.formula})` : ""} ${r.how === "poured" ? "poured and attached" : "attached"} to ${r.bead}, as ${r.mail} asked`,
          );
          ctx.out("  gt mol status shows where it stands");
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

    // Both spellings Gas Town has: gt mol await-signal and gt mol step await-signal.
    for (const parent of [mol, step])
      parent
        .command("await-signal")
        .description(
          "Wait until something is appended to the town's event stream, or a timeout (backoff: idle rounds)",
        )
        .option("--timeout <duration>", "the longest wait (30s, 5m)", "60s")
        .option(
          "--backoff-base <duration>",
          "backoff: wait base × mult^idle rounds (the agent bead's idle:N)",
        )
        .option("--backoff-mult <n>", "backoff multiplier", "2")
        .option("--backoff-max <duration>", "backoff: the longest wait")
        .option("--agent <address>", "whose idle rounds count (default: yours)")
        .option("--quiet", "no output")
        .option("--json", "JSON output: {reason, elapsed_ms, timeout_ms, signal, idle_cycles}")
        .action(
          act(async (ctx, _args, opts) => {
            const { awaitSignal } = await import("../../agents/await-signal.ts");
            const { durationMs } = await import("../../duration.ts");
            const { parseAddress } = await import("../../town/identity.ts");
            const { town, caller, actor } = who(ctx);
            const agent = typeof opts.agent === "string" ? parseAddress(opts.agent) : caller;
            const mult = Number(opts.backoffMult);
            const r = await awaitSignal(town, {
              timeoutMs: durationMs(String(opts.timeout), "--timeout"),
              ...(opts.backoffBase
                ? {
                    backoff: {
                      baseMs: durationMs(String(opts.backoffBase), "--backoff-base"),
                      mult,
                      maxMs: opts.backoffMax
                        ? durationMs(String(opts.backoffMax), "--backoff-max")
                        : undefined,
                    },
                  }
                : {}),
              ...(agent ? { agent } : {}),
              actor,
            });
            if (ctx.json) return ctx.printJson(r);
            if (opts.quiet) return;
            ctx.out(
              r.reason === "signal"
                ? `⚡ signal after ${r.elapsed_ms} ms: ${oneLine(r.signal ?? "")}`
                : `⏱ timeout after ${r.elapsed_ms} ms${r.idle_cycles !== null ? ` (idle rounds: ${r.idle_cycles})` : ""}`,
            );
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
