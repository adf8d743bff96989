// gt mail: durable messages between agents (and the overseer), kept as beads.
import type { Command } from "commander";
import {
  archiveMail,
  deleteMail,
  inbox,
  MAIL_PRIORITIES,
  type MailMessage,
  type MailPriority,
  mailThread,
  markMail,
  OVERSEER,
  readMail,
  resolveMailbox,
  searchMail,
  sendMail,
} from "../../comms/mail.ts";
import { sendRouted } from "../../comms/mail-routes.ts";
import { unreadMail } from "../../comms/mailbox.ts";
import { drainNudges, formatDrained, type NudgeResult, nudge } from "../../comms/nudge.ts";
import { ValidationError } from "../../errors.ts";
import { gastownEnabled } from "../../town/gastown-switch.ts";
import { addressOf, callerIdentity, parseAddress, sessionNameOf } from "../../town/identity.ts";
import { openLedgerFor, openTownLedger } from "../../town/ledgers.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { block, oneLine } from "./format.ts";
import { readStdin } from "./hook-input.ts";
import { registerMailBoards } from "./mail-boards.ts";
import { act, type GtGroup, knowsCommand, subcommandWord } from "./program.ts";

/** Whose mailbox: --identity, else the caller's; a person outside any agent is the overseer. */
function mailbox(ctx: GtContext, opts: Record<string, unknown>): string {
  const town = ctx.town();
  if (opts.identity) return resolveMailbox(town, opts.identity as string);
  const id = callerIdentity(town.root, ctx.env, ctx.cwd);
  return id ? addressOf(id) : OVERSEER;
}

function line(m: MailMessage): string {
  const flag = m.read ? " " : "●";
  const pri = m.priority === "normal" ? "" : ` [${m.priority}]`;
  const pin = m.pinned ? " 📌" : "";
  return `${flag} ${m.id.padEnd(12)} ${oneLine(m.from).padEnd(24)} ${oneLine(m.subject)}${pri}${pin}`;
}

function show(ctx: GtContext, m: MailMessage): void {
  ctx.out(`📨 ${m.id}  ${oneLine(m.subject)}`);
  ctx.out(
    `From: ${oneLine(m.from)}\nTo: ${oneLine(m.to)}${m.cc.length ? `\nCc: ${oneLine(m.cc.join(", "))}` : ""}`,
  );
  ctx.out(
    `Date: ${m.created_at}  Priority: ${m.priority}  Type: ${oneLine(m.type)}  Thread: ${oneLine(m.thread)}`,
  );
  if (m.body) ctx.out(`\n${block(m.body)}`);
}

/**
 * Tells the recipient about new mail: a nudge now if it is idle within 3 s, else queued for
 * its next turn. What happened: delivered, queued, unverified, or null (the overseer).
 */
async function notify(ctx: GtContext, m: MailMessage): Promise<NudgeResult["outcome"] | null> {
  if (m.to === OVERSEER) return null;
  const r = await nudge(
    ctx.town(),
    ctx.provider(),
    parseAddress(m.to),
    `📬 New mail from ${m.from}: ${m.subject} (gt mail read ${m.id})`,
    {
      sender: m.from,
      mode: "wait-idle",
      idleTimeoutMs: 3000,
      priority: m.priority === "urgent" ? "urgent" : "normal",
    },
  );
  return r.outcome;
}

/** What gt mail send says about the recipient's nudge: only a delivered one is "(nudged)". */
const NUDGE_NOTE: Record<NudgeResult["outcome"] | "none", string> = {
  delivered: " (nudged)",
  queued: " (queued)",
  unverified: " (nudge typed, not confirmed)",
  none: "",
};

