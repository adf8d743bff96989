// The filters of `gt mq list` (Gas Town's --ready, --status, --worker, --epic, --verify) over
// the rig's queue: what is ready for the refinery, whose work it is, which integration branch it
// targets, and which source branches origin no longer has.
import { runCommand } from "../adapters/process.ts";
import type { ClaimedMr } from "./claims.ts";

export interface QueueFilter {
  /** Only MRs the refinery may take now: nothing open blocks them, and no live claim holds them. */
  ready?: boolean;
  /** Only MRs in this bead status (open, in_progress). */
  status?: string;
  /** Only this worker's: its address (alpha/polecats/toast) or its name (toast). */
  worker?: string;
  /** Only MRs merging into this branch (an epic's integration branch). */
  target?: string;
}

export function filterQueue(rows: ClaimedMr[], f: QueueFilter): ClaimedMr[] {
  return rows.filter(
    (m) =>
      (!f.ready || (m.blocked_by.length === 0 && (!m.claimed_by || m.claim_stale))) &&
      (!f.status || m.status === f.status) &&
      (!f.worker || m.worker === f.worker || m.worker.split("/").pop() === f.worker) &&
      (!f.target || m.target === f.target),
  );
}

/** The branches (of `branches`) origin does not have, asked of origin itself in one call. */
export async function branchesMissingOnOrigin(bareRepo: string, branches: string[]): Promise<Set<string>> {
  const r = await runCommand("git", ["ls-remote", "--heads", "origin"], { cwd: bareRepo });
  if (r.exitCode !== 0) throw new Error(`cannot list origin's branches: ${r.stderr.trim().split("\n")[0]}`);
  const have = new Set(
    r.stdout
      .split("\n")
      .map((l) => l.split("\t")[1]?.replace(/^refs\/heads\//, ""))
      .filter((b): b is string => !!b),
  );
  return new Set(branches.filter((b) => !have.has(b)));
}
