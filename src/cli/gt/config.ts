// gt config: agent definitions and the town's default agent.
import type { Command } from "commander";
import { NotFoundError } from "../../errors.ts";
import { getDefaultAgent, removeAgent, setAgent, setDefaultAgent } from "../../town/agent-config.ts";
import { listAgents } from "../../town/agent-resolve.ts";
import { act, type GtGroup } from "./program.ts";

export const configGroup: GtGroup = {
  names: ["config"],
  register(p: Command) {
    const config = p.command("config").description("Town configuration: agents and defaults");
    const agent = config.command("agent").description("Agent definitions (built-in presets and your own)");
    agent
      .command("list")
      .alias("ls")
      .description("Every agent this town can run")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const agents = listAgents(town.root);
          const def = getDefaultAgent(town.root);
          if (ctx.json) return ctx.printJson({ default_agent: def, agents });
          for (const a of agents) {
            const mark = a.name === def ? "*" : " ";
            ctx.out(
              `${mark} ${a.name.padEnd(14)} ${[a.command, ...a.args].join(" ")}${a.builtin ? "" : `  (${a.source})`}`,
            );
          }
        }),
      );
    agent
      .command("get <name>")
      .alias("show")
      .description("One agent's definition")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const agents = listAgents(ctx.town().root);
          const a = agents.find((x) => x.name === name);
          if (!a)
            throw new NotFoundError(
              name!,
              `unknown agent "${name}" (agents: ${agents.map((x) => x.name).join(", ")})`,
            );
          if (ctx.json) return ctx.printJson(a);
          ctx.out(`${a.name}: ${[a.command, ...a.args].join(" ")} (${a.builtin ? "built-in" : a.source})`);
        }),
      );
    agent
      .command("set <name> <command...>")
      .description("Define or override an agent: gt config agent set fast claude --model haiku")
      .option("--json", "JSON output")
      .allowUnknownOption(true)
      .action(
        act(async (ctx, [name, ...command]) => {
          const saved = setAgent(ctx.town().root, name!, command);
          if (ctx.json) return ctx.printJson(saved);
          ctx.out(`✓ Agent ${name} set`);
        }),
      );
    agent
      .command("remove <name>")
      .alias("rm")
      .description("Remove your agent definition (built-ins cannot be removed)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          removeAgent(ctx.town().root, name!);
          if (ctx.json) return ctx.printJson({ removed: name });
          ctx.out(`✓ Agent ${name} removed`);
        }),
      );
    config
      .command("default-agent [name]")
      .description("Show or set the town's default agent")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const root = ctx.town().root;
          if (name) setDefaultAgent(root, name);
          const current = getDefaultAgent(root);
          if (ctx.json) return ctx.printJson({ default_agent: current });
          ctx.out(name ? `✓ Default agent is now ${current}` : current);
        }),
      );
  },
};
