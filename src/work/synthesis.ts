// gt synthesis: the last step of a convoy formula run (formula-run.ts). A run makes one bead
// per leg and a synthesis bead blocked by every leg, all tracked by one convoy; the deacon
// slings the synthesis once the legs close. These are the hands-on controls: how far the
// legs are, start the synthesis now (on a rig of your choice, or before every leg is done
// with --force), and close the convoy once the synthesis is done.
import { ConflictError, ValidationError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { AgentIdentity } from "../town/identity.ts";
import { openLedgerFor, rigOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { closeConvoy, convoyStatus, type TrackedBead } from "./convoys.ts";
import { type SlingReport, sling } from "./sling.ts";

export interface SynthesisState {
  convoy: { id: string; title: string; status: string };
  /** The formula the run came from (its beads' formula:<name> label), when known. */
  formula: string | null;
  legs: TrackedBead[];
  synthesis: TrackedBead;
  legs_closed: number;
  /** Every leg is closed: the synthesis may start. */
  ready: boolean;
  /** The synthesis is on a hook, in progress or done. */
  started: boolean;
}

const STARTED = new Set(["hooked", "in_progress", "closed"]);

/** The convoy's legs and its synthesis bead: the tracked bead blocked by the others. */
export async function synthesisState(town: Town, convoyId: string): Promise<SynthesisState> {
  const v = await convoyStatus(town, convoyId);
  const ids = new Set(v.tracked.map((t) => t.id));
  let synthesis: TrackedBead | undefined;
  let formula: string | null = null;
  for (const t of v.tracked) {
    if (t.missing) continue;
    const ledger = openLedgerFor(town, t.rig ?? undefined);
    try {
      const deps = await ledger.dependencyRecords(t.id);
      const blockers = deps.filter((d) => d.type === "blocks" && ids.has(d.depends_on_id));
      if (blockers.length > 0 && blockers.length === ids.size - 1) synthesis = t;
      formula ??=
        ((await ledger.getIssue(t.id))?.labels ?? []).find((l) => l.startsWith("formula:"))?.slice(8) ?? null;
    } finally {
      await ledger.close();
    }
  }
  if (!synthesis)
    throw new ValidationError(
      `convoy ${v.id} has no synthesis step (no tracked bead is blocked by all the others)`,
    );
  const legs = v.tracked.filter((t) => t.id !== synthesis.id);
  const legsClosed = legs.filter((l) => l.status === "closed").length;
  return {
    convoy: { id: v.id, title: v.title, status: v.status },
    formula,
    legs,
    synthesis,
    legs_closed: legsClosed,
    ready: legsClosed === legs.length,
    started: STARTED.has(synthesis.status),
  };
}

export interface SynthesisStart {
  state: SynthesisState;
  rig: string;
  dry_run: boolean;
  sling: SlingReport | null;
}

/** Slings the synthesis bead to `rig` (default: the rig that holds it) once every leg closed. */
export async function startSynthesis(
  town: Town,
  provider: RuntimeProvider,
  convoyId: string,
  opts: {
    rig?: string;
    force?: boolean;
    dryRun?: boolean;
    noStart?: boolean;
    actor: string;
    caller?: AgentIdentity;
  },
): Promise<SynthesisStart> {
  const state = await synthesisState(town, convoyId);
  if (state.convoy.status === "closed")
    throw new ConflictError("closed", `convoy ${state.convoy.id} is closed`);
  if (state.started)
    throw new ConflictError(
      "started",
      `synthesis ${state.synthesis.id} has already started (${state.synthesis.status}${state.synthesis.assignee ? `, ${state.synthesis.assignee}` : ""})`,
    );
  if (!state.ready && !opts.force) {
    const open = state.legs.filter((l) => l.status !== "closed").map((l) => l.id);
    throw new ConflictError(
      "legs_open",
      `${open.length} leg(s) still open (${open.join(", ")}); use --force to start the synthesis anyway`,
    );
  }
  const rig = opts.rig
    ? town.rig(opts.rig).name
    : (state.synthesis.rig ?? rigOfBead(town, state.synthesis.id));
  if (!rig) throw new ValidationError(`cannot tell which rig should run ${state.synthesis.id}: use --rig`);
  if (opts.dryRun) return { state, rig, dry_run: true, sling: null };
  const report = await sling(town, provider, [state.synthesis.id], rig, {
    actor: opts.actor,
    caller: opts.caller,
    noConvoy: true,
    noStart: opts.noStart,
  });
  return { state, rig, dry_run: false, sling: report };
}

/** Closes the convoy once the synthesis is done ("synthesis complete"); a closed one is left as it is. */
export async function closeSynthesis(
  town: Town,
  convoyId: string,
  opts: { force?: boolean; actor: string },
): Promise<{ convoy: string; closed: boolean; already_closed: boolean }> {
  const state = await synthesisState(town, convoyId);
  if (state.convoy.status === "closed")
    return { convoy: state.convoy.id, closed: false, already_closed: true };
  if (state.synthesis.status !== "closed" && !opts.force)
    throw new ConflictError(
      "synthesis_open",
      `synthesis ${state.synthesis.id} is ${state.synthesis.status}; close it first, or use --force`,
    );
  await closeConvoy(town, state.convoy.id, { reason: "synthesis complete", force: true, actor: opts.actor });
  return { convoy: state.convoy.id, closed: true, already_closed: false };
}
