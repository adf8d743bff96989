// bd list, ready, blocked, search, count, stats, stale, children, orphans: reading the ledger.

import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { lazyChildProcess } from "../../lazy.ts";
import { type IssueWithCounts, NON_BLOCKING_STATUSES } from "../../ledger/model.ts";
import { validateStatus, validateType } from "../../ledger/validate.ts";
import { BD_BUNDLES } from "./bundles.ts";
import type { BdContext } from "./context.ts";
import {
  blockedList,
  feedback,
  flatRow,
  one,
  prettyRow,
  pri,
  RULE,
  readyPlain,
  STATUS_LEGEND,
  treeList,
} from "./format.ts";
import { intArg, toFilter } from "./options.ts";
import { act, addFilterOptions, type CommandGroup, filterFlags } from "./program.ts";

async function filterFrom(ctx: BdContext, o: Record<string, unknown>) {
  const vocab = await ctx.ledger().vocabulary();
  const f = toFilter(filterFlags(o), (t) => validateType(t, vocab, true));
  for (const s of f.statuses ?? []) validateStatus(s, vocab);
  return f;
}

async function list(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const f = await filterFrom(ctx, o);
  if (f.limit === undefined)
    f.limit = f.all ? 0 : ctx.env.CLAUDE_CODE || ctx.env.BD_AGENT_MODE === "1" ? 20 : 50;
  if (o.ready) f.statuses = ["open"];
  if (f.pinned === undefined && !f.statuses && !f.all) f.pinned = false;
  if (!o.includeGates && !f.types) f.excludeTypes = [...(f.excludeTypes ?? []), "gate"];
  const limit = f.limit;
  const rows = await ctx.ledger().listIssues({ ...f, limit: limit > 0 ? limit + 1 : 0 });
  const truncated = limit > 0 && rows.length > limit;
  const shown = truncated ? rows.slice(0, limit) : rows;
  if (truncated) {
    ctx.warn(
      `\nShowing ${shown.length} issues; more results matched but were hidden by --limit. Use --limit 0 for all, or --limit N to raise the cap.`,
    );
  }
  if (ctx.json) return ctx.printJson(shown);
  if (o.flat) {
    const store = ctx.ledger();
    for (const r of shown) {
      // Open blockers (missing targets in other rigs have no status and do not count), and
      // what this issue blocks.
      const blockedBy = (await store.dependencies(r.id, "down", "blocks"))
        .filter((d) => d.status !== "" && !NON_BLOCKING_STATUSES.includes(d.status))
        .map((d) => d.id);
      const blocks = (await store.dependencies(r.id, "up", "blocks")).map((d) => d.id);
      ctx.out(flatRow(r, blockedBy, blocks));
    }
    return;
  }
  if (shown.length === 0) return ctx.out("No issues found.");
  for (const line of treeList(shown)) ctx.out(line);
  const open = shown.filter((r) => r.status === "open").length;
  const wip = shown.filter((r) => r.status === "in_progress").length;
  ctx.out(`\n${RULE}\nTotal: ${shown.length} issues (${open} open, ${wip} in progress)\n\n${STATUS_LEGEND}`);
}

