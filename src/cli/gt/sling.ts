// gt sling, hook, unsling, ready: putting work on agents' hooks and taking it off.

import type { Command } from "commander";
import { GasTownError, ValidationError } from "../../errors.ts";
import { parseVarFlags } from "../../formulas/vars.ts";
import { addressOf, callerActor, callerIdentity } from "../../town/identity.ts";
import { type DogSlingReport, isDogTarget, slingToDog } from "../../watch/dog-agents.ts";
import { loadSchedulerConfig } from "../../watch/scheduler-config.ts";
import { type ScheduledSlingReport, slingScheduled } from "../../watch/scheduler-sling.ts";
import { attachAhead, rollBackAttachment } from "../../work/attach.ts";
import { hookOf, townReady, unhookBead } from "../../work/hook.ts";
import { refreshSharedRepo, rigHasBranch } from "../../work/polecats.ts";
import { resetRespawns } from "../../work/respawn-reset.ts";
import { type SlingFailure, type SlingOptions, type SlingReport, sling } from "../../work/sling.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";
import { looksLikeAddress, resolveAgent } from "./targets.ts";

/** The one bead of a sling could not go: its reason and code become the command's error. */
class SlingError extends GasTownError {
  constructor(f: SlingFailure) {
    super(f.code, f.error);
  }
}

/** `gt sling a b alpha`: the last word is the target when it names one (a rig, an address, "."). */
function splitBeadsAndTarget(ctx: GtContext, words: string[]): { beads: string[]; target?: string } {
  if (words.length < 2) return { beads: words };
  const last = words[words.length - 1]!;
  const isTarget =
    last === "." || last === "mayor" || last.includes("/") || ctx.town().rigNames().includes(last);
  return isTarget ? { beads: words.slice(0, -1), target: last } : { beads: words };
}

function slingOptions(ctx: GtContext, opts: Record<string, unknown>): SlingOptions {
  const town = ctx.town();
  return {
    actor: callerActor(town.root, ctx.env, ctx.cwd),
    caller: callerIdentity(town.root, ctx.env, ctx.cwd),
    force: opts.force === true,
    agent: opts.agent as string | undefined,
    // GT_ACCOUNT names it too; taken here so an unknown one is refused before anything is hooked.
    account: (opts.account as string | undefined) ?? (ctx.env.GT_ACCOUNT || undefined),
    args: opts.args as string | undefined,
    message: opts.message as string | undefined,
    crew: opts.crew as string | undefined,
    dryRun: opts.dryRun === true,
    noStart: opts.start === false,
    noConvoy: opts.convoy === false,
    ...formulaOptions(opts),
    ...mergeOptions(opts),
  };
}

/**
 * `--merge mr|local`, `--no-merge`, `--base-branch`: how the polecat's work lands. They are
 * kept on the bead (no_merge, base_branch), where gt done reads them.
 */
function mergeOptions(opts: Record<string, unknown>): Pick<SlingOptions, "noMerge" | "baseBranch"> {
  // commander: --no-merge sets merge to false; --merge <strategy> to the strategy.
  const merge = opts.merge as string | false | undefined;
  if (typeof merge === "string" && !["mr", "local"].includes(merge))
    throw new ValidationError(
      merge === "direct"
        ? "--merge direct is not offered here: work lands through the refinery (mr) or stays on its branch (local)"
        : `--merge wants mr or local, not "${merge}"`,
    );
  const noMerge = merge === false || merge === "local";
  const base = opts.baseBranch as string | undefined;
  if (base !== undefined && !/^\w[\w./-]*$/.test(base))
    throw new ValidationError(`invalid --base-branch "${base}"`);
  return { ...(noMerge ? { noMerge } : {}), ...(base ? { baseBranch: base } : {}) };
}

/** The rig a sling target names (rig, rig/name, rig/polecats/name), if any. */
function rigOfTarget(ctx: GtContext, target: string | undefined): string | undefined {
  const first = target?.split("/")[0];
  return first && ctx.town().rigNames().includes(first) && !target!.includes("/crew/") ? first : undefined;
}

