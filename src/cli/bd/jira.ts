// bd jira: sync (--pull, --push, both by default) and status, as beads has them, over the
// Jira tracker (src/ledger/trackers/jira.ts). Settings: jira.url, jira.project or
// jira.projects, jira.api_token (or JIRA_API_TOKEN), jira.username for Basic auth (Cloud),
// jira.api_version, jira.pull_jql, jira.push_prefix and the jira.*_map.<beads value> maps.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { SyncOptions } from "../../ledger/trackers/engine.ts";
import { isJiraRef, JiraApi, type JiraConfig, jiraTracker } from "../../ledger/trackers/jira.ts";
import { syncClock } from "../../ledger/trackers/state.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";
import { collectList, configMap, csv, runSync, setting, syncSummary, transport } from "./tracker-common.ts";

/** jira.projects (comma list) wins over jira.project; a --project on the command line over both. */
function projectKeys(plural: string, singular: string, cli: string[] = []): string[] {
  if (cli.length > 0) return [...new Set(cli)];
  const list = csv(plural);
  if (list.length > 0) return [...new Set(list)];
  return singular ? [singular] : [];
}

async function jiraConfig(ctx: BdContext, cliProjects: string[] = []): Promise<JiraConfig> {
  const all = await ctx.ledger().listConfig();
  return {
    url: (await setting(ctx, "jira.url")).replace(/\/+$/, ""),
    projects: projectKeys(
      await setting(ctx, "jira.projects"),
      await setting(ctx, "jira.project"),
      cliProjects,
    ),
    token: await setting(ctx, "jira.api_token"),
    username: (await setting(ctx, "jira.username")) || undefined,
    apiVersion: (await setting(ctx, "jira.api_version")) || "3",
    pullJql: (await setting(ctx, "jira.pull_jql")) || undefined,
    statusMap: configMap(all, "jira.status_map."),
    typeMap: configMap(all, "jira.type_map."),
    priorityMap: configMap(all, "jira.priority_map."),
  };
}

function jiraProblem(cfg: JiraConfig): string | undefined {
  if (!cfg.url)
    return `jira.url not configured (run: bd config set jira.url "https://company.atlassian.net")`;
  if (cfg.projects.length === 0)
    return `no Jira project configured (run: bd config set jira.project "PROJ", or jira.projects "PROJ1,PROJ2")`;
  if (!cfg.token)
    return `Jira API token not configured (run: bd config set jira.api_token "YOUR_TOKEN", or export JIRA_API_TOKEN)`;
  return undefined;
}

async function sync(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  if (o.preferLocal && o.preferJira)
    throw new ValidationError("cannot use both --prefer-local and --prefer-jira");
  const cfg = await jiraConfig(ctx, (o.project as string[] | undefined)?.flatMap(csv));
  const problem = jiraProblem(cfg);
  if (problem) throw new ValidationError(problem);
  const state = String(o.state ?? "all");
  if (!["open", "closed", "all"].includes(state))
    throw new ValidationError(`--state must be open, closed or all (got "${state}")`);
  const push = o.push === true;
  if (o.issues && o.parent)
    throw new ValidationError(
      "--issues and --parent are mutually exclusive: use --issues to target specific beads by ID, or --parent to sync a subtree",
    );
  // beads: --parent needs push, and here push is on unless only --pull was asked for.
  if (o.parent && o.pull === true && !push)
    throw new ValidationError("--parent requires push (cannot use with --pull)");
  const prefixes = csv(await setting(ctx, "jira.push_prefix")).map((p) => p.replace(/-$/, ""));
  const opts: SyncOptions = {
    pull: o.pull === true,
    push,
    dryRun: o.dryRun === true,
    createOnly: o.createOnly === true,
    state,
    conflict: o.preferLocal ? "local" : o.preferJira ? "external" : "timestamp",
    ...(prefixes.length > 0 ? { pushFilter: (i) => prefixes.some((p) => i.id.startsWith(`${p}-`)) } : {}),
  };
  if (o.issues) opts.issueIds = csv(o.issues);
  if (o.parent) opts.parentId = (await ctx.resolve(String(o.parent))).id;
  await runSync(ctx, jiraTracker(new JiraApi(cfg, transport(cfg.token))), opts, (result) => {
    if (opts.dryRun) return ctx.out("\n✓ Dry run complete (no changes made)");
    const lines = [...syncSummary(result), "", "✓ Jira sync complete"];
    if (result.warnings && result.warnings.length > 0)
      lines.push("", "Warnings:", ...result.warnings.map((w) => `  - ${w}`));
    ctx.out(lines.join("\n"));
  });
}

