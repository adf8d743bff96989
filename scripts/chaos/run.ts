// The chaos run: rounds one after another (each in a fresh town), the kinds of kill dealt so
// that every six rounds see each kind once in a seeded order, and the figures at the end.
import { prng } from "../../bench/lib.ts";
import { INVARIANT_KEYS, INVARIANT_LABELS, type InvariantKey } from "./invariants.ts";
import { KILL_KINDS, type KillKind } from "./killer.ts";
import { type RoundResult, runRound } from "./round.ts";
import { ACTIONS, type Action } from "./user.ts";

export interface ChaosOptions {
  rounds: number;
  seed: number;
  keep?: boolean | "all";
  /** Run only this round of the seeded sequence (to replay one). */
  only?: number;
  /** Only these kinds of kill (default all). */
  kinds?: KillKind[];
  budgetMs?: number;
  /** How often a round has a bead whose agent strays onto main (default 0.35). */
  strayRate?: number;
  /** Print every round's timeline, not only failing ones'. */
  verbose?: boolean;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  rounds: number;
  landed: number;
  /** Rounds with a bead whose agent strayed onto main, and how many of them had violations. */
  strays: { rounds: number; violated: number };
  kills: Record<KillKind, number>;
  /** Rounds whose kill found nothing to kill in its window. */
  missed: Record<KillKind, number>;
  checks: Record<InvariantKey, number>;
  violations: Record<InvariantKey, number>;
  details: Array<{ round: number; seed: number; kind: KillKind; inv: InvariantKey; detail: string }>;
  errors: Array<{ round: number; error: string }>;
  /** How work survived without a violation (a commit on no ref whose change is on main, …). */
  notes: string[];
  actions: Record<Action, number>;
  roundMs: { median: number; max: number };
  wallMs: number;
  kept: string[];
  results: RoundResult[];
}

/** Round i's seed, derived from the run's seed (so one round can be replayed alone). */
export function roundSeed(seed: number, i: number): number {
  return Math.floor(prng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0)() * 2 ** 32);
}

/** Round i's kind: each block of len(kinds) rounds deals every kind once, in a seeded order. */
export function roundKind(seed: number, i: number, kinds: readonly KillKind[]): KillKind {
  const rng = prng((seed + Math.floor(i / kinds.length) * 7919) >>> 0);
  const order = [...kinds];
  for (let k = order.length - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  return order[i % kinds.length]!;
}

const zero = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const kinds = o.kinds && o.kinds.length > 0 ? o.kinds : KILL_KINDS;
  const started = Date.now();
  const report: ChaosReport = {
    seed: o.seed,
    rounds: 0,
    landed: 0,
    strays: { rounds: 0, violated: 0 },
    kills: zero(KILL_KINDS),
    missed: zero(KILL_KINDS),
    checks: zero(INVARIANT_KEYS),
    violations: zero(INVARIANT_KEYS),
    details: [],
    errors: [],
    notes: [],
    actions: zero(ACTIONS),
    roundMs: { median: 0, max: 0 },
    wallMs: 0,
    kept: [],
    results: [],
  };
  const indices = o.only !== undefined ? [o.only] : Array.from({ length: o.rounds }, (_, i) => i);
  for (const i of indices) {
    const seed = roundSeed(o.seed, i);
    const kind = roundKind(o.seed, i, kinds);
    const r = await runRound({
      index: i,
      seed,
      kind,
      keep: o.keep ?? false,
      budgetMs: o.budgetMs ?? 75_000,
      strayRate: o.strayRate ?? 0.35,
      log,
    });
    report.results.push(r);
    report.rounds++;
    if (r.landed) report.landed++;
    if (r.stray) {
      report.strays.rounds++;
      if (r.tally.violations.length > 0) report.strays.violated++;
    }
    for (const k of r.kills) report.kills[k.kind]++;
    if (!r.kills.some((k) => k.kind === kind)) report.missed[kind]++;
    for (const k of INVARIANT_KEYS) report.checks[k] += r.tally.checks[k];
    for (const v of r.tally.violations) {
      report.violations[v.inv]++;
      report.details.push({ round: i, seed: o.seed, kind, inv: v.inv, detail: v.detail });
    }
    for (const [a, n] of r.actions) report.actions[a] += n;
    for (const n of r.tally.notes) report.notes.push(`round ${i}: ${n}`);
    if (r.error) report.errors.push({ round: i, error: r.error });
    if (r.kept) report.kept.push(r.kept);
    const kills =
      r.kills.map((k) => `${k.kind} at +${(k.at / 1000).toFixed(1)}s (${k.what})`).join("; ") ||
      `${kind}: missed`;
    const bad = r.tally.violations.length;
    log(
      `round ${String(i).padStart(3)}  ${(r.ms / 1000).toFixed(1).padStart(5)} s  kill ${kills}${r.stray ? `  stray ${r.stray}` : ""}  ${r.landed ? "landed" : "NOT LANDED"}  ${bad === 0 && !r.error ? "ok" : `${bad} violation(s)${r.error ? " + error" : ""}`}`,
    );
    for (const v of r.tally.violations) log(`      (${v.inv}) ${v.detail}`);
    if (r.error) log(`      error: ${r.error.split("\n").slice(0, 3).join(" | ")}`);
    if (o.verbose || bad > 0 || r.error || !r.landed) for (const t of r.timeline) log(`      ${t}`);
    if (r.kept) log(`      town kept at ${r.kept}`);
  }
  const ms = report.results.map((r) => r.ms).sort((a, b) => a - b);
  report.roundMs = { median: ms[Math.floor(ms.length / 2)] ?? 0, max: ms[ms.length - 1] ?? 0 };
  report.wallMs = Date.now() - started;
  return report;
}