/** --base-branch is for polecats, and the branch must exist in the rig's repository. */
async function checkBaseBranch(ctx: GtContext, o: SlingOptions, target: string | undefined): Promise<void> {
  if (!o.baseBranch) return;
  const rig = rigOfTarget(ctx, target);
  if (!rig)
    throw new ValidationError("--base-branch is for polecat work: give a rig (or rig/polecat) target");
  // A branch just pushed to origin counts: fetch once before saying there is none.
  const has = async () => rigHasBranch(ctx.town(), rig, o.baseBranch!);
  if (!(await has()) && !(await refreshSharedRepo(ctx.town(), rig).then(has)))
    throw new ValidationError(`rig ${rig} has no branch "${o.baseBranch}" (nor origin/${o.baseBranch})`);
}

/** `--formula <name>` / `--var k=v`: the molecule the slung bead follows (spec §3.4). */
function formulaOptions(opts: Record<string, unknown>): Pick<SlingOptions, "formula" | "vars"> {
  const flags = (opts.var as string[] | undefined) ?? [];
  let vars: Record<string, string> | undefined;
  try {
    vars = flags.length > 0 ? parseVarFlags(flags) : undefined;
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
  const formula = opts.formula as string | undefined;
  return { ...(formula ? { formula } : {}), ...(vars ? { vars } : {}) };
}

/**
 * `gt sling <formula> --on <bead> [target]`: the first word is the formula, the bead comes
 * from --on. Otherwise the words are beads and maybe a target.
 */
function slingWords(
  ctx: GtContext,
  words: string[],
  opts: Record<string, unknown>,
): { beads: string[]; target?: string; formula?: string } {
  const on = opts.on as string | undefined;
  if (on === undefined) return splitBeadsAndTarget(ctx, words);
  if (opts.formula)
    throw new ValidationError("give the formula once: gt sling <formula> --on <bead> [target]");
  if (words.length > 2)
    throw new ValidationError("gt sling <formula> --on <bead> [target]: one formula, one bead, one target");
  return { beads: [on], formula: words[0]!, ...(words[1] !== undefined ? { target: words[1] } : {}) };
}

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--max-concurrent N`: a whole number of polecats, at least 1. */
function maxConcurrentOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || n < 1)
    throw new ValidationError(
      `--max-concurrent wants a whole number of polecats (1 or more), not "${value}"`,
    );
  return n;
}

function printQueued(ctx: GtContext, report: ScheduledSlingReport, dryRun: boolean): void {
  const s = report.scheduler;
  if (!s || report.queued.length === 0) return;
  const verb = dryRun ? "Would queue" : "Queued";
  for (const q of report.queued)
    ctx.out(
      `⏳ ${verb} ${q.bead} "${oneLine(q.title)}" for ${q.rig} (position ${q.position}${q.already ? ", already queued" : ""})`,
    );
  const limit = [s.max_polecats, s.max_concurrent ?? 0].filter((n) => n > 0);
  const why = s.paused
    ? "the scheduler is paused (gt scheduler resume)"
    : `${Math.min(...limit)} polecat(s) at most; they go as polecats free up (gt scheduler list)`;
  ctx.out(`   ${why}`);
}

function printSling(ctx: GtContext, report: SlingReport): void {
  for (const o of report.outcomes) {
    const where = o.target;
    if (o.action === "would-hook") {
      ctx.out(`○ Would hook ${o.bead} "${oneLine(o.title)}" on ${where}`);
      if (o.molecule) ctx.out(`   keeping molecule ${o.molecule} (${o.formula})`);
      else if (o.formula) ctx.out(`   would pour ${o.formula} for it (cooked: its vars check out)`);
    } else if (o.action === "already-hooked")
      ctx.out(`○ ${o.bead} is already on ${o.target}'s hook (nothing to do)`);
    else {
      const verb = o.action === "resumed" ? "Resumed" : "Slung";
      ctx.out(`🎯 ${verb} ${o.bead} "${oneLine(o.title)}" → ${where}`);
      if (o.branch) ctx.out(`   branch ${o.branch}`);
      if (o.molecule) ctx.out(`   molecule ${o.molecule} (${o.formula}) attached (gt mol status ${o.bead})`);
      if (o.session_action !== "none")
        ctx.out(`   session ${o.session} ${o.session_action}${o.work_dir ? `  (${o.work_dir})` : ""}`);
      else ctx.out("   not started: the agent finds it on its hook when its session starts");
      if (o.previous_holder) ctx.out(`   taken from ${o.previous_holder} (told)`);
    }
  }
  for (const f of report.failures) ctx.warn(`✗ ${f.bead}: ${f.error}`);
  for (const rig of report.refineries_started)
    ctx.out(`🏭 started ${rig}'s refinery for the merge requests to come`);
}

