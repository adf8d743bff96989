// Benchmark fixtures: real `.beads/` ledgers of a given size with a realistic mix of
// statuses, types, epics with dotted children, blocking and other edges, labels, comments
// and events. Rows are inserted directly in one transaction (much faster than going through
// createIssue), then `recomputeBlocked()` settles the is_blocked flags. Fixtures are cached
// under bench/.cache/, keyed by size, FIXTURE_VERSION and a hash of the schema.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BEADS_DIRNAME, DB_FILENAME, initLedger, JSONL_FILENAME } from "../src/ledger/discovery.ts";
import { hashLengthFor } from "../src/ledger/ids.ts";
import type { Issue } from "../src/ledger/model.ts";
import { INSERT_ISSUE_SQL, issueToParams } from "../src/ledger/sqlite/rows.ts";
import { SCHEMA_VERSION, schemaSql } from "../src/ledger/sqlite/schema.ts";
import { SqliteLedger } from "../src/ledger/sqlite/store.ts";
import { processAlive } from "../test/helpers/procs.ts";
import { nowMs, prng } from "./lib.ts";

/** Bump when the generator changes so cached fixtures are rebuilt. */
export const FIXTURE_VERSION = "f1";
export const PREFIX = "bn";
const MAX_AGE_MS = 20 * 86_400_000;

export interface FixtureCounts {
  issues: number;
  open: number;
  in_progress: number;
  closed: number;
  deferred: number;
  pinned: number;
  deferred_open: number;
  epics: number;
  epic_children: number;
  blocks_edges: number;
  parent_child_edges: number;
  related_edges: number;
  discovered_from_edges: number;
  labeled_issues: number;
  labels: number;
  commented_issues: number;
  comments: number;
  events: number;
  blocked: number;
  ready: number;
}

export interface FixtureInfo {
  size: number;
  key: string;
  /** Directory holding `.beads/` (the cwd to run `bd` in). */
  dir: string;
  dbPath: string;
  jsonlPath: string;
  /** Time to build it (this run, or when it was cached). */
  buildMs: number;
  builtAt: string;
  cached: boolean;
  dbBytes: number;
  counts: FixtureCounts;
  samples: {
    /** An open issue with blocking deps, labels and comments: what `bd show` is run on. */
    showId: string;
    /** An epic with children. */
    epicId: string;
    /** The hash part of a top-level ID (no prefix). */
    hashOnly: string;
    /** A unique, shortened hash prefix of a top-level ID. */
    partial: string;
    partialResolvesTo: string;
  };
}

function fixtureKey(): string {
  const h = createHash("sha256")
    .update(`${FIXTURE_VERSION}\n${SCHEMA_VERSION}\n${schemaSql()}\n${INSERT_ISSUE_SQL}`)
    .digest("hex")
    .slice(0, 10);
  return `${FIXTURE_VERSION}-${h}`;
}

// ---------------------------------------------------------------- vocabulary

const WORDS =
  "ledger sync export import cache index query parser router config daemon worker queue agent rig town polecat witness refinery convoy hook mail molecule formula wisp patrol gate merge branch worktree session prompt token budget retry timeout lock schema migration snapshot backup restore release build test lint format deploy metrics logging tracing alert dashboard".split(
    " ",
  );
const VERBS =
  "fix add remove refactor speed up document investigate harden migrate split merge rename validate cache retry log expose deprecate".split(
    " ",
  );
const PROBLEMS = [
  "crashes on empty input",
  "is slow on large ledgers",
  "loses updates under contention",
  "prints the wrong exit code",
  "ignores the config file",
  "leaks file handles",
  "needs a --json flag",
  "breaks with unicode titles",
  "times out in CI",
  "double-counts closed issues",
  "should respect BEADS_DIR",
  "misreports blocked work",
];
const LABELS = [
  "backend",
  "frontend",
  "api",
  "db",
  "cli",
  "docs",
  "perf",
  "security",
  "ux",
  "infra",
  "ci",
  "tests",
  "refactor",
  "tech-debt",
  "urgent",
  "customer",
  "regression",
  "flaky",
  "observability",
  "release",
  "area:ledger",
  "area:cli",
  "area:sync",
  "area:town",
  "team:core",
  "team:ops",
  "good-first-issue",
  "needs-design",
  "external",
  "triage",
];
const PEOPLE = [
  "alice",
  "bob",
  "carol",
  "dave",
  "erin",
  "frank",
  "gastown/polecat-1",
  "gastown/polecat-2",
  "mayor",
];
const TYPES: Array<[string, number]> = [
  ["task", 0.5],
  ["bug", 0.27],
  ["feature", 0.19],
  ["chore", 0.04],
];
const PRIORITIES: Array<[number, number]> = [
  [0, 0.05],
  [1, 0.15],
  [2, 0.5],
  [3, 0.2],
  [4, 0.1],
];
const B36 = "0123456789abcdefghijklmnopqrstuvwxyz";

