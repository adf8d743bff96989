// Mutation testing of the modules whose failure loses work or lets text through. Each module
// is mutated by StrykerJS on its own, with only the test files that are about it (a mutant
// costs one run of those files), and the score per module is printed at the end:
//
//   npm run mutate                 every module (a nightly-sized run: about an hour on 2 cores)
//   npm run mutate -- claim jsonl  only those modules
//   npm run mutate -- --list       the modules, their code and their tests
//
// Reports land in reports/mutation/: <module>.json (Stryker's full report), summary.json, and
// <module>.survivors.jsonl, written as each survivor is found.
//
// Stryker's TypeScript support cannot load TypeScript 7, so it runs with the TS preprocessor
// off (tsconfigFile points nowhere) and the command test runner (node --test); coverage
// analysis is off, hence every mutant runs the module's whole test set. Tests that drive
// bin/gt still see the mutant: the test helpers rebuild dist from the instrumented sandbox and
// child processes read the active mutant from the environment.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Stryker } from "@stryker-mutator/core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const GOAL = 80;

/**
 * Code to mutate: a whole file, or only the named functions/methods in it, or regions: from
 * the first line containing `from` to the next line containing `to` (both included).
 */
interface Target {
  file: string;
  functions?: string[];
  regions?: Array<{ from: string; to: string }>;
}

interface Module {
  name: string;
  what: string;
  targets: Target[];
  tests: string[];
}

export const MODULES: Module[] = [
  {
    name: "sanitise",
    what: "nudge and terminal text sanitising",
    targets: [{ file: "src/terminal-text.ts" }],
    tests: ["test/terminal-text.test.ts"],
  },
  {
    name: "sling",
    what: "sling's compare-and-swap hook and the polecat name pool",
    targets: [
      {
        file: "src/work/sling.ts",
        functions: [
          "checkSlingable",
          "holderIsDead",
          "holderOf",
          "clearPolecatHook",
          "hookOne",
          "releaseHook",
        ],
      },
      { file: "src/town/namepool.ts", functions: ["chooseTheme", "allocateName"] },
    ],
    tests: ["test/work/sling.test.ts", "test/work/sling-guards.test.ts", "test/town/naming.test.ts"],
  },
  {
    name: "claim",
    what: "bd's claim (compare-and-swap to in_progress)",
    targets: [{ file: "src/ledger/sqlite/store.ts", functions: ["claimIssue"] }],
    tests: ["test/ledger/sqlite.test.ts", "test/ledger/concurrency.test.ts"],
  },
  {
    name: "refinery",
    what: "the refinery's landing and bisection",
    targets: [
      {
        file: "src/refinery/engine.ts",
        functions: ["buildStack", "land", "advanceLocalBranch", "processTarget"],
      },
    ],
    // Crash recovery (recover) has its own slow kill tests (test/refinery/crash.test.ts): not here.
    tests: ["test/refinery/queue.test.ts"],
  },
  {
    name: "done",
    what: "gt done: push before the merge request",
    targets: [
      {
        file: "src/work/done.ts",
        functions: ["assertPushable", "pushBranch", "dropPushedBranch", "autoSave"],
        // finishWork from the retry check through the push and the merge request.
        regions: [{ from: "// Done already:", to: '} else if (status === "ESCALATED") {' }],
      },
    ],
    // The kill tests of gt done (test/work/done-crash.test.ts) are too slow to run per mutant.
    tests: ["test/work/done.test.ts"],
  },
  {
    name: "jsonl",
    what: "JSONL export and import",
    targets: [{ file: "src/ledger/jsonl.ts" }, { file: "src/ledger/sqlite/export.ts" }],
    tests: [
      "test/ledger/jsonl.test.ts",
      "test/ledger/export-parts.test.ts",
      "test/ledger/export.test.ts",
      "test/ledger/sqlite.test.ts",
    ],
  },
];

/**
 * Line range of a top-level function or a class method: from its declaration line to the
 * first later line holding only its closing brace at the same indentation.
 */
export function functionRange(text: string, name: string): [number, number] {
  const lines = text.split("\n");
  const decl = new RegExp(`^(\\s*)(?:export\\s+)?(?:async\\s+)?(?:function\\*?\\s+)?${name}\\s*[(<]`);
  for (let i = 0; i < lines.length; i++) {
    const m = decl.exec(lines[i] ?? "");
    if (!m) continue;
    const close = `${m[1]}}`;
    for (let j = i + 1; j < lines.length; j++) if (lines[j] === close) return [i + 1, j + 1];
  }
  throw new Error(`function ${name} not found`);
}

/** Line range from the first line holding `from` to the next one holding `to`. */
export function regionRange(text: string, from: string, to: string): [number, number] {
  const lines = text.split("\n");
  const a = lines.findIndex((l) => l.includes(from));
  const b = a < 0 ? -1 : lines.findIndex((l, i) => i > a && l.includes(to));
  if (b < 0) throw new Error(`region ${from} … ${to} not found`);
  return [a + 1, b + 1];
}

