// Distilling (beads' `bd mol distill`): a molecule as it stands in the ledger written back as
// a formula, so an ad-hoc molecule becomes reusable. Steps in moleculeProgress's order, nested
// steps as children, needs from the blocks edges between steps, gates from the gate beads in
// front of them; `--var name=value` turns each concrete value back into `{{name}}`.
import { stringify } from "smol-toml";
import { ValidationError } from "../errors.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { requireMolecule } from "./molecule.ts";
import { moleculeProgress } from "./progress.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface DistilledStep {
  id: string;
  title: string;
  description?: string;
  acceptance?: string;
  type?: string;
  priority?: number;
  labels?: string[];
  needs?: string[];
  gate?: { type: string; await_id?: string; timeout?: string };
  children?: DistilledStep[];
}

export interface Distilled {
  name: string;
  steps: number;
  /** The formula file's text (TOML). */
  text: string;
}

function durationText(ns: number): string {
  const s = Math.round(ns / 1e9);
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

export async function distillMolecule(
  store: LedgerStore,
  rootId: string,
  opts: { name: string; vars?: Readonly<Record<string, string>> },
): Promise<Distilled> {
  if (!NAME.test(opts.name)) throw new ValidationError(`invalid formula name "${opts.name}"`);
  const root = await requireMolecule(store, rootId);
  const p = await moleculeProgress(store, root.id);
  // Longest values first, so a value inside another is not replaced before it.
  const vars = Object.entries(opts.vars ?? {}).sort((a, b) => b[1].length - a[1].length);
  for (const [k, v] of vars)
    if (v === "") throw new ValidationError(`--var ${k}= has no value to turn into {{${k}}}`);
  const unbake = (text: string) => vars.reduce((t, [k, v]) => t.split(v).join(`{{${k}}}`), text);
  const stepIdOf = (id: string) =>
    id.startsWith(`${root.id}.`) ? id.slice(root.id.length + 1).replace(/[^A-Za-z0-9_-]/g, "-") : id;
  const made = new Map<string, DistilledStep>();
  const top: DistilledStep[] = [];
  for (const s of p.steps) {
    const i = s.issue;
    const step: DistilledStep = { id: stepIdOf(i.id), title: unbake(i.title) };
    if (i.description) step.description = unbake(i.description);
    if (i.acceptance_criteria) step.acceptance = unbake(i.acceptance_criteria);
    if (i.issue_type !== "task" && i.issue_type !== "epic") step.type = i.issue_type;
    if (i.priority !== 2) step.priority = i.priority;
    const labels = (i.labels ?? []).filter((l) => !l.startsWith("gate:"));
    if (labels.length > 0) step.labels = labels;
    const needs: string[] = [];
    for (const d of await store.dependencyRecords(i.id)) {
      if (d.type !== "blocks") continue;
      const before = await store.getIssue(d.depends_on_id);
      if (before?.issue_type === "gate") {
        step.gate = {
          type: before.await_type ?? "human",
          ...(before.await_id ? { await_id: unbake(before.await_id) } : {}),
          ...(before.timeout ? { timeout: durationText(before.timeout) } : {}),
        };
      } else if (d.depends_on_id.startsWith(`${root.id}.`)) needs.push(stepIdOf(d.depends_on_id));
    }
    if (needs.length > 0) step.needs = needs.sort();
    made.set(i.id, step);
    const parent = i.parent ? made.get(i.parent) : undefined;
    if (parent) parent.children = [...(parent.children ?? []), step];
    else top.push(step);
  }
  const formula: Record<string, unknown> = {
    formula: opts.name,
    description: unbake(root.description ?? `Distilled from ${root.id}`),
    version: 1,
  };
  if (vars.length > 0)
    formula.vars = Object.fromEntries(
      vars.map(([k, v]) => [k, { description: `was "${v}" in ${root.id}`, required: true }]),
    );
  formula.steps = top;
  const text = `# Distilled from molecule ${root.id} (${root.title}).\n${stringify(formula)}\n`;
  return { name: opts.name, steps: p.steps.length, text };
}
