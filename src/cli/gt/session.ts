// gt session (list/peek/attach), gt peek, gt agents, gt status: looking at what runs.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  type AgentStatus,
  agentStatuses,
  resolveSessionTarget,
  townInventory,
} from "../../agents/inventory.ts";
import { listEscalations } from "../../comms/escalation.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { describeLandingFailure, readLandingFailure } from "../../refinery/landing.ts";
import { readEstop } from "../../town/estop.ts";
import { addressOf, callerActor, sessionNameOf } from "../../town/identity.ts";
import { holdOf, listRigs } from "../../town/rig.ts";
import { configuredProvider } from "../../town/runtime-choice.ts";
import { daemonLiveness } from "../../watch/daemon-files.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { formatAgentLine, oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";
import { resolveAgent } from "./targets.ts";

async function peek(ctx: GtContext, target: string, lines: number): Promise<void> {
  const { session } = resolveSessionTarget(ctx.town(), target);
  const known = (await ctx.provider().list()).find((s) => s.name === session);
  if (!known)
    throw new NotFoundError(target, `no session ${session}${session !== target ? ` for ${target}` : ""}`);
  const text = await ctx.provider().capture(session, lines);
  if (ctx.json) return ctx.printJson({ session, alive: known.alive, lines: text.split("\n") });
  ctx.out(text);
}

