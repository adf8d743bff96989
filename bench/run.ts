// `npm run bench`: how fast is bd on big ledgers?
//
//   1. builds (or reuses) fixture ledgers of 1k, 20k and 100k beads under bench/.cache/;
//   2. times whole `bd` processes on the 20k ledger against bare `node -e 0` start-up;
//   3. times the store's queries in-process on every size, to show how they grow.
//
// It prints tables and writes a JSON summary to bench/results.json. It is a benchmark,
// not a test: a missed target is reported, never turned into a failing exit code.
//
// Options: --runs N (whole-process runs, default 15), --iters N (in-process iterations,
// default 30), --sizes 1000,20000 (fixture sizes; the whole-process size is 20000 or the
// middle one given), --skip-process, --skip-inproc.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SqliteLedger } from "../src/ledger/sqlite/store.ts";
import { ensureFixture, type FixtureInfo, pruneCache } from "./fixture.ts";
import { count, heading, ms, nowMs, ratio, type Summary, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const CACHE = join(ROOT, "bench", ".cache");
const RESULTS = join(ROOT, "bench", "results.json");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const BD = join(ROOT, "bin", "bd");
const BUNDLE = join(ROOT, "dist", "bd.cjs");
const READY_TARGET_MS = 20;
const PROCESS_TARGET_RATIO = 2;

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    warmup: { type: "string", default: "2" },
    iters: { type: "string", default: "30" },
    sizes: { type: "string", default: "1000,20000,100000" },
    "skip-process": { type: "boolean", default: false },
    "skip-inproc": { type: "boolean", default: false },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const ITERS = Number(args.iters);
const SIZES = args.sizes.split(",").map(Number);
const PROCESS_SIZE = SIZES.includes(20_000) ? 20_000 : SIZES[Math.floor(SIZES.length / 2)]!;

const started = nowMs();
const runDir = join(CACHE, `run-${process.pid}`);
const sizeLabel = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
const loadWarning = (load: number) =>
  load > os.cpus().length ? `  <- busy machine: other work competes for the CPU, timings will be noisy` : "";

// ---------------------------------------------------------------- header

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? "unknown",
  cores: cpus.length,
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  sqlite: process.versions.sqlite ?? "?",
  date: new Date().toISOString(),
  loadavg_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
console.log(heading("bd benchmark"));
console.log(`  machine  ${machine.cpu} x ${machine.cores}, ${machine.memory_gb} GB RAM, ${machine.os}`);
console.log(`  node     ${machine.node} (${process.execPath}), SQLite ${machine.sqlite}`);
console.log(`  date     ${machine.date}`);
console.log(
  `  load     ${machine.loadavg_start.join(" ")} (1/5/15 min)${loadWarning(machine.loadavg_start[0]!)}`,
);
console.log(
  `  plan     fixtures ${SIZES.map(sizeLabel).join(", ")}; whole-process on ${sizeLabel(PROCESS_SIZE)}: ${RUNS} runs after ${WARMUP} warm-up; in-process: median of up to ${ITERS} iterations`,
);

// ---------------------------------------------------------------- 1. fixtures

const pruned = pruneCache(CACHE);
if (pruned.length > 0) console.log(`  (removed stale cache entries: ${pruned.join(", ")})`);
console.log(heading("1. Fixtures"));
const fixtures = new Map<number, FixtureInfo>();
for (const size of SIZES) {
  process.stdout.write(`  ${sizeLabel(size)}: `);
  const t0 = nowMs();
  const f = await ensureFixture(CACHE, size);
  fixtures.set(size, f);
  console.log(
    f.cached
      ? `cached (${ms(nowMs() - t0)} ms to load; built in ${ms(f.buildMs)} ms earlier)`
      : `built in ${ms(f.buildMs)} ms`,
  );
}
{
  const cols: Array<[string, (f: FixtureInfo) => string]> = [
    ["beads", (f) => count(f.counts.issues)],
    ["open", (f) => count(f.counts.open)],
    ["in_prog", (f) => count(f.counts.in_progress)],
    ["closed", (f) => count(f.counts.closed)],
    ["deferred", (f) => count(f.counts.deferred + f.counts.deferred_open)],
    ["pinned", (f) => count(f.counts.pinned)],
    ["epics", (f) => count(f.counts.epics)],
    ["children", (f) => count(f.counts.epic_children)],
    ["blocks", (f) => count(f.counts.blocks_edges)],
    ["other edges", (f) => count(f.counts.related_edges + f.counts.discovered_from_edges)],
    ["labels", (f) => count(f.counts.labels)],
    ["comments", (f) => count(f.counts.comments)],
    ["blocked", (f) => count(f.counts.blocked)],
    ["ready", (f) => count(f.counts.ready)],
    ["db MB", (f) => (f.dbBytes / 2 ** 20).toFixed(1)],
    ["build ms", (f) => `${ms(f.buildMs)}${f.cached ? " (cached)" : ""}`],
  ];
  const fs = [...fixtures.values()];
  console.log(
    table(
      ["size", ...cols.map(([h]) => h)],
      fs.map((f) => [sizeLabel(f.size), ...cols.map(([, get]) => get(f))]),
    ),
  );
  console.log(`  "deferred" counts status=deferred plus open beads with defer_until in the future.`);
}

// ---------------------------------------------------------------- 2. whole process

interface ProcessRow {
  label: string;
  command: string;
  summary?: Summary;
  error?: string;
  note?: string;
}
const processRows: ProcessRow[] = [];

function baseEnv(actor: boolean): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BEADS_DIR;
  delete env.BD_ACTOR;
  delete env.BEADS_ACTOR;
  delete env.NODE_OPTIONS;
  // Agent mode shortens `bd list` to 20 rows; measure the default.
  delete env.CLAUDE_CODE;
  delete env.BD_AGENT_MODE;
  if (actor) env.BEADS_ACTOR = "bench";
  return env;
}

