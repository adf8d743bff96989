// `npm run bench` (part): how long `gt` takes on the agents' hot paths, as whole processes
// through bin/gt, against bare `node -e 0` measured in the same rounds (issue 22). The town:
// 3 rigs with 10 polecats each (one batch sling per rig, --no-start: every polecat has a
// worktree and a hooked bead, no sessions), one mail waiting for the polecat the commands
// run as. The hot-path commands run in that polecat's worktree with GT_ROLE set, as its
// hooks would; `gt status --json` runs at the town's root. `gt done` is timed to its first
// decision (an unknown --status: everything loaded and parsed, nothing done).
// Goals: within 1.5x of `node -e 0` for the hooks, 2x for `gt status --json`. bd's hot commands
// run through bin/bd in the same worktree (its rig's ledger, 10 beads), against the same
// baseline (issue 17's goals: reads within 1.5x, `bd version` within 1.2x).
// Options: --rounds N (15), --rigs N (3), --polecats N per rig (10), --keep (leave the town),
// --vs PATH (also time another gt launcher, e.g. an older build's bin/gt, in the same rounds).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { buildAgentEnv } from "../src/town/identity.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";
import { BD, GT, NODE, scratchTown } from "./scratch-town.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "15" },
    rigs: { type: "string", default: "3" },
    polecats: { type: "string", default: "10" },
    keep: { type: "boolean", default: false },
    vs: { type: "string" },
  },
});
const ROUNDS = Number(args.rounds);
const RIGS = Number(args.rigs);
const POLECATS = Number(args.polecats);

