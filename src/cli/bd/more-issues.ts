// beads' shorthands for one bead: q (quick create), note, assign, priority, tag, link,
// promote, rename, state/set-state (label-based state dimensions) and todo.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { Issue } from "../../ledger/model.ts";
import { parsePriority } from "../../ledger/validate.ts";
import { BD_BUNDLES } from "./bundles.ts";
import type { BdContext } from "./context.ts";
import { feedback, one, pri, statusIcon } from "./format.ts";
import { collect, readTextArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";

async function quick(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const title = args.join(" ").trim();
  if (!title) throw new ValidationError("title required (bd q <title>)");
  const issue = await ctx.ledger().createIssue(
    {
      title,
      priority: parsePriority((o.priority as string | undefined) ?? "2"),
      issue_type: (o.type as string | undefined) ?? "task",
      labels: (o.labels as string[] | undefined) ?? [],
      owner: ctx.ownerEmail(),
    },
    ctx.actor(),
  );
  ctx.touch(issue.id);
  // Only the ID, whatever --json says: it is meant for $(bd q ...).
  process.stdout.write(`${issue.id}\n`);
}

/** Resolves, applies `change`, remembers the bead and prints it (--json: the issue). */
async function oneBead(
  ctx: BdContext,
  raw: string,
  change: (store: ReturnType<BdContext["ledger"]>, id: string, issue: Issue) => Promise<unknown>,
  message: (id: string, title: string) => string,
) {
  const { store, id } = await ctx.resolve(raw);
  const before = await store.getIssue(id);
  await change(store, id, before!);
  ctx.touch(id);
  const after = (await store.getIssue(id))!;
  if (ctx.json) ctx.printJson(after);
  else ctx.out(message(id, after.title));
}

async function note(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (!args[0]) throw new ValidationError("usage: bd note <id> [text...]");
  if (o.stdin && o.file) throw new ValidationError("--stdin and --file cannot be used together");
  let text: string;
  if (o.stdin) text = readTextArg("-").replace(/\n+$/, "");
  else if (o.file) text = readTextArg(o.file as string);
  else if (args.length > 1) text = args.slice(1).join(" ");
  else throw new ValidationError("no note text provided (use positional args, --stdin, or --file)");
  if (!text) throw new ValidationError("note text is empty");
  await oneBead(
    ctx,
    args[0],
    (store, id) => store.updateIssue(id, { append_notes: text }, ctx.actor()),
    (id, title) => `✓ Note added to ${feedback(id, title)}`,
  );
}

async function assign(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError('usage: bd assign <id> <name> ("" to unassign)');
  const who = args[1]!;
  await oneBead(
    ctx,
    args[0]!,
    (store, id) => store.updateIssue(id, { assignee: who === "" ? null : who }, ctx.actor()),
    (id, title) =>
      who === "" ? `✓ Unassigned ${feedback(id, title)}` : `✓ Assigned ${feedback(id, title)} to ${one(who)}`,
  );
}

async function priority(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd priority <id> <0-4>");
  const p = parsePriority(args[1]!);
  await oneBead(
    ctx,
    args[0]!,
    (store, id) => store.updateIssue(id, { priority: p }, ctx.actor()),
    (id, title) => `✓ Set priority of ${feedback(id, title)} to P${p}`,
  );
}

async function tag(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd tag <id> <label>");
  const label = args[1]!;
  await oneBead(
    ctx,
    args[0]!,
    (store, id) => store.addLabel(id, label, ctx.actor()),
    (id, title) => `✓ Added label ${JSON.stringify(label)} to ${feedback(id, title)}`,
  );
}

async function link(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 2) throw new ValidationError("usage: bd link <id1> <id2> [--type blocks]");
  const { store, id: from } = await ctx.resolve(args[0]!);
  const to = await ctx.resolveRef(args[1]!);
  const type = (o.type as string | undefined) ?? "blocks";
  const dep = await store.addDependency({ issue_id: from, depends_on_id: to, type }, ctx.actor());
  ctx.touch(from);
  if (ctx.json) return ctx.printJson({ status: "added", issue_id: from, depends_on_id: to, type: dep.type });
  const title = async (id: string) => (await store.getIssue(id))?.title;
  const paren = async (id: string) => {
    const t = await title(id);
    return t ? `${one(id)} (${one(t)})` : one(id);
  };
  ctx.out(`✓ Linked: ${await paren(from)} depends on ${await paren(to)} (${dep.type})`);
}

