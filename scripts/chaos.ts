// `npm run chaos` (node scripts/chaos.ts --rounds N --seed S [--keep] [--only R] [--kinds a,b]
// [--ref COMMIT]):
// proves no work is lost under kill -9. Each round builds a town with two rigs, slings a
// ten-bead convoy at them with the script agent, kills one kind of process with SIGKILL at a
// random moment, recovers as a user would, and checks the invariants (see scripts/chaos/).
// Prints the figures and exits non-zero on any violation.
import { parseArgs } from "node:util";
import { testProgramsOf } from "./chaos/exec.ts";
import { KILL_KINDS, type KillKind } from "./chaos/killer.ts";
import { formatReport, runChaos, totalViolations } from "./chaos/run.ts";
import { snapshotOf } from "./chaos/snapshot.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "100" },
    seed: { type: "string" },
    keep: { type: "boolean", default: false },
    "keep-all": { type: "boolean", default: false },
    only: { type: "string" },
    kinds: { type: "string" },
    "budget-s": { type: "string", default: "75" },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
    "stray-rate": { type: "string", default: "0.35" },
    ref: { type: "string" },
  },
});

// --ref <commit>: test that commit (a built snapshot), not this working tree.
if (values.ref) {
  const dir = snapshotOf(values.ref, (l) => console.log(l));
  testProgramsOf(dir);
  console.log(`chaos: testing ${values.ref} from ${dir}`);
}

const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 1e9);
const kinds = values.kinds ? (values.kinds.split(",") as KillKind[]) : undefined;
for (const k of kinds ?? [])
  if (!KILL_KINDS.includes(k)) throw new Error(`unknown kind ${k} (${KILL_KINDS.join(", ")})`);

console.log(
  `chaos: ${values.only !== undefined ? `round ${values.only}` : `${values.rounds} rounds`}, seed ${seed}${values.keep ? ", keeping failing towns" : ""}`,
);
const report = await runChaos({
  rounds: Number(values.rounds),
  seed,
  keep: values["keep-all"] ? "all" : values.keep,
  only: values.only !== undefined ? Number(values.only) : undefined,
  kinds,
  budgetMs: Number(values["budget-s"]) * 1000,
  verbose: values.verbose,
  strayRate: Number(values["stray-rate"]),
  log: (line) => console.log(line),
});
if (values.json) {
  const { results: _r, ...rest } = report;
  console.log(JSON.stringify(rest, null, 2));
} else console.log(formatReport(report));
process.exitCode = totalViolations(report) === 0 ? 0 : 1;
