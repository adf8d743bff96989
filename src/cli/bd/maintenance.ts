// bd prune (closed persistent beads) and bd purge (closed wisps): delete closed beads with
// their edges, labels, comments and events. A preview unless --force; pinned beads are
// never touched; prune wants --older-than or --pattern so it cannot empty a ledger by accident.
// And bd rename-prefix: every issue moves to a new prefix in one transaction.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { Issue } from "../../ledger/model.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

interface Scope {
  name: "prune" | "purge";
  past: string;
  countKey: string;
  dryRunKey: string;
  noun: string;
  ephemeral: boolean;
  needsFilter: boolean;
}

const PRUNE: Scope = {
  name: "prune",
  past: "Pruned",
  countKey: "pruned_count",
  dryRunKey: "prune_count",
  noun: "closed bead",
  ephemeral: false,
  needsFilter: true,
};
const PURGE: Scope = {
  name: "purge",
  past: "Purged",
  countKey: "purged_count",
  dryRunKey: "purge_count",
  noun: "closed ephemeral bead",
  ephemeral: true,
  needsFilter: false,
};

/** `--older-than`: N (days), Nh, Nd or Nw; in whole days, at least one. */
export function olderThanDays(text: string): number {
  const m = /^(\d+)([hHdDwW]?)$/.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || !(n > 0)) throw new ValidationError(`invalid --older-than value "${text}" (use N, Nh, Nd or Nw)`);
  const unit = m[2]!.toLowerCase();
  if (unit === "h") return Math.max(1, Math.floor(n / 24));
  return unit === "w" ? n * 7 : n;
}

