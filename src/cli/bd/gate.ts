// bd gate create/list/show/resolve/check: gate beads that hold a step back until a timer
// is due, a bead closes or a person says so (src/formulas/gates.ts).
import type { Command } from "commander";
import {
  checkGates,
  createGate,
  GATE_TYPE,
  gateDueAt,
  judgeGate,
  openGates,
  requireGate,
  resolveGate,
} from "../../formulas/gates.ts";
import type { BdContext } from "./context.ts";
import { feedback, one } from "./format.ts";
import { act, type CommandGroup } from "./program.ts";

async function create(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const gate = await createGate(ctx.ledger(), {
    type: (o.type as string | undefined) ?? "human",
    timeout: o.timeout as string | undefined,
    awaitId: o.awaitId as string | undefined,
    title: o.title as string | undefined,
    blocks: o.blocks as string | undefined,
    parent: o.parent as string | undefined,
    ephemeral: o.ephemeral === true,
    actor: ctx.actor(),
  });
  ctx.touch(gate.id);
  if (ctx.json) return ctx.printJson(gate);
  ctx.out(`✓ Created gate ${feedback(gate.id, gate.title)}`);
}

async function list(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const gates = await openGates(ctx.ledger(), o.all === true);
  if (ctx.json) return ctx.printJson(gates);
  if (gates.length === 0) return ctx.out("No gates");
  for (const g of gates)
    ctx.out(
      `${one(g.id)}  [${g.status}] ${g.await_type ?? "?"}${g.await_id ? ` ${one(g.await_id)}` : ""}  ${one(g.title)}`,
    );
}

async function show(ctx: BdContext, args: string[]) {
  const { store, id } = await ctx.resolve(args[0]!);
  const gate = requireGate(await store.getIssue(id), id);
  const blocks = (await store.dependentRecords(id, "blocks")).map((d) => d.issue_id);
  const verdict = await judgeGate(store, gate, new Date());
  const due = gateDueAt(gate);
  if (ctx.json)
    return ctx.printJson({ ...gate, blocks, ...(due ? { due_at: due } : {}), check: verdict.reason });
  ctx.out(`${feedback(gate.id, gate.title)} [${gate.status}]`);
  ctx.out(`  type: ${gate.await_type ?? "?"}${gate.await_id ? `  await: ${one(gate.await_id)}` : ""}`);
  if (due) ctx.out(`  due: ${due}`);
  ctx.out(`  blocks: ${blocks.length > 0 ? blocks.map(one).join(", ") : "nothing"}`);
  ctx.out(`  ${verdict.reason}`);
}

async function resolve(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const { store, id } = await ctx.resolve(args[0]!);
  const gate = await resolveGate(store, id, o.reason as string | undefined, ctx.actor());
  if (ctx.json) return ctx.printJson(gate);
  ctx.out(`✓ Resolved gate ${feedback(gate.id, gate.title)}`);
}

async function check(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const res = await checkGates(ctx.ledger(), { actor: ctx.actor(), dryRun: o.dryRun === true });
  if (ctx.json) return ctx.printJson(res);
  const verb = o.dryRun ? "would close" : "closed";
  for (const v of res.closed) ctx.out(`✓ ${one(v.id)} ${verb}: ${v.reason}`);
  for (const v of res.waiting) ctx.out(`… ${one(v.id)} waits: ${one(v.reason)}`);
  ctx.out(`${res.checked} gates checked, ${res.closed.length} ${verb}`);
}

function registerGate(program: Command): void {
  const gate = program
    .command("gate")
    .description(`Gates: ${GATE_TYPE} beads that hold a step until a condition`);
  gate
    .command("create")
    .description("Create a gate (human, timer or bead)")
    .option(
      "--type <type>",
      "human (resolve closes it), timer (due after --timeout) or bead (--await-id)",
      "human",
    )
    .option("--timeout <duration>", "timer: due this long after creation (30s, 5m, 1h)")
    .option("--await-id <bead>", "bead: the bead whose close opens the gate")
    .option("--title <title>", "title (default: Gate: <type> …)")
    .option("--blocks <id>", "the bead this gate holds back")
    .option("--parent <id>", "make the gate a child of this bead")
    .option("--ephemeral", "create the gate as a wisp")
    .action(act(create));
  gate
    .command("list")
    .description("Open gates (--all: closed ones too)")
    .option("--all", "closed gates too")
    .action(act(list));
  gate
    .command("show")
    .description("A gate: its kind, what it awaits and blocks, and whether it may close")
    .argument("<id>", "gate ID")
    .action(act(show));
  gate
    .command("resolve")
    .description("Close a gate by hand (human gates close only this way)")
    .argument("<id>", "gate ID")
    .option("-r, --reason <text>", "why it is resolved")
    .action(act(resolve));
  gate
    .command("check")
    .description("Close every gate whose condition holds: timers due, awaited beads closed")
    .option("--dry-run", "only say which would close")
    .action(act(check));
}

export const GATE: CommandGroup = { names: ["gate"], register: registerGate };