interface Job {
  label: string;
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Checks the output of the first run; returns a note for the report or throws. */
  check?: (stdout: string) => string | undefined;
  samples: number[];
  error?: string;
  note?: string;
}

function runOnce(job: Job): { ms: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(job.file, job.args, {
    cwd: job.cwd,
    env: job.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 512 * 2 ** 20,
  });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
  return { ms: elapsed, stdout: r.stdout };
}

function jsonCheck(describe: (v: unknown) => string) {
  return (stdout: string) => describe(JSON.parse(stdout));
}

/** The bd commands run on every ledger size: reads on the cached fixture, create on a copy. */
function bdJobs(f: FixtureInfo, env: NodeJS.ProcessEnv, createDir: string): Job[] {
  const arr = (v: unknown) => (Array.isArray(v) ? v : []);
  return [
    {
      label: "bd ready --json",
      file: BD,
      args: ["ready", "--json"],
      cwd: f.dir,
      env,
      samples: [],
      check: jsonCheck((v) => `${arr(v).length} rows`),
    },
    {
      label: "bd list --json",
      file: BD,
      args: ["list", "--json"],
      cwd: f.dir,
      env,
      samples: [],
      check: jsonCheck((v) => `${arr(v).length} rows`),
    },
    {
      label: "bd show <id> --json",
      file: BD,
      args: ["show", f.samples.showId, "--json"],
      cwd: f.dir,
      env,
      samples: [],
      check: jsonCheck((v) => {
        const d = (Array.isArray(v) ? v[0] : v) as { id?: string; dependencies?: unknown[] } | undefined;
        if (d?.id !== f.samples.showId) throw new Error(`show returned ${String(d?.id)}`);
        return `${f.samples.showId}, ${d.dependencies?.length ?? 0} deps`;
      }),
    },
    {
      label: "bd create --json (copy)",
      file: BD,
      args: ["create", "bench issue", "--json"],
      cwd: createDir,
      env,
      samples: [],
      check: jsonCheck((v) => `created ${(v as { id?: string }).id}`),
    },
  ];
}