/** Stryker `mutate` entries: files, or `file:start-end` line ranges for functions and regions. */
export function mutateSpecs(targets: Target[], root = ROOT): string[] {
  return targets.flatMap((t) => {
    if (!t.functions && !t.regions) return [t.file];
    const text = readFileSync(join(root, t.file), "utf8");
    const range = (what: string, find: () => [number, number]) => {
      try {
        const [a, b] = find();
        return `${t.file}:${a}-${b}`;
      } catch {
        throw new Error(`mutate: ${t.file} has no ${what}; update scripts/mutate.ts`);
      }
    };
    return [
      ...(t.functions ?? []).map((f) => range(`function ${f}`, () => functionRange(text, f))),
      ...(t.regions ?? []).map((r) => range(`region ${r.from}`, () => regionRange(text, r.from, r.to))),
    ];
  });
}

interface Score {
  module: string;
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  other: number;
  score: number;
  seconds: number;
}

async function runModule(m: Module): Promise<{ score: Score; survivors: string[] }> {
  const started = Date.now();
  const reportFile = join(ROOT, "reports", "mutation", `${m.name}.json`);
  // Survivors as they are found (the JSON report only comes at the end of the run).
  process.env.MUTATE_STREAM_FILE = join(ROOT, "reports", "mutation", `${m.name}.survivors.jsonl`);
  writeFileSync(process.env.MUTATE_STREAM_FILE, "");
  const stryker = new Stryker({
    testRunner: "command",
    commandRunner: { command: `node --test --test-concurrency=1 ${m.tests.join(" ")}` },
    coverageAnalysis: "off",
    // Stryker's TypeScript preprocessor cannot load TypeScript 7: a missing tsconfig turns it off.
    tsconfigFile: "tsconfig.stryker-none.json",
    mutate: mutateSpecs(m.targets),
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
    timeoutMS: 60_000,
    timeoutFactor: 2,
    reporters: ["clear-text", "json", "progress-append-only", "stream-survivors"],
    jsonReporter: { fileName: reportFile },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // One temp dir per module, so modules can be run side by side.
    tempDirName: `.stryker-tmp/${m.name}`,
    cleanTempDir: true,
    // No dist in the sandbox: the test helpers then build it from the instrumented sources,
    // so what bin/gt runs carries the mutants too.
    ignorePatterns: ["dist", ".cache", "bench/.cache", "reports", ".stryker-tmp", "tmp"],
    plugins: [join(ROOT, "scripts", "mutate-stream-reporter.ts")],
    incremental: false,
  });
  const results = await stryker.runMutationTest();
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived") + count("NoCoverage");
  const valid = killed + timeout + survived;
  const survivors = results
    .filter((r) => r.status === "Survived" || r.status === "NoCoverage")
    .map(
      (r) =>
        `${r.fileName.replace(`${ROOT}/`, "")}:${r.location.start.line} ${r.mutatorName}: ${r.replacement ?? ""}`,
    );
  return {
    score: {
      module: m.name,
      mutants: results.length,
      killed,
      timeout,
      survived,
      other: results.length - valid,
      score: valid ? (100 * (killed + timeout)) / valid : 100,
      seconds: Math.round((Date.now() - started) / 1000),
    },
    survivors,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const m of MODULES)
      console.log(
        `${m.name}: ${m.what}\n  code:  ${mutateSpecs(m.targets).join(" ")}\n  tests: ${m.tests.join(" ")}`,
      );
    return;
  }
  const unknown = args.filter((a) => !MODULES.some((m) => m.name === a));
  if (unknown.length) {
    console.error(
      `mutate: unknown module ${unknown.join(", ")} (known: ${MODULES.map((m) => m.name).join(", ")})`,
    );
    process.exit(2);
  }
  const chosen = args.length ? MODULES.filter((m) => args.includes(m.name)) : MODULES;
  for (const m of chosen)
    for (const t of m.tests)
      if (!existsSync(join(ROOT, t))) throw new Error(`mutate: test file ${t} of ${m.name} is missing`);
  mkdirSync(join(ROOT, "reports", "mutation"), { recursive: true });
  const scores: Score[] = [];
  const survivorLines: string[] = [];
  for (const m of chosen) {
    console.log(`\n== ${m.name}: ${m.what}`);
    const { score, survivors } = await runModule(m);
    scores.push(score);
    survivorLines.push(...survivors.map((s) => `${m.name}  ${s}`));
  }
  const summary = [
    "",
    "module     mutants  killed  timeout  survived  score   time",
    ...scores.map(
      (s) =>
        `${s.module.padEnd(10)} ${String(s.mutants).padStart(7)} ${String(s.killed).padStart(7)} ${String(s.timeout).padStart(8)} ${String(s.survived).padStart(9)}  ${s.score.toFixed(1).padStart(5)}%  ${s.seconds} s${s.score < GOAL ? `  (below ${GOAL}%)` : ""}`,
    ),
  ];
  console.log(summary.join("\n"));
  if (survivorLines.length) console.log(`\nsurvivors:\n${survivorLines.map((l) => `  ${l}`).join("\n")}`);
  writeFileSync(
    join(ROOT, "reports", "mutation", "summary.json"),
    `${JSON.stringify({ scores, survivors: survivorLines }, null, 2)}\n`,
  );
  if (scores.some((s) => s.score < GOAL)) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
