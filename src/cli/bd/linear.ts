// bd linear: sync (--pull, --push, both by default), status and teams, as beads has them,
// over the Linear tracker (src/ledger/trackers/linear.ts). Settings: linear.api_key (or
// LINEAR_API_KEY), linear.team_id or linear.team_ids (UUIDs), linear.api_endpoint,
// linear.project_id, and the linear.state_map.*, linear.priority_map.*,
// linear.label_type_map.* maps. API-key auth only (beads' OAuth client flow is not here).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { SyncOptions } from "../../ledger/trackers/engine.ts";
import {
  isLinearRef,
  LinearApi,
  type LinearConfig,
  linearTracker,
  validatePushStates,
} from "../../ledger/trackers/linear.ts";
import { syncClock } from "../../ledger/trackers/state.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";
import { collectList, configMap, csv, runSync, setting, syncSummary, transport } from "./tracker-common.ts";

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** --team wins, then linear.team_ids (comma list), then linear.team_id. */
async function teamIds(ctx: BdContext, cli: string[] = []): Promise<string[]> {
  if (cli.length > 0) return [...new Set(cli)];
  const plural = csv(await setting(ctx, "linear.team_ids"));
  if (plural.length > 0) return [...new Set(plural)];
  const one = await setting(ctx, "linear.team_id");
  return one ? [one] : [];
}

async function linearConfig(ctx: BdContext, cliTeams: string[] = []): Promise<LinearConfig> {
  const all = await ctx.ledger().listConfig();
  return {
    apiKey: await setting(ctx, "linear.api_key"),
    teamIds: await teamIds(ctx, cliTeams),
    endpoint: (await setting(ctx, "linear.api_endpoint")) || undefined,
    projectId: (await setting(ctx, "linear.project_id")) || undefined,
    priorityMap: configMap(all, "linear.priority_map."),
    stateMap: configMap(all, "linear.state_map."),
    labelTypeMap: configMap(all, "linear.label_type_map."),
  };
}

function linearProblem(cfg: LinearConfig): string | undefined {
  if (!cfg.apiKey)
    return `Linear authentication not configured (export LINEAR_API_KEY=... or bd config set linear.api_key "YOUR_API_KEY")`;
  if (cfg.teamIds.length === 0)
    return `no Linear team ID configured (run: bd config set linear.team_id "TEAM_ID", or linear.team_ids "TEAM_ID1,TEAM_ID2", or export LINEAR_TEAM_ID)`;
  const bad = cfg.teamIds.find((id) => !UUID.test(id));
  if (bad)
    return `invalid Linear team ID (expected UUID format like '12345678-1234-1234-1234-123456789abc'): ${bad}`;
  return undefined;
}

/** First four and last four characters, as beads shows an API key. */
function maskKey(key: string): string {
  return key.length <= 8 ? "****" : `${key.slice(0, 4)}...${key.slice(-4)}`;
}

async function sync(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  if (o.preferLocal && o.preferLinear)
    throw new ValidationError("cannot use both --prefer-local and --prefer-linear");
  const cliTeams = ((o.team as string[] | undefined) ?? []).flatMap(csv);
  const cfg = await linearConfig(ctx, cliTeams);
  const problem = linearProblem(cfg);
  if (problem) throw new ValidationError(problem);
  const state = String(o.state ?? "all");
  if (!["open", "closed", "all"].includes(state))
    throw new ValidationError(`--state must be open, closed or all (got "${state}")`);
  const pull = o.pull === true;
  const push = o.push === true;
  const willPush = push || !pull;
  if (willPush && cfg.teamIds.length > 1 && cliTeams.length === 0)
    throw new ValidationError(
      "push requires explicit --team flag when multiple teams are configured (bd linear sync --push --team <TEAM_ID>)",
    );
  if (o.issues && o.parent)
    throw new ValidationError(
      "--issues and --parent are mutually exclusive: use --issues to target specific beads by ID, or --parent to sync a subtree",
    );
  if (o.parent && pull && !push) throw new ValidationError("--parent requires push (cannot use with --pull)");
  const api = new LinearApi(cfg, transport(cfg.apiKey));
  if (willPush && !o.dryRun) await validatePushStates(api);
  const opts: SyncOptions = {
    pull,
    push,
    dryRun: o.dryRun === true,
    createOnly: o.createOnly === true,
    state,
    conflict: o.preferLocal ? "local" : o.preferLinear ? "external" : "timestamp",
    types: ((o.type as string[] | undefined) ?? []).flatMap(csv).map((t) => t.toLowerCase()),
    excludeTypes: ((o.excludeType as string[] | undefined) ?? []).flatMap(csv).map((t) => t.toLowerCase()),
  };
  if (o.issues) opts.issueIds = csv(o.issues);
  if (o.parent) opts.parentId = (await ctx.resolve(String(o.parent))).id;
  await runSync(ctx, linearTracker(api), opts, (result) => {
    if (opts.dryRun) return ctx.out("\n✓ Dry run complete (no changes made)");
    const lines = [...syncSummary(result), "", "✓ Linear sync complete"];
    if (result.warnings && result.warnings.length > 0)
      lines.push("", "Warnings:", ...result.warnings.map((w) => `  - ${w}`));
    ctx.out(lines.join("\n"));
  });
}

