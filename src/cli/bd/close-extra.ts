// What bd close does around the close itself: gates that must not close early, the next
// molecule step (--continue), and convoys in a Gas Town town that the close completes.
import { ConflictError } from "../../errors.ts";
import type { LedgerStore } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { feedback, one } from "./format.ts";

/**
 * A timer or bead gate closes when its condition holds (bd gate check does it), not before:
 * closing it early would let the steps behind it run. --force overrides; human gates (and
 * kinds not checked here) close by hand as any bead.
 */
export async function refuseWaitingGate(store: LedgerStore, id: string): Promise<void> {
  const issue = await store.getIssue(id);
  if (issue?.issue_type !== "gate" || issue.status === "closed") return;
  if (issue.await_type !== "timer" && issue.await_type !== "bead") return;
  const { judgeGate } = await import("../../formulas/gates.ts");
  const v = await judgeGate(store, issue, new Date());
  if (v.open)
    throw new ConflictError(
      "gate_waiting",
      `cannot close ${id}: gate condition not satisfied: ${v.reason} (use --force to override)`,
    );
}

/** `bd close <step> --continue`: claim the molecule's next ready step (src/formulas/molecule.ts). */
export async function continueAfterClose(ctx: BdContext, closed: Array<{ id: string }>) {
  const last = closed[closed.length - 1]!;
  const { store } = await ctx.resolve(last.id);
  const { continueMolecule } = await import("../../formulas/molecule.ts");
  const res = await continueMolecule(store, last.id, ctx.actor());
  if (res.next) ctx.touch(res.next.id);
  if (ctx.json)
    return ctx.printJson({ closed, next: res.next, molecule_id: res.molecule_id, complete: res.complete });
  if (!res.molecule_id) ctx.out(`${last.id} is not a step of a molecule: no next step`);
  else if (res.next) ctx.out(`→ Next step claimed: ${feedback(res.next.id, res.next.title)}`);
  else if (res.complete) ctx.out(`✓ Molecule ${res.molecule_id} has no steps left`);
  else ctx.out(`No ready step in molecule ${res.molecule_id} (the rest wait on blockers)`);
}

/**
 * Inside a Gas Town town, closing a bead may complete convoys: land them now, whoever closed
 * it. Loaded only when something closed; a problem here never fails the close itself.
 */
export async function landConvoys(ctx: BdContext, ids: string[], actor: string): Promise<void> {
  if (ids.length === 0) return;
  try {
    const { dirname } = await import("node:path");
    const { findTownRoot, Town } = await import("../../town/workspace.ts");
    const root = findTownRoot(dirname(ctx.location().beadsDir), {}) ?? findTownRoot(ctx.cwd, ctx.env);
    if (!root) return;
    const { landConvoysAfterClose } = await import("../../work/convoys.ts");
    const landed = await landConvoysAfterClose(new Town(root), ids, actor);
    if (!ctx.json) for (const v of landed) ctx.out(`🏁 Convoy ${one(v.id)} landed: ${one(v.title)}`);
  } catch (e) {
    ctx.warn(`warning: convoy check after close failed: ${(e as Error).message}`);
  }
}
