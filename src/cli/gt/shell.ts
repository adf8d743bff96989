// gt shell install|remove|status: the rc-file hook that exports GT_TOWN_ROOT and GT_RIG in
// a town (src/town/shell-integration.ts).
import type { Command } from "commander";
import { switchStatus } from "../../town/gastown-switch.ts";
import {
  chooseShell,
  hookScriptPath,
  installShell,
  rcFile,
  removeShell,
  SHELLS,
  shellInstalled,
} from "../../town/shell-integration.ts";
import { act, type GtGroup } from "./program.ts";

export const shellGroup: GtGroup = {
  names: ["shell"],
  register(p: Command) {
    const shell = p
      .command("shell")
      .description("Shell integration: export GT_TOWN_ROOT and GT_RIG when your shell is in a town");
    shell
      .command("install")
      .description("Add (or update) the hook in ~/.bashrc or ~/.zshrc")
      .option("--shell <shell>", "bash or zsh (default: from $SHELL)")
      .option("--json", "JSON output: {shell, rc_file, hook_script, changed}")
      .action(
        act(async (ctx, _args, opts) => {
          const r = installShell(chooseShell(opts.shell as string | undefined, ctx.env), ctx.env);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ shell integration ${r.changed ? "installed" : "updated"} (${r.rc_file})`);
          ctx.out(`Run 'source ${r.rc_file}' or open a new terminal to use it.`);
        }),
      );
    shell
      .command("remove")
      .description("Take the hook out of ~/.bashrc or ~/.zshrc")
      .option("--shell <shell>", "bash or zsh (default: from $SHELL)")
      .option("--json", "JSON output: {shell, rc_file, hook_script, changed}")
      .action(
        act(async (ctx, _args, opts) => {
          const r = removeShell(chooseShell(opts.shell as string | undefined, ctx.env), ctx.env);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            r.changed
              ? `✓ shell integration removed from ${r.rc_file}`
              : `○ ${r.rc_file} had no Gas Town hook`,
          );
        }),
      );
    shell
      .command("status")
      .description("Whether Gas Town is enabled and which rc files have the hook")
      .option("--json", "JSON output: {enabled, installed: [shell], hook_script}")
      .action(
        act(async (ctx) => {
          const installed = SHELLS.filter((s) => shellInstalled(s, ctx.env));
          const enabled = switchStatus(ctx.env).enabled;
          if (ctx.json) return ctx.printJson({ enabled, installed, hook_script: hookScriptPath(ctx.env) });
          ctx.out(`Gas Town: ${enabled ? "enabled" : "disabled"}`);
          ctx.out(
            installed.length
              ? `Shell integration: ${installed.map((s) => `${s} (${rcFile(s, ctx.env)})`).join(", ")}`
              : "Shell integration: not installed",
          );
        }),
      );
  },
};
