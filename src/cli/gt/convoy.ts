// gt convoy: bundles of beads across rigs that land when all their beads are closed.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { epicWork, landConvoy, setWatcher, strandedConvoys } from "../../work/convoy-care.ts";
import { type LaunchResult, launchConvoy, type StagePlan, stageConvoy } from "../../work/convoy-stage.ts";
import {
  addToConvoy,
  type ConvoyView,
  checkConvoys,
  closeConvoy,
  convoyStatus,
  createConvoy,
  listConvoys,
} from "../../work/convoys.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const BEAD_ICON: Record<string, string> = {
  closed: "✓",
  hooked: "🪝",
  in_progress: "◐",
  blocked: "⚠",
  missing: "?",
};

function summaryLine(v: ConvoyView): string {
  const icon = v.status === "closed" ? "🏁" : "🚚";
  return `${icon} ${v.id}  ${oneLine(v.title)}  ${v.closed}/${v.total} closed${v.status === "closed" ? " (landed)" : ""}`;
}

function printConvoy(ctx: GtContext, v: ConvoyView): void {
  ctx.out(summaryLine(v));
  ctx.out(`   owner ${oneLine(v.owner ?? "-")}, notify ${oneLine(v.notify)}, created ${v.created_at}`);
  for (const t of v.tracked)
    ctx.out(
      `   ${BEAD_ICON[t.status] ?? "○"} ${t.id.padEnd(12)} ${t.status.padEnd(11)} ${oneLine(t.title)}${t.assignee && t.status !== "closed" ? `  (${oneLine(t.assignee)})` : ""}`,
    );
  if (v.workers.length > 0) ctx.out(`   working: ${oneLine(v.workers.join(", "))}`);
}

const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);

export const convoyGroup: GtGroup = {
  names: ["convoy"],
  register(p: Command) {
    const c = p.command("convoy").description("Bundles of beads (across rigs) that land together");
    c.command("create <name> [issues...]")
      .description("Create a convoy tracking these beads")
      .option("--owner <address>", "who owns it (default: you)")
      .option("--notify <address>", "who is told when it lands (default: mayor)")
      .option("--merge <strategy>", "merge strategy for its work: mr, direct or local")
      .option("--owned", "you land it (gt convoy land): closing its beads does not land it")
      .option("--from-epic <epic>", "also track the epic's open work (its children, and theirs)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name, ...given], opts) => {
          const fromEpic = opts.fromEpic ? await epicWork(ctx.town(), opts.fromEpic as string) : [];
          const v = await createConvoy(ctx.town(), {
            title: name!,
            issues: [...given, ...fromEpic],
            owner: opts.owner as string | undefined,
            notify: opts.notify as string | undefined,
            mergeStrategy: opts.merge as string | undefined,
            owned: opts.owned === true,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(v);
          ctx.out(
            `🚚 Created convoy ${v.id}: ${oneLine(v.title)} (tracking ${v.total} bead${v.total === 1 ? "" : "s"})`,
          );
        }),
      );
    c.command("add <convoy> <issues...>")
      .description("Track more beads (reopens a landed convoy)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id, ...issues]) => {
          const v = await addToConvoy(ctx.town(), id!, issues, actor(ctx));
          if (ctx.json) return ctx.printJson(v);
          ctx.out(`✓ ${v.id} now tracks ${v.total} bead(s) (${v.status})`);
        }),
      );
    c.command("list")
      .alias("ls")
      .description("Convoys and their progress (open ones unless --all)")
      .option("--all", "include landed convoys")
      .option("--status <status>", "only this status (open, closed)")
      .option("--tree", "each convoy with its tracked beads under it")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rows = await listConvoys(ctx.town(), {
            all: opts.all === true,
            status: opts.status as string | undefined,
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No convoys");
          for (const v of rows) {
            ctx.out(summaryLine(v));
            if (opts.tree)
              for (const [i, t] of v.tracked.entries())
                ctx.out(
                  `   ${i === v.tracked.length - 1 ? "└──" : "├──"} ${BEAD_ICON[t.status] ?? "○"} ${t.id} ${oneLine(t.title)} [${t.status}]${t.assignee && t.status !== "closed" ? ` (${oneLine(t.assignee)})` : ""}`,
                );
          }
        }),
      );
    for (const verb of ["status", "show"]) {
      c.command(`${verb} [id]`)
        .description("A convoy's tracked beads, progress and workers (all open convoys without an id)")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [id]) => {
            const rows = id ? [await convoyStatus(ctx.town(), id)] : await listConvoys(ctx.town());
            if (ctx.json) return ctx.printJson(id ? rows[0] : rows);
            if (rows.length === 0) return ctx.out("No open convoys");
            for (const v of rows) printConvoy(ctx, v);
          }),
        );
    }
    c.command("check [id]")
      .description("Land convoys whose tracked beads are all closed")
      .option("-n, --dry-run", "show what would land")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id], opts) => {
          const landed = await checkConvoys(ctx.town(), {
            ...(id ? { ids: [id] } : {}),
            dryRun: opts.dryRun === true,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(landed);
          if (landed.length === 0) return ctx.out("No convoy ready to land");
          for (const v of landed)
            ctx.out(`${opts.dryRun ? "○ Would land" : "🏁 Landed"} ${v.id}: ${oneLine(v.title)}`);
        }),
      );
    c.command("close <id>")
      .description("Close a convoy by hand (refuses open beads without --force)")
      .option("--reason <text>", "why")
      .option("--force", "close even with beads still open")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id], opts) => {
          const v = await closeConvoy(ctx.town(), id!, {
            reason: opts.reason as string | undefined,
            force: opts.force === true,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(v);
          ctx.out(`✓ Closed convoy ${v.id}: ${oneLine(v.title)}`);
        }),
      );
    registerCare(c);
    registerStaging(c);
  },
};

