// gt escalate: ask for help up the chain, routed by severity; ack, close, re-escalate stale.
import type { Command } from "commander";
import {
  ackEscalation,
  closeEscalation,
  type Escalation,
  escalate,
  listEscalations,
  reescalateStale,
  SEVERITIES,
  type Severity,
  showEscalation,
} from "../../comms/escalation.ts";
import { ValidationError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { block, oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const ICON: Record<Severity, string> = { critical: "🔴", high: "🟠", medium: "🟡", low: "⚪" };

function severityOf(raw: unknown): Severity {
  const s = String(raw ?? "medium").toLowerCase() as Severity;
  if (!SEVERITIES.includes(s))
    throw new ValidationError(`unknown severity "${raw}" (${SEVERITIES.join(", ")})`);
  return s;
}

function line(e: Escalation): string {
  const ack = e.acknowledged ? " (acked)" : "";
  const re = e.reescalation_count ? ` ↑${e.reescalation_count}` : "";
  return `${ICON[e.severity]} ${e.id.padEnd(10)} ${e.severity.padEnd(8)} ${oneLine(e.summary)}${ack}${re}`;
}

const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);

export const escalateGroup: GtGroup = {
  names: ["escalate"],
  register(p: Command) {
    const esc = p
      .command("escalate")
      .description("Escalate a problem: gt escalate -s high 'Build broken on main' --reason '...'")
      .argument("[summary...]", "what is wrong, in one line")
      .option("-s, --severity <level>", "critical, high, medium (default) or low")
      .option("-r, --reason <text>", "details")
      .option("--related <bead>", "the bead this is about")
      .option("--source <source>", "who raises it (default: you)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, words, opts) => {
          if (words.length === 0) {
            esc.help();
            return;
          }
          const e = await escalate(ctx.town(), {
            summary: words.join(" "),
            severity: severityOf(opts.severity),
            reason: opts.reason as string | undefined,
            related: opts.related as string | undefined,
            source: opts.source as string | undefined,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(e);
          ctx.out(`🚨 Escalated ${e.id} [${e.severity}]: ${oneLine(e.summary)}`);
          for (const a of e.actions) ctx.out(`   ${a.action}: ${oneLine(a.result)}`);
        }),
      );
    esc
      .command("list")
      .description("Open escalations, most severe first")
      .option("--all", "closed ones too")
      .option("--severity <level>", "only this severity")
      .option("--unacked", "only unacknowledged ones")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const rows = await listEscalations(ctx.town(), {
            all: opts.all === true,
            ...(opts.severity ? { severity: severityOf(opts.severity) } : {}),
            unacked: opts.unacked === true,
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No escalations");
          for (const e of rows) ctx.out(line(e));
        }),
      );
    esc
      .command("show <id>")
      .description("One escalation with its routing history")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id]) => {
          const e = await showEscalation(ctx.town(), id!);
          if (ctx.json) return ctx.printJson(e);
          ctx.out(line(e));
          if (e.reason) ctx.out(`   ${block(e.reason)}`);
          for (const a of e.actions) ctx.out(`   ${a.at} [${a.severity}] ${a.action}: ${oneLine(a.result)}`);
        }),
      );
    esc
      .command("ack <id>")
      .description("Acknowledge: stops re-escalation")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id]) => {
          const e = await ackEscalation(ctx.town(), id!, actor(ctx));
          if (ctx.json) return ctx.printJson(e);
          ctx.out(`✓ ${e.id} acknowledged`);
        }),
      );
    esc
      .command("close <id>")
      .description("Close an escalation")
      .option("--reason <text>", "how it was resolved", "resolved")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id], opts) => {
          const e = await closeEscalation(ctx.town(), id!, opts.reason as string, actor(ctx));
          if (ctx.json) return ctx.printJson(e);
          ctx.out(`✓ ${e.id} closed`);
        }),
      );
    esc
      .command("stale")
      .description("Re-escalate what nobody acknowledged within the stale threshold (the deacon runs this)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const raised = await reescalateStale(ctx.town(), actor(ctx));
          if (ctx.json) return ctx.printJson(raised);
          if (raised.length === 0) return ctx.out("Nothing stale");
          for (const e of raised) ctx.out(`↑ ${line(e)}`);
        }),
      );
  },
};
