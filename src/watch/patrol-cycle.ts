// Patrol cycles as wisps (`gt patrol new|report|digest`): each patrol round of the deacon, a
// witness or a refinery is a root-only wisp of its patrol formula in the town ledger, assigned
// to the agent. `report` closes the round with the agent's summary and step audit and starts
// the next; `digest` folds a day's closed rounds into one permanent bead and deletes them, so
// rounds leave an audit trail without piling up wisps.
import { ConflictError, ValidationError } from "../errors.ts";
import { type CookedFormula, cookFormula } from "../formulas/cook.ts";
import { burnMolecule, MOLECULE_TYPE } from "../formulas/molecule.ts";
import { applyOverlay, loadOverlay } from "../formulas/overlay.ts";
import { pourCooked } from "../formulas/pour.ts";
import { allSteps } from "../formulas/resolve.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { type AgentIdentity, addressOf } from "../town/identity.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { formulaLibraryOf } from "../work/attach.ts";

export const PATROL_ROLES = ["deacon", "witness", "refinery"] as const;
export type PatrolRole = (typeof PATROL_ROLES)[number];
export const DIGEST_LABEL = "gt:patrol-digest";

export interface PatrolAgent {
  role: PatrolRole;
  address: string;
  rig: string | null;
  formula: string;
}

/** The patrol an agent runs; `role` overrides the agent's own (--role). */
export function patrolAgent(id: AgentIdentity | undefined, role?: string, rig?: string): PatrolAgent {
  const r = role ?? id?.role;
  if (!r)
    throw new ValidationError("no role here: run as the deacon, a witness or a refinery, or give --role");
  if (!(PATROL_ROLES as readonly string[]).includes(r))
    throw new ValidationError(`the ${r} does not patrol (deacon, witness or refinery)`);
  const pr = r as PatrolRole;
  const theRig = pr === "deacon" ? null : (rig ?? id?.rig ?? null);
  if (pr !== "deacon" && !theRig) throw new ValidationError(`a ${pr} patrol needs its rig (--rig)`);
  const address = addressOf(pr === "deacon" ? { role: "deacon" } : { role: pr, rig: theRig! });
  return { role: pr, address, rig: theRig, formula: `mol-${pr}-patrol` };
}

async function withTownLedger<T>(town: Town, fn: (s: LedgerStore) => Promise<T>): Promise<T> {
  const ledger = openTownLedger(town);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

async function openRounds(store: LedgerStore, a: PatrolAgent): Promise<Issue[]> {
  const rows = await store.listIssues({
    ephemeral: "only",
    types: [MOLECULE_TYPE],
    assignee: a.address,
    includeInfra: true,
    limit: 0,
    sort: "created",
  });
  return rows.filter((r) => r.source_formula === a.formula && !r.parent);
}

export interface NewRound {
  patrol: string;
  formula: string;
  agent: string;
  /** Open rounds of the same agent burned first (a crashed round is not left behind). */
  burned: string[];
  /** Overlay overrides that name no step of the formula (a stale overlay). */
  warnings: string[];
}

/**
 * The agent's patrol formula cooked for it (its rig as the rig var), with its overlay applied
 * (gt formula overlay: the rig's, else the town's), as Gas Town applies overlays to the patrol
 * formulas it primes. An override naming no step is a warning, not a failure.
 */
function cook(town: Town, a: PatrolAgent): { cooked: CookedFormula; warnings: string[] } {
  const vars: Record<string, string> = a.rig ? { rig: a.rig } : {};
  let cooked: CookedFormula;
  try {
    cooked = cookFormula(formulaLibraryOf(town, a.rig ?? undefined), a.formula, town.root, {
      mode: "runtime",
      vars,
    });
  } catch (e) {
    throw new ValidationError(`cannot cook ${a.formula}: ${(e as Error).message.split("\n")[0]}`);
  }
  const overlay = loadOverlay(town.root, a.formula, a.rig);
  if (!overlay) return { cooked, warnings: [] };
  const { steps, warnings } = applyOverlay(cooked.steps, overlay.overrides);
  return {
    cooked: { ...cooked, steps, step_count: allSteps(steps).length },
    warnings: warnings.map((w) => `${overlay.path}: ${w}`),
  };
}

async function pourRound(town: Town, store: LedgerStore, a: PatrolAgent, actor: string): Promise<NewRound> {
  const burned: string[] = [];
  for (const old of await openRounds(store, a)) {
    await burnMolecule(store, old.id, actor);
    burned.push(old.id);
  }
  const { cooked, warnings } = cook(town, a);
  const poured = await pourCooked(store, cooked, {
    ephemeral: true,
    rootOnly: true,
    assignee: a.address,
    actor,
  });
  return { patrol: poured.root_id, formula: a.formula, agent: a.address, burned, warnings };
}

/** Starts a new round for the agent (burning an open one it left behind). */
export async function newPatrolRound(town: Town, a: PatrolAgent, actor: string): Promise<NewRound> {
  return withTownLedger(town, (store) => pourRound(town, store, a, actor));
}

export interface RoundReport {
  closed: string;
  summary: string;
  /** Each step of the formula with the status reported for it, NOT REPORTED when none was. */
  steps: Array<{ step: string; status: string }>;
  /** Steps reported that the formula does not have. */
  unknown_steps: string[];
  next: NewRound;
}

/** `heartbeat:OK,inbox-check:SKIPPED` into pairs; one error for a malformed pair. */
export function parseStepAudit(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.lastIndexOf(":");
    if (at <= 0 || at === part.length - 1)
      throw new ValidationError(`invalid --steps entry "${part}" (use step:STATUS, e.g. heartbeat:OK)`);
    out.set(
      part.slice(0, at).trim(),
      part
        .slice(at + 1)
        .trim()
        .toUpperCase(),
    );
  }
  return out;
}

