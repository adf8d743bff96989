// gt mountain <epic> | status | pause | resume | cancel: the Mountain-Eater (src/work/mountain.ts).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import {
  activateMountain,
  cancelMountain,
  listMountains,
  mountainDetail,
  pauseMountain,
  resumeMountain,
} from "../../work/mountain.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);

function bar(pct: number, width = 20): string {
  const filled = Math.min(width, Math.floor((pct * width) / 100));
  return "█".repeat(filled) + "░".repeat(width - filled);
}

export const mountainGroup: GtGroup = {
  names: ["mountain"],
  register(p: Command) {
    const m = p
      .command("mountain [epic]")
      .description(
        "Activate Mountain-Eater on an epic: stage a convoy of its work, label it mountain, launch wave 1",
      )
      .option("-f, --force", "launch even with staging warnings")
      .option("--no-start", "hook wave 1's tasks but start no sessions")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args, opts) => {
          if (!args[0])
            throw new ValidationError("usage: gt mountain <epic-id> (or status, pause, resume, cancel)");
          const town = ctx.town();
          const r = await activateMountain(town, ctx.provider(), args[0], {
            actor: actor(ctx),
            caller: callerIdentity(town.root, ctx.env, ctx.cwd),
            force: opts.force === true,
            noStart: opts.start === false,
          });
          const failed = (r.launch?.failures.length ?? 0) > 0 ? 1 : 0;
          if (ctx.json) {
            ctx.printJson(r);
            return failed;
          }
          const s = r.staged;
          ctx.out(`Epic: ${r.epic}`);
          ctx.out(`  Tasks: ${s.tasks.length}   Waves: ${s.waves.length}`);
          for (const w of s.warnings) ctx.out(`  ⚠ ${oneLine(w.message)}`);
          ctx.out(`\nConvoy: ${r.convoy_id} "${oneLine(s.title)}"\n  Label: mountain`);
          const l = r.launch;
          if (l) {
            ctx.out(`\nLaunching wave 1 (${l.dispatched.length} tasks)...`);
            for (const d of l.dispatched)
              ctx.out(`  Slung ${d.bead} → ${oneLine(d.target)}  (${oneLine(d.title)})`);
            for (const f of l.failures) ctx.out(`  Failed ${f.bead}: ${oneLine(f.error)}`);
          }
          ctx.out(
            "\nMountain active. Later waves go out as their blockers close (gt convoy launch, or the deacon).",
          );
          ctx.out(`Check status: gt mountain status ${r.convoy_id}`);
          return failed;
        }),
      );

    m.command("status [id]")
      .description("Show mountain progress: every active mountain, or one (by convoy or epic) in detail")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const town = ctx.town();
          if (!args[0]) {
            const all = await listMountains(town);
            if (ctx.json) return ctx.printJson(all);
            if (all.length === 0)
              return ctx.out("No active mountains.\nActivate with: gt mountain <epic-id>");
            ctx.out("Active Mountains:");
            for (const c of all) {
              ctx.out(`  ${c.id} "${oneLine(c.title)}"${c.paused ? "  (paused)" : ""}`);
              ctx.out(`    Progress: ${bar(c.percent)} ${c.closed}/${c.total} (${c.percent}%)`);
            }
            return;
          }
          const d = await mountainDetail(town, args[0]);
          if (ctx.json) return ctx.printJson(d);
          ctx.out(`Mountain: ${d.id} "${oneLine(d.title)}"${d.paused ? "  (paused)" : ""}`);
          ctx.out(`\nProgress: ${d.closed}/${d.total} closed (${d.percent}%)`);
          ctx.out(`Waves: ${d.waves} total`);
          const section = (
            title: string,
            icon: string,
            list: Array<{ id: string; title: string; needs?: string[] }>,
          ) => {
            if (list.length === 0) return;
            ctx.out(`\n${title} (${list.length}):`);
            for (const t of list)
              ctx.out(
                `  ${icon} ${t.id}  ${oneLine(t.title)}${t.needs?.length ? ` (needs: ${t.needs.join(", ")})` : ""}`,
              );
          };
          section("Completed", "✓", d.completed);
          section("Active", "⟳", d.active);
          section("Ready", "○", d.ready);
          section("Blocked", "◌", d.blocked);
        }),
      );

    m.command("pause <id>")
      .description("Pause a mountain: no new waves go out; work already on hooks finishes")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const r = await pauseMountain(ctx.town(), args[0]!, actor(ctx));
          if (ctx.json) return ctx.printJson({ ...r, paused: true });
          if (!r.changed) return ctx.out(`○ Mountain ${r.id} is already paused.`);
          ctx.out(`Mountain ${r.id} paused.\nActive polecats will finish their current work.`);
          ctx.out(`Resume with: gt mountain resume ${r.id}`);
        }),
      );

    m.command("resume <id>")
      .description("Resume a paused mountain")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const r = await resumeMountain(ctx.town(), args[0]!, actor(ctx));
          if (ctx.json) return ctx.printJson({ ...r, paused: false });
          if (!r.changed) return ctx.out(`○ Mountain ${r.id} is not paused.`);
          ctx.out(`Mountain ${r.id} resumed.\nNext wave: gt convoy launch ${r.id}`);
        }),
      );

    m.command("cancel <id>")
      .description("Cancel a mountain: the labels go, the convoy stays open for manual management")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const r = await cancelMountain(ctx.town(), args[0]!, actor(ctx));
          if (ctx.json) return ctx.printJson({ ...r, canceled: true });
          ctx.out(`Mountain canceled on ${r.id}.\nConvoy remains open for manual management.`);
          ctx.out(`Check convoy status: gt convoy status ${r.id}`);
        }),
      );
  },
};
