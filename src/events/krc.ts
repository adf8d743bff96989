// The Key Record Chronicle (Gas Town's KRC): time-to-live by event type for the town's
// event log (.events.jsonl), the pruning of what outlived it, and a model of how fast each
// kind of event loses forensic value. Heartbeats and patrol chatter matter for a day; deaths,
// merges and mail for a month or more. Settings live in <town>/settings/krc.json (durations
// as "24h", "7d"); the auto-prune bookkeeping in <town>/.runtime/krc-autoprune.json.
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { durationMs } from "../duration.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import { EVENTS_FILE } from "./log.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface KrcConfig {
  default_ttl_ms: number;
  /** Event type (or glob with *) → time to live in ms. */
  ttls: Record<string, number>;
  prune_interval_ms: number;
  /** The newest events kept even when expired, so a quiet town still shows what it last did. */
  min_retain_count: number;
}

export function defaultKrcConfig(): KrcConfig {
  return {
    default_ttl_ms: 7 * DAY,
    prune_interval_ms: HOUR,
    min_retain_count: 100,
    ttls: {
      "patrol_*": DAY,
      polecat_checked: DAY,
      polecat_nudged: DAY,
      session_start: 3 * DAY,
      session_end: 3 * DAY,
      nudge: 3 * DAY,
      handoff: 7 * DAY,
      mail: 30 * DAY,
      sling: 14 * DAY,
      done: 14 * DAY,
      hook: 14 * DAY,
      unhook: 14 * DAY,
      session_death: 30 * DAY,
      mass_death: 90 * DAY,
      "merge_*": 30 * DAY,
      merged: 30 * DAY,
    },
  };
}

export const krcConfigPath = (townRoot: string) => join(townRoot, "settings", "krc.json");
export const autoPruneStatePath = (townRoot: string) => join(townRoot, ".runtime", "krc-autoprune.json");

