// gt deacon: the town watchdog's session (start/stop/restart/status/attach, from the shared
// lifecycle group) and the helpers its patrol runs (spec §4.3): heartbeat, pause/resume,
// health-check/health-state/force-kill, stale-hooks, cleanup-orphans, zombie-scan,
// redispatch(-state), feed-stranded(-state).
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
import { durationFlag, loadDeaconThresholds } from "../../watch/deacon-config.ts";
import { forceKill, healthCheck } from "../../watch/deacon-health.ts";
import { redispatch } from "../../watch/deacon-redispatch.ts";
import {
  cooldownLeft,
  heartbeatHealth,
  loadFeedState,
  loadHealthState,
  loadRedispatchState,
  pauseDeacon,
  readDeaconHeartbeat,
  readDeaconPause,
  resumeDeacon,
  touchDeaconHeartbeat,
} from "../../watch/deacon-state.ts";
import { feedStranded } from "../../watch/deacon-stranded.ts";
import { cleanupOrphans, staleHooks, zombieScan } from "../../watch/deacon-sweep.ts";
import type { GtContext } from "./context.ts";
import { ago } from "./daemon.ts";
import { formatAgentLine, oneLine } from "./format.ts";
import { lifecycleGroup } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";

const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);
const secs = (ms: number | null) => (ms === null ? "?" : `${Math.round(ms / 1000)}s`);

/** Positive whole numbers from flags; a bad one is one clear error. */
function countFlag(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`${flag}: "${String(value)}" is not a whole number of at least 1`);
  return n;
}

async function deaconStatus(ctx: GtContext) {
  const town = ctx.town();
  const t = loadDeaconThresholds(town);
  const agent = (await agentStatuses(town, ctx.provider(), { rigs: [] })).find((a) => a.address === "deacon");
  if (!agent) throw new NotFoundError("deacon", "no agent deacon");
  const beat = readDeaconHeartbeat(town);
  const { health, ageMs } = heartbeatHealth(beat, t);
  return {
    ...agent,
    paused: readDeaconPause(town) ?? null,
    heartbeat: beat ?? null,
    heartbeat_health: health,
    heartbeat_age_ms: ageMs,
  };
}

function registerState(cmd: Command): void {
  cmd
    .command("status")
    .description("Whether the deacon runs, its heartbeat (fresh, stale, very stale) and whether it is paused")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const s = await deaconStatus(ctx);
        if (ctx.json) return ctx.printJson(s);
        if (s.paused)
          ctx.out(
            `⏸ DEACON PAUSED${s.paused.reason ? `: ${oneLine(s.paused.reason)}` : ""} (by ${oneLine(s.paused.paused_by)} ${ago(s.paused.paused_at)}; gt deacon resume)`,
          );
        ctx.out(formatAgentLine(s));
        if (!s.heartbeat) ctx.out("  heartbeat: none yet");
        else
          ctx.out(
            `  heartbeat: ${secs(s.heartbeat_age_ms)} old, ${s.heartbeat_health} (cycle ${s.heartbeat.cycle}${s.heartbeat.last_action ? `, last: ${oneLine(s.heartbeat.last_action)}` : ""})`,
          );
      }),
    );
  cmd
    .command("heartbeat [action...]")
    .description("Record that the deacon is alive (at the start of each patrol cycle), with what it is doing")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, words) => {
        const town = ctx.town();
        const paused = readDeaconPause(town);
        if (paused)
          throw new ConflictError(
            "deacon_paused",
            `the deacon is paused${paused.reason ? ` (${paused.reason})` : ""}: gt deacon resume first`,
          );
        const beat = touchDeaconHeartbeat(town, { action: words.join(" ") });
        if (ctx.json) return ctx.printJson(beat);
        ctx.out(`✓ heartbeat ${beat.cycle}${beat.last_action ? `: ${oneLine(beat.last_action)}` : ""}`);
      }),
    );
  cmd
    .command("pause")
    .description("Stop the deacon's patrol actions until gt deacon resume (kept across restarts)")
    .option("--reason <text>", "why, shown by gt deacon status and boot")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const already = readDeaconPause(town);
        const p = already ?? pauseDeacon(town, actor(ctx), opts.reason as string | undefined);
        if (ctx.json) return ctx.printJson({ paused: true, already: Boolean(already), ...p });
        ctx.out(
          already
            ? `○ the deacon is already paused (since ${p.paused_at})`
            : "⏸ deacon paused: it takes no patrol action until gt deacon resume",
        );
      }),
    );
  cmd
    .command("resume")
    .description("Let the deacon patrol again")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const was = resumeDeacon(ctx.town());
        if (ctx.json) return ctx.printJson({ resumed: was });
        ctx.out(was ? "▶ deacon resumed" : "○ the deacon was not paused");
      }),
    );
}

