// start/stop/restart/status/attach for the singleton roles: mayor and deacon (town),
// witness and refinery (one per rig). One factory, driven by the role table.
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { assertMayStart, startAgentSession, stopAgentSession } from "../../sessions/session.ts";
import { withSessionHold } from "../../sessions/session-hold.ts";
import {
  type AgentIdentity,
  addressOf,
  identityFromEnv,
  identityFromPath,
  sessionNameOf,
} from "../../town/identity.ts";
import { ROLES, type RoleName } from "../../town/roles.ts";
import type { GtContext } from "./context.ts";
import { formatAgentLine } from "./format.ts";
import { registerMayorAcp } from "./mayor-acp.ts";
import { act, type GtGroup } from "./program.ts";

/** The rig a rig-scoped command means: the argument, else the caller's own rig. */
export function rigArgument(ctx: GtContext, rig: string | undefined): string {
  const town = ctx.town();
  if (rig) return town.rig(rig).name;
  const own = identityFromEnv(ctx.env)?.rig ?? identityFromPath(town.root, ctx.cwd)?.rig;
  if (own) return own;
  const rigs = town.rigNames();
  if (rigs.length === 1) return rigs[0]!;
  throw new ValidationError(`which rig? (${rigs.join(", ") || "no rigs yet"})`);
}

function identityFor(ctx: GtContext, role: RoleName, rig: string | undefined): AgentIdentity {
  return ROLES[role].scope === "town" ? { role } : { role, rig: rigArgument(ctx, rig) };
}

async function statusOf(ctx: GtContext, id: AgentIdentity) {
  const all = await agentStatuses(ctx.town(), ctx.provider(), { rigs: id.rig ? [id.rig] : [] });
  const own = all.find((a) => a.address === addressOf(id));
  if (!own) throw new NotFoundError(addressOf(id), `no agent ${addressOf(id)}`);
  return own;
}

export async function startAndReport(ctx: GtContext, id: AgentIdentity, agent: string | undefined) {
  const s = await startAgentSession(ctx.town(), ctx.provider(), id, { agent, sender: "gt", topic: "start" });
  if (ctx.json) return ctx.printJson({ ...s, started: true });
  ctx.out(`✓ ${s.address} started (${s.agent}) in session ${s.session} [${s.provider}]`);
}

export function lifecycleGroup(
  role: "mayor" | "deacon" | "witness" | "refinery",
  /** Role-specific subcommands (the refinery's queue commands). */
  extend?: (cmd: Command) => void,
): GtGroup {
  const def = ROLES[role];
  const rigArg = def.scope === "rig" ? " [rig]" : "";
  return {
    names: [role],
    register(p: Command) {
      const cmd = p.command(role).description(`Manage the ${role} (${def.summary})`);
      cmd
        .command(`start${rigArg}`)
        .description(`Start the ${role}'s session`)
        .option("--agent <name>", "run this agent preset instead of the configured one")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [rig], opts) =>
            startAndReport(ctx, identityFor(ctx, role, rig), opts.agent as string),
          ),
        );
      cmd
        .command(`stop${rigArg}`)
        .description(`Stop the ${role}'s session`)
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [rig]) => {
            const id = identityFor(ctx, role, rig);
            const stopped = await stopAgentSession(ctx.town(), ctx.provider(), id);
            if (ctx.json) return ctx.printJson({ address: addressOf(id), stopped });
            ctx.out(stopped ? `✓ ${addressOf(id)} stopped` : `${addressOf(id)} was not running`);
          }),
        );
      cmd
        .command(`restart${rigArg}`)
        .description(`Stop and start the ${role}'s session`)
        .option("--agent <name>", "run this agent preset instead of the configured one")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [rig], opts) => {
            const id = identityFor(ctx, role, rig);
            const town = ctx.town();
            assertMayStart(town, id); // a frozen session is not stopped for a start refused
            const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
            // Held, so the daemon does not start it again between our stop and our start.
            return withSessionHold(town, session, async () => {
              await stopAgentSession(town, ctx.provider(), id);
              return startAndReport(ctx, id, opts.agent as string);
            });
          }),
        );
      cmd
        .command(`status${rigArg}`)
        .description(`Whether the ${role} is running`)
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [rig]) => {
            const s = await statusOf(ctx, identityFor(ctx, role, rig));
            const acp =
              role === "mayor"
                ? (await import("../../agents/mayor-acp.ts")).acpMayorPid(ctx.town())
                : undefined;
            if (ctx.json) return ctx.printJson(role === "mayor" ? { ...s, acp_pid: acp ?? null } : s);
            ctx.out(formatAgentLine(s));
            if (acp !== undefined)
              ctx.out(`  ACP mayor running (pid ${acp}): gt mayor attach moves it to tmux`);
          }),
        );
      cmd
        .command(`attach${rigArg}`)
        .alias("at")
        .description(
          role === "mayor"
            ? "Attach your terminal to the mayor's session (starting it first when it is not running)"
            : `Attach your terminal to the ${role}'s session`,
        )
        .option("--agent <name>", "mayor: the agent preset to start it with, when it is not running")
        .action(
          act(async (ctx, [rig], opts) => {
            const id = identityFor(ctx, role, rig);
            if (role === "mayor") {
              // Only attach moves an ACP mayor (gt mayor acp) to tmux.
              const { endAcpMayor } = await import("../../agents/mayor-acp.ts");
              const ended = await endAcpMayor(ctx.town());
              if (ended !== undefined) ctx.warn(`ACP mayor (pid ${ended}) ended: switching to tmux`);
            }
            let s = await statusOf(ctx, id);
            // The mayor is where a person starts: attach brings it up (a dead session too), as Gas Town does.
            if (role === "mayor" && s.state !== "running") {
              if (s.state === "zombie") await stopAgentSession(ctx.town(), ctx.provider(), id);
              ctx.warn("Mayor session not running, starting...");
              await startAgentSession(ctx.town(), ctx.provider(), id, {
                agent: opts.agent as string | undefined,
                sender: "gt",
                topic: "start",
              });
              s = await statusOf(ctx, id);
            }
            if (s.state === "stopped")
              throw new NotFoundError(s.address, `${s.address} is not running (gt ${role} start)`);
            return ctx.provider().attach(s.session);
          }),
        );
      extend?.(cmd);
      if (role === "mayor") registerMayorAcp(cmd);
    },
  };
}