/** Closes the agent's open round with a summary and the step audit, then starts the next one. */
export async function reportPatrolRound(
  town: Town,
  a: PatrolAgent,
  summary: string,
  stepsText: string | undefined,
  actor: string,
): Promise<RoundReport> {
  if (!summary.trim()) throw new ValidationError("--summary is required: what this round found");
  const reported = parseStepAudit(stepsText);
  const formulaSteps = cook(town, a).cooked.steps.map((s) => s.id);
  const steps = formulaSteps.map((step) => ({ step, status: reported.get(step) ?? "NOT REPORTED" }));
  const unknown = [...reported.keys()].filter((s) => !formulaSteps.includes(s));
  return withTownLedger(town, async (store) => {
    const open = await openRounds(store, a);
    const round = open.at(-1);
    if (!round) throw new ConflictError("no_patrol", `no open patrol round for ${a.address} (gt patrol new)`);
    const audit = steps.map((s) => `- ${s.step}: ${s.status}`).join("\n");
    const extra = unknown.length ? `\n\nUnknown steps reported: ${unknown.join(", ")}` : "";
    await store.updateIssue(
      round.id,
      { description: `Patrol report: ${summary}\n\nSteps:\n${audit}${extra}` },
      actor,
    );
    await store.closeIssue(round.id, { reason: `patrol cycle complete: ${summary}`, force: true }, actor);
    // Older open rounds of this agent are burned by the next pour.
    const next = await pourRound(town, store, a, actor);
    return { closed: round.id, summary, steps, unknown_steps: unknown, next };
  });
}

export interface DigestCycle {
  id: string;
  role: string;
  agent: string | null;
  summary: string;
  closed_at: string | null;
}

export interface PatrolDigest {
  date: string;
  /** The digest bead (existing, new, or null on a dry run / nothing to digest). */
  digest: string | null;
  existing: boolean;
  total_cycles: number;
  by_role: Record<string, number>;
  cycles: DigestCycle[];
  deleted: number;
  dry_run: boolean;
}

/** YYYY-MM-DD, checked; the day's bounds as ISO strings. */
export function dayBounds(date: string): { from: string; to: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const start = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== date)
    throw new ValidationError(`invalid date "${date}" (use YYYY-MM-DD)`);
  return { from: new Date(start).toISOString(), to: new Date(start + 86_400_000).toISOString() };
}

const patrolFormula = (f: string | undefined) => /^mol-(deacon|witness|refinery)-patrol$/.exec(f ?? "")?.[1];

/** Folds the closed patrol rounds of `date` (UTC) into one closed digest bead and deletes them. */
export async function digestPatrols(
  town: Town,
  date: string,
  dryRun: boolean,
  actor: string,
): Promise<PatrolDigest> {
  const { from, to } = dayBounds(date);
  const title = `Patrol Report ${date}`;
  return withTownLedger(town, async (store) => {
    const empty = { date, total_cycles: 0, by_role: {}, cycles: [], deleted: 0, dry_run: dryRun };
    const existing = (
      await store.listIssues({ labels: [DIGEST_LABEL], all: true, includeInfra: true, limit: 0 })
    ).find((i) => i.title === title);
    if (existing) return { ...empty, digest: existing.id, existing: true };
    const rounds = (
      await store.listIssues({
        ephemeral: "only",
        types: [MOLECULE_TYPE],
        statuses: ["closed"],
        closedAfter: from,
        closedBefore: to,
        includeInfra: true,
        limit: 0,
        sort: "created",
      })
    ).filter((r) => !r.parent && patrolFormula(r.source_formula));
    const cycles: DigestCycle[] = rounds.map((r) => ({
      id: r.id,
      role: patrolFormula(r.source_formula)!,
      agent: r.assignee ?? null,
      summary: (/^Patrol report: (.*)$/m.exec(r.description ?? "")?.[1] ?? r.close_reason ?? "").trim(),
      closed_at: r.closed_at ?? null,
    }));
    const byRole: Record<string, number> = {};
    for (const c of cycles) byRole[c.role] = (byRole[c.role] ?? 0) + 1;
    const result = {
      ...empty,
      total_cycles: cycles.length,
      by_role: byRole,
      cycles,
      existing: false,
      digest: null,
    };
    if (dryRun || cycles.length === 0) return result;
    const lines = cycles.map(
      (c) => `- ${c.closed_at?.slice(11, 16) ?? "--:--"} ${c.agent ?? c.role}: ${c.summary}`,
    );
    const counts = Object.entries(byRole)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ");
    const digest = await store.createIssue(
      {
        title,
        description: `${cycles.length} patrol cycle(s) on ${date} (${counts}).\n\n${lines.join("\n")}\n`,
        issue_type: "task",
        priority: 4,
        labels: [DIGEST_LABEL],
      },
      actor,
    );
    await store.closeIssue(digest.id, { reason: "patrol digest" }, actor);
    for (const c of cycles) await burnMolecule(store, c.id, actor);
    return { ...result, digest: digest.id, deleted: cycles.length };
  });
}
