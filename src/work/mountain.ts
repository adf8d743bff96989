// Gas Town's Mountain-Eater: a convoy with the `mountain` label. `gt mountain <epic>` stages a
// convoy from the epic's work (convoy-stage.ts), labels it and launches its first wave; later
// waves go out as `gt convoy launch` or the deacon finds them ready. `mountain:paused` asks
// that no new wave go out (work already on hooks finishes); cancel takes the labels off and
// leaves a plain convoy.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { AgentIdentity } from "../town/identity.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { getBead } from "./beads.ts";
import { type LaunchResult, launchConvoy, planStage, type StageResult, stageConvoy } from "./convoy-stage.ts";
import { CONVOY_TYPE, convoyStatus, MOUNTAIN_PAUSED_LABEL, type TrackedBead } from "./convoys.ts";

export const MOUNTAIN_LABEL = "mountain";
export const PAUSED_LABEL = MOUNTAIN_PAUSED_LABEL;

export interface MountainSummary {
  id: string;
  title: string;
  status: string;
  labels: string[];
  paused: boolean;
  /** The epic it was made from, when it was. */
  epic: string | null;
  total: number;
  closed: number;
  percent: number;
}

export interface MountainDetail extends MountainSummary {
  waves: number;
  completed: TrackedBead[];
  active: TrackedBead[];
  ready: TrackedBead[];
  blocked: Array<TrackedBead & { needs: string[] }>;
}

const epicOf = (c: Issue): string | null => {
  const staged = (c.metadata as { staged?: { source?: unknown } } | undefined)?.staged;
  return typeof staged?.source === "string" ? staged.source : null;
};

async function mountainConvoys(town: Town): Promise<Issue[]> {
  const ledger = openTownLedger(town);
  try {
    return await ledger.listIssues({
      types: [CONVOY_TYPE],
      labels: [MOUNTAIN_LABEL],
      includeInfra: true,
      limit: 0,
    });
  } finally {
    await ledger.close();
  }
}

async function summarize(town: Town, c: Issue): Promise<MountainSummary> {
  const v = await convoyStatus(town, c.id);
  const labels = c.labels ?? [];
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    labels,
    paused: labels.includes(PAUSED_LABEL),
    epic: epicOf(c),
    total: v.total,
    closed: v.closed,
    percent: v.total ? Math.floor((v.closed * 100) / v.total) : 0,
  };
}

/** Every mountain that has not landed. */
export async function listMountains(town: Town): Promise<MountainSummary[]> {
  const out: MountainSummary[] = [];
  for (const c of await mountainConvoys(town)) if (c.status !== "closed") out.push(await summarize(town, c));
  return out;
}

/** A mountain by its convoy's ID, or by the epic it was made from. */
export async function resolveMountain(town: Town, id: string): Promise<Issue> {
  const bead = await getBead(town, id);
  if (bead.issue_type === CONVOY_TYPE) {
    if (!(bead.labels ?? []).includes(MOUNTAIN_LABEL))
      throw new ValidationError(`${bead.id} is not a mountain (no mountain label)`);
    return bead;
  }
  const open = (await mountainConvoys(town)).filter((c) => c.status !== "closed");
  const found = open.find((c) => epicOf(c) === bead.id) ?? open.find((c) => c.title.includes(bead.title));
  if (!found) throw new NotFoundError(id, `no active mountain found for ${bead.issue_type} ${bead.id}`);
  return found;
}