/** Runs every job `warmup + runs` times, round-robin so drift in machine load hits all alike. */
function runJobs(jobs: Job[], runs: number, warmup: number): void {
  for (let round = 0; round < warmup + runs; round++) {
    for (const job of jobs) {
      if (job.error) continue;
      try {
        const r = runOnce(job);
        if (round === 0 && job.check) {
          const note = job.check(r.stdout);
          if (note) job.note = job.note ? `${job.note}; ${note}` : note;
        }
        if (round >= warmup) job.samples.push(r.ms);
      } catch (e) {
        job.error = (e as Error).message;
      }
    }
  }
}

/** Copies a fixture into this run's scratch directory, so writes leave the cache as built. */
function scratchCopy(f: FixtureInfo, name: string): string {
  mkdirSync(runDir, { recursive: true });
  const d = join(runDir, name);
  cpSync(f.dir, d, { recursive: true });
  return d;
}

if (!args["skip-process"]) {
  const f = fixtures.get(PROCESS_SIZE)!;
  console.log(heading(`2. Whole-process wall time, ${sizeLabel(PROCESS_SIZE)} ledger`));
  if (!existsSync(BUNDLE))
    console.log(`  warning: ${BUNDLE} is missing (run tsup); bin/bd falls back to the sources`);
  const createGitDir = scratchCopy(f, "create-git");
  const exportDir = scratchCopy(f, "create-export");
  const env = baseEnv(true);
  let exportNote = "";
  try {
    const t0 = nowMs();
    runOnce({
      label: "",
      file: BD,
      args: ["config", "set", "export.auto", "true"],
      cwd: exportDir,
      env,
      samples: [],
    });
    exportNote = `config set + first export ${ms(nowMs() - t0)} ms`;
  } catch (e) {
    exportNote = `config set failed: ${(e as Error).message}`;
  }
  const jobs: Job[] = [
    { label: "node -e 0 (baseline)", file: NODE, args: ["-e", "0"], cwd: f.dir, env, samples: [] },
    {
      label: "node dist/bd.cjs version",
      file: NODE,
      args: [BUNDLE, "version"],
      cwd: f.dir,
      env,
      samples: [],
    },
    { label: "bd version", file: BD, args: ["version"], cwd: f.dir, env, samples: [] },
    ...bdJobs(f, env, scratchCopy(f, "create")),
    {
      label: "bd create, actor via git (copy)",
      file: BD,
      args: ["create", "bench issue", "--json"],
      cwd: createGitDir,
      env: baseEnv(false),
      samples: [],
      note: "no BEADS_ACTOR: bd runs `git config user.name`",
    },
    {
      label: "bd create, export.auto=true (copy)",
      file: BD,
      args: ["create", "bench issue", "--json"],
      cwd: exportDir,
      env,
      samples: [],
      note: exportNote,
    },
  ];
  const t0 = nowMs();
  runJobs(jobs, RUNS, WARMUP);
  const base = summarize(jobs[0]!.samples);
  const rows: string[][] = [];
  for (const job of jobs) {
    const s = job.samples.length > 0 ? summarize(job.samples) : undefined;
    const row: ProcessRow = { label: job.label, command: [job.file, ...job.args].join(" "), summary: s };
    if (job.error) row.error = job.error;
    if (job.note) row.note = job.note;
    processRows.push(row);
    const isBaseline = job === jobs[0];
    const verdict = job.error
      ? "ERROR"
      : isBaseline
        ? ""
        : s && s.median <= PROCESS_TARGET_RATIO * base.median
          ? "ok"
          : "over 2x";
    rows.push([
      job.label,
      ms(s?.median),
      ms(s?.p90),
      ms(s?.min),
      isBaseline ? "1.00x" : ratio(s?.median, base.median),
      verdict,
      job.error ? job.error.slice(0, 80) : (job.note ?? ""),
    ]);
  }
  console.log(table(["command", "median ms", "p90 ms", "min ms", "vs node", "<=2x", "notes"], rows, [0, 6]));
  console.log(
    `  ${RUNS} runs each after ${WARMUP} warm-up, round-robin, ${ms((nowMs() - t0) / 1000)} s in all. bd = ${BD} (sh launcher -> dist/bd.cjs, compile cache on), BEADS_ACTOR=bench unless noted; writes go to copies of the fixture.`,
  );

  // The same commands on every ledger size, fewer runs, with their own baseline and all
  // sizes in one round-robin, so the growth from 1k to 100k is not skewed by load drift.
  if (SIZES.length > 1) {
    const runs = Math.max(3, Math.ceil(RUNS / 3));
    const t1 = nowMs();
    const sizes = [...SIZES].sort((x, y) => x - y);
    const baseJob: Job = { label: "node -e 0", file: NODE, args: ["-e", "0"], cwd: f.dir, env, samples: [] };
    const sized = new Map<number, Job[]>(
      sizes.map((size) => {
        const fx = fixtures.get(size)!;
        return [size, bdJobs(fx, env, scratchCopy(fx, `create-${size}`))];
      }),
    );
    runJobs([baseJob, ...[...sized.values()].flat()], runs, 1);
    const sizeBase = summarize(baseJob.samples).median;
    const first = sizes[0]!;
    const last = sizes[sizes.length - 1]!;
    const rowsBySize: string[][] = [];
    const labels = sized.get(first)!.map((j) => j.label);
    labels.forEach((label, i) => {
      const med = (size: number) => {
        const job = sized.get(size)![i]!;
        return job.samples.length > 0 ? summarize(job.samples).median : undefined;
      };
      rowsBySize.push([
        label,
        ...sizes.map((size) => (sized.get(size)![i]!.error ? "ERR" : ms(med(size)))),
        ratio(med(last), med(first)),
        ratio(med(last), sizeBase),
      ]);
    });
    for (const [size, jobs] of sized) {
      for (const job of jobs) {
        processRows.push({
          label: `${job.label} [${sizeLabel(size)}, by-size run]`,
          command: [job.file, ...job.args].join(" "),
          summary: job.samples.length > 0 ? summarize(job.samples) : undefined,
          error: job.error,
          note: job.note,
        });
      }
    }
    console.log(
      `\n  By ledger size: median ms of ${runs} runs after 1 warm-up, all sizes round-robin (${ms((nowMs() - t1) / 1000)} s); node -e 0 in the same rounds: ${ms(sizeBase)} ms`,
    );
    console.log(
      table(
        [
          "command",
          ...sizes.map(sizeLabel),
          `${sizeLabel(last)}/${sizeLabel(first)}`,
          `${sizeLabel(last)} vs node`,
        ],
        rowsBySize,
      ),
    );
    for (const jobs of sized.values()) {
      for (const job of jobs) if (job.error) console.log(`  ${job.label} in ${job.cwd}: ${job.error}`);
    }
  }
}