export const slingGroup: GtGroup = {
  names: GT_BUNDLES["gt-sling"],
  register(p: Command) {
    p.command("sling <beads...>")
      .description(
        "Put beads on an agent's hook and start it: gt sling <bead...> [rig | rig/name | rig/crew/name | mayor | deacon/dogs[/name] | .]",
      )
      .option("-a, --args <text>", "instructions for the agent, stored on the bead")
      .option("-m, --message <text>", "extra text for the nudge")
      .option("--crew <name>", "with a rig target: this crew member instead of a polecat")
      .option("--agent <name>", "run this agent preset instead of the rig's")
      .option("--account <handle>", "the started session runs on this account (gt account list)")
      .option("--force", "take a bead hooked by someone else (they are told), or sling a deferred one")
      .option("--no-start", "hook only; do not start or nudge a session")
      .option("--no-convoy", "do not create a convoy for beads no convoy tracks yet")
      .option("--create", "with deacon/dogs/<name>: add that dog to the kennel if it is not there")
      .option(
        "--max-concurrent <n>",
        "with a rig: at most n polecats working town-wide; the other beads wait in the scheduler's queue",
      )
      .option(
        "--on <bead>",
        "gt sling <formula> --on <bead> [target]: attach the formula's molecule to the bead",
      )
      .option(
        "--formula <name>",
        "attach this formula's molecule to each bead (default: the rig's workflow.default_formula)",
      )
      .option("--var <key=value>", "a var for the attached formula (repeatable)", repeat)
      .option("--base-branch <branch>", "polecat work starts from this branch and merges back into it")
      .option(
        "--merge <strategy>",
        "how the work lands: mr (merge queue, the default) or local (stays on its branch)",
      )
      .option("--no-merge", "keep the work on its branch for review: no merge request (= --merge local)")
      .option("-n, --dry-run", "show what would happen")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, words, opts) => {
          const maxConcurrent = maxConcurrentOf(opts.maxConcurrent);
          const { beads, target, formula } = slingWords(ctx, words, opts);
          const o: SlingOptions = { ...slingOptions(ctx, opts), ...(formula ? { formula } : {}) };
          await checkBaseBranch(ctx, o, target);
          // Beads the scheduler may queue get their molecule now (see attachAhead).
          const town = ctx.town();
          const capped =
            !o.noStart &&
            !o.dryRun &&
            target !== undefined &&
            town.rigNames().includes(target) &&
            (maxConcurrent !== undefined || loadSchedulerConfig(town).maxPolecats > 0);
          if (capped && (o.baseBranch || o.noMerge))
            throw new ValidationError(
              "--base-branch and --no-merge/--merge local do not travel through the scheduler's queue yet: sling without a polecat cap",
            );
          const ahead =
            capped && (o.formula || o.vars)
              ? await attachAhead(town, beads, target!, { formula: o.formula, vars: o.vars, actor: o.actor })
              : new Map<string, string>();
          if (ahead.size > 0 || capped) {
            delete o.formula;
            delete o.vars;
          }
          // A dog (deacon/dogs[/name]) is picked or added by the kennel; dogs skip the scheduler.
          const report = isDogTarget(target)
            ? await slingToDog(ctx.town(), ctx.provider(), beads, target!, {
                ...o,
                create: opts.create === true,
              })
            : await slingScheduled(ctx.town(), ctx.provider(), beads, target, {
                ...o,
                ...(maxConcurrent ? { maxConcurrent } : {}),
              });
          for (const f of report.failures) {
            const mol = ahead.get(f.bead);
            if (mol) await rollBackAttachment(town, f.bead, mol, o.actor).catch(() => undefined);
          }
          // One bead that could not go: its reason is the one error line.
          if (beads.length === 1 && report.failures[0]) throw new SlingError(report.failures[0]);
          if (ctx.json) ctx.printJson(report);
          else {
            const dog = (report as Partial<DogSlingReport>).dog;
            if (dog?.added) ctx.out(`🐕 ${dog.address} added to the kennel`);
            printSling(ctx, report);
            printQueued(ctx, report, o.dryRun === true);
            if (o.dryRun) ctx.out("(dry run: nothing changed)");
          }
          if (report.failures.length > 0) return 1;
        }),
      );

    registerRespawnReset(p.commands.find((c) => c.name() === "sling")!);

    const hook = p
      .command("hook")
      .alias("work")
      .description(
        "Show or change what is on an agent's hook: gt hook [agent] shows it, gt hook <bead> [agent] attaches",
      )
      .argument(
        "[bead]",
        "attach this bead (without starting the agent); an agent address alone shows its hook",
      )
      .argument("[target]", "whose hook (default: yours)")
      .option("--force", "replace what is hooked there")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [bead, target], opts) => {
          // `gt hook rig/polecats/toast` (an address, not a bead): show that agent's hook.
          if (
            bead &&
            target === undefined &&
            (looksLikeAddress(bead) || ctx.town().rigNames().includes(bead))
          )
            return show(ctx, bead);
          if (bead && target && looksLikeAddress(bead) && !looksLikeAddress(target))
            throw new ValidationError(`the bead comes first: gt hook ${target} ${bead}`);
          if (bead) return attach(ctx, bead, target, opts);
          return show(ctx, undefined);
        }),
      );
    hook
      .command("show [agent]")
      .alias("status")
      .description("What is on an agent's hook (default: yours)")
      .option("--json", "JSON output")
      .action(act(async (ctx, [agent]) => show(ctx, agent)));
    hook
      .command("attach <bead> [target]")
      .description("Hook a bead without starting the agent")
      .option("--force", "replace what is hooked there")
      .option("--json", "JSON output")
      .action(act(async (ctx, [bead, target], opts) => attach(ctx, bead!, target, opts)));
    hook
      .command("detach [bead]")
      .description("Take a bead off the hook (back to open)")
      .option("--json", "JSON output")
      .action(act(async (ctx, [bead]) => detach(ctx, bead, undefined)));
    hook
      .command("clear [agent]")
      .description("Take everything off an agent's hook")
      .option("--json", "JSON output")
      .action(act(async (ctx, [agent]) => detach(ctx, undefined, agent)));

    p.command("unsling [bead] [target]")
      .alias("unhook")
      .description(
        "Take work off a hook: the bead goes back to open and unassigned (gt unsling <agent>: all of its hook)",
      )
      .option("-n, --dry-run", "show what would come off; change nothing")
      .option("-f, --force", "also take back a bead its holder has started (in progress)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [bead, target], opts) =>
          detach(ctx, bead, target, { dryRun: opts.dryRun === true, force: opts.force === true }),
        ),
      );

    p.command("ready")
      .description("Ready work across the town and every rig, most urgent first")
      .option("-n, --limit <n>", "at most this many", (v) => Number.parseInt(v, 10))
      .option("--rig <rig>", "only this rig's ready work")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rows = await townReady(ctx.town(), {
            limit: opts.limit as number | undefined,
            ...(opts.rig ? { rig: opts.rig as string } : {}),
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("✨ No ready work in the town");
          ctx.out(`📋 Ready work (${rows.length}):\n`);
          for (const r of rows)
            ctx.out(
              `  [P${r.priority}] ${r.id.padEnd(14)} ${(r.rig ?? "town").padEnd(12)} ${oneLine(r.title)}`,
            );
        }),
      );
  },
};

