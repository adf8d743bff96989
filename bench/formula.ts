// `node bench/formula.ts`: how long cooking formulas takes.
//   1. in process: every built-in formula loaded and cooked, the whole set in one pass (a
//      fresh library each pass, so every file is read and parsed again); the first pass of
//      the process (cold) and the median of the next ones. Goal: under 200 ms.
//   2. whole processes: `bd cook` of a generated 1,025-step formula (towers of Hanoi, 10
//      disks: a chain of 1,023 moves between two checks) through bin/bd, compile and runtime
//      mode, against `node -e 0` and `bd version` measured in the same rounds.
//   3. pouring: `bd mol pour` of the same 1,025-step formula into a fresh ledger (goal: under
//      1 s, about 25x node -e 0) and `bd ready --mol` on the molecule (goal: under 2x).
// Options: --runs N (whole-process runs, default 9).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cookFormula } from "../src/formulas/cook.ts";
import { FormulaLibrary } from "../src/formulas/library.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BD = join(ROOT, "bin", "bd");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const BUILTIN = join(ROOT, "formulas");
const IN_PROCESS_GOAL_MS = 200;

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "9" } } });
const RUNS = Number(args.runs);

/** A towers-of-Hanoi formula: setup, 2^disks - 1 moves, verify, each needing the one before. */
export function hanoiFormula(disks: number): { text: string; steps: number } {
  const moves: string[] = [];
  const solve = (n: number, from: string, to: string, via: string) => {
    if (n === 0) return;
    solve(n - 1, from, via, to);
    moves.push(`Move disk ${n} from ${from} to ${to}`);
    solve(n - 1, via, to, from);
  };
  solve(disks, "A", "C", "B");
  const lines = [
    `formula = "bench-hanoi-${disks}"`,
    `description = "Generated for the benchmark: {{who}} moves ${disks} disks."`,
    `[vars]\nwho = "the bench"`,
    `[[steps]]\nid = "setup"\ntitle = "Check the start"\ndescription = "\`\`\`sh\\ntrue\\n\`\`\`"`,
  ];
  let previous = "setup";
  moves.forEach((title, i) => {
    lines.push(`[[steps]]\nid = "move-${i + 1}"\ntitle = "${title}"\nneeds = ["${previous}"]`);
    previous = `move-${i + 1}`;
  });
  lines.push(`[[steps]]\nid = "verify"\ntitle = "Check the end"\nneeds = ["${previous}"]`);
  return { text: `${lines.join("\n\n")}\n`, steps: moves.length + 2 };
}

console.log(heading("formula benchmark"));
console.log(`  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, node ${process.version}`);
console.log(
  `  load     ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} (1/5/15 min)`,
);

// ---------------------------------------------------------------- 1. in process

function cookAllBuiltins(): { formulas: number; steps: number } {
  const lib = new FormulaLibrary([BUILTIN]);
  let steps = 0;
  const listed = lib.list();
  for (const item of listed) steps += cookFormula(lib, item.name, ROOT).step_count;
  return { formulas: listed.length, steps };
}

let t = nowMs();
const first = cookAllBuiltins();
const cold = nowMs() - t;
const warm: number[] = [];
for (let i = 0; i < 15; i++) {
  t = nowMs();
  cookAllBuiltins();
  warm.push(nowMs() - t);
}
const warmMedian = summarize(warm).median;
console.log(
  `\n  In process: every built-in formula (${first.formulas} formulas, ${first.steps} steps cooked) read, parsed and cooked`,
);
console.log(
  table(
    ["pass", "ms", `goal < ${IN_PROCESS_GOAL_MS} ms`],
    [
      ["first in the process (cold)", ms(cold), cold < IN_PROCESS_GOAL_MS ? "met" : "MISSED"],
      ["median of 15 more", ms(warmMedian), warmMedian < IN_PROCESS_GOAL_MS ? "met" : "MISSED"],
    ],
  ),
);

// ---------------------------------------------------------------- 2. whole processes

const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-formula-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const hanoi = hanoiFormula(10);
const file = join(dir, "bench-hanoi-10.formula.toml");
writeFileSync(file, hanoi.text);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: join(dir, "home"),
  BEADS_DIR: "",
  GT_TOWN_ROOT: "",
  GT_ROOT: "",
};
delete env.NODE_OPTIONS;

