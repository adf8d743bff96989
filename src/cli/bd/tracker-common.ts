// What bd's tracker commands share (github, gitlab, jira, linear): settings from `bd config`
// or the environment as beads names them, HTTP with the token cut out of errors, the sync
// flags every tracker takes, and running a sync with beads' summary lines.
import { join } from "node:path";
import { httpJson } from "../../adapters/http-json.ts";
import { ValidationError } from "../../errors.ts";
import {
  conflictResolution,
  type IssueTracker,
  SyncEngine,
  type SyncOptions,
  type SyncResult,
} from "../../ledger/trackers/engine.ts";
import { syncClock } from "../../ledger/trackers/state.ts";
import type { JsonTransport } from "../../ledger/trackers/transport.ts";
import { withFileLock } from "../../town/lock.ts";
import type { BdContext } from "./context.ts";

const ENV: Record<string, string> = {
  "github.token": "GITHUB_TOKEN",
  "github.owner": "GITHUB_OWNER",
  "github.repo": "GITHUB_REPO",
  "github.repository": "GITHUB_REPOSITORY",
  "github.url": "GITHUB_API_URL",
  "gitlab.url": "GITLAB_URL",
  "gitlab.token": "GITLAB_TOKEN",
  "gitlab.project_id": "GITLAB_PROJECT_ID",
  "gitlab.group_id": "GITLAB_GROUP_ID",
  "gitlab.default_project_id": "GITLAB_DEFAULT_PROJECT_ID",
  "gitlab.filter_labels": "GITLAB_FILTER_LABELS",
  "gitlab.filter_project": "GITLAB_FILTER_PROJECT",
  "gitlab.filter_milestone": "GITLAB_FILTER_MILESTONE",
  "gitlab.filter_assignee": "GITLAB_FILTER_ASSIGNEE",
  "jira.url": "JIRA_URL",
  "jira.project": "JIRA_PROJECT",
  "jira.projects": "JIRA_PROJECTS",
  "jira.api_token": "JIRA_API_TOKEN",
  "jira.username": "JIRA_USERNAME",
  "jira.api_version": "JIRA_API_VERSION",
  "jira.pull_jql": "JIRA_PULL_JQL",
  "linear.api_key": "LINEAR_API_KEY",
  "linear.team_id": "LINEAR_TEAM_ID",
  "linear.team_ids": "LINEAR_TEAM_IDS",
  "linear.api_endpoint": "LINEAR_API_ENDPOINT",
};

/** A setting from `bd config`, else its environment variable, else "". */
export async function setting(ctx: BdContext, key: string): Promise<string> {
  const stored = await ctx.ledger().getConfig(key);
  if (stored) return stored;
  const env = ENV[key];
  return (env && ctx.env[env]) || "";
}

/** HTTP with the token cut out of anything that goes wrong. */
export function transport(token: string): JsonTransport {
  return async (req) => {
    try {
      return await httpJson(req);
    } catch (e) {
      const err = e as Error;
      if (token) err.message = err.message.split(token).join("****");
      throw err;
    }
  };
}

export const csv = (v: unknown): string[] =>
  typeof v === "string"
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** The flags every tracker's sync shares, checked as beads checks them. */
export async function syncOptions(
  ctx: BdContext,
  o: Record<string, unknown>,
  external: string,
): Promise<SyncOptions> {
  if (o.pullOnly && o.pushOnly) throw new ValidationError("cannot use both --pull-only and --push-only");
  const conflict = conflictResolution(
    o.preferLocal === true,
    o[`prefer${external[0]!.toUpperCase()}${external.slice(1)}`] === true,
    o.preferNewer === true,
    `--prefer-local, --prefer-${external}, --prefer-newer`,
  );
  const push = o.pullOnly !== true;
  if (o.issues && o.parent)
    throw new ValidationError(
      "--issues and --parent are mutually exclusive: use --issues to target specific beads by ID, or --parent to sync a subtree",
    );
  if (o.parent && !push) throw new ValidationError("--parent requires push (cannot use with --pull-only)");
  const opts: SyncOptions = { pull: o.pushOnly !== true, push, dryRun: o.dryRun === true, conflict };
  if (o.issues) opts.issueIds = csv(o.issues);
  if (o.parent) opts.parentId = (await ctx.resolve(String(o.parent))).id;
  return opts;
}

/** How long a sync waits for another sync of the same ledger to finish. */
const SYNC_LOCK_WAIT_MS = 10 * 60_000;

/** beads' closing lines after a sync: what was pulled, pushed and resolved. */
export function syncSummary(result: SyncResult): string[] {
  const s = result.stats;
  const lines: string[] = [];
  if (s.pulled > 0) lines.push(`✓ Pulled ${s.pulled} issues (${s.created} created, ${s.updated} updated)`);
  if (s.pushed > 0) lines.push(`✓ Pushed ${s.pushed} issues`);
  if (s.conflicts > 0) lines.push(`→ Resolved ${s.conflicts} conflicts`);
  return lines;
}

/**
 * Runs a sync, printing the engine's messages (human mode) and the result: --json prints
 * beads' SyncResult; `human` replaces the GitHub/GitLab-style summary where a tracker words it
 * differently.
 */
export async function runSync(
  ctx: BdContext,
  tracker: IssueTracker,
  opts: SyncOptions,
  human?: (result: SyncResult) => void,
): Promise<SyncResult> {
  const engine = new SyncEngine(
    tracker,
    ctx.ledger(),
    ctx.actor(),
    syncClock(ctx.location().beadsDir, tracker.name),
    {
      message: (m) => {
        if (!ctx.json) ctx.out(`  ${m}`);
      },
      warning: (m) => ctx.warn(`Warning: ${m}`),
    },
  );
  if (opts.dryRun && !ctx.json && !human) ctx.out("Dry run mode - no changes will be made\n");
  // One sync of a ledger at a time: two at once would both push a new bead (two issues
  // upstream) before either recorded its external_ref.
  const lock = join(ctx.location().beadsDir, "tracker-sync.lock");
  const result = await withFileLock(lock, () => engine.sync(opts), SYNC_LOCK_WAIT_MS);
  if (ctx.json) ctx.printJson(result);
  else if (human) human(result);
  else if (opts.dryRun) ctx.out("\nRun without --dry-run to apply changes");
  else for (const line of syncSummary(result)) ctx.out(line);
  return result;
}

/** The `<prefix><key> = value` settings as a map (jira.status_map.*, linear.state_map.*, …). */
export function configMap(all: Record<string, string>, prefix: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (k.startsWith(prefix) && v) out[k.slice(prefix.length)] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A repeatable option's values (commander's collector). */
export const collectList = (value: string, previous: string[] = []) => [...previous, value];
