// Gates: beads of type gate that hold a step until a condition is met (beads §1.1, §4.2).
// A pour makes them (`<parent>.gate-<step>`, await_type/await_id); `bd gate` makes and
// resolves them by hand; `check` settles the ones a machine can decide: a timer whose time
// has come, a bead-closed gate whose bead closed. Human gates close only by `resolve`.
import { ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { moleculeRootOf } from "./molecule.ts";

export const GATE_TYPE = "gate";

/** A step that was waiting on a gate that is now closed, and is ready (`bd ready --gated`). */
export interface GatedStep {
  molecule_id: string | null;
  molecule_title: string | null;
  closed_gate: { id: string; title: string; await_type: string | null; await_id: string | null };
  ready_step: Issue;
}

export async function gatedReady(store: LedgerStore): Promise<GatedStep[]> {
  const closed = await store.listIssues({
    types: [GATE_TYPE],
    statuses: ["closed"],
    ephemeral: true,
    includeTemplates: true,
    limit: 0,
  });
  const out: GatedStep[] = [];
  for (const gate of closed) {
    const waiting = (await store.dependentRecords(gate.id))
      .filter((d) => d.type === "blocks")
      .map((d) => d.issue_id);
    if (waiting.length === 0) continue;
    const ready = await store.ready({ ids: waiting, ephemeral: true, status: "open", limit: 0 });
    for (const step of ready) {
      const root = await moleculeRootOf(store, step.id);
      out.push({
        molecule_id: root?.id ?? null,
        molecule_title: root?.title ?? null,
        closed_gate: {
          id: gate.id,
          title: gate.title,
          await_type: gate.await_type ?? null,
          await_id: gate.await_id ?? null,
        },
        ready_step: step,
      });
    }
  }
  return out;
}

export function requireGate(issue: Issue | undefined, id: string): Issue {
  if (!issue) throw new ValidationError(`no gate ${id}`);
  if (issue.issue_type !== GATE_TYPE)
    throw new ValidationError(`${id} is not a gate (it is a ${issue.issue_type})`);
  return issue;
}
