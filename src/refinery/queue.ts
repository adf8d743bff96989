// The merge queue's order: open merge requests by score, highest first. Priority counts
// most, but age counts too (the MR's own, and more strongly its convoy's), and retries
// count against, so no MR starves behind a stream of higher-priority ones.
import type { Ledger } from "../ledger/store.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { listMergeRequests, type MergeRequest } from "../work/merge-requests.ts";

export interface QueuedMr extends MergeRequest {
  score: number;
  /** Hours the MR has waited. */
  age_hours: number;
}

const HOUR = 3_600_000;

/** Gas Town's ordering score: higher goes first. */
export function queueScore(
  mr: { priority: number; retry_count: number },
  ageHours: number,
  convoyAgeHours = 0,
): number {
  const priority = 100 * (4 - Math.min(4, Math.max(0, mr.priority)));
  const retries = Math.min(300, 50 * mr.retry_count);
  return 1000 + priority - retries + ageHours + 10 * convoyAgeHours;
}

/** Open merge requests of a rig ledger in the order the refinery takes them. */
export async function mergeQueue(town: Town, ledger: Ledger, now = Date.now()): Promise<QueuedMr[]> {
  const open = (await listMergeRequests(ledger)).filter((m) => m.status !== "closed");
  const convoyAge = new Map<string, number>();
  const convoys = [...new Set(open.map((m) => m.convoy).filter((c): c is string => !!c))];
  if (convoys.length > 0) {
    const townLedger = openTownLedger(town);
    try {
      for (const c of await townLedger.getIssues(convoys))
        convoyAge.set(c.id, Math.max(0, (now - Date.parse(c.created_at)) / HOUR));
    } finally {
      await townLedger.close();
    }
  }
  return open
    .map((m) => {
      const age = Math.max(0, (now - Date.parse(m.created_at)) / HOUR);
      return {
        ...m,
        age_hours: age,
        score: queueScore(m, age, m.convoy ? (convoyAge.get(m.convoy) ?? 0) : 0),
      };
    })
    .sort(
      (a, b) => b.score - a.score || a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
    );
}