/** The recipient: the argument, --to, or --self (the caller's own mailbox); exactly one. */
function recipientOf(ctx: GtContext, address: string | undefined, opts: Record<string, unknown>): string {
  const given = [address, opts.to, opts.self ? "--self" : undefined].filter((x) => x !== undefined);
  if (given.length === 0) throw new ValidationError("an address is needed (an argument, --to or --self)");
  if (given.length > 1) throw new ValidationError("give the address once: an argument, --to or --self");
  if (!opts.self) return String(given[0]);
  const id = callerIdentity(ctx.town().root, ctx.env, ctx.cwd);
  if (!id) throw new ValidationError("--self is for agents: run it in an agent's session or directory");
  return addressOf(id);
}

export const mailGroup: GtGroup = {
  names: GT_BUNDLES["gt-mail"],
  register(p: Command) {
    const mail = p.command("mail").description("Mail between agents");
    mail
      .command("send [address]")
      .description("Send a message: gt mail send gastown/witness -s 'Subject' -m 'Body'")
      .option("--to <address>", "the recipient (instead of the argument)")
      .option("--self", "send to yourself (handoff notes for your next session)")
      .option("--from <address>", "send as this address (relays and bridges)")
      .option("-s, --subject <text>", "subject")
      .option("-m, --message <text>", "body")
      .option("--body <text>", "same as --message")
      .option("--stdin", "read the body from standard input")
      .option("--priority <p>", "urgent, high, normal (default) or low; or 0-3")
      .option("--urgent", "same as --priority urgent")
      .option("--type <type>", "task, notification, reply, escalation, scavenge")
      .option("--reply-to <id>", "the message this answers (keeps the thread)")
      .option("--cc <address...>", "copies to")
      .option("--pinned", "pin it: handoff context that clear and drain leave alone")
      .option("--permanent", "keep it in the exported ledger (mail is a wisp by default)")
      .option("--no-notify", "do not nudge the recipient")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [address], opts) => {
          const town = ctx.town();
          const to = recipientOf(ctx, address, opts);
          if (opts.stdin && (opts.message !== undefined || opts.body !== undefined))
            throw new ValidationError("--stdin and --message/--body both give the body: use one");
          const body = opts.stdin
            ? (await readStdin()).replace(/\n+$/, "")
            : ((opts.message ?? opts.body ?? "") as string);
          let priority: MailPriority = opts.urgent ? "urgent" : "normal";
          if (opts.priority !== undefined && !opts.urgent) {
            const raw = String(opts.priority);
            const byNumber = Object.entries(MAIL_PRIORITIES).find(([, v]) => String(v) === raw)?.[0];
            const named = (byNumber ?? raw) as MailPriority;
            if (!(named in MAIL_PRIORITIES))
              throw new ValidationError(`unknown priority "${raw}" (urgent, high, normal, low)`);
            priority = named;
          }
          let from = mailbox(ctx, {});
          if (opts.from !== undefined) {
            from = String(opts.from).trim();
            if (!from || /\s/.test(from)) throw new ValidationError(`invalid --from "${opts.from}"`);
          }
          const sent = await sendRouted(town, {
            from,
            to,
            subject: (opts.subject as string | undefined) ?? "",
            body,
            priority,
            type: opts.type as string | undefined,
            replyTo: opts.replyTo as string | undefined,
            cc: opts.cc as string[] | undefined,
            permanent: opts.permanent === true,
            pinned: opts.pinned === true,
          });
          const rows = [];
          for (const m of sent) {
            // Boards are read, not nudged; mail to yourself (a handoff) is not nudged either.
            const quiet = opts.notify === false || m.to.includes(":") || m.to === from;
            const nudge = quiet ? null : await notify(ctx, m).catch(() => null);
            rows.push({ ...m, notified: nudge === "delivered" || nudge === "queued", nudge });
          }
          if (ctx.json) return ctx.printJson(rows.length === 1 ? rows[0] : rows);
          for (const m of rows)
            ctx.out(`✉️  Sent ${m.id} to ${m.to}${NUDGE_NOTE[m.nudge ?? "none"]}${m.pinned ? " 📌" : ""}`);
        }),
      );
    mail
      .command("inbox [address]")
      .description("Your messages, newest first (● unread)")
      .option("--all", "include archived messages")
      .option("--unread", "only unread ones")
      .option("--identity <address>", "whose mailbox")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [address], opts) => {
          const box = address ? resolveMailbox(ctx.town(), address) : mailbox(ctx, opts);
          const rows = await inbox(ctx.town(), box, {
            all: opts.all === true,
            unreadOnly: opts.unread === true,
          });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out(`📭 ${box}: no messages`);
          ctx.out(`📬 ${box}: ${rows.length} message(s), ${rows.filter((m) => !m.read).length} unread`);
          for (const m of rows) ctx.out(line(m));
        }),
      );
    for (const [verb, peek] of [
      ["read", false],
      ["peek", true],
    ] as const) {
      mail
        .command(`${verb} <id>`)
        .alias(verb === "read" ? "show" : "glance")
        .description(peek ? "Show a message without marking it read" : "Show a message and mark it read")
        .option("--identity <address>", "whose mailbox")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [id], opts) => {
            const m = await readMail(ctx.town(), mailbox(ctx, opts), id!, { peek });
            if (ctx.json) return ctx.printJson(m);
            show(ctx, m);
          }),
        );
    }
    mail
      .command("reply <id>")
      .description("Answer a message (same thread, to its sender)")
      .option("-s, --subject <text>", "subject (default: Re: the original's)")
      .option("-m, --message <text>", "body")
      .option("--stdin", "read the body from standard input")
      .option("--no-notify", "do not nudge the recipient")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id], opts) => {
          const me = mailbox(ctx, {});
          const original = await readMail(ctx.town(), me, id!, { peek: true });
          const body = opts.stdin ? await readStdin() : ((opts.message as string | undefined) ?? "");
          const sent = await sendMail(ctx.town(), {
            from: me,
            to: original.from,
            subject:
              (opts.subject as string | undefined) ??
              (original.subject.startsWith("Re: ") ? original.subject : `Re: ${original.subject}`),
            body,
            type: "reply",
            replyTo: original.id,
          });
          const nudge = opts.notify === false ? null : await notify(ctx, sent).catch(() => null);
          if (ctx.json)
            return ctx.printJson({ ...sent, notified: nudge === "delivered" || nudge === "queued", nudge });
          ctx.out(`✉️  Replied ${sent.id} to ${sent.to} (thread ${sent.thread})`);
        }),
      );
    mail
      .command("thread <id>")
      .description("Every message of a thread, oldest first")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id]) => {
          const rows = await mailThread(ctx.town(), id!);
          if (ctx.json) return ctx.printJson(rows);
          for (const m of rows)
            ctx.out(`${m.created_at}  ${oneLine(m.from)} → ${oneLine(m.to)}: ${oneLine(m.subject)}`);
        }),
      );
    mail
      .command("search <text>")
      .description("Messages of your mailbox whose subject or body contains the text")
      .option("--identity <address>", "whose mailbox")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [text], opts) => {
          const rows = await searchMail(ctx.town(), mailbox(ctx, opts), text!);
          if (ctx.json) return ctx.printJson(rows);
          for (const m of rows) ctx.out(line(m));
        }),
      );
    const each = (
      verb: string,
      description: string,
      fn: (town: ReturnType<GtContext["town"]>, box: string, id: string) => Promise<unknown>,
      done: string,
    ) =>
      mail
        .command(`${verb} <ids...>`)
        .description(description)
        .option("--identity <address>", "whose mailbox")
        .option("--json", "JSON output")
        .action(
          act(async (ctx, ids, opts) => {
            const box = mailbox(ctx, opts);
            const out = [];
            for (const id of ids) out.push(await fn(ctx.town(), box, id));
            if (ctx.json) return ctx.printJson(out);
            ctx.out(`✓ ${done}: ${ids.join(", ")}`);
          }),
        );
    each("archive", "Archive messages (they leave the inbox)", archiveMail, "archived");
    each("delete", "Delete messages for good", deleteMail, "deleted");
    each("mark-read", "Mark messages read", (t, b, id) => markMail(t, b, id, true), "marked read");
    each("mark-unread", "Mark messages unread", (t, b, id) => markMail(t, b, id, false), "marked unread");
    mail
      .command("clear")
      .description("Archive every message in your inbox (pinned ones stay)")
      .option("--identity <address>", "whose mailbox")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const box = mailbox(ctx, opts);
          const all = await inbox(ctx.town(), box);
          const rows = all.filter((m) => !m.pinned);
          for (const m of rows) await archiveMail(ctx.town(), box, m.id);
          const kept = all.filter((m) => m.pinned).map((m) => m.id);
          if (ctx.json) return ctx.printJson({ archived: rows.map((m) => m.id), pinned: kept });
          ctx.out(`✓ archived ${rows.length} message(s)${kept.length ? `, ${kept.length} pinned kept` : ""}`);
        }),
      );
    mail
      .command("check")
      .description("Count unread mail (with --inject: print it for the agent's context)")
      .option("--inject", "print new mail as a reminder block (prompt hooks)")
      .option("--identity <address>", "whose mailbox")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          // gt disable: the prompt hook does nothing.
          if (opts.inject === true && !gastownEnabled(ctx.env)) return;
          const town = ctx.town();
          const address = mailbox(ctx, opts);
          const rig = address.includes("/") ? parseAddress(address).rig : undefined;
          const ledgers = rig ? [openLedgerFor(town, rig), openTownLedger(town)] : [openTownLedger(town)];
          try {
            const unread = (await unreadMail(ledgers, address)).map((i) => ({
              id: i.id,
              title: i.title,
              from: i.sender ?? null,
              priority: i.priority,
            }));
            if (ctx.json) return ctx.printJson({ address, unread: unread.length, messages: unread });
            if (opts.inject === true) {
              // The turn boundary: nudges queued while the agent was busy are handed over here.
              const own = !opts.identity ? callerIdentity(town.root, ctx.env, ctx.cwd) : undefined;
              if (own) {
                const session =
                  ctx.env.GT_SESSION || sessionNameOf(own, own.rig ? town.prefixOf(own.rig) : undefined);
                const drained = formatDrained(drainNudges(town, session));
                if (drained) ctx.out(drained);
              }
              if (unread.length === 0) return;
              // Urgent first ("stop and read now"), then high, then the rest (spec §1.7).
              const tiers: Array<[string, (p: number) => boolean]> = [
                ["URGENT — stop and read now", (p) => p === 0],
                ["High — finish your current step, then read before going idle", (p) => p === 1],
                ["Check before going idle", (p) => p >= 2],
              ];
              ctx.out(`<system-reminder>\nYou have ${unread.length} unread message(s).`);
              for (const [title, match] of tiers) {
                const some = unread.filter((m) => match(m.priority));
                if (some.length === 0) continue;
                ctx.out(`${title}:`);
                for (const m of some)
                  ctx.out(`- ${m.id}: ${oneLine(m.title)}${m.from ? ` (from ${oneLine(m.from)})` : ""}`);
              }
              ctx.out("Read them with gt mail read <id>.\n</system-reminder>");
              return;
            }
            ctx.out(unread.length ? `${unread.length} unread message(s)` : "No new mail");
            return unread.length ? 0 : 1;
          } finally {
            for (const l of ledgers) await l.close();
          }
        }),
      );
    // The boards (queues, channels, groups, announces …) are half of mail's tree: building
    // them is wasted on a core subcommand such as `gt mail check`, which every prompt runs.
    const sub = subcommandWord(process.argv, "mail");
    if (sub === undefined || sub === "help" || !knowsCommand(mail, sub)) registerMailBoards(mail, mailbox);
  },
};