function registerHealth(cmd: Command): void {
  cmd
    .command("health-check <agent>")
    .description(
      "Send an agent a HEALTH_CHECK nudge and wait for a reaction; exit 2 when it should be force-killed",
    )
    .option(
      "--timeout <duration>",
      "how long to wait for a reaction (default: deacon.health_check_timeout, 30s)",
    )
    .option("--failures <n>", "consecutive failures that call for a force-kill (default 3)")
    .option("--cooldown <duration>", "least time between force-kills of one agent (default 5m)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [agent], opts) => {
        const town = ctx.town();
        const t = loadDeaconThresholds(town);
        const r = await healthCheck(town, ctx.provider(), agent!, {
          timeoutMs: durationFlag("--timeout", opts.timeout) ?? t.healthCheckTimeoutMs,
          failures: countFlag("--failures", opts.failures) ?? t.healthCheckFailures,
          cooldownMs: durationFlag("--cooldown", opts.cooldown) ?? t.forceKillCooldownMs,
          actor: actor(ctx),
        });
        if (ctx.json) ctx.printJson(r);
        else if (r.outcome === "responded") ctx.out(`✓ ${r.agent} responded (${r.detail}); failures reset`);
        else if (r.outcome === "no-response")
          ctx.out(
            `⚠ ${r.agent} did not respond: ${r.detail} (${r.consecutive_failures}/${r.failures_to_kill} failures)${r.should_force_kill ? `\n✗ ${r.agent} should be force-killed: gt deacon force-kill ${r.agent}` : ""}`,
          );
        else ctx.out(`○ ${r.agent}: ${r.detail}`);
        return r.should_force_kill ? 2 : 0;
      }),
    );
  cmd
    .command("health-state")
    .description("Health-check failures, responses and force-kills per agent")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const town = ctx.town();
        const s = loadHealthState(town);
        if (ctx.json) return ctx.printJson(s);
        const t = loadDeaconThresholds(town);
        const names = Object.keys(s.agents).sort();
        if (names.length === 0) return ctx.out("○ no health checks recorded yet");
        for (const name of names) {
          const h = s.agents[name]!;
          const left = cooldownLeft(h.last_force_kill, t.forceKillCooldownMs);
          ctx.out(
            `${name}: ${h.consecutive_failures} failure(s) in a row; last ping ${ago(h.last_ping)}, last response ${ago(h.last_response)}; ${h.force_kills} force-kill(s)${h.last_force_kill ? `, last ${ago(h.last_force_kill)}` : ""}${left ? ` (cooldown ${secs(left)})` : ""}`,
          );
        }
      }),
    );
  cmd
    .command("force-kill <agent>")
    .description(
      "Kill an unresponsive agent's session and everything in it (mail to it and the mayor); the daemon restarts it",
    )
    .option("--reason <text>", "why (in the mail)")
    .option("--skip-notify", "do not mail the mayor")
    .option("--cooldown <duration>", "least time between force-kills of one agent (default 5m)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [agent], opts) => {
        const town = ctx.town();
        const r = await forceKill(town, ctx.provider(), agent!, {
          reason: opts.reason as string | undefined,
          notifyMayor: opts.skipNotify !== true,
          cooldownMs:
            durationFlag("--cooldown", opts.cooldown) ?? loadDeaconThresholds(town).forceKillCooldownMs,
          actor: actor(ctx),
        });
        if (ctx.json) return ctx.printJson(r);
        if (!r.killed) return ctx.out(`○ ${r.agent} is not running: nothing to kill`);
        ctx.out(
          `✓ force-killed ${r.agent} (session ${r.session}; ${r.force_kills} force-kill(s) so far): ${oneLine(r.reason)}`,
        );
        if (r.mailed.length) ctx.out(`  told ${r.mailed.join(", ")}`);
      }),
    );
}

