// bd query: issues matching an expression of beads' query language (src/ledger/query.ts),
// wisps included (bd list leaves them out; Gas Town lists its wisps this way).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { IssueWithCounts } from "../../ledger/model.ts";
import { formatQuery, mentionsField, parseQuery, queryPredicate } from "../../ledger/query.ts";
import type { SortPolicy } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { intArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";

const SORTS: SortPolicy[] = [
  "priority",
  "created",
  "updated",
  "closed",
  "status",
  "id",
  "title",
  "type",
  "assignee",
];

async function query(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const text = args.join(" ").trim();
  if (!text) throw new ValidationError('a query is needed, e.g. bd query "status=open AND priority<2"');
  const node = parseQuery(text);
  if (o.parseOnly) return ctx.out(`Parsed query: ${formatQuery(node)}`);
  const sort = o.sort as string | undefined;
  if (sort !== undefined && !(SORTS as string[]).includes(sort))
    throw new ValidationError(`unknown sort "${sort}" (sorts: ${SORTS.join(", ")})`);
  const match = queryPredicate(node);
  // Closed issues only with --all or when the query itself speaks of status; infrastructure
  // and template beads only when it names their type or asks for templates.
  const withClosed = o.all === true || mentionsField(node, "status");
  const rows = await ctx.ledger().listIssues({
    all: true,
    ephemeral: true,
    includeInfra: mentionsField(node, "type") || mentionsField(node, "ephemeral"),
    includeTemplates: mentionsField(node, "template"),
    ...(sort ? { sort: sort as SortPolicy } : {}),
    ...(o.reverse ? { reverse: true } : {}),
  });
  const limit = (o.limit as number | undefined) ?? 50;
  const found = rows
    .filter((r) => (withClosed || r.status !== "closed") && match(r))
    .slice(0, limit > 0 ? limit : undefined);
  if (ctx.json) return ctx.printJson(found.map(({ parent: _p, ...r }) => r));
  if (found.length === 0) return ctx.out(`No issues found matching query: ${one(text)}`);
  if (o.long) {
    ctx.out(`\nFound ${found.length} issues:\n`);
    for (const r of found) ctx.out(longRow(r));
    return;
  }
  ctx.out(`Found ${found.length} issues:`);
  for (const r of found) ctx.out(shortRow(r));
}

function shortRow(r: IssueWithCounts): string {
  return `${one(r.id)} [P${r.priority}] [${one(r.issue_type)}] ${one(r.status)}${r.assignee ? ` @${one(r.assignee)}` : ""}${
    r.labels?.length ? ` [${r.labels.map(one).join(" ")}]` : ""
  } - ${one(r.title)}`;
}

function longRow(r: IssueWithCounts): string {
  return [
    `${one(r.id)} [P${r.priority}] [${one(r.issue_type)}] ${one(r.status)}`,
    `  ${one(r.title)}`,
    ...(r.assignee ? [`  Assignee: ${one(r.assignee)}`] : []),
    ...(r.labels?.length ? [`  Labels: ${r.labels.map(one).join(", ")}`] : []),
    "",
  ].join("\n");
}

export const QUERY: CommandGroup = {
  names: ["query"],
  register(program: Command) {
    program
      .command("query")
      .description('Issues matching a query: bd query "status=open AND (priority<2 OR label=urgent)"')
      .argument("<expression...>", "field op value, joined by AND / OR / NOT and parentheses")
      .option("-a, --all", "include closed issues (without it, closed ones only when the query names status)")
      .option("-n, --limit <n>", "maximum results (default 50; 0 = unlimited)", intArg("limit"))
      .option("--long", "several lines per issue")
      .option("--parse-only", "print the parsed query and stop")
      .option("--sort <field>", `sort by ${SORTS.join(", ")}`)
      .option("-r, --reverse", "reverse the sort order")
      .addHelpText(
        "after",
        [
          "",
          "Fields: status, priority, type, assignee, owner, label, title, description, notes, created,",
          "updated, started, closed, id, spec, pinned, ephemeral, template, parent, mol_type.",
          "Operators: = != > >= < <= (ordering for priority and dates). title, description and notes",
          'match what they contain; id, spec, parent and label take * wildcards; "none" matches an',
          "empty assignee, owner, description or no label. Dates: 7d, 24h, 2w (that long ago),",
          "2026-01-15, 2026-01-15T10:00:00Z, tomorrow, next monday, in 3 days.",
        ].join("\n"),
      )
      .action(act(query));
  },
};
