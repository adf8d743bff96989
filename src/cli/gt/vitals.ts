// gt vitals: the town's health on one screen (src/watch/vitals.ts gathers it).
import type { Command } from "commander";
import { humanBytes } from "../../doctor/disk-space.ts";
import { gatherVitals } from "../../watch/vitals.ts";
import { act, type GtGroup } from "./program.ts";

const bytes = humanBytes;

export const vitalsGroup: GtGroup = {
  names: ["vitals"],
  register(p: Command) {
    p.command("vitals")
      .description("The town's health on one screen: sessions, load, memory, disk, ledger sizes, queues")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const v = await gatherVitals(town, ctx.provider());
          if (ctx.json) return ctx.printJson(v);
          const m = v.machine;
          const busy = m.load_per_core > 1 ? "  ⚠ oversubscribed" : "";
          ctx.out(`Town ${town.townJson().name}: vitals at ${v.at.replace("T", " ").slice(0, 19)} UTC`);
          ctx.out(
            `sessions  ${v.sessions.running} running${v.sessions.running ? `: ${v.sessions.names.join(", ")}` : ""}`,
          );
          ctx.out(
            `machine   ${m.cpus} cpu(s), load ${m.load.map((l) => l.toFixed(2)).join(" ")} (${m.load_per_core.toFixed(2)} per core)${busy}; memory ${bytes(m.mem_free_bytes)} free of ${bytes(m.mem_total_bytes)}`,
          );
          if (v.disk)
            ctx.out(
              `disk      ${bytes(v.disk.free_bytes)} free of ${bytes(v.disk.total_bytes)} (${v.disk.used_pct.toFixed(0)}% used)${v.disk.used_pct > 90 ? "  ⚠ nearly full" : ""}`,
            );
          ctx.out(
            `logs      .events.jsonl ${bytes(v.logs.events_bytes)}, logs/town.log ${bytes(v.logs.town_log_bytes)}`,
          );
          const q = v.queues;
          ctx.out(
            `queues    ${q.merge_requests} merge request(s), ${q.scheduled} scheduled, ${q.hooked} hooked, ${q.escalations_open} escalation(s) open`,
          );
          ctx.out("ledgers");
          for (const l of v.ledgers)
            ctx.out(
              `  ${(l.rig ?? "hq (town)").padEnd(12)} db ${bytes(l.db_bytes).padStart(9)}, jsonl ${bytes(l.jsonl_bytes).padStart(9)}; ${l.open} open, ${l.in_progress} in progress, ${l.hooked} hooked, ${l.closed} closed${l.rig ? `; merge queue ${l.merge_queue}` : ""}`,
            );
        }),
      );
  },
};