async function ready(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const f = await filterFrom(ctx, o);
  const sort = f.sort ?? "priority";
  if (!["priority", "hybrid", "oldest"].includes(sort)) {
    throw new ValidationError(`invalid sort policy '${sort}'. Valid values: hybrid, priority, oldest`);
  }
  const limit = f.limit ?? 100;
  if (o.explain || o.gated) {
    const why = await import("./ready-why.ts");
    return o.explain
      ? why.readyExplain(ctx, { ...f, mol: o.mol as string | undefined })
      : why.readyGated(ctx);
  }
  const molType = o.molType as string | undefined;
  if (molType !== undefined && !["swarm", "patrol", "work"].includes(molType))
    throw new ValidationError(`invalid --mol-type "${molType}" (expected swarm, patrol or work)`);
  let rows = await store.ready({
    ...f,
    status: "open",
    mol: o.mol as string | undefined,
    includeDeferred: o.includeDeferred as boolean | undefined,
    sort,
    limit: limit > 0 && !molType ? limit + 1 : 0,
  });
  // An empty mol_type means work (beads §1.1).
  if (molType) rows = rows.filter((r) => (r.mol_type || "work") === molType);
  const truncated = limit > 0 && rows.length > limit;
  const shown = truncated ? rows.slice(0, limit) : rows;
  if (o.claim) {
    const first = shown[0];
    if (!first) {
      if (ctx.json) return ctx.printJson([]);
      return ctx.out("\n○ No ready work to claim\n");
    }
    const claimed = await store.claimIssue(first.id, ctx.actor());
    if (ctx.json) return ctx.printJson([claimed]);
    return ctx.out(`✓ Claimed issue: ${feedback(first.id, first.title)}`);
  }
  if (ctx.json) {
    // The JSON path is the agents' hot path: say there is more without counting it all.
    if (truncated) {
      ctx.warn(
        `Showing ${shown.length} ready issues; more matched. Use --limit 0 for all, or --limit N to raise the cap.`,
      );
    }
    return ctx.printJson(shown);
  }
  const total = molType
    ? rows.length
    : truncated
      ? await store.countReady({
          ...f,
          status: "open",
          mol: o.mol as string | undefined,
          includeDeferred: o.includeDeferred as boolean | undefined,
        })
      : shown.length;
  if (shown.length === 0) {
    const stats = await store.stats();
    if (stats.open_issues > 0 || stats.in_progress_issues > 0) {
      ctx.out("\n✨ No ready work found (all issues have blocking dependencies)\n");
    } else {
      ctx.out("\n✨ No open issues\n");
    }
    return;
  }
  if (o.plain || o.pretty === false) {
    ctx.out(`\n📋 Ready work (${shown.length} issues with no active blockers):\n`);
    ctx.out(`${readyPlain(shown)}\n`);
  } else {
    const parents = new Map<string, string>();
    for (const r of shown) {
      if (!r.parent || parents.has(r.parent)) continue;
      const p = await store.getIssue(r.parent);
      if (p?.issue_type === "epic") parents.set(r.parent, p.title);
    }
    for (const r of shown)
      ctx.out(
        `${prettyRow(r)}${r.parent && parents.has(r.parent) ? ` ← ${one(parents.get(r.parent))}` : ""}`,
      );
    ctx.out(`\n${RULE}\nReady: ${shown.length} issues with no active blockers\n\n${STATUS_LEGEND}`);
  }
  if (truncated) ctx.out(`Showing ${shown.length} of ${total} ready issues. Use -n to show more.\n`);
}

async function blocked(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const f = await filterFrom(ctx, o);
  const rows = await ctx.ledger().blocked(f);
  if (ctx.json) return ctx.printJson(rows);
  if (rows.length === 0) return ctx.out("\n✨ No blocked issues\n");
  ctx.out(`\n🚫 Blocked issues (${rows.length}):\n`);
  ctx.out(blockedList(rows));
}

async function search(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const text = (args.join(" ") || (o.query as string | undefined) || "").trim();
  if (!text) throw new ValidationError("search query is required");
  const f = await filterFrom(ctx, o);
  if (f.limit === undefined) f.limit = 50;
  const rows = await ctx.ledger().listIssues({ ...f, text });
  if (ctx.json) return ctx.printJson(rows.map(({ parent: _p, ...r }) => r));
  if (rows.length === 0) return ctx.out(`No issues found matching '${one(text)}'`);
  ctx.out(`Found ${rows.length} issues matching '${one(text)}':`);
  for (const r of rows) {
    ctx.out(
      `${one(r.id)} [P${r.priority}] [${one(r.issue_type)}] ${one(r.status)}${r.assignee ? ` @${one(r.assignee)}` : ""}${
        r.labels?.length ? ` [${r.labels.map(one).join(" ")}]` : ""
      } - ${one(r.title)}`,
    );
  }
}

async function count(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const f = await filterFrom(ctx, o);
  const group = (["status", "priority", "type", "assignee", "label"] as const).find(
    (g) => o[`by${g[0]!.toUpperCase()}${g.slice(1)}`],
  );
  const groups = ["status", "priority", "type", "assignee", "label"].filter(
    (g) => o[`by${g[0]!.toUpperCase()}${g.slice(1)}`],
  );
  if (groups.length > 1) throw new ValidationError("only one --by-* flag can be specified");
  // count covers every status unless told otherwise.
  const result = await ctx
    .ledger()
    .countIssues({ ...f, all: f.statuses ? f.all : true, limit: undefined }, group);
  if (typeof result === "number") {
    if (ctx.json) return ctx.printJson({ count: result });
    return ctx.out(String(result));
  }
  const total = Object.values(result).reduce((a, b) => a + b, 0);
  if (ctx.json) {
    return ctx.printJson({
      total,
      groups: Object.entries(result)
        .sort()
        .map(([k, n]) => ({ group: k, count: n })),
    });
  }
  ctx.out(`Total: ${total}\n`);
  for (const [k, n] of Object.entries(result).sort()) ctx.out(`${k}: ${n}`);
}

