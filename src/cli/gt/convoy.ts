// gt convoy: bundles of beads across rigs that land when all their beads are closed.
import type { Command } from "commander";
import { callerActor } from "../../town/identity.ts";
import { epicWork, landConvoy, setWatcher, strandedConvoys } from "../../work/convoy-care.ts";
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
  },
};

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
