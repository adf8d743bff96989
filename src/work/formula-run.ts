// `gt formula run`: a formula becomes slung work. A workflow formula gives one bead, slung
// with the formula's molecule attached. A convoy formula (legs + synthesis) gives one bead
// per leg, slung at the rig so each gets its own polecat and they run in parallel, and a
// synthesis bead blocked by every leg; a convoy tracks them all. Nobody has to remember the
// synthesis: once the legs close it is a ready bead of a convoy nobody works on, which the
// deacon's stranded-convoy round (watch/deacon-stranded.ts) slings to the rig.
import { randomBytes } from "node:crypto";
import { ValidationError } from "../errors.ts";
import { type CookedFormula, cookFormula } from "../formulas/cook.ts";
import type { Formula, Step } from "../formulas/schema.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { formulaLibraryOf } from "./attach.ts";
import { createConvoy } from "./convoys.ts";
import { type SlingReport, sling } from "./sling.ts";

export interface FormulaRunOptions {
  vars: Record<string, string>;
  /** A convoy formula's preset: only the legs it names. */
  preset?: string | undefined;
  agent?: string | undefined;
  actor: string;
  dryRun?: boolean;
  noStart?: boolean;
}

export interface FormulaRunResult {
  formula: string;
  type: Formula["type"];
  rig: string;
  /** The beads made: one for a workflow; the legs for a convoy. */
  beads: Array<{ id: string; title: string; leg: string | null }>;
  /** A convoy formula's synthesis bead (slung once every leg closed). */
  synthesis: string | null;
  convoy: string | null;
  sling: SlingReport | null;
  dry_run: boolean;
}

/** Gas Town's convoy prompts use Go-template fields (`{{.leg.title}}`, `{{.pr}}`): filled here. */
export function renderPrompt(text: string, fields: Record<string, string>): string {
  return text.replace(/\{\{\s*\.([A-Za-z0-9_.]+)\s*\}\}/g, (whole, key: string) => fields[key] ?? whole);
}

function legFields(leg: Step, base: Record<string, string>, outputPath: string): Record<string, string> {
  const out: Record<string, string> = { ...base, output_path: outputPath };
  for (const k of ["id", "title", "focus", "description"])
    if (typeof leg[k] === "string") out[`leg.${k}`] = leg[k] as string;
  return out;
}

/** The legs a preset keeps (all without one); an unknown preset or leg is refused. */
function chosenLegs(cooked: CookedFormula, preset: string | undefined): Step[] {
  const legs = cooked.steps.filter((s) => s.kind === "leg");
  if (!preset) return legs;
  const presets = (cooked.presets ?? {}) as Record<string, { legs?: string[] }>;
  const p = presets[preset];
  if (!p)
    throw new ValidationError(
      `${cooked.formula} has no preset "${preset}" (it has: ${Object.keys(presets).join(", ") || "none"})`,
    );
  const names = p.legs ?? [];
  const unknown = names.filter((n) => !legs.some((l) => l.id === n));
  if (unknown.length)
    throw new ValidationError(`preset "${preset}" names unknown leg(s): ${unknown.join(", ")}`);
  return legs.filter((l) => names.includes(l.id));
}

/** A run before anything is made. */
function newRun(
  formula: string,
  type: Formula["type"],
  rig: string,
  opts: FormulaRunOptions,
): FormulaRunResult {
  return {
    formula,
    type,
    rig,
    beads: [],
    synthesis: null,
    convoy: null,
    sling: null,
    dry_run: opts.dryRun === true,
  };
}

interface PlannedBead {
  title: string;
  description: string;
  leg: string | null;
}

/** The beads a convoy formula's run makes: each leg, then the synthesis. */
function convoyBeads(cooked: CookedFormula, opts: FormulaRunOptions, runId: string) {
  const base: Record<string, string> = { ...(cooked.values ?? {}), review_id: runId, run_id: runId };
  const output = (cooked.output ?? {}) as { directory?: string; leg_pattern?: string; synthesis?: string };
  const dir = renderPrompt(output.directory ?? `.formula-runs/${runId}`, base);
  base["output.directory"] = dir;
  const prompt = ((cooked.prompts ?? {}) as Record<string, string>).base;
  const legs: PlannedBead[] = chosenLegs(cooked, opts.preset).map((leg) => {
    const path = `${dir}/${renderPrompt(output.leg_pattern ?? "{{.leg.id}}.md", legFields(leg, base, ""))}`;
    const fields = legFields(leg, base, path);
    const text = prompt
      ? renderPrompt(prompt, fields).trim()
      : renderPrompt(String(leg.description ?? ""), fields).trim();
    // The prompt frames the work; the leg's own description (with any sh block) follows once.
    const own = String(leg.description ?? "");
    const description = prompt && own && !text.includes(own.trim()) ? `${text}\n\n${own.trim()}` : text;
    return { title: `${cooked.formula}: ${leg.title ?? leg.id}`, description, leg: leg.id };
  });
  if (legs.length === 0) throw new ValidationError(`${cooked.formula} has no legs to run`);
  const synth = cooked.steps.find((s) => s.kind === "synthesis");
  const synthesis: PlannedBead | null = synth
    ? {
        title: `${cooked.formula}: ${synth.title ?? "Synthesis"}`,
        description: renderPrompt(String(synth.description ?? ""), {
          ...base,
          output_path: `${dir}/${output.synthesis ?? "synthesis.md"}`,
        }).trim(),
        leg: null,
      }
    : null;
  return { legs, synthesis };
}