function registerSweeps(cmd: Command): void {
  cmd
    .command("stale-hooks")
    .description("Unhook beads hooked longer than --max-age whose holder's session is not running")
    .option("--max-age <duration>", "how old a hook must be (default: deacon.stale_hook_age, 1h)")
    .option("--dry-run", "show what would be unhooked")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const maxAgeMs = durationFlag("--max-age", opts.maxAge) ?? loadDeaconThresholds(town).staleHookAgeMs;
        const r = await staleHooks(town, ctx.provider(), {
          maxAgeMs,
          dryRun: opts.dryRun === true,
          actor: actor(ctx),
        });
        if (ctx.json) return ctx.printJson(r);
        ctx.out(`● ${r.hooked} hooked bead(s), ${r.stale.length} older than ${secs(maxAgeMs)}`);
        for (const s of r.stale) {
          const what = s.holder_alive
            ? "skipped (holder running)"
            : s.unhooked
              ? "unhooked (holder gone)"
              : s.error
                ? `not unhooked: ${oneLine(s.error)}`
                : "would unhook (holder gone)";
          ctx.out(
            `  ${s.unhooked ? "✓" : "○"} ${s.bead} on ${oneLine(s.holder)}, ${secs(s.age_ms)} old: ${what}`,
          );
          if (s.partial_work.length) ctx.out(`    ⚠ partial work left: ${s.partial_work.join(", ")}`);
        }
      }),
    );
  cmd
    .command("cleanup-orphans")
    .description("Stop agent processes of this town whose session is gone (with what they started)")
    .option("--grace <duration>", "leave processes younger than this (default 60s)")
    .option("--dry-run", "only list them")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, opts) => {
        const r = await cleanupOrphans(ctx.town(), ctx.provider(), {
          graceMs: durationFlag("--grace", opts.grace) ?? 60_000,
          dryRun: opts.dryRun === true,
          actor: actor(ctx),
        });
        if (ctx.json) return ctx.printJson(r);
        if (!r.supported) return ctx.out("○ not checked: this system has no /proc");
        if (r.orphans.length === 0) return ctx.out("○ no orphaned agent processes");
        for (const o of r.orphans)
          ctx.out(
            `  ${o.stopped ? "✓ stopped" : "○"} pid ${o.pid} (session ${o.session} gone, ${secs(o.age_ms)} old): ${oneLine(o.command)}`,
          );
      }),
    );
  cmd
    .command("zombie-scan")
    .description(
      "Every rig's zombies as the witness patrol sees them, and orphaned agent processes (report only)",
    )
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const r = await zombieScan(ctx.town(), ctx.provider(), actor(ctx));
        if (ctx.json) return ctx.printJson(r);
        if (!r.zombies.length && !r.orphans.length) return ctx.out("○ no zombies");
        for (const z of r.zombies)
          ctx.out(
            `  ⚠ ${z.class} ${z.agent}${z.bead ? ` ${z.bead}` : ""}: ${oneLine(z.detail)} (the witness: ${z.action})`,
          );
        for (const o of r.orphans)
          ctx.out(`  ⚠ orphaned process pid ${o.pid} of session ${o.session}: gt deacon cleanup-orphans`);
      }),
    );
}

const REDISPATCH_EXIT: Record<string, number> = { cooldown: 2, skipped: 3, failed: 1 };