console.log(heading("gt and bd start-up on the hot paths"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(2)}, node ${process.versions.node}`,
);
console.log(`  plan     ${RIGS} rigs x ${POLECATS} polecats, ${ROUNDS} rounds (commands interleaved)`);

const setup0 = nowMs();
const st = scratchTown("startup");
process.on("exit", () => {
  if (!args.keep) st.cleanup();
});
let polecat = { rig: "", name: "", dir: "" };
let bead = "";
for (let r = 0; r < RIGS; r++) {
  const rig = `rig${r}`;
  const rigDir = st.addRig(rig, { files: 5 });
  const beads = Array.from({ length: POLECATS }, (_, i) =>
    st.sh(BD, ["create", `${rig} task ${i}`, "-d", "Work on it.", "--silent"], rigDir),
  );
  const slung = JSON.parse(st.sh(GT, ["sling", ...beads, rig, "--no-start", "--no-convoy", "--json"])) as {
    outcomes: Array<{ bead: string; polecat: string }>;
  };
  if (r === 0) {
    bead = beads[0]!;
    const name = slung.outcomes[0]!.polecat;
    polecat = { rig, name, dir: "" };
  }
}
const role = `${polecat.rig}/polecats/${polecat.name}`;
const listed = JSON.parse(st.sh(GT, ["polecat", "list", polecat.rig, "--json"])) as Array<{
  name: string;
  work_dir: string;
}>;
polecat.dir = listed.find((p) => p.name === polecat.name)!.work_dir;
st.sh(GT, ["mail", "send", role, "-s", "hello", "-m", "a word from the bench"]);
console.log(`  fixture  built in ${ms(nowMs() - setup0)} ms; commands run as ${role}`);
if (args.keep) console.log(`  town     ${st.town} (kept; polecat worktree ${polecat.dir})`);

// The environment a polecat's session really has (src/sessions/session.ts builds it the same
// way): GT_SESSION, BD_ACTOR, BEADS_DIR … let the hot paths skip lookups the shell would not.
const rigsJson = JSON.parse(readFileSync(join(st.town, "mayor", "rigs.json"), "utf8")) as {
  rigs: Record<string, { beads: { prefix: string } }>;
};
const agentEnv = {
  ...st.env,
  ...buildAgentEnv({
    townRoot: st.town,
    id: { role: "polecat", rig: polecat.rig, name: polecat.name },
    rigPrefix: rigsJson.rigs[polecat.rig]!.beads.prefix,
    agentName: "script",
    processNames: ["node"],
    runId: "bench-run",
    beadsDir: join(st.town, polecat.rig, ".beads"),
    binDir: dirname(GT),
    basePath: st.env.PATH,
  }),
};
interface Probe {
  label: string;
  cmd: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  goal?: number;
}
const agent = { cwd: polecat.dir, env: agentEnv };
const COMMANDS: Array<Omit<Probe, "cmd" | "cwd" | "env"> & { cwd: string; env: NodeJS.ProcessEnv }> = [
  { label: "gt --version", argv: ["--version"], ...agent },
  { label: "gt mail check --inject", argv: ["mail", "check", "--inject"], ...agent, goal: 1.5 },
  { label: "gt prime --hook", argv: ["prime", "--hook"], ...agent, goal: 1.5 },
  { label: "gt hook show", argv: ["hook", "show"], ...agent, goal: 1.5 },
  {
    label: "gt done (to its first decision)",
    argv: ["done", "--status", "bench-unknown"],
    ...agent,
    goal: 1.5,
  },
  { label: "gt status --json (town root)", argv: ["status", "--json"], cwd: st.town, env: st.env, goal: 2 },
];
const BD_COMMANDS: typeof COMMANDS = [
  { label: "bd version", argv: ["version"], ...agent, goal: 1.2 },
  { label: "bd show <id> --json", argv: ["show", bead, "--json"], ...agent, goal: 1.5 },
  { label: "bd list --json", argv: ["list", "--json"], ...agent, goal: 1.5 },
  { label: "bd ready --json", argv: ["ready", "--json"], ...agent, goal: 1.5 },
  { label: "bd prime", argv: ["prime"], ...agent, goal: 1.5 },
];
const probes: Probe[] = [
  { label: "baseline: node -e 0", cmd: NODE, argv: ["-e", "0"], ...agent },
  ...COMMANDS.map((c) => ({ ...c, cmd: GT })),
  ...BD_COMMANDS.map((c) => ({ ...c, cmd: BD })),
  // --vs: the same commands through another launcher, in the same rounds.
  ...(args.vs
    ? COMMANDS.map((c) => ({ ...c, label: `${c.label} [--vs]`, cmd: args.vs!, goal: undefined }))
    : []),
];
if (args.vs) console.log(`  --vs     ${args.vs}`);

function time(p: Probe): number {
  const t0 = nowMs();
  try {
    execFileSync(p.cmd, p.argv, { cwd: p.cwd, env: p.env, stdio: ["ignore", "ignore", "ignore"] });
  } catch (e) {
    // `gt done --status bench-unknown` exits non-zero on purpose; anything else is a failure.
    if (!p.argv.includes("bench-unknown")) throw e;
  }
  return nowMs() - t0;
}

for (const p of probes) time(p); // warm-up: the compile cache, the page cache
const samples = probes.map(() => [] as number[]);
for (let r = 0; r < ROUNDS; r++) for (const [i, p] of probes.entries()) samples[i]!.push(time(p));
const sums = samples.map(summarize);
const base = sums[0]!.median;
// Each round's ratio to that round's `node -e 0`: steadier than a ratio of medians when the
// machine's speed drifts during the run.
const roundRatio = (i: number) => summarize(samples[i]!.map((v, r) => v / samples[0]![r]!)).median;

console.log(heading("Results (whole processes through bin/gt and bin/bd, wall time in ms)"));
console.log(
  table(
    ["command", "median", "min", "p90", "vs node -e 0", "per round", "goal"],
    probes.map((p, i) => [
      p.label,
      ms(sums[i]!.median),
      ms(sums[i]!.min),
      ms(sums[i]!.p90),
      ratio(sums[i]!.median, base),
      i === 0 ? "" : `${roundRatio(i).toFixed(2)}x`,
      p.goal ? `${p.goal}x${roundRatio(i) <= p.goal ? " met" : ""}` : "",
    ]),
  ),
);
console.log(`  load at the end ${os.loadavg()[0]!.toFixed(2)} (the machine is shared: read the ratios)`);
