// gt patrol scan: the witness's deterministic detector of zombies, stalls, unnoticed
// completions and orphaned beads (report, or --act to fix); gt patrol new|report|digest:
// patrol rounds as wisps (src/watch/patrol-cycle.ts); gt heartbeat: an agent's own
// word on how it is doing, which the patrol believes while it is fresh.
import type { Command } from "commander";
import { ConflictError, ValidationError } from "../../errors.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { writeHeartbeat } from "../../watch/heartbeat.ts";
import { type Finding, runPatrol, unwatchedRigs } from "../../watch/patrol.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { digestDay } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";

/** --rig, else --unwatched's rigs, else the caller's own rig, else every rig. */
async function rigsToScan(ctx: GtContext, opts: Record<string, unknown>): Promise<string[]> {
  const town = ctx.town();
  const given = typeof opts.rig === "string" ? opts.rig.replace(/\/+$/, "") : undefined;
  if (given !== undefined) town.rig(given); // unknown rig: the error names the rigs
  if (opts.unwatched) {
    const unwatched = await unwatchedRigs(town, ctx.provider());
    return given ? unwatched.filter((r) => r === given) : unwatched;
  }
  if (given) return [given];
  const own = callerIdentity(town.root, ctx.env, ctx.cwd)?.rig;
  return own && town.rigNames().includes(own) ? [own] : town.rigNames();
}

const MARK: Record<string, string> = { report: "⚠", none: "·" };

function formatFinding(f: Finding): string {
  const mark = f.acted ? "✓" : (MARK[f.action] ?? "✗");
  const bead = f.bead ? ` ${f.bead}` : "";
  return `  ${mark} ${f.class.padEnd(26)} ${f.agent}${bead}  [${f.action}${f.acted ? "" : f.action === "report" || f.action === "none" ? "" : ", not applied"}]\n      ${oneLine(f.detail)}`;
}

