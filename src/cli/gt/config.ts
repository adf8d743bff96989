// gt config: agent definitions and the town's default agent.
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { getDefaultAgent, removeAgent, setAgent, setDefaultAgent } from "../../town/agent-config.ts";
import { listAgents } from "../../town/agent-resolve.ts";
import { CONFIG_KEYS, costTier, getConfig, setConfig, setCostTier } from "../../town/config-keys.ts";
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
      .command("set <key> <value>")
      .description("Set a town setting by dot-notation key (gt config get --list shows the keys)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [key, value]) => {
          const r = setConfig(ctx.town().root, key!, value!);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ ${r.key} = ${r.value}`);
        }),
      );
    config
      .command("get [key]")
      .description("A town setting by dot-notation key (its default when unset); --list: every key")
      .option("--list", "every key with its value and what it does")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [key], opts) => {
          const root = ctx.town().root;
          if (opts.list === true || key === undefined) {
            if (key !== undefined) throw new ValidationError("--list takes no key");
            const rows = Object.entries(CONFIG_KEYS).map(([k, d]) => ({
              ...getConfig(root, k),
              description: d.description,
            }));
            if (ctx.json) return ctx.printJson(rows);
            for (const r of rows)
              ctx.out(
                `${r.key.padEnd(28)} ${r.value.padEnd(14)} ${r.set ? "" : "(default) "}${r.description}`,
              );
            return;
          }
          const r = getConfig(root, key);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(r.value);
        }),
      );
    config
      .command("agent-email-domain [domain]")
      .description(
        "Show or set the domain of agents' commit emails (rig/crew/jack -> rig.crew.jack@<domain>)",
      )
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [domain]) => {
          const root = ctx.town().root;
          if (domain !== undefined) setConfig(root, "agent_email_domain", domain);
          const r = getConfig(root, "agent_email_domain");
          if (ctx.json) return ctx.printJson({ agent_email_domain: r.value, set: r.set });
          ctx.out(domain !== undefined ? `✓ Agent email domain is now ${r.value}` : r.value);
        }),
      );
    config
      .command("cost-tier [tier]")
      .description(
        "Show or set the cost tier: standard (all Opus), economy, budget — which model each role runs",
      )
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [tier]) => {
          const root = ctx.town().root;
          const r =
            tier !== undefined ? setCostTier(root, tier) : { ...costTier(root), replaced_custom: false };
          if (ctx.json) return ctx.printJson(r);
          if (r.replaced_custom) ctx.warn("Warning: replaced a hand-made role_agents configuration");
          ctx.out(
            `${tier !== undefined ? "✓ Cost tier set to" : "Cost tier:"} ${r.tier}\n  ${r.description}`,
          );
          const roles = Object.entries(r.role_agents);
          if (roles.length) {
            ctx.out("\nRole assignments:");
            for (const [role, agent] of roles) ctx.out(`  ${role.padEnd(10)} ${agent}`);
          }
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
