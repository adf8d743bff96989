// bd dep relate/unrelate (a two-way relates-to "see also" link) and bd label propagate
// (a parent's label pushed to its direct children), registered under dep and label.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { act } from "./program.ts";

const RELATES = "relates-to";

async function pair(ctx: BdContext, args: string[], usage: string) {
  if (args.length !== 2) throw new ValidationError(`usage: bd dep ${usage} <id1> <id2>`);
  const store = ctx.ledger();
  const a = await store.resolveId(args[0]!);
  const b = await store.resolveId(args[1]!);
  if (a === b) throw new ValidationError("cannot relate an issue to itself");
  return { store, a, b };
}

async function relate(ctx: BdContext, args: string[]) {
  const { store, a, b } = await pair(ctx, args, "relate");
  const actor = ctx.actor();
  await store.addDependency({ issue_id: a, depends_on_id: b, type: RELATES }, actor);
  await store.addDependency({ issue_id: b, depends_on_id: a, type: RELATES }, actor);
  if (ctx.json) return ctx.printJson({ id1: a, id2: b, related: true });
  ctx.out(`✓ Linked ${a} ↔ ${b}`);
}

async function unrelate(ctx: BdContext, args: string[]) {
  const { store, a, b } = await pair(ctx, args, "unrelate");
  const actor = ctx.actor();
  await store.removeDependency(a, b, actor);
  await store.removeDependency(b, a, actor);
  if (ctx.json) return ctx.printJson({ id1: a, id2: b, unrelated: true });
  ctx.out(`✓ Unlinked ${a} ↔ ${b}`);
}

async function propagate(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd label propagate <parent-id> <label>");
  const { store, id } = await ctx.resolve(args[0]!);
  const label = args[1]!.trim();
  if (!label) throw new ValidationError("label cannot be empty");
  if (label.startsWith("provides:"))
    throw new ValidationError("'provides:' labels are reserved for cross-project capabilities");
  const children = await store.children(id);
  if (children.length === 0) {
    if (ctx.json) return ctx.printJson([]);
    return ctx.out(`No children found for ${id}`);
  }
  for (const c of children) await store.addLabel(c.id, label, ctx.actor());
  if (ctx.json) return ctx.printJson(children.map((c) => ({ status: "propagated", issue_id: c.id, label })));
  for (const c of children) ctx.out(`✓ Propagated label '${one(label)}' to ${c.id}`);
}

export function registerRelate(dep: Command): void {
  dep
    .command("relate")
    .description("Create a bidirectional relates_to link between issues")
    .argument("[ids...]")
    .action(act(relate));
  dep
    .command("unrelate")
    .description("Remove a relates_to link between issues")
    .argument("[ids...]")
    .action(act(unrelate));
}

export function registerPropagate(label: Command): void {
  label
    .command("propagate")
    .description("Propagate a label from a parent issue to all its children")
    .argument("[args...]", "<parent-id> <label>")
    .action(act(propagate));
}