async function stats(ctx: BdContext) {
  const s = await ctx.ledger().stats();
  if (ctx.json) return ctx.printJson({ summary: s });
  ctx.out("\n📊 Issue Database Status\n");
  ctx.out("Summary:");
  ctx.out(`  Total Issues:           ${s.total_issues}`);
  ctx.out(`  Open:                   ${s.open_issues}`);
  ctx.out(`  In Progress:            ${s.in_progress_issues}`);
  ctx.out(`  Blocked:                ${s.blocked_issues}`);
  ctx.out(`  Closed:                 ${s.closed_issues}`);
  ctx.out(`  Ready to Work:          ${s.ready_issues}`);
  if (s.pinned_issues > 0 || s.epics_eligible_for_closure > 0 || s.average_lead_time_hours > 0) {
    ctx.out("\nExtended:");
    if (s.pinned_issues > 0) ctx.out(`  Pinned:                 ${s.pinned_issues}`);
    if (s.epics_eligible_for_closure > 0)
      ctx.out(`  Epics Ready to Close:   ${s.epics_eligible_for_closure}`);
    if (s.average_lead_time_hours > 0)
      ctx.out(`  Avg Lead Time:          ${s.average_lead_time_hours.toFixed(1)} hours`);
  }
  ctx.out("\nFor more details, use 'bd list' to see individual issues.\n");
}

async function stale(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const days = (o.days as number | undefined) ?? 30;
  if (days < 1) throw new ValidationError("--days must be at least 1");
  const status = o.status as string | undefined;
  if (status && !["open", "in_progress", "blocked", "deferred"].includes(status)) {
    throw new ValidationError(
      `invalid status '${status}'. Valid values: open, in_progress, blocked, deferred`,
    );
  }
  const rows = await ctx.ledger().stale({ days, status, limit: (o.limit as number | undefined) ?? 50 });
  if (ctx.json) return ctx.printJson(rows);
  if (rows.length === 0) return ctx.out("\n✨ No stale issues found (all active)\n");
  ctx.out(`\n⏰ Stale issues (${rows.length} not updated in ${days}+ days):\n`);
  const now = Date.now();
  rows.forEach((r, i) => {
    const ago = Math.floor((now - Date.parse(r.updated_at)) / 86_400_000);
    ctx.out(`${i + 1}. [${pri(r.priority)}] ${one(r.id)}: ${one(r.title)}`);
    ctx.out(`   Status: ${one(r.status)}, Last updated: ${ago} days ago`);
    if (r.assignee) ctx.out(`   Assignee: ${one(r.assignee)}`);
  });
  ctx.out("");
}

/** `bd children <id>` is `bd list --parent <id> --status all`. */
async function children(ctx: BdContext, args: string[]) {
  const [raw] = args;
  if (!raw) throw new ValidationError("an issue ID is required");
  const { store, id } = await ctx.resolve(raw);
  const rows = await store.listIssues({ parent: id, all: true, limit: 0 });
  if (ctx.json) return ctx.printJson(rows);
  if (rows.length === 0) return ctx.out(`Issue '${id}' has no children`);
  const root = await store.getIssue(id);
  const lines = treeList([
    { ...(root as IssueWithCounts), dependency_count: 0, dependent_count: 0, comment_count: 0 },
    ...rows,
  ]);
  for (const line of lines) ctx.out(line);
}

/**
 * Open or in-progress issues that a git commit already mentions as `(<prefix>-xxx)`:
 * work that was probably done but never closed.
 */