export function totalViolations(r: ChaosReport): number {
  return INVARIANT_KEYS.reduce((n, k) => n + r.violations[k], 0) + r.errors.length;
}

/** The figures, as printed at the end of a run. */
export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  lines.push(
    "",
    `Chaos run: seed ${r.seed}, ${r.rounds} round(s), convoy landed in ${r.landed}; ${r.strays.rounds} round(s) had an agent stray onto main (${r.strays.violated} of them with violations)`,
    "",
  );
  lines.push("  kills (kill -9)      done   missed");
  for (const k of KILL_KINDS)
    lines.push(`  ${pad(k, 18)} ${String(r.kills[k]).padStart(6)} ${String(r.missed[k]).padStart(8)}`);
  lines.push("", `  ${pad("invariant", 47)} checks  violations`);
  for (const k of INVARIANT_KEYS)
    lines.push(
      `  (${k}) ${pad(INVARIANT_LABELS[k], 43)} ${String(r.checks[k]).padStart(6)} ${String(r.violations[k]).padStart(11)}`,
    );
  if (r.errors.length > 0) lines.push(`  harness errors: ${r.errors.length}`);
  const rebased = r.notes.filter((n) => n.includes("its change is on main")).length;
  const caughtUp = r.notes.filter((n) => n.includes("caught up")).length;
  const repaired = r.notes.filter((n) => n.includes("sandbox repaired")).length;
  lines.push(
    `  polecat commits checked: those on no ref but landed on main as the refinery's rebased copy: ${rebased}`,
    `  ledgers whose issues.jsonl lagged and caught up on the next bd command: ${caughtUp}`,
    `  sandboxes found damaged right after a switch and reset before their agent started: ${repaired}`,
  );
  lines.push("", "  the user's recovery actions");
  for (const a of ACTIONS)
    if (r.actions[a] > 0) lines.push(`  ${pad(a, 22)} ${String(r.actions[a]).padStart(5)}`);
  lines.push(
    "",
    `  wall time ${(r.wallMs / 1000).toFixed(1)} s; a round takes ${(r.roundMs.median / 1000).toFixed(1)} s (median), ${(r.roundMs.max / 1000).toFixed(1)} s at most`,
  );
  const total = totalViolations(r);
  lines.push(`  ${total === 0 ? "no violations" : `${total} violation(s)`}`);
  if (r.details.length > 0) {
    lines.push("", "  violations (replay a round with --seed S --only N --keep):");
    for (const d of r.details)
      lines.push(
        `  round ${d.round} (--seed ${d.seed} --only ${d.round}, kill ${d.kind}) (${d.inv}) ${d.detail}`,
      );
  }
  for (const k of r.kept) lines.push(`  kept: ${k}`);
  return lines.join("\n");
}