function registerDispatch(cmd: Command): void {
  cmd
    .command("redispatch <bead>")
    .description(
      "Sling a recovered bead again (at most --max-attempts times, --cooldown apart), then hand it to the mayor",
    )
    .option("--rig <rig>", "the rig to sling to (default: from the bead's prefix)")
    .option("--max-attempts <n>", "re-dispatches before escalating (default: deacon.redispatch_max, 3)")
    .option("--cooldown <duration>", "least time between re-dispatches (default 5m)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [bead], opts) => {
        const town = ctx.town();
        const t = loadDeaconThresholds(town);
        const r = await redispatch(town, bead!, {
          rig: opts.rig as string | undefined,
          maxAttempts: countFlag("--max-attempts", opts.maxAttempts) ?? t.redispatchMax,
          cooldownMs: durationFlag("--cooldown", opts.cooldown) ?? t.redispatchCooldownMs,
          actor: actor(ctx),
          env: ctx.env,
        });
        if (ctx.json) ctx.printJson(r);
        else {
          const mark = { redispatched: "✓", escalated: "⚠", failed: "✗" }[r.action as string] ?? "○";
          ctx.out(`${mark} ${r.bead}: ${oneLine(r.message)}`);
        }
        return REDISPATCH_EXIT[r.action] ?? 0;
      }),
    );
  cmd
    .command("redispatch-state")
    .description("Re-dispatch attempts, cooldowns and escalations per bead")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const s = loadRedispatchState(ctx.town());
        if (ctx.json) return ctx.printJson(s);
        const ids = Object.keys(s.beads).sort();
        if (!ids.length) return ctx.out("○ no re-dispatches recorded");
        for (const id of ids) {
          const b = s.beads[id]!;
          ctx.out(
            `${id}: ${b.attempts} attempt(s), last ${ago(b.last_attempt)}${b.last_rig ? ` to ${b.last_rig}` : ""}${b.escalated_at ? `; escalated ${ago(b.escalated_at)} (${b.escalation})` : ""}${b.last_error ? `; last error: ${oneLine(b.last_error)}` : ""}`,
          );
        }
      }),
    );
  cmd
    .command("feed-stranded")
    .description("Sling the ready beads of convoys nobody works on; close empty convoys; report the rest")
    .option("--max-feeds <n>", "convoys fed per run (default: deacon.feed_max, 3)")
    .option("--cooldown <duration>", "least time between feeds of one convoy (default 10m)")
    .option("--dry-run", "show what would be done")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, opts) => {
        const town = ctx.town();
        const t = loadDeaconThresholds(town);
        const r = await feedStranded(town, {
          maxFeeds: countFlag("--max-feeds", opts.maxFeeds) ?? t.feedMax,
          cooldownMs: durationFlag("--cooldown", opts.cooldown) ?? t.feedCooldownMs,
          dryRun: opts.dryRun === true,
          actor: actor(ctx),
          env: ctx.env,
        });
        if (ctx.json) return ctx.printJson(r);
        if (!r.details.length) return ctx.out("○ no stranded convoys");
        const mark: Record<string, string> = { fed: "✓", closed: "✓", "needs-attention": "?", failed: "✗" };
        for (const d of r.details)
          ctx.out(`  ${mark[d.action] ?? "○"} ${d.convoy} ${d.action}: ${oneLine(d.message)}`);
        ctx.out(
          `● fed ${r.fed}, closed ${r.closed}, needs attention ${r.needs_attention}, skipped ${r.skipped}, errors ${r.errors}`,
        );
      }),
    );
  cmd
    .command("feed-stranded-state")
    .description("Feeds and cooldowns per convoy")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const s = loadFeedState(ctx.town());
        if (ctx.json) return ctx.printJson(s);
        const ids = Object.keys(s.convoys).sort();
        if (!ids.length) return ctx.out("○ no convoys fed yet");
        for (const id of ids)
          ctx.out(`${id}: fed ${s.convoys[id]!.feeds} time(s), last ${ago(s.convoys[id]!.last_feed)}`);
      }),
    );
}

function extendDeacon(cmd: Command): void {
  // The shared status says only whether the session runs; the deacon's adds its heartbeat.
  const generic = cmd.commands.findIndex((c) => c.name() === "status");
  if (generic >= 0) (cmd.commands as Command[]).splice(generic, 1);
  registerState(cmd);
  registerHealth(cmd);
  registerSweeps(cmd);
  registerDispatch(cmd);
}

export const deaconGroup: GtGroup = lifecycleGroup("deacon", extendDeacon);
