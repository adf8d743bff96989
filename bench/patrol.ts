// `node bench/patrol.ts`: how long the witness patrol takes on a rig of 50 polecats. In a
// throwaway town (real git worktrees, real ledger records, the town's runtime: tmux on a
// private socket, or subprocess when tmux is missing) 50 polecats are made by one batch
// sling; most are then unslung (idle, sandbox kept: the patrol checks each sandbox for
// unsaved work) and a few run the script agent on their hook. It times `gt patrol scan
// --json` (report only, the whole process), the scan in process (runPatrol), and as the
// baseline in the same run `gt status --json` on the same town and `node -e 0`.
// Options: --polecats N (50), --sessions N (5), --runs N (7).
// patrolBenchTown() is the fixture alone, for another benchmark to time scans with.
import { rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createProvider } from "../src/runtime/index.ts";
import { Town } from "../src/town/workspace.ts";
import { runPatrol } from "../src/watch/patrol.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";
import { BD, GT, NODE, scratchTown } from "./scratch-town.ts";

export interface PatrolBench {
  town: string;
  rig: string;
  env: NodeJS.ProcessEnv;
  /** Runs a command of the town's (gt, bd, node) and returns its wall time in ms. */
  time(cmd: string, args: string[]): number;
  /** One report-only patrol of the rig in this process; its wall time in ms and findings. */
  scanInProcess(): Promise<{ ms: number; findings: number; polecats: number }>;
  /** Forgets what earlier patrols kept (screens, sandbox answers): the next scan is a cold one. */
  forgetPatrolState(): void;
  cleanup(): void;
}

/**
 * A town whose rig "proj" has `polecats` polecats with sandboxes: `sessions` of them working
 * on a hooked bead in a live script-agent session, the rest idle.
 */
export async function patrolBenchTown(opts: { polecats: number; sessions: number }): Promise<PatrolBench> {
  const st = scratchTown("patrol");
  const { town, env, sh } = st;
  try {
    const rigDir = st.addRig("proj", { files: 40 });
    const task = "Keep busy until the benchmark ends.\n\n```sh\nsleep 600\n```\n";
    const beads = Array.from({ length: opts.polecats }, (_, i) =>
      sh(BD, ["create", `bench ${i}`, "-d", task, "--silent"], rigDir),
    );
    const slung = JSON.parse(sh(GT, ["sling", ...beads, "proj", "--no-start", "--no-convoy", "--json"])) as {
      outcomes: Array<{ bead: string; polecat: string }>;
    };
    const working = slung.outcomes.slice(0, opts.sessions);
    for (const o of slung.outcomes.slice(opts.sessions)) sh(GT, ["unsling", o.bead]);
    for (const o of working)
      sh(GT, ["sling", o.bead, `proj/${o.polecat}`, "--agent", "script", "--no-convoy"]);
  } catch (e) {
    st.cleanup();
    throw e;
  }
  // The in-process scan sees the same runtime as the town's gt commands.
  for (const key of ["GT_TMUX_SOCKET", "GT_RUNTIME_PROVIDER", "GT_HOME"] as const)
    process.env[key] = env[key];
  const t = new Town(town);
  const provider = createProvider(env.GT_RUNTIME_PROVIDER as "tmux" | "subprocess", t.root);
  return {
    town,
    rig: "proj",
    env,
    time: st.time,
    async scanInProcess() {
      const t0 = nowMs();
      const r = await runPatrol(t, provider, { rigs: ["proj"], actor: "bench" });
      return { ms: nowMs() - t0, findings: r.summary.findings, polecats: r.summary.polecats };
    },
    forgetPatrolState() {
      rmSync(join(town, ".runtime", "patrol"), { recursive: true, force: true });
    },
    cleanup: () => st.cleanup(),
  };
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    options: {
      polecats: { type: "string", default: "50" },
      sessions: { type: "string", default: "5" },
      runs: { type: "string", default: "7" },
    },
  });
  const RUNS = Number(args.runs);
  console.log(heading("gt patrol scan benchmark"));
  console.log(
    `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `  plan     ${args.polecats} polecats (${args.sessions} working in live sessions, the rest idle); ${RUNS} runs each`,
  );
  const setup0 = nowMs();
  const b = await patrolBenchTown({ polecats: Number(args.polecats), sessions: Number(args.sessions) });
  process.on("exit", () => b.cleanup());
  console.log(`  fixture  built in ${ms(nowMs() - setup0)} ms`);
  const runs = (fn: () => number) => summarize(Array.from({ length: RUNS }, fn));
  const node = runs(() => b.time(NODE, ["-e", "0"]));
  const status = runs(() => b.time(GT, ["status", "--json"]));
  const scanArgs = ["patrol", "scan", "--rig", b.rig, "--json"];
  const cold = runs(() => {
    b.forgetPatrolState();
    return b.time(GT, scanArgs);
  });
  const warm = runs(() => b.time(GT, scanArgs));
  const inProcess: number[] = [];
  let last = { ms: 0, findings: 0, polecats: 0 };
  for (let i = 0; i < RUNS; i++) {
    last = await b.scanInProcess();
    inProcess.push(last.ms);
  }
  const inproc = summarize(inProcess);
  console.log(heading("Results (median wall time, ms)"));
  console.log(
    table(
      ["measure", "median", "p90", "vs gt status"],
      [
        ["baseline: node -e 0", ms(node.median), ms(node.p90), ratio(node.median, status.median)],
        ["baseline: gt status --json", ms(status.median), ms(status.p90), "1.00x"],
        [
          "gt patrol scan, first (every sandbox asked)",
          ms(cold.median),
          ms(cold.p90),
          ratio(cold.median, status.median),
        ],
        ["gt patrol scan, next cycles", ms(warm.median), ms(warm.p90), ratio(warm.median, status.median)],
        [
          "runPatrol in process, next cycles",
          ms(inproc.median),
          ms(inproc.p90),
          ratio(inproc.median, status.median),
        ],
      ],
    ),
  );
  console.log(`  the scan saw ${last.polecats} polecats and made ${last.findings} finding(s) (report only).`);
  b.cleanup();
}
