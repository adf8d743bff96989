// Staged convoys (gt convoy stage / launch): the work of an epic, a list of tasks or an
// existing convoy, laid out in waves by its `blocks` dependencies, kept as a convoy that is
// built but not dispatched (status staged_ready, or staged_warnings when something needs a
// look) until it is launched. Launching opens the convoy and slings every task whose blockers
// are all closed to its rig; launching an open staged convoy again slings the tasks that have
// become ready since (the next wave), as it does for any open convoy.
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import { NON_BLOCKING_STATUSES } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { AgentIdentity } from "../town/identity.ts";
import { openLedgerFor, openTownLedger, rigOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { CONVOY_TYPE, createConvoy, getConvoy, MOUNTAIN_PAUSED_LABEL } from "./convoys.ts";
import { type SlingFailure, type SlingOutcome, sling, slingFailure } from "./sling.ts";

export const STAGED_READY = "staged_ready";
export const STAGED_WARNINGS = "staged_warnings";
const EXECUTION_EDGES = new Set(["blocks", "conditional-blocks"]);
/** Beads that are not work a polecat takes. */
const NOT_SLINGABLE = new Set([
  "epic",
  "convoy",
  "molecule",
  "gate",
  "message",
  "merge-request",
  "agent",
  "rig",
]);

export type StageInput = "epic" | "tasks" | "convoy";

export interface StageTask {
  id: string;
  title: string;
  type: string;
  status: string;
  rig: string | null;
  /** Open blockers inside the staged set. */
  blocked_by: string[];
  /** Open blockers outside it: the task waits on work the convoy does not carry. */
  gated_by: string[];
}

export interface StageFinding {
  category: string;
  bead_ids: string[];
  message: string;
}

export interface StagePlan {
  input: StageInput;
  /** The epic or convoy staged, when the input was one. */
  source: string | null;
  title: string;
  tasks: StageTask[];
  waves: Array<{ number: number; tasks: string[] }>;
  /** Tasks no wave can hold: gated by outside work, or waiting on a gated task. */
  gated: string[];
  errors: StageFinding[];
  warnings: StageFinding[];
}

export interface StageResult extends StagePlan {
  status: typeof STAGED_READY | typeof STAGED_WARNINGS | "error";
  convoy_id: string | null;
  /** An existing staged convoy was updated in place. */
  restaged: boolean;
}

const isOpen = (status: string) => !NON_BLOCKING_STATUSES.includes(status);

async function inLedgerOf<T>(town: Town, id: string, f: (l: Ledger, id: string) => Promise<T>) {
  const ledger = openLedgerFor(town, rigOfBead(town, id));
  try {
    return await f(ledger, await ledger.resolveId(id).catch(() => id));
  } finally {
    await ledger.close();
  }
}

const getBead = (town: Town, id: string) => inLedgerOf(town, id, (l, rid) => l.getIssue(rid));

/** Open work under an epic (children of child epics too), with its ledger. */
async function epicTasks(town: Town, epic: Issue): Promise<Issue[]> {
  return inLedgerOf(town, epic.id, async (ledger) => {
    const out: Issue[] = [];
    const walk = async (parent: string, depth: number): Promise<void> => {
      if (depth > 20) return;
      for (const c of await ledger.children(parent)) {
        if (c.issue_type === "epic") await walk(c.id, depth + 1);
        else if (c.status !== "closed" && !NOT_SLINGABLE.has(c.issue_type)) out.push(c);
      }
    };
    await walk(epic.id, 0);
    return out;
  });
}

async function trackedOpen(town: Town, convoyId: string): Promise<Issue[]> {
  const ledger = openTownLedger(town);
  const ids = await (async () => {
    try {
      return (await ledger.dependencyRecords(convoyId))
        .filter((e) => e.type === "tracks")
        .map((e) => e.depends_on_id);
    } finally {
      await ledger.close();
    }
  })();
  const out: Issue[] = [];
  for (const id of ids) {
    const b = await getBead(town, id);
    if (b && b.status !== "closed" && !NOT_SLINGABLE.has(b.issue_type)) out.push(b);
  }
  return out;
}

/** Reads the input: one epic, one convoy, or task IDs (never a mix). */
async function collect(
  town: Town,
  args: string[],
): Promise<{ input: StageInput; source: Issue | null; beads: Issue[] }> {
  if (args.length === 0) throw new ValidationError("name an epic, a convoy or tasks to stage");
  const found: Issue[] = [];
  for (const a of args) {
    const b = await getBead(town, a);
    if (!b) throw new NotFoundError(a, `no bead ${a} in this town`);
    found.push(b);
  }
  const kinds = new Set(
    found.map((b) => (b.issue_type === "epic" || b.issue_type === CONVOY_TYPE ? b.issue_type : "task")),
  );
  if (kinds.size > 1)
    throw new ValidationError(
      `mixed input (${[...kinds].join(" + ")}): stage an epic, a convoy or tasks, one kind at a time`,
    );
  const first = found[0]!;
  if (first.issue_type === "epic" || first.issue_type === CONVOY_TYPE) {
    if (found.length > 1)
      throw new ValidationError(`stage one ${first.issue_type} at a time (got ${found.length})`);
    const beads =
      first.issue_type === "epic" ? await epicTasks(town, first) : await trackedOpen(town, first.id);
    return { input: first.issue_type === "epic" ? "epic" : "convoy", source: first, beads };
  }
  return { input: "tasks", source: null, beads: found };
}

/** Lays beads out in waves: wave 1 has no open blocker, wave n+1 waits only on waves 1..n. */
export async function planStage(town: Town, args: string[], title?: string): Promise<StagePlan> {
  const { input, source, beads } = await collect(town, args);
  const errors: StageFinding[] = [];
  const warnings: StageFinding[] = [];
  const inSet = new Set(beads.map((b) => b.id));
  const tasks: StageTask[] = [];
  for (const b of beads) {
    const edges = await inLedgerOf(town, b.id, (l) => l.dependencyRecords(b.id));
    const blocked_by: string[] = [];
    const gated_by: string[] = [];
    for (const e of edges.filter((e) => EXECUTION_EDGES.has(e.type))) {
      if (inSet.has(e.depends_on_id)) blocked_by.push(e.depends_on_id);
      else {
        const blocker = await getBead(town, e.depends_on_id);
        if (blocker && isOpen(blocker.status)) gated_by.push(blocker.id);
      }
    }
    tasks.push({
      id: b.id,
      title: b.title,
      type: b.issue_type,
      status: b.status,
      rig: rigOfBead(town, b.id) ?? null,
      blocked_by,
      gated_by,
    });
  }
  for (const t of tasks) {
    if (t.status === "closed")
      errors.push({ category: "closed", bead_ids: [t.id], message: `${t.id} is closed` });
    if (NOT_SLINGABLE.has(t.type))
      errors.push({
        category: "not-slingable",
        bead_ids: [t.id],
        message: `${t.id} is a ${t.type}, not work to sling`,
      });
    if (!t.rig)
      errors.push({
        category: "no-rig",
        bead_ids: [t.id],
        message: `${t.id} belongs to no rig: nothing to sling it to`,
      });
  }
  if (tasks.length === 0)
    errors.push({ category: "empty", bead_ids: source ? [source.id] : [], message: "no open work to stage" });

  // Kahn's layering; what is left waits on gated work or sits in a cycle.
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const placed = new Set<string>();
  const waves: StagePlan["waves"] = [];
  const gated = new Set(tasks.filter((t) => t.gated_by.length > 0).map((t) => t.id));
  for (;;) {
    const next = tasks
      .filter((t) => !placed.has(t.id) && !gated.has(t.id) && t.blocked_by.every((b) => placed.has(b)))
      .map((t) => t.id)
      .sort();
    if (next.length === 0) break;
    waves.push({ number: waves.length + 1, tasks: next });
    for (const id of next) placed.add(id);
  }
  // A task waiting (transitively) on a gated one is gated too; the rest of the unplaced are a cycle.
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tasks)
      if (!placed.has(t.id) && !gated.has(t.id) && t.blocked_by.some((b) => gated.has(b))) {
        gated.add(t.id);
        grew = true;
      }
  }
  const cycle = tasks.filter((t) => !placed.has(t.id) && !gated.has(t.id)).map((t) => t.id);
  if (cycle.length > 0)
    errors.push({
      category: "cycle",
      bead_ids: cycle,
      message: `dependency cycle among ${cycle.join(", ")}`,
    });
  if (gated.size > 0) {
    const outside = [...new Set([...gated].flatMap((id) => byId.get(id)!.gated_by))].sort();
    warnings.push({
      category: "gated",
      bead_ids: [...gated].sort(),
      message: `${gated.size} task(s) wait on open work outside the convoy (${outside.join(", ")})`,
    });
  }
  const rigs = new Set(tasks.map((t) => t.rig).filter(Boolean));
  const name =
    title?.trim() ||
    (source?.issue_type === "epic" ? source.title : source?.title) ||
    `Staged: ${tasks.length} bead(s) across ${rigs.size} rig(s)`;
  return {
    input,
    source: source?.id ?? null,
    title: name,
    tasks,
    waves,
    gated: [...gated].sort(),
    errors,
    warnings,
  };
}