// ---------------------------------------------------------------- 3. in-process

interface OpResult {
  op: string;
  bySize: Record<string, Summary & { note?: string }>;
}
const inproc: OpResult[] = [];

async function timeOp(
  fn: () => Promise<unknown>,
  opts: { iters: number; warmup?: number; budgetMs?: number; minIters?: number },
): Promise<Summary> {
  const warm = opts.warmup ?? 3;
  const budget = opts.budgetMs ?? 2500;
  const minIters = opts.minIters ?? 5;
  for (let i = 0; i < warm; i++) await fn();
  const samples: number[] = [];
  const t0 = nowMs();
  for (let i = 0; i < opts.iters; i++) {
    const s = nowMs();
    await fn();
    samples.push(nowMs() - s);
    if (samples.length >= minIters && nowMs() - t0 > budget) break;
  }
  return summarize(samples);
}

if (!args["skip-inproc"]) {
  console.log(heading("3. In-process store timings (SqliteLedger from src/, ms)"));
  const ops: Array<{
    op: string;
    run: (ctx: { store: SqliteLedger; copy: SqliteLedger; f: FixtureInfo }) => Promise<unknown>;
    budgetMs?: number;
    warmup?: number;
  }> = [
    { op: "ready({limit: 100})", run: ({ store }) => store.ready({ limit: 100 }) },
    { op: "ready({limit: 0}) (all ready)", run: ({ store }) => store.ready({ limit: 0 }) },
    { op: "listIssues({limit: 50})", run: ({ store }) => store.listIssues({ limit: 50 }) },
    { op: "getDetails(id)", run: ({ store, f }) => store.getDetails(f.samples.showId) },
    { op: "resolveId(full id)", run: ({ store, f }) => store.resolveId(f.samples.showId) },
    { op: "resolveId(hash, no prefix)", run: ({ store, f }) => store.resolveId(f.samples.hashOnly) },
    {
      op: "resolveId(partial hash)",
      run: async ({ store, f }) => {
        const id = await store.resolveId(f.samples.partial);
        if (id !== f.samples.partialResolvesTo) throw new Error(`resolved ${f.samples.partial} to ${id}`);
      },
    },
    { op: "blocked({limit: 100})", run: ({ store }) => store.blocked({ limit: 100 }) },
    { op: "blocked({}) (all)", run: ({ store }) => store.blocked({}), budgetMs: 2000, warmup: 1 },
    { op: "stats()", run: ({ store }) => store.stats() },
    {
      op: "createIssue() (copy)",
      run: ({ copy }) => copy.createIssue({ title: "bench issue", description: "made by bench" }, "bench"),
    },
  ];
  const results = new Map<string, OpResult>(ops.map((o) => [o.op, { op: o.op, bySize: {} }]));
  const counts = new Map<number, { ready: number; blocked: number }>();
  for (const size of SIZES) {
    const f = fixtures.get(size)!;
    const t0 = nowMs();
    const copyDir = scratchCopy(f, `inproc-${size}`);
    const store = SqliteLedger.open({ path: f.dbPath, jsonlPath: f.jsonlPath });
    const copy = SqliteLedger.open({
      path: join(copyDir, ".beads", "beads.db"),
      jsonlPath: join(copyDir, ".beads", "issues.jsonl"),
    });
    try {
      counts.set(size, {
        ready: (await store.ready({ limit: 0 })).length,
        blocked: (await store.blocked({ limit: 100 })).length,
      });
      for (const o of ops) {
        const r = results.get(o.op)!;
        try {
          const s = await timeOp(() => o.run({ store, copy, f }), {
            iters: ITERS,
            warmup: o.warmup,
            budgetMs: o.budgetMs,
          });
          r.bySize[String(size)] = s;
        } catch (e) {
          r.bySize[String(size)] = { ...summarize([]), note: `error: ${(e as Error).message}` };
        }
      }
    } finally {
      await store.close();
      await copy.close();
    }
    console.log(`  ${sizeLabel(size)}: ${ms(nowMs() - t0)} ms`);
  }
  inproc.push(...results.values());
  const sizes = SIZES;
  const first = sizes[0]!;
  const headers = ["operation", ...sizes.map((s) => `${sizeLabel(s)} ms`)];
  for (const s of sizes.slice(1)) headers.push(`${sizeLabel(s)}/${sizeLabel(first)}`);
  headers.push("n");
  const rows = inproc.map((r) => {
    const med = (s: number) => r.bySize[String(s)]?.median;
    const row = [r.op, ...sizes.map((s) => (r.bySize[String(s)]?.note ? "ERR" : ms(med(s))))];
    for (const s of sizes.slice(1)) row.push(ratio(med(s), med(first)));
    row.push(sizes.map((s) => String(r.bySize[String(s)]?.n ?? 0)).join("/"));
    return row;
  });
  console.log(table(headers, rows));
  console.log(
    `  medians; n = iterations per size (up to ${ITERS} after warm-up, fewer when one op takes long). ready rows: ${sizes
      .map((s) => `${sizeLabel(s)} ${count(counts.get(s)?.ready ?? 0)}`)
      .join(", ")}.`,
  );
  for (const r of inproc) {
    for (const [s, v] of Object.entries(r.bySize)) if (v.note) console.log(`  ${r.op} on ${s}: ${v.note}`);
  }
}