export const patrolGroup: GtGroup = {
  names: GT_BUNDLES["gt-patrol"],
  register(p: Command) {
    const patrol = p
      .command("patrol")
      .description("The witness patrol: find (and fix) what went wrong with polecats");
    patrol
      .command("scan")
      .description(
        "Scan polecats for zombies, stalls, unnoticed completions and orphaned beads; --act applies the fixes",
      )
      .option("--rig <rig>", "scan this rig (default: your own rig, else every rig)")
      .option("--act", "restart, stop, reset, escalate and reap as the findings say (default: report only)")
      .option("--notify", "mail the rig's witness the findings that are new")
      .option("--unwatched", "only rigs whose witness is not running (the deacon's and daemon's backstop)")
      .option(
        "--json",
        "JSON output: {findings: [{class, agent, bead, session, action, acted, detail}], summary}",
      )
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const caller = callerIdentity(town.root, ctx.env, ctx.cwd);
          if (opts.act && caller?.role === "polecat")
            throw new ConflictError("polecat_patrol", "polecats do not patrol; their witness does");
          const rigs = await rigsToScan(ctx, opts);
          const report = await runPatrol(town, ctx.provider(), {
            rigs,
            act: opts.act === true,
            notify: opts.notify === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
            caller,
          });
          if (ctx.json) return ctx.printJson(report);
          const s = report.summary;
          const where = s.rigs.length ? s.rigs.join(", ") : "no rigs";
          ctx.out(
            `Patrol of ${where}: ${s.polecats} polecat(s), ${s.findings} finding(s)${s.act ? `, ${s.acted} acted on` : ""} in ${s.duration_ms} ms`,
          );
          if (s.act && s.estop.length)
            ctx.out(`  ⏸ e-stop holds ${s.estop.join(", ")}: nothing acted on there (gt thaw)`);
          for (const f of report.findings) ctx.out(formatFinding(f));
          if (!s.act && report.findings.some((f) => f.action !== "report" && f.action !== "none"))
            ctx.out("  (report only: gt patrol scan --act applies the actions)");
          if (s.notified) ctx.out(`  ${s.notified} finding(s) mailed to the witness`);
        }),
      );
    // Rounds as wisps: loaded only when asked for (gt patrol scan runs in a hot bundle).
    const cycle = () => import("../../watch/patrol-cycle.ts");
    const agentOf = async (ctx: GtContext, opts: Record<string, unknown>) => {
      const town = ctx.town();
      const rig = typeof opts.rig === "string" ? opts.rig : undefined;
      if (rig) town.rig(rig);
      const a = (await cycle()).patrolAgent(
        callerIdentity(town.root, ctx.env, ctx.cwd),
        opts.role as string | undefined,
        rig,
      );
      return { town, a, actor: callerActor(town.root, ctx.env, ctx.cwd) };
    };
    patrol
      .command("new")
      .description("Start a patrol round: a wisp of your patrol formula (mol-<role>-patrol) on your name")
      .option("--role <role>", "deacon, witness or refinery (default: yours)")
      .option("--rig <rig>", "the rig, for a witness or refinery round (default: yours)")
      .option("--json", "JSON output: {patrol, formula, agent, burned, warnings}")
      .action(
        act(async (ctx, _args, opts) => {
          const { town, a, actor } = await agentOf(ctx, opts);
          const r = await (await cycle()).newPatrolRound(town, a, actor);
          for (const w of r.warnings) ctx.warn(`warning: formula overlay: ${w}`);
          if (ctx.json) return ctx.printJson(r);
          if (r.burned.length) ctx.out(`  burned the round left open: ${r.burned.join(", ")}`);
          ctx.out(r.patrol);
        }),
      );
    patrol
      .command("report")
      .description("Close your patrol round with a summary and step audit, and start the next round")
      .option("--summary <text>", "what this round found (required)")
      .option("--steps <audit>", "step:STATUS pairs, comma-separated (heartbeat:OK,inbox:SKIPPED)")
      .option("--role <role>", "deacon, witness or refinery (default: yours)")
      .option("--rig <rig>", "the rig, for a witness or refinery round (default: yours)")
      .option("--json", "JSON output: {closed, summary, steps, unknown_steps, next}")
      .action(
        act(async (ctx, _args, opts) => {
          if (typeof opts.summary !== "string")
            throw new ValidationError("--summary is required: what this round found");
          const { town, a, actor } = await agentOf(ctx, opts);
          const r = await (await cycle()).reportPatrolRound(
            town,
            a,
            opts.summary,
            opts.steps as string | undefined,
            actor,
          );
          if (ctx.json) return ctx.printJson(r);
          for (const s of r.steps)
            ctx.out(`  ${s.status === "NOT REPORTED" ? "?" : "·"} ${s.step}: ${s.status}`);
          if (r.unknown_steps.length) ctx.out(`  ⚠ not steps of ${a.formula}: ${r.unknown_steps.join(", ")}`);
          ctx.out(`✓ closed patrol ${r.closed}`);
          ctx.out(`✓ started patrol ${r.next.patrol}`);
        }),
      );
    patrol
      .command("digest")
      .description("Fold a day's closed patrol rounds into one permanent digest bead and delete them")
      .option("--yesterday", "yesterday's rounds (UTC)")
      .option("--date <YYYY-MM-DD>", "that day's rounds (UTC)")
      .option("--dry-run", "show what would be digested")
      .option("-v, --verbose", "list every round")
      .option(
        "--json",
        "JSON output: {date, digest, existing, total_cycles, by_role, cycles, deleted, dry_run}",
      )
      .action(
        act(async (ctx, _args, opts) => {
          const date = digestDay(opts);
          const town = ctx.town();
          const r = await (await cycle()).digestPatrols(
            town,
            date,
            opts.dryRun === true,
            callerActor(town.root, ctx.env, ctx.cwd),
          );
          if (ctx.json) return ctx.printJson(r);
          if (r.existing) return ctx.out(`○ the digest of ${r.date} exists already: ${r.digest}`);
          if (r.total_cycles === 0) return ctx.out(`○ no closed patrol rounds on ${r.date}`);
          const counts = Object.entries(r.by_role)
            .map(([role, n]) => `${role} ${n}`)
            .join(", ");
          ctx.out(
            r.dry_run
              ? `Would digest ${r.total_cycles} round(s) of ${r.date} (${counts})`
              : `✓ ${r.digest}: ${r.total_cycles} round(s) of ${r.date} (${counts}); ${r.deleted} wisp(s) deleted`,
          );
          if (opts.verbose || r.dry_run)
            for (const c of r.cycles) ctx.out(`  ${c.id} ${c.agent ?? c.role}: ${oneLine(c.summary)}`);
        }),
      );
    p.command("heartbeat <state>")
      .description("Tell the patrol how you are doing: working, idle, stuck (asks for help) or exiting")
      .option("--context <text>", "a short note (what you are stuck on)")
      .option("--bead <id>", "the bead it is about")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [state], opts) => {
          const session = ctx.env.GT_SESSION;
          if (!session)
            throw new ValidationError("gt heartbeat runs inside an agent's session (GT_SESSION is not set)");
          const beat = writeHeartbeat(ctx.town().runtimeDir, session, {
            state: state ?? "",
            context: opts.context as string | undefined,
            bead: opts.bead as string | undefined,
          });
          if (ctx.json) return ctx.printJson({ session, ...beat });
          ctx.out(`♥ ${session}: ${beat.state}${beat.context ? ` (${oneLine(beat.context)})` : ""}`);
        }),
      );
  },
};
