// Read-only views of the ledger as beads has them: statuses, types, history (a bead's
// events), where (which .beads is in use), info (the database in use) and context
// (the ledger, repository and backend a command here would use).
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { BUILTIN_STATUSES, BUILTIN_TYPES, STATUS_CATEGORY } from "../../ledger/model.ts";
import type { BdContext } from "./context.ts";
import { minute, one, statusIcon } from "./format.ts";
import { intArg } from "./options.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

const STATUS_ABOUT: Record<string, string> = {
  open: "Ready to be worked on",
  in_progress: "Currently being worked on",
  blocked: "Waiting on a dependency",
  deferred: "Postponed until later",
  closed: "Done",
  pinned: "Kept in view, never closed by work",
  hooked: "Attached to an agent's hook",
};

const TYPE_ABOUT: Record<string, string> = {
  bug: "Something that does not work as it should",
  feature: "New functionality",
  task: "A unit of work",
  epic: "A large body of work, parent of other issues",
  chore: "Maintenance with no user-visible change",
  decision: "A recorded decision (ADR)",
  message: "A message between agents",
  molecule: "A workflow poured from a formula",
  gate: "A condition other work waits on",
  spike: "A timeboxed investigation",
  story: "A user story",
  milestone: "A point that work is grouped towards",
  event: "A record of something that happened",
};

async function statuses(ctx: BdContext) {
  const vocab = await ctx.ledger().vocabulary();
  const builtIn = BUILTIN_STATUSES.map((s) => ({
    name: s,
    category: STATUS_CATEGORY[s],
    icon: statusIcon(s),
    description: STATUS_ABOUT[s] ?? "",
  }));
  const custom = [...vocab.customStatuses].map(([name, category]) => ({ name, category }));
  if (ctx.json) {
    return ctx.printJson({
      built_in_statuses: builtIn,
      ...(custom.length > 0 ? { custom_statuses: custom } : {}),
    });
  }
  ctx.out("Built-in statuses:");
  for (const s of builtIn)
    ctx.out(`  ${s.icon} ${s.name.padEnd(14)} [${s.category.padEnd(6)}]  ${s.description}`);
  if (custom.length > 0) {
    ctx.out("\nCustom statuses:");
    for (const s of custom)
      ctx.out(`  ${statusIcon(s.name)} ${one(s.name).padEnd(14)} [${s.category.padEnd(6)}]`);
  } else {
    ctx.out("\nNo custom statuses configured.");
    ctx.out('Configure with: bd config set status.custom "name:category,..."');
    ctx.out("Categories: active, wip, done, frozen");
  }
}

async function types(ctx: BdContext) {
  const vocab = await ctx.ledger().vocabulary();
  const core = BUILTIN_TYPES.map((t) => ({ name: t, description: TYPE_ABOUT[t] ?? "" }));
  if (ctx.json) {
    return ctx.printJson({
      core_types: core,
      ...(vocab.customTypes.length > 0 ? { custom_types: vocab.customTypes } : {}),
    });
  }
  ctx.out("Core work types (built-in):");
  for (const t of core) ctx.out(`  ${t.name.padEnd(14)} ${t.description}`);
  if (vocab.customTypes.length > 0) {
    ctx.out("\nConfigured custom types:");
    for (const t of vocab.customTypes) ctx.out(`  ${one(t)}`);
  } else {
    ctx.out("\nNo custom types configured.");
    ctx.out('Configure with: bd config set types.custom "type1,type2,..."');
  }
}

async function history(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1) throw new ValidationError("usage: bd history <id> [--limit N]");
  const { store, id } = await ctx.resolve(args[0]!);
  let events = await store.events(id);
  const limit = (o.limit as number | undefined) ?? 0;
  // Newest first, as beads lists a bead's history.
  events = events.reverse();
  if (limit > 0) events = events.slice(0, limit);
  if (ctx.json) return ctx.printJson(events);
  if (events.length === 0) return ctx.out(`No history found for issue ${id}`);
  ctx.out(`\n📜 History for ${id} (${events.length} entries)\n`);
  for (const e of events) {
    const change =
      e.old_value !== undefined || e.new_value !== undefined
        ? `: ${one(e.old_value ?? "")} → ${one(e.new_value ?? "")}`
        : "";
    ctx.out(`${minute(e.created_at)} ${e.event_type}${change}`);
    ctx.out(`  Author: ${one(e.actor)}${e.comment ? `\n  ${one(e.comment)}` : ""}`);
  }
  ctx.out("");
}

async function where(ctx: BdContext) {
  const loc = ctx.location();
  const prefix = await ctx.ledger().prefix();
  const result = {
    path: loc.beadsDir,
    ...(loc.foundAt !== loc.beadsDir ? { redirected_from: loc.foundAt } : {}),
    ...(prefix ? { prefix } : {}),
    database_path: loc.dbPath,
  };
  if (ctx.json) return ctx.printJson(result);
  ctx.out(result.path);
  if (result.redirected_from) ctx.out(`  (via redirect from ${result.redirected_from})`);
  if (prefix) ctx.out(`  prefix: ${prefix}`);
  ctx.out(`  database: ${loc.dbPath}`);
}

