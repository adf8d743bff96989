// gt mail's address book and boards: queues (claim/release), channels, groups, announce
// boards, the directory of every address, and drain (bulk archive of protocol mail).
import type { Command } from "commander";
import { keepMail, type MailMessage, readMail, resolveMailbox } from "../../comms/mail.ts";
import {
  type BoardKind,
  boardMessages,
  claimFromQueue,
  directory,
  drainMailbox,
  releaseClaim,
} from "../../comms/mail-routes.ts";
import {
  addEntry,
  announceOf,
  channelOf,
  loadMessaging,
  membersOf,
  parseBookAddress,
  queueOf,
  removeEntry,
  updateMessaging,
} from "../../comms/messaging.ts";
import { durationMs } from "../../duration.ts";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerIdentity } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act } from "./program.ts";

type Mailbox = (ctx: GtContext, opts: Record<string, unknown>) => string;

function boardLine(m: MailMessage): string {
  const claim = m.claimed_by ? `  [claimed by ${m.claimed_by}]` : "";
  return `  ${m.id.padEnd(14)} ${m.created_at.slice(0, 19)}  ${oneLine(m.from).padEnd(20)} ${oneLine(m.subject)}${claim}`;
}

async function showBoard(ctx: GtContext, kind: BoardKind, name: string, meta: object, all: boolean) {
  const rows = await boardMessages(ctx.town(), kind, name, { all });
  if (ctx.json) return ctx.printJson({ name, ...meta, messages: rows });
  ctx.out(`${kind}:${name}  ${rows.length} message(s)`);
  for (const m of rows) ctx.out(boardLine(m));
}

/** An address a group, list, channel or queue may hold: an agent, a pattern, or a named address. */
function checkMember(ctx: GtContext, member: string): string {
  const raw = member.trim();
  if (parseBookAddress(raw) || raw.startsWith("@") || raw.includes("*")) return raw;
  return resolveMailbox(ctx.town(), raw);
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(`not a count: "${v}"`);
  return n;
}

