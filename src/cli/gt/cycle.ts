// gt cycle next|prev and gt town next|prev: tmux keybinding helpers that switch the client to
// the next session of its group (src/town/session-cycle.ts).
import type { Command } from "commander";
import { type CyclePlan, planCycle, runCycle } from "../../town/session-cycle.ts";
import { act, type GtGroup } from "./program.ts";

function register(parent: Command, word: "next" | "prev", townOnly: boolean): void {
  parent
    .command(word)
    .description(
      `Switch to the ${word === "next" ? "next" : "previous"} ${townOnly ? "town session (mayor, deacon)" : "session of the current group"}`,
    )
    .option("--session <name>", "the session to cycle from (a tmux binding passes #{session_name})")
    .option("--client <tty>", "the client to switch (a tmux binding passes #{client_tty})")
    .option("--dry-run", "only say which session the client would go to")
    .option("--json", "JSON output: {from, to, group, members, reason?}")
    .action(
      act(async (ctx, _args, opts) => {
        const plan: CyclePlan = await planCycle(ctx.town(), {
          direction: word === "next" ? 1 : -1,
          session: opts.session as string | undefined,
          townOnly,
          env: ctx.env,
        });
        if (opts.dryRun !== true)
          await runCycle(ctx.town(), plan, opts.client as string | undefined, ctx.env);
        if (ctx.json) return ctx.printJson(plan);
        // Run from a key binding, any output would cover the pane: only a dry run speaks.
        if (opts.dryRun !== true) return;
        ctx.out(plan.to ? `${plan.from} → ${plan.to} (${plan.group})` : `○ ${plan.from}: ${plan.reason}`);
      }),
    );
}

export const cycleGroup: GtGroup = {
  names: ["cycle", "town"],
  register(p: Command) {
    const cycle = p
      .command("cycle")
      .description("Cycle the tmux client between sessions of a group: town, a rig's crew, a rig's workers");
    register(cycle, "next", false);
    register(cycle, "prev", false);
    const town = p
      .command("town")
      .description("Town-level operations: cycle between the mayor and the deacon");
    register(town, "next", true);
    register(town, "prev", true);
  },
};
