// gt theme [name] | apply | cli [mode]: a rig's tmux status-line colours and the CLI's colour
// scheme (src/town/tmux-theme.ts; cli_theme in the town's settings).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { getConfig, setConfig } from "../../town/config-keys.ts";
import {
  applyThemes,
  DEACON_THEME,
  MAYOR_THEME,
  type RigTheme,
  rigTheme,
  setRigTheme,
  THEME_PALETTE,
  themeStyle,
} from "../../town/tmux-theme.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";
import { rigOf as rigOfCaller } from "./targets.ts";

/** --rig, else GT_RIG (the shell integration exports it inside a rig), else where the caller is. */
function rigOf(ctx: GtContext, opts: Record<string, unknown>): string {
  return rigOfCaller(ctx, { rig: opts.rig ?? (ctx.env.GT_RIG || undefined) });
}

const CLI_MODES = ["auto", "dark", "light"];

function themeJson(t: RigTheme) {
  return {
    rig: t.rig,
    theme: t.theme?.name ?? null,
    bg: t.theme?.bg ?? null,
    fg: t.theme?.fg ?? null,
    style: t.theme ? themeStyle(t.theme) : null,
    source: t.source,
  };
}

function printTheme(ctx: GtContext, t: RigTheme): void {
  ctx.out(`Rig: ${t.rig}`);
  ctx.out(
    t.theme
      ? `Theme: ${t.theme.name} (${themeStyle(t.theme)}, ${t.source === "auto" ? "default auto-assignment" : t.source})`
      : "Theme: none (tmux theming disabled for this rig)",
  );
}

export const themeGroup: GtGroup = {
  names: ["theme"],
  register(p: Command) {
    const theme = p
      .command("theme [name]")
      .description("View or set the tmux theme (status-line colours) of a rig; 'none' turns it off")
      .option("-l, --list", "list the themes")
      .option("--rig <rig>", "the rig (default: the one you are in)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          if (opts.list === true) {
            const rows = THEME_PALETTE.map((t) => ({ ...t, style: themeStyle(t) }));
            if (ctx.json) return ctx.printJson(rows);
            for (const r of rows) ctx.out(`  ${r.name.padEnd(10)}  ${r.style}`);
            ctx.out(`  ${"none".padEnd(10)}  tmux theming off`);
            ctx.out(`  ${MAYOR_THEME.name.padEnd(10)}  ${themeStyle(MAYOR_THEME)} (the mayor's session)`);
            ctx.out(`  ${DEACON_THEME.name.padEnd(10)}  ${themeStyle(DEACON_THEME)} (the deacon's session)`);
            return;
          }
          const town = ctx.town();
          const rig = rigOf(ctx, opts);
          if (!name) {
            const t = rigTheme(town, rig);
            if (ctx.json) return ctx.printJson(themeJson(t));
            return printTheme(ctx, t);
          }
          const t = setRigTheme(town, rig, name);
          if (ctx.json) return ctx.printJson(themeJson(t));
          ctx.out(
            t.theme ? `✓ Theme '${t.theme.name}' saved for rig ${rig}` : `✓ tmux theming off for rig ${rig}`,
          );
          ctx.out("Run 'gt theme apply' to colour its running sessions.");
        }),
      );
    theme
      .command("apply")
      .description("Colour the running sessions of the rig (--all: every rig, the mayor and the deacon)")
      .option("-a, --all", "every rig and the town's own sessions")
      .option("--json", "JSON output: {applied: [{session, rig, style, theme}]}")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const all = opts.all === true;
          const rigs = all ? town.rigNames() : [rigOf(ctx, opts)];
          const applied = await applyThemes(town, rigs, { includeTown: all, env: ctx.env });
          if (ctx.json) return ctx.printJson({ applied });
          if (applied.length === 0) return ctx.out("No running sessions to theme.");
          for (const a of applied)
            ctx.out(`  ${a.session}: ${a.style ? `applied ${a.theme} (${a.style})` : "tmux theming off"}`);
          ctx.out(`Applied to ${applied.length} session(s).`);
        }),
      );
    theme
      .command("cli [mode]")
      .description("View or set the CLI colour scheme: auto, dark or light (GT_THEME overrides it)")
      .option("--json", "JSON output: {configured, override, effective}")
      .action(
        act(async (ctx, [mode], _opts) => {
          const root = ctx.town().root;
          if (mode !== undefined) {
            const m = mode.toLowerCase();
            if (!CLI_MODES.includes(m))
              throw new ValidationError(`invalid CLI theme "${mode}" (${CLI_MODES.join(", ")})`);
            setConfig(root, "cli_theme", m);
            if (ctx.json) return ctx.printJson({ cli_theme: m });
            return ctx.out(`✓ CLI theme set to ${m}`);
          }
          const configured = getConfig(root, "cli_theme").value;
          const env = ctx.env.GT_THEME?.toLowerCase();
          const override = env && CLI_MODES.includes(env) ? env : null;
          const effective = override ?? configured;
          if (ctx.json) return ctx.printJson({ configured, override, effective });
          ctx.out(`Configured: ${configured}`);
          if (override) ctx.out(`Override:   ${override} (GT_THEME)`);
          ctx.out(`Effective:  ${effective}`);
        }),
      );
  },
};