export function registerMailBoards(mail: Command, mailbox: Mailbox): void {
  // Queues: one copy, claimed by one eligible worker.
  const queue = mail.command("queue").description("Work queues (send to queue:<name>; workers claim)");
  queue
    .command("create <name>")
    .description("Create a queue: gt mail queue create reviews --claimers 'gastown/polecats/*'")
    .requiredOption(
      "--claimers <patterns>",
      "who may claim (comma-separated addresses or patterns, * = anyone)",
    )
    .option("--max-claims <n>", "at most this many claimed at once (0 = no limit)", positiveInt)
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const workers = String(opts.claimers)
          .split(",")
          .map((w) => w.trim())
          .filter(Boolean);
        if (workers.length === 0) throw new ValidationError("--claimers names nobody");
        const entry = {
          workers: workers.map((w) => checkMember(ctx, w)),
          ...(opts.maxClaims ? { max_claims: opts.maxClaims as number } : {}),
        };
        await updateMessaging(ctx.town(), (m) => addEntry(m, "queue", name!, entry));
        if (ctx.json) return ctx.printJson({ name, ...entry });
        ctx.out(`✓ created queue:${name} (claimers: ${entry.workers.join(", ")})`);
      }),
    );
  queue
    .command("list")
    .description("Every queue, with how many messages wait")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const m = loadMessaging(ctx.town());
        const rows = [];
        for (const [name, q] of Object.entries(m.queues).sort()) {
          const msgs = await boardMessages(ctx.town(), "queue", name);
          rows.push({
            name,
            ...q,
            waiting: msgs.filter((x) => !x.claimed_by).length,
            claimed: msgs.filter((x) => x.claimed_by).length,
          });
        }
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("No queues (gt mail queue create <name> --claimers ...)");
        for (const r of rows)
          ctx.out(
            `queue:${r.name}  ${r.waiting} waiting, ${r.claimed} claimed  (claimers: ${r.workers.join(", ")})`,
          );
      }),
    );
  queue
    .command("show <name>")
    .description("A queue and its open messages")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) =>
        showBoard(ctx, "queue", name!, queueOf(loadMessaging(ctx.town()), name!), false),
      ),
    );
  queue
    .command("delete <name>")
    .description("Delete a queue (its messages stay in the ledger)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        await updateMessaging(ctx.town(), (m) => removeEntry(m, "queue", name!));
        if (ctx.json) return ctx.printJson({ deleted: `queue:${name}` });
        ctx.out(`✓ deleted queue:${name}`);
      }),
    );
  mail
    .command("claim [queue]")
    .description("Claim the oldest waiting message of a queue (default: any queue you may claim from)")
    .option("--identity <address>", "claim as this address")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const me = mailbox(ctx, opts);
        const got = await claimFromQueue(ctx.town(), me, name);
        if (ctx.json) return ctx.printJson(got);
        if (!got) {
          ctx.out(`Nothing to claim${name ? ` in queue:${name}` : ""}`);
          return 1;
        }
        ctx.out(`✓ claimed ${got.id} from ${got.to}: ${oneLine(got.subject)}`);
        if (got.body) ctx.out(`\n${got.body}`);
      }),
    );
  mail
    .command("release <id>")
    .description("Put a message you claimed back in its queue")
    .option("--identity <address>", "release as this address")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [id], opts) => {
        const m = await releaseClaim(ctx.town(), mailbox(ctx, opts), id!);
        if (ctx.json) return ctx.printJson(m);
        ctx.out(`✓ released ${m.id} back to ${m.to}`);
      }),
    );

  // Channels: one retained copy, and one per subscriber.
  const channel = mail
    .command("channel [name]")
    .description(
      "Channels (send to channel:<name>): gt mail channel lists them, gt mail channel <name> shows one",
    )
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        const m = loadMessaging(ctx.town());
        if (name) return showBoard(ctx, "channel", name, channelOf(m, name), false);
        return listChannels(ctx);
      }),
    );
  const listChannels = async (ctx: GtContext) => {
    const rows = Object.entries(loadMessaging(ctx.town()).channels)
      .sort()
      .map(([name, c]) => ({ name, ...c }));
    if (ctx.json) return ctx.printJson(rows);
    if (rows.length === 0) return ctx.out("No channels (gt mail channel create <name>)");
    for (const r of rows) ctx.out(`channel:${r.name}  ${r.subscribers.length} subscriber(s)`);
  };
  channel
    .command("list")
    .description("Every channel")
    .option("--json", "JSON output")
    .action(act(async (ctx) => listChannels(ctx)));
  channel
    .command("show <name>")
    .description("A channel's retained messages")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) =>
        showBoard(ctx, "channel", name!, channelOf(loadMessaging(ctx.town()), name!), false),
      ),
    );
  channel
    .command("create <name>")
    .description("Create a channel")
    .option("--retain-count <n>", "keep at most this many messages (0 = all)", positiveInt)
    .option("--retain-hours <n>", "keep messages this many hours (0 = forever)", positiveInt)
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const entry = {
          subscribers: [] as string[],
          ...(opts.retainCount ? { retain_count: opts.retainCount as number } : {}),
          ...(opts.retainHours ? { retain_hours: opts.retainHours as number } : {}),
        };
        await updateMessaging(ctx.town(), (m) => addEntry(m, "channel", name!, entry));
        if (ctx.json) return ctx.printJson({ name, ...entry });
        ctx.out(`✓ created channel:${name}`);
      }),
    );
  channel
    .command("delete <name>")
    .description("Delete a channel")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        await updateMessaging(ctx.town(), (m) => removeEntry(m, "channel", name!));
        if (ctx.json) return ctx.printJson({ deleted: `channel:${name}` });
        ctx.out(`✓ deleted channel:${name}`);
      }),
    );
  for (const verb of ["subscribe", "unsubscribe"] as const)
    channel
      .command(`${verb} <name>`)
      .description(verb === "subscribe" ? "Get a copy of what the channel is sent" : "Stop getting copies")
      .option("--identity <address>", "who (default: you)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const me = mailbox(ctx, opts);
          const subs = await updateMessaging(ctx.town(), (m) => {
            const c = channelOf(m, name!);
            if (verb === "subscribe") {
              if (!c.subscribers.includes(me)) c.subscribers.push(me);
            } else {
              if (!c.subscribers.includes(me))
                throw new ValidationError(`${me} is not subscribed to channel:${name}`);
              c.subscribers = c.subscribers.filter((s) => s !== me);
            }
            return c.subscribers;
          });
          if (ctx.json) return ctx.printJson({ channel: name, subscribers: subs });
          ctx.out(`✓ ${me} ${verb}d ${verb === "subscribe" ? "to" : "from"} channel:${name}`);
        }),
      );
  channel
    .command("subscribers <name>")
    .description("Who gets the channel's messages")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        const subs = channelOf(loadMessaging(ctx.town()), name!).subscribers;
        if (ctx.json) return ctx.printJson(subs);
        ctx.out(subs.length ? subs.join("\n") : `channel:${name} has no subscribers`);
      }),
    );

  // Groups: named sets of addresses (which may be other groups), one copy per member.
  const group = mail.command("group").description("Mail groups (send to group:<name>, one copy each)");
  group
    .command("list")
    .description("Every group")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const rows = Object.entries(loadMessaging(ctx.town()).groups)
          .sort()
          .map(([name, members]) => ({ name, members }));
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("No groups (gt mail group create <name> <members...>)");
        for (const r of rows) ctx.out(`group:${r.name}  ${r.members.join(", ")}`);
      }),
    );
  group
    .command("show <name>")
    .description("A group's members")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        const members = membersOf(loadMessaging(ctx.town()), "group", name!);
        if (ctx.json) return ctx.printJson({ name, members });
        ctx.out(`group:${name}\n${members.map((x) => `  ${x}`).join("\n")}`);
      }),
    );
  group
    .command("create <name> [members...]")
    .description("Create a group: gt mail group create reviewers gastown/crew/max mayor")
    .option("--member <address>", "a member (repeatable)", (v: string, acc: string[] = []) => [...acc, v])
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, ...rest], opts) => {
        const members = [...rest, ...((opts.member as string[] | undefined) ?? [])].map((x) =>
          checkMember(ctx, x),
        );
        await updateMessaging(ctx.town(), (m) => addEntry(m, "group", name!, [...new Set(members)]));
        if (ctx.json) return ctx.printJson({ name, members });
        ctx.out(`✓ created group:${name} (${members.length} member(s))`);
      }),
    );
  for (const verb of ["add", "remove"] as const)
    group
      .command(`${verb} <name> <member>`)
      .description(verb === "add" ? "Add a member" : "Remove a member")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name, member]) => {
          const who = verb === "add" ? checkMember(ctx, member!) : member!.trim();
          const members = await updateMessaging(ctx.town(), (m) => {
            const list = membersOf(m, "group", name!);
            if (verb === "add") {
              if (!list.includes(who)) list.push(who);
            } else {
              const at = list.indexOf(who);
              if (at < 0) throw new ValidationError(`${who} is not in group:${name}`);
              list.splice(at, 1);
            }
            return list;
          });
          if (ctx.json) return ctx.printJson({ name, members });
          ctx.out(
            `✓ ${verb === "add" ? "added" : "removed"} ${who} ${verb === "add" ? "to" : "from"} group:${name}`,
          );
        }),
      );
  group
    .command("delete <name>")
    .description("Delete a group")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        await updateMessaging(ctx.town(), (m) => removeEntry(m, "group", name!));
        if (ctx.json) return ctx.printJson({ deleted: `group:${name}` });
        ctx.out(`✓ deleted group:${name}`);
      }),
    );

  mail
    .command("directory")
    .alias("dir")
    .description("Every address mail can go to")
    .option("--json", "JSON output")
    .action(
      act(async (ctx) => {
        const rows = directory(ctx.town());
        if (ctx.json) return ctx.printJson(rows);
        for (const r of rows)
          ctx.out(`${r.address.padEnd(32)} ${r.type}${r.members ? `  (${r.members.join(", ")})` : ""}`);
      }),
    );
  mail
    .command("announces [name]")
    .description("Announce boards (config/messaging.json): list them, or read one")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        const m = loadMessaging(ctx.town());
        if (name) return showBoard(ctx, "announce", name, announceOf(m, name), false);
        const rows = Object.entries(m.announces)
          .sort()
          .map(([n, a]) => ({ name: n, readers: a.readers, retain_count: a.retain_count ?? 0 }));
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("○ No announce channels configured");
        for (const r of rows)
          ctx.out(
            `announce:${r.name}  readers: ${r.readers.join(", ")}${r.retain_count ? `  (keeps ${r.retain_count})` : ""}`,
          );
      }),
    );
  mail
    .command("hook <id>")
    .description("Put a message on your hook (same as gt hook attach <id>)")
    .option("-n, --dry-run", "check and say what would happen")
    .option("-f, --force", "replace what is hooked there")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [id], opts) => {
        const town = ctx.town();
        const caller = callerIdentity(town.root, ctx.env, ctx.cwd);
        if (!caller)
          throw new ValidationError("gt mail hook is for agents: run it in an agent's session or directory");
        const me = addressOf(caller);
        // Only a message of your own mailbox (or one you claimed) goes on your hook.
        const m = await readMail(town, me, id!, { peek: true });
        // Loaded here: every gt mail check (a prompt hook) would pay for sling's module otherwise.
        const { sling } = await import("../../work/sling.ts");
        const hookIt = async (dryRun: boolean) => {
          const report = await sling(town, ctx.provider(), [m.id], me, {
            actor: me,
            caller,
            noStart: true,
            attachOnly: true,
            dryRun,
            force: opts.force === true,
          });
          const failed = report.failures[0];
          if (failed) throw new ValidationError(`cannot hook ${m.id}: ${failed.error}`);
          return report;
        };
        // Checked first; then the message stops being a wisp (hooks see durable beads only).
        let report = await hookIt(true);
        if (opts.dryRun !== true) {
          await keepMail(town, me, m.id);
          report = await hookIt(false);
        }
        if (ctx.json) return ctx.printJson(report);
        ctx.out(`${opts.dryRun ? "Would put" : "🪝"} ${m.id} (${oneLine(m.subject)}) on ${me}'s hook`);
      }),
    );
  mail
    .command("drain")
    .description(
      "Archive old protocol mail (POLECAT_DONE, MERGED, LIFECYCLE: ...); HELP, HANDOFF and pinned mail stay",
    )
    .option("--identity <address>", "whose inbox (default: yours)")
    .option("--max-age <duration>", "only messages older than this", "30m")
    .option("--all", "whatever their age")
    .option("-n, --dry-run", "only show what would be archived")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, _args, opts) => {
        const maxAgeMs = opts.all ? 0 : durationMs(String(opts.maxAge), "--max-age");
        const box = mailbox(ctx, opts);
        const rows = await drainMailbox(ctx.town(), box, { maxAgeMs, dryRun: opts.dryRun === true });
        if (ctx.json) return ctx.printJson({ identity: box, dry_run: opts.dryRun === true, drained: rows });
        if (rows.length === 0) return ctx.out(`Nothing to drain in ${box}`);
        ctx.out(`${opts.dryRun ? "Would drain" : "✓ drained"} ${rows.length} message(s) from ${box}`);
        for (const m of rows) ctx.out(boardLine(m));
      }),
    );
}
