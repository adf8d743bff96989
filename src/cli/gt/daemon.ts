// gt daemon start/stop/restart/status/logs/clear-backoff, and the hidden gt daemon run the
// detached daemon process is.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { gtExecutable } from "../../package-paths.ts";
import { parseAddress } from "../../town/identity.ts";
import { alreadyRunning, runDaemon } from "../../watch/daemon.ts";
import {
  clearBackoff,
  type DaemonStatus,
  daemonStatus,
  startDaemon,
  stopDaemon,
} from "../../watch/daemon-control.ts";
import { NONCE_ENV, newNonce, tailDaemonLog } from "../../watch/daemon-files.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

function printStatus(ctx: GtContext, s: DaemonStatus): void {
  const st = s.state;
  if (s.running) ctx.out(`● daemon running (pid ${s.pid}, started ${ago(st.started_at)})`);
  else ctx.out(`○ daemon not running${st.stopped_at ? ` (stopped ${ago(st.stopped_at)})` : ""}`);
  if (s.stale_pid)
    ctx.out(
      `  stale pid file: pid ${s.stale_pid.pid} ${s.stale_pid.why === "reused" ? "now belongs to another program" : "is gone"} (gt daemon start replaces it)`,
    );
  if (s.state_problem) ctx.out(`  ⚠ state file unreadable (${s.state_problem}); the daemon rebuilds it`);
  if (s.running || st.reconcile_count)
    ctx.out(
      `  last pass ${ago(st.last_reconcile)} (${st.reconcile_count} this run), heartbeat ${ago(st.last_heartbeat)}`,
    );
  if (st.last_mass_death) ctx.out(`  ⚠ mass death ${ago(st.last_mass_death)} (see gt daemon logs)`);
  for (const q of s.quarantined)
    ctx.out(
      `  ⛔ ${q.agent} quarantined ${ago(q.since)}${q.escalation ? ` (escalation ${q.escalation})` : ""}: gt daemon clear-backoff ${q.agent}`,
    );
  for (const b of s.backing_off)
    ctx.out(`  ⏳ ${b.agent}: restart ${b.restarts} done, next not before ${b.until}`);
}

/** Runs the daemon in the foreground; without a nonce (run by hand) it re-runs itself with one. */
async function runForeground(ctx: GtContext): Promise<number | undefined> {
  const town = ctx.town();
  const nonce = ctx.env[NONCE_ENV];
  if (nonce) {
    await runDaemon({ town, provider: ctx.provider(), nonce });
    // Whatever handle is still open, a stopped daemon ends.
    setTimeout(() => process.exit(0), 500).unref();
    return 0;
  }
  // The nonce must be in the daemon's own environment, where gt daemon status can read it.
  const child = spawn(gtExecutable(), ["daemon", "run"], {
    stdio: "inherit",
    env: { ...ctx.env, [NONCE_ENV]: newNonce(), GT_TOWN_ROOT: town.root },
  });
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => child.kill(sig));
  return new Promise((res) => child.on("exit", (code) => res(code ?? 1)));
}