// ---------------------------------------------------------------- targets and summary

console.log(heading("Targets (informational: a miss never fails the run)"));
const readyRow = inproc.find((r) => r.op === "ready({limit: 100})");
const ready20k = readyRow?.bySize["20000"]?.median;
const readyVerdict = ready20k === undefined ? "n/a" : ready20k < READY_TARGET_MS ? "PASS" : "MISS";
const baseline = processRows[0]?.summary?.median;
const targetRows: string[][] = [
  [
    "store.ready({limit: 100}), 20k, in-process",
    `${ms(ready20k)} ms`,
    `< ${READY_TARGET_MS} ms`,
    "",
    readyVerdict,
  ],
];
for (const r of processRows.slice(1)) {
  if (!r.label.startsWith("bd ") || r.label.includes("[")) continue;
  const m = r.summary?.median;
  const v = r.error
    ? "ERROR"
    : m !== undefined && baseline && m <= PROCESS_TARGET_RATIO * baseline
      ? "PASS"
      : "MISS";
  targetRows.push([
    `${r.label}, ${sizeLabel(PROCESS_SIZE)}, whole process`,
    `${ms(m)} ms`,
    `<= ${ms(baseline === undefined ? undefined : PROCESS_TARGET_RATIO * baseline)} ms`,
    ratio(m, baseline),
    v,
  ]);
}
console.log(table(["target", "median", "limit", "vs node", "verdict"], targetRows));
console.log(
  `  ready: beads' own target is 50 ms, Dolt-backed beads takes ~340 ms. Whole-process limit: ${PROCESS_TARGET_RATIO}x the node -e 0 median (${ms(baseline)} ms).`,
);

