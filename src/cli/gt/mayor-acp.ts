// gt mayor acp: the mayor headless over the Agent Client Protocol (src/agents/mayor-acp.ts).
// stdout belongs to the protocol: nothing else is printed there.
import type { Command } from "commander";
import { Town } from "../../town/workspace.ts";
import { act } from "./program.ts";

export function registerMayorAcp(mayor: Command): void {
  mayor
    .command("acp")
    .description(
      "Run the mayor headless for an IDE: the Agent Client Protocol (JSON-RPC lines) on stdin/stdout, relayed to the mayor's agent; nudges reach it as prompts",
    )
    .option("--rig <rig>", "rig name (overrides GT_RIG)")
    .option("--town <dir>", "town root directory (overrides GT_TOWN_ROOT)")
    .option("--agent <name>", "the agent to run (must speak ACP; default: the mayor's)")
    .action(
      act(async (ctx, _args, opts) => {
        const { runMayorAcp } = await import("../../agents/mayor-acp.ts");
        const town = typeof opts.town === "string" ? Town.find(opts.town, {}) : ctx.town();
        return runMayorAcp(town, ctx.provider(), {
          agent: opts.agent as string | undefined,
          rig: (opts.rig as string | undefined) ?? (ctx.env.GT_RIG || undefined),
          env: ctx.env,
          input: process.stdin,
          output: process.stdout,
        });
      }),
    );
}