async function promote(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1) throw new ValidationError("usage: bd promote <wisp-id> [--reason text]");
  const { store, id } = await ctx.resolve(args[0]!);
  const issue = await store.getIssue(id);
  if (!issue?.ephemeral) throw new ValidationError(`${id} is not a wisp (already persistent)`);
  await store.updateIssue(id, { ephemeral: false }, ctx.actor());
  const reason = o.reason as string | undefined;
  await store.addComment(
    id,
    ctx.actor(),
    `Promoted from wisp to permanent bead${reason ? `: ${reason}` : ""}`,
  );
  if (ctx.json) return ctx.printJson(await store.getIssue(id));
  ctx.out(`✓ Promoted ${id} to permanent bead`);
}

async function rename(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd rename <old-id> <new-id>");
  const store = ctx.ledger();
  const old = await store.resolveId(args[0]!);
  const res = await store.renameIssue(old, args[1]!, ctx.actor());
  if (ctx.json) return ctx.printJson({ old_id: old, new_id: res.issue.id, references_updated: res.updated });
  ctx.out(`Renamed ${old} -> ${res.issue.id}`);
}

/** The labels of the form `dimension:value` (the first per dimension), as beads reads state. */
function stateOf(labels: string[], dimension: string): string | undefined {
  const prefix = `${dimension}:`;
  return labels.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

async function stateGet(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd state <issue-id> <dimension>");
  const { store, id } = await ctx.resolve(args[0]!);
  const value = stateOf(await store.labels(id), args[1]!);
  if (ctx.json) return ctx.printJson({ issue_id: id, dimension: args[1], value: value || null });
  ctx.out(value ? value : `(no ${args[1]} state set)`);
}

async function stateList(ctx: BdContext, args: string[]) {
  if (args.length !== 1) throw new ValidationError("usage: bd state list <issue-id>");
  const { store, id } = await ctx.resolve(args[0]!);
  const states: Record<string, string> = {};
  for (const l of await store.labels(id)) {
    const i = l.indexOf(":");
    if (i > 0) states[l.slice(0, i)] = l.slice(i + 1);
  }
  if (ctx.json) return ctx.printJson({ issue_id: id, states });
  if (Object.keys(states).length === 0) return ctx.out(`\n${id} has no state labels`);
  ctx.out(`\n📊 State for ${id}:`);
  for (const [d, v] of Object.entries(states)) ctx.out(`  ${one(d)}: ${one(v)}`);
  ctx.out("");
}

async function setState(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 2) throw new ValidationError("usage: bd set-state <issue-id> <dimension>=<value>");
  const spec = args[1]!;
  const eq = spec.indexOf("=");
  const dimension = eq > 0 ? spec.slice(0, eq) : "";
  const value = eq > 0 ? spec.slice(eq + 1) : "";
  if (!dimension || !value)
    throw new ValidationError(`invalid state format "${spec}", expected <dimension>=<value>`);
  const { store, id } = await ctx.resolve(args[0]!);
  const labels = await store.labels(id);
  const old = stateOf(labels, dimension);
  if (old === value) {
    if (ctx.json) return ctx.printJson({ issue_id: id, dimension, value, changed: false });
    return ctx.out(`(no change: ${dimension} already set to ${value})`);
  }
  const actor = ctx.actor();
  const reason = o.reason as string | undefined;
  // The event bead (a closed child) records the change; the label is the quick lookup.
  const event = await store.createIssue(
    {
      title: `State change: ${dimension} → ${value}`,
      description:
        (old ? `Changed ${dimension} from ${old} to ${value}` : `Set ${dimension} to ${value}`) +
        (reason ? `\n\nReason: ${reason}` : ""),
      issue_type: "event",
      status: "closed",
      priority: 4,
      parent: id,
      inheritLabels: false,
    },
    actor,
  );
  if (old !== undefined) await store.removeLabel(id, `${dimension}:${old}`, actor);
  await store.addLabel(id, `${dimension}:${value}`, actor);
  if (ctx.json) {
    return ctx.printJson({
      issue_id: id,
      dimension,
      old_value: old ?? null,
      new_value: value,
      event_id: event.id,
      changed: true,
    });
  }
  ctx.out(`✓ Set ${one(dimension)} = ${one(value)} on ${id}`);
  if (old) ctx.out(`  Previous: ${one(old)}`);
  ctx.out(`  Event: ${event.id}`);
}

async function todoAdd(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const title = args.join(" ").trim();
  if (!title) throw new ValidationError("title required (bd todo add <title>)");
  const actor = ctx.actor();
  const issue = await ctx.ledger().createIssue(
    {
      title,
      description: o.description as string | undefined,
      priority: parsePriority((o.priority as string | undefined) ?? "2"),
      issue_type: "task",
      assignee: actor,
      owner: ctx.ownerEmail(),
    },
    actor,
  );
  ctx.touch(issue.id);
  if (ctx.json) return ctx.printJson(issue);
  ctx.out(`Created ${issue.id}: ${one(issue.title)}`);
}