/** Runs `name` on `rig`: see the module comment for what a workflow and a convoy become. */
export async function runFormula(
  town: Town,
  provider: RuntimeProvider,
  name: string,
  rig: string,
  opts: FormulaRunOptions,
): Promise<FormulaRunResult> {
  town.rig(rig); // an unknown rig is refused before anything is made
  const lib = formulaLibraryOf(town, rig);
  // Compile first for a workflow (its vars are checked when the bead's molecule is cooked).
  const loaded = lib.loadNameOrPath(name, town.root);
  if ((loaded.formula.type ?? "workflow") === "workflow")
    return runWorkflow(town, provider, loaded.formula.formula, rig, opts);
  if (loaded.formula.type !== "convoy")
    throw new ValidationError(
      `${loaded.formula.formula} is a ${loaded.formula.type} formula: only workflow and convoy formulas run`,
    );
  const cooked = cookFormula(lib, name, town.root, { mode: "runtime", vars: opts.vars });
  const runId = `${cooked.formula}-${randomBytes(3).toString("hex")}`;
  const planned = convoyBeads(cooked, opts, runId);
  const result = newRun(cooked.formula, "convoy", rig, opts);
  if (opts.dryRun) {
    result.beads = planned.legs.map((b) => ({ id: "", title: b.title, leg: b.leg }));
    return result;
  }
  const ledger = openLedgerFor(town, rig);
  try {
    for (const b of planned.legs) {
      const issue = await ledger.createIssue(
        {
          title: b.title,
          description: b.description,
          issue_type: "task",
          labels: [`formula:${cooked.formula}`],
        },
        opts.actor,
      );
      result.beads.push({ id: issue.id, title: issue.title, leg: b.leg });
    }
    if (planned.synthesis) {
      const s = await ledger.createIssue(
        {
          title: planned.synthesis.title,
          description: planned.synthesis.description,
          issue_type: "task",
          labels: [`formula:${cooked.formula}`],
          deps: result.beads.map((b) => ({ type: "blocks", depends_on_id: b.id })),
        },
        opts.actor,
      );
      result.synthesis = s.id;
    }
  } finally {
    await ledger.close();
  }
  // Slung first, tracked second: a convoy whose legs nobody holds yet looks stranded, and
  // the deacon would feed the legs itself (and not the synthesis again for a cooldown).
  result.sling = await sling(
    town,
    provider,
    result.beads.map((b) => b.id),
    rig,
    { actor: opts.actor, agent: opts.agent, noConvoy: true, noStart: opts.noStart },
  );
  const tracked = [...result.beads.map((b) => b.id), ...(result.synthesis ? [result.synthesis] : [])];
  const convoy = await createConvoy(town, {
    title: `${cooked.formula} (${runId})`,
    issues: tracked,
    actor: opts.actor,
  });
  result.convoy = convoy.id;
  return result;
}

/** A workflow formula: one bead for the run, slung with the formula's molecule attached. */
async function runWorkflow(
  town: Town,
  provider: RuntimeProvider,
  formula: string,
  rig: string,
  opts: FormulaRunOptions,
): Promise<FormulaRunResult> {
  const title = opts.vars.title ?? `Run ${formula}`;
  const result = newRun(formula, "workflow", rig, opts);
  if (opts.dryRun) {
    result.beads = [{ id: "", title, leg: null }];
    return result;
  }
  const ledger = openLedgerFor(town, rig);
  let id: string;
  try {
    id = (await ledger.createIssue({ title, issue_type: "task", labels: [`formula:${formula}`] }, opts.actor))
      .id;
  } finally {
    await ledger.close();
  }
  result.beads = [{ id, title, leg: null }];
  result.sling = await sling(town, provider, [id], rig, {
    actor: opts.actor,
    agent: opts.agent,
    formula,
    vars: opts.vars,
    noStart: opts.noStart,
  });
  result.convoy = result.sling.convoy;
  if (result.sling.failures.length > 0) {
    // The run's bead is nothing without its sling: it goes, so a retry starts clean.
    const l = openLedgerFor(town, rig);
    try {
      await l.deleteIssue(id, opts.actor);
    } finally {
      await l.close();
    }
  }
  return result;
}
