// gt session (list/peek/attach), gt peek, gt agents, gt status: looking at what runs.
import type { Command } from "commander";
import { agentStatuses, resolveSessionTarget } from "../../agents/inventory.ts";
import { listEscalations } from "../../comms/escalation.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { describeLandingFailure, readLandingFailure } from "../../refinery/landing.ts";
import { readEstop } from "../../town/estop.ts";
import { listRigs, rigHold } from "../../town/rig.ts";
import { configuredProvider } from "../../town/runtime-choice.ts";
import { daemonLiveness } from "../../watch/daemon-files.ts";
import type { GtContext } from "./context.ts";
import { formatAgentLine, oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

async function peek(ctx: GtContext, target: string, lines: number): Promise<void> {
  const { session } = resolveSessionTarget(ctx.town(), target);
  const known = (await ctx.provider().list()).find((s) => s.name === session);
  if (!known)
    throw new NotFoundError(target, `no session ${session}${session !== target ? ` for ${target}` : ""}`);
  const text = await ctx.provider().capture(session, lines);
  if (ctx.json) return ctx.printJson({ session, alive: known.alive, lines: text.split("\n") });
  ctx.out(text);
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
    a.command("list")
      .description("Same as gt agents")
      .option("--all", "also agents with no session")
      .option("--json", "JSON output")
      .action(list);
  },
};

export const statusGroup: GtGroup = {
  names: ["status", "stat"],
  register(p: Command) {
    p.command("status")
      .alias("stat")
      .description("Town overview: rigs, agents and their state, hooks")
      .option("--json", "JSON output (with --watch: one object per line, each redraw)")
      .option("-w, --watch", "redraw whenever the town logs an event (until Ctrl-C)")
      .action(
        act(async (ctx, _args, opts) => {
          if (opts.watch) return watchStatus(ctx);
          const status = await townStatus(ctx);
          if (ctx.json) return ctx.printJson(status);
          printStatus(ctx, status);
        }),
      );
  },
};

/** The town at a glance: what gt status prints (and --json gives). */
async function townStatus(ctx: GtContext) {
  const town = ctx.town();
  const info = town.townJson();
  const agents = await agentStatuses(town, ctx.provider());
  const escalations = await listEscalations(town);
  const rigs = [];
  for (const r of listRigs(town))
    rigs.push({
      ...r,
      // active, parked or docked: a held rig gets no sessions and no work.
      state: (await rigHold(town, r.name)) ?? "active",
      estop: readEstop(town.root, r.name) ?? null,
      agents: agents.filter((a) => a.rig === r.name),
      // Why the rig's refinery cannot land (null when it can): a stuck queue is not healthy.
      landing_failure: readLandingFailure(r.path),
    });
  const estop = readEstop(town.root) ?? null;
  const daemon = daemonLiveness(town);
  return {
    town: { name: info.name, root: town.root, owner: info.owner ?? "" },
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
  for (const a of status.agents) ctx.out(formatAgentLine(a));
  for (const r of rigs) {
    const marks = [r.state === "active" ? "" : r.state, r.estop ? "⛔ e-stop" : ""].filter(Boolean);
    ctx.out(
      `\n${r.name} (${r.prefix}-, ${r.default_branch})${marks.length ? `  [${marks.join(", ")}]` : ""}`,
    );
    for (const a of r.agents) ctx.out(`  ${formatAgentLine(a)}`);
    if (r.landing_failure) for (const l of describeLandingFailure(r.landing_failure)) ctx.out(`  ${l}`);
  }
}

/**
 * gt status --watch: drawn again when an event is appended to the town's log (the follower
 * wakes on the file's change; several events in a burst make one redraw), and once a minute
 * for changes no event reports. Ctrl-C ends it.
 */
async function watchStatus(ctx: GtContext): Promise<void> {
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
      const status = await townStatus(ctx);
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