function readMessageFile(file: string): string {
  try {
    return readFileSync(file, "utf8").replace(/\n$/, "");
  } catch (e) {
    throw new ValidationError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Lines to show: the argument or -n (not both), a positive whole number; 40 by default. */
function lineCount(arg: string | undefined, flag: unknown): number {
  if (arg !== undefined && flag !== undefined)
    throw new ValidationError("give the line count once: [lines] or -n");
  const raw = arg ?? flag;
  if (raw === undefined) return 40;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new ValidationError(`invalid line count "${String(raw)}" (a positive whole number)`);
  return n;
}

export const sessionGroup: GtGroup = {
  names: ["session", "peek"],
  register(p: Command) {
    const s = p.command("session").description("Agent sessions in this town");
    s.command("list")
      .alias("ls")
      .description("Sessions the town's runtime knows of")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const sessions = await ctx.provider().list();
          if (ctx.json) return ctx.printJson(sessions.map((x) => ({ provider: ctx.provider().kind, ...x })));
          if (sessions.length === 0) return ctx.out("No sessions");
          for (const x of sessions) ctx.out(`${x.alive ? "●" : "✗"} ${x.name}${x.alive ? "" : " (dead)"}`);
        }),
      );
    s.command("peek <target> [lines]")
      .alias("capture")
      .description("Recent output of a session (an address like mayor or rig/crew/max, or a session name)")
      .option("-n, --lines <n>", "how many lines (default 40)")
      .option("--json", "JSON output")
      .action(act(async (ctx, [target, lines], opts) => peek(ctx, target!, lineCount(lines, opts.lines))));
    s.command("attach <target>")
      .alias("at")
      .description("Attach your terminal to a session")
      .action(
        act(async (ctx, [target]) => {
          const { session } = resolveSessionTarget(ctx.town(), target!);
          if (!(await ctx.provider().isAlive(session)))
            throw new NotFoundError(target!, `session ${session} is not running`);
          return ctx.provider().attach(session);
        }),
      );
    s.command("start <agent>")
      .description(
        "Start an agent's session (any address: mayor, rig/witness, rig/crew/name, rig/polecats/name)",
      )
      .option("--agent <name>", "run this agent preset instead of the configured one")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent], opts) => {
          const { startAndReport } = await import("./lifecycle.ts");
          return startAndReport(ctx, resolveAgent(ctx.town(), agent!), opts.agent as string);
        }),
      );
    s.command("stop <agent>")
      .description("Stop an agent's session")
      .option("-f, --force", "no grace period: kill at once")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent], opts) => {
          const town = ctx.town();
          const id = resolveAgent(town, agent!);
          const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
          const stopped = await ctx.provider().stop(session, opts.force ? { graceMs: 0 } : undefined);
          if (ctx.json) return ctx.printJson({ address: addressOf(id), session, stopped });
          ctx.out(stopped ? `✓ ${addressOf(id)} stopped` : `${addressOf(id)} was not running`);
        }),
      );
    s.command("restart <agent>")
      .description("Stop and start an agent's session")
      .option("--agent <name>", "run this agent preset instead of the configured one")
      .option("-f, --force", "no grace period when stopping")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent], opts) => {
          const town = ctx.town();
          const id = resolveAgent(town, agent!);
          const { assertMayStart } = await import("../../sessions/session.ts");
          const { startAndReport } = await import("./lifecycle.ts");
          assertMayStart(town, id); // a frozen session is not stopped for a start refused
          const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
          await ctx.provider().stop(session, opts.force ? { graceMs: 0 } : undefined);
          return startAndReport(ctx, id, opts.agent as string);
        }),
      );
    s.command("status <agent>")
      .description("An agent's session: state, pid, uptime, hook, queued nudges")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent]) => {
          const town = ctx.town();
          const id = resolveAgent(town, agent!);
          const a = (await agentStatuses(town, ctx.provider(), { rigs: id.rig ? [id.rig] : [] })).find(
            (x) => x.address === addressOf(id),
          );
          if (!a) throw new NotFoundError(addressOf(id), `no agent ${addressOf(id)}`);
          const info = (await ctx.provider().list()).find((x) => x.name === a.session);
          const { queuedCount } = await import("../../comms/nudge.ts");
          const created = info?.createdAt ?? null;
          const row = {
            ...a,
            created_at: created,
            uptime_s: created ? Math.max(0, Math.round((Date.now() - Date.parse(created)) / 1000)) : null,
            queued_nudges: queuedCount(town, a.session),
          };
          if (ctx.json) return ctx.printJson(row);
          ctx.out(formatAgentLine(a));
          ctx.out(`  session: ${row.session} (${row.state})${row.pid ? `  pid ${row.pid}` : ""}`);
          if (row.uptime_s !== null) ctx.out(`  up: ${row.uptime_s}s since ${created}`);
          if (row.queued_nudges) ctx.out(`  queued nudges: ${row.queued_nudges}`);
        }),
      );
    s.command("check [rig]")
      .description(
        "Session health: zombies, hooked work with no running agent (exit 1 when there are problems)",
      )
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig]) => {
          const { checkAgents } = await import("../../agents/health.ts");
          const { agents, problems } = await checkAgents(ctx.town(), ctx.provider(), { rig });
          if (ctx.json) {
            ctx.printJson({ checked: agents.length, problems });
            return problems.length ? 1 : 0;
          }
          if (problems.length === 0) ctx.out(`✓ ${agents.length} agent(s) checked: no problems`);
          for (const x of problems) ctx.out(`✗ ${x.address} (${x.session}): ${x.problem}: ${x.detail}`);
          return problems.length ? 1 : 0;
        }),
      );
    s.command("inject <agent>")
      .description(
        "Type a message into an agent's session now (prefer gt nudge, which waits for an idle prompt)",
      )
      .option("-m, --message <text>", "the message")
      .option("-f, --file <path>", "read the message from a file")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent], opts) => {
          if ((opts.message === undefined) === (opts.file === undefined))
            throw new ValidationError("give the message with -m or -f (one of them)");
          const text = opts.file !== undefined ? readMessageFile(String(opts.file)) : String(opts.message);
          const town = ctx.town();
          const { nudge } = await import("../../comms/nudge.ts");
          const r = await nudge(town, ctx.provider(), resolveAgent(town, agent!), text, {
            sender: callerActor(town.root, ctx.env, ctx.cwd),
            mode: "immediate",
            force: true,
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.outcome !== "delivered") {
            ctx.warn(`⚠ ${r.target}: ${r.detail ?? r.outcome}`);
            return 1;
          }
          ctx.out(`✓ injected into ${r.session}`);
        }),
      );
    p.command("peek <target> [lines]")
      .description("Recent output of an agent's session")
      .option("-n, --lines <n>", "how many lines (default 40)")
      .option("--json", "JSON output")
      .action(act(async (ctx, [target, lines], opts) => peek(ctx, target!, lineCount(lines, opts.lines))));
  },
};

