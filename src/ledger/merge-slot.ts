// The merge slot, as beads has it: one bead per ledger, `<prefix>-merge-slot` labelled
// gt:slot, that only one agent holds at a time (status in_progress, metadata.holder), with a
// queue of waiters (metadata.waiters). Acquire and the waiter queue are compare-and-swap
// updates, so of two agents racing for a free slot exactly one gets it.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { Issue } from "./model.ts";
import type { LedgerStore } from "./store.ts";

export const MERGE_SLOT_LABEL = "gt:slot";

export interface MergeSlotStatus {
  id: string;
  available: boolean;
  holder?: string;
  waiters: string[];
}

export interface MergeSlotAcquire {
  id: string;
  acquired: boolean;
  waiting: boolean;
  holder?: string;
  /** Place in the waiters queue (1 is next). */
  position?: number;
}

export async function mergeSlotId(store: LedgerStore): Promise<string> {
  return `${(await store.prefix()).replace(/-$/, "") || "bd"}-merge-slot`;
}

function meta(slot: Issue): { holder?: string; waiters: string[] } {
  const m = slot.metadata ?? {};
  const waiters = Array.isArray(m.waiters) ? m.waiters.filter((w): w is string => typeof w === "string") : [];
  return { holder: typeof m.holder === "string" && m.holder ? m.holder : undefined, waiters };
}

async function slot(store: LedgerStore): Promise<Issue> {
  const id = await mergeSlotId(store);
  const found = await store.getIssue(id);
  if (!found) throw new NotFoundError(id, `merge slot not found: ${id} (run 'bd merge-slot create' first)`);
  return found;
}

/** The slot, created open when missing (an existing one is returned as it is). */
export async function createMergeSlot(
  store: LedgerStore,
  actor: string,
): Promise<{ issue: Issue; created: boolean }> {
  const id = await mergeSlotId(store);
  const existing = await store.getIssue(id);
  if (existing) return { issue: existing, created: false };
  const issue = await store.createIssue(
    {
      id,
      title: "Merge Slot",
      description: "Exclusive access slot for serialized conflict resolution in the merge queue.",
      issue_type: "task",
      priority: 0,
      labels: [MERGE_SLOT_LABEL],
      // A fixed, well-known ID (beads' name), not a hash one.
      force: true,
    },
    actor,
  );
  return { issue, created: true };
}

export async function checkMergeSlot(store: LedgerStore): Promise<MergeSlotStatus> {
  const s = await slot(store);
  const m = meta(s);
  return { id: s.id, available: s.status === "open", holder: m.holder, waiters: m.waiters };
}

class SlotHeld extends Error {}

export async function acquireMergeSlot(
  store: LedgerStore,
  holder: string,
  actor: string,
  wait: boolean,
): Promise<MergeSlotAcquire> {
  if (!holder) throw new ValidationError("merge-slot acquire: holder must not be empty");
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = await slot(store);
    try {
      await store.updateIssue(s.id, { status: "in_progress", set_metadata: { holder } }, actor, (cur) => {
        if (cur.status !== "open") throw new SlotHeld();
      });
      return { id: s.id, acquired: true, waiting: false, holder };
    } catch (e) {
      if (!(e instanceof SlotHeld)) throw e;
    }
    const held = await slot(store);
    const current = meta(held);
    if (!wait) return { id: held.id, acquired: false, waiting: false, holder: current.holder };
    if (current.waiters.includes(holder))
      return {
        id: held.id,
        acquired: false,
        waiting: true,
        holder: current.holder,
        position: current.waiters.indexOf(holder) + 1,
      };
    const waiters = [...current.waiters, holder];
    try {
      await store.updateIssue(held.id, { set_metadata: { waiters } }, actor, (cur) => {
        // Freed meanwhile, or the queue moved: look again.
        if (cur.status === "open" || JSON.stringify(meta(cur).waiters) !== JSON.stringify(current.waiters))
          throw new SlotHeld();
      });
      return {
        id: held.id,
        acquired: false,
        waiting: true,
        holder: current.holder,
        position: waiters.length,
      };
    } catch (e) {
      if (!(e instanceof SlotHeld)) throw e;
    }
  }
  throw new ConflictError("busy", "merge-slot acquire: the slot kept changing; try again");
}

/** Back to open, the holder cleared (checked against `holder` when one is given); waiters stay. */
export async function releaseMergeSlot(
  store: LedgerStore,
  holder: string | undefined,
  actor: string,
): Promise<string> {
  const s = await slot(store);
  let wasOpen = false;
  try {
    await store.updateIssue(s.id, { status: "open", unset_metadata: ["holder"] }, actor, (cur) => {
      const m = meta(cur);
      if (holder && m.holder !== holder)
        throw new ConflictError("not_holder", `slot held by ${m.holder ?? "nobody"}, not ${holder}`);
      if (cur.status === "open") {
        wasOpen = true;
        throw new SlotHeld();
      }
    });
  } catch (e) {
    if (!(e instanceof SlotHeld && wasOpen)) throw e;
  }
  return s.id;
}
