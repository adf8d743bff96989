// gt scheduler: the deferred queue of capped slings (spec §5.2) — status, list, pause,
// resume, run (one dispatch pass in the foreground) and clear.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
import {
  clearQueue,
  type DispatchReport,
  dispatchQueue,
  schedulerList,
  schedulerStatus,
  setSchedulerPaused,
} from "../../watch/scheduler.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function positiveInt(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value)) || Number(value) < 1)
    throw new ValidationError(`${flag} wants a whole number (1 or more), not "${value}"`);
  return Number(value);
}

function printRun(ctx: GtContext, r: DispatchReport): void {
  if (r.busy) {
    ctx.out("⏳ another dispatch holds the scheduler's lock: nothing done");
    return;
  }
  for (const l of r.left) ctx.out(`↩ ${l.bead} (${l.rig}) ${l.reason}`);
  if (r.paused) {
    ctx.out("⏸ the scheduler is paused: nothing dispatched (gt scheduler resume)");
    return;
  }
  const cap = r.max_polecats > 0 ? `of ${r.max_polecats}` : "(no town cap)";
  ctx.out(`Scheduler pass: ${r.working} polecat(s) working ${cap}`);
  for (const w of r.would_dispatch) ctx.out(`  ○ would dispatch ${w.bead} (${w.rig}, P${w.priority})`);
  for (const d of r.dispatched)
    ctx.out(`  🎯 dispatched ${d.bead} → ${d.rig}/polecats/${d.polecat ?? "?"} (session ${d.session})`);
  for (const f of r.failed)
    ctx.warn(
      `  ✗ ${f.bead}: ${f.error} (failure ${f.failures}${f.circuit_broken ? ", circuit-broken: out of the queue" : ""})`,
    );
  for (const w of r.waiting) ctx.out(`  · ${w.bead} waits (${w.why}: ${w.detail})`);
  if (!r.dispatched.length && !r.would_dispatch.length && !r.waiting.length && !r.failed.length)
    ctx.out("  the queue is empty");
  if (r.dry_run) ctx.out("(dry run: nothing changed)");
}

export const schedulerGroup: GtGroup = {
  names: ["scheduler"],
  register(p: Command) {
    const s = p
      .command("scheduler")
      .description("Capacity-controlled dispatch: beads slung while polecats are at their cap wait here");
    s.command("status")
      .description("Cap, polecats working, queue size, paused or not, last dispatch")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const st = await schedulerStatus(ctx.town());
          if (ctx.json) return ctx.printJson(st);
          ctx.out(
            st.enabled
              ? `Scheduler: at most ${st.max_polecats} polecat(s) working (batch ${st.batch_size}${st.spawn_delay_ms ? `, ${st.spawn_delay_ms} ms between spawns` : ""})`
              : "Scheduler: no town cap (scheduler.max_polecats unset): slings dispatch at once unless --max-concurrent",
          );
          ctx.out(
            `  ${st.paused ? `⏸ paused by ${st.paused_by ?? "?"} since ${st.paused_at ?? "?"}` : "▶ dispatching"}`,
          );
          ctx.out(
            `  working ${st.working}${st.available !== null ? `, ${st.available} free` : ""}; queued ${st.queued} (${st.ready} ready, ${st.waiting} waiting on something else)`,
          );
          if (st.last_dispatch_at)
            ctx.out(`  last dispatch ${st.last_dispatch_at} (${st.last_dispatch_count} bead(s))`);
          if (st.queued > 0 && !st.daemon_running)
            ctx.out("  no daemon runs to dispatch the queue: gt daemon start, or gt scheduler run");
        }),
      );
    s.command("list")
      .description("Queued beads in dispatch order (priority, then time queued)")
      .option("--rig <rig>", "only this rig's")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rig = typeof opts.rig === "string" ? opts.rig.replace(/\/+$/, "") : undefined;
          const rows = await schedulerList(ctx.town(), rig ? { rig } : {});
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("The scheduler's queue is empty");
          for (const r of rows)
            ctx.out(
              `${String(r.position).padStart(3)}. [P${r.priority}] ${r.bead.padEnd(14)} ${r.rig.padEnd(10)} ${r.state.padEnd(8)} ${oneLine(r.title)}${r.dispatch_failures ? `  (failed ${r.dispatch_failures}x: ${oneLine(r.last_failure)})` : ""}`,
            );
        }),
      );
    for (const [verb, paused] of [
      ["pause", true],
      ["resume", false],
    ] as const) {
      s.command(verb)
        .description(paused ? "Hold the queue: nothing is dispatched until resume" : "Let the queue go again")
        .option("--json", "JSON output")
        .action(
          act(async (ctx) => {
            const town = ctx.town();
            const r = setSchedulerPaused(town, paused, callerActor(town.root, ctx.env, ctx.cwd));
            if (ctx.json) return ctx.printJson(r);
            if (!r.changed) return ctx.out(`The scheduler is already ${paused ? "paused" : "running"}`);
            ctx.out(
              paused
                ? "⏸ Scheduler paused: queued beads wait (slings at a capped rig queue everything)"
                : "▶ Scheduler resumed: the daemon dispatches the queue (or gt scheduler run)",
            );
          }),
        );
    }
    s.command("run")
      .description("One dispatch pass in the foreground: what fits under the cap goes now")
      .option("-n, --dry-run", "show what would be dispatched")
      .option("--batch <n>", "dispatch at most n beads (default: scheduler.batch_size)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const batch = positiveInt("--batch", opts.batch);
          const r = await dispatchQueue(town, ctx.provider(), {
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            dryRun: opts.dryRun === true,
            ...(batch ? { batch } : {}),
          });
          if (ctx.json) ctx.printJson(r);
          else printRun(ctx, r);
          if (r.busy || r.failed.length > 0) return 1;
        }),
      );
    s.command("clear")
      .description("Take beads out of the queue (they stay open)")
      .option("--bead <id>", "only this bead")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const cleared = await clearQueue(town, callerActor(town.root, ctx.env, ctx.cwd), {
            ...(typeof opts.bead === "string" ? { bead: opts.bead } : {}),
          });
          if (ctx.json) return ctx.printJson(cleared);
          if (cleared.length === 0) return ctx.out("The scheduler's queue was already empty");
          for (const c of cleared) ctx.out(`↩ ${c.bead} (${c.rig}) out of the queue (still open)`);
        }),
      );
  },
};