export const agentsGroup: GtGroup = {
  names: ["agents"],
  register(p: Command) {
    const a = p
      .command("agents")
      .description("Agents with a running (or dead) session")
      .option("--all", "also agents with no session")
      .option("--json", "JSON output");
    const list = act(async (ctx, _args, opts) => {
      const all = await agentStatuses(ctx.town(), ctx.provider());
      const rows = opts.all === true ? all : all.filter((x) => x.state !== "stopped");
      if (ctx.json) return ctx.printJson(rows);
      if (rows.length === 0) return ctx.out("No agents running (gt mayor start, gt crew start, ...)");
      for (const r of rows) ctx.out(formatAgentLine(r));
    });
    a.action(list);
    a.command("menu")
      .description("A tmux popup menu of the town's agent sessions; choosing one switches the client to it")
      .option("--all", "include polecats")
      .option("--client <tty>", "the client to show it on (a key binding passes #{client_tty})")
      .option("--dry-run", "only print the menu (its items and the tmux command)")
      .option("--json", "JSON output: {socket, title, items[], args[]}")
      .action(
        act(async (ctx, _args, opts) => {
          const { agentsMenu, showAgentsMenu } = await import("../../town/agents-menu.ts");
          const menu = await agentsMenu(ctx.town(), ctx.env, { all: opts.all === true });
          if (opts.dryRun !== true) await showAgentsMenu(menu, ctx.env, opts.client as string | undefined);
          if (ctx.json) return ctx.printJson(menu);
          if (menu.items.length === 0)
            return ctx.out(
              "No agent sessions running.\n\nStart agents with:\n  gt mayor start\n  gt deacon start",
            );
          if (opts.dryRun !== true) return; // from a key binding, output would cover the pane
          for (const i of menu.items) ctx.out(`${i.key.padStart(2)}  ${i.session}`);
        }),
      );
    a.command("check")
      .description(
        "Agent health: zombie sessions, hooked work with no running agent (exit 1 when there are problems)",
      )
      .option("--rig <rig>", "only this rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { checkAgents } = await import("../../agents/health.ts");
          const { agents, problems } = await checkAgents(ctx.town(), ctx.provider(), {
            rig: opts.rig as string | undefined,
          });
          if (ctx.json) ctx.printJson({ checked: agents.length, problems });
          else if (problems.length === 0) ctx.out(`✓ ${agents.length} agent(s) checked: no problems`);
          else for (const x of problems) ctx.out(`✗ ${x.address} (${x.session}): ${x.problem}: ${x.detail}`);
          return problems.length ? 1 : 0;
        }),
      );
    a.command("fix")
      .description("Clear zombie sessions; report what needs a person (hooked work with no agent)")
      .option("--rig <rig>", "only this rig")
      .option("-n, --dry-run", "say what would be cleared")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { fixAgents } = await import("../../agents/health.ts");
          const r = await fixAgents(ctx.town(), ctx.provider(), {
            rig: opts.rig as string | undefined,
            dryRun: opts.dryRun === true,
          });
          if (ctx.json) return ctx.printJson({ dry_run: opts.dryRun === true, ...r });
          for (const x of r.fixed)
            ctx.out(`${opts.dryRun ? "would clear" : "✓ cleared"} ${x.problem} ${x.session} (${x.address})`);
          for (const x of r.left) ctx.out(`! ${x.address}: ${x.detail} (gt sling / gt session start)`);
          if (r.fixed.length + r.left.length === 0) ctx.out("✓ nothing to fix");
        }),
      );
    a.command("state <agent>")
      .description("Key:value state on an agent bead (idle:3, backoff:2m): show it, or --set/--incr/--del")
      .option("--set <key=value>", "set a key (repeatable)", (v: string, acc: string[] = []) => [...acc, v])
      .option("--incr <key>", "add one to a count (from 0)")
      .option("--del <key>", "remove a key (repeatable)", (v: string, acc: string[] = []) => [...acc, v])
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [agent], opts) => {
          const { agentState, parseStateSets } = await import("../../agents/health.ts");
          const town = ctx.town();
          const r = await agentState(
            town,
            resolveAgent(town, agent!),
            {
              set: parseStateSets((opts.set as string[] | undefined) ?? []),
              incr: opts.incr as string | undefined,
              del: opts.del as string[] | undefined,
            },
            callerActor(town.root, ctx.env, ctx.cwd),
          );
          if (ctx.json) return ctx.printJson(r);
          const keys = Object.entries(r.state);
          ctx.out(`${r.agent} (${r.bead})${keys.length ? "" : ": no state"}`);
          for (const [k, v] of keys) ctx.out(`  ${k}: ${v}`);
        }),
      );
    a.command("list")
      .description("Same as gt agents")
      .option("--all", "also agents with no session")
      .option("--json", "JSON output")
      .action(list);
  },
};

