// gt install: create a town.

import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { installTown } from "../../town/install.ts";
import type { ShellName } from "../../town/shell-integration.ts";
import { Town } from "../../town/workspace.ts";
import type { GtContext } from "./context.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

interface InstallExtras {
  shell?: { shell: string; rc_file: string };
  wrappers?: string[];
  supervisor?: { file: string; activate: string[] };
}

/** --shell, --wrappers and --supervisor: what a user gets beside the town itself. */
async function installExtras(
  ctx: GtContext,
  root: string,
  shell: ShellName | undefined,
  opts: Record<string, unknown>,
): Promise<InstallExtras> {
  const out: InstallExtras = {};
  if (shell) {
    const { installShell, rcFile } = await import("../../town/shell-integration.ts");
    const { setGastownEnabled } = await import("../../town/gastown-switch.ts");
    installShell(shell, ctx.env);
    setGastownEnabled(true, ctx.env);
    out.shell = { shell, rc_file: rcFile(shell, ctx.env) };
  }
  if (opts.wrappers) out.wrappers = (await import("../../town/wrappers.ts")).installWrappers(ctx.env);
  if (opts.supervisor) {
    const { writeSupervisor } = await import("../../watch/daemon-upkeep.ts");
    const s = writeSupervisor(new Town(root), ctx.env);
    out.supervisor = { file: s.file, activate: s.activate };
  }
  return out;
}

export const installGroup: GtGroup = {
  names: ["install"],
  register(p: Command) {
    p.command("install [path]")
      .description("Create a town (default ~/gt): registry, settings, role homes, the town ledger")
      .option("--name <name>", "town name (default: the directory name)")
      .option("--owner <email>", "owner email (default: git user.email)")
      .option("--public-name <name>", "public name")
      .option("-f, --force", "re-run on an existing town, keeping what is there")
      .option("--git", "make the town a git repository")
      .option("--no-beads", "skip the town ledger")
      .option("--provider <kind>", "runtime for agent sessions: tmux (default) or subprocess")
      .option("--shell", "also install the shell integration (gt shell install) and enable Gas Town")
      .option("--wrappers", "also write ~/bin/gt-codex, gt-gemini, gt-opencode: gt prime, then the agent")
      .option("--supervisor", "also write the daemon's systemd user unit (launchd agent on macOS)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args, opts) => {
          const provider = opts.provider as string | undefined;
          if (provider !== undefined && provider !== "tmux" && provider !== "subprocess")
            throw new ValidationError(`unknown provider "${provider}" (use tmux or subprocess)`);
          const path = args[0] ?? join(homedir(), "gt");
          // Which shell, asked before anything is made: an unknown one stops the whole install.
          const shell = opts.shell
            ? (await import("../../town/shell-integration.ts")).chooseShell(undefined, ctx.env)
            : undefined;
          const r = await installTown(path, {
            name: opts.name as string | undefined,
            owner: opts.owner as string | undefined,
            publicName: opts.publicName as string | undefined,
            force: opts.force === true,
            git: opts.git === true,
            noBeads: opts.beads === false,
            provider,
            version: GT_VERSION,
          });
          const extras = await installExtras(ctx, r.root, shell, opts);
          if (ctx.json) return ctx.printJson({ ...r, ...extras });
          ctx.out(`✓ Town "${r.name}" ready at ${r.root}`);
          if (r.kept.length) ctx.out(`  kept: ${r.kept.join(", ")}`);
          if (r.created.length) ctx.out(`  created: ${r.created.join(", ")}`);
          if (extras.shell) ctx.out(`  ✓ shell integration in ${extras.shell.rc_file}; Gas Town enabled`);
          if (extras.wrappers) ctx.out(`  ✓ wrappers: ${extras.wrappers.join(", ")}`);
          if (extras.supervisor)
            ctx.out(
              `  ✓ supervisor: ${extras.supervisor.file} (load it: ${extras.supervisor.activate.join(" ")})`,
            );
          ctx.out(`\nNext: cd ${r.root} && gt rig add <name> <git-url|path>`);
        }),
      );
  },
};
