// Two more readings of a molecule for `gt mol progress` and `gt mol dag`: counts and a
// percentage (what a witness watching a polecat wants), and the step graph in execution
// tiers. Both start from moleculeProgress, so their step states match `gt mol status`.
import type { LedgerStore } from "../ledger/store.ts";
import { type MoleculeProgress, moleculeProgress, type StepState } from "./progress.ts";

export interface MoleculeProgressSummary {
  molecule_id: string;
  molecule_title: string;
  total_steps: number;
  done_steps: number;
  in_progress_steps: string[];
  ready_steps: string[];
  /** Blocked by status or an open gate, or waiting on steps not done yet. */
  blocked_steps: string[];
  percent_complete: number;
  complete: boolean;
}

export function summarizeProgress(p: MoleculeProgress): MoleculeProgressSummary {
  const ids = (...states: StepState[]) =>
    p.steps.filter((s) => states.includes(s.status)).map((s) => s.issue.id);
  return {
    molecule_id: p.molecule_id,
    molecule_title: p.molecule_title,
    total_steps: p.total,
    done_steps: p.completed,
    in_progress_steps: ids("current"),
    ready_steps: ids("ready"),
    blocked_steps: ids("blocked", "pending"),
    percent_complete: p.total === 0 ? 0 : Math.floor((p.completed * 100) / p.total),
    complete: p.total > 0 && p.completed === p.total,
  };
}

/** A text bar of `width` cells for a percentage. */
export function progressBar(percent: number, width = 20): string {
  const filled = Math.max(0, Math.min(width, Math.floor((percent * width) / 100)));
  return "█".repeat(filled) + "░".repeat(width - filled);
}

export interface DagNode {
  id: string;
  title: string;
  status: StepState;
  /** Steps of this molecule it waits on (blocking edges). */
  needs: string[];
  /** Steps of this molecule that wait on it. */
  needed_by: string[];
  /** 0 for steps that wait on nothing, else one more than the deepest step they need. */
  tier: number;
  /** Its parent step, when steps nest; null under the root. */
  parent: string | null;
}

export interface MoleculeDag {
  molecule_id: string;
  molecule_title: string;
  total: number;
  tiers: number;
  /** Step ids per tier, in the order the steps run. */
  tier_groups: string[][];
  /** The longest chain of needs, first step first. */
  critical_path: string[];
  nodes: DagNode[];
}

/** The step graph of the molecule rooted at `rootId`. */
export async function moleculeDag(store: LedgerStore, rootId: string): Promise<MoleculeDag> {
  const p = await moleculeProgress(store, rootId);
  const inMol = new Set(p.steps.map((s) => s.issue.id));
  const needs = new Map<string, string[]>();
  await Promise.all(
    p.steps.map(async (s) => {
      const deps = await store.dependencyRecords(s.issue.id);
      needs.set(
        s.issue.id,
        deps.filter((d) => d.type === "blocks" && inMol.has(d.depends_on_id)).map((d) => d.depends_on_id),
      );
    }),
  );
  const tier = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const tierOf = (id: string): number => {
    const known = tier.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a hand-made cycle: cut it here
    visiting.add(id);
    let t = 0;
    let from: string | undefined;
    for (const n of needs.get(id) ?? []) {
      const nt = tierOf(n) + 1;
      if (nt > t) {
        t = nt;
        from = n;
      }
    }
    visiting.delete(id);
    tier.set(id, t);
    via.set(id, from);
    return t;
  };
  for (const s of p.steps) tierOf(s.issue.id);
  const neededBy = new Map<string, string[]>();
  for (const s of p.steps)
    for (const n of needs.get(s.issue.id) ?? []) neededBy.set(n, [...(neededBy.get(n) ?? []), s.issue.id]);
  const nodes: DagNode[] = p.steps.map((s) => ({
    id: s.issue.id,
    title: s.issue.title,
    status: s.status,
    needs: needs.get(s.issue.id) ?? [],
    needed_by: neededBy.get(s.issue.id) ?? [],
    tier: tier.get(s.issue.id) ?? 0,
    parent: s.issue.parent && inMol.has(s.issue.parent) ? s.issue.parent : null,
  }));
  const tiers = nodes.length === 0 ? 0 : Math.max(...nodes.map((n) => n.tier)) + 1;
  const groups: string[][] = Array.from({ length: tiers }, () => []);
  for (const n of nodes) groups[n.tier]!.push(n.id);
  // The critical path ends at the first deepest step and walks back through what set its tier.
  const path: string[] = [];
  let end = nodes.find((n) => n.tier === tiers - 1)?.id;
  while (end !== undefined) {
    path.unshift(end);
    end = via.get(end);
  }
  return {
    molecule_id: p.molecule_id,
    molecule_title: p.molecule_title,
    total: nodes.length,
    tiers,
    tier_groups: groups,
    critical_path: path,
    nodes,
  };
}

export const STATE_MARK: Record<StepState, string> = {
  done: "✓",
  current: "⧖",
  ready: "○",
  blocked: "◌",
  pending: "◌",
};

/**
 * The graph as text lines: each step under the steps it needs (a step needing several is
 * shown under the first and names the others), or with `byTier` one block per tier.
 */
export function dagLines(dag: MoleculeDag, byTier = false): string[] {
  const node = new Map(dag.nodes.map((n) => [n.id, n]));
  const label = (n: DagNode) => `${STATE_MARK[n.status]} ${n.id} — ${n.title} [${n.status}]`;
  if (byTier)
    return dag.tier_groups.flatMap((ids, t) => [
      `Tier ${t}${ids.length > 1 ? ` (${ids.length} in parallel)` : ""}:`,
      ...ids.map((id) => `  ${label(node.get(id)!)}`),
    ]);
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (n: DagNode, indent: string) => {
    shown.add(n.id);
    const also = n.needs.slice(1);
    lines.push(`${indent}${label(n)}${also.length ? `  (also needs ${also.join(", ")})` : ""}`);
    for (const c of n.needed_by) {
      const child = node.get(c)!;
      if (child.needs[0] === n.id && !shown.has(c)) walk(child, `${indent}  `);
    }
  };
  for (const n of dag.nodes) if (n.needs.length === 0 && !shown.has(n.id)) walk(n, "");
  for (const n of dag.nodes) if (!shown.has(n.id)) walk(n, ""); // cut cycles
  return lines;
}
