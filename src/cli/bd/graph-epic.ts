// bd graph (a bead's dependency graph in layers, or --dot) and bd epic (status,
// close-eligible): views over edges that beads has and agents use to plan work.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { graphDot, layoutGraph, loadSubgraph } from "../../ledger/graph.ts";
import type { Issue } from "../../ledger/model.ts";
import type { LedgerStore } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { one, pri, statusIcon } from "./format.ts";
import { act, type CommandGroup } from "./program.ts";

async function graph(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1) throw new ValidationError("issue ID required (usage: bd graph <id> [--dot])");
  const { store, id } = await ctx.resolve(args[0]!);
  const g = await loadSubgraph(store, id);
  const layout = layoutGraph(g);
  if (ctx.json) return ctx.printJson({ root: g.root, issues: g.issues, layout });
  if (o.dot) return ctx.out(graphDot(g, layout));
  ctx.out(`\n📊 Dependency graph for ${one(id)}: ${one(g.root.title)}\n`);
  for (const [n, ids] of layout.Layers.entries()) {
    ctx.out(`Layer ${n}${n === 0 ? " (ready to start)" : ""}:`);
    for (const nid of ids) {
      const node = layout.Nodes[nid]!;
      const i = node.Issue;
      const needs = node.DependsOn.length > 0 ? `  ← ${node.DependsOn.map(one).join(", ")}` : "";
      ctx.out(`  ${statusIcon(i.status)} ${one(i.id)} ${pri(i.priority)} ${one(i.title)}${needs}`);
    }
  }
  const other = g.dependencies.filter((d) => d.type !== "blocks");
  if (other.length > 0) {
    ctx.out("\nOther links:");
    for (const d of other) ctx.out(`  ${one(d.issue_id)} —${one(d.type)}→ ${one(d.depends_on_id)}`);
  }
  ctx.out("");
}

interface EpicStatus {
  epic: Issue;
  total_children: number;
  closed_children: number;
  eligible_for_close: boolean;
}

async function epicStatuses(store: LedgerStore): Promise<EpicStatus[]> {
  const epics = await store.listIssues({ types: ["epic"], sort: "priority" });
  const out: EpicStatus[] = [];
  for (const e of epics) {
    if (e.status === "closed") continue;
    const children = await store.children(e.id);
    const closed = children.filter((c) => c.status === "closed").length;
    const { dependency_count: _a, dependent_count: _b, comment_count: _c, parent: _p, ...epic } = e;
    out.push({
      epic: epic as Issue,
      total_children: children.length,
      closed_children: closed,
      eligible_for_close: children.length > 0 && closed === children.length,
    });
  }
  return out;
}

async function epicStatus(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  let epics = await epicStatuses(ctx.ledger());
  if (o.eligibleOnly) epics = epics.filter((e) => e.eligible_for_close);
  if (ctx.json) return ctx.printJson(epics);
  if (epics.length === 0) return ctx.out("No open epics found");
  for (const e of epics) {
    const pct = e.total_children > 0 ? Math.floor((e.closed_children * 100) / e.total_children) : 0;
    ctx.out(`${statusIcon(e.epic.status)} ${one(e.epic.id)} ${one(e.epic.title)}`);
    ctx.out(`   Progress: ${e.closed_children}/${e.total_children} children closed (${pct}%)`);
    if (e.eligible_for_close) ctx.out("   Eligible for closure");
    ctx.out("");
  }
}

async function epicCloseEligible(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const eligible = (await epicStatuses(store)).filter((e) => e.eligible_for_close);
  if (eligible.length === 0) {
    if (ctx.json) return ctx.printJson(o.dryRun ? [] : { closed: [], count: 0 });
    return ctx.out("No epics eligible for closure");
  }
  if (o.dryRun) {
    if (ctx.json) return ctx.printJson(eligible);
    ctx.out(`Would close ${eligible.length} epic(s):`);
    for (const e of eligible) ctx.out(`  - ${one(e.epic.id)}: ${one(e.epic.title)}`);
    return;
  }
  const closed: string[] = [];
  for (const e of eligible) {
    try {
      await store.closeIssue(e.epic.id, { reason: "All children completed" }, ctx.actor());
      closed.push(e.epic.id);
    } catch (err) {
      ctx.warn(`Error closing ${e.epic.id}: ${(err as Error).message}`);
    }
  }
  if (ctx.json) return ctx.printJson({ closed, count: closed.length });
  ctx.out(`✓ Closed ${closed.length} epic(s)`);
  for (const id of closed) ctx.out(`  - ${id}`);
}

export const GRAPH_EPIC: CommandGroup = { names: ["graph", "epic"], register: registerGraphEpic };

function registerGraphEpic(program: Command): void {
  program
    .command("graph")
    .description("Display issue dependency graph")
    .argument("[args...]", "<issue-id>")
    .option("--dot", "output Graphviz DOT format (pipe to: dot -Tsvg > graph.svg)")
    .action(act(graph));
  const epic = program.command("epic").description("Epic management commands");
  epic
    .command("status")
    .description("Show epic completion status")
    .option("--eligible-only", "show only epics eligible for closure")
    .action(act(epicStatus));
  epic
    .command("close-eligible")
    .description("Close epics where all children are complete")
    .option("--dry-run", "preview what would be closed without making changes")
    .action(act(epicCloseEligible));
}
