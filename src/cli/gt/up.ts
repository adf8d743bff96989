// gt up, gt down, gt start, gt shutdown (the town as a whole) and gt estop / gt thaw.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor, parseAddress } from "../../town/identity.ts";
import { raiseTownEstop, thawTown } from "../../watch/estop.ts";
import { askToFinish, type GracefulReport } from "../../watch/graceful.ts";
import {
  planDown,
  removePolecats,
  type ServiceResult,
  townDown,
  townStart,
  townUp,
} from "../../watch/town-lifecycle.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { startAndReport } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";

function actor(ctx: GtContext): string {
  return callerActor(ctx.town().root, ctx.env, ctx.cwd);
}

/** Prints one line per service (Gas Town's layout) or the JSON report; exit 1 when one failed. */
function report(
  ctx: GtContext,
  services: ServiceResult[],
  quiet = false,
  done?: string,
  extra: Record<string, unknown> = {},
): number {
  const failed = services.filter((s) => !s.ok).length;
  if (ctx.json) {
    ctx.printJson({
      success: failed === 0,
      ...extra,
      services,
      summary: { total: services.length, ok: services.length - failed, failed },
    });
    return failed ? 1 : 0;
  }
  for (const s of services)
    if (!quiet || !s.ok) ctx.out(`${s.ok ? "✓" : "✗"} ${s.name}: ${oneLine(s.detail)}`);
  if (done && !quiet) ctx.out(failed ? `\n✗ ${failed} service(s) failed` : `\n${done}`);
  return failed ? 1 : 0;
}

export const upGroup: GtGroup = {
  names: ["up", "down", "start", "shutdown"],
  register(p: Command) {
    p.command("up")
      .description(
        "Start the town: daemon, deacon, mayor, every rig's witness and refinery, crew marked to start, polecats with hooked work (idempotent)",
      )
      .option("-q, --quiet", "print only failures")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const services = await townUp(ctx.town(), ctx.provider(), ctx.env, actor(ctx));
          return report(ctx, services, opts.quiet === true, "✓ Gas Town is up");
        }),
      );
    p.command("down")
      .description(
        "Stop the town (a pause: hooks and work stay): crew, refineries, witnesses, mayor, deacon, daemon",
      )
      .option("-p, --polecats", "also stop every polecat session")
      .option("-a, --all", "everything: polecats too, and any other session of the town")
      .option("--nuke", "--all, then kill the town's tmux server with whatever else runs on it")
      .option("-f, --force", "kill at once: no grace period for agents to exit")
      .option("--dry-run", "print what would stop; change nothing")
      .option("-q, --quiet", "print only failures")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const nuke = opts.nuke === true;
          const down = {
            polecats: nuke || opts.all === true || opts.polecats === true,
            crew: true,
            actor: actor(ctx),
            force: opts.force === true,
            nuke,
          };
          const dryRun = opts.dryRun === true;
          const services = dryRun
            ? await planDown(ctx.town(), ctx.provider(), down)
            : await townDown(ctx.town(), ctx.provider(), down);
          return report(
            ctx,
            services,
            opts.quiet === true,
            dryRun ? "Dry run: nothing was stopped" : "✓ All services stopped (gt up brings them back)",
            { dry_run: dryRun },
          );
        }),
      );
    p.command("start [crew]")
      .description(
        "Start the deacon and the mayor (--all: every rig's witness and refinery too); gt start <rig>/crew/<name> starts a crew member",
      )
      .option("-a, --all", "also every open rig's witness and refinery")
      .option("--agent <name>", "with a crew member: run this agent preset")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [crew], opts) => {
          if (crew) {
            const id = parseAddress(crew);
            if (id.role !== "crew")
              throw new ValidationError(`gt start <rig>/crew/<name> starts crew; ${crew} is not one`);
            return startAndReport(ctx, id, opts.agent as string | undefined);
          }
          const services = await townStart(ctx.town(), ctx.provider(), {
            all: opts.all === true,
            actor: actor(ctx),
          });
          return report(ctx, services, false, "✓ Gas Town started");
        }),
      );
    p.command("shutdown")
      .description(
        "Done for the day: stop every agent and the daemon, and remove polecat sandboxes and branches (a polecat with unsaved or hooked work is kept unless --nuclear)",
      )
      .option("-a, --all", "stop crew too")
      .option("--polecats-only", "only stop and remove polecats")
      .option("--nuclear", "remove polecats even with unsaved or hooked work (it is lost)")
      .option("-g, --graceful", "first ask every agent to save its state, and wait for them (--wait)")
      .option("-w, --wait <secs>", "with --graceful: the longest wait for agents to go idle or exit", "30")
      .option("-y, --yes", "accepted for Gas Town's scripts (gt shutdown never asks)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const by = actor(ctx);
          const waitS = Number(opts.wait);
          if (!/^\d+$/.test(String(opts.wait)) || waitS > 3600)
            throw new ValidationError(`--wait takes whole seconds, 0 to 3600 (got ${opts.wait})`);
          const crew = opts.all === true;
          const polecatsOnly = opts.polecatsOnly === true;
          let graceful: GracefulReport | null = null;
          const ask = async () => {
            graceful = await askToFinish(town, ctx.provider(), {
              polecats: true,
              crew,
              waitS,
              actor: by,
              ...(polecatsOnly ? { only: "polecats" as const } : {}),
            });
            if (!ctx.json) printGraceful(ctx, graceful);
          };
          if (opts.graceful === true && polecatsOnly) await ask();
          const services = polecatsOnly
            ? []
            : await townDown(town, ctx.provider(), {
                polecats: true,
                crew,
                actor: by,
                ...(opts.graceful === true ? { beforeStop: ask } : {}),
              });
          const polecats = await removePolecats(town, ctx.provider(), {
            nuclear: opts.nuclear === true,
            actor: by,
          });
          if (ctx.json) {
            ctx.printJson({ services, polecats, graceful });
            return services.some((s) => !s.ok) ? 1 : 0;
          }
          const code = report(ctx, services);
          for (const c of polecats)
            ctx.out(`${c.removed ? "✓" : "○"} Polecat ${c.polecat}: ${oneLine(c.detail)}`);
          ctx.out(code ? "\n✗ some services failed to stop" : "\n✓ Gas Town shut down");
          return code;
        }),
      );
  },
};

