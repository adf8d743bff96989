// gt crew: long-lived workspaces for people and named agents.
import type { Command } from "commander";
import { handoff } from "../../agents/handoff.ts";
import { agentStatuses } from "../../agents/inventory.ts";
import { inbox } from "../../comms/mail.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { startAgentSession, stopAgentSession } from "../../sessions/session.ts";
import { addCrew, DEFAULT_CREW_NAME, listCrew, removeCrew, rigOfCrew } from "../../town/crew.ts";
import { pristineCrew, renameCrew } from "../../town/crew-upkeep.ts";
import {
  type AgentIdentity,
  addressOf,
  callerActor,
  identityFromEnv,
  identityFromPath,
} from "../../town/identity.ts";
import { crewNames } from "../../town/roster.ts";
import { hookOf } from "../../work/hook.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
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

/** `name` or `rig/name` (gt crew status beads/dave) with --rig: the members meant. */
function crewTargets(ctx: GtContext, names: string[], opts: Record<string, unknown>): AgentIdentity[] {
  const town = ctx.town();
  if (names.length === 0) {
    const rigs = opts.rig ? [town.rig(opts.rig as string).name] : town.rigNames();
    return rigs.flatMap((r) => crewNames(town, r).map((n) => crewId(r, n)));
  }
  return names.flatMap((arg) => {
    const [a, b] = arg.split("/");
    if (b !== undefined) return [crewId(town.rig(a!).name, b)];
    // A rig's name alone: all of its crew.
    if (!opts.rig && town.rigNames().includes(a!) && !crewNames(town, a!).includes(a!))
      return crewNames(town, a!).map((n) => crewId(a!, n));
    return [crewId(crewRig(ctx, opts, a), a!)];
  });
}