/**
 * Stages: plans, then (no errors) writes a staged convoy tracking the tasks, or updates the
 * staged convoy that was the input. A launched or landed convoy is not staged again.
 */
export async function stageConvoy(
  town: Town,
  args: string[],
  opts: { title?: string; actor: string },
): Promise<StageResult> {
  const plan = await planStage(town, args, opts.title);
  if (plan.errors.length > 0) return { ...plan, status: "error", convoy_id: null, restaged: false };
  const status = plan.warnings.length > 0 ? STAGED_WARNINGS : STAGED_READY;
  const staged = { input: plan.input, source: plan.source, waves: plan.waves, gated: plan.gated };
  if (plan.input === "convoy") {
    const ledger = openTownLedger(town);
    try {
      const convoy = await getConvoy(ledger, plan.source!);
      if (!convoy.status.startsWith("staged_"))
        throw new ConflictError(
          "not_staged",
          `convoy ${convoy.id} is ${convoy.status}: only a staged convoy is staged again`,
        );
      await ledger.updateIssue(
        convoy.id,
        { status, title: plan.title, set_metadata: { staged } },
        opts.actor,
      );
      return { ...plan, status, convoy_id: convoy.id, restaged: true };
    } finally {
      await ledger.close();
    }
  }
  const v = await createConvoy(town, {
    title: plan.title,
    issues: plan.tasks.map((t) => t.id),
    actor: opts.actor,
    status,
    metadata: { staged },
  });
  return { ...plan, status, convoy_id: v.id, restaged: false };
}