export const daemonGroup: GtGroup = {
  names: ["daemon"],
  register(p: Command) {
    const d = p.command("daemon").description("The town's daemon: keeps its agents running");
    d.command("start")
      .description("Start the daemon (one per town)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const r = await startDaemon(town, ctx.env);
          if (r.already) throw alreadyRunning(town, r.pid);
          if (ctx.json) return ctx.printJson({ started: true, pid: r.pid });
          ctx.out(`✓ daemon started (pid ${r.pid})`);
        }),
      );
    d.command("stop")
      .description("Stop the daemon")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const r = await stopDaemon(ctx.town());
          if (ctx.json) return ctx.printJson(r);
          if (r.stopped) ctx.out(`✓ daemon stopped (was pid ${r.pid})`);
          else if (r.stale?.state === "stale")
            ctx.out(
              `daemon was not running (stale pid file removed: pid ${r.stale.pid} ${r.stale.why === "reused" ? "belongs to another program, left alone" : "is gone"})`,
            );
          else ctx.out("daemon was not running");
        }),
      );
    d.command("restart")
      .description("Stop the daemon and start it again")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const stopped = await stopDaemon(town);
          const r = await startDaemon(town, ctx.env);
          if (ctx.json) return ctx.printJson({ stopped: stopped.pid, pid: r.pid });
          ctx.out(`✓ daemon restarted (pid ${r.pid}${stopped.pid ? `, was ${stopped.pid}` : ""})`);
        }),
      );
    d.command("status")
      .description("Whether the daemon runs, its last pass, quarantined and backing-off agents")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const s = daemonStatus(ctx.town());
          if (ctx.json) return ctx.printJson(s);
          printStatus(ctx, s);
        }),
      );
    d.command("logs")
      .description("The daemon's log")
      .option("-n, --lines <n>", "how many lines (0: all)", "50")
      .option("-f, --follow", "keep printing new lines")
      .action(
        act(async (ctx, _args, opts) => {
          const n = Number(opts.lines);
          if (!Number.isInteger(n) || n < 0)
            throw new ValidationError(`--lines wants a count, not "${opts.lines}"`);
          const town = ctx.town();
          let shown = tailDaemonLog(town, n);
          for (const l of shown) ctx.out(l);
          if (opts.follow !== true) return;
          let last = shown[shown.length - 1];
          for (;;) {
            await sleep(500);
            const all = tailDaemonLog(town, 0);
            const from = last === undefined ? 0 : all.lastIndexOf(last) + 1;
            shown = all.slice(from);
            for (const l of shown) ctx.out(l);
            if (shown.length) last = shown[shown.length - 1];
          }
        }),
      );
    d.command("clear-backoff [agents...]")
      .description(
        "Let the daemon restart quarantined or backing-off agents again (mayor, alpha/witness, ...)",
      )
      .option("--all", "every agent")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, agents, opts) => {
          if (opts.all !== true && agents.length === 0)
            throw new ValidationError("name the agents to clear (mayor, <rig>/witness, ...), or --all");
          for (const a of agents) parseAddress(a);
          const cleared = clearBackoff(ctx.town(), opts.all === true ? "all" : agents);
          if (ctx.json) return ctx.printJson({ cleared });
          if (cleared.length === 0) ctx.out("nothing to clear: the daemon has no record of those agents");
          else ctx.out(`✓ cleared ${cleared.join(", ")}: the daemon restarts them when they are down`);
        }),
      );
    d.command("rotate-logs")
      .description(
        "Rotate the town's logs over 100 MB (town.log, agent logs, the daemon's): copy to .1, then truncate",
      )
      .option("--force", "rotate every non-empty log, whatever its size")
      .option("--json", "JSON output: {rotated, skipped, errors}")
      .action(
        act(async (ctx, _args, opts) => {
          const { rotateLogs } = await import("../../watch/daemon-upkeep.ts");
          const r = rotateLogs(ctx.town(), { force: opts.force === true });
          if (ctx.json) return ctx.printJson(r);
          for (const f of r.rotated) ctx.out(`✓ rotated ${f}`);
          for (const f of r.skipped) ctx.out(`  · ${f} (below the threshold)`);
          for (const e of r.errors) ctx.out(`  ⚠ ${e}`);
          if (r.rotated.length === 0 && r.errors.length === 0) ctx.out("✓ no log needed rotating");
          return r.errors.length ? 1 : 0;
        }),
      );
    d.command("enable-supervisor")
      .description(
        "Write a systemd user unit (launchd agent on macOS) that starts the daemon at login and restarts it if it dies",
      )
      .option("--kind <kind>", "systemd or launchd (default: this platform's)")
      .option("--dry-run", "print the file without writing it")
      .option("--activate", "also load it now (systemctl --user enable --now, or launchctl load)")
      .option("--json", "JSON output: {kind, file, name, content, activate, written}")
      .action(
        act(async (ctx, _args, opts) => {
          const { writeSupervisor } = await import("../../watch/daemon-upkeep.ts");
          const r = writeSupervisor(ctx.town(), ctx.env, {
            ...(opts.kind ? { kind: String(opts.kind) } : {}),
            dryRun: opts.dryRun === true,
          });
          let activated: string | null = null;
          if (opts.activate && r.written) {
            const { runCommand } = await import("../../adapters/process.ts");
            try {
              await runCommand(r.activate[0]!, r.activate.slice(1), { env: ctx.env });
              activated = "ok";
            } catch (e) {
              throw new ValidationError(
                `${r.file} written, but ${r.activate.join(" ")} failed: ${(e as Error).message.split("\n")[0]}`,
              );
            }
          }
          if (ctx.json) return ctx.printJson({ ...r, activated });
          if (!r.written) return ctx.out(`# ${r.file}\n${r.content.trimEnd()}`);
          ctx.out(`✓ wrote ${r.file} (${r.kind})`);
          ctx.out(
            activated ? `✓ loaded: ${r.activate.join(" ")}` : `  load it with: ${r.activate.join(" ")}`,
          );
        }),
      );
    d.command("run", { hidden: true })
      .description("Run the daemon in the foreground (gt daemon start runs this detached)")
      .action(act(async (ctx) => runForeground(ctx)));
  },
};
