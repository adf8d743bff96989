// gt directive show|list|edit: the operator's role directives (src/agents/directives.ts).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  checkRole,
  directivePath,
  ensureDirectiveFile,
  listDirectives,
  readDirective,
} from "../../agents/directives.ts";
import { GasTownError } from "../../errors.ts";
import { identityFromEnv, identityFromPath } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

/** --rig, else the rig the caller is in (by GT_ROLE or directory), else none: town-wide. */
function rigHere(ctx: GtContext, opts: { rig?: unknown }): string | null {
  const town = ctx.town();
  if (opts.rig) return town.rig(opts.rig as string).name;
  const id = identityFromEnv(ctx.env) ?? identityFromPath(town.root, ctx.cwd);
  if (id?.rig) return id.rig;
  const first = ctx.cwd.startsWith(`${town.root}/`)
    ? ctx.cwd.slice(town.root.length + 1).split("/")[0]
    : undefined;
  return first && town.rigNames().includes(first) ? first : null;
}

export const directiveGroup: GtGroup = {
  names: ["directive"],
  register(p: Command) {
    const d = p
      .command("directive")
      .description("Operator directives for a role: town-wide and per rig, shown by gt prime");
    d.command("show <role>")
      .description("Show the directive a role gets (the town's, then the rig's appended)")
      .option("--rig <rig>", "the rig (default: the one you are in)")
      .option("--json", "JSON output: {role, rig, sources[], text}")
      .action(
        act(async (ctx, args, opts) => {
          const role = checkRole(args[0]!);
          const rig = rigHere(ctx, opts);
          const town = ctx.town();
          const r = readDirective(town, role, rig);
          if (ctx.json) return ctx.printJson(r);
          if (r.sources.length === 0) {
            ctx.out(`○ no directive for ${role}${rig ? ` in rig ${rig}` : ""}`);
            ctx.out(
              `  looked in ${directivePath(town, role)}${rig ? ` and ${directivePath(town, role, rig)}` : ""}`,
            );
            ctx.out(`  create one with gt directive edit ${role}${rig ? "" : " --town"}`);
            return;
          }
          ctx.out(
            `# Directive: ${role} (${r.sources.map((s) => (s.rig ? `rig ${s.rig}` : "town")).join(" + ")})`,
          );
          for (const s of r.sources) ctx.out(`# ${s.scope === "town" ? "Town" : "Rig"}: ${s.path}`);
          ctx.out("");
          ctx.out(r.text);
        }),
      );
    d.command("list")
      .description("List every directive file in the town and its rigs")
      .option("--json", "JSON output: [{scope, rig, role, path}]")
      .action(
        act(async (ctx) => {
          const rows = listDirectives(ctx.town());
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("○ no directive files (gt directive edit <role> makes one)");
          ctx.out(`${"SCOPE".padEnd(12)} ${"ROLE".padEnd(10)} PATH`);
          for (const r of rows)
            ctx.out(`${(r.rig ? `rig:${r.rig}` : "town").padEnd(12)} ${r.role.padEnd(10)} ${r.path}`);
        }),
      );
    d.command("edit <role>")
      .description(
        "Open a role's directive in $EDITOR (made if missing): the rig's where you are, else the town's",
      )
      .option("--rig <rig>", "the rig's directive")
      .option("--town", "the town-wide directive, even inside a rig")
      .option("--json", "JSON output: {path, created, changed}")
      .action(
        act(async (ctx, args, opts) => {
          const role = checkRole(args[0]!);
          const town = ctx.town();
          const rig = opts.town === true ? null : rigHere(ctx, opts);
          const path = directivePath(town, role, rig);
          const created = ensureDirectiveFile(path, role, rig);
          const before = readFileSync(path, "utf8");
          const editor = ctx.env.VISUAL || ctx.env.EDITOR || "vi";
          // The editor may carry its own arguments ("code -w"): the shell splits it, the path goes as "$1".
          const r = spawnSync("sh", ["-c", `${editor} "$1"`, "gt-directive-edit", path], {
            stdio: ctx.json ? ["inherit", "ignore", "inherit"] : "inherit",
            env: ctx.env,
          });
          if (r.error || r.status !== 0)
            throw new GasTownError(
              "editor_failed",
              `editor "${editor}" ${r.error ? `could not run: ${r.error.message}` : `exited with ${r.status ?? r.signal}`}; ${path} is as it was left`,
            );
          const changed = readFileSync(path, "utf8") !== before;
          if (ctx.json) return ctx.printJson({ path, created, changed });
          ctx.out(`${changed ? "✓ directive updated" : "○ directive unchanged"}: ${path}`);
          ctx.out("It takes effect at the agent's next gt prime.");
        }),
      );
  },
};