interface Job {
  label: string;
  file: string;
  args: string[];
  samples: number[];
}
const jobs: Job[] = [
  { label: "node -e 0 (baseline)", file: NODE, args: ["-e", "0"], samples: [] },
  { label: "bd version (baseline)", file: BD, args: ["version"], samples: [] },
  {
    label: `bd cook <${hanoi.steps}-step file> --json`,
    file: BD,
    args: ["cook", file, "--json"],
    samples: [],
  },
  {
    label: `bd cook <${hanoi.steps}-step file> --var who=me --json (runtime)`,
    file: BD,
    args: ["cook", file, "--var", "who=me", "--json"],
    samples: [],
  },
  {
    label: "bd cook towers-of-hanoi-10 (built-in)",
    file: BD,
    args: ["cook", "towers-of-hanoi-10"],
    samples: [],
  },
];
// Check once that the cook is right before timing it.
const check = spawnSync(BD, ["cook", file, "--json"], {
  cwd: dir,
  env,
  encoding: "utf8",
  maxBuffer: 1 << 28,
});
if (check.status !== 0) throw new Error(`bd cook failed: ${check.stderr}`);
const cooked = JSON.parse(check.stdout) as { step_count: number };
if (cooked.step_count !== hanoi.steps)
  throw new Error(`cooked ${cooked.step_count} steps, expected ${hanoi.steps}`);

for (let round = -1; round < RUNS; round++) {
  // Round-robin, so a slow moment of the machine lands on every job alike; round -1 warms up.
  for (const job of jobs) {
    const start = nowMs();
    const r = spawnSync(job.file, job.args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
    const took = nowMs() - start;
    if (r.status !== 0) throw new Error(`${job.label} failed: ${r.stderr}`);
    if (round >= 0) job.samples.push(took);
  }
}
const base = summarize(jobs[0]!.samples).median;
console.log(`\n  Whole processes: median of ${RUNS} runs after 1 warm-up, round-robin`);
console.log(
  table(
    ["command", "median ms", "p90 ms", "vs node -e 0"],
    jobs.map((j) => {
      const s = summarize(j.samples);
      return [j.label, ms(s.median), ms(s.p90), ratio(s.median, base)];
    }),
  ),
);

// ---------------------------------------------------------------- 3. pouring

// An empty ledger made once and copied before each pour (the copy is not timed), so every
// pour writes into the same fresh ledger.
const emptyLedger = join(dir, "empty");
mkdirSync(emptyLedger);
const made = spawnSync(BD, ["init", "--prefix", "bench", "--quiet"], {
  cwd: emptyLedger,
  env,
  encoding: "utf8",
});
if (made.status !== 0) throw new Error(`bd init failed: ${made.stderr}`);
const pourJobs: Job[] = [
  { label: "node -e 0 (baseline)", file: NODE, args: ["-e", "0"], samples: [] },
  {
    label: `bd mol pour <${hanoi.steps}-step file> (fresh ledger)`,
    file: BD,
    args: ["mol", "pour", file, "--json"],
    samples: [],
  },
  { label: "bd ready --mol <its root> --json", file: BD, args: [], samples: [] },
];
for (let round = -1; round < RUNS; round++) {
  const ledger = join(dir, `pour-${round + 1}`);
  cpSync(emptyLedger, ledger, { recursive: true });
  let root = "";
  for (const job of pourJobs) {
    const args = job.args.length > 0 ? job.args : ["ready", "--mol", root, "--json"];
    const start = nowMs();
    const r = spawnSync(job.file, args, { cwd: ledger, env, encoding: "utf8", maxBuffer: 1 << 26 });
    const took = nowMs() - start;
    if (r.status !== 0) throw new Error(`${job.label} failed: ${r.stderr}`);
    if (job.args[1] === "pour") {
      const poured = JSON.parse(r.stdout) as { root_id: string; created: number };
      if (poured.created !== hanoi.steps + 1) throw new Error(`poured ${poured.created} beads`);
      root = poured.root_id;
    }
    if (round >= 0) job.samples.push(took);
  }
  rmSync(ledger, { recursive: true, force: true });
}
const pourBase = summarize(pourJobs[0]!.samples).median;
console.log(`\n  Pouring: median of ${RUNS} runs after 1 warm-up, each into a fresh copy of an empty ledger`);
console.log(
  table(
    ["command", "median ms", "p90 ms", "vs node -e 0", "goal"],
    pourJobs.map((j, i) => {
      const s = summarize(j.samples);
      const goal =
        i === 1
          ? s.median < 1000
            ? "< 1 s: met"
            : "< 1 s: MISSED"
          : i === 2
            ? s.median < 2 * pourBase
              ? "< 2x: met"
              : "< 2x: MISSED"
            : "";
      return [j.label, ms(s.median), ms(s.p90), ratio(s.median, pourBase), goal];
    }),
  ),
);
