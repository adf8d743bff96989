// `gt sling` at a rig when the scheduler caps polecats (spec §5.2: scheduler.max_polecats > 0,
// or this sling's --max-concurrent): its open beads join the deferred queue (one convoy for
// the batch), then one dispatch pass runs in the foreground, so what fits goes at once, most
// urgent first, and the rest waits for the daemon to dispatch as polecats free up. Beads
// already on a hook take the ordinary path (no-op, resume, --force), as do slings at one
// named agent. Without a cap this is plain `gt sling`.
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { namedAccount } from "../town/accounts.ts";
import { openLedgerOfBead } from "../town/ledgers.ts";
import { assertRigTakesWork, rigHold } from "../town/rig.ts";
import type { Town } from "../town/workspace.ts";
import {
  assertMaySling,
  autoConvoy,
  checkSlingable,
  holderOf,
  resolveSlingTarget,
  type SlingOptions,
  type SlingReport,
  sling,
  slingFailure,
} from "../work/sling.ts";
import {
  byDispatchOrder,
  enqueueBead,
  type QueuedBead,
  readQueue,
  workingPolecats,
} from "../work/sling-queue.ts";
import { dispatchHeld, withDispatchLock } from "./scheduler.ts";
import { loadSchedulerConfig, loadSchedulerState } from "./scheduler-config.ts";
import { planDispatch } from "./scheduler-plan.ts";

export interface ScheduledSlingOptions extends SlingOptions {
  /** At most this many polecats working town-wide once this sling's beads are hooked. */
  maxConcurrent?: number;
}

export interface QueuedSling {
  bead: string;
  title: string;
  rig: string;
  priority: number;
  /** Its place in the whole queue (1: next), as of the end of this sling. */
  position: number;
  /** It was in the queue already (its place kept). */
  already: boolean;
}

export interface ScheduledSlingReport extends SlingReport {
  /** Beads of this sling left waiting for a polecat. */
  queued: QueuedSling[];
  /** The limits this sling ran under; null when nothing capped it. */
  scheduler: {
    max_polecats: number;
    max_concurrent: number | null;
    /** Polecats holding work town-wide when the sling began. */
    working: number;
    paused: boolean;
  } | null;
}

const WAITABLE = new Set(["open", "deferred"]);

type Sorted = { direct: string[]; candidates: Array<{ issue: Issue; blocked: boolean }> };

/** Splits the beads: held ones go the ordinary way, open ones may wait; bad ones fail here. */
async function sortBeads(
  town: Town,
  beads: string[],
  rig: string,
  opts: SlingOptions,
  failures: SlingReport["failures"],
): Promise<Sorted> {
  const out: Sorted = { direct: [], candidates: [] };
  for (const bead of [...new Set(beads)]) {
    const { ledger, rig: beadRig } = openLedgerOfBead(town, bead);
    try {
      const issue = await ledger.getIssue(await ledger.resolveId(bead).catch(() => bead));
      if (!issue) throw new NotFoundError(bead, `no bead ${bead} in this town`);
      if (holderOf(issue)) {
        out.direct.push(issue.id);
        continue;
      }
      checkSlingable(issue, { kind: "rig", rig }, beadRig, opts);
      if (!WAITABLE.has(issue.status))
        throw new ConflictError(
          "not_queueable",
          `${issue.id} is ${issue.status}; only open work waits for a polecat (bd update ${issue.id} --status open)`,
        );
      out.candidates.push({ issue, blocked: await ledger.isBlocked(issue.id) });
    } catch (e) {
      failures.push(slingFailure(bead, e));
    } finally {
      await ledger.close();
    }
  }
  return out;
}

