// Where mail goes beyond one agent (spec §1.7, §5.2): lists and groups fan out one copy per
// member, a queue keeps one copy that an eligible worker claims, a channel keeps one retained
// copy and gives each subscriber its own, an announce board keeps one retained copy for its
// readers. Also the bulk clean-up of protocol mail (drain).
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import type { Ledger } from "../ledger/store.ts";
import { addressOf } from "../town/identity.ts";
import { openTownLedger } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import { knownAgents } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import {
  archiveMail,
  getMessage,
  globMatch,
  inbox,
  type MailMessage,
  newThreadId,
  OVERSEER,
  resolveMailbox,
  resolveRecipients,
  type SendInput,
  toMessage,
  writeMessage,
} from "./mail.ts";
import { MESSAGE_TYPE } from "./mailbox.ts";
import {
  announceOf,
  type BookKind,
  bareNameKinds,
  channelOf,
  entryOf,
  loadMessaging,
  type Messaging,
  membersOf,
  parseBookAddress,
  queueOf,
} from "./messaging.ts";

export type BoardKind = "queue" | "channel" | "announce";
export interface Route {
  /** Agent mailboxes (and the overseer), each getting its own copy. */
  agents: string[];
  /** Boards keeping one copy each. */
  boards: Array<{ kind: BoardKind; name: string }>;
}

function routeInto(town: Town, m: Messaging, address: string, out: Route, seen: Set<string>): void {
  const raw = address.trim();
  const book = parseBookAddress(raw);
  if (book) {
    const key = `${book.kind}:${book.name}`;
    if (seen.has(key))
      throw new ValidationError(`${key} includes itself (a cycle through ${[...seen].join(", ")})`);
    if (book.kind === "list" || book.kind === "group") {
      const members = membersOf(m, book.kind, book.name);
      if (members.length === 0) throw new ValidationError(`${key} has no members`);
      seen.add(key);
      for (const member of members) routeInto(town, m, member, out, seen);
      seen.delete(key);
      return;
    }
    entryOf(m, book.kind, book.name); // must exist
    if (!out.boards.some((b) => b.kind === book.kind && b.name === book.name))
      out.boards.push({ kind: book.kind, name: book.name });
    return;
  }
  let agents: string[];
  try {
    agents = resolveRecipients(town, raw);
  } catch (e) {
    // A bare name that is no agent: a group, then a queue, then a channel (spec §5.2).
    if (!(e instanceof ValidationError) || raw.includes("/") || raw.startsWith("@")) throw e;
    const kinds = bareNameKinds(m, raw);
    if (kinds.length === 0) throw e;
    if (kinds.length > 1)
      throw new ValidationError(
        `"${raw}" is ambiguous (${kinds.map((k) => `${k}:${raw}`).join(", ")}): use the prefix`,
      );
    routeInto(town, m, `${kinds[0]}:${raw}`, out, seen);
    return;
  }
  for (const a of agents) if (!out.agents.includes(a)) out.agents.push(a);
}

/** Every mailbox and board an address reaches; an unknown name or an empty group is an error. */
export function routeAddress(town: Town, address: string): Route {
  const out: Route = { agents: [], boards: [] };
  routeInto(town, loadMessaging(town), address, out, new Set());
  return out;
}

/**
 * Sends to any address: everything is resolved and checked first (recipients, cc, subject),
 * so a bad address writes nothing. Copies of one send share a thread.
 */
