// gt notify (notification level), gt resume (handoff notes waiting for you) and
// gt callbacks process (the mayor's protocol mail, handled by subject).
import type { Command } from "commander";
import { processCallbacks } from "../../comms/callbacks.ts";
import { inbox, OVERSEER } from "../../comms/mail.ts";
import { NOTIFY_LEVELS, type NotifyLevel, notifyLevel, setNotifyLevel } from "../../comms/nudge.ts";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor, callerIdentity } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { block, oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function me(ctx: GtContext, what: string) {
  const town = ctx.town();
  const id = callerIdentity(town.root, ctx.env, ctx.cwd);
  if (!id) throw new ValidationError(`${what} is for agents: run it in an agent's session or directory`);
  return id;
}

export const callbacksGroup: GtGroup = {
  names: ["notify", "resume", "callbacks"],
  register(p: Command) {
    p.command("notify [level]")
      .description(
        "Your notification level: verbose, normal (default) or muted (do not disturb); none shows it",
      )
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [level]) => {
          const town = ctx.town();
          const id = me(ctx, "gt notify");
          if (level !== undefined) {
            if (!(NOTIFY_LEVELS as readonly string[]).includes(level))
              throw new ValidationError(`unknown level "${level}" (${NOTIFY_LEVELS.join(", ")})`);
            await setNotifyLevel(town, id, level as NotifyLevel, addressOf(id));
          }
          const now = await notifyLevel(town, id);
          if (ctx.json) return ctx.printJson({ agent: addressOf(id), level: now, dnd: now === "muted" });
          const icon = now === "muted" ? "🔕" : now === "verbose" ? "🔊" : "🔔";
          ctx.out(
            `${icon} ${addressOf(id)}: notifications ${now}${level ? "" : " (gt notify verbose|normal|muted)"}`,
          );
        }),
      );
    p.command("resume")
      .description("Handoff notes waiting in your inbox (subjects with HANDOFF), to carry on from")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const id = callerIdentity(town.root, ctx.env, ctx.cwd);
          const box = id ? addressOf(id) : OVERSEER;
          const notes = (await inbox(town, box)).filter((m) => /HANDOFF/i.test(m.subject));
          if (ctx.json) return ctx.printJson(notes);
          if (notes.length === 0)
            return ctx.out("○ No handoff messages in inbox (handoff notes have HANDOFF in the subject)");
          ctx.out(`🤝 ${notes.length} handoff message(s):\n`);
          for (const m of notes) {
            ctx.out(`━━ ${m.id}  ${oneLine(m.subject)}`);
            ctx.out(`From: ${oneLine(m.from)}  Date: ${m.created_at}${m.pinned ? "  📌" : ""}`);
            if (m.body) ctx.out(`\n${block(m.body)}\n`);
          }
          ctx.out("→ Read with: gt mail read <id>");
        }),
      );
    const cb = p
      .command("callbacks")
      .description("Callbacks: protocol mail to the mayor, handled by subject");
    cb.command("process")
      .description(
        "Handle the mayor's unread protocol mail: POLECAT_DONE, MERGED/MERGE_FAILED, HELP:, ESCALATION:, SLING_REQUEST:",
      )
      .option("-n, --dry-run", "say what would be done; change nothing")
      .option("-v, --verbose", "show each message's sender and subject")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const dryRun = opts.dryRun === true;
          const actor = callerActor(town.root, ctx.env, ctx.cwd);
          const results = await processCallbacks(town, {
            dryRun,
            hooks: {
              async sling(bead, target, dry) {
                const { sling } = await import("../../work/sling.ts");
                const report = await sling(town, ctx.provider(), [bead], target ?? undefined, {
                  actor,
                  dryRun: dry,
                });
                const failed = report.failures[0];
                if (failed) throw new ValidationError(failed.error);
                const o = report.outcomes[0];
                return `${dry ? "would sling" : "slung"} ${bead} to ${o?.target ?? target ?? "?"}`;
              },
            },
          });
          if (ctx.json) return ctx.printJson({ dry_run: dryRun, results });
          if (results.length === 0) return ctx.out("○ No pending callbacks");
          ctx.out(`● ${results.length} callback(s)`);
          for (const r of results) {
            const mark = r.error ? "✗" : r.handled ? "✓" : "○";
            ctx.out(
              `  ${mark} [${r.type}] ${r.error ? `${oneLine(r.subject)}: ${oneLine(r.error)}` : r.action}`,
            );
            if (opts.verbose) ctx.out(`      From: ${oneLine(r.from)}\n      Subject: ${oneLine(r.subject)}`);
          }
          const handled = results.filter((r) => r.handled).length;
          const errors = results.filter((r) => r.error).length;
          ctx.out(
            `\n${dryRun ? "○ Dry run: would handle" : "✓ Handled"} ${handled}/${results.length}${errors ? ` (${errors} error(s))` : ""}`,
          );
          return errors ? 1 : 0;
        }),
      );
  },
};
