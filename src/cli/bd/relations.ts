// bd dep, label, comments, defer/undefer, duplicate, supersede: edges and annotations.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { parseWhen } from "../../ledger/validate.ts";
import { BD_BUNDLES } from "./bundles.ts";
import type { BdContext } from "./context.ts";
import { commentLines, feedback, one } from "./format.ts";
import { registerPropagate, registerRelate } from "./links.ts";
import { intArg, readTextArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";

function need(args: string[], n: number, usage: string): void {
  if (args.length < n) throw new ValidationError(`usage: bd ${usage}`);
}

async function depAdd(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const actor = ctx.actor();
  if (o.file) {
    let added = 0;
    const lines = readTextArg(o.file as string).split("\n");
    for (const [n, line] of lines.entries()) {
      if (!line.trim() || line.trim().startsWith("#")) continue;
      let rec: { issue_id?: string; depends_on_id?: string; type?: string };
      try {
        rec = JSON.parse(line);
      } catch {
        throw new ValidationError(`line ${n + 1}: invalid JSON`);
      }
      if (!rec.issue_id || !rec.depends_on_id)
        throw new ValidationError(`line ${n + 1}: issue_id and depends_on_id are required`);
      await store.addDependency(
        {
          issue_id: rec.issue_id,
          depends_on_id: await ctx.resolveRef(rec.depends_on_id),
          type: rec.type ?? "blocks",
          noCycleCheck: o.cycleCheck === false,
        },
        actor,
      );
      added++;
    }
    if (ctx.json) return ctx.printJson({ added });
    return ctx.out(`✓ Added ${added} dependencies`);
  }
  const target = (o.blockedBy as string | undefined) ?? (o.dependsOn as string | undefined) ?? args[1];
  if (!args[0] || !target)
    throw new ValidationError("usage: bd dep add <issue> <depends-on> [--type blocks]");
  const type = (o.type as string | undefined) ?? "blocks";
  const dep = await store.addDependency(
    {
      issue_id: args[0],
      depends_on_id: await ctx.resolveRef(target),
      type,
      metadata: o.metadata as string | undefined,
      noCycleCheck: o.cycleCheck === false,
    },
    actor,
  );
  if (ctx.json) {
    return ctx.printJson({
      status: "added",
      issue_id: dep.issue_id,
      depends_on_id: dep.depends_on_id,
      type: dep.type,
    });
  }
  ctx.out(`✓ Added dependency: ${dep.issue_id} depends on ${dep.depends_on_id} (${dep.type})`);
}

/** "id (title)", the form dep commands use. */
async function paren(ctx: BdContext, id: string): Promise<string> {
  const issue = await ctx.ledger().getIssue(id);
  return issue ? `${one(id)} (${one(issue.title)})` : one(id);
}

async function depRemove(ctx: BdContext, args: string[]) {
  need(args, 2, "dep remove <issue> <depends-on>");
  const store = ctx.ledger();
  const from = await store.resolveId(args[0]!);
  const to = await ctx.resolveRef(args[1]!);
  // Removing an edge that is not there still succeeds, as in bd (both ends must exist).
  await store.removeDependency(from, to, ctx.actor());
  if (ctx.json) return ctx.printJson({ status: "removed", issue_id: from, depends_on_id: to });
  ctx.out(`✓ Removed dependency: ${await paren(ctx, from)} no longer depends on ${await paren(ctx, to)}`);
}

async function depList(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  need(args, 1, "dep list <issue> [--direction down|up] [--type T]");
  const { store, id } = await ctx.resolve(args[0]!);
  const direction = ((o.direction as string | undefined) ?? "down") as "down" | "up";
  if (direction !== "down" && direction !== "up")
    throw new ValidationError(`invalid --direction "${direction}" (down or up)`);
  const rows = await store.dependencies(id, direction, o.type as string | undefined);
  if (ctx.json) return ctx.printJson(rows);
  if (rows.length === 0) {
    return ctx.out(direction === "down" ? `\n${id} has no dependencies` : `\nNo issues depend on ${id}`);
  }
  ctx.out(direction === "down" ? `\n📋 ${id} depends on:\n` : `\n📋 Issues that depend on ${id}:\n`);
  for (const r of rows)
    ctx.out(
      `  ${one(r.id)}: ${one(r.title)} [P${r.priority}] (${one(r.status)}) via ${one(r.dependency_type)}`,
    );
  ctx.out("");
}

async function depTree(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  need(args, 1, "dep tree <issue>");
  const { store, id } = await ctx.resolve(args[0]!);
  const direction = ((o.direction as string | undefined) ?? (o.reverse ? "up" : "down")) as
    | "down"
    | "up"
    | "both";
  if (!["down", "up", "both"].includes(direction))
    throw new ValidationError(`invalid --direction "${direction}"`);
  const nodes = await store.dependencyTree(id, {
    maxDepth: (o.maxDepth as number | undefined) ?? 50,
    direction,
  });
  if (ctx.json) return ctx.printJson(nodes);
  const heading = {
    down: "Dependency tree for",
    up: "Dependent tree for",
    both: "Full dependency graph for",
  }[direction];
  ctx.out(`\n🌲 ${heading} ${id}:\n`);
  const kids = new Map<string, typeof nodes>();
  for (const n of nodes.slice(1)) kids.set(n.parent_id, [...(kids.get(n.parent_id) ?? []), n]);
  const root = nodes[0]!;
  const rootBlocked = await store.isBlocked(id);
  const state = root.status === "open" ? (rootBlocked ? " [BLOCKED]" : " [READY]") : "";
  ctx.out(`${one(root.id)}: ${one(root.title)} [P${root.priority}] (${one(root.status)})${state}`);
  const shown = new Set<string>([root.id]);
  const walk = (parent: string, prefix: string, depth: number) => {
    const list = (kids.get(parent) ?? []).filter((n) => n.depth === depth);
    list.forEach((n, i) => {
      const last = i === list.length - 1;
      const head = `${prefix}${last ? "└── " : "├── "}`;
      if (shown.has(n.id)) {
        ctx.out(`${head}${one(n.id)} (shown above)`);
        return;
      }
      shown.add(n.id);
      ctx.out(
        `${head}${one(n.id)}: ${one(n.title)} [P${n.priority}] (${one(n.status)}) [${one(n.dependency_type)}]`,
      );
      walk(n.id, `${prefix}${last ? "    " : "│   "}`, depth + 1);
    });
  };
  walk(root.id, "", 1);
  ctx.out("");
}

async function depCycles(ctx: BdContext) {
  const store = ctx.ledger();
  const cycles = await store.findCycles();
  if (ctx.json) return ctx.printJson(await Promise.all(cycles.map((c) => store.getIssues(c))));
  if (cycles.length === 0) return ctx.out("\n✓ No dependency cycles detected\n");
  ctx.out(`\n⚠ Found ${cycles.length} dependency cycles:\n`);
  for (const [i, c] of cycles.entries()) {
    ctx.out(`${i + 1}. Cycle involving:`);
    for (const issue of await store.getIssues(c)) ctx.out(`   - ${one(issue.id)}: ${one(issue.title)}`);
    ctx.out("");
  }
}

async function labelChange(ctx: BdContext, args: string[], add: boolean) {
  need(args, 2, `label ${add ? "add" : "remove"} <issue...> <label>`);
  const label = args[args.length - 1]!;
  const ids = args.slice(0, -1);
  const results = [];
  for (const raw of ids) {
    const { store, id } = await ctx.resolve(raw);
    const changed = add
      ? await store.addLabel(id, label, ctx.actor())
      : await store.removeLabel(id, label, ctx.actor());
    results.push({ issue_id: id, label, status: changed ? (add ? "added" : "removed") : "unchanged" });
    if (!ctx.json)
      ctx.out(add ? `✓ Added label '${one(label)}' to ${id}` : `✓ Removed label '${one(label)}' from ${id}`);
  }
  if (ctx.json) ctx.printJson(results);
}

async function labelList(ctx: BdContext, args: string[]) {
  need(args, 1, "label list <issue>");
  const { store, id } = await ctx.resolve(args[0]!);
  const labels = await store.labels(id);
  if (ctx.json) return ctx.printJson(labels);
  if (labels.length === 0) return ctx.out(`\n${id} has no labels`);
  ctx.out(`\n🏷 Labels for ${id}:`);
  for (const l of labels) ctx.out(`  - ${one(l)}`);
  ctx.out("");
}

async function labelListAll(ctx: BdContext) {
  const all = await ctx.ledger().allLabels();
  if (ctx.json) return ctx.printJson(all);
  if (all.length === 0) return ctx.out("\nNo labels found in database");
  ctx.out(`\n🏷 All labels (${all.length} unique):`);
  const width = Math.max(...all.map((l) => l.label.length));
  for (const l of all) ctx.out(`  ${one(l.label).padEnd(width)}  (${l.count} issues)`);
  ctx.out("");
}

async function commentsShow(ctx: BdContext, args: string[]) {
  need(args, 1, "comments <issue>");
  const { store, id } = await ctx.resolve(args[0]!);
  const list = await store.comments(id);
  if (ctx.json) return ctx.printJson(list);
  if (list.length === 0) return ctx.out(`No comments on ${id}`);
  ctx.out(`\nComments on ${id}:\n`);
  for (const c of list) ctx.out(commentLines(c).join("\n"));
}

async function commentsAdd(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  need(args, 1, "comments add <issue> <text>");
  const text = o.file ? readTextArg(o.file as string) : args.slice(1).join(" ");
  if (!o.file && args.length < 2)
    throw new ValidationError("comment text required (use -f to read from file)");
  if (!text.trim()) throw new ValidationError("comment text cannot be empty");
  const { store, id } = await ctx.resolve(args[0]!);
  const author = (o.author as string | undefined) ?? ctx.actor();
  const c = await store.addComment(id, author, text);
  if (ctx.json) return ctx.printJson(c);
  ctx.out(`Comment added to ${id}`);
}

async function defer(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  need(args, 1, "defer <issue...> [--until <when>]");
  const until = o.until ? parseWhen(o.until as string, new Date(), "--until") : undefined;
  const out = [];
  for (const raw of args) {
    const { store, id } = await ctx.resolve(raw);
    const issue = await store.updateIssue(
      id,
      { status: "deferred", defer_until: until ?? undefined },
      ctx.actor(),
    );
    out.push(issue);
    if (!ctx.json) ctx.out(`* Deferred ${id}`);
  }
  if (until && Date.parse(until) < Date.now()) {
    ctx.warn(
      `! Defer date "${until.slice(0, 16).replace("T", " ")}" is in the past. Issue will appear in bd ready immediately.`,
    );
  }
  if (ctx.json) ctx.printJson(out);
}

async function undefer(ctx: BdContext, args: string[]) {
  need(args, 1, "undefer <issue...>");
  const out = [];
  for (const raw of args) {
    const { store, id } = await ctx.resolve(raw);
    const before = await store.getIssue(id);
    if (before?.status !== "deferred" && !before?.defer_until) {
      ctx.warn(`${id} is not deferred (status: ${before?.status})`);
      continue;
    }
    const issue = await store.updateIssue(id, { status: "open", defer_until: null }, ctx.actor());
    out.push(issue);
    if (!ctx.json) ctx.out(`* Undeferred ${id} (now open)`);
  }
  if (ctx.json) ctx.printJson(out);
}

/** Marks `id` as a duplicate of (or superseded by) `other`, then closes it. */
async function replaceWith(
  ctx: BdContext,
  args: string[],
  o: Record<string, unknown>,
  kind: "duplicates" | "supersedes",
) {
  const other = (o.of as string | undefined) ?? (o.with as string | undefined) ?? args[1];
  if (!args[0] || !other) {
    throw new ValidationError(
      kind === "duplicates"
        ? "usage: bd duplicate <id> --of <canonical>"
        : "usage: bd supersede <id> --with <new>",
    );
  }
  const store = ctx.ledger();
  const id = await store.resolveId(args[0]);
  const target = await store.resolveId(other);
  if (id === target) throw new ValidationError("an issue cannot replace itself");
  const actor = ctx.actor();
  if (kind === "duplicates")
    await store.addDependency({ issue_id: id, depends_on_id: target, type: "duplicates" }, actor);
  else await store.addDependency({ issue_id: id, depends_on_id: target, type: "supersedes" }, actor);
  const reason = kind === "duplicates" ? `Duplicate of ${target}` : `Superseded by ${target}`;
  await store.closeIssue(id, { reason, force: true }, actor);
  if (ctx.json) {
    return ctx.printJson(
      kind === "duplicates"
        ? { duplicate: id, canonical: target, status: "closed" }
        : { superseded: id, replacement: target, status: "closed" },
    );
  }
  ctx.out(
    kind === "duplicates"
      ? `✓ Marked ${id} as duplicate of ${target} (closed)`
      : `✓ Marked ${id} as superseded by ${target} (closed)`,
  );
}

export const RELATIONS: CommandGroup = {
  names: BD_BUNDLES["bd-relations"],
  register: registerRelations,
};

function registerRelations(program: Command): void {
  const dep = program
    .command("dep")
    .description("Manage dependencies (bd dep <blocker> --blocks <blocked> is short for dep add)")
    .argument("[blocker]")
    .option("-b, --blocks <id>", "the issue that <blocker> blocks")
    .action(
      act(async (ctx, args, o) => {
        if (!args[0] || !o.blocks) {
          dep.outputHelp();
          return;
        }
        const edge = await ctx
          .ledger()
          .addDependency(
            { issue_id: o.blocks as string, depends_on_id: await ctx.resolveRef(args[0]), type: "blocks" },
            ctx.actor(),
          );
        if (ctx.json) {
          return ctx.printJson({
            status: "added",
            blocked_id: edge.issue_id,
            blocker_id: edge.depends_on_id,
            type: "blocks",
          });
        }
        ctx.out(
          `✓ Added dependency: ${await paren(ctx, edge.depends_on_id)} blocks ${await paren(ctx, edge.issue_id)}`,
        );
      }),
    );
  dep
    .command("add")
    .description("Add a dependency: <issue> depends on <depends-on>")
    .argument("[ids...]")
    .option("-t, --type <type>", "dependency type (default blocks)")
    .option("--metadata <json>", "edge metadata JSON")
    .option("--no-cycle-check", "skip the cycle check (audit later with bd dep cycles)")
    .option("--file <path>", "read edges as JSONL {issue_id, depends_on_id, type} (- for stdin)")
    .option("--blocked-by <id>", "what <issue> waits for (instead of the second argument)")
    .option("--depends-on <id>", "same as --blocked-by")
    .action(act(depAdd));
  dep
    .command("remove")
    .alias("rm")
    .description("Remove a dependency")
    .argument("[ids...]")
    .action(act(depRemove));
  dep
    .command("list")
    .description("List an issue's dependencies (down) or dependents (up)")
    .argument("[id]")
    .option("--direction <dir>", "down (what it depends on) or up (what depends on it)", "down")
    .option("-t, --type <type>", "only this dependency type")
    .action(act(depList));
  dep
    .command("tree")
    .description("Show the dependency tree")
    .argument("[id]")
    .option("-d, --max-depth <n>", "maximum depth (default 50)", intArg("max-depth"))
    .option("--direction <dir>", "down, up or both")
    .option("--reverse", "show dependents instead")
    .action(act(depTree));
  dep.command("cycles").description("Find dependency cycles").action(act(depCycles));
  registerRelate(dep);

  const label = program.command("label").description("Manage labels");
  label
    .command("add")
    .description("Add a label: <issue...> <label>")
    .argument("[args...]")
    .action(act((c, a) => labelChange(c, a, true)));
  label
    .command("remove")
    .alias("rm")
    .description("Remove a label: <issue...> <label>")
    .argument("[args...]")
    .action(act((c, a) => labelChange(c, a, false)));
  label.command("list").description("List an issue's labels").argument("[id]").action(act(labelList));
  label.command("list-all").description("List every label with counts").action(act(labelListAll));
  registerPropagate(label);

  const comments = program
    .command("comments")
    .description("Show or add comments")
    .argument("[id]")
    .action(act(commentsShow));
  program
    .command("comment")
    .description("Add a comment: bd comment <issue> <text...>")
    .argument("[args...]")
    .option("-f, --file <path>", "read the comment from a file")
    .action(
      act(async (ctx, given, o) => {
        // `bd comment add <id> ...` (the comments form) is accepted too.
        const args = given[0] === "add" ? given.slice(1) : given;
        if (!args[0]) throw new ValidationError("usage: bd comment <issue> <text...>");
        const text = o.file ? readTextArg(o.file as string) : args.slice(1).join(" ");
        if (!text.trim()) throw new ValidationError("comment text required (use -f to read from file)");
        const { store, id } = await ctx.resolve(args[0]);
        const c = await store.addComment(id, ctx.actor(), text);
        if (ctx.json) return ctx.printJson(c);
        ctx.out(`✓ Comment added to ${feedback(id, (await store.getIssue(id))?.title)}`);
      }),
    );
  comments
    .command("add")
    .description("Add a comment: <issue> <text>")
    .argument("[args...]")
    .option("-f, --file <path>", "read the comment from a file")
    .option("--author <name>", "comment author (default: the actor)")
    .action(act(commentsAdd));

  program
    .command("defer")
    .description("Defer issues (hidden from ready)")
    .argument("[ids...]")
    .option("--until <when>", "defer until: +1d, tomorrow, 2026-01-15")
    .action(act(defer));
  program
    .command("undefer")
    .description("Bring deferred issues back")
    .argument("[ids...]")
    .action(act(undefer));
  program
    .command("duplicate")
    .description("Mark an issue as a duplicate of another and close it")
    .argument("[ids...]")
    .option("--of <id>", "the canonical issue")
    .action(act((c, a, o) => replaceWith(c, a, o, "duplicates")));
  program
    .command("supersede")
    .description("Mark an issue as superseded by another and close it")
    .argument("[ids...]")
    .option("--with <id>", "the replacement issue")
    .action(act((c, a, o) => replaceWith(c, a, o, "supersedes")));
}