export const statusGroup: GtGroup = {
  names: GT_BUNDLES["gt-status"],
  register(p: Command) {
    p.command("status")
      .alias("stat")
      .description("Town overview: rigs, agents and their state, hooks")
      .option("--json", "JSON output (with --watch: one object per line, each redraw)")
      .option("-w, --watch", "redraw whenever the town logs an event (until Ctrl-C)")
      .option("--fast", "skip the slower lookups (escalations, landing failures, mail)")
      .option("-v, --verbose", "per agent: session age, queued nudges and unread mail")
      .action(
        act(async (ctx, _args, opts) => {
          const how = { fast: opts.fast === true, verbose: opts.verbose === true };
          if (opts.watch) return watchStatus(ctx, how);
          const status = await townStatus(ctx, how);
          if (ctx.json) return ctx.printJson(status);
          printStatus(ctx, status);
        }),
      );
  },
};

interface StatusHow {
  /** Skip escalations, landing failures and mail. */
  fast: boolean;
  /** Add session age, queued nudges and unread mail to each agent. */
  verbose: boolean;
}

/** What --verbose adds to an agent: its session's age, nudges waiting, unread mail (not with --fast). */
async function agentDetails(ctx: GtContext, agents: AgentStatus[], how: StatusHow) {
  const town = ctx.town();
  const { queuedCount } = await import("../../comms/nudge.ts");
  const { inbox } = await import("../../comms/mail.ts");
  const sessions = new Map((await ctx.provider().list()).map((x) => [x.name, x]));
  const out = new Map<
    string,
    { created_at: string | null; queued_nudges: number; unread_mail: number | null }
  >();
  for (const a of agents)
    out.set(a.address, {
      created_at: sessions.get(a.session)?.createdAt ?? null,
      queued_nudges: queuedCount(town, a.session),
      unread_mail: how.fast ? null : (await inbox(town, a.address, { unreadOnly: true })).length,
    });
  return out;
}

/** The town at a glance: what gt status prints (and --json gives). */
async function townStatus(ctx: GtContext, how: StatusHow = { fast: false, verbose: false }) {
  const town = ctx.town();
  const info = town.townJson();
  const inventory = await townInventory(town, ctx.provider());
  const plain = inventory.agents;
  const details = how.verbose ? await agentDetails(ctx, plain, how) : undefined;
  const agents = details ? plain.map((a) => ({ ...a, ...details.get(a.address)! })) : plain;
  const escalations = how.fast ? [] : await listEscalations(town);
  const rigs = [];
  for (const r of listRigs(town))
    rigs.push({
      ...r,
      // active, parked or docked: a held rig gets no sessions and no work.
      state: holdOf(town, r.name, inventory.docked.has(r.name)) ?? "active",
      estop: readEstop(town.root, r.name) ?? null,
      agents: agents.filter((a) => a.rig === r.name),
      // Why the rig's refinery cannot land (null when it can): a stuck queue is not healthy.
      landing_failure: how.fast ? null : readLandingFailure(r.path),
    });
  const estop = readEstop(town.root) ?? null;
  const daemon = daemonLiveness(town);
  return {
    town: { name: info.name, root: town.root, owner: info.owner ?? "" },
    ...(how.fast ? { fast: true } : {}),
    provider: ctx.provider().kind,
    configured_provider: configuredProvider(town, ctx.env),
    estop,
    daemon: {
      running: daemon.state === "running",
      pid: daemon.state === "running" ? daemon.pid : null,
    },
    summary: {
      rigs: rigs.length,
      agents_running: agents.filter((a) => a.running).length,
      zombies: agents.filter((a) => a.state === "zombie").length,
      hooked: agents.filter((a) => a.hook).length,
      landing_failures: rigs.filter((r) => r.landing_failure).length,
      escalations: escalations.length,
    },
    // Open escalations: work an agent could not finish waits on a person.
    escalations: escalations.map((e) => ({
      id: e.id,
      severity: e.severity,
      summary: e.summary,
      source: e.source,
      related: e.related,
      acknowledged: e.acknowledged,
    })),
    agents: agents.filter((a) => a.rig === null),
    rigs,
  };
}

