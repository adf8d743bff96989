// gt handoff (a fresh session continues from the hook), gt seance (talk to predecessors),
// and the hidden gt respawn that does the replacing.
import type { Command } from "commander";
import { askPredecessor, handoff, pastSessions, respawnSession } from "../../agents/handoff.ts";
import { collectHandoffState, saveHandoffState } from "../../agents/handoff-state.ts";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor, callerIdentity } from "../../town/identity.ts";
import { sling } from "../../work/sling.ts";
import { oneLine } from "./format.ts";
import { readStdin } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";
import { looksLikeAddress, resolveAgent } from "./targets.ts";

export const handoffGroup: GtGroup = {
  names: ["handoff", "seance", "respawn"],
  register(p: Command) {
    p.command("handoff [bead-or-agent]")
      .description(
        "Hand your session to a fresh one that carries on from your hook (polecats: defer); a bead is hooked first, an agent address hands off that agent",
      )
      .option("-s, --subject <text>", "subject of the handoff note")
      .option("-m, --message <text>", "what your successor should know")
      .option("--stdin", "read the note from standard input")
      .option("-c, --collect", "add your state to the note: git, hook, unread mail, in-progress beads")
      .option(
        "--auto",
        "save state only (a pinned note and the marker), no new session: for PreCompact hooks",
      )
      .option("--reason <text>", "why (the subject with --auto: 🤝 HANDOFF: <reason>)")
      .option("--cycle", "polecats: replace the session and keep the hook instead of deferring")
      .option("--force", "skip the 2-minute cooldown")
      .option("-n, --dry-run", "say what would happen; change nothing")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [arg], opts) => {
          const town = ctx.town();
          const caller = callerIdentity(town.root, ctx.env, ctx.cwd);
          let id = caller;
          let bead: string | undefined;
          if (arg !== undefined) {
            if (looksLikeAddress(arg)) id = resolveAgent(town, arg);
            else bead = arg;
          }
          if (!id)
            throw new ValidationError("gt handoff is for agents: run it in an agent's session or directory");
          if (opts.stdin && opts.message !== undefined)
            throw new ValidationError("--stdin and --message both give the note: use one");
          const address = addressOf(id);
          const dryRun = opts.dryRun === true;
          if (bead) {
            // Hook the bead first (checked, even in a dry run), then hand off.
            const report = await sling(town, ctx.provider(), [bead], address, {
              actor: callerActor(town.root, ctx.env, ctx.cwd),
              caller,
              noStart: true,
              attachOnly: true,
              dryRun,
              force: opts.force === true,
            });
            if (report.failures[0])
              throw new ValidationError(`cannot hook ${bead}: ${report.failures[0].error}`);
          }
          let message = opts.stdin ? (await readStdin()).trim() : (opts.message as string | undefined);
          if (opts.collect === true || (opts.auto === true && !message)) {
            const state = await collectHandoffState(town, id);
            message = message ? `${message}\n\n${state}` : state;
          }
          if (opts.auto === true) {
            const subject =
              (opts.subject as string | undefined) ??
              `🤝 HANDOFF: ${(opts.reason as string | undefined) ?? "auto"}`;
            const r = await saveHandoffState(town, id, { subject, body: message ?? "", dryRun });
            if (ctx.json)
              return ctx.printJson({ kind: dryRun ? "dry-run" : "saved", ...r, bead: bead ?? null });
            if (dryRun) return ctx.out(`Would mail ${address} "${subject}" (pinned) and write ${r.marker}`);
            return ctx.out(`💾 ${address}: state saved to ${r.mail} (no new session)`);
          }
          if (dryRun) {
            const action = id.role === "polecat" && opts.cycle !== true ? "defer" : "respawn";
            const plan = {
              kind: "dry-run",
              address,
              action,
              bead: bead ?? null,
              subject: `🤝 HANDOFF: ${(opts.subject as string | undefined) ?? (opts.reason as string | undefined) ?? "carry on"}`,
              body: message ?? "",
            };
            if (ctx.json) return ctx.printJson(plan);
            ctx.out(
              action === "defer"
                ? `Would defer ${address}'s bead (gt done --status DEFERRED)`
                : `Would mail ${address} "${plan.subject}" and replace its session with a fresh one`,
            );
            if (bead) ctx.out(`Would hook ${bead} on ${address} first`);
            if (plan.body) ctx.out(`\n${plan.body}`);
            return;
          }
          const r = await handoff(town, ctx.provider(), id, {
            subject: (opts.subject as string | undefined) ?? (opts.reason as string | undefined),
            message,
            cycle: opts.cycle === true,
            force: opts.force === true,
            env: ctx.env,
          });
          if (ctx.json) return ctx.printJson({ ...r, bead: bead ?? null });
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