// ---------------------------------------------------------------- generation

interface Generated {
  issues: Issue[];
  edges: Array<[string, string, string, string]>;
  labels: Array<[string, string]>;
  comments: Array<[string, string, string, string, string]>;
  events: Array<[string, string, string, string | null, string | null, string]>;
  childCounters: Array<[string, number]>;
  counts: Omit<FixtureCounts, "blocked" | "ready">;
  samples: FixtureInfo["samples"];
}

function generate(size: number, nowTime: number): Generated {
  const rnd = prng(0x5eed0000 + size);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const weighted = <T>(xs: Array<[T, number]>): T => {
    let r = rnd();
    for (const [v, w] of xs) {
      r -= w;
      if (r < 0) return v;
    }
    return xs[xs.length - 1]![0];
  };
  const sentence = () => {
    const n = int(6, 16);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(pick(WORDS));
    const s = w.join(" ");
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const para = (lo: number, hi: number) => {
    const n = int(lo, hi);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(sentence());
    return out.join(" ");
  };

  const DAY = 86_400_000;
  const start = nowTime - 365 * DAY;
  const span = 365 * DAY - 3_600_000;
  const iso = (t: number) => new Date(Math.floor(t)).toISOString();

  const ids = new Set<string>();
  const freshId = (topLevelSoFar: number) => {
    const len = hashLengthFor(topLevelSoFar);
    for (;;) {
      let h = "";
      for (let i = 0; i < len; i++) h += B36[Math.floor(rnd() * 36)];
      const id = `${PREFIX}-${h}`;
      if (!ids.has(id)) {
        ids.add(id);
        return id;
      }
    }
  };

  const g: Generated = {
    issues: [],
    edges: [],
    labels: [],
    comments: [],
    events: [],
    childCounters: [],
    counts: {
      issues: 0,
      open: 0,
      in_progress: 0,
      closed: 0,
      deferred: 0,
      pinned: 0,
      deferred_open: 0,
      epics: 0,
      epic_children: 0,
      blocks_edges: 0,
      parent_child_edges: 0,
      related_edges: 0,
      discovered_from_edges: 0,
      labeled_issues: 0,
      labels: 0,
      commented_issues: 0,
      comments: 0,
      events: 0,
    },
    samples: { showId: "", epicId: "", hashOnly: "", partial: "", partialResolvesTo: "" },
  };
  const c = g.counts;
  const order: string[] = [];
  const hasLabels = new Set<string>();
  const hasComments = new Set<string>();
  const hasBlocks = new Set<string>();
  const status = new Map<string, string>();
  let topLevel = 0;

  const make = (id: string, type: string, parent: string | undefined) => {
    const idx = order.length;
    const x = idx / size; // 0 = oldest, 1 = newest
    const created = start + x * span + rnd() * (span / size);
    const r = rnd();
    // Old issues are more often closed: 0.55 at the start down to 0.05, ~30% overall.
    const pClosed = 0.55 - 0.5 * x;
    let st = "open";
    if (r < pClosed) st = "closed";
    else if (r < pClosed + 0.1) st = "in_progress";
    else if (r < pClosed + 0.13) st = "deferred";
    else if (r < pClosed + 0.14) st = "pinned";
    const updated = Math.min(nowTime - 60_000, created + rnd() * 30 * DAY);
    const issue: Issue = {
      id,
      title: `${pick(VERBS)} ${pick(WORDS)} ${pick(WORDS)}: ${pick(PROBLEMS)}`.slice(0, 120),
      status: st,
      priority: type === "epic" ? int(0, 2) : weighted(PRIORITIES),
      issue_type: type,
      created_at: iso(created),
      created_by: pick(PEOPLE),
      updated_at: iso(updated),
    };
    if (rnd() < 0.75) issue.description = para(1, 5);
    if (rnd() < 0.1) issue.notes = para(1, 3);
    if (rnd() < 0.1) issue.acceptance_criteria = para(1, 2);
    if (type === "epic" || rnd() < 0.03) issue.design = para(2, 6);
    if (rnd() < 0.2) issue.estimated_minutes = pick([15, 30, 60, 120, 240, 480]);
    if (st === "in_progress" || (st === "closed" && rnd() < 0.6) || (st === "open" && rnd() < 0.15)) {
      issue.assignee = pick(PEOPLE);
    }
    if (st === "in_progress") issue.started_at = iso(updated);
    if (st === "closed") {
      issue.closed_at = iso(updated);
      if (rnd() < 0.5)
        issue.close_reason = pick(["done", "fixed in main", "duplicate", "won't fix", "obsolete"]);
    }
    if (st === "deferred") issue.defer_until = iso(nowTime + int(30, 365) * DAY);
    if (st === "open" && rnd() < 0.02) {
      issue.defer_until = iso(nowTime + int(30, 365) * DAY);
      c.deferred_open++;
    }
    if (st === "pinned") issue.pinned = true;
    if (rnd() < 0.05) issue.external_ref = `gh-${int(1, 9999)}`;
    g.issues.push(issue);
    order.push(id);
    status.set(id, st);
    c.issues++;
    if (st === "in_progress") c.in_progress++;
    else if (st === "closed") c.closed++;
    else if (st === "deferred") c.deferred++;
    else if (st === "pinned") c.pinned++;
    else c.open++;

    // Edges always point at earlier issues, so the graph has no cycles.
    const targets = new Set<string>();
    if (parent) {
      targets.add(parent);
      g.edges.push([id, parent, "parent-child", issue.created_at]);
      c.parent_child_edges++;
    }
    const earlier = (window: number) => order[idx - 1 - Math.floor(rnd() * rnd() * Math.min(idx, window))];
    if (idx > 0 && rnd() < 0.25) {
      const n = int(1, 3);
      for (let k = 0; k < n; k++) {
        const t = earlier(2000);
        if (!t || targets.has(t)) continue;
        targets.add(t);
        g.edges.push([id, t, "blocks", issue.created_at]);
        c.blocks_edges++;
        hasBlocks.add(id);
      }
    }
    if (idx > 0 && rnd() < 0.02) {
      const t = earlier(size);
      if (t && !targets.has(t)) {
        targets.add(t);
        g.edges.push([id, t, "related", issue.created_at]);
        c.related_edges++;
      }
    }
    if (idx > 0 && rnd() < 0.03) {
      const t = earlier(500);
      if (t && !targets.has(t)) {
        targets.add(t);
        g.edges.push([id, t, "discovered-from", issue.created_at]);
        c.discovered_from_edges++;
      }
    }
    if (rnd() < 0.4) {
      const n = int(1, 3);
      const mine = new Set<string>();
      for (let k = 0; k < n; k++) mine.add(pick(LABELS));
      for (const l of mine) g.labels.push([id, l]);
      c.labeled_issues++;
      c.labels += mine.size;
      hasLabels.add(id);
    }
    if (rnd() < 0.1) {
      const n = int(1, 3);
      for (let k = 0; k < n; k++) {
        const at = iso(Math.min(nowTime - 1000, created + (k + 1) * rnd() * 5 * DAY));
        const cid = `${id}-c${k}-${Math.floor(rnd() * 0xffffffff).toString(16)}`;
        g.comments.push([cid, id, pick(PEOPLE), para(1, 3), at]);
        c.comments++;
      }
      c.commented_issues++;
      hasComments.add(id);
    }
    g.events.push([id, "created", issue.created_by!, null, null, issue.created_at]);
    if (st !== "open") g.events.push([id, "status_changed", issue.created_by!, "open", st, issue.updated_at]);
    if (st === "closed")
      g.events.push([id, "closed", issue.assignee ?? issue.created_by!, null, null, issue.updated_at]);
  };

  while (order.length < size) {
    const remaining = size - order.length;
    if (remaining >= 3 && rnd() < 0.05) {
      const epic = freshId(topLevel++);
      make(epic, "epic", undefined);
      c.epics++;
      const kids = Math.min(remaining - 1, int(2, 8));
      for (let k = 1; k <= kids; k++) {
        make(`${epic}.${k}`, weighted(TYPES), epic);
        c.epic_children++;
      }
      g.childCounters.push([epic, kids]);
      if (!g.samples.epicId && kids >= 4) g.samples.epicId = epic;
    } else {
      make(freshId(topLevel++), weighted(TYPES), undefined);
    }
  }
  c.events = g.events.length;

  // Samples: pick from the middle of the ledger so they are neither the oldest nor the newest.
  const mid = Math.floor(order.length / 2);
  const around = [...order.slice(mid), ...order.slice(0, mid)];
  const full =
    around.find(
      (id) => status.get(id) === "open" && hasBlocks.has(id) && hasLabels.has(id) && hasComments.has(id),
    ) ??
    around.find((id) => hasBlocks.has(id) && hasLabels.has(id)) ??
    around[0]!;
  g.samples.showId = full;
  if (!g.samples.epicId) g.samples.epicId = g.issues.find((i) => i.issue_type === "epic")?.id ?? full;
  const topHashes = order.filter((id) => !id.includes(".")).map((id) => id.slice(PREFIX.length + 1));
  const topAround = around.filter((id) => !id.includes("."));
  g.samples.hashOnly = (topAround[0] ?? full).slice(PREFIX.length + 1);
  for (const id of topAround) {
    const h = id.slice(PREFIX.length + 1);
    if (h.length < 5) continue;
    const p = h.slice(0, -1);
    if (topHashes.filter((x) => x.startsWith(p)).length === 1) {
      g.samples.partial = p;
      g.samples.partialResolvesTo = id;
      break;
    }
  }
  if (!g.samples.partial) {
    g.samples.partial = g.samples.hashOnly;
    g.samples.partialResolvesTo = `${PREFIX}-${g.samples.hashOnly}`;
  }
  return g;
}

// ---------------------------------------------------------------- building and caching

function insertAll(ledger: SqliteLedger, g: Generated): void {
  const db = ledger.database;
  db.write(() => {
    for (const issue of g.issues) db.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
    for (const [a, b, type, at] of g.edges) {
      db.run(
        "INSERT INTO dependencies (issue_id, depends_on_id, type, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
        a,
        b,
        type,
        at,
        "bench",
      );
    }
    for (const [id, label] of g.labels)
      db.run("INSERT INTO labels (issue_id, label) VALUES (?, ?)", id, label);
    for (const [id, issueId, author, text, at] of g.comments) {
      db.run(
        "INSERT INTO comments (id, issue_id, author, text, created_at) VALUES (?, ?, ?, ?, ?)",
        id,
        issueId,
        author,
        text,
        at,
      );
    }
    for (const [issueId, type, actor, oldV, newV, at] of g.events) {
      db.run(
        "INSERT INTO events (issue_id, event_type, actor, old_value, new_value, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        issueId,
        type,
        actor,
        oldV,
        newV,
        at,
      );
    }
    for (const [parent, n] of g.childCounters) {
      db.run("INSERT INTO child_counters (parent_id, last_child) VALUES (?, ?)", parent, n);
    }
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

/** Builds (or reuses from the cache) the fixture with `size` beads. */
export async function ensureFixture(cacheDir: string, size: number): Promise<FixtureInfo> {
  const key = fixtureKey();
  const dir = join(cacheDir, `fixture-${key}-${size}`);
  const metaFile = join(dir, "fixture.json");
  const meta = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, "utf8")) as FixtureInfo) : undefined;
  // Deferrals are 30+ days ahead of the build time: rebuild before the first one falls due.
  if (meta && Date.now() - Date.parse(meta.builtAt) < MAX_AGE_MS) {
    return {
      ...meta,
      dir,
      dbPath: join(dir, BEADS_DIRNAME, DB_FILENAME),
      jsonlPath: join(dir, BEADS_DIRNAME, JSONL_FILENAME),
      cached: true,
    };
  }
  mkdirSync(cacheDir, { recursive: true });
  // Build beside the final place and rename, so an interrupted build never looks cached.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = nowMs();
  const init = initLedger(tmp, { prefix: PREFIX, version: "bench", autoExport: false });
  const g = generate(size, Date.now());
  const ledger = SqliteLedger.open({ path: init.location.dbPath, jsonlPath: init.location.jsonlPath });
  let blocked = 0;
  let ready = 0;
  try {
    insertAll(ledger, g);
    ledger.recomputeBlocked();
    const st = await ledger.stats();
    blocked = st.blocked_issues;
    ready = st.ready_issues;
    // Fold the WAL into the main file so the directory can be copied as is.
    ledger.database.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    await ledger.close();
  }
  const buildMs = nowMs() - t0;
  const info: FixtureInfo = {
    size,
    key,
    dir,
    dbPath: join(dir, BEADS_DIRNAME, DB_FILENAME),
    jsonlPath: join(dir, BEADS_DIRNAME, JSONL_FILENAME),
    buildMs,
    builtAt: new Date().toISOString(),
    cached: false,
    dbBytes: dirBytes(join(tmp, BEADS_DIRNAME)),
    counts: { ...g.counts, blocked, ready },
    samples: g.samples,
  };
  writeFileSync(join(tmp, "fixture.json"), `${JSON.stringify(info, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return info;
}

/** Removes cached fixtures of other generator or schema versions, and stale temp dirs. */
export function pruneCache(cacheDir: string): string[] {
  if (!existsSync(cacheDir)) return [];
  const key = fixtureKey();
  const removed: string[] = [];
  for (const name of readdirSync(cacheDir)) {
    // Temp and per-run directories carry the pid of the bench that made them.
    const pid = Number(/(?:\.tmp-|^run-)(\d+)$/.exec(name)?.[1] ?? Number.NaN);
    const orphan = Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
    const stale =
      orphan ||
      (name.startsWith("fixture-") && !name.includes(".tmp-") && !name.startsWith(`fixture-${key}-`));
    if (stale) {
      rmSync(join(cacheDir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
