// bd github and bd gitlab: configuration status, what the token can see, and two-way issue
// sync (src/ledger/trackers/) over HTTP (src/adapters/http-json.ts). Settings come from
// `bd config` (github.token, github.owner, …) or the environment, as beads reads them; the
// token is never printed, and never left in an error message.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  GITHUB_DEFAULT_URL,
  GitHubApi,
  type GitHubConfig,
  githubTracker,
} from "../../ledger/trackers/github.ts";
import {
  GitLabApi,
  type GitLabConfig,
  type GitLabFilter,
  gitlabTracker,
} from "../../ledger/trackers/gitlab.ts";
import { maskToken } from "../../ledger/trackers/scoped-labels.ts";
import { syncClock } from "../../ledger/trackers/state.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";
import { csv, runSync, setting, syncOptions, transport } from "./tracker-common.ts";

// ---------------------------------------------------------------- configuration

async function githubConfig(ctx: BdContext): Promise<GitHubConfig> {
  const cfg: GitHubConfig = {
    token: await setting(ctx, "github.token"),
    owner: await setting(ctx, "github.owner"),
    repo: await setting(ctx, "github.repo"),
    url: await setting(ctx, "github.url"),
  };
  const combined = await setting(ctx, "github.repository");
  const [owner, repo] = combined.split("/", 2);
  if (!cfg.owner && owner && repo) cfg.owner = owner;
  if (!cfg.repo && owner && repo) cfg.repo = repo;
  return cfg;
}

function githubProblem(cfg: GitHubConfig): string | undefined {
  const missing = (key: string, env: string) =>
    `${key} is not configured. Set via 'bd config set ${key} <${key.split(".")[1]}>' or ${env} environment variable`;
  if (!cfg.token) return missing("github.token", "GITHUB_TOKEN");
  if (!cfg.owner) return missing("github.owner", "GITHUB_OWNER");
  if (!cfg.repo) return missing("github.repo", "GITHUB_REPO");
  return undefined;
}

interface GitLabSettings extends GitLabConfig {
  defaultProjectId: string;
  filter: GitLabFilter;
  filterProject: string;
}

async function gitlabConfig(ctx: BdContext): Promise<GitLabSettings> {
  const projectId = await setting(ctx, "gitlab.project_id");
  const groupId = await setting(ctx, "gitlab.group_id");
  const defaultProjectId = await setting(ctx, "gitlab.default_project_id");
  const filterProject = await setting(ctx, "gitlab.filter_project");
  return {
    url: await setting(ctx, "gitlab.url"),
    token: await setting(ctx, "gitlab.token"),
    // In group mode new issues go to the default project.
    projectId: projectId || (groupId ? defaultProjectId : ""),
    groupId: groupId || undefined,
    defaultProjectId,
    filterProject,
    filter: {
      labels: (await setting(ctx, "gitlab.filter_labels")) || undefined,
      milestone: (await setting(ctx, "gitlab.filter_milestone")) || undefined,
      assignee: (await setting(ctx, "gitlab.filter_assignee")) || undefined,
      projectId: Number(filterProject) || undefined,
    },
  };
}

