// gt boot: the deacon's watchdog. `triage` runs the spec's decision table (no model) and
// acts on it; `status` shows the last triage. The daemon runs a triage on its heartbeat.
import type { Command } from "commander";
import { bootDir, bootTriage, readBootStatus } from "../../watch/boot.ts";
import type { GtContext } from "./context.ts";
import { ago } from "./daemon.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function printStatus(ctx: GtContext, s: NonNullable<ReturnType<typeof readBootStatus>>): void {
  ctx.out(`Last triage: ${s.action}${s.reason ? ` (${oneLine(s.reason)})` : ""}`);
  ctx.out(`  by ${oneLine(s.by)} ${ago(s.completed_at ?? s.started_at)}, run ${s.runs}`);
  if (s.result) ctx.out(`  → ${oneLine(s.result)}`);
  if (s.error) ctx.out(`  ✗ ${oneLine(s.error)}`);
  if (s.last_start) ctx.out(`  boot last started the deacon ${ago(s.last_start)}`);
}

export const bootGroup: GtGroup = {
  names: ["boot"],
  register(p: Command) {
    const b = p.command("boot").description("Boot: the deacon's watchdog (triage without a model)");
    b.command("triage")
      .description("Look at the deacon and act: start it, nudge it, wake it, or force-kill and restart it")
      .option("--degraded", "accepted for Gas Town compatibility: triage never needs a model here")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const s = await bootTriage(ctx.town(), ctx.provider(), { actor: "boot" });
          if (ctx.json) ctx.printJson(s);
          else {
            ctx.out(`Triage: ${s.action}${s.reason ? ` (${oneLine(s.reason)})` : ""}`);
            if (s.result) ctx.out(`  → ${oneLine(s.result)}`);
            if (s.error) ctx.out(`  ✗ ${oneLine(s.error)}`);
          }
          return s.action === "error" ? 1 : 0;
        }),
      );
    b.command("status")
      .description("What the last triage saw and did")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const s = readBootStatus(town);
          if (ctx.json) return ctx.printJson({ dir: bootDir(town), last: s ?? null });
          if (!s) return ctx.out("○ boot has not run yet (gt boot triage, or the daemon's heartbeat)");
          printStatus(ctx, s);
        }),
      );
  },
};
