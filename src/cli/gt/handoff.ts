// gt handoff (a fresh session continues from the hook), gt seance (talk to predecessors),
// and the hidden gt respawn that does the replacing.
import type { Command } from "commander";
import { askPredecessor, handoff, pastSessions, respawnSession } from "../../agents/handoff.ts";
import { ValidationError } from "../../errors.ts";
import { callerIdentity } from "../../town/identity.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

export const handoffGroup: GtGroup = {
  names: ["handoff", "seance", "respawn"],
  register(p: Command) {
    p.command("handoff")
      .description("Hand your session to a fresh one that carries on from your hook (polecats: defer)")
      .option("-s, --subject <text>", "subject of the handoff note")
      .option("-m, --message <text>", "what your successor should know")
      .option("--cycle", "polecats: replace the session and keep the hook instead of deferring")
      .option("--force", "skip the 2-minute cooldown")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const id = callerIdentity(town.root, ctx.env, ctx.cwd);
          if (!id)
            throw new ValidationError("gt handoff is for agents: run it in an agent's session or directory");
          const r = await handoff(town, ctx.provider(), id, {
            subject: opts.subject as string | undefined,
            message: opts.message as string | undefined,
            cycle: opts.cycle === true,
            force: opts.force === true,
            env: ctx.env,
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.kind === "deferred")
            return ctx.out(`⏸ ${r.address}: ${r.done.issue} deferred (polecats hand off by deferring)`);
          ctx.out(`🤝 ${r.address}: handoff note ${r.mail}; a fresh session replaces ${r.session} now`);
        }),
      );
    p.command("respawn <address>", { hidden: true })
      .description("Replace an agent's session with a fresh one (used by gt handoff)")
      .option("--topic <topic>", "beacon topic", "restart")
      .action(
        act(async (ctx, [address], opts) => {
          const s = await respawnSession(ctx.town(), ctx.provider(), address!, opts.topic as string);
          ctx.out(`✓ ${s.address} respawned in ${s.session}`);
        }),
      );
    p.command("seance")
      .description("Past sessions of this town; --talk asks one (from its recorded log)")
      .option("--role <role>", "only this role")
      .option("--rig <rig>", "only this rig")
      .option("--recent <n>", "the last n", (v) => Number.parseInt(v, 10))
      .option("--talk <id>", "the session to ask (a unique prefix of its id)")
      .option("-p, --prompt <question>", "what to ask")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          if (opts.talk) {
            const r = askPredecessor(town, opts.talk as string, (opts.prompt as string | undefined) ?? "");
            if (ctx.json) return ctx.printJson(r);
            ctx.out(
              `👻 ${oneLine(r.session.actor)} (session ${oneLine(r.session.session_id)}, ${oneLine(r.session.started_at)}):`,
            );
            for (const l of r.answer) ctx.out(`  ${oneLine(l)}`);
            return;
          }
          const rows = pastSessions(town, {
            role: opts.role as string | undefined,
            rig: opts.rig as string | undefined,
            recent: opts.recent as number | undefined,
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No past sessions recorded");
          for (const s of rows)
            ctx.out(
              `${oneLine(s.started_at)}  ${oneLine(s.session_id.slice(0, 12))}  ${oneLine(s.actor).padEnd(24)} ${oneLine(s.source)}`,
            );
        }),
      );
  },
};
