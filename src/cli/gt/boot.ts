// gt boot: the deacon's watchdog. `triage` runs the spec's decision table (no model) and
// acts on it; `spawn` runs one in a process of its own; `status` shows the last triage. The
// daemon runs a triage on its heartbeat.
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { gtExecutable } from "../../package-paths.ts";
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
    b.command("spawn")
      .description(
        "Run a fresh triage in its own background process, as the daemon's heartbeat does (--wait for its verdict)",
      )
      .option("--wait", "wait for the triage and show what it did")
      .option("--degraded", "accepted for Gas Town compatibility: triage never needs a model here")
      .option("--json", "JSON output: {pid, log, waited, exit_code, last}")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const { mkdirSync, openSync, closeSync } = await import("node:fs");
          const { join } = await import("node:path");
          mkdirSync(bootDir(town), { recursive: true });
          const log = join(bootDir(town), "boot.log");
          const fd = openSync(log, "a");
          const child = spawn(gtExecutable(), ["boot", "triage"], {
            cwd: town.root,
            env: { ...ctx.env, GT_TOWN_ROOT: town.root },
            detached: true,
            stdio: ["ignore", fd, fd],
          });
          closeSync(fd);
          const exited = opts.wait
            ? new Promise<number>((res) => child.on("exit", (code) => res(code ?? 1)))
            : undefined;
          if (!exited) child.unref();
          const code = exited ? await exited : null;
          const last = exited ? (readBootStatus(town) ?? null) : null;
          if (ctx.json)
            return ctx.printJson({ pid: child.pid ?? null, log, waited: !!exited, exit_code: code, last });
          if (!last) return ctx.out(`✓ boot triage started (pid ${child.pid}); its output goes to ${log}`);
          printStatus(ctx, last);
          return code ?? 0;
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
