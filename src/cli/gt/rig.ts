// gt rig: add, list, status, remove.
import type { Command } from "commander";
import { type AgentStatus, agentStatuses } from "../../agents/inventory.ts";
import { ConflictError } from "../../errors.ts";
import { addRig, listRigs, removeRig, rigSummary } from "../../town/rig.ts";
import { formatAgentLine } from "./format.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

export const rigGroup: GtGroup = {
  names: ["rig"],
  register(p: Command) {
    const rig = p.command("rig").description("Manage rigs (git projects in the town)");
    rig
      .command("add <name> <source>")
      .description("Add a rig from a git URL or a local repository path")
      .option("--prefix <prefix>", "bead prefix (default: derived from the name)")
      .option("--branch <branch>", "default branch (default: the repository's HEAD)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name, source], opts) => {
          const r = await addRig(ctx.town(), name!, source!, {
            prefix: opts.prefix as string | undefined,
            branch: opts.branch as string | undefined,
            cwd: ctx.cwd,
            version: GT_VERSION,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `✓ Rig ${r.name} added (prefix ${r.prefix}-, branch ${r.default_branch}, polecat names: ${r.namepool_theme})`,
          );
          ctx.out(`  ${r.path}`);
        }),
      );
    rig
      .command("list")
      .alias("ls")
      .description("List rigs")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const rigs = listRigs(ctx.town());
          if (ctx.json) return ctx.printJson(rigs);
          if (rigs.length === 0) return ctx.out("No rigs yet (gt rig add <name> <git-url|path>)");
          for (const r of rigs) ctx.out(`${r.name}  ${r.prefix}-  ${r.default_branch}  ${r.git_url}`);
        }),
      );
    rig
      .command("status [name]")
      .description("A rig's agents, crew and polecats (all rigs without a name)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const town = ctx.town();
          const names = name ? [town.rig(name).name] : town.rigNames();
          const agents = await agentStatuses(town, ctx.provider(), { rigs: names });
          const out = names.map((n) => ({
            ...rigSummary(town, n),
            agents: agents.filter((a) => a.rig === n),
          }));
          if (ctx.json) return ctx.printJson(name ? out[0] : out);
          for (const r of out) {
            ctx.out(`${r.name} (${r.prefix}-, ${r.default_branch}) ${r.git_url}`);
            for (const a of r.agents as AgentStatus[]) ctx.out(`  ${formatAgentLine(a)}`);
          }
        }),
      );
    rig
      .command("remove <name>")
      .alias("rm")
      .description("Unregister a rig (its files stay on disk)")
      .option("-f, --force", "stop its running sessions first")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          town.rig(name!);
          const running = (await agentStatuses(town, ctx.provider(), { rigs: [name!] })).filter(
            (a) => a.state !== "stopped",
          );
          if (running.length && opts.force !== true) {
            throw new ConflictError(
              "rig_busy",
              `rig ${name} has running sessions (${running.map((a) => a.session).join(", ")}); stop them or use --force`,
            );
          }
          for (const a of running) await ctx.provider().stop(a.session);
          const r = await removeRig(town, name!);
          if (ctx.json)
            return ctx.printJson({ removed: r.name, path: r.path, stopped: running.map((a) => a.session) });
          ctx.out(`✓ Rig ${r.name} removed from the town (files kept at ${r.path})`);
        }),
      );
  },
};
