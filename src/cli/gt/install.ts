// gt install: create a town.

import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { installTown } from "../../town/install.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

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
      .option("--json", "JSON output")
      .action(
        act(async (ctx, args, opts) => {
          const provider = opts.provider as string | undefined;
          if (provider !== undefined && provider !== "tmux" && provider !== "subprocess")
            throw new ValidationError(`unknown provider "${provider}" (use tmux or subprocess)`);
          const path = args[0] ?? join(homedir(), "gt");
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
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ Town "${r.name}" ready at ${r.root}`);
          if (r.kept.length) ctx.out(`  kept: ${r.kept.join(", ")}`);
          if (r.created.length) ctx.out(`  created: ${r.created.join(", ")}`);
          ctx.out(`\nNext: cd ${r.root} && gt rig add <name> <git-url|path>`);
        }),
      );
  },
};