/** "7d", "12h", "1d12h", "30m" from ms (Gas Town's way of showing a TTL). */
export function formatTtl(ms: number): string {
  if (ms >= DAY) {
    const d = Math.floor(ms / DAY);
    const h = Math.floor((ms % DAY) / HOUR);
    return h ? `${d}d${h}h` : `${d}d`;
  }
  if (ms >= HOUR) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / 60_000);
    return m ? `${h}h${m}m` : `${h}h`;
  }
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m`;
  return `${Math.round(ms / 1000)}s`;
}

interface KrcFile {
  default_ttl?: string;
  prune_interval?: string;
  min_retain_count?: number;
  ttls?: Record<string, string>;
}

/** The town's KRC settings over the defaults; a broken file is an error naming it. */
export function loadKrcConfig(townRoot: string): KrcConfig {
  const config = defaultKrcConfig();
  const file = krcConfigPath(townRoot);
  if (!existsSync(file)) return config;
  let raw: KrcFile;
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as KrcFile;
  } catch (e) {
    throw new ValidationError(`${file}: ${(e as Error).message}`);
  }
  if (raw.default_ttl) config.default_ttl_ms = durationMs(raw.default_ttl, `${file} default_ttl`);
  if (raw.prune_interval) config.prune_interval_ms = durationMs(raw.prune_interval, `${file} prune_interval`);
  if (typeof raw.min_retain_count === "number") config.min_retain_count = raw.min_retain_count;
  if (raw.ttls) {
    config.ttls = {};
    for (const [k, v] of Object.entries(raw.ttls)) config.ttls[k] = durationMs(v, `${file} ttl of ${k}`);
  }
  return config;
}

export function saveKrcConfig(townRoot: string, config: KrcConfig): string {
  const file = krcConfigPath(townRoot);
  const out: KrcFile = {
    default_ttl: formatTtl(config.default_ttl_ms),
    prune_interval: formatTtl(config.prune_interval_ms),
    min_retain_count: config.min_retain_count,
    ttls: Object.fromEntries(
      Object.keys(config.ttls)
        .sort()
        .map((k) => [k, formatTtl(config.ttls[k]!)]),
    ),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(out, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Sets one pattern's TTL ("default" is the default TTL); returns the config written. */
export function setKrcTtl(townRoot: string, pattern: string, ttl: string): KrcConfig {
  if (!/^[A-Za-z0-9_.:*-]+$/.test(pattern))
    throw new ValidationError(`invalid pattern "${pattern}": event type letters, digits, _ . : - and *`);
  const ms = durationMs(ttl, "TTL");
  if (ms <= 0) throw new ValidationError(`invalid TTL "${ttl}": must be more than zero`);
  const config = loadKrcConfig(townRoot);
  if (pattern === "default") config.default_ttl_ms = ms;
  else config.ttls[pattern] = ms;
  saveKrcConfig(townRoot, config);
  return config;
}

const globRe = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

/** Exact type first, then the longest matching glob, then the default. */
export function ttlOf(config: KrcConfig, type: string): number {
  const exact = config.ttls[type];
  if (exact !== undefined) return exact;
  const globs = Object.keys(config.ttls)
    .filter((p) => p.includes("*"))
    .sort((a, b) => b.length - a.length);
  for (const p of globs) if (globRe(p).test(type)) return config.ttls[p]!;
  return config.default_ttl_ms;
}

// ---- reading the log ----

interface LineInfo {
  line: string;
  type?: string;
  ts?: number;
}

function readLines(file: string): { lines: LineInfo[]; size: number } {
  if (!existsSync(file)) return { lines: [], size: 0 };
  const text = readFileSync(file, "utf8");
  // A last line without its newline is an append in progress: not ours to judge yet.
  const end = text.lastIndexOf("\n") + 1;
  const lines: LineInfo[] = [];
  for (const line of text.slice(0, end).split("\n")) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as { type?: unknown; ts?: unknown };
      const ts = typeof e.ts === "string" ? Date.parse(e.ts) : Number.NaN;
      lines.push({
        line,
        type: typeof e.type === "string" ? e.type : undefined,
        ts: Number.isNaN(ts) ? undefined : ts,
      });
    } catch {
      lines.push({ line });
    }
  }
  return { lines, size: Buffer.byteLength(text.slice(0, end)) };
}

export interface TtlInfo {
  ttl_ms: number;
  count: number;
  expired: number;
  /** Until the oldest live event of the type expires (0 when none is live). */
  expires_in_ms: number;
  /** Mean age of the type's events. */
  avg_age_ms: number;
}

export interface KrcStats {
  events_file: { path: string; size: number; event_count: number };
  by_type: Record<string, number>;
  by_age: Record<"0-1d" | "1-7d" | "7-30d" | "30d+", number>;
  oldest_event: string | null;
  newest_event: string | null;
  ttl_breakdown: Record<string, TtlInfo>;
}

export function krcStats(townRoot: string, config: KrcConfig, now = Date.now()): KrcStats {
  const path = join(townRoot, EVENTS_FILE);
  const { lines } = readLines(path);
  const stats: KrcStats = {
    events_file: { path, size: existsSync(path) ? statSync(path).size : 0, event_count: lines.length },
    by_type: {},
    by_age: { "0-1d": 0, "1-7d": 0, "7-30d": 0, "30d+": 0 },
    oldest_event: null,
    newest_event: null,
    ttl_breakdown: {},
  };
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  const ageSum: Record<string, number> = {};
  for (const l of lines) {
    if (l.type === undefined || l.ts === undefined) continue;
    stats.by_type[l.type] = (stats.by_type[l.type] ?? 0) + 1;
    const age = Math.max(0, now - l.ts);
    const bucket = age < DAY ? "0-1d" : age < 7 * DAY ? "1-7d" : age < 30 * DAY ? "7-30d" : "30d+";
    stats.by_age[bucket]++;
    oldest = Math.min(oldest, l.ts);
    newest = Math.max(newest, l.ts);
    const ttl = ttlOf(config, l.type);
    let info = stats.ttl_breakdown[l.type];
    if (!info) {
      info = { ttl_ms: ttl, count: 0, expired: 0, expires_in_ms: 0, avg_age_ms: 0 };
      stats.ttl_breakdown[l.type] = info;
    }
    info.count++;
    ageSum[l.type] = (ageSum[l.type] ?? 0) + age;
    if (age > ttl) info.expired++;
    else if (info.expires_in_ms === 0 || ttl - age < info.expires_in_ms) info.expires_in_ms = ttl - age;
  }
  for (const [type, info] of Object.entries(stats.ttl_breakdown))
    info.avg_age_ms = Math.round(ageSum[type]! / info.count);
  if (Number.isFinite(oldest)) stats.oldest_event = new Date(oldest).toISOString();
  if (Number.isFinite(newest)) stats.newest_event = new Date(newest).toISOString();
  return stats;
}

// ---- pruning ----

export interface PruneResult {
  events_processed: number;
  events_pruned: number;
  events_retained: number;
  bytes_before: number;
  bytes_after: number;
  pruned_by_type: Record<string, number>;
  duration_ms: number;
  dry_run: boolean;
}

/** Which lines go: expired by their type's TTL, except the newest min_retain_count. Unreadable lines stay. */
function pruneSet(lines: LineInfo[], config: KrcConfig, now: number): Set<number> {
  const expired: number[] = [];
  lines.forEach((l, i) => {
    if (l.type !== undefined && l.ts !== undefined && now - l.ts > ttlOf(config, l.type)) expired.push(i);
  });
  const keep = lines.length - expired.length;
  const spare = Math.max(0, config.min_retain_count - keep);
  // Lines are appended in time order: the last expired ones are the newest.
  return new Set(spare > 0 ? expired.slice(0, Math.max(0, expired.length - spare)) : expired);
}

function readFd(fd: number, offset: number): Buffer {
  const chunks: Buffer[] = [];
  for (let pos = offset; ; ) {
    const buf = Buffer.alloc(65_536);
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    pos += n;
  }
  return Buffer.concat(chunks);
}

/** One pruner at a time per town; a lock older than a minute is a dead pruner's. */
function withPruneLock<T>(townRoot: string, fn: () => T): T {
  const lock = join(townRoot, ".runtime", "krc-prune.lock");
  mkdirSync(dirname(lock), { recursive: true });
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    let stale = false;
    try {
      stale = Date.now() - statSync(lock).mtimeMs > 60_000;
    } catch {
      stale = true;
    }
    if (!stale) throw new ConflictError("krc_busy", "another KRC prune is running");
    writeFileSync(lock, String(process.pid));
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Removes expired events from .events.jsonl. Every gt process appends to the file without a
 * lock, so the new file is written beside it and, just before the rename, whatever was
 * appended meanwhile is copied over (all of it is new, so all of it stays).
 */
export function pruneEvents(
  townRoot: string,
  config: KrcConfig,
  opts: { dryRun?: boolean; now?: number } = {},
): PruneResult {
  const started = Date.now();
  const now = opts.now ?? started;
  const file = join(townRoot, EVENTS_FILE);
  const run = (): PruneResult => {
    const { lines, size } = readLines(file);
    const gone = pruneSet(lines, config, now);
    const result: PruneResult = {
      events_processed: lines.length,
      events_pruned: gone.size,
      events_retained: lines.length - gone.size,
      bytes_before: existsSync(file) ? statSync(file).size : 0,
      bytes_after: 0,
      pruned_by_type: {},
      duration_ms: 0,
      dry_run: opts.dryRun === true,
    };
    for (const i of gone) {
      const t = lines[i]!.type!;
      result.pruned_by_type[t] = (result.pruned_by_type[t] ?? 0) + 1;
    }
    if (opts.dryRun || gone.size === 0) {
      result.bytes_after = result.bytes_before - (opts.dryRun ? prunedBytes(lines, gone) : 0);
      result.duration_ms = Date.now() - started;
      return result;
    }
    const kept = lines.filter((_, i) => !gone.has(i)).map((l) => `${l.line}\n`);
    const tmp = `${file}.krc-tmp`;
    writeFileSync(tmp, kept.join(""));
    // Appends made while we worked are copied across (all new, so all kept), then the swap.
    const old = openSync(file, "r");
    try {
      let copied = size;
      const copyTail = (into: string) => {
        const tail = readFd(old, copied);
        if (tail.length > 0) appendFileSync(into, tail);
        copied += tail.length;
      };
      copyTail(tmp);
      renameSync(tmp, file);
      // An append that reached the old file between that copy and the rename.
      copyTail(file);
    } finally {
      closeSync(old);
    }
    result.bytes_after = statSync(file).size;
    result.duration_ms = Date.now() - started;
    return result;
  };
  return opts.dryRun ? run() : withPruneLock(townRoot, run);
}

function prunedBytes(lines: LineInfo[], gone: Set<number>): number {
  let n = 0;
  for (const i of gone) n += Buffer.byteLength(lines[i]!.line) + 1;
  return n;
}

// ---- auto-prune ----

export interface AutoPruneState {
  last_prune_time: string | null;
  last_result: PruneResult | null;
  prune_count: number;
  total_pruned: number;
  total_bytes_freed: number;
}

export function loadAutoPruneState(townRoot: string): AutoPruneState {
  const file = autoPruneStatePath(townRoot);
  const empty: AutoPruneState = {
    last_prune_time: null,
    last_result: null,
    prune_count: 0,
    total_pruned: 0,
    total_bytes_freed: 0,
  };
  if (!existsSync(file)) return empty;
  try {
    return { ...empty, ...(JSON.parse(readFileSync(file, "utf8")) as Partial<AutoPruneState>) };
  } catch {
    return empty; // a torn state file: the next prune writes a whole one
  }
}

function saveAutoPruneState(townRoot: string, state: AutoPruneState): void {
  const file = autoPruneStatePath(townRoot);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Until the next auto-prune is due: 0 when due now (or never pruned). */
export function nextAutoPruneIn(state: AutoPruneState, config: KrcConfig, now = Date.now()): number {
  if (!state.last_prune_time) return 0;
  return Math.max(0, Date.parse(state.last_prune_time) + config.prune_interval_ms - now);
}

/** Prunes when the prune interval has passed since the last prune (a daemon calls this often). */
export function autoPrune(townRoot: string, config: KrcConfig, now = Date.now()): PruneResult | null {
  const state = loadAutoPruneState(townRoot);
  if (nextAutoPruneIn(state, config, now) > 0) return null;
  const result = pruneEvents(townRoot, config, { now });
  recordPrune(townRoot, result, now);
  return result;
}

/** Counts a prune (manual or automatic) in the auto-prune state. */
export function recordPrune(townRoot: string, result: PruneResult, now = Date.now()): void {
  const state = loadAutoPruneState(townRoot);
  state.last_prune_time = new Date(now).toISOString();
  state.last_result = result;
  state.prune_count++;
  state.total_pruned += result.events_pruned;
  state.total_bytes_freed += Math.max(0, result.bytes_before - result.bytes_after);
  saveAutoPruneState(townRoot, state);
}

// ---- decay ----

export type DecayCurve = "rapid" | "steady" | "slow" | "flat";

const DECAY_CURVES: Record<string, DecayCurve> = {
  "patrol_*": "rapid",
  polecat_checked: "rapid",
  polecat_nudged: "rapid",
  heartbeat: "rapid",
  ping: "rapid",
  session_start: "steady",
  session_end: "steady",
  nudge: "steady",
  handoff: "steady",
  gc_report: "steady",
  hook: "slow",
  unhook: "slow",
  sling: "slow",
  done: "slow",
  error: "slow",
  recovery: "slow",
  escalation: "slow",
  mail: "flat",
  session_death: "flat",
  mass_death: "flat",
  "merge_*": "flat",
  merged: "flat",
};

export function decayCurveOf(type: string): DecayCurve {
  const exact = DECAY_CURVES[type];
  if (exact) return exact;
  const globs = Object.keys(DECAY_CURVES)
    .filter((p) => p.includes("*"))
    .sort((a, b) => b.length - a.length);
  for (const p of globs) if (globRe(p).test(type)) return DECAY_CURVES[p]!;
  return "steady";
}

/** Forensic value in [0, 1] of an event of `type` aged `age` under `ttl`. */
export function forensicScore(type: string, age: number, ttl: number): number {
  if (ttl <= 0 || age < 0) return 1;
  const r = age / ttl;
  if (r >= 1) return 0;
  switch (decayCurveOf(type)) {
    case "rapid":
      return 2 ** (-4 * r); // half its value at a quarter of the TTL
    case "slow":
      return 2 ** (-r / 0.75); // half at three quarters
    case "flat":
      return r < 0.9 ? 1 : (1 - r) / 0.1; // whole until the last tenth
    default:
      return 1 - r;
  }
}

export interface DecayInfo {
  event_type: string;
  count: number;
  ttl_ms: number;
  curve: DecayCurve;
  avg_age_ms: number;
  avg_score: number;
  expired_count: number;
}

export interface DecayReport {
  types: DecayInfo[];
  total_events: number;
  /** Mean score over every event, weighted by count. */
  total_score: number;
  /** Live events scoring under 0.25. */
  at_risk: number;
  expired: number;
  generated: string;
}

/** Scores each event by its own age (the log has them), averaged per type, most decayed first. */
export function decayReport(townRoot: string, config: KrcConfig, now = Date.now()): DecayReport {
  const { lines } = readLines(join(townRoot, EVENTS_FILE));
  const per = new Map<
    string,
    { count: number; age: number; score: number; expired: number; atRisk: number }
  >();
  for (const l of lines) {
    if (l.type === undefined || l.ts === undefined) continue;
    const ttl = ttlOf(config, l.type);
    const age = Math.max(0, now - l.ts);
    const score = forensicScore(l.type, age, ttl);
    const p = per.get(l.type) ?? { count: 0, age: 0, score: 0, expired: 0, atRisk: 0 };
    p.count++;
    p.age += age;
    p.score += score;
    if (age > ttl) p.expired++;
    else if (score < 0.25) p.atRisk++;
    per.set(l.type, p);
  }
  const report: DecayReport = {
    types: [],
    total_events: 0,
    total_score: 0,
    at_risk: 0,
    expired: 0,
    generated: new Date(now).toISOString(),
  };
  let weighted = 0;
  for (const [type, p] of per) {
    report.types.push({
      event_type: type,
      count: p.count,
      ttl_ms: ttlOf(config, type),
      curve: decayCurveOf(type),
      avg_age_ms: Math.round(p.age / p.count),
      avg_score: p.score / p.count,
      expired_count: p.expired,
    });
    report.total_events += p.count;
    report.expired += p.expired;
    report.at_risk += p.atRisk;
    weighted += p.score;
  }
  report.types.sort((a, b) => a.avg_score - b.avg_score || a.event_type.localeCompare(b.event_type));
  report.total_score = report.total_events ? weighted / report.total_events : 0;
  return report;
}
