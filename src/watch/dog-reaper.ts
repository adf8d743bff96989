// The wisp reaper (spec §4.1, §4.5): wisps are the town's ephemeral beads (never exported),
// so nothing else ever clears them. In every ledger it closes open wisps older than
// `max_age` and deletes closed wisps older than `delete_age`. Mail is a wisp too but is never
// closed here (unread mail must reach its reader); archived mail is deleted with the rest
// once old enough. Agent beads and work someone holds (hooked, in progress) are left alone.
import { durationMs } from "../comms/escalation.ts";
import { MESSAGE_TYPE } from "../comms/mailbox.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { DogSettings } from "./dog-config.ts";
import type { DogContext, DogOutcome } from "./dog-state.ts";

/** At most this many wisps closed, and deleted, per ledger per run. */
const BATCH = 500;
/** More open wisps than this in one ledger is worth a look. */
const OPEN_ALERT = 500;

export async function reapWisps(ctx: DogContext, s: DogSettings): Promise<DogOutcome> {
  const maxAge = durationMs(String(s.options.max_age));
  const deleteAge = durationMs(String(s.options.delete_age));
  const now = Date.now();
  const perLedger: Record<string, { closed: number; deleted: number; open: number }> = {};
  const problems: string[] = [];
  let closed = 0;
  let deleted = 0;
  for (const rig of [undefined, ...ctx.town.rigNames()]) {
    const name = rig ?? "town";
    const ledger = openLedgerFor(ctx.town, rig);
    try {
      const stale = await ledger.listIssues({
        ephemeral: "only",
        statuses: ["open"],
        includeInfra: true,
        excludeTypes: [MESSAGE_TYPE, "agent"],
        createdBefore: new Date(now - maxAge).toISOString(),
        sort: "created",
        limit: BATCH,
      });
      for (const w of stale)
        await ledger.closeIssue(
          w.id,
          { reason: `wisp reaper: open longer than ${s.options.max_age}` },
          ctx.actor,
        );
      const old = await ledger.listIssues({
        ephemeral: "only",
        statuses: ["closed"],
        includeInfra: true,
        closedBefore: new Date(now - deleteAge).toISOString(),
        sort: "closed",
        limit: BATCH,
      });
      for (const w of old) await ledger.deleteIssue(w.id, ctx.actor);
      const open = Number(
        await ledger.countIssues({ ephemeral: "only", statuses: ["open"], includeInfra: true }),
      );
      perLedger[name] = { closed: stale.length, deleted: old.length, open };
      closed += stale.length;
      deleted += old.length;
      if (open > OPEN_ALERT) problems.push(`${name}: ${open} open wisps (mail nobody archives?)`);
    } finally {
      await ledger.close();
    }
  }
  return {
    ok: true,
    summary: `closed ${closed} wisp(s) past ${s.options.max_age}, deleted ${deleted} closed past ${s.options.delete_age}`,
    problems,
    details: { ledgers: perLedger },
  };
}
