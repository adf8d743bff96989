// `npm run bench` (part): the ledger's two backends side by side (issue 18). The 20,000-bead
// fixture of bench/run.ts, as its SQLite file and copied into a throwaway PostgreSQL server
// (Debian's binaries, as the tests start it), then:
//   1. whole `bd` processes through bin/bd on each — ready, list, show, create, claim — against
//      bare `node -e 0` in the same rounds;
//   2. 50 concurrent writers, half from each of two "towns" (two directories whose
//      metadata.json name the same PostgreSQL schema; for SQLite, one ledger directory, which
//      is all that backend can share): beads per second, every bead stored once, no error.
// A benchmark, not a test: figures are printed, a missed expectation never fails the exit.
// Options: --runs N (9), --writers N (50).
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BEADS_DIRNAME, initPostgresLedger } from "../src/ledger/discovery.ts";
import { PostgresLedger } from "../src/ledger/postgres/store.ts";
import { SqliteLedger } from "../src/ledger/sqlite/store.ts";
import { startPostgres } from "../test/helpers/postgres.ts";
import { ensureFixture, PREFIX } from "./fixture.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const CACHE = join(ROOT, "bench", ".cache");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const BD = join(ROOT, "bin", "bd");

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    writers: { type: "string", default: "50" },
  },
});
const RUNS = Number(args.runs);
const WRITERS = Number(args.writers);

