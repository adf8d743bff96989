// The witness patrol (`gt patrol scan`, spec §4.4): a deterministic scan of a rig's polecats
// for every zombie class, stall and finished-but-unnoticed work, and of its beads for ones
// held by agents that no longer exist — and, with `act`, the fix for each. The witness runs
// it every cycle; the deacon and the daemon run it for rigs whose witness is down
// (`unwatchedRigs`). Receipts go to the town's event log: one per scan that found something
// new or acted, one per action.
import { noticeToWitness } from "../comms/mail.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { activeEstop } from "../town/estop.ts";
import { type AgentIdentity, sessionNameOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { type ActContext, actOn } from "./patrol-act.ts";
import { ACTING, classifyRig, type Finding } from "./patrol-classify.ts";
import { loadPatrolThresholds, type PatrolThresholds } from "./patrol-config.ts";
import { gatherRigFacts } from "./patrol-facts.ts";
import { loadPatrolState, type PatrolState, savePatrolState } from "./patrol-state.ts";

export type { Finding, PatrolAction, PatrolClass } from "./patrol-classify.ts";
export { PATROL_CLASSES } from "./patrol-classify.ts";

export interface PatrolOptions {
  /** Rigs to scan (default: every rig). */
  rigs?: string[];
  /** Apply each finding's action (default: report only). */
  act?: boolean;
  /** Mail the rig's witness what is new since the last notice. */
  notify?: boolean;
  /** Who acts (recorded on every change). */
  actor: string;
  /** The agent running the patrol, if one is. */
  caller?: AgentIdentity;
  /** Threshold overrides on top of the town's settings (tests, benchmarks). */
  thresholds?: Partial<PatrolThresholds>;
  /** Longest wait for a restarted agent's prompt. */
  readyTimeoutMs?: number;
}

export interface PatrolSummary {
  scanned_at: string;
  rigs: string[];
  act: boolean;
  /** Rigs an e-stop holds: scanned, nothing acted on. */
  estop: string[];
  polecats: number;
  findings: number;
  acted: number;
  by_class: Record<string, number>;
  /** Findings mailed to witnesses (--notify). */
  notified: number;
  duration_ms: number;
}

export interface PatrolReport {
  findings: Finding[];
  summary: PatrolSummary;
}

/** A finding told again by mail only after this long. */
const RENOTIFY_MS = 3_600_000;

function keyOf(f: Finding): string {
  return `${f.class}|${f.agent}|${f.bead ?? ""}`;
}

/** Rigs whose witness session is not running: the deacon's and the daemon's to patrol. */
export async function unwatchedRigs(town: Town, provider: RuntimeProvider): Promise<string[]> {
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  return town
    .rigNames()
    .filter((rig) => !alive.has(sessionNameOf({ role: "witness", rig }, town.prefixOf(rig))));
}

/** Receipts: what is new since the last scan, and every action, as events. */
function keepReceipts(
  town: Town,
  rig: string,
  opts: PatrolOptions,
  findings: Finding[],
  state: PatrolState,
): void {
  const now = new Date().toISOString();
  const seen: Record<string, string> = {};
  const fresh: Finding[] = [];
  for (const f of findings) {
    const key = keyOf(f);
    seen[key] = state.seen[key] ?? now;
    if (!state.seen[key] || f.acted) fresh.push(f);
  }
  state.seen = seen;
  if (fresh.length === 0) return;
  logEvent(town.root, "patrol", opts.actor, { rig, act: opts.act === true, findings: fresh }, "audit");
  for (const f of findings.filter((x) => x.acted))
    logEvent(town.root, "patrol_action", opts.actor, { rig, ...f });
}

async function notifyWitness(
  town: Town,
  rig: string,
  opts: PatrolOptions,
  findings: Finding[],
  state: PatrolState,
): Promise<number> {
  const now = Date.now();
  for (const [k, at] of Object.entries(state.notified))
    if (!(now - Date.parse(at) < RENOTIFY_MS)) delete state.notified[k];
  const news = findings.filter((f) => f.class !== "completion" && !state.notified[keyOf(f)]);
  if (news.length === 0) return 0;
  const body = news
    .map((f) => `- ${f.class}: ${f.agent}${f.bead ? ` (${f.bead})` : ""}: ${f.detail}`)
    .join("\n");
  const sent = await noticeToWitness(
    town,
    rig,
    opts.actor,
    `PATROL: ${news.length} finding(s) in ${rig}`,
    body,
  );
  if (!sent) return 0;
  for (const f of news) state.notified[keyOf(f)] = new Date(now).toISOString();
  return news.length;
}

async function patrolRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  sessions: Map<string, SessionInfo>,
  opts: PatrolOptions,
  thresholds: PatrolThresholds,
): Promise<{ findings: Finding[]; polecats: number; notified: number; frozen: boolean }> {
  const state = loadPatrolState(town.runtimeDir, rig);
  const facts = await gatherRigFacts({ town, provider, rig, sessions, state, now: Date.now() });
  const planned = classifyRig(facts, thresholds);
  // Under an e-stop nothing is restarted, stopped or reset: the frozen sessions are alive
  // and keep their work; the findings are reported.
  const frozen = activeEstop(town.root, rig) !== undefined;
  if (opts.act && !frozen) {
    const ctx: ActContext = {
      town,
      provider,
      actor: opts.actor,
      caller: opts.caller,
      rig,
      readyTimeoutMs: opts.readyTimeoutMs,
    };
    for (const plan of planned) if (ACTING.has(plan.finding.action)) await actOn(ctx, plan);
  }
  const findings = planned.map((p) => p.finding);
  keepReceipts(town, rig, opts, findings, state);
  const notified = opts.notify ? await notifyWitness(town, rig, opts, findings, state) : 0;
  // Screens of sessions that are gone, and sandboxes of polecats that are gone, say nothing.
  for (const s of Object.keys(state.screens)) if (!sessions.get(s)?.alive) delete state.screens[s];
  const names = new Set(facts.polecats.map((p) => p.name));
  for (const n of Object.keys(state.sandboxes)) if (!names.has(n)) delete state.sandboxes[n];
  savePatrolState(town.runtimeDir, rig, state);
  return { findings, polecats: facts.polecats.length, notified, frozen };
}

/** Scans the rigs (and with `act` fixes what it finds), one rig after another. */
export async function runPatrol(
  town: Town,
  provider: RuntimeProvider,
  opts: PatrolOptions,
): Promise<PatrolReport> {
  const started = performance.now();
  const thresholds = loadPatrolThresholds(town, opts.thresholds);
  const rigs = opts.rigs ?? town.rigNames();
  for (const rig of rigs) town.rig(rig); // an unknown rig is one clear error before anything runs
  const sessions = new Map((await provider.list()).map((s) => [s.name, s]));
  const findings: Finding[] = [];
  let polecats = 0;
  let notified = 0;
  const frozen: string[] = [];
  for (const rig of rigs) {
    const r = await patrolRig(town, provider, rig, sessions, opts, thresholds);
    findings.push(...r.findings);
    polecats += r.polecats;
    notified += r.notified;
    if (r.frozen) frozen.push(rig);
  }
  const byClass: Record<string, number> = {};
  for (const f of findings) byClass[f.class] = (byClass[f.class] ?? 0) + 1;
  return {
    findings,
    summary: {
      scanned_at: new Date().toISOString(),
      rigs,
      act: opts.act === true,
      estop: frozen,
      polecats,
      findings: findings.length,
      acted: findings.filter((f) => f.acted).length,
      by_class: byClass,
      notified,
      duration_ms: Math.round(performance.now() - started),
    },
  };
}
