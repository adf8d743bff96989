// Stranded convoys (spec §4.3): an open convoy nobody works on. One with ready beads
// (open, unassigned, not blocked) is fed — its ready beads slung to their rigs with
// `gt sling` — at most `feed_max` convoys a run and once per `feed_cooldown` per convoy; an
// empty one is closed; one whose open beads are all blocked or held is reported for a
// person (or the mayor) to look at.
import { logEvent } from "../events/log.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";
import { type ConvoyView, closeConvoy, listConvoys } from "../work/convoys.ts";
import { QUEUED_LABEL } from "../work/sling-queue.ts";
import { slingWithGt } from "./deacon-redispatch.ts";
import { cooldownLeft, deaconPaths, loadFeedState, saveFeedState } from "./deacon-state.ts";

export type FeedAction = "fed" | "closed" | "needs-attention" | "cooldown" | "limit" | "failed";

export interface FeedDetail {
  convoy: string;
  title: string;
  action: FeedAction;
  /** The beads slung (fed) or ready to be (cooldown, limit). */
  beads: string[];
  message: string;
}

export interface FeedReport {
  details: FeedDetail[];
  fed: number;
  closed: number;
  needs_attention: number;
  skipped: number;
  errors: number;
}

export interface FeedOptions {
  maxFeeds: number;
  cooldownMs: number;
  actor: string;
  env: NodeJS.ProcessEnv;
  dryRun?: boolean;
}

/** The convoy's tracked beads that a sling would take now, grouped by rig. */
async function readyByRig(town: Town, v: ConvoyView): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const rig of new Set(v.tracked.map((t) => t.rig))) {
    if (!rig) continue; // town beads are the mayor's, not a rig's polecats'
    const candidates = v.tracked.filter((t) => t.rig === rig && t.status === "open" && !t.assignee);
    if (candidates.length === 0) continue;
    const ledger = openLedgerFor(town, rig);
    try {
      // Ready as bd ready sees it (open, unblocked, not deferred), and not waiting in the
      // scheduler's queue: those are dispatched when a polecat frees up, not fed here.
      const ready = await ledger.ready({
        status: "open",
        ids: candidates.map((t) => t.id),
        includeInfra: true,
      });
      const ids = ready.filter((b) => !b.assignee && !b.labels?.includes(QUEUED_LABEL)).map((b) => b.id);
      if (ids.length) out.set(rig, ids);
    } finally {
      await ledger.close();
    }
  }
  return out;
}

export async function feedStranded(town: Town, opts: FeedOptions): Promise<FeedReport> {
  return withFileLock(
    `${deaconPaths(town).feed}.lock`,
    async () => {
      const state = loadFeedState(town);
      const details: FeedDetail[] = [];
      let fed = 0;
      for (const v of await listConvoys(town)) {
        const base = { convoy: v.id, title: v.title };
        if (v.total === 0) {
          if (!opts.dryRun)
            await closeConvoy(town, v.id, { reason: "empty: tracks no beads", actor: opts.actor });
          details.push({ ...base, action: "closed", beads: [], message: "tracks no beads: closed" });
          continue;
        }
        if (v.workers.length > 0 || v.closed === v.total) continue; // being worked on, or landing
        const ready = await readyByRig(town, v);
        const beads = [...ready.values()].flat();
        if (beads.length === 0) {
          const open = v.tracked.filter((t) => t.status !== "closed").map((t) => `${t.id} (${t.status})`);
          details.push({
            ...base,
            action: "needs-attention",
            beads: [],
            message: `nobody works on it and none of its open beads is ready: ${open.join(", ")}`,
          });
          continue;
        }
        const s = state.convoys[v.id] ?? { feeds: 0, last_feed: null };
        const left = cooldownLeft(s.last_feed, opts.cooldownMs);
        if (left > 0) {
          details.push({
            ...base,
            action: "cooldown",
            beads,
            message: `fed at ${s.last_feed}; again in ${Math.ceil(left / 1000)}s`,
          });
          continue;
        }
        if (fed >= opts.maxFeeds) {
          details.push({
            ...base,
            action: "limit",
            beads,
            message: `${opts.maxFeeds} convoy(s) fed this run: next run`,
          });
          continue;
        }
        fed++;
        if (opts.dryRun) {
          details.push({ ...base, action: "fed", beads, message: `would sling ${beads.join(", ")}` });
          continue;
        }
        const errors: string[] = [];
        const slung: string[] = [];
        for (const [rig, ids] of ready) {
          const r = await slingWithGt(town, ids, rig, opts.env);
          if (r.ok) slung.push(...ids);
          else errors.push(`${rig}: ${r.error}`);
        }
        state.convoys[v.id] = { feeds: s.feeds + 1, last_feed: new Date().toISOString() };
        logEvent(town.root, "convoy_fed", opts.actor, { convoy: v.id, beads: slung, errors });
        details.push({
          ...base,
          action: errors.length && !slung.length ? "failed" : "fed",
          beads: slung,
          message: [slung.length ? `slung ${slung.join(", ")}` : "", ...errors].filter(Boolean).join("; "),
        });
      }
      if (!opts.dryRun) saveFeedState(town, state);
      const count = (a: FeedAction) => details.filter((d) => d.action === a).length;
      return {
        details,
        fed: count("fed"),
        closed: count("closed"),
        needs_attention: count("needs-attention"),
        skipped: count("cooldown") + count("limit"),
        errors: count("failed"),
      };
    },
    120_000,
  );
}