function whoseHook(ctx: GtContext, agent: string | undefined) {
  const town = ctx.town();
  if (agent) return resolveAgent(town, agent);
  const id = callerIdentity(town.root, ctx.env, ctx.cwd);
  if (!id)
    throw new ValidationError(
      "not inside an agent's workspace: name the agent (e.g. gastown/polecats/toast)",
    );
  return id;
}

async function show(ctx: GtContext, agent: string | undefined) {
  const id = whoseHook(ctx, agent);
  const hooked = await hookOf(ctx.town(), id);
  if (ctx.json) return ctx.printJson({ agent: addressOf(id), hooked });
  if (hooked.length === 0) return ctx.out(`🪝 ${addressOf(id)}: hook is empty`);
  for (const b of hooked) ctx.out(`🪝 ${addressOf(id)}: ${b.id} "${oneLine(b.title)}" [P${b.priority}]`);
}

async function attach(
  ctx: GtContext,
  bead: string,
  target: string | undefined,
  opts: Record<string, unknown>,
) {
  const o = { ...slingOptions(ctx, opts), noStart: true, attachOnly: true };
  const report = await sling(ctx.town(), ctx.provider(), [bead], target, o);
  if (report.failures[0]) throw new SlingError(report.failures[0]);
  if (ctx.json) return ctx.printJson(report);
  for (const r of report.outcomes) ctx.out(`🪝 ${r.bead} on ${r.target}'s hook`);
}