function gitlabProblem(cfg: GitLabSettings): string | undefined {
  const missing = (key: string, env: string) =>
    `${key} is not configured. Set via 'bd config set ${key} <${key.split(".")[1]}>' or ${env} environment variable`;
  if (!cfg.url) return missing("gitlab.url", "GITLAB_URL");
  if (!cfg.token) return missing("gitlab.token", "GITLAB_TOKEN");
  if (!cfg.projectId && !cfg.groupId)
    return "gitlab.project_id or gitlab.group_id is not configured. Set via 'bd config' or environment variables";
  // A token in clear text only to this machine.
  if (/^http:\/\//.test(cfg.url) && !/^http:\/\/(localhost|127\.0\.0\.1)([:/]|$)/.test(cfg.url))
    return `gitlab.url must use HTTPS (got "${cfg.url}"). Use HTTPS to protect your access token`;
  return undefined;
}

// ---------------------------------------------------------------- status and listings

async function githubStatus(ctx: BdContext) {
  const cfg = await githubConfig(ctx);
  const problem = githubProblem(cfg);
  if (ctx.json)
    return ctx.printJson({
      token: maskToken(cfg.token),
      owner: cfg.owner,
      repo: cfg.repo,
      url: cfg.url || GITHUB_DEFAULT_URL,
      configured: problem === undefined,
      ...(problem ? { error: problem } : {}),
      last_sync: syncClock(ctx.location().beadsDir, "github").get() ?? null,
    });
  const lines = [
    "GitHub Configuration",
    "====================",
    `Token:      ${maskToken(cfg.token)}`,
    `Owner:      ${cfg.owner}`,
    `Repository: ${cfg.repo}`,
  ];
  if (cfg.url) lines.push(`API URL:    ${cfg.url}`);
  lines.push("", problem ? `Status: ❌ Not configured\nError: ${problem}` : "Status: ✓ Configured");
  ctx.out(lines.join("\n"));
}

async function githubRepos(ctx: BdContext) {
  const cfg = await githubConfig(ctx);
  if (!cfg.token) throw new ValidationError(githubProblem(cfg)!);
  const repos = await new GitHubApi(cfg, transport(cfg.token)).listRepositories().catch((e: Error) => {
    throw new Error(`failed to fetch repositories: ${e.message}`);
  });
  if (ctx.json)
    return ctx.printJson(
      repos.map((r) => ({ full_name: r.full_name, description: r.description ?? "", html_url: r.html_url })),
    );
  const lines = ["Accessible GitHub Repositories", "=============================="];
  for (const r of repos) {
    lines.push(`  ${r.full_name}`);
    if (r.description) lines.push(`    ${r.description}`);
    lines.push(`    ${r.html_url}`, "");
  }
  if (repos.length === 0) lines.push("No repositories found");
  ctx.out(lines.join("\n"));
}

async function gitlabStatus(ctx: BdContext) {
  const cfg = await gitlabConfig(ctx);
  const problem = gitlabProblem(cfg);
  if (ctx.json)
    return ctx.printJson({
      url: cfg.url,
      token: maskToken(cfg.token),
      project_id: cfg.projectId,
      group_id: cfg.groupId ?? "",
      mode: cfg.groupId ? "group" : "project",
      filters: { ...cfg.filter, projectId: undefined, project: cfg.filterProject || undefined },
      configured: problem === undefined,
      ...(problem ? { error: problem } : {}),
      last_sync: syncClock(ctx.location().beadsDir, "gitlab").get() ?? null,
    });
  const lines = [
    "GitLab Configuration",
    "====================",
    `URL:        ${cfg.url}`,
    `Token:      ${maskToken(cfg.token)}`,
    `Project ID: ${cfg.groupId && !cfg.projectId ? "" : cfg.projectId}`,
  ];
  if (cfg.groupId) {
    lines.push(`Group ID:   ${cfg.groupId}`, "Sync Mode:  group (fetches from all projects in group)");
    if (cfg.defaultProjectId)
      lines.push(`Default Project ID: ${cfg.defaultProjectId} (for creating new issues)`);
  } else lines.push("Sync Mode:  project");
  const f = cfg.filter;
  if (f.labels || cfg.filterProject || f.milestone || f.assignee) {
    lines.push("", "Filters:");
    if (f.labels) lines.push(`  Labels:    ${f.labels}`);
    if (cfg.filterProject) lines.push(`  Project:   ${cfg.filterProject}`);
    if (f.milestone) lines.push(`  Milestone: ${f.milestone}`);
    if (f.assignee) lines.push(`  Assignee:  ${f.assignee}`);
  }
  lines.push("", problem ? `Status: ❌ Not configured\nError: ${problem}` : "Status: ✓ Configured");
  ctx.out(lines.join("\n"));
}

async function gitlabProjects(ctx: BdContext) {
  const cfg = await gitlabConfig(ctx);
  const problem = gitlabProblem(cfg);
  if (problem) throw new ValidationError(problem);
  const projects = await new GitLabApi(cfg, transport(cfg.token)).listProjects().catch((e: Error) => {
    throw new Error(`failed to fetch projects: ${e.message}`);
  });
  if (ctx.json)
    return ctx.printJson(
      projects.map((p) => ({
        id: p.id,
        name: p.name,
        path_with_namespace: p.path_with_namespace,
        web_url: p.web_url,
      })),
    );
  const lines = ["Accessible GitLab Projects", "=========================="];
  for (const p of projects)
    lines.push(
      `ID: ${p.id}`,
      `  Name: ${p.name}`,
      `  Path: ${p.path_with_namespace}`,
      `  URL:  ${p.web_url}`,
      "",
    );
  if (projects.length === 0) lines.push("No projects found (or no membership access)");
  ctx.out(lines.join("\n"));
}

// ---------------------------------------------------------------- sync
async function githubSync(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const cfg = await githubConfig(ctx);
  const problem = githubProblem(cfg);
  if (problem) throw new ValidationError(problem);
  const opts = await syncOptions(ctx, o, "github");
  await runSync(ctx, githubTracker(new GitHubApi(cfg, transport(cfg.token))), opts);
}

async function gitlabSync(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const cfg = await gitlabConfig(ctx);
  const problem = gitlabProblem(cfg);
  if (problem) throw new ValidationError(problem);
  const opts = await syncOptions(ctx, o, "gitlab");
  const types = csv(o.type);
  const excluded = csv(o.excludeType);
  opts.types = types;
  // Coordination beads stay local unless the types are named.
  opts.excludeTypes =
    types.length === 0 && excluded.length === 0 ? ["molecule", "message", "event"] : excluded;
  // CLI filters replace the configured ones.
  const cli: GitLabFilter = {
    labels: (o.label as string) || undefined,
    milestone: (o.milestone as string) || undefined,
    assignee: (o.assignee as string) || undefined,
    projectId: Number(o.project) || undefined,
  };
  const filter = cli.labels || cli.milestone || cli.assignee || o.project ? cli : cfg.filter;
  await runSync(ctx, gitlabTracker(new GitLabApi(cfg, transport(cfg.token)), filter), opts);
}

function syncCommand(parent: Command, display: string, external: string): Command {
  return parent
    .command("sync")
    .description(`Sync issues with ${display} (pull new and updated issues, push local ones)`)
    .option("--dry-run", "Show what would be synced without making changes")
    .option("--pull-only", `Only pull issues from ${display}`)
    .option("--push-only", `Only push issues to ${display}`)
    .option("--prefer-local", "On conflict, keep local beads version")
    .option(`--prefer-${external}`, `On conflict, use ${display} version`)
    .option("--prefer-newer", "On conflict, use most recent version (default)")
    .option(
      "--issues <ids>",
      "Comma-separated bead IDs to sync selectively. Mutually exclusive with --parent.",
    )
    .option(
      "--parent <id>",
      "Limit push to this bead and its descendants (push only). Mutually exclusive with --issues.",
    );
}

export const TRACKERS: CommandGroup = {
  names: ["github", "gitlab"],
  register(program: Command) {
    const github = program
      .command("github")
      .description(
        "GitHub integration commands (github.token, github.owner, github.repo or github.repository, github.url)",
      );
    syncCommand(github, "GitHub", "github").action(act(githubSync));
    github.command("status").description("Show GitHub sync status").action(act(githubStatus));
    github.command("repos").description("List accessible GitHub repositories").action(act(githubRepos));

    const gitlab = program
      .command("gitlab")
      .description(
        "GitLab integration commands (gitlab.url, gitlab.token, gitlab.project_id or gitlab.group_id)",
      );
    syncCommand(gitlab, "GitLab", "gitlab")
      .option("--label <labels>", "Filter by labels (comma-separated, AND logic)")
      .option("--project <id>", "Filter to issues from this project ID (group mode)")
      .option("--milestone <title>", "Filter by milestone title")
      .option("--assignee <user>", "Filter by assignee username")
      .option("--type <types>", "Only sync these issue types (comma-separated, e.g. 'epic,feature,task')")
      .option("--exclude-type <types>", "Exclude these issue types from sync (comma-separated)")
      .action(act(gitlabSync));
    gitlab.command("status").description("Show GitLab sync status").action(act(gitlabStatus));
    gitlab.command("projects").description("List accessible GitLab projects").action(act(gitlabProjects));
  },
};
