// gt synthesis start|status|close: a convoy formula run's synthesis step (src/work/synthesis.ts).
import type { Command } from "commander";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { closeSynthesis, startSynthesis, synthesisState } from "../../work/synthesis.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);
const ICONS: Record<string, string> = { closed: "✓", hooked: "⟳", in_progress: "⟳" };

export const synthesisGroup: GtGroup = {
  names: ["synthesis", "synth"],
  register(p: Command) {
    const s = p
      .command("synthesis")
      .alias("synth")
      .description("Manage convoy synthesis steps: the step that combines a convoy formula's legs");

    s.command("status <convoy-id>")
      .description("Show whether a convoy is ready for synthesis: its legs, and the synthesis bead")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args) => {
          const st = await synthesisState(ctx.town(), args[0]!);
          if (ctx.json) return ctx.printJson(st);
          ctx.out(`Convoy: ${st.convoy.id} "${oneLine(st.convoy.title)}" (${st.convoy.status})`);
          if (st.formula) ctx.out(`Formula: ${st.formula}`);
          ctx.out(`\nLegs: ${st.legs_closed}/${st.legs.length} closed`);
          for (const l of st.legs)
            ctx.out(
              `  ${ICONS[l.status] ?? "○"} ${l.id}  ${oneLine(l.title)}  (${l.status}${l.assignee ? `, ${oneLine(l.assignee)}` : ""})`,
            );
          const y = st.synthesis;
          ctx.out(
            `\nSynthesis: ${y.id}  ${oneLine(y.title)}  (${y.status}${y.assignee ? `, ${oneLine(y.assignee)}` : ""})`,
          );
          if (st.started) ctx.out("Status: started");
          else if (st.ready) ctx.out(`Status: ready — gt synthesis start ${st.convoy.id}`);
          else ctx.out(`Status: waiting for ${st.legs.length - st.legs_closed} leg(s)`);
        }),
      );

    s.command("start <convoy-id>")
      .description("Start the synthesis: check every leg closed, then sling the synthesis bead")
      .option("--rig <rig>", "the rig whose polecat runs it (default: the rig that holds it)")
      .option("--dry-run", "show what would happen")
      .option("--force", "start even if some legs are still open")
      .option("--no-start", "hook it but start no session")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args, opts) => {
          const town = ctx.town();
          const r = await startSynthesis(town, ctx.provider(), args[0]!, {
            rig: opts.rig as string | undefined,
            force: opts.force === true,
            dryRun: opts.dryRun === true,
            noStart: opts.start === false,
            actor: actor(ctx),
            caller: callerIdentity(town.root, ctx.env, ctx.cwd),
          });
          const failed = (r.sling?.failures.length ?? 0) > 0 ? 1 : 0;
          if (ctx.json) {
            ctx.printJson(r);
            return failed;
          }
          const y = r.state.synthesis;
          if (r.dry_run) {
            ctx.out(`Would sling synthesis ${y.id} "${oneLine(y.title)}" to ${r.rig}`);
            ctx.out(`  legs closed: ${r.state.legs_closed}/${r.state.legs.length}`);
            return;
          }
          for (const o of r.sling?.outcomes ?? [])
            ctx.out(`✓ Synthesis ${o.bead} slung → ${oneLine(o.target)}`);
          for (const f of r.sling?.failures ?? []) ctx.out(`✗ ${f.bead}: ${oneLine(f.error)}`);
          return failed;
        }),
      );

    s.command("close <convoy-id>")
      .description("Close the convoy once its synthesis is done")
      .option("--force", "close it even though the synthesis bead is still open")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args, opts) => {
          const r = await closeSynthesis(ctx.town(), args[0]!, {
            force: opts.force === true,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.already_closed) return ctx.out(`○ Convoy ${r.convoy} is already closed`);
          ctx.out(`✓ Convoy closed: ${r.convoy}`);
        }),
      );
  },
};
