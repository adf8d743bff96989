// Gates: beads of type gate that hold a step until a condition is met (beads §1.1, §4.2).
// A pour makes them (`<parent>.gate-<step>`, await_type/await_id); `bd gate` makes and
// resolves them by hand; `check` settles the ones a machine can decide: a timer whose time
// has come, a bead-closed gate whose bead closed. Human gates close only by `resolve`.

import { durationMs } from "../duration.ts";
import { ValidationError } from "../errors.ts";
import type { Issue } from "../ledger/model.ts";
import { NON_BLOCKING_STATUSES } from "../ledger/model.ts";
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

/** The gate kinds `bd gate` makes and `check` can decide (others, like gh:run, wait for resolve). */
export const GATE_KINDS = ["human", "timer", "bead"] as const;
export type GateKind = (typeof GATE_KINDS)[number];

const NS_PER_MS = 1_000_000;

export interface CreateGateInput {
  type: string;
  /** timer: how long from creation until check passes it ("30m"). */
  timeout?: string | undefined;
  /** bead: the bead whose close opens the gate. */
  awaitId?: string | undefined;
  title?: string | undefined;
  /** The bead the gate holds back (it gets a blocks edge to the gate). */
  blocks?: string | undefined;
  parent?: string | undefined;
  ephemeral?: boolean;
  actor: string;
}

export async function createGate(store: LedgerStore, input: CreateGateInput): Promise<Issue> {
  const type = input.type as GateKind;
  if (!GATE_KINDS.includes(type))
    throw new ValidationError(`invalid gate type "${input.type}" (expected human, timer or bead)`);
  if (type === "timer" && !input.timeout)
    throw new ValidationError("a timer gate needs --timeout (e.g. 30m)");
  const ms = input.timeout ? durationMs(input.timeout, "--timeout") : undefined;
  if (ms !== undefined && ms <= 0)
    throw new ValidationError(`--timeout must be longer than 0 (got "${input.timeout}")`);
  let awaitId = input.awaitId;
  if (type === "bead") {
    if (!awaitId) throw new ValidationError("a bead gate needs --await-id <bead>");
    awaitId = await store.resolveId(awaitId);
  }
  const blocks = input.blocks ? await store.resolveId(input.blocks) : undefined;
  const title =
    input.title ?? `Gate: ${type}${awaitId ? ` ${awaitId}` : input.timeout ? ` ${input.timeout}` : ""}`;
  return store.createIssue(
    {
      title,
      issue_type: GATE_TYPE,
      await_type: type,
      ...(awaitId ? { await_id: awaitId } : {}),
      ...(ms !== undefined ? { timeout: ms * NS_PER_MS } : {}),
      ...(input.parent ? { parent: input.parent } : {}),
      ...(input.ephemeral ? { ephemeral: true } : {}),
      ...(blocks ? { dependents: [{ type: "blocks", issue_id: blocks }] } : {}),
    },
    input.actor,
  );
}

/** When a timer gate is due (created_at + timeout), if it has a timeout. */
export function gateDueAt(gate: Issue): string | undefined {
  if (!gate.timeout) return undefined;
  return new Date(Date.parse(gate.created_at) + gate.timeout / NS_PER_MS).toISOString();
}

/** Why an open gate may close now, or why it still waits. */
export interface GateVerdict {
  id: string;
  await_type: string | null;
  await_id: string | null;
  open: boolean;
  /** One line: "timer elapsed", "bead t-1 closed", "waits for a person (bd gate resolve)", … */
  reason: string;
}

export async function judgeGate(store: LedgerStore, gate: Issue, now: Date): Promise<GateVerdict> {
  const base = { id: gate.id, await_type: gate.await_type ?? null, await_id: gate.await_id ?? null };
  if (gate.status === "closed") return { ...base, open: false, reason: "closed" };
  const type = gate.await_type ?? "human";
  if (type === "timer") {
    const due = gateDueAt(gate);
    if (!due) return { ...base, open: true, reason: "timer without a timeout: waits for bd gate resolve" };
    return Date.parse(due) <= now.getTime()
      ? { ...base, open: false, reason: "timer elapsed" }
      : { ...base, open: true, reason: `timer due at ${due}` };
  }
  if (type === "bead") {
    const awaited = gate.await_id ? await store.getIssue(gate.await_id) : undefined;
    if (!awaited) return { ...base, open: true, reason: `bead ${gate.await_id ?? "?"} not found here` };
    return NON_BLOCKING_STATUSES.includes(awaited.status)
      ? { ...base, open: false, reason: `bead ${awaited.id} closed` }
      : { ...base, open: true, reason: `bead ${awaited.id} is ${awaited.status}` };
  }
  if (type === "human") return { ...base, open: true, reason: "waits for a person (bd gate resolve)" };
  return { ...base, open: true, reason: `${type} gates are not checked here (bd gate resolve)` };
}

export interface CheckResult {
  checked: number;
  closed: GateVerdict[];
  waiting: GateVerdict[];
}

export async function openGates(store: LedgerStore, all = false): Promise<Issue[]> {
  return store.listIssues({
    types: [GATE_TYPE],
    ...(all ? { all: true } : {}),
    ephemeral: true,
    includeTemplates: true,
    limit: 0,
    sort: "created",
  });
}

/** Closes every open gate whose condition holds (timers due, awaited beads closed). */
export async function checkGates(
  store: LedgerStore,
  opts: { actor: string; dryRun?: boolean; now?: Date },
): Promise<CheckResult> {
  const now = opts.now ?? new Date();
  const gates = await openGates(store);
  const closed: GateVerdict[] = [];
  const waiting: GateVerdict[] = [];
  for (const g of gates) {
    const v = await judgeGate(store, g, now);
    if (v.open) {
      waiting.push(v);
      continue;
    }
    if (!opts.dryRun) await store.closeIssue(g.id, { reason: v.reason, force: true }, opts.actor);
    closed.push(v);
  }
  return { checked: gates.length, closed, waiting };
}

/** `bd gate resolve`: closes a gate of any kind by hand. */
export async function resolveGate(
  store: LedgerStore,
  id: string,
  reason: string | undefined,
  actor: string,
): Promise<Issue> {
  const gate = requireGate(await store.getIssue(id), id);
  if (gate.status === "closed") throw new ValidationError(`gate ${id} is already resolved`);
  return (await store.closeIssue(id, { reason: reason ?? "Resolved", force: true }, actor)).issue;
}