function printStatus(ctx: GtContext, status: Awaited<ReturnType<typeof townStatus>>): void {
  const { estop, escalations, rigs } = status;
  ctx.out(`Town ${status.town.name}  ${status.town.root}  [${status.provider}]`);
  if (estop)
    ctx.out(
      `⛔ E-STOP since ${estop.at}${estop.reason ? ` (${oneLine(estop.reason)})` : ""}: every agent but the mayor is frozen (gt thaw)`,
    );
  ctx.out(
    status.daemon.running ? `daemon: running (pid ${status.daemon.pid})` : "daemon: not running (gt up)",
  );
  ctx.out(
    `${status.summary.rigs} rig(s), ${status.summary.agents_running} agent(s) running, ${status.summary.hooked} hooked${status.summary.zombies ? `, ${status.summary.zombies} zombie(s)` : ""}${status.summary.landing_failures ? `, ${status.summary.landing_failures} rig(s) cannot land` : ""}${escalations.length ? `, ${escalations.length} escalation(s) open` : ""}\n`,
  );
  for (const e of status.escalations)
    ctx.out(`🚨 ${e.id} [${e.severity}${e.acknowledged ? ", acked" : ""}] ${oneLine(e.summary)}`);
  if (status.escalations.length) ctx.out("   (gt escalate show <id>; gt escalate ack <id>)\n");
  for (const a of status.agents) printAgent(ctx, a, "");
  for (const r of rigs) {
    const marks = [r.state === "active" ? "" : r.state, r.estop ? "⛔ e-stop" : ""].filter(Boolean);
    ctx.out(
      `\n${r.name} (${r.prefix}-, ${r.default_branch})${marks.length ? `  [${marks.join(", ")}]` : ""}`,
    );
    for (const a of r.agents) printAgent(ctx, a, "  ");
    if (r.landing_failure) for (const l of describeLandingFailure(r.landing_failure)) ctx.out(`  ${l}`);
  }
}

type ShownAgent = AgentStatus & {
  created_at?: string | null;
  queued_nudges?: number;
  unread_mail?: number | null;
};

function printAgent(ctx: GtContext, a: ShownAgent, indent: string): void {
  ctx.out(`${indent}${formatAgentLine(a)}`);
  if (a.queued_nudges === undefined) return; // not --verbose
  const parts = [
    a.created_at ? `up since ${a.created_at}` : "",
    a.queued_nudges ? `${a.queued_nudges} nudge(s) queued` : "",
    a.unread_mail ? `${a.unread_mail} unread mail` : "",
  ].filter(Boolean);
  if (parts.length) ctx.out(`${indent}    ${parts.join(" · ")}`);
}

/**
 * gt status --watch: drawn again when an event is appended to the town's log (the follower
 * wakes on the file's change; several events in a burst make one redraw), and once a minute
 * for changes no event reports. Ctrl-C ends it.
 */
async function watchStatus(ctx: GtContext, how: StatusHow): Promise<void> {
  const { followEvents } = await import("../../events/follow.ts");
  const town = ctx.town();
  let drawing = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const draw = async () => {
    if (drawing) {
      again = true;
      return;
    }
    drawing = true;
    try {
      const status = await townStatus(ctx, how);
      if (ctx.json) process.stdout.write(`${JSON.stringify(status)}\n`);
      else {
        if (process.stdout.isTTY) process.stdout.write("\x1b[H\x1b[2J");
        printStatus(ctx, status);
        ctx.out(`\n(updated ${new Date().toLocaleTimeString()}; watching for events, Ctrl-C to stop)`);
      }
    } finally {
      drawing = false;
      if (again) {
        again = false;
        void draw();
      }
    }
  };
  const soon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void draw(), 150);
  };
  await draw();
  const follower = followEvents(town.root, { fromEnd: true }, soon);
  const backstop = setInterval(() => void draw(), 60_000);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  follower.close();
  clearInterval(backstop);
  if (timer) clearTimeout(timer);
}