/** A glob over IDs (`*` any run, `?` one character), as filepath.Match reads one. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

async function run(ctx: BdContext, scope: Scope, o: Record<string, unknown>) {
  const olderThan = o.olderThan as string | undefined;
  const pattern = o.pattern as string | undefined;
  if (scope.needsFilter && !olderThan && !pattern)
    throw new ValidationError(
      `bd ${scope.name} requires --older-than or --pattern (--pattern '*' for every closed bead)`,
    );
  const store = ctx.ledger();
  const cutoff = olderThan
    ? new Date(Date.now() - olderThanDays(olderThan) * 86_400_000).toISOString()
    : undefined;
  let found: Issue[] = await store.listIssues({
    statuses: ["closed"],
    ephemeral: scope.ephemeral ? "only" : undefined,
    includeInfra: true,
    includeTemplates: true,
    closedBefore: cutoff,
  });
  if (pattern) {
    const re = globRegExp(pattern);
    found = found.filter((i) => re.test(i.id));
  }
  const pinned = found.filter((i) => i.pinned).length;
  const ids = found.filter((i) => !i.pinned).map((i) => i.id);
  if (ids.length === 0) {
    const message = `No ${scope.noun}s to ${scope.name}`;
    if (ctx.json) return ctx.printJson({ [scope.countKey]: 0, message });
    return ctx.out(
      message + (olderThan ? ` (older than ${olderThan})` : "") + (pattern ? ` (matching "${pattern}")` : ""),
    );
  }
  let deps = 0;
  let labels = 0;
  let events = 0;
  for (const id of ids) {
    const plan = await store.planDelete(id);
    deps += plan.dependents.length + plan.dependencies.length;
    labels += (await store.labels(id)).length;
    events += (await store.events(id)).length;
  }
  const extra = pinned > 0 ? { pinned_skipped: pinned } : {};
  if (o.dryRun) {
    if (ctx.json)
      return ctx.printJson({
        dry_run: true,
        [scope.dryRunKey]: ids.length,
        dependencies: deps,
        labels,
        events,
        ...extra,
      });
    ctx.out(`Would ${scope.name} ${ids.length} ${scope.noun}(s)`);
    ctx.out(`  Dependencies: ${deps}\n  Labels:       ${labels}\n  Events:       ${events}`);
    if (pinned > 0) ctx.out(`  Pinned (skipped): ${pinned}`);
    return ctx.out("\n(Dry-run mode — no changes made)");
  }
  if (!o.force) {
    if (!ctx.json) ctx.out(`Found ${ids.length} ${scope.noun}(s) to ${scope.name}`);
    const hint = [
      `bd ${scope.name} --force`,
      olderThan && `--older-than ${olderThan}`,
      pattern && `--pattern ${pattern}`,
    ]
      .filter(Boolean)
      .join(" ");
    throw new ValidationError(
      `would ${scope.name} ${ids.length} bead(s): use --force to confirm or --dry-run to preview (${hint})`,
    );
  }
  for (const id of ids) await store.deleteIssue(id, ctx.actor());
  if (ctx.json)
    return ctx.printJson({ [scope.countKey]: ids.length, dependencies: deps, labels, events, ...extra });
  ctx.out(`✓ ${scope.past} ${ids.length} ${scope.noun}(s)`);
  ctx.out(
    `  Dependencies removed: ${deps}\n  Labels removed:       ${labels}\n  Events removed:       ${events}`,
  );
  if (pinned > 0) ctx.out(`  Pinned (skipped):     ${pinned}`);
}

async function renamePrefix(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1) throw new ValidationError("usage: bd rename-prefix <new-prefix> [--dry-run]");
  // beads writes the prefix with its hyphen (kw-); the ledger keeps it without.
  const next = args[0]!.trim().replace(/-$/, "");
  if (o.repair) throw new ValidationError("--repair is not supported: this ledger keeps one prefix");
  const store = ctx.ledger();
  const old = await store.prefix();
  if (next === old) throw new ValidationError(`prefix is already "${old}"`);
  if (o.dryRun) {
    const ids = (
      await store.listIssues({ all: true, ephemeral: true, includeInfra: true, includeTemplates: true })
    )
      .map((i) => i.id)
      .filter((id) => id.startsWith(`${old}-`))
      .sort();
    if (ctx.json)
      return ctx.printJson({ dry_run: true, old_prefix: old, new_prefix: next, issues_count: ids.length });
    ctx.out(`DRY RUN: Would rename ${ids.length} issues from prefix '${old}' to '${next}'\n`);
    if (ids.length > 0) ctx.out("Sample changes:");
    for (const id of ids.slice(0, 5)) ctx.out(`  ${id} -> ${next}-${id.slice(old.length + 1)}`);
    if (ids.length > 5) ctx.out(`... and ${ids.length - 5} more issues`);
    return;
  }
  const pairs = await store.renamePrefix(next, ctx.actor());
  if (ctx.json) return ctx.printJson({ old_prefix: old, new_prefix: next, issues_count: pairs.length });
  if (pairs.length === 0) return ctx.out(`No issues to rename. Updating prefix to ${next}`);
  ctx.out(`✓ Successfully renamed prefix from ${old} to ${next} (${pairs.length} issues)`);
}

export const MAINTENANCE: CommandGroup = {
  names: ["prune", "purge", "rename-prefix"],
  register: registerMaintenance,
};

function registerMaintenance(program: Command): void {
  program
    .command("rename-prefix")
    .description("Rename the issue prefix for all issues in the database")
    .argument("[args...]", "<new-prefix>")
    .option("--dry-run", "preview changes without applying them")
    .option("--repair", "not supported (one prefix per ledger)")
    .action(act(renamePrefix));
  for (const scope of [PRUNE, PURGE]) {
    program
      .command(scope.name)
      .description(
        scope.ephemeral
          ? "Delete closed ephemeral beads to reclaim space"
          : "Delete old closed beads to reclaim space and shrink exports",
      )
      .option("-f, --force", `actually ${scope.name} (without this, shows preview)`)
      .option("--dry-run", `preview what would be ${scope.past.toLowerCase()} with stats`)
      .option("--older-than <age>", `only ${scope.name} beads closed more than N ago (e.g., 30d, 2w, 60)`)
      .option("--pattern <glob>", `only ${scope.name} beads whose ID matches this glob`)
      .action(act((ctx, _a, o) => run(ctx, scope, o)));
  }
}