async function status(ctx: BdContext) {
  const cfg = await linearConfig(ctx);
  const configured = cfg.apiKey !== "" && cfg.teamIds.length > 0;
  const lastSync = syncClock(ctx.location().beadsDir, "linear").get() ?? "";
  const issues = await ctx.ledger().exportIssues();
  const linked = issues.filter((i) => i.external_ref && isLinearRef(i.external_ref)).length;
  const local = issues.filter((i) => !i.external_ref).length;
  if (ctx.json)
    return ctx.printJson({
      configured,
      has_api_key: cfg.apiKey !== "",
      has_oauth: false,
      auth_mode: cfg.apiKey ? "api_key" : "none",
      team_id: cfg.teamIds[0] ?? "",
      team_ids: cfg.teamIds,
      last_sync: lastSync,
      total_issues: issues.length,
      with_linear_ref: linked,
      pending_push: local,
    });
  const lines = ["Linear Sync Status", "==================", ""];
  if (!configured) {
    lines.push(
      "Status: Not configured",
      "",
      "To configure Linear integration:",
      '  bd config set linear.api_key "YOUR_API_KEY"',
      '  bd config set linear.team_id "TEAM_ID"',
      '  bd config set linear.team_ids "TEAM_ID1,TEAM_ID2"  # multiple teams',
      "",
      "Or use environment variables:",
      '  export LINEAR_API_KEY="YOUR_API_KEY"',
      '  export LINEAR_TEAM_ID="TEAM_ID"',
    );
    return ctx.out(lines.join("\n"));
  }
  lines.push(
    cfg.teamIds.length === 1
      ? `Team ID:      ${cfg.teamIds[0]}`
      : `Team IDs:     ${cfg.teamIds.join(", ")} (${cfg.teamIds.length} teams)`,
    `API Key:      ${maskKey(cfg.apiKey)}`,
    `Last Sync:    ${lastSync || "Never"}`,
    "",
    `Total Issues: ${issues.length}`,
    `With Linear:  ${linked}`,
    `Local Only:   ${local}`,
  );
  if (local > 0) lines.push("", `Run 'bd linear sync --push' to push ${local} local issue(s) to Linear`);
  ctx.out(lines.join("\n"));
}

async function teams(ctx: BdContext) {
  const cfg = await linearConfig(ctx);
  if (!cfg.apiKey) throw new ValidationError(linearProblem(cfg)!);
  const list = await new LinearApi(cfg, transport(cfg.apiKey)).teams().catch((e: Error) => {
    throw new Error(`fetching teams: ${e.message}`);
  });
  if (ctx.json) return ctx.printJson(list);
  if (list.length === 0) return ctx.out("No teams found (check your API key permissions)");
  const row = (a: string, b: string, c: string) => `${a.padEnd(40)}  ${b.padEnd(6)}  ${c}`;
  ctx.out(
    [
      "Available Linear Teams",
      "======================",
      "",
      row("ID (use this for linear.team_id)", "Key", "Name"),
      row("-".repeat(40), "------", "----"),
      ...list.map((t) => row(t.id, t.key, t.name)),
      "",
      "To configure:",
      '  bd config set linear.team_id "<ID>"',
      '  bd config set linear.team_ids "<ID1>,<ID2>"  # multiple teams',
    ].join("\n"),
  );
}

export const LINEAR: CommandGroup = {
  names: ["linear"],
  register(program: Command) {
    const linear = program
      .command("linear")
      .description("Linear integration commands (linear.api_key, linear.team_id(s), linear.state_map.*)");
    linear
      .command("sync")
      .description("Synchronize issues with Linear (--pull, --push, or both with conflict resolution)")
      .option("--pull", "Pull issues from Linear")
      .option("--push", "Push issues to Linear")
      .option("--dry-run", "Preview sync without making changes")
      .option("--prefer-local", "Prefer local version on conflicts")
      .option("--prefer-linear", "Prefer Linear version on conflicts")
      .option("--create-only", "Only create new issues, don't update existing")
      .option("--state <state>", "Issue state to sync: open, closed, all", "all")
      .option("--type <types>", "Only sync issues of these types (can be repeated)", collectList)
      .option("--exclude-type <types>", "Exclude issues of these types (can be repeated)", collectList)
      .option("--team <ids>", "Team ID(s) to sync (overrides configured team_id/team_ids)", collectList)
      .option(
        "--issues <ids>",
        "Comma-separated bead IDs to sync selectively. Mutually exclusive with --parent.",
      )
      .option("--parent <id>", "Limit push to this beads ticket and its descendants")
      .action(act(sync));
    linear.command("status").description("Show Linear sync status").action(act(status));
    linear.command("teams").description("List available Linear teams").action(act(teams));
  },
};