function printGraceful(ctx: GtContext, g: GracefulReport): void {
  if (g.asked.length === 0) {
    ctx.out("No agent running: nothing to wait for");
    return;
  }
  ctx.out(`Asked ${g.asked.length} agent(s) to save their state; waited ${g.waited_s}s`);
  for (const a of g.finished) ctx.out(`✓ ${a}: idle or exited`);
  for (const a of g.still_busy) ctx.out(`⏳ ${a}: still busy when the wait ran out: stopped anyway`);
  ctx.out("");
}

export const estopGroup: GtGroup = {
  names: ["estop", "thaw"],
  register(p: Command) {
    p.command("estop")
      .description("Emergency stop: freeze every agent but the mayor (context kept) until gt thaw")
      .option("-r, --reason <text>", "why (shown by gt status and gt prime)")
      .option("--rig <rig>", "freeze only this rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rig = opts.rig as string | undefined;
          const r = await raiseTownEstop(ctx.town(), ctx.provider(), {
            rig,
            reason: opts.reason as string | undefined,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(r);
          const where = rig ? ` for ${rig}` : "";
          if (!r.raised)
            return ctx.out(
              `⛔ E-stop already active${where} (since ${r.info.at}${r.info.reason ? `: ${oneLine(r.info.reason)}` : ""})`,
            );
          ctx.out(`⛔ EMERGENCY STOP${rig ? `: ${rig}` : ""}`);
          if (r.info.reason) ctx.out(`   Reason: ${oneLine(r.info.reason)}`);
          for (const s of r.frozen) ctx.out(`   ⏸ ${s}`);
          for (const s of r.exempt) ctx.out(`   ⏭ ${s} (exempt)`);
          for (const s of r.failed) ctx.out(`   ⚠ ${s}: some of its processes would not stop`);
          ctx.out(
            `⛔ ${r.frozen.length} session(s) frozen; resume with gt thaw${rig ? ` --rig ${rig}` : ""}`,
          );
          return r.failed.length ? 1 : 0;
        }),
      );
    p.command("thaw")
      .description("Lift the e-stop: resume every frozen agent")
      .option("--rig <rig>", "thaw only this rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rig = opts.rig as string | undefined;
          const r = await thawTown(ctx.town(), ctx.provider(), { rig, actor: actor(ctx) });
          if (ctx.json) return ctx.printJson(r);
          if (!r.info) return ctx.out(`No E-stop active${rig ? ` for ${rig}` : ""}.`);
          if (r.still) {
            ctx.out(`✓ e-stop of ${rig} lifted, but the town's e-stop still stands (gt thaw lifts it)`);
            return;
          }
          ctx.out(`✓ ${r.thawed.length} session(s) resumed`);
          if (r.nudged.length) ctx.out(`   queued a note to carry on for ${r.nudged.length} session(s)`);
          const secs = Math.round((Date.now() - Date.parse(r.info.at)) / 1000);
          ctx.out(`   E-stop was active for ${secs}s`);
        }),
      );
  },
};