const totalMs = nowMs() - started;
const loadEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
const summary = {
  machine,
  options: { runs: RUNS, warmup: WARMUP, iters: ITERS, sizes: SIZES, process_size: PROCESS_SIZE },
  fixtures: [...fixtures.values()].map((f) => ({
    size: f.size,
    key: f.key,
    build_ms: Math.round(f.buildMs),
    cached: f.cached,
    db_bytes: f.dbBytes,
    counts: f.counts,
    samples: f.samples,
  })),
  whole_process: processRows.map((r) => ({
    label: r.label,
    command: r.command,
    ...(r.summary ?? {}),
    ratio_to_node: r.summary && baseline ? r.summary.median / baseline : undefined,
    error: r.error,
    note: r.note,
  })),
  in_process: inproc.map((r) => ({ op: r.op, by_size: r.bySize })),
  targets: {
    ready_20k_ms: ready20k,
    ready_20k_target_ms: READY_TARGET_MS,
    ready_20k: readyVerdict,
    process_ratio_target: PROCESS_TARGET_RATIO,
  },
  loadavg_end: loadEnd,
  total_ms: Math.round(totalMs),
};
writeFileSync(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
rmSync(runDir, { recursive: true, force: true });
console.log(`\n  load at end ${loadEnd.join(" ")}${loadWarning(loadEnd[0]!)}`);
console.log(`  total ${ms(totalMs / 1000)} s; summary written to ${RESULTS}`);