async function orphans(ctx: BdContext) {
  const store = ctx.ledger();
  const prefix = await store.prefix();
  let log = "";
  try {
    log = lazyChildProcess().execFileSync("git", ["log", "--oneline", "--all"], {
      cwd: ctx.cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    // not a git repository: nothing can be orphaned
  }
  const esc = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const mention = new RegExp(`\\((${esc}-[0-9a-z][0-9a-z.]*)\\)`, "g");
  const latest = new Map<string, { commit: string; message: string }>();
  for (const line of log.split("\n")) {
    const space = line.indexOf(" ");
    if (space < 0) continue;
    for (const m of line.matchAll(mention)) {
      if (!latest.has(m[1]!))
        latest.set(m[1]!, { commit: line.slice(0, space), message: line.slice(space + 1) });
    }
  }
  const open = latest.size > 0 ? await store.getIssues([...latest.keys()]) : [];
  const out = open
    .filter((i) => i.status === "open" || i.status === "in_progress")
    .map((i) => ({
      issue_id: i.id,
      title: i.title,
      status: i.status,
      latest_commit: latest.get(i.id)!.commit,
      latest_commit_message: latest.get(i.id)!.message,
    }));
  if (ctx.json) return ctx.printJson(out);
  if (out.length === 0) return ctx.out("✓ No orphaned issues found");
  ctx.out(`\n⚠ Found ${out.length} orphaned issue(s):\n`);
  out.forEach((o, n) => {
    ctx.out(`${n + 1}. ${one(o.issue_id)}: ${one(o.title)}`);
    ctx.out(`   Status: ${one(o.status)}`);
    ctx.out(`   Latest commit: ${o.latest_commit} - ${one(o.latest_commit_message)}`);
  });
}

export const QUERIES: CommandGroup = {
  names: BD_BUNDLES["bd-queries"],
  register: registerQueries,
};

function registerQueries(program: Command): void {
  addFilterOptions(program.command("list").alias("ls").description("List issues"))
    .option("--all", "include closed issues")
    .option("-n, --limit <n>", "maximum results (default 50; 0 = unlimited)", intArg("limit"))
    .option("--flat", "flat list (the only layout; accepted for compatibility)")
    .option("--ready", "only open issues")
    .option("--include-gates", "include gate beads")
    .option("--deferred", "only deferred issues")
    .option("--no-pager", "accepted for compatibility")
    .option("--pretty", "accepted for compatibility")
    .action(act(list));

  addFilterOptions(program.command("ready").description("Show ready work (open, no active blockers)"), {
    status: false,
  })
    .option("-n, --limit <n>", "maximum results (default 100; 0 = unlimited)", intArg("limit"))
    .option("--mol <id>", "only steps of this molecule")
    .option("--include-deferred", "include issues deferred into the future")
    .option("--claim", "claim the first ready issue")
    .option("--mol-type <type>", "only molecules' beads of this type: swarm, patrol or work")
    .option("--gated", "steps that waited on a gate which is now closed, ready to resume")
    .option("--explain", "every open issue: ready, or why not")
    .option("--plain", "plain numbered list (the default layout)")
    .option("--pretty", "accepted for compatibility")
    .action(act(ready));

  addFilterOptions(program.command("blocked").description("Show blocked issues"), { status: false })
    .option("-n, --limit <n>", "maximum results", intArg("limit"))
    .action(act(blocked));

  addFilterOptions(
    program.command("search").description("Search issues by text").argument("[query...]", "text"),
  )
    .option("--query <text>", "search text")
    .option("--all", "include closed issues")
    .option("-n, --limit <n>", "maximum results (default 50)", intArg("limit"))
    .action(act(search));

  addFilterOptions(program.command("count").description("Count issues matching filters"))
    .option("--all", "include closed issues")
    .option("--by-status", "group by status")
    .option("--by-priority", "group by priority")
    .option("--by-type", "group by type")
    .option("--by-assignee", "group by assignee")
    .option("--by-label", "group by label")
    .action(act(count));

  program.command("stats").alias("status").description("Show ledger statistics").action(act(stats));

  program
    .command("stale")
    .description("Show issues not updated recently")
    .option("-d, --days <n>", "days without an update (default 30)", intArg("days"))
    .option("-s, --status <status>", "only this status")
    .option("-n, --limit <n>", "maximum results (default 50)", intArg("limit"))
    .action(act(stale));

  program.command("children").description("List an issue's children").argument("<id>").action(act(children));
  program
    .command("orphans")
    .description("Find open issues that git commits already mention (done but not closed?)")
    .action(act(orphans));
}
