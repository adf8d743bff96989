// gt enable / gt disable: the per-user switch for Gas Town's agent-CLI hooks (see
// src/town/gastown-switch.ts for what "disabled" stops).
import type { Command } from "commander";
import { type SwitchStatus, setGastownEnabled, switchStatus } from "../../town/gastown-switch.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

function report(ctx: GtContext, s: SwitchStatus): void {
  if (ctx.json) {
    ctx.printJson(s);
    return;
  }
  ctx.out(
    `Gas Town is ${s.enabled ? "enabled" : "disabled"} (${s.source === "env" ? "set by GASTOWN_ENABLED/GASTOWN_DISABLED" : s.source === "default" ? "default: no state file" : s.state_file})`,
  );
}

function register(p: Command, word: "enable" | "disable"): void {
  const on = word === "enable";
  p.command(word)
    .description(
      on
        ? "Enable Gas Town's hooks for every agent CLI (prime, mail inject, guards, stop signal)"
        : "Disable Gas Town's hooks: they exit 0 and print nothing until gt enable",
    )
    .option("--status", "only show whether Gas Town is enabled, and what decided it")
    .option("--json", "JSON output: {enabled, source, state_file}")
    .action(
      act(async (ctx, _args, opts) => {
        if (opts.status === true) {
          report(ctx, switchStatus(ctx.env));
          return;
        }
        const s = setGastownEnabled(on, ctx.env);
        if (ctx.json) return ctx.printJson(s);
        ctx.out(`✓ Gas Town ${on ? "enabled" : "disabled"}`);
        if (s.enabled !== on)
          ctx.warn(`note: ${on ? "GASTOWN_DISABLED" : "GASTOWN_ENABLED"}=1 in this shell overrides it`);
        if (!on)
          ctx.out(
            "Hooks (gt prime --hook, gt mail check --inject, gt tap guard, gt signal stop) now do nothing.",
          );
      }),
    );
}

export const enableGroup: GtGroup = {
  names: ["enable", "disable"],
  register(p: Command) {
    register(p, "enable");
    register(p, "disable");
  },
};