async function status(ctx: BdContext) {
  const cfg = await jiraConfig(ctx);
  const configured = cfg.url !== "" && cfg.projects.length > 0;
  const lastSync = syncClock(ctx.location().beadsDir, "jira").get() ?? "";
  const issues = await ctx.ledger().exportIssues();
  const linked = issues.filter((i) => i.external_ref && isJiraRef(i.external_ref, cfg.url)).length;
  const local = issues.filter((i) => !i.external_ref).length;
  if (ctx.json)
    return ctx.printJson({
      configured,
      jira_url: cfg.url,
      jira_project: cfg.projects[0] ?? "",
      jira_projects: cfg.projects,
      last_sync: lastSync,
      total_issues: issues.length,
      with_jira_ref: linked,
      pending_push: local,
    });
  const lines = ["Jira Sync Status", "================", ""];
  if (!configured) {
    lines.push(
      "Status: Not configured",
      "",
      "To configure Jira integration:",
      '  bd config set jira.url "https://company.atlassian.net"',
      '  bd config set jira.project "PROJ"',
      '  bd config set jira.projects "PROJ1,PROJ2"  # multiple projects',
      '  bd config set jira.api_token "YOUR_TOKEN"',
      '  bd config set jira.username "your@email.com"',
    );
    return ctx.out(lines.join("\n"));
  }
  lines.push(`Jira URL:     ${cfg.url}`);
  lines.push(
    cfg.projects.length === 1
      ? `Project:      ${cfg.projects[0]}`
      : `Projects:     ${cfg.projects.join(", ")} (${cfg.projects.length} projects)`,
  );
  lines.push(`Last Sync:    ${lastSync || "Never"}`, "");
  lines.push(`Total Issues: ${issues.length}`, `With Jira:    ${linked}`, `Local Only:   ${local}`);
  if (local > 0) lines.push("", `Run 'bd jira sync --push' to push ${local} local issue(s) to Jira`);
  ctx.out(lines.join("\n"));
}

export const JIRA: CommandGroup = {
  names: ["jira"],
  register(program: Command) {
    const jira = program
      .command("jira")
      .description("Jira integration commands (jira.url, jira.project(s), jira.api_token, jira.username)");
    jira
      .command("sync")
      .description("Synchronize issues with Jira (--pull, --push, or both with conflict resolution)")
      .option("--pull", "Pull issues from Jira")
      .option("--push", "Push issues to Jira")
      .option("--dry-run", "Preview sync without making changes")
      .option("--prefer-local", "Prefer local version on conflicts")
      .option("--prefer-jira", "Prefer Jira version on conflicts")
      .option("--create-only", "Only create new issues, don't update existing")
      .option("--state <state>", "Issue state to sync: open, closed, all", "all")
      .option(
        "--project <keys>",
        "Project key(s) to sync (overrides configured project/projects)",
        collectList,
      )
      .option(
        "--issues <ids>",
        "Comma-separated bead IDs to sync selectively. Mutually exclusive with --parent.",
      )
      .option(
        "--parent <id>",
        "Limit push to this bead and its descendants (push only). Mutually exclusive with --issues.",
      )
      .action(act(sync));
    jira.command("status").description("Show Jira sync status").action(act(status));
  },
};