export async function sendRouted(town: Town, input: SendInput): Promise<MailMessage[]> {
  const m = loadMessaging(town);
  const route = routeAddress(town, input.to);
  for (const b of route.boards)
    if (b.kind === "channel")
      for (const s of channelOf(m, b.name).subscribers) {
        const sub = routeAddress(town, s);
        for (const a of sub.agents) if (!route.agents.includes(a)) route.agents.push(a);
      }
  for (const c of input.cc ?? []) resolveMailbox(town, c);
  if (!input.subject.trim()) throw new ValidationError("a message needs a subject (-s)");
  const many = route.agents.length + route.boards.length > 1;
  const thread = input.thread ?? (many ? newThreadId() : undefined);
  const shared: SendInput = thread ? { ...input, thread } : input;
  const out: MailMessage[] = [];
  for (const b of route.boards) {
    const address = `${b.kind}:${b.name}`;
    out.push(await writeMessage(town, shared, address, [address]));
    await prune(town, m, b.kind, b.name);
  }
  for (const a of route.agents) out.push(await writeMessage(town, shared, a));
  return out;
}

async function withTownLedger<T>(town: Town, fn: (l: Ledger) => Promise<T>): Promise<T> {
  const ledger = openTownLedger(town);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** The open messages of a board, oldest first (with `all`, archived ones too). */
export async function boardMessages(
  town: Town,
  kind: BoardKind,
  name: string,
  opts: { all?: boolean } = {},
): Promise<MailMessage[]> {
  return withTownLedger(town, async (ledger) => {
    const issues = await ledger.listIssues({
      types: [MESSAGE_TYPE],
      labels: [`${kind}:${name}`],
      includeInfra: true,
      ephemeral: true,
      ...(opts.all ? { all: true } : {}),
    });
    return issues
      .map(toMessage)
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  });
}

/** Retention of channels (count and hours) and announce boards (count): the oldest are archived. */
async function prune(town: Town, m: Messaging, kind: BoardKind, name: string): Promise<void> {
  if (kind === "queue") return;
  const entry = kind === "channel" ? channelOf(m, name) : announceOf(m, name);
  const count = entry.retain_count ?? 0;
  const hours = kind === "channel" ? (channelOf(m, name).retain_hours ?? 0) : 0;
  const rows = await boardMessages(town, kind, name);
  const drop = new Set<string>();
  if (count > 0) for (const r of rows.slice(0, Math.max(0, rows.length - count))) drop.add(r.id);
  if (hours > 0)
    for (const r of rows) if (Date.now() - Date.parse(r.created_at) > hours * 3_600_000) drop.add(r.id);
  if (drop.size === 0) return;
  await withTownLedger(town, async (ledger) => {
    for (const id of drop) await ledger.closeIssue(id, { reason: "retention", force: true }, "gt");
  });
}

/** Whether `address` may claim from a queue whose workers are `patterns`. */
export function mayClaim(town: Town, patterns: string[], address: string): boolean {
  return patterns.some((p) => {
    if (p === "*" || p === address) return true;
    if (p.includes("*")) return globMatch(p, address);
    try {
      return resolveRecipients(town, p).includes(address);
    } catch {
      return false;
    }
  });
}

/**
 * Claims the oldest waiting message of a queue (or of any queue the caller may claim from).
 * Claims are serialised per queue, so two workers never get the same message. Null when
 * nothing waits.
 */
export async function claimFromQueue(town: Town, me: string, queue?: string): Promise<MailMessage | null> {
  const m = loadMessaging(town);
  let names: string[];
  if (queue) {
    const q = queueOf(m, queue);
    if (!mayClaim(town, q.workers, me))
      throw new ValidationError(`${me} may not claim from queue:${queue} (workers: ${q.workers.join(", ")})`);
    names = [queue];
  } else {
    names = Object.keys(m.queues)
      .sort()
      .filter((n) => mayClaim(town, m.queues[n]!.workers, me));
    if (names.length === 0) throw new ValidationError(`${me} may claim from no queue (gt mail queue list)`);
  }
  for (const name of names) {
    const max = m.queues[name]!.max_claims ?? 0;
    const got = await withFileLock(join(town.runtimeDir, "locks", `queue-${name}.lock`), async () => {
      const rows = await boardMessages(town, "queue", name);
      if (max > 0 && rows.filter((r) => r.claimed_by).length >= max) return null;
      const next = rows.find((r) => !r.claimed_by);
      if (!next) return null;
      const at = new Date().toISOString();
      await withTownLedger(town, async (ledger) => {
        await ledger.addLabel(next.id, `claimed-by:${me}`, me);
        await ledger.addLabel(next.id, `claimed-at:${at}`, me);
      });
      return { ...next, claimed_by: me, claimed_at: at };
    });
    if (got) return got;
  }
  return null;
}

/** Puts a claimed queue message back; only its claimant may. */
export async function releaseClaim(town: Town, me: string, id: string): Promise<MailMessage> {
  return withTownLedger(town, async (ledger) => {
    const msg = await getMessage(ledger, id);
    if (!msg.to.startsWith("queue:")) throw new ValidationError(`${msg.id} is not a queue message`);
    if (!msg.claimed_by) throw new ValidationError(`${msg.id} is not claimed`);
    if (msg.claimed_by !== me)
      throw new ValidationError(`${msg.id} was claimed by ${msg.claimed_by}, not ${me}`);
    await ledger.removeLabel(msg.id, `claimed-by:${msg.claimed_by}`, me);
    if (msg.claimed_at) await ledger.removeLabel(msg.id, `claimed-at:${msg.claimed_at}`, me);
    return { ...msg, claimed_by: null, claimed_at: null };
  });
}

/** Every address mail can go to, for `gt mail directory`. */
export function directory(town: Town): Array<{ address: string; type: string; members?: string[] }> {
  const m = loadMessaging(town);
  const out: Array<{ address: string; type: string; members?: string[] }> = [];
  for (const id of knownAgents(town)) out.push({ address: addressOf(id), type: "agent" });
  out.push({ address: OVERSEER, type: "human" });
  for (const g of ["@town", "@witnesses", "@crew"]) out.push({ address: g, type: "pattern" });
  for (const r of town.rigNames())
    for (const g of [`@rig/${r}`, `@crew/${r}`, `@polecats/${r}`]) out.push({ address: g, type: "pattern" });
  const kinds: Array<[BookKind, Record<string, unknown>]> = [
    ["list", m.lists],
    ["group", m.groups],
    ["queue", m.queues],
    ["channel", m.channels],
    ["announce", m.announces],
  ];
  for (const [kind, section] of kinds)
    for (const name of Object.keys(section).sort()) {
      const v = section[name];
      const members = Array.isArray(v)
        ? (v as string[])
        : kind === "queue"
          ? (v as { workers: string[] }).workers
          : kind === "channel"
            ? (v as { subscribers: string[] }).subscribers
            : (v as { readers: string[] }).readers;
      out.push({ address: `${kind}:${name}`, type: kind, members });
    }
  return out;
}

/** Protocol subjects safe to archive in bulk; HELP and HANDOFF mail is never drained. */
export const DRAINABLE_PREFIXES = [
  "POLECAT_DONE",
  "POLECAT_STARTED",
  "LIFECYCLE:",
  "MERGED",
  "MERGE_READY",
  "MERGE_FAILED",
  "SWARM_START",
  "READY_FOR_REVIEW",
  "REWORK_REQUEST",
];

export function isDrainable(subject: string): boolean {
  return DRAINABLE_PREFIXES.some((p) => subject.startsWith(p));
}

/** Archives the mailbox's protocol messages older than `maxAgeMs` (all with 0); pinned mail stays. */
export async function drainMailbox(
  town: Town,
  box: string,
  opts: { maxAgeMs: number; dryRun?: boolean },
): Promise<MailMessage[]> {
  const now = Date.now();
  const rows = (await inbox(town, box)).filter(
    (r) =>
      r.to === box && !r.pinned && isDrainable(r.subject) && now - Date.parse(r.created_at) >= opts.maxAgeMs,
  );
  if (!opts.dryRun) for (const r of rows) await archiveMail(town, box, r.id);
  return rows;
}
