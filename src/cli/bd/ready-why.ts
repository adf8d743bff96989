// bd ready --explain and --gated: the two readings of "ready" that answer a question
// rather than list work (src/ledger/explain.ts, src/formulas/gates.ts).
import { gatedReady } from "../../formulas/gates.ts";
import { explainReady } from "../../ledger/explain.ts";
import type { ReadyFilter } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { feedback, one } from "./format.ts";

export async function readyExplain(ctx: BdContext, filter: ReadyFilter): Promise<void> {
  const e = await explainReady(ctx.ledger(), filter);
  if (ctx.json) return ctx.printJson(e);
  ctx.out(`Ready (${e.summary.total_ready}):`);
  for (const r of e.ready) ctx.out(`  ✓ ${feedback(r.id, r.title)}`);
  ctx.out(`\nNot ready (${e.summary.total_blocked}):`);
  for (const b of e.blocked) ctx.out(`  ✗ ${feedback(b.id, b.title)}: ${one(b.reason)}`);
  if (e.cycles.length > 0) {
    ctx.out(`\nCycles (${e.summary.cycle_count}):`);
    for (const c of e.cycles) ctx.out(`  ${c.join(" → ")}`);
  }
}

export async function readyGated(ctx: BdContext): Promise<void> {
  const steps = await gatedReady(ctx.ledger());
  if (ctx.json) return ctx.printJson(steps);
  if (steps.length === 0) return ctx.out("No step is waiting to resume after a gate");
  for (const s of steps)
    ctx.out(
      `${feedback(s.ready_step.id, s.ready_step.title)}  (gate ${one(s.closed_gate.id)} closed${s.molecule_id ? `, molecule ${one(s.molecule_id)}` : ""})`,
    );
}