export async function slingScheduled(
  town: Town,
  provider: RuntimeProvider,
  beads: string[],
  target: string | undefined,
  opts: ScheduledSlingOptions,
): Promise<ScheduledSlingReport> {
  const cfg = loadSchedulerConfig(town);
  const maxConcurrent = opts.maxConcurrent && opts.maxConcurrent > 0 ? opts.maxConcurrent : undefined;
  const plain = async (): Promise<ScheduledSlingReport> => ({
    ...(await sling(town, provider, beads, target, opts)),
    queued: [],
    scheduler: null,
  });
  if ((cfg.maxPolecats <= 0 && !maxConcurrent) || opts.noStart || opts.attachOnly || beads.length === 0)
    return plain();
  assertMaySling(opts, target);
  // An unknown account is refused before anything is queued (as sling does before hooking).
  if (opts.account !== undefined) namedAccount(town, opts.account);
  const resolved = resolveSlingTarget(town, target, opts);
  if (resolved.kind !== "rig") return plain();
  const rig = resolved.rig;
  if (!opts.dryRun) await assertRigTakesWork(town, rig);

  const failures: SlingReport["failures"] = [];
  const sorted = await sortBeads(town, beads, rig, opts, failures);
  const working = (await workingPolecats(town)).size;
  const paused = loadSchedulerState(town).paused;
  const report: ScheduledSlingReport = {
    outcomes: [],
    failures,
    convoy: null,
    refineries_started: [],
    queued: [],
    scheduler: { max_polecats: cfg.maxPolecats, max_concurrent: maxConcurrent ?? null, working, paused },
  };
  if (sorted.direct.length > 0) {
    const r = await sling(town, provider, sorted.direct, target, opts);
    report.outcomes.push(...r.outcomes);
    report.failures.push(...r.failures);
    report.refineries_started.push(...r.refineries_started);
  }
  if (sorted.candidates.length === 0) return report;
  if (opts.dryRun) return dryRun(town, provider, rig, sorted, opts, report);

  // Queued and dispatched under one hold of the dispatch lock: the daemon cannot take the
  // first of the batch before its more urgent last one is queued.
  const already = new Set<string>();
  const d = await withDispatchLock(town, 60_000, async () => {
    const queuedNow: Issue[] = [];
    const base = Date.now();
    for (const [i, { issue }] of sorted.candidates.entries()) {
      try {
        const r = await enqueueBead(town, rig, issue.id, {
          // One ms apart: beads of equal priority go in the order they were named.
          enqueued_at: new Date(base + i).toISOString(),
          enqueued_by: opts.actor,
          ...(opts.args ? { args: opts.args } : {}),
          ...(opts.message ? { message: opts.message } : {}),
          ...(opts.agent ? { agent: opts.agent } : {}),
          ...(opts.account ? { account: opts.account } : {}),
          ...(maxConcurrent ? { max_concurrent: maxConcurrent } : {}),
          ...(opts.force ? { force: true } : {}),
        });
        if (r.already) already.add(issue.id);
        else queuedNow.push(r.issue);
      } catch (e) {
        report.failures.push(slingFailure(issue.id, e));
      }
    }
    if (!opts.noConvoy) report.convoy = await autoConvoy(town, queuedNow, opts.actor);
    return dispatchHeld(town, provider, {
      actor: opts.actor,
      batch: Number.POSITIVE_INFINITY,
      ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
    });
  });
  if (!d)
    throw new ConflictError(
      "scheduler_busy",
      "another dispatch has held the scheduler's lock for a minute; nothing was queued, try again",
    );
  report.outcomes.push(...d.outcomes);
  for (const f of d.failed) report.failures.push({ bead: f.bead, error: f.error, code: "dispatch_failed" });
  const mine = new Set(sorted.candidates.map((c) => c.issue.id));
  const { queued } = await readQueue(town);
  queued.forEach((q, i) => {
    if (mine.has(q.id))
      report.queued.push({
        bead: q.id,
        title: q.title,
        rig: q.rig,
        priority: q.priority,
        position: i + 1,
        already: already.has(q.id),
      });
  });
  return report;
}

/** What a capped sling would do: the queue as it would be, planned; nothing written. */
async function dryRun(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  sorted: Sorted,
  opts: ScheduledSlingOptions,
  report: ScheduledSlingReport,
): Promise<ScheduledSlingReport> {
  const s = report.scheduler!;
  const mine = new Set(sorted.candidates.map((c) => c.issue.id));
  const now = Date.now();
  const { queued } = await readQueue(town);
  const virtual: QueuedBead[] = sorted.candidates.map(({ issue, blocked }, i) => ({
    id: issue.id,
    title: issue.title,
    priority: issue.priority,
    status: issue.status,
    rig,
    entry: {
      version: 1,
      rig,
      enqueued_at: new Date(now + i).toISOString(),
      enqueued_by: opts.actor,
      dispatch_failures: 0,
      ...(s.max_concurrent ? { max_concurrent: s.max_concurrent } : {}),
    },
    ready: !blocked && issue.status === "open",
  }));
  const all = [...queued.filter((q) => !mine.has(q.id)), ...virtual].sort(byDispatchOrder);
  const hold = await rigHold(town, rig);
  const plan = s.paused
    ? { dispatch: [] }
    : planDispatch(all, {
        active: s.working,
        maxPolecats: s.max_polecats,
        batch: Number.POSITIVE_INFINITY,
        held: new Map(hold ? [[rig, `is ${hold}`]] : []),
        now: Date.now(),
      });
  const going = plan.dispatch.filter((q) => mine.has(q.id)).map((q) => q.id);
  if (going.length > 0) {
    const r = await sling(town, provider, going, rig, { ...opts, dryRun: true });
    report.outcomes.push(...r.outcomes);
    report.failures.push(...r.failures);
  }
  all
    .filter((q) => !going.includes(q.id))
    .forEach((q, i) => {
      if (mine.has(q.id))
        report.queued.push({
          bead: q.id,
          title: q.title,
          rig,
          priority: q.priority,
          position: i + 1,
          already: queued.some((x) => x.id === q.id),
        });
    });
  return report;
}