function printWaves(ctx: GtContext, plan: StagePlan, dispatched = false): void {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  for (const w of plan.waves) {
    ctx.out(`  Wave ${w.number}${dispatched && w.number === 1 ? " (dispatched)" : ""}:`);
    for (const id of w.tasks) {
      const t = byId.get(id);
      const after = t?.blocked_by.length ? `  ← after ${t.blocked_by.join(", ")}` : "";
      ctx.out(`    ${id.padEnd(12)} ${oneLine(t?.title ?? "")}  (rig: ${t?.rig ?? "-"})${after}`);
    }
  }
  for (const id of plan.gated)
    ctx.out(`  gated: ${id}  waits on ${byId.get(id)?.gated_by.join(", ") || "a gated task"}`);
  for (const w of plan.warnings) ctx.out(`  ⚠ ${oneLine(w.message)}`);
  const tasks = plan.waves.reduce((n, w) => n + w.tasks.length, 0);
  const widest = plan.waves.reduce((m, w) => Math.max(m, w.tasks.length), 0);
  ctx.out(`  ${tasks} task(s) across ${plan.waves.length} wave(s) (max parallelism: ${widest})`);
}

function printLaunch(ctx: GtContext, r: LaunchResult): void {
  ctx.out(
    r.launched
      ? `🚀 Convoy launched: ${r.convoy_id} (status: open)`
      : `🚀 ${r.convoy_id}: dispatched the work that became ready`,
  );
  for (const d of r.dispatched) ctx.out(`  ✓ ${d.bead}  ${oneLine(d.title)}  → ${oneLine(d.target)}`);
  for (const f of r.failures) ctx.out(`  ✗ ${f.bead}  ${oneLine(f.error)}`);
  if (r.dispatched.length === 0 && r.failures.length === 0) ctx.out("  nothing ready to dispatch");
  if (r.waiting.length > 0)
    ctx.out(
      `  waiting: ${r.waiting.join(" ")} (gt convoy launch ${r.convoy_id} again when their blockers close)`,
    );
  ctx.out(`  Monitor: gt convoy status ${r.convoy_id}`);
}

