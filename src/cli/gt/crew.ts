// gt crew: long-lived workspaces for people and named agents.
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import { startAgentSession, stopAgentSession } from "../../sessions/session.ts";
import { addCrew, DEFAULT_CREW_NAME, listCrew, removeCrew, rigOfCrew } from "../../town/crew.ts";
import { type AgentIdentity, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { crewNames } from "../../town/roster.ts";
import type { GtContext } from "./context.ts";
import { rigArgument, startAndReport } from "./lifecycle.ts";
import { act, type GtGroup } from "./program.ts";

/** The rig of a crew command: --rig, else the rig the name is found in, else the caller's rig. */
function crewRig(ctx: GtContext, opts: Record<string, unknown>, name?: string): string {
  if (opts.rig) return ctx.town().rig(opts.rig as string).name;
  if (name) {
    const here = identityFromEnv(ctx.env)?.rig ?? identityFromPath(ctx.town().root, ctx.cwd)?.rig;
    if (here && crewNames(ctx.town(), here).includes(name)) return here;
    return rigOfCrew(ctx.town(), name);
  }
  return rigArgument(ctx, undefined);
}

function crewId(rig: string, name: string): AgentIdentity {
  return { role: "crew", rig, name };
}

export const crewGroup: GtGroup = {
  names: ["crew"],
  register(p: Command) {
    const crew = p
      .command("crew")
      .description("Manage crew workspaces (full clones for people and named agents)");
    crew
      .command("add <names...>")
      .description("Create crew workspaces in a rig")
      .option("--rig <rig>", "the rig (default: your rig, or the only one)")
      .option("--branch", "work on a crew/<name> branch instead of the default branch")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, names, opts) => {
          const rig = opts.rig ? ctx.town().rig(opts.rig as string).name : rigArgument(ctx, undefined);
          const added = [];
          for (const name of names)
            added.push(await addCrew(ctx.town(), rig, name, { branch: opts.branch === true }));
          if (ctx.json) return ctx.printJson(added);
          for (const m of added) ctx.out(`✓ Crew ${m.rig}/crew/${m.name} at ${m.path} (${m.branch})`);
        }),
      );
    crew
      .command("list [rig]")
      .alias("ls")
      .description("List crew workspaces with their git and session state")
      .option("--rig <rig>", "only this rig")
      .option("--all", "every rig (the default without a rig)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rigArg], opts) => {
          const town = ctx.town();
          const rig = (rigArg ?? opts.rig) as string | undefined;
          const members = await listCrew(town, rig);
          const sessions = await agentStatuses(town, ctx.provider(), { rigs: rig ? [rig] : town.rigNames() });
          const rows = members.map((m) => {
            const s = sessions.find((a) => a.role === "crew" && a.rig === m.rig && a.name === m.name);
            return {
              ...m,
              session: s?.session ?? null,
              state: s?.state ?? "stopped",
              running: s?.running ?? false,
            };
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No crew yet (gt crew add <name> --rig <rig>)");
          for (const r of rows) {
            const git = [
              r.branch ?? "?",
              r.dirty ? "dirty" : "clean",
              r.unpushed ? `${r.unpushed} unpushed` : "",
            ]
              .filter(Boolean)
              .join(", ");
            ctx.out(`${r.running ? "●" : "○"} ${r.rig}/crew/${r.name}  ${r.state}  ${git}`);
          }
        }),
      );
    crew
      .command("remove <names...>")
      .alias("rm")
      .description("Delete crew workspaces (refuses unsaved work without --force)")
      .option("--rig <rig>", "the rig")
      .option("-f, --force", "delete even with uncommitted or unpushed work")
      .option("--purge", "also delete the agent bead")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, names, opts) => {
          const removed = [];
          for (const name of names) {
            const rig = crewRig(ctx, opts, name);
            const member = await removeCrew(ctx.town(), rig, name, {
              force: opts.force === true,
              purge: opts.purge === true,
            });
            await stopAgentSession(ctx.town(), ctx.provider(), crewId(rig, name));
            removed.push(member);
          }
          if (ctx.json)
            return ctx.printJson(removed.map((m) => ({ rig: m.rig, name: m.name, path: m.path })));
          for (const m of removed) ctx.out(`✓ Crew ${m.rig}/crew/${m.name} removed`);
        }),
      );
    crew
      .command("start [names...]")
      .description("Start crew sessions")
      .option("--rig <rig>", "the rig")
      .option("--agent <name>", "run this agent preset instead of the configured one")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, names, opts) => {
          const list = names.length ? names : [DEFAULT_CREW_NAME];
          for (const name of list)
            await startAndReport(ctx, crewId(crewRig(ctx, opts, name), name), opts.agent as string);
        }),
      );
    crew
      .command("stop [names...]")
      .description("Stop crew sessions")
      .option("--rig <rig>", "the rig")
      .option("--all", "every crew session in the rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, names, opts) => {
          const targets =
            opts.all === true
              ? (() => {
                  const rig = crewRig(ctx, opts);
                  return crewNames(ctx.town(), rig).map((n) => crewId(rig, n));
                })()
              : names.map((n) => crewId(crewRig(ctx, opts, n), n));
          const out = [];
          for (const id of targets)
            out.push({
              address: `${id.rig}/crew/${id.name}`,
              stopped: await stopAgentSession(ctx.town(), ctx.provider(), id),
            });
          if (ctx.json) return ctx.printJson(out);
          for (const o of out) ctx.out(o.stopped ? `✓ ${o.address} stopped` : `${o.address} was not running`);
        }),
      );
    crew
      .command("at [name]")
      .alias("attach")
      .description("Start the crew session if needed and attach to it")
      .option("--rig <rig>", "the rig")
      .option("--agent <name>", "run this agent preset instead of the configured one")
      .option("-d, --detached", "start it but do not attach")
      .action(
        act(async (ctx, [nameArg], opts) => {
          const name = nameArg ?? identityFromEnv(ctx.env)?.name ?? DEFAULT_CREW_NAME;
          const id = crewId(crewRig(ctx, opts, name), name);
          const town = ctx.town();
          const status = (await agentStatuses(town, ctx.provider(), { rigs: [id.rig!] })).find(
            (a) => a.role === "crew" && a.name === name,
          );
          if (!status?.running) {
            const s = await startAgentSession(town, ctx.provider(), id, {
              agent: opts.agent as string,
              sender: "gt",
              topic: "attach",
            });
            ctx.warn(`started ${s.address} in session ${s.session}`);
          }
          if (opts.detached === true) return;
          const session =
            status?.session ??
            (await agentStatuses(town, ctx.provider(), { rigs: [id.rig!] })).find(
              (a) => a.role === "crew" && a.name === name,
            )!.session;
          return ctx.provider().attach(session);
        }),
      );
  },
};
