// gt log, gt activity, gt audit, gt trail: the town's event log read back with filters, live
// with --follow (the in-process follower: a file watch, no polling), and agents' work (commits,
// beads, hooks) across the rigs.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { detailOf, glyphOf, stamp, townLogLine } from "../../events/describe.ts";
import { followEvents } from "../../events/follow.ts";
import { LIFECYCLE_TYPES, logEvent, readEvents, type TownEvent } from "../../events/log.ts";
import { type EventFilter, eventMatcher, lastOf, parseSince, parseTypes } from "../../events/query.ts";
import { callerActor } from "../../town/identity.ts";
import { auditTrail, recentBeads, recentCommits, recentHookEvents } from "../../watch/trail.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function count(raw: unknown, flag: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)))
    throw new ValidationError(`invalid ${flag} "${raw}" (a whole number; 0 for all)`);
  return n;
}

function filterOf(opts: Record<string, unknown>): EventFilter {
  return {
    since: opts.since ? parseSince(String(opts.since)) : undefined,
    rig: opts.rig as string | undefined,
    agent: opts.agent as string | undefined,
    types: parseTypes(opts.type as string | undefined),
  };
}

function feedLine(e: TownEvent): string {
  const detail = oneLine(detailOf(e));
  return `${stamp(e.ts)} ${glyphOf(e.type)} [${e.type}] ${e.actor || "-"}${detail ? `  ${detail}` : ""}`;
}

/**
 * Prints the last `tail` events that match, then (with follow) every later one as it is
 * appended, until SIGINT/SIGTERM. JSON is one event per line (JSON Lines) when following, an
 * array otherwise.
 */
async function showEvents(
  ctx: GtContext,
  filter: EventFilter,
  opts: { tail: number; follow: boolean; line: (e: TownEvent) => string },
): Promise<void> {
  const root = ctx.town().root;
  const keep = eventMatcher(filter);
  const print = (e: TownEvent) =>
    ctx.json ? process.stdout.write(`${JSON.stringify(e)}\n`) : ctx.out(opts.line(e));
  if (!opts.follow) {
    const events = lastOf(readEvents(root).filter(keep), opts.tail);
    if (ctx.json) return ctx.printJson(events);
    if (events.length === 0) return ctx.out("No events match");
    for (const e of events) print(e);
    return;
  }
  // The replay is what the follower reads first; keep its last `tail` of those, then go live.
  const backlog: TownEvent[] = [];
  let live = false;
  const follower = followEvents(root, {}, (e) => {
    if (!keep(e)) return;
    if (live) print(e);
    else backlog.push(e);
  });
  for (const e of lastOf(backlog, opts.tail)) print(e);
  live = true;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  follower.close();
}

const FILTER_HELP = {
  since: "only events since a duration back (30m, 1h, 7d) or a time",
  rig: "only events about this rig",
  agent: "only events naming an agent starting with this (alpha/, alpha/polecats/toast, mayor)",
  type: "only these event types (comma-separated)",
};

/** The options gt log and gt activity share: how many, which events, live or not. */
function withEventFilters(cmd: Command, tail: string): Command {
  return cmd
    .option("-n, --tail <n>", "how many of the latest events (0: all)", tail)
    .option("-t, --type <types>", FILTER_HELP.type)
    .option("-a, --agent <prefix>", FILTER_HELP.agent)
    .option("--rig <rig>", FILTER_HELP.rig)
    .option("--since <when>", FILTER_HELP.since)
    .option("-f, --follow", "keep printing events as they happen (until Ctrl-C)")
    .option("--json", "JSON output (JSON Lines with --follow)");
}

