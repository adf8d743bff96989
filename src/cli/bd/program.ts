// What bd's command groups share: act() wraps an action, giving it a BdContext built from
// the global flags and turning typed errors into one line and an exit code; the filter flags.
// The tree itself and bd's start are run.ts (re-exported here for the groups and tests).
import type { Command } from "commander";
import { BdContext } from "./context.ts";
import { collect, type FilterFlags } from "./options.ts";
import { reportError } from "./output.ts";
import { globalsOf } from "./run.ts";

export {
  BD_VERSION,
  buildProgram,
  type CommandGroup,
  checkArgvUtf8,
  commandWord,
  type LazyBdGroup,
  loaded,
  runBd,
} from "./run.ts";

export type Action = (
  ctx: BdContext,
  args: string[],
  opts: Record<string, unknown>,
) => Promise<number | undefined | void>;

/** Wraps an action: builds the context from global flags, maps errors to exit codes. */
export function act(fn: Action) {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.opts();
    const globals = globalsOf(cmd);
    const args = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [String(a)]));
    const ctx = new BdContext(globals);
    try {
      const code = await fn(ctx, args, opts);
      if (typeof code === "number") process.exitCode = code;
    } catch (e) {
      process.exitCode = reportError(e, ctx.json);
    } finally {
      await ctx.close();
    }
  };
}

/** The filter flags shared by list, count, search, ready and blocked. */
export function addFilterOptions(cmd: Command, opts: { status?: boolean } = {}): Command {
  if (opts.status !== false) {
    cmd.option("-s, --status <status>", "filter by status (comma list; 'all' for every status)", collect);
  }
  return cmd
    .option("-t, --type <type>", "filter by type (comma list)", collect)
    .option("--exclude-type <type>", "leave out these types", collect)
    .option("-l, --label <label>", "must have every one of these labels", collect)
    .option("--label-any <label>", "must have at least one of these labels", collect)
    .option("--exclude-label <label>", "must have none of these labels", collect)
    .option("--label-pattern <glob>", "must have a label matching this glob")
    .option("--no-labels", "only issues without labels")
    .option("-a, --assignee <who>", "filter by assignee")
    .option("--unassigned", "only unassigned issues")
    .option("--no-assignee", "only unassigned issues")
    .option("--owner <who>", "filter by owner")
    .option("-p, --priority <p>", "filter by priority (0-4 or P0-P4; comma list)", collect)
    .option("--priority-min <p>", "lowest priority number")
    .option("--priority-max <p>", "highest priority number")
    .option("--parent <id>", "only descendants of this issue")
    .option("--id <ids>", "only these IDs", collect)
    .option("--title <text>", "title contains")
    .option("--title-contains <text>", "title contains")
    .option("--desc-contains <text>", "description contains")
    .option("--notes-contains <text>", "notes contain")
    .option("--created-after <when>", "created after")
    .option("--created-before <when>", "created before")
    .option("--updated-after <when>", "updated after")
    .option("--updated-before <when>", "updated before")
    .option("--closed-after <when>", "closed after")
    .option("--closed-before <when>", "closed before")
    .option("--include-templates", "include template beads")
    .option("--include-infra", "include infrastructure beads (agent, rig, role, message)")
    .option("--include-ephemeral", "include wisps")
    .option("--pinned", "only pinned issues")
    .option("--metadata-field <k=v>", "metadata key equals value", collect)
    .option("--has-metadata-key <key>", "metadata has this key")
    .option("--overdue", "only issues past their due date")
    .option("--sort <policy>", "priority, hybrid, oldest, created, updated, id, title or status")
    .option("-r, --reverse", "reverse the sort order");
}

export function filterFlags(opts: Record<string, unknown>): FilterFlags {
  const f = opts as FilterFlags & { labels?: boolean; assignee?: string | boolean };
  // commander turns --no-labels / --no-assignee into labels=false / assignee=false.
  const out: FilterFlags = { ...f };
  if (f.labels === false) out.noLabels = true;
  if ((opts.assignee as unknown) === false) {
    out.noAssignee = true;
    out.assignee = undefined;
  } else if (opts.assignee === true) {
    out.assignee = undefined;
  }
  return out;
}