/** Session, git and mailbox state of crew members (gt crew status). */
async function crewStatusRows(ctx: GtContext, ids: AgentIdentity[]) {
  const town = ctx.town();
  const rigs = [...new Set(ids.map((i) => i.rig!))];
  const sessions = await agentStatuses(town, ctx.provider(), { rigs });
  const rows = [];
  for (const id of ids) {
    const m = (await listCrew(town, id.rig)).find((c) => c.name === id.name);
    if (!m) throw new NotFoundError(id.name!, `no crew member "${id.name}" in rig ${id.rig}`);
    const s = sessions.find((a) => a.role === "crew" && a.rig === id.rig && a.name === id.name);
    const address = addressOf(id);
    const mail = await inbox(town, address);
    rows.push({
      ...m,
      address,
      session: s?.session ?? null,
      state: s?.state ?? "stopped",
      running: s?.running ?? false,
      hooked: (await hookOf(town, id)).map((b) => b.id),
      mail: { total: mail.length, unread: mail.filter((x) => !x.read).length },
    });
  }
  return rows;
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
    registerUpkeep(crew);
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

/** status, restart, refresh, rename, pristine. */
function registerUpkeep(crew: Command): void {
  crew
    .command("status [names...]")
    .description("Each crew member's session, git state, hook and mail (all, a rig's, or rig/name)")
    .option("--rig <rig>", "only this rig")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names, opts) => {
        const rows = await crewStatusRows(ctx, crewTargets(ctx, names, opts));
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("No crew yet (gt crew add <name> --rig <rig>)");
        for (const r of rows) {
          ctx.out(
            `${r.running ? "●" : "○"} ${r.address}  ${r.state}${r.session ? ` (session ${r.session})` : ""}`,
          );
          ctx.out(`   ${r.path}`);
          const git = [r.dirty ? "uncommitted changes" : "clean", r.unpushed ? `${r.unpushed} unpushed` : ""];
          ctx.out(`   git: ${r.branch ?? "?"}, ${git.filter(Boolean).join(", ")}`);
          ctx.out(
            `   hook: ${r.hooked.join(" ") || "empty"}   mail: ${r.mail.unread} unread of ${r.mail.total}`,
          );
        }
      }),
    );
  crew
    .command("restart [names...]")
    .alias("rs")
    .description("Stop and start crew sessions fresh (no handoff mail; gt crew refresh sends one)")
    .option("--rig <rig>", "the rig (with --all: only this rig)")
    .option("--all", "every running crew session")
    .option("--agent <name>", "run this agent preset instead of the configured one")
    .option("--dry-run", "show what would be restarted")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names, opts) => {
        if (opts.all && names.length) throw new ValidationError("name crew members or use --all, not both");
        if (!opts.all && !names.length)
          throw new ValidationError("name the crew members to restart (or --all)");
        const town = ctx.town();
        let ids = crewTargets(ctx, names, opts);
        if (opts.all) {
          const live = await crewStatusRows(ctx, ids);
          ids = ids.filter((_, i) => live[i]!.running);
        }
        const out = [];
        for (const id of ids) {
          if (opts.dryRun) {
            out.push({ address: addressOf(id), restarted: false, session: null });
            continue;
          }
          await stopAgentSession(town, ctx.provider(), id);
          const s = await startAgentSession(town, ctx.provider(), id, {
            agent: opts.agent as string | undefined,
            sender: "gt",
            topic: "restart",
          });
          out.push({ address: s.address, restarted: true, session: s.session });
        }
        if (ctx.json) return ctx.printJson(out);
        if (out.length === 0) return ctx.out("No running crew sessions to restart");
        for (const o of out)
          ctx.out(
            o.restarted ? `✓ ${o.address} restarted in session ${o.session}` : `○ would restart ${o.address}`,
          );
      }),
    );
  crew
    .command("refresh <name>")
    .description(
      "Cycle a crew session with a handoff: mail itself the notes, then a fresh session carries on",
    )
    .option("--rig <rig>", "the rig")
    .option("-m, --message <text>", "what the next session should know")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const id = crewId(crewRig(ctx, opts, name), name!);
        const r = await handoff(ctx.town(), ctx.provider(), id, {
          subject: "crew refresh",
          message: opts.message as string | undefined,
          force: true,
          env: ctx.env,
        });
        if (ctx.json) return ctx.printJson(r);
        if (r.kind === "handoff")
          ctx.out(`🤝 ${r.address}: handoff mail ${r.mail} sent, a fresh session replaces ${r.session}`);
      }),
    );
  crew
    .command("rename <old> <new>")
    .description(
      "Rename a crew workspace: its directory, agent bead, hooked work and mail move to the new name",
    )
    .option("--rig <rig>", "the rig")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [from, to], opts) => {
        const town = ctx.town();
        const rig = crewRig(ctx, opts, from);
        // A running agent keeps the old directory and name: stop it first.
        const stopped = await stopAgentSession(town, ctx.provider(), crewId(rig, from!));
        const r = await renameCrew(town, rig, from!, to!, callerActor(town.root, ctx.env, ctx.cwd));
        if (ctx.json) return ctx.printJson({ ...r, stopped });
        if (stopped) ctx.out(`Stopped the session of ${rig}/crew/${from}`);
        ctx.out(`✓ Renamed crew workspace ${rig}/crew/${from} → ${rig}/crew/${to} (${r.path})`);
        if (r.moved.length) ctx.out(`  moved to the new name: ${r.moved.join(" ")}`);
      }),
    );
  crew
    .command("pristine [names...]")
    .description(
      "Bring crew workspaces up to date with their remote (fast-forward only; dirty ones are reported)",
    )
    .option("--rig <rig>", "only this rig")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names, opts) => {
        const rows = [];
        for (const id of crewTargets(ctx, names, opts))
          rows.push(await pristineCrew(ctx.town(), id.rig!, id.name!));
        const code = rows.some((r) => r.error) ? 1 : 0;
        if (ctx.json) {
          ctx.printJson(rows);
          return code;
        }
        if (rows.length === 0) return ctx.out("No crew yet (gt crew add <name> --rig <rig>)");
        for (const r of rows) {
          ctx.out(`→ ${r.rig}/${r.name}`);
          if (r.error) ctx.out(`  ✗ ${oneLine(r.error)}`);
          else
            ctx.out(
              `  ✓ ${r.pulled ? `pulled ${r.before.slice(0, 8)}..${r.after.slice(0, 8)}` : "up to date"}`,
            );
        }
        return code;
      }),
    );
}