export const logGroup: GtGroup = {
  names: ["log", "activity", "audit", "trail", "recent", "recap"],
  register(p: Command) {
    const log = withEventFilters(p.command("log"), "20")
      .description("The town's lifecycle log: spawns, nudges, handoffs, done, crashes, kills (logs/town.log)")
      .option("--all", "every event type, not only lifecycle ones")
      .action(
        act(async (ctx, _args, opts) => {
          const filter = filterOf(opts);
          if (!filter.types && !opts.all) filter.types = [...LIFECYCLE_TYPES];
          await showEvents(ctx, filter, {
            tail: count(opts.tail, "--tail"),
            follow: opts.follow === true,
            line: townLogLine,
          });
        }),
      );
    log
      .command("crash")
      .description("Record an agent's crash (run by a tmux pane-died hook)")
      // --agent is gt log's own option too; commander hands it to either, optsWithGlobals merges.
      .option("--agent <address>", "the agent whose session died (required)")
      .option("--session <name>", "its session")
      .option("--exit-code <n>", "the exit code of the pane's process")
      .action(
        act(async (ctx, _args, opts) => {
          if (typeof opts.agent !== "string" || !opts.agent)
            throw new ValidationError("gt log crash needs --agent <address>");
          const town = ctx.town();
          const code = opts.exitCode === undefined ? undefined : Number(opts.exitCode);
          logEvent(town.root, "crash", String(opts.agent), {
            agent: opts.agent,
            ...(opts.session ? { session: opts.session } : {}),
            ...(code !== undefined && !Number.isNaN(code) ? { exit_code: code } : {}),
          });
          if (ctx.json) return ctx.printJson({ recorded: "crash", agent: opts.agent });
          ctx.out(`Recorded a crash of ${opts.agent}`);
        }),
      );

    const activity = withEventFilters(p.command("activity"), "50")
      .description("The town's activity events (what gt feed shows), with filters")
      .action(
        act(async (ctx, _args, opts) => {
          await showEvents(
            ctx,
            { ...filterOf(opts), feedOnly: true },
            { tail: count(opts.tail, "--tail"), follow: opts.follow === true, line: feedLine },
          );
        }),
      );
    activity
      .command("emit <type>")
      .description("Log an activity event (patrols and scripts report through this)")
      .option("--actor <who>", "who emits it (default: the caller)")
      .option("--rig <rig>", "the rig it is about")
      .option("--polecat <name>", "the polecat involved")
      .option("--target <who>", "the target of the action")
      .option("--reason <text>", "why")
      .option("--message <text>", "a line for people")
      .option("--status <status>", "a status (polecat_checked: working, idle, stuck)")
      .option("--issue <id>", "the bead concerned")
      .option("--to <who>", "where an escalation went")
      .option("--count <n>", "a count (patrol events: polecats seen)")
      .option("--json", "print the event written")
      .action(
        act(async (ctx, [type], opts) => {
          if (!type || !/^[a-z][a-z0-9_]*$/.test(type))
            throw new ValidationError(`invalid event type "${type ?? ""}" (lowercase words joined by _)`);
          const town = ctx.town();
          const actor = (opts.actor as string | undefined) ?? callerActor(town.root, ctx.env, ctx.cwd);
          const payload: Record<string, unknown> = {};
          for (const key of ["rig", "polecat", "target", "reason", "message", "status", "issue", "to"])
            if (typeof opts[key] === "string") payload[key] = opts[key];
          if (opts.count !== undefined) payload.polecat_count = count(opts.count, "--count");
          logEvent(town.root, type, actor, payload);
          if (ctx.json) return ctx.printJson({ type, actor, payload });
          ctx.out(`Logged ${type} from ${actor}`);
        }),
      );

    p.command("audit")
      .description("One actor's work across events, commits and beads (a partial match on the address)")
      .option("--actor <who>", "only this actor (alpha/polecats/toast, toast, mayor)")
      .option("--since <when>", "only since a duration back (1h, 24h, 7d) or a time")
      .option("-n, --limit <n>", "at most this many entries (0: all)", "50")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const entries = await auditTrail(ctx.town(), {
            actor: opts.actor as string | undefined,
            since: opts.since ? parseSince(String(opts.since)) : undefined,
            limit: count(opts.limit, "--limit"),
          });
          if (ctx.json) return ctx.printJson(entries);
          if (entries.length === 0) return ctx.out("Nothing recorded for that");
          for (const e of entries) {
            const ref = e.kind === "commit" ? e.ref.slice(0, 8) : e.ref;
            const where = e.rig ? ` (${e.rig})` : "";
            ctx.out(
              `${stamp(e.ts)} ${e.kind.padEnd(12)} ${oneLine(e.actor || "-")}  ${ref}${where}  ${oneLine(e.summary)}`,
            );
          }
        }),
      );

    const trail = p
      .command("trail")
      .aliases(["recent", "recap"])
      .description("Recent agent activity: commits (default), beads or hooks")
      .option("--since <when>", "only since a duration back (1h, 24h, 7d) or a time")
      .option("--limit <n>", "at most this many items (0: all)", "20")
      .option("--all", "people's work too, not only agents'")
      .option("--json", "JSON output");
    const trailOpts = (opts: Record<string, unknown>) => ({
      since: opts.since ? parseSince(String(opts.since)) : undefined,
      limit: count(opts.limit ?? "20", "--limit"),
      all: opts.all === true,
    });
    const commits = async (ctx: GtContext, opts: Record<string, unknown>) => {
      const list = await recentCommits(ctx.town(), trailOpts(opts));
      if (ctx.json) return ctx.printJson(list);
      if (list.length === 0) return ctx.out("No commits by agents yet");
      for (const c of list)
        ctx.out(
          `${stamp(c.date)} ${c.sha.slice(0, 8)} ${c.rig.padEnd(10)} ${oneLine(c.author)}  ${oneLine(c.subject)}`,
        );
    };
    trail.action(act(async (ctx, _args, opts) => commits(ctx, opts)));
    trail
      .command("commits")
      .description("Recent commits by agents in every rig")
      .action(act(async (ctx, _args, opts) => commits(ctx, opts)));
    trail
      .command("beads")
      .description("Beads agents made or worked, latest change first")
      .action(
        act(async (ctx, _args, opts) => {
          const list = await recentBeads(ctx.town(), trailOpts(opts));
          if (ctx.json) return ctx.printJson(list);
          if (list.length === 0) return ctx.out("No beads by agents yet");
          for (const b of list)
            ctx.out(
              `${stamp(b.updated_at)} ${b.id.padEnd(14)} ${b.status.padEnd(11)} ${oneLine(b.assignee ?? b.created_by ?? "-")}  ${oneLine(b.title)}`,
            );
        }),
      );
    trail
      .command("hooks")
      .description("Recent hook activity: slings, hooks, releases, done, handoffs")
      .action(
        act(async (ctx, _args, opts) => {
          const list = recentHookEvents(ctx.town(), trailOpts(opts));
          if (ctx.json) return ctx.printJson(list);
          if (list.length === 0) return ctx.out("No hook activity yet");
          for (const e of list) ctx.out(feedLine(e));
        }),
      );
  },
};