async function todoList(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const rows = await ctx.ledger().listIssues({
    types: ["task"],
    statuses: o.all ? undefined : ["open"],
    all: o.all === true,
    sort: "priority",
  });
  if (ctx.json) return ctx.printJson(rows);
  if (rows.length === 0) return ctx.out("No TODOs found");
  const cut = (s: string) => (s.length <= 40 ? s : `${s.slice(0, 37)}...`);
  for (const i of rows)
    ctx.out(
      `  ${statusIcon(i.status)} ${one(i.id)}  ${one(cut(i.title)).padEnd(40)}  ${pri(i.priority)}  ${i.status}`,
    );
  ctx.out(`\nTotal: ${rows.length} TODOs`);
}

async function todoDone(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length === 0) throw new ValidationError("usage: bd todo done <id> [<id>...]");
  const reason = (o.reason as string | undefined) || "Completed";
  const closed: string[] = [];
  for (const raw of args) {
    try {
      const { store, id } = await ctx.resolve(raw);
      await store.closeIssue(id, { reason }, ctx.actor());
      closed.push(id);
    } catch (e) {
      ctx.warn(`Error: ${(e as Error).message}`);
    }
  }
  if (ctx.json) return ctx.printJson({ closed, reason });
  for (const id of closed) ctx.out(`Closed ${id}`);
  return closed.length === 0 ? 1 : 0;
}

export const MORE_ISSUES: CommandGroup = {
  names: BD_BUNDLES["bd-more-issues"],
  register: registerMoreIssues,
};

function registerMoreIssues(program: Command): void {
  program
    .command("q")
    .description("Quick capture: create issue and output only ID")
    .argument("[title...]")
    .option("-p, --priority <p>", "priority (0-4 or P0-P4)", "2")
    .option("-t, --type <type>", "issue type", "task")
    .option("-l, --labels <labels>", "labels (comma-separated)", collect)
    .action(act(quick));
  program
    .command("note")
    .description("Append a note to an issue")
    .argument("[args...]", "<id> [text...]")
    .option("--stdin", "read note text from stdin")
    .option("--file <path>", "read note text from file")
    .action(act(note));
  program
    .command("assign")
    .description("Assign an issue to someone")
    .argument("[args...]", "<id> <name>")
    .action(act(assign));
  program
    .command("priority")
    .description("Set the priority of an issue")
    .argument("[args...]", "<id> <n>")
    .action(act(priority));
  program
    .command("tag")
    .description("Add a label to an issue")
    .argument("[args...]", "<id> <label>")
    .action(act(tag));
  program
    .command("link")
    .description("Link two issues with a dependency")
    .argument("[args...]", "<id1> <id2>")
    .option("-t, --type <type>", "dependency type (blocks|tracks|related|parent-child|discovered-from)")
    .action(act(link));
  program
    .command("promote")
    .description("Promote a wisp to a permanent bead")
    .argument("[args...]", "<wisp-id>")
    .option("-r, --reason <text>", "reason for promotion")
    .action(act(promote));
  program
    .command("rename")
    .description("Rename an issue ID")
    .argument("[args...]", "<old-id> <new-id>")
    .action(act(rename));
  const state = program
    .command("state")
    .description("Query the current value of a state dimension")
    .argument("[args...]", "<issue-id> <dimension>")
    .action(act(stateGet));
  state
    .command("list")
    .description("List all state dimensions on an issue")
    .argument("[args...]", "<issue-id>")
    .action(act(stateList));
  program
    .command("set-state")
    .description("Set operational state (creates event + updates label)")
    .argument("[args...]", "<issue-id> <dimension>=<value>")
    .option("--reason <text>", "reason for the state change (recorded in event)")
    .action(act(setState));
  const todo = program
    .command("todo")
    .description("Manage TODO items (convenience wrapper for task issues)")
    .action(act(todoList));
  todo
    .command("add")
    .description("Add a new TODO item")
    .argument("[title...]")
    .option("-p, --priority <p>", "priority (0-4, default 2)", "2")
    .option("-d, --description <text>", "description")
    .action(act(todoAdd));
  todo
    .command("list")
    .description("List TODO items")
    .option("--all", "show all TODOs including completed")
    .action(act(todoList));
  todo
    .command("done")
    .description("Mark TODO(s) as done")
    .argument("[ids...]")
    .option("--reason <text>", "reason for closing (default: Completed)")
    .action(act(todoDone));
}