export async function mountainDetail(town: Town, id: string): Promise<MountainDetail> {
  const c = await resolveMountain(town, id);
  const summary = await summarize(town, c);
  const v = await convoyStatus(town, c.id);
  const plan = await planStage(town, [c.id]);
  const tasks = new Map(plan.tasks.map((t) => [t.id, t]));
  const isOpenBlocker = (b: string) => (tasks.get(b)?.status ?? "closed") !== "closed";
  const detail: MountainDetail = {
    ...summary,
    waves: plan.waves.length,
    completed: [],
    active: [],
    ready: [],
    blocked: [],
  };
  for (const t of v.tracked) {
    if (t.status === "closed") detail.completed.push(t);
    else if (t.assignee || t.status === "in_progress" || t.status === "hooked") detail.active.push(t);
    else {
      const task = tasks.get(t.id);
      const needs = [...(task?.blocked_by ?? []).filter(isOpenBlocker), ...(task?.gated_by ?? [])];
      if (needs.length > 0) detail.blocked.push({ ...t, needs });
      else detail.ready.push(t);
    }
  }
  return detail;
}

async function setLabels(
  town: Town,
  id: string,
  add: string[],
  remove: string[],
  actor: string,
): Promise<void> {
  const ledger = openTownLedger(town);
  try {
    for (const l of add) await ledger.addLabel(id, l, actor);
    for (const l of remove) await ledger.removeLabel(id, l, actor);
  } finally {
    await ledger.close();
  }
}

export async function pauseMountain(
  town: Town,
  id: string,
  actor: string,
): Promise<{ id: string; changed: boolean }> {
  const c = await resolveMountain(town, id);
  if (c.status === "closed") throw new ConflictError("closed", `mountain ${c.id} has landed`);
  if ((c.labels ?? []).includes(PAUSED_LABEL)) return { id: c.id, changed: false };
  await setLabels(town, c.id, [PAUSED_LABEL], [], actor);
  return { id: c.id, changed: true };
}

export async function resumeMountain(
  town: Town,
  id: string,
  actor: string,
): Promise<{ id: string; changed: boolean }> {
  const c = await resolveMountain(town, id);
  if (!(c.labels ?? []).includes(PAUSED_LABEL)) return { id: c.id, changed: false };
  await setLabels(town, c.id, [], [PAUSED_LABEL], actor);
  return { id: c.id, changed: true };
}

export async function cancelMountain(town: Town, id: string, actor: string): Promise<{ id: string }> {
  const c = await resolveMountain(town, id);
  await setLabels(town, c.id, [], [MOUNTAIN_LABEL, PAUSED_LABEL], actor);
  return { id: c.id };
}

export interface ActivateResult {
  epic: string;
  staged: StageResult;
  convoy_id: string | null;
  launch: LaunchResult | null;
}

/**
 * Stages a convoy from the epic ("Mountain: <title>"), labels it a mountain and launches its
 * first wave. Staging errors stop it before anything is written; warnings need `force`.
 */
export async function activateMountain(
  town: Town,
  provider: RuntimeProvider,
  epicId: string,
  opts: { actor: string; caller?: AgentIdentity; force?: boolean; noStart?: boolean },
): Promise<ActivateResult> {
  const epic = await getBead(town, epicId);
  const plan = await planStage(town, [epic.id]);
  if (plan.errors.length > 0)
    throw new ValidationError(`cannot stage ${epic.id}: ${plan.errors.map((e) => e.message).join("; ")}`);
  if (plan.warnings.length > 0 && !opts.force)
    throw new ConflictError(
      "staged_warnings",
      `${epic.id} stages with warnings (${plan.warnings.map((w) => w.message).join("; ")}); use --force to launch anyway`,
    );
  const staged = await stageConvoy(town, [epic.id], { title: `Mountain: ${epic.title}`, actor: opts.actor });
  if (!staged.convoy_id) throw new ValidationError(`cannot stage ${epic.id}`);
  await setLabels(town, staged.convoy_id, [MOUNTAIN_LABEL], [], opts.actor);
  const launch = await launchConvoy(town, provider, [staged.convoy_id], {
    actor: opts.actor,
    caller: opts.caller,
    force: opts.force,
    noStart: opts.noStart,
  });
  return { epic: epic.id, staged, convoy_id: staged.convoy_id, launch };
}
