// gt info: which gt this is (version, Node it runs on, where it is installed, the commit of
// a git checkout) and the town you are in, if any; gt health: is that town in working order.
import { realpathSync } from "node:fs";
import type { Command } from "commander";
import { runCommand } from "../../adapters/process.ts";
import { townHealth } from "../../agents/town-health.ts";
import { packageRoot } from "../../package-paths.ts";
import { findTownRoot, Town } from "../../town/workspace.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

async function gitOf(dir: string, args: string[]): Promise<string | null> {
  try {
    return (await runCommand("git", ["-C", dir, ...args])).stdout.trim() || null;
  } catch {
    return null;
  }
}

export const infoGroup: GtGroup = {
  names: ["info", "health"],
  register(p: Command) {
    p.command("info")
      .description(
        "This gt: version, Node runtime, install path, commit (in a checkout), and the town you are in",
      )
      .option(
        "--json",
        "JSON output: {version, node, package_root, commit, branch, town: {root, name, rigs} | null}",
      )
      .action(
        act(async (ctx) => {
          const root = packageRoot();
          // Only a checkout of gt itself has a commit worth naming (not a repo it sits inside).
          const top = await gitOf(root, ["rev-parse", "--show-toplevel"]);
          const real = (p: string) => {
            try {
              return realpathSync(p);
            } catch {
              return p;
            }
          };
          const commit =
            top !== null && real(top) === real(root)
              ? await gitOf(root, ["rev-parse", "--short=12", "HEAD"])
              : null;
          const branch = commit ? await gitOf(root, ["rev-parse", "--abbrev-ref", "HEAD"]) : null;
          const townRoot = findTownRoot(ctx.cwd, ctx.env);
          const town = townRoot ? new Town(townRoot) : undefined;
          const info = {
            version: GT_VERSION,
            node: process.versions.node,
            package_root: root,
            commit,
            branch,
            town: town ? { root: town.root, name: town.townJson().name, rigs: town.rigNames() } : null,
          };
          if (ctx.json) return ctx.printJson(info);
          ctx.out(`Gas Town (TypeScript) gt ${info.version} on Node ${info.node}`);
          ctx.out(`  installed at ${root}${commit ? ` (${branch ?? "detached"}@${commit})` : ""}`);
          ctx.out(
            info.town
              ? `  town ${info.town.name} at ${info.town.root}: ${info.town.rigs.length} rig(s)${info.town.rigs.length ? ` (${info.town.rigs.join(", ")})` : ""}`
              : "  not inside a town (gt install <dir> makes one)",
          );
        }),
      );

    p.command("health")
      .description(
        "Is the town in working order: ledgers read and export, the daemon, stuck or dead agents (exit 1 when not)",
      )
      .option("--json", "JSON output: {at, healthy, problems, ledgers, daemon, agents}")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const h = await townHealth(town, ctx.provider());
          if (ctx.json) {
            ctx.printJson(h);
            return h.healthy ? 0 : 1;
          }
          ctx.out(
            `${h.healthy ? "✓ healthy" : `✗ ${h.problems.length} problem(s)`}: town ${town.townJson().name}`,
          );
          for (const l of h.ledgers)
            ctx.out(
              `  ${l.ok ? "✓" : "✗"} ledger ${(l.rig ?? "hq (town)").padEnd(12)} ${l.ok ? `${l.issues} bead(s), ${l.open} open${l.jsonl_behind_seconds === null ? ", no JSONL export yet" : ""}` : l.error}`,
            );
          const d = h.daemon;
          ctx.out(
            `  ${d.running ? `✓ daemon running (pid ${d.pid})` : "○ daemon not running (gt daemon start)"}`,
          );
          ctx.out(`  agents: ${h.agents.running} of ${h.agents.total} running`);
          for (const pr of h.problems) ctx.out(`  ✗ ${pr}`);
          return h.healthy ? 0 : 1;
        }),
      );
  },
};
