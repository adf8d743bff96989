// gt sling respawn-reset: gives a bead its restarts back. The witness patrol restarts a dead
// polecat's hook at most `patrol.max_respawns` times per sling (counted on the bead), then
// escalates and blocks the bead (label gt:escalated). Once the cause is fixed, this clears the
// count and the escalation mark, and a bead the patrol blocked goes back to open, so it can
// be slung (and restarted) again.
import { NotFoundError } from "../errors.ts";
import { openLedgerOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

/** What the patrol keeps on a bead (written in src/watch/patrol-act.ts). */
const PATROL_KEYS = [
  "patrol_respawns",
  "patrol_respawn_epoch",
  "patrol_respawned_at",
  "patrol_escalation",
  "patrol_escalation_epoch",
];
const ESCALATED = "gt:escalated";

export interface RespawnReset {
  bead: string;
  /** Restarts the patrol had counted. */
  respawns: number;
  /** The escalation it had filed, if any. */
  escalation: string | null;
  /** The bead was blocked by the patrol and is open again. */
  unblocked: boolean;
}

export async function resetRespawns(town: Town, beadId: string, actor: string): Promise<RespawnReset> {
  const { ledger } = openLedgerOfBead(town, beadId);
  try {
    const id = await ledger.resolveId(beadId).catch(() => beadId);
    const issue = await ledger.getIssue(id);
    if (!issue) throw new NotFoundError(beadId, `no bead ${beadId} in this town`);
    const m = (issue.metadata as Record<string, unknown> | undefined) ?? {};
    const escalated = issue.status === "blocked" && (issue.labels ?? []).includes(ESCALATED);
    await ledger.updateIssue(
      issue.id,
      {
        unset_metadata: PATROL_KEYS.filter((k) => k in m),
        ...(escalated ? { status: "open", remove_labels: [ESCALATED] } : {}),
      },
      actor,
    );
    return {
      bead: issue.id,
      respawns: typeof m.patrol_respawns === "number" ? m.patrol_respawns : 0,
      escalation: typeof m.patrol_escalation === "string" ? m.patrol_escalation : null,
      unblocked: escalated,
    };
  } finally {
    await ledger.close();
  }
}