export interface LaunchResult {
  convoy_id: string;
  /** The convoy went from staged to open now (false: it was open, this was a later wave). */
  launched: boolean;
  waves: StagePlan["waves"];
  dispatched: SlingOutcome[];
  failures: SlingFailure[];
  /** Open tasks still waiting on blockers. */
  waiting: string[];
}

export interface LaunchOptions {
  actor: string;
  caller?: AgentIdentity;
  /** Launch a convoy staged with warnings. */
  force?: boolean;
  /** Hook the tasks but start no sessions. */
  noStart?: boolean;
  title?: string;
}

/** Opens a staged convoy (staging the input first when it is not one) and slings its ready tasks. */
export async function launchConvoy(
  town: Town,
  provider: RuntimeProvider,
  args: string[],
  opts: LaunchOptions,
): Promise<LaunchResult & { staged: StageResult | null }> {
  let convoyId: string | undefined;
  let staged: StageResult | null = null;
  if (args.length === 1) {
    const b = await getBead(town, args[0]!);
    // A staged convoy opens now; an open one (launched before, or made by gt convoy create)
    // gets its newly ready work slung; a landed one is refused.
    if (b?.issue_type === CONVOY_TYPE) convoyId = b.id;
  }
  if (!convoyId) {
    staged = await stageConvoy(town, args, { title: opts.title, actor: opts.actor });
    if (!staged.convoy_id)
      throw new ValidationError(`cannot stage: ${staged.errors.map((e) => e.message).join("; ")}`);
    convoyId = staged.convoy_id;
  }
  return { ...(await dispatchReady(town, provider, convoyId, opts)), staged };
}

async function dispatchReady(
  town: Town,
  provider: RuntimeProvider,
  convoyId: string,
  opts: LaunchOptions,
): Promise<LaunchResult> {
  const ledger = openTownLedger(town);
  let launched = false;
  try {
    const convoy = await getConvoy(ledger, convoyId);
    if (convoy.status === "closed") throw new ConflictError("closed", `convoy ${convoy.id} has landed`);
    if ((convoy.labels ?? []).includes(MOUNTAIN_PAUSED_LABEL))
      throw new ConflictError(
        "paused",
        `convoy ${convoy.id} is a paused mountain: gt mountain resume ${convoy.id} first`,
      );
    if (convoy.status === STAGED_WARNINGS && !opts.force)
      throw new ConflictError(
        "staged_warnings",
        `convoy ${convoy.id} was staged with warnings; look at gt convoy status ${convoy.id}, then launch with --force`,
      );
    if (convoy.status.startsWith("staged_")) {
      // Compare-and-swap: two launches at once open it once.
      await ledger.updateIssue(convoy.id, { status: "open" }, opts.actor, (cur) => {
        if (!cur.status.startsWith("staged_"))
          throw new ConflictError("launched", `convoy ${convoy.id} was launched meanwhile`);
      });
      launched = true;
    }
  } finally {
    await ledger.close();
  }
  // Fresh from the ledgers: what closed since staging no longer blocks anything.
  const plan = await planStage(town, [convoyId]);
  const ready = plan.tasks.filter(
    (t) => t.status === "open" && t.blocked_by.length === 0 && t.gated_by.length === 0,
  );
  const dispatched: SlingOutcome[] = [];
  const failures: SlingFailure[] = [];
  for (const t of ready) {
    const holder = (await getBead(town, t.id))?.assignee;
    if (holder || !t.rig) continue;
    try {
      const r = await sling(town, provider, [t.id], t.rig, {
        actor: opts.actor,
        caller: opts.caller,
        noConvoy: true,
        noStart: opts.noStart,
      });
      dispatched.push(...r.outcomes);
      failures.push(...r.failures);
    } catch (e) {
      // One task's rig refusing work (parked, docked) does not stop the others.
      failures.push(slingFailure(t.id, e));
    }
  }
  const sent = new Set(dispatched.map((d) => d.bead));
  const waiting = plan.tasks
    .filter((t) => t.status === "open" && !sent.has(t.id) && !ready.includes(t))
    .map((t) => t.id);
  return { convoy_id: convoyId, launched, waves: plan.waves, dispatched, failures, waiting };
}
