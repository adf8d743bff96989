// bd duplicates (same content, merged on request) and bd find-duplicates (similar wording).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { duplicateGroups, type MergeResult, mergeDuplicates, similarPairs } from "../../ledger/duplicates.ts";
import { validateStatus } from "../../ledger/validate.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { intArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";

async function duplicates(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const groups = duplicateGroups(await store.listIssues({ all: true, includeInfra: false }));
  const merging = o.autoMerge === true || o.dryRun === true;
  const merges = groups.map((g) => ({ target: g.target, sources: g.sources }));
  const results: MergeResult[] = [];
  if (o.autoMerge === true && o.dryRun !== true) {
    for (const m of merges) results.push(await mergeDuplicates(store, m.target, m.sources, ctx.actor()));
  }
  if (ctx.json) {
    return ctx.printJson({
      duplicate_groups: groups.length,
      groups: groups.map((g) => ({
        title: g.title,
        issues: g.members.map((m) => ({
          id: m.issue.id,
          title: m.issue.title,
          status: m.issue.status,
          priority: m.issue.priority,
          references: m.references,
          dependents: m.dependents,
          dependencies: m.dependencies,
          weight: m.dependents * 3 + m.dependencies,
          is_merge_target: m.issue.id === g.target,
        })),
        suggested_target: g.target,
        suggested_sources: g.sources,
      })),
      ...(merging ? { merges } : {}),
      ...(results.length ? { merge_results: results } : {}),
    });
  }
  if (groups.length === 0) return ctx.out("No duplicates found");
  ctx.out(`Found ${groups.length} duplicate group(s):\n`);
  for (const [n, g] of groups.entries()) {
    ctx.out(`Group ${n + 1}: ${one(g.title)}`);
    for (const m of g.members) {
      const mark = m.issue.id === g.target ? "→ " : "  ";
      ctx.out(
        `${mark}${one(m.issue.id)} (${one(m.issue.status)}, P${m.issue.priority}, weight=${m.dependents * 3 + m.dependencies}, ${m.references} refs)`,
      );
    }
    ctx.out(`  Duplicate: ${g.sources.join(" ")} (same content as ${g.target})\n`);
  }
  if (o.dryRun === true)
    ctx.out(
      `Dry run: would merge ${merges.length} group(s) (close the duplicates, link them to the one kept)`,
    );
  else if (o.autoMerge === true)
    ctx.out(
      `✓ Merged ${results.length} group(s): ${results.reduce((n, r) => n + r.closed.length, 0)} closed`,
    );
  else
    ctx.out(
      "Run with --auto-merge to close the duplicates and link them to the one kept (--dry-run shows it)",
    );
}

async function findDuplicates(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const method = String(o.method ?? "mechanical");
  if (method === "ai")
    throw new ValidationError("--method ai needs a model API, which bd here does not call: use mechanical");
  if (method !== "mechanical") throw new ValidationError(`unknown method "${method}" (mechanical or ai)`);
  const threshold = o.threshold === undefined ? 0.5 : Number(o.threshold);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
    throw new ValidationError(`--threshold is a number from 0 to 1 (got "${String(o.threshold)}")`);
  const store = ctx.ledger();
  const status = o.status as string | undefined;
  if (status) validateStatus(status, await store.vocabulary());
  const issues = await store.listIssues(status ? { statuses: [status] } : {});
  const limit = (o.limit as number | undefined) ?? 50;
  const pairs = similarPairs(issues, threshold).slice(0, limit > 0 ? limit : undefined);
  if (ctx.json) {
    return ctx.printJson({
      pairs: pairs.map((p) => ({
        issue_a_id: p.a.id,
        issue_b_id: p.b.id,
        issue_a_title: p.a.title,
        issue_b_title: p.b.title,
        similarity: Math.round(p.similarity * 1000) / 1000,
        method,
      })),
      count: pairs.length,
      method,
      threshold,
    });
  }
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  if (pairs.length === 0) return ctx.out(`No similar issues found (threshold: ${pct(threshold)})`);
  ctx.out(`Found ${pairs.length} potential duplicate pair(s) (threshold: ${pct(threshold)}):\n`);
  for (const [n, p] of pairs.entries()) {
    ctx.out(`Pair ${n + 1} (${pct(p.similarity)} similar):`);
    ctx.out(`  ${one(p.a.id)} ${one(p.a.title)}`);
    ctx.out(`  ${one(p.b.id)} ${one(p.b.title)}`);
    ctx.out(`  Compare: bd show ${one(p.a.id)} ${one(p.b.id)}\n`);
  }
}

export const DUPLICATES: CommandGroup = {
  names: ["duplicates", "find-duplicates", "find-dups"],
  register(program: Command) {
    program
      .command("duplicates")
      .description("Find issues with the same content; --auto-merge closes each group's duplicates")
      .option("--auto-merge", "close the duplicates, move their children and link them to the one kept")
      .option("--dry-run", "show what --auto-merge would do")
      .action(act(duplicates));
    program
      .command("find-duplicates")
      .alias("find-dups")
      .description("Find issues worded alike (shared words of title and description)")
      .option("--threshold <x>", "similarity from 0 to 1 (default 0.5; lower finds more)")
      .option("-s, --status <status>", "only issues of this status (default: all but closed)")
      .option("-n, --limit <n>", "most pairs shown (default 50; 0 = all)", intArg("limit"))
      .option("--method <method>", "mechanical (the default; ai is not available here)")
      .option("--model <model>", "accepted for compatibility (only for --method ai)")
      .action(act(findDuplicates));
  },
};