async function info(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const loc = ctx.location();
  const store = ctx.ledger();
  const count = (await store.countIssues({ all: true })) as number;
  const out: Record<string, unknown> = { database_path: loc.dbPath, mode: "direct", issue_count: count };
  if (o.schema) {
    const tables = (
      await store.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ).map((r) => String(r.name));
    const sample = (await store.listIssues({ all: true, limit: 3, sort: "id" })).map((i) => i.id);
    out.schema = {
      tables,
      config: await store.listConfig(),
      sample_issue_ids: sample,
      detected_prefix: await store.prefix(),
    };
  }
  if (ctx.json) return ctx.printJson(out);
  ctx.out("\nBeads Database Information");
  ctx.out("===========================");
  ctx.out(`Database: ${loc.dbPath}`);
  ctx.out("Mode: direct");
  ctx.out(`\nIssue Count: ${count}`);
  if (out.schema) {
    const s = out.schema as { tables: string[]; detected_prefix: string; sample_issue_ids: string[] };
    ctx.out("\nSchema:");
    ctx.out(`  Tables: ${s.tables.join(", ")}`);
    ctx.out(`  Detected Prefix: ${s.detected_prefix}`);
    ctx.out(`  Sample Issues: ${s.sample_issue_ids.join(", ")}`);
  }
}

/** The git work tree `dir` is in (undefined outside git). */
function gitTop(dir: string): { root?: string; worktree: boolean } {
  try {
    const out = execFileSync("git", ["rev-parse", "--show-toplevel", "--git-dir", "--git-common-dir"], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).split("\n");
    const [root, gitDir, common] = out;
    return { root, worktree: resolve(dir, gitDir ?? "") !== resolve(dir, common ?? "") };
  } catch {
    return { worktree: false };
  }
}

async function context(ctx: BdContext) {
  const loc = ctx.location();
  const repo = gitTop(dirname(loc.beadsDir));
  const here = gitTop(ctx.cwd);
  const out = {
    beads_dir: loc.beadsDir,
    repo_root: repo.root ?? "",
    ...(here.root && here.root !== repo.root ? { cwd_repo_root: here.root } : {}),
    is_redirected: loc.foundAt !== loc.beadsDir,
    is_worktree: here.worktree,
    backend: "sqlite",
    dolt_mode: "none",
    database: loc.dbPath,
    bd_version: BD_VERSION,
  };
  if (ctx.json) return ctx.printJson(out);
  ctx.out(`bd version:     ${BD_VERSION}
`);
  ctx.out("Repository:");
  ctx.out(`  beads dir:    ${out.beads_dir}`);
  ctx.out(`  repo root:    ${out.repo_root}`);
  if (out.cwd_repo_root) ctx.out(`  cwd repo:     ${out.cwd_repo_root}`);
  if (out.is_redirected) ctx.out("  redirected:   yes");
  if (out.is_worktree) ctx.out("  worktree:     yes");
  ctx.out("\nBackend:");
  ctx.out("  type:         sqlite");
  ctx.out(`  database:     ${out.database}`);
}

/** bd ping: find the ledger, open it, run one query; the time each step took. */
async function ping(ctx: BdContext) {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  const fail = (reason: string) => {
    if (ctx.json) ctx.printJson({ status: "error", error: reason, total_ms: ms() });
    else ctx.warn(`✗ bd ping: ${reason} (${ms()}ms)`);
    return 1;
  };
  let resolveMs: number;
  let storeMs: number;
  try {
    ctx.location();
    resolveMs = ms();
  } catch {
    return fail("no .beads directory found");
  }
  try {
    ctx.ledger();
    storeMs = ms();
    await ctx.ledger().listIssues({ limit: 1 });
  } catch (e) {
    return fail(`query failed: ${(e as Error).message}`);
  }
  const total = ms();
  if (ctx.json)
    return ctx.printJson({
      status: "ok",
      resolve_ms: resolveMs,
      store_ms: storeMs - resolveMs,
      query_ms: total - storeMs,
      total_ms: total,
    });
  ctx.out(`✓ bd ping: ok (${total}ms)`);
}

export const VIEWS: CommandGroup = {
  names: ["statuses", "types", "history", "where", "info", "context", "ping"],
  register: registerViews,
};

function registerViews(program: Command): void {
  program.command("statuses").description("List valid issue statuses").action(act(statuses));
  program.command("types").description("List valid issue types").action(act(types));
  program
    .command("history")
    .description("Show the history (events) of an issue")
    .argument("[args...]", "<id>")
    .option("--limit <n>", "limit number of history entries (0 = all)", intArg("limit"))
    .action(act(history));
  program.command("where").description("Show active beads location").action(act(where));
  program.command("ping").description("Check database connectivity").action(act(ping));
  program
    .command("context")
    .description("Show effective backend identity and repository context")
    .action(act(context));
  program
    .command("info")
    .description("Show database and ledger information")
    .option("--schema", "include schema information in output")
    .action(act(info));
}
