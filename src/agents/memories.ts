// Memories (gt remember / forget / memories): an agent's notes to its future sessions, one
// pinned bead each in the town ledger (assignee = the agent, labels gt:memory,
// memory-type:<type>, memory-key:<key>), so they survive sessions and travel with the ledger.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const MEMORY_LABEL = "gt:memory";
export const MEMORY_TYPES = ["general", "feedback", "project", "user", "reference"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export interface Memory {
  id: string;
  owner: string;
  type: string;
  key: string;
  text: string;
  created_at: string;
}

const label = (issue: Issue, key: string) =>
  issue.labels?.find((l) => l.startsWith(`${key}:`))?.slice(key.length + 1) ?? "";

export function toMemory(i: Issue): Memory {
  return {
    id: i.id,
    owner: i.assignee ?? "",
    type: label(i, "memory-type") || "general",
    key: label(i, "memory-key"),
    text: i.description ?? i.title,
    created_at: i.created_at,
  };
}

/** A key slug: lower case, words joined by '-'; from the first words of the text when none is given. */
export function memoryKey(text: string, key?: string): string {
  const source = key ?? text.split(/\s+/).slice(0, 5).join(" ");
  const slug = source
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  if (!slug)
    throw new ValidationError(
      key !== undefined ? `invalid key "${key}"` : "nothing to remember: the text is empty",
    );
  return slug;
}

export async function listMemories(
  town: Town,
  owner: string,
  opts: { type?: string } = {},
): Promise<Memory[]> {
  const ledger = openTownLedger(town);
  try {
    const rows = await ledger.listIssues({ labels: [MEMORY_LABEL], assignee: owner, statuses: ["pinned"] });
    return rows
      .map(toMemory)
      .filter((m) => !opts.type || m.type === opts.type)
      .sort((a, b) => a.type.localeCompare(b.type) || a.key.localeCompare(b.key));
  } finally {
    await ledger.close();
  }
}

export async function remember(
  town: Town,
  owner: string,
  text: string,
  opts: { key?: string; type?: string; replace?: boolean } = {},
): Promise<Memory> {
  const type = opts.type ?? "general";
  if (!(MEMORY_TYPES as readonly string[]).includes(type))
    throw new ValidationError(`unknown memory type "${type}" (${MEMORY_TYPES.join(", ")})`);
  if (!text.trim()) throw new ValidationError("nothing to remember: the text is empty");
  const key = memoryKey(text, opts.key);
  const existing = (await listMemories(town, owner)).find((m) => m.type === type && m.key === key);
  if (existing && !opts.replace)
    throw new ConflictError(
      "exists",
      `${owner} already remembers ${type}/${key} (--replace to change it, or gt forget ${key})`,
    );
  const ledger = openTownLedger(town);
  try {
    if (existing) await ledger.deleteIssue(existing.id, owner);
    const issue = await ledger.createIssue(
      {
        title: `memory ${type}/${key}`,
        description: text.trim(),
        issue_type: "task",
        status: "pinned",
        pinned: true,
        assignee: owner,
        labels: [MEMORY_LABEL, `memory-type:${type}`, `memory-key:${key}`],
      },
      owner,
    );
    return toMemory(issue);
  } finally {
    await ledger.close();
  }
}

/** Forgets a memory by key (any type unless `type`); an unknown key is an error. */
export async function forget(
  town: Town,
  owner: string,
  key: string,
  opts: { type?: string } = {},
): Promise<Memory[]> {
  const slug = memoryKey(key, key);
  const gone = (await listMemories(town, owner, opts)).filter((m) => m.key === slug);
  if (gone.length === 0)
    throw new NotFoundError(slug, `${owner} has no memory "${slug}" (gt memories lists them)`);
  const ledger = openTownLedger(town);
  try {
    for (const m of gone) await ledger.deleteIssue(m.id, owner);
  } finally {
    await ledger.close();
  }
  return gone;
}