/** stage and launch (src/work/convoy-stage.ts): convoys built in waves, dispatched on launch. */
function registerStaging(c: Command): void {
  c.command("stage <beads...>")
    .description(
      "Lay an epic, a convoy or tasks out in waves by their dependencies, as a staged convoy (not dispatched)",
    )
    .option("--title <text>", "the convoy's title (default: the epic's, or a summary)")
    .option("--launch", "launch it right away (gt convoy launch)")
    .option("--no-start", "with --launch: hook the tasks but start no sessions")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, args, opts) => {
        const town = ctx.town();
        if (opts.launch) return launch(ctx, args, opts);
        const r = await stageConvoy(town, args, {
          title: opts.title as string | undefined,
          actor: actor(ctx),
        });
        if (ctx.json) {
          ctx.printJson(r);
          return r.status === "error" ? 1 : 0;
        }
        if (r.status === "error")
          throw new ValidationError(`cannot stage: ${r.errors.map((e) => e.message).join("; ")}`);
        ctx.out(
          `📋 ${r.restaged ? "Restaged" : "Staged"} convoy ${r.convoy_id}: ${oneLine(r.title)} (${r.status})`,
        );
        printWaves(ctx, r);
        ctx.out(
          `  Launch: gt convoy launch ${r.convoy_id}${r.status === "staged_warnings" ? " --force" : ""}`,
        );
      }),
    );
  c.command("launch <beads...>")
    .description(
      "Open a staged convoy and sling its ready tasks (stages first when given an epic or tasks); again for the next wave",
    )
    .option("--force", "launch a convoy staged with warnings")
    .option("--title <text>", "when staging: the convoy's title")
    .option("--no-start", "hook the tasks but start no sessions")
    .option("--json", "JSON output")
    .action(act(async (ctx, args, opts) => launch(ctx, args, opts)));
}

async function launch(ctx: GtContext, args: string[], opts: Record<string, unknown>) {
  const town = ctx.town();
  const r = await launchConvoy(town, ctx.provider(), args, {
    actor: actor(ctx),
    caller: callerIdentity(town.root, ctx.env, ctx.cwd),
    force: opts.force === true,
    noStart: opts.start === false,
    title: opts.title as string | undefined,
  });
  const code = r.failures.length > 0 ? 1 : 0;
  if (ctx.json) {
    ctx.printJson(r);
    return code;
  }
  if (r.staged) ctx.out(`📋 Staged convoy ${r.convoy_id}: ${oneLine(r.staged.title)}`);
  printLaunch(ctx, r);
  return code;
}

/** watch, unwatch, stranded, land (src/work/convoy-care.ts). */
function registerCare(c: Command): void {
  for (const remove of [false, true])
    c.command(`${remove ? "unwatch" : "watch"} <id>`)
      .description(
        remove ? "Stop being mailed when a convoy lands" : "Be mailed when a convoy lands (you, or --addr)",
      )
      .option("--addr <address>", "whose subscription (default: you)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id], opts) => {
          const who = (opts.addr as string | undefined) ?? actor(ctx);
          const r = await setWatcher(ctx.town(), id!, who, { remove, actor: actor(ctx) });
          if (ctx.json)
            return ctx.printJson({ convoy: r.convoy.id, watchers: r.convoy.watchers, changed: r.changed });
          if (remove) return ctx.out(`✓ ${oneLine(who)} no longer watches ${r.convoy.id}`);
          ctx.out(
            `${r.changed ? "✓" : "○"} ${oneLine(who)} ${r.changed ? "now watches" : "already watches"} ${r.convoy.id}: mailed when it lands`,
          );
        }),
      );
  c.command("stranded")
    .description("Open convoys that need someone: ready beads nobody works, stuck ones, empty ones")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const rows = await strandedConvoys(ctx.town());
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("✓ No stranded convoys");
        const why = {
          "ready-unassigned": "ready beads nobody is working",
          stuck: "open beads, none ready or being worked",
          empty: "tracks nothing (gt convoy close it)",
        };
        for (const r of rows) {
          ctx.out(`⚠ ${r.id}  ${oneLine(r.title)}  ${r.closed}/${r.total} closed: ${why[r.reason]}`);
          if (r.ready.length) ctx.out(`   ready: ${r.ready.join(" ")} (gt sling <bead> <rig>)`);
        }
      }),
    );
  c.command("land <id>")
    .description(
      "Land a convoy you own (created --owned): close it and mail its owner, notify address and watchers",
    )
    .option("-f, --force", "land even with tracked beads still open")
    .option("--dry-run", "only check it could land")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [id], opts) => {
        const r = await landConvoy(ctx.town(), id!, {
          force: opts.force === true,
          dryRun: opts.dryRun === true,
          actor: actor(ctx),
        });
        if (ctx.json) return ctx.printJson(r);
        if (r.dry_run) return ctx.out(`○ Would land ${r.convoy.id}: ${oneLine(r.convoy.title)}`);
        ctx.out(`🏁 Landed ${r.convoy.id}: ${oneLine(r.convoy.title)} (${r.mail.length} message(s) sent)`);
      }),
    );
}
