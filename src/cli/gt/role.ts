// gt role: who the caller is (GT_ROLE, else the working directory), where a role lives, the
// roles there are, and the variables a session of this role is identified by.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { identityFromPath } from "../../town/identity.ts";
import {
  callerRole,
  describeRole,
  identityFor,
  type RoleInfo,
  roleEnv,
  shellValue,
} from "../../town/role-info.ts";
import { ROLE_NAMES, ROLES } from "../../town/roles.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

function mustHaveRole(ctx: GtContext): RoleInfo {
  const info = callerRole(ctx.town(), ctx.env, ctx.cwd);
  if (!info)
    throw new ValidationError(
      "no role here: GT_ROLE is unset and this directory is no agent's (gt role home <role>)",
    );
  return info;
}

function printRole(ctx: GtContext, info: RoleInfo): void {
  ctx.out(
    `${ROLES[info.role].emoji} ${info.address} (${info.role}, from ${info.source === "env" ? "GT_ROLE" : "the working directory"})`,
  );
  ctx.out(`  home:       ${info.home}`);
  ctx.out(`  session:    ${info.session}`);
  ctx.out(`  agent bead: ${info.agent_bead}`);
  if (info.mismatch) ctx.warn(`⚠ GT_ROLE says ${info.address} but this directory is ${info.cwd_address}'s`);
}

const show = act(async (ctx) => {
  const info = mustHaveRole(ctx);
  if (ctx.json) return ctx.printJson(info);
  printRole(ctx, info);
});

export const roleGroup: GtGroup = {
  names: ["role"],
  register(p: Command) {
    const role = p
      .command("role")
      .description("Your agent role (GT_ROLE, else the working directory), role homes and definitions")
      .option(
        "--json",
        "JSON output: {role, rig, name, address, source, home, session, agent_bead, cwd_address, mismatch}",
      )
      .action(show);
    role
      .command("show")
      .description("Your role, where it was read from, its home, session and agent bead")
      .option("--json", "JSON output (as gt role)")
      .action(show);

    role
      .command("home [role]")
      .description("The home directory of a role (default: yours)")
      .option("--rig <rig>", "the rig, for a rig's role")
      .option("--name <name>", "the polecat, crew member or dog")
      .option("--polecat <name>", "same as --name")
      .option("--json", "JSON output: {address, home}")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          let info: RoleInfo;
          if (name === undefined) info = mustHaveRole(ctx);
          else {
            const rig = opts.rig as string | undefined;
            if (rig) town.rig(rig); // an unknown rig: the error names the rigs
            const id = identityFor(name, rig, (opts.name ?? opts.polecat) as string | undefined);
            info = describeRole(town, id, "env", ctx.cwd);
          }
          if (ctx.json) return ctx.printJson({ address: info.address, home: info.home });
          ctx.out(info.home);
        }),
      );

    role
      .command("detect")
      .description("The role the working directory implies, GT_ROLE ignored (for debugging)")
      .option("--json", "JSON output (as gt role), or null")
      .action(
        act(async (ctx) => {
          const town = ctx.town();
          const id = identityFromPath(town.root, ctx.cwd);
          const info = id ? describeRole(town, id, "cwd", ctx.cwd) : null;
          if (ctx.json) return ctx.printJson(info);
          if (!info) return ctx.out("No role: this directory is no agent's");
          printRole(ctx, info);
        }),
      );

    role
      .command("list")
      .description("Every role: scope, address pattern and job")
      .option("--json", "JSON output: [{role, scope, named, address, session, home, autonomous, summary}]")
      .action(
        act(async (ctx) => {
          const rows = ROLE_NAMES.map((r) => {
            const d = ROLES[r];
            return {
              role: r,
              scope: d.scope,
              named: d.named,
              address: d.address,
              session: d.session,
              home: d.workDir,
              autonomous: d.autonomous,
              summary: d.summary,
            };
          });
          if (ctx.json) return ctx.printJson(rows);
          for (const r of rows)
            ctx.out(
              `${ROLES[r.role].emoji} ${r.role.padEnd(9)} ${r.scope.padEnd(5)} ${r.address.padEnd(22)} ${r.summary}`,
            );
        }),
      );

    role
      .command("env")
      .description('Export lines for your role\'s variables: eval "$(gt role env)"')
      .option("--json", "JSON output: the variables as an object")
      .action(
        act(async (ctx) => {
          const info = mustHaveRole(ctx);
          const env = roleEnv(ctx.town(), info);
          if (ctx.json) return ctx.printJson(env);
          if (!ctx.cwd.startsWith(info.home))
            ctx.warn(`⚠ the working directory is outside ${info.address}'s home ${info.home}`);
          for (const k of Object.keys(env).sort()) ctx.out(`export ${k}=${shellValue(env[k]!)}`);
        }),
      );

    role
      .command("def <role>")
      .description("A role's definition: scope, address, session and agent bead patterns, home, settings")
      .option("--json", "JSON output: the role's row")
      .action(
        act(async (ctx, [name]) => {
          const r = name === "polecats" ? "polecat" : name!;
          if (!(ROLE_NAMES as readonly string[]).includes(r))
            throw new ValidationError(`unknown role "${name}" (one of ${ROLE_NAMES.join(", ")})`);
          const d = ROLES[r as (typeof ROLE_NAMES)[number]];
          if (ctx.json) return ctx.printJson(d);
          ctx.out(`${d.emoji} ${d.role}: ${d.summary}`);
          ctx.out(`  scope:        ${d.scope}${d.named ? " (named: one of many)" : ""}`);
          ctx.out(`  address:      ${d.address}`);
          ctx.out(`  session:      ${d.session}`);
          ctx.out(`  agent bead:   ${d.agentBead}`);
          ctx.out(`  home:         ${d.workDir}`);
          ctx.out(`  settings dir: ${d.settingsDir}`);
          ctx.out(
            `  autonomous:   ${d.autonomous ? "yes (mail injected at start)" : "no (mail at each prompt)"}`,
          );
          if (d.estopExempt) ctx.out("  e-stop:       exempt");
        }),
      );
  },
};
