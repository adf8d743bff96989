// Mail between agents (spec §1.7). A message is a bead of type `message` in the town
// ledger: assignee = recipient, title = subject, description = body, labelled gt:message,
// from:<sender>, thread:<id>, msg-type:<type>, cc:<address>, reply-to:<id>. "Read" is the
// label `read`; archiving closes the bead. Mail is a wisp unless sent --permanent: a wisp
// never travels in the JSONL export (it is lost with the database, by design); permanent
// mail is exported like any bead (the town ledger does not count `message` as infrastructure).
import { NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { lazyCrypto } from "../lazy.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { addressOf, parseAddress } from "../town/identity.ts";
import { openTownLedger } from "../town/ledgers.ts";
import { knownAgents } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { MESSAGE_TYPE, READ_LABEL } from "./mailbox.ts";

export const MAIL_LABEL = "gt:message";
export const MAIL_TYPES = ["task", "notification", "reply", "escalation", "scavenge"] as const;
export type MailType = (typeof MAIL_TYPES)[number];
export const MAIL_PRIORITIES = { urgent: 0, high: 1, normal: 2, low: 3 } as const;
export type MailPriority = keyof typeof MAIL_PRIORITIES;
/** The human operator: a mailbox with no session. */
export const OVERSEER = "overseer";
export const PINNED_LABEL = "pinned";

export interface MailMessage {
  id: string;
  from: string;
  to: string;
  cc: string[];
  subject: string;
  body: string;
  priority: MailPriority;
  type: string;
  thread: string;
  reply_to: string | null;
  read: boolean;
  archived: boolean;
  /** Pinned mail (handoff context) stays put: clear and drain leave it. */
  pinned: boolean;
  /** Queue mail: who claimed it, and when (null while it waits). */
  claimed_by: string | null;
  claimed_at: string | null;
  created_at: string;
}

function labelValue(labels: string[] | undefined, key: string): string | undefined {
  const l = labels?.find((x) => x.startsWith(`${key}:`));
  return l?.slice(key.length + 1);
}

function priorityName(p: number): MailPriority {
  return (Object.entries(MAIL_PRIORITIES).find(([, v]) => v === p)?.[0] as MailPriority) ?? "low";
}

export function toMessage(issue: Issue): MailMessage {
  const labels = issue.labels ?? [];
  return {
    id: issue.id,
    from: labelValue(labels, "from") ?? issue.sender ?? "",
    to: issue.assignee ?? "",
    cc: labels.filter((l) => l.startsWith("cc:")).map((l) => l.slice(3)),
    subject: issue.title,
    body: issue.description ?? "",
    priority: priorityName(issue.priority),
    type: labelValue(labels, "msg-type") ?? "notification",
    thread: labelValue(labels, "thread") ?? issue.id,
    reply_to: labelValue(labels, "reply-to") ?? null,
    read: labels.includes(READ_LABEL),
    archived: issue.status === "closed",
    pinned: labels.includes(PINNED_LABEL),
    claimed_by: labelValue(labels, "claimed-by") ?? null,
    claimed_at: labelValue(labels, "claimed-at") ?? null,
    created_at: issue.created_at,
  };
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * The mailbox an address names: agent addresses in any of their spellings (`mayor/`,
 * `gastown/toast` for `gastown/polecats/toast`), checked against the agents the town has;
 * `overseer` for the human. Unknown ones are refused with the closest known addresses.
 */
export function resolveMailbox(town: Town, address: string): string {
  const raw = address.trim();
  if (raw === OVERSEER || raw === "@overseer" || raw === "human") return OVERSEER;
  const known = knownAgents(town).map(addressOf);
  let canonical: string | undefined;
  try {
    canonical = addressOf(parseAddress(raw));
  } catch {
    canonical = undefined;
  }
  if (canonical && known.includes(canonical)) return canonical;
  const near = [...known, OVERSEER]
    .map((k) => ({ k, d: distance(raw.replace(/\/$/, ""), k) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.k);
  throw new ValidationError(`unknown address "${address}" (did you mean ${near.join(", ")}?)`);
}

/** Shell-style `*` over address segments (a star matches one segment, e.g. every rig's witness). */
export function globMatch(pattern: string, address: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^/]+")}$`,
  );
  return re.test(address);
}

/**
 * Every mailbox an address reaches: one agent, or a group — `@town` (mayor and deacon),
 * `@witnesses`, `@crew` / `@crew/<rig>`, `@polecats/<rig>`, `@rig/<rig>`, or a pattern with
 * a star for one segment (`gastown/crew/` followed by a star). A group that reaches nobody is
 * an error, not a silent no-op.
 */
export function resolveRecipients(town: Town, address: string): string[] {
  const raw = address.trim();
  const known = knownAgents(town).map((id) => ({ id, address: addressOf(id) }));
  let members: string[] | undefined;
  if (raw === "@town") members = ["mayor", "deacon"];
  else if (raw === "@witnesses") members = known.filter((k) => k.id.role === "witness").map((k) => k.address);
  else if (raw === "@crew") members = known.filter((k) => k.id.role === "crew").map((k) => k.address);
  else if (raw.startsWith("@crew/"))
    members = known.filter((k) => k.id.role === "crew" && k.id.rig === raw.slice(6)).map((k) => k.address);
  else if (raw.startsWith("@polecats/"))
    members = known
      .filter((k) => k.id.role === "polecat" && k.id.rig === raw.slice(10))
      .map((k) => k.address);
  else if (raw.startsWith("@rig/"))
    members = known.filter((k) => k.id.rig === raw.slice(5)).map((k) => k.address);
  else if (raw.includes("*")) members = known.map((k) => k.address).filter((a) => globMatch(raw, a));
  else if (raw.startsWith("@") && raw !== "@overseer")
    throw new ValidationError(
      `unknown group "${raw}" (@town, @witnesses, @crew, @crew/<rig>, @polecats/<rig>, @rig/<rig>)`,
    );
  if (!members) return [resolveMailbox(town, raw)];
  if (members.length === 0) throw new ValidationError(`"${raw}" reaches no agent in this town`);
  return members;
}

export interface SendInput {
  from: string;
  to: string;
  subject: string;
  body?: string;
  priority?: MailPriority;
  type?: string;
  replyTo?: string;
  cc?: string[];
  /** Keep it in the exported ledger (default: a wisp). */
  permanent?: boolean;
  /** Put it in this thread (group sends share one). */
  thread?: string;
  /** Pin it (handoff context that clear and drain leave alone). */
  pinned?: boolean;
}

export function newThreadId(): string {
  return `thr-${lazyCrypto().randomBytes(5).toString("hex")}`;
}

/** Sends to an address or a group: one copy per member, all in one thread. */
export async function sendToAll(town: Town, input: SendInput): Promise<MailMessage[]> {
  const members = resolveRecipients(town, input.to);
  if (members.length === 1) return [await sendMail(town, { ...input, to: members[0]! })];
  const thread = input.thread ?? newThreadId();
  const out: MailMessage[] = [];
  for (const to of members) out.push(await sendMail(town, { ...input, to, thread }));
  return out;
}

/** Sends one message; the recipient (and cc) are checked before anything is written. */
export async function sendMail(town: Town, input: SendInput): Promise<MailMessage> {
  return writeMessage(town, input, resolveMailbox(town, input.to));
}

/**
 * Writes one message to `to`, an agent mailbox already checked or a board (queue:, channel:,
 * announce:); cc addresses are checked here, before anything is written.
 */
export async function writeMessage(
  town: Town,
  input: SendInput,
  to: string,
  extraLabels: string[] = [],
): Promise<MailMessage> {
  const cc = (input.cc ?? []).map((c) => resolveMailbox(town, c));
  const subject = input.subject.trim();
  if (!subject) throw new ValidationError("a message needs a subject (-s)");
  const type = input.type ?? (input.replyTo ? "reply" : "notification");
  const ledger = openTownLedger(town);
  try {
    let thread = input.thread ?? newThreadId();
    if (input.replyTo) {
      const original = await getMessage(ledger, input.replyTo);
      thread = original.thread;
    }
    const labels = [
      MAIL_LABEL,
      `from:${input.from}`,
      `thread:${thread}`,
      `msg-type:${type}`,
      ...cc.map((c) => `cc:${c}`),
    ];
    if (input.replyTo) labels.push(`reply-to:${input.replyTo}`);
    if (input.pinned) labels.push(PINNED_LABEL);
    labels.push(...extraLabels);
    const issue = await ledger.createIssue(
      {
        title: subject,
        description: input.body ?? "",
        issue_type: MESSAGE_TYPE,
        assignee: to,
        sender: input.from,
        priority: MAIL_PRIORITIES[input.priority ?? "normal"],
        labels,
        ephemeral: !input.permanent,
      },
      input.from,
    );
    logEvent(town.root, "mail", input.from, { to, subject });
    return toMessage(issue);
  } finally {
    await ledger.close();
  }
}

export async function getMessage(ledger: Ledger, id: string): Promise<MailMessage> {
  let resolved = id;
  try {
    resolved = await ledger.resolveId(id);
  } catch {
    // reported below
  }
  const issue = await ledger.getIssue(resolved);
  if (issue?.issue_type !== MESSAGE_TYPE) throw new NotFoundError(id, `no message ${id}`);
  return toMessage(issue);
}

/** A mailbox: messages to `address` or copied to it, newest first; archived ones with `all`. */
export async function inbox(
  town: Town,
  address: string,
  opts: { all?: boolean; unreadOnly?: boolean } = {},
): Promise<MailMessage[]> {
  const ledger = openTownLedger(town);
  try {
    const base = {
      types: [MESSAGE_TYPE],
      includeInfra: true,
      ephemeral: true as const,
      ...(opts.all ? { all: true } : {}),
    };
    const direct = await ledger.listIssues({ ...base, assignee: address });
    const copied = await ledger.listIssues({ ...base, labels: [`cc:${address}`] });
    const seen = new Set<string>();
    const out: MailMessage[] = [];
    for (const i of [...direct, ...copied]) {
      if (seen.has(i.id)) continue;
      seen.add(i.id);
      const m = toMessage(i);
      if (opts.unreadOnly && m.read) continue;
      out.push(m);
    }
    return out.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  } finally {
    await ledger.close();
  }
}

/** Applies `fn` to a message of this mailbox (the recipient's or a cc'd copy). */
async function onOwnMessage<T>(
  town: Town,
  address: string,
  id: string,
  fn: (ledger: Ledger, m: MailMessage) => Promise<T>,
): Promise<T> {
  const ledger = openTownLedger(town);
  try {
    const m = await getMessage(ledger, id);
    if (m.to !== address && !m.cc.includes(address) && m.claimed_by !== address)
      throw new NotFoundError(id, `message ${id} is not in ${address}'s mailbox`);
    return await fn(ledger, m);
  } finally {
    await ledger.close();
  }
}

/** Reads a message (marking it read unless `peek`). */
export async function readMail(town: Town, address: string, id: string, opts: { peek?: boolean } = {}) {
  return onOwnMessage(town, address, id, async (ledger, m) => {
    if (!opts.peek && !m.read) await ledger.addLabel(m.id, READ_LABEL, address);
    return { ...m, read: opts.peek ? m.read : true };
  });
}

export async function markMail(town: Town, address: string, id: string, read: boolean): Promise<MailMessage> {
  return onOwnMessage(town, address, id, async (ledger, m) => {
    if (read) await ledger.addLabel(m.id, READ_LABEL, address);
    else await ledger.removeLabel(m.id, READ_LABEL, address);
    return { ...m, read };
  });
}

/** Archives (closes) a message; it leaves the inbox but stays in its thread. */
export async function archiveMail(town: Town, address: string, id: string): Promise<MailMessage> {
  return onOwnMessage(town, address, id, async (ledger, m) => {
    if (!m.archived) await ledger.closeIssue(m.id, { reason: "archived", force: true }, address);
    return { ...m, archived: true };
  });
}

/**
 * Makes a message durable (no longer a wisp), for mail that becomes work on a hook: hooks
 * and exports see only durable beads.
 */
export async function keepMail(town: Town, address: string, id: string): Promise<MailMessage> {
  return onOwnMessage(town, address, id, async (ledger, m) => {
    await ledger.updateIssue(m.id, { ephemeral: false }, address);
    return m;
  });
}

export async function deleteMail(town: Town, address: string, id: string): Promise<string> {
  return onOwnMessage(town, address, id, async (ledger, m) => {
    await ledger.deleteIssue(m.id, address);
    return m.id;
  });
}

/** Every message of a thread (found from any message in it), oldest first. */
export async function mailThread(town: Town, id: string): Promise<MailMessage[]> {
  const ledger = openTownLedger(town);
  try {
    const thread = id.startsWith("thr-") ? id : (await getMessage(ledger, id)).thread;
    const issues = await ledger.listIssues({
      types: [MESSAGE_TYPE],
      labels: [`thread:${thread}`],
      includeInfra: true,
      ephemeral: true,
      all: true,
    });
    return issues
      .map(toMessage)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  } finally {
    await ledger.close();
  }
}

/** Messages of a mailbox whose subject or body contains `text`. */
export async function searchMail(town: Town, address: string, text: string): Promise<MailMessage[]> {
  const needle = text.toLowerCase();
  return (await inbox(town, address, { all: true })).filter(
    (m) => m.subject.toLowerCase().includes(needle) || m.body.toLowerCase().includes(needle),
  );
}

/**
 * A protocol notice to a rig's witness (POLECAT_DONE, MERGED, MERGE_FAILED, HELP), as Gas Town
 * sends them. Best-effort: a notice that cannot be written never fails the work it reports.
 */
export async function noticeToWitness(
  town: Town,
  rig: string,
  from: string,
  subject: string,
  body: string,
): Promise<string | null> {
  try {
    const m = await sendMail(town, { from, to: `${rig}/witness`, subject, body, type: "notification" });
    return m.id;
  } catch {
    return null;
  }
}
