// Callbacks (gt callbacks process): the mayor's unread protocol mail, handled by subject.
// Completion and merge notices are logged and archived; HELP and ESCALATION requests go to
// the overseer; a rejected merge is passed to the worker named in it; SLING_REQUEST asks for
// a bead to be slung (the caller does the slinging). Anything else stays unread for a person.
import { logEvent } from "../events/log.ts";
import type { Town } from "../town/workspace.ts";
import {
  archiveMail,
  inbox,
  type MailMessage,
  markMail,
  OVERSEER,
  resolveMailbox,
  sendMail,
} from "./mail.ts";

export type CallbackType =
  | "polecat_done"
  | "merge_completed"
  | "merge_rejected"
  | "help"
  | "escalation"
  | "sling"
  | "unknown";

const PATTERNS: Array<[CallbackType, RegExp]> = [
  ["polecat_done", /^POLECAT_DONE\s+(\S+)/],
  ["merge_rejected", /^(?:Merge Request Rejected:|MERGE_FAILED|REWORK_REQUEST)\s*(.*)/],
  ["merge_completed", /^(?:Merge Request Completed:|MERGED)\s*(.*)/],
  ["help", /^HELP:\s*(.+)/],
  ["escalation", /^(?:🚨 )?ESCALATION(?: \[[^\]]*\])?:\s*(.+)/],
  ["sling", /^SLING_REQUEST:\s+(\S+)/],
];

export function callbackTypeOf(subject: string): { type: CallbackType; subject: string } {
  for (const [type, re] of PATTERNS) {
    const m = re.exec(subject);
    if (m) return { type, subject: (m[1] ?? "").trim() };
  }
  return { type: "unknown", subject };
}

/** A `Key: value` line of a protocol body. */
export function bodyField(body: string, key: string): string | undefined {
  const line = body.split("\n").find((l) => l.toLowerCase().startsWith(`${key.toLowerCase()}:`));
  return line?.slice(key.length + 1).trim() || undefined;
}

export interface CallbackResult {
  id: string;
  type: CallbackType;
  from: string;
  subject: string;
  handled: boolean;
  action: string;
  error: string | null;
  /** SLING_REQUEST: what to sling, and where (the body's Rig: line), for the caller. */
  sling?: { bead: string; target: string | null };
}

export interface CallbackHooks {
  /** Slings a bead (SLING_REQUEST); returns what it did. */
  sling: (bead: string, target: string | null, dryRun: boolean) => Promise<string>;
}

async function handle(
  town: Town,
  box: string,
  m: MailMessage,
  dryRun: boolean,
  hooks: CallbackHooks,
): Promise<CallbackResult> {
  const { type, subject } = callbackTypeOf(m.subject);
  const base = { id: m.id, type, from: m.from, subject: m.subject, error: null };
  const done = async (action: string, forward?: { to: string; subject: string }) => {
    if (!dryRun) {
      if (forward)
        await sendMail(town, {
          from: box,
          to: forward.to,
          subject: forward.subject,
          body: `${m.body}\n\n(forwarded from ${m.from}, ${m.id})`.trim(),
          type: "notification",
        });
      await markMail(town, box, m.id, true);
      await archiveMail(town, box, m.id);
      logEvent(town.root, "callback", box, { type, message: m.id, action });
    }
    return { ...base, handled: true, action };
  };
  switch (type) {
    case "polecat_done":
      return done(`logged completion of ${subject}`);
    case "merge_completed":
      return done(`logged merge ${subject}`.trim());
    case "merge_rejected": {
      const worker = bodyField(m.body, "Polecat") ?? bodyField(m.body, "Worker");
      let to: string | undefined;
      try {
        to = worker ? resolveMailbox(town, worker) : undefined;
      } catch {
        to = undefined;
      }
      if (!to) return done(`logged rejection ${subject} (no worker named)`.trim());
      return done(`told ${to} of the rejection`, { to, subject: m.subject });
    }
    case "help":
      return done(`routed to ${OVERSEER}`, { to: OVERSEER, subject: m.subject });
    case "escalation":
      return done(`routed to ${OVERSEER}`, { to: OVERSEER, subject: m.subject });
    case "sling": {
      const target = bodyField(m.body, "Rig") ?? bodyField(m.body, "Target") ?? null;
      const action = await hooks.sling(subject, target, dryRun);
      const r = await done(action);
      return { ...r, sling: { bead: subject, target } };
    }
    default:
      return { ...base, handled: false, action: "left unread (not a callback)" };
  }
}

/** Handles every unread message of the mayor's inbox (or `box`); errors are per message. */
export async function processCallbacks(
  town: Town,
  opts: { box?: string; dryRun?: boolean; hooks: CallbackHooks },
): Promise<CallbackResult[]> {
  const box = opts.box ?? "mayor";
  const unread = (await inbox(town, box, { unreadOnly: true })).filter((m) => m.to === box).reverse();
  const out: CallbackResult[] = [];
  for (const m of unread) {
    try {
      out.push(await handle(town, box, m, opts.dryRun === true, opts.hooks));
    } catch (e) {
      const { type } = callbackTypeOf(m.subject);
      out.push({
        id: m.id,
        type,
        from: m.from,
        subject: m.subject,
        handled: false,
        action: "failed",
        error: (e as Error).message,
      });
    }
  }
  return out;
}