console.log(heading("ledger backends: SQLite beside PostgreSQL"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(2)}, node ${process.versions.node}`,
);

const work = mkdtempSync(join(os.tmpdir(), "bench-backends-"));
const pg = await startPostgres();
process.on("exit", () => {
  pg.stop();
  rmSync(work, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the two ledgers
const t0 = nowMs();
const fixture = await ensureFixture(CACHE, 20_000);
const sqliteDir = join(work, "sqlite");
mkdirSync(sqliteDir);
cpSync(join(fixture.dir, BEADS_DIRNAME), join(sqliteDir, BEADS_DIRNAME), { recursive: true });

let pgVersion = "?";
const pgDir = join(work, "town-a");
await initPostgresLedger(pgDir, { prefix: PREFIX, dsn: pg.dsn, schema: "bench", version: "bench" });
{
  const source = SqliteLedger.open({ path: fixture.dbPath, jsonlPath: undefined, readOnly: true });
  const target = await PostgresLedger.open({ dsn: pg.dsn, schema: "bench" });
  try {
    const issues = await source.exportIssues({
      includeEphemeral: true,
      includeInfra: true,
      includeTemplates: true,
    });
    await target.importIssues(issues, "bench");
    pgVersion = String((await target.query("select current_setting('server_version') as v"))[0]?.v ?? "?");
  } finally {
    await source.close();
    await target.close();
  }
}
// The second "town": another directory naming the same schema (another machine's checkout).
const pgDirB = join(work, "town-b");
mkdirSync(join(pgDirB, BEADS_DIRNAME), { recursive: true });
cpSync(join(pgDir, BEADS_DIRNAME, "metadata.json"), join(pgDirB, BEADS_DIRNAME, "metadata.json"));
console.log(
  `  set-up   the 20k fixture in both backends in ${ms(nowMs() - t0)} ms (PostgreSQL ${pgVersion})`,
);

const env: NodeJS.ProcessEnv = { ...process.env, BD_ACTOR: "bench" };
for (const k of ["BEADS_DIR", "BEADS_DSN", "NODE_OPTIONS", "CLAUDECODE", "GT_ROLE"]) delete env[k];

function bd(cwd: string, argv: string[]): { ms: number; out: string; ok: boolean; err: string } {
  const start = nowMs();
  const r = spawnSync(BD, argv, { cwd, env, encoding: "utf8" });
  return { ms: nowMs() - start, out: r.stdout, ok: r.status === 0, err: r.stderr.trim() };
}

const sampleId = (dir: string): string => {
  const r = bd(dir, ["ready", "--json", "--limit", "1"]);
  if (!r.ok) throw new Error(`bd ready failed in ${dir}: ${r.err}`);
  return (JSON.parse(r.out) as Array<{ id: string }>)[0]!.id;
};
const showId = { sqlite: sampleId(sqliteDir), postgres: sampleId(pgDir) };

// ------------------------------------------------------------------ 1. whole processes
type Backend = "sqlite" | "postgres";
const dirs: Record<Backend, string> = { sqlite: sqliteDir, postgres: pgDir };
const commands: Array<{ label: string; argv: (b: Backend, round: number) => string[] }> = [
  { label: "bd ready --json", argv: () => ["ready", "--json"] },
  { label: "bd list --json", argv: () => ["list", "--json"] },
  { label: "bd show <id>", argv: (b) => ["show", showId[b]] },
  { label: "bd create", argv: (_b, i) => ["create", `bench bead ${i}`, "-p", "2", "--silent"] },
  {
    label: "bd update --claim",
    argv: (b, i) => ["update", claimTargets[b][i]!, "--claim"],
  },
];
// Each round claims a fresh bead (a claim of a claimed bead is refused, not timed).
const claimTargets: Record<Backend, string[]> = { sqlite: [], postgres: [] };
for (const b of ["sqlite", "postgres"] as const) {
  const r = bd(dirs[b], ["ready", "--json", "--limit", String(RUNS + 2), "--unassigned"]);
  if (!r.ok) throw new Error(`bd ready failed: ${r.err}`);
  claimTargets[b] = (JSON.parse(r.out) as Array<{ id: string }>).map((i) => i.id).slice(-RUNS - 1);
}

const samples = new Map<string, number[]>();
const failures = new Map<string, string>();
const add = (key: string, v: number) => samples.set(key, [...(samples.get(key) ?? []), v]);
for (let round = 0; round <= RUNS; round++) {
  const warm = round === 0;
  const base = nowMs();
  spawnSync(NODE, ["-e", "0"]);
  if (!warm) add("node -e 0", nowMs() - base);
  for (const c of commands) {
    for (const b of ["sqlite", "postgres"] as const) {
      const r = bd(dirs[b], c.argv(b, round));
      if (!r.ok) failures.set(`${c.label} ${b}`, r.err.split("\n")[0] ?? "");
      else if (!warm) add(`${c.label} ${b}`, r.ms);
    }
  }
}
const baseline = summarize(samples.get("node -e 0") ?? []).median;
console.log(heading(`1. Whole bd processes on 20k beads (median of ${RUNS}, through bin/bd)`));
console.log(`  node -e 0: ${ms(baseline)} ms`);
console.log(
  table(
    ["command", "SQLite ms", "x node", "PostgreSQL ms", "x node"],
    commands.map((c) => {
      const s = summarize(samples.get(`${c.label} sqlite`) ?? []).median;
      const p = summarize(samples.get(`${c.label} postgres`) ?? []).median;
      return [c.label, ms(s), ratio(s, baseline), ms(p), ratio(p, baseline)];
    }),
  ),
);
for (const [k, v] of failures) console.log(`  FAILED ${k}: ${v}`);

// ------------------------------------------------------------------ 2. concurrent writers
async function writers(backend: Backend): Promise<{ ms: number; stored: number; errors: string[] }> {
  const from = backend === "postgres" ? [pgDir, pgDirB] : [sqliteDir];
  const tag = `${backend}-${process.pid}`;
  const start = nowMs();
  const results = await Promise.all(
    Array.from(
      { length: WRITERS },
      (_, i) =>
        new Promise<{ ok: boolean; err: string }>((done) => {
          const p = spawn(BD, ["create", `writer ${tag} ${i}`, "-l", `w-${tag}`, "--silent"], {
            cwd: from[i % from.length],
            env,
          });
          let err = "";
          p.stderr.on("data", (d: Buffer) => {
            err += d.toString();
          });
          p.on("close", (code) => done({ ok: code === 0, err: err.trim() }));
        }),
    ),
  );
  const elapsed = nowMs() - start;
  const listed = bd(from[0]!, ["list", "--json", "--label", `w-${tag}`, "--limit", "0"]);
  const ids = listed.ok ? (JSON.parse(listed.out) as Array<{ id: string }>).map((i) => i.id) : [];
  return {
    ms: elapsed,
    stored: new Set(ids).size,
    errors: results.filter((r) => !r.ok).map((r) => r.err.split("\n")[0] ?? ""),
  };
}
console.log(heading(`2. ${WRITERS} concurrent bd create processes`));
const rows: string[][] = [];
for (const b of ["sqlite", "postgres"] as const) {
  const r = await writers(b);
  rows.push([
    b === "postgres" ? "PostgreSQL (two towns)" : "SQLite (one ledger)",
    ms(r.ms),
    (WRITERS / (r.ms / 1000)).toFixed(1),
    `${r.stored}/${WRITERS}`,
    String(r.errors.length),
  ]);
  for (const e of r.errors.slice(0, 3)) console.log(`  error (${b}): ${e}`);
}
console.log(table(["backend", "wall ms", "beads/s", "stored", "errors"], rows));
