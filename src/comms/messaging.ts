// The town's messaging address book, config/messaging.json (spec §1.7, §5.2): mailing lists
// (list:<name>, one copy per member), groups (group:<name>, may nest), work queues
// (queue:<name>, one copy that an eligible worker claims), channels (channel:<name>, one
// retained copy plus a copy per subscriber) and announce boards (announce:<name>, one
// retained copy that readers look at). Every change is a locked read-modify-write of the file,
// written whole through a rename.
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { readJsonFile, writeJsonFile } from "../town/json-file.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";

export const MESSAGING_JSON = join("config", "messaging.json");

const members = z.array(z.string().check(z.minLength(1)));
const count = z.optional(z.int().check(z.gte(0)));
export const messagingSchema = z.lazy(() =>
  z.looseObject({
    type: z._default(z.literal("messaging"), "messaging"),
    version: z._default(z.int(), 1),
    lists: z._default(z.record(z.string(), members), {}),
    groups: z._default(z.record(z.string(), members), {}),
    queues: z._default(z.record(z.string(), z.looseObject({ workers: members, max_claims: count })), {}),
    announces: z._default(z.record(z.string(), z.looseObject({ readers: members, retain_count: count })), {}),
    channels: z._default(
      z.record(
        z.string(),
        z.looseObject({
          subscribers: z._default(members, []),
          retain_count: count,
          retain_hours: z.optional(z.number().check(z.gte(0))),
        }),
      ),
      {},
    ),
    nudge_channels: z._default(z.record(z.string(), members), {}),
  }),
);
export type Messaging = z.output<typeof messagingSchema>;

/** The kinds of named address the book holds, by their address prefix. */
export type BookKind = "list" | "group" | "queue" | "channel" | "announce";
const SECTION: Record<BookKind, "lists" | "groups" | "queues" | "channels" | "announces"> = {
  list: "lists",
  group: "groups",
  queue: "queues",
  channel: "channels",
  announce: "announces",
};

function file(town: Town): string {
  return town.path(MESSAGING_JSON);
}

export function loadMessaging(town: Town): Messaging {
  return readJsonFile(file(town), messagingSchema, () => messagingSchema.parse({}));
}

/** Changes the book under a lock; `fn` may throw, and then nothing is written. */
export async function updateMessaging<T>(town: Town, fn: (m: Messaging) => T): Promise<T> {
  return withFileLock(join(town.runtimeDir, "locks", "messaging.lock"), async () => {
    const m = loadMessaging(town);
    const out = fn(m);
    writeJsonFile(file(town), m);
    return out;
  });
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export function checkBookName(kind: BookKind, name: string): string {
  if (!NAME.test(name))
    throw new ValidationError(
      `invalid ${kind} name "${name}" (letters, digits, '.', '_' and '-', up to 64 characters)`,
    );
  return name;
}

/** Whether the book has `name` of this kind. */
export function hasEntry(m: Messaging, kind: BookKind, name: string): boolean {
  return Object.hasOwn(m[SECTION[kind]], name);
}

/** The entry, or a NotFoundError naming the ones there are. */
export function entryOf(m: Messaging, kind: BookKind, name: string): unknown {
  const section = m[SECTION[kind]] as Record<string, unknown>;
  if (!Object.hasOwn(section, name)) {
    const names = Object.keys(section).sort();
    throw new NotFoundError(
      `${kind}:${name}`,
      `no ${kind} "${name}" (${names.length ? `${kind}s: ${names.join(", ")}` : `none defined; gt mail ${kind} create`})`,
    );
  }
  return section[name];
}

export type QueueEntry = Messaging["queues"][string];
export type ChannelEntry = Messaging["channels"][string];
export type AnnounceEntry = Messaging["announces"][string];
export const queueOf = (m: Messaging, name: string) => entryOf(m, "queue", name) as QueueEntry;
export const channelOf = (m: Messaging, name: string) => entryOf(m, "channel", name) as ChannelEntry;
export const announceOf = (m: Messaging, name: string) => entryOf(m, "announce", name) as AnnounceEntry;
export const membersOf = (m: Messaging, kind: "list" | "group", name: string) =>
  entryOf(m, kind, name) as string[];

/** Adds a new entry; an existing one of that name is a conflict. */
export function addEntry(m: Messaging, kind: BookKind, name: string, value: unknown): void {
  checkBookName(kind, name);
  if (hasEntry(m, kind, name)) throw new ConflictError("exists", `${kind} "${name}" already exists`);
  (m[SECTION[kind]] as Record<string, unknown>)[name] = value;
}

export function removeEntry(m: Messaging, kind: BookKind, name: string): void {
  entryOf(m, kind, name);
  delete (m[SECTION[kind]] as Record<string, unknown>)[name];
}

/** The kinds a bare name is defined as (group, then queue, then channel: spec §5.2). */
export function bareNameKinds(m: Messaging, name: string): BookKind[] {
  return (["group", "queue", "channel"] as const).filter((k) => hasEntry(m, k, name));
}

/** Splits `kind:name` addresses; undefined for anything else. */
export function parseBookAddress(address: string): { kind: BookKind; name: string } | undefined {
  const m = /^(list|group|queue|channel|announce):(.+)$/.exec(address.trim());
  return m ? { kind: m[1] as BookKind, name: m[2]! } : undefined;
}
