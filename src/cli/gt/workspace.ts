// gt whoami (who gt takes you for: mail, bead writes) and gt namepool (a rig's polecat names).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { gitInitTown } from "../../town/install.ts";
import { themeMembers, themeNames } from "../../town/namepool.ts";
import {
  addPoolName,
  createTheme,
  customThemeNames,
  deleteTheme,
  type RigPool,
  rigPool,
  setRigTheme,
  themeNamesOf,
} from "../../town/namepool-config.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";
import { rigOf } from "./targets.ts";

const ENV_KEYS = ["GT_ROLE", "GT_RIG", "GT_POLECAT", "GT_CREW", "BD_ACTOR"];

function whoami(ctx: GtContext) {
  const town = ctx.town();
  const fromEnv = identityFromEnv(ctx.env);
  const fromPath = fromEnv ? undefined : identityFromPath(town.root, ctx.cwd);
  const id = fromEnv ?? fromPath;
  const identity = callerActor(town.root, ctx.env, ctx.cwd);
  const source = fromEnv ? "env" : fromPath ? "cwd" : ctx.env.BD_ACTOR ? "BD_ACTOR" : "user";
  const env = Object.fromEntries(ENV_KEYS.filter((k) => ctx.env[k]).map((k) => [k, ctx.env[k]!]));
  if (ctx.json)
    return ctx.printJson({
      identity,
      source,
      role: id?.role ?? null,
      rig: id?.rig ?? null,
      name: id?.name ?? null,
      town: town.root,
      env,
    });
  ctx.out(`Identity: ${identity}`);
  if (source === "env")
    ctx.out(
      `Source: ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  else if (source === "cwd")
    ctx.out(`Source: the working directory (${addressOf(id!)}'s workspace; no GT_ROLE set)`);
  else if (source === "BD_ACTOR") ctx.out("Source: BD_ACTOR (no GT_ROLE set, not in an agent's workspace)");
  else
    ctx.out("Source: your login name (no GT_ROLE set, not in an agent's workspace: a person at a terminal)");
}

function printPool(ctx: GtContext, p: RigPool): void {
  ctx.out(
    `Rig ${p.rig}: theme ${p.theme}${p.custom ? " (the rig's own list of names)" : ""}, ${p.names.length} names`,
  );
  ctx.out(`  in use: ${p.in_use.length ? p.in_use.join(", ") : "none"}`);
  const free = p.names.filter((n) => !p.in_use.includes(n));
  ctx.out(`  next: ${free.slice(0, 5).join(", ") || "numbers (the pool is used up)"}`);
}

function registerNamepool(p: Command): void {
  const np = p
    .command("namepool")
    .description("A rig's polecat name pool: show it, list themes, switch theme, add names")
    .option("--rig <rig>", "the rig (default: the one you are in)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, opts) => {
        const pool = rigPool(ctx.town(), rigOf(ctx, opts));
        if (ctx.json) return ctx.printJson(pool);
        printPool(ctx, pool);
      }),
    );
  const rigOpt = (o: Record<string, unknown>) => ({ ...o, rig: o.rig ?? np.opts().rig });
  np.command("themes [theme]")
    .description("The themes, built-in and the town's own (or one theme's names)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [theme]) => {
        const town = ctx.town();
        if (theme) {
          const names = themeNamesOf(town, theme);
          if (!names)
            throw new ValidationError(
              `unknown theme "${theme}" (themes: ${[...themeNames(), ...customThemeNames(town)].join(", ")})`,
            );
          if (ctx.json) return ctx.printJson({ theme, names });
          return ctx.out(`${theme}: ${names.join(", ")}`);
        }
        const rows = [...themeNames(), ...customThemeNames(town)].map((t) => {
          const names = themeNamesOf(town, t)!;
          return {
            theme: t,
            builtin: themeMembers(t) !== undefined,
            names: names.length,
            first: names.slice(0, 5),
          };
        });
        if (ctx.json) return ctx.printJson(rows);
        for (const r of rows)
          ctx.out(
            `${r.theme.padEnd(10)} ${r.names} names${r.builtin ? "" : " (this town's)"}: ${r.first.join(", ")}, …`,
          );
      }),
    );
  np.command("create <theme> <names...>")
    .description("Create a theme of this town's own (settings/themes/<theme>.txt) for gt namepool set")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [theme, ...names]) => {
        const r = createTheme(ctx.town(), theme!, names);
        if (ctx.json) return ctx.printJson(r);
        ctx.out(`✓ Theme ${r.theme}: ${r.names.length} name(s)`);
      }),
    );
  np.command("delete <theme>")
    .description("Delete a theme of this town's own (refused while a rig names polecats from it)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [theme]) => {
        const r = deleteTheme(ctx.town(), theme!);
        if (ctx.json) return ctx.printJson(r);
        ctx.out(`✓ Theme ${r.theme} deleted`);
      }),
    );
  np.command("set <theme>")
    .description("Switch the rig's pool to a theme (polecats already named keep their names)")
    .option("--rig <rig>", "the rig (default: the one you are in)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [theme], o) => {
        const pool = setRigTheme(ctx.town(), rigOf(ctx, rigOpt(o)), theme!);
        if (ctx.json) return ctx.printJson(pool);
        ctx.out(`✓ Rig ${pool.rig} now names new polecats from ${pool.theme}`);
      }),
    );
  np.command("reset")
    .description("Give the pool back the names of polecats that hold nothing (no sandbox, no live identity)")
    .option("--rig <rig>", "the rig (default: the one you are in)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _a, o) => {
        // Loaded here: gt whoami, in the same group, runs often and needs none of the polecat code.
        const { resetNamepool } = await import("../../work/namepool-reset.ts");
        const r = await resetNamepool(ctx.town(), rigOf(ctx, rigOpt(o)));
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          `✓ Pool reset for rig ${r.rig}: ${r.released.length} name(s) released${r.released.length ? ` (${r.released.join(", ")})` : ""}, ${r.kept.length} in use`,
        );
      }),
    );
  np.command("add <name>")
    .description("Add a name to the rig's pool")
    .option("--rig <rig>", "the rig (default: the one you are in)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], o) => {
        const r = addPoolName(ctx.town(), rigOf(ctx, rigOpt(o)), name!);
        if (ctx.json) return ctx.printJson({ ...r.pool, added: r.added });
        ctx.out(
          r.added
            ? `✓ Added ${name} to ${r.pool.rig}'s pool`
            : `○ ${name} is already in ${r.pool.rig}'s pool`,
        );
      }),
    );
}

export const workspaceGroup: GtGroup = {
  names: ["whoami", "namepool", "git-init"],
  register(p: Command) {
    p.command("git-init")
      .description("Make this town a git repository: Gas Town's .gitignore, git init and a first commit")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const r = await gitInitTown(ctx.town().root);
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`${r.gitignore === "created" ? "✓ wrote" : "○ kept"} .gitignore`);
          ctx.out(
            r.initialized
              ? `✓ git repository made at ${r.root} (first commit ${r.commit!.slice(0, 8)})`
              : "○ already a git repository: nothing else to do",
          );
        }),
      );
    p.command("whoami")
      .description("Who gt takes you for (mail, bead writes) and how it decided")
      .option("--json", "JSON output")
      .action(act(async (ctx) => whoami(ctx)));
    registerNamepool(p);
  },
};