async function detach(
  ctx: GtContext,
  bead: string | undefined,
  agent: string | undefined,
  how: { dryRun?: boolean; force?: boolean } = {},
) {
  const town = ctx.town();
  // `gt unsling rig/polecats/toast`: an address alone means everything on that agent's hook.
  if (bead && agent === undefined && (looksLikeAddress(bead) || town.rigNames().includes(bead))) {
    agent = bead;
    bead = undefined;
  }
  const actor = callerActor(town.root, ctx.env, ctx.cwd);
  let beads: string[];
  let from: string | undefined;
  if (bead) {
    beads = [bead];
    from = agent ? addressOf(resolveAgent(town, agent)) : undefined;
  } else {
    const id = whoseHook(ctx, agent);
    from = addressOf(id);
    beads = (await hookOf(town, id)).map((b) => b.id);
    if (beads.length === 0) {
      if (ctx.json) return ctx.printJson([]);
      return ctx.out(`🪝 ${from}: hook is already empty`);
    }
  }
  const done = [];
  // A dry run checks every bead first, as the real run would, and changes nothing.
  for (const b of beads) done.push(await unhookBead(town, b, { actor, from, ...how }));
  if (ctx.json) return ctx.printJson(how.dryRun ? done.map((d) => ({ ...d, dry_run: true })) : done);
  for (const d of done)
    ctx.out(
      how.dryRun
        ? `○ Would take ${d.bead} off ${d.from}'s hook`
        : `✓ ${d.bead} taken off ${d.from}'s hook (open again)`,
    );
}

/** gt sling respawn-reset <bead>: the patrol's restart count and escalation block cleared. */
function registerRespawnReset(sling: Command): void {
  sling
    .command("respawn-reset <bead>")
    .description("Give a bead its restarts back after the patrol escalated it (fix the cause first)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [bead]) => {
        const town = ctx.town();
        const r = await resetRespawns(town, bead!, callerActor(town.root, ctx.env, ctx.cwd));
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          `Reset respawn counter for ${r.bead} (was ${r.respawns})${r.unblocked ? "; it is open again" : ""}. It can be slung again.`,
        );
      }),
    );
}
