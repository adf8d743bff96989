// `node bench/scheduler.ts`: how long a scheduler dispatch pass takes with 50 beads queued.
// In a throwaway town (rig on a local repository, script agents on tmux, or subprocess when
// tmux is missing) scheduler.max_polecats is 2 and two polecats hold work (slung with
// --no-start: hooked, so counted, no session); then, paused, 50 beads are slung and all
// queue. Timed: the pass the daemon runs after every reconcile when the cap is reached
// (read the queue, count the working polecats, plan, dispatch nothing) in process and as
// `gt scheduler run`; `gt scheduler list` and `status`; and passes that dispatch (the cap
// raised by one: one bead slung through to its agent's prompt; by five with --batch 5).
// Baselines in the same run: `node -e 0` and `gt status --json`.
// Options: --queued N (50), --runs N (7).
import os from "node:os";
import { parseArgs } from "node:util";
import { createProvider } from "../src/runtime/index.ts";
import { Town } from "../src/town/workspace.ts";
import { dispatchQueue } from "../src/watch/scheduler.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";
import { BD, GT, NODE, scratchTown } from "./scratch-town.ts";

const { values: args } = parseArgs({
  options: { queued: { type: "string", default: "50" }, runs: { type: "string", default: "7" } },
});
const QUEUED = Number(args.queued);
const RUNS = Number(args.runs);

const st = scratchTown("scheduler");
const { town, env, sh, time } = st;
process.on("exit", () => st.cleanup());
const setScheduler = (scheduler: Record<string, unknown>) => st.settings({ scheduler });

console.log(heading("gt scheduler dispatch benchmark"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
console.log(
  `  plan     ${QUEUED} beads queued, max_polecats 2 with 2 polecats holding work; ${RUNS} runs each`,
);

const setup0 = nowMs();
const rigDir = st.addRig("proj");
st.settings({ default_agent: "script" });
setScheduler({ max_polecats: 2 });
const task = "Keep busy until the benchmark ends.\n\n```sh\nsleep 600\n```\n";
const create = (i: number) =>
  sh(BD, ["create", `bench ${i}`, "-d", task, "-p", String(i % 4), "--silent"], rigDir);
const holders = [create(1000), create(1001)];
sh(GT, ["sling", ...holders, "proj", "--no-start", "--no-convoy"]);
const beads = Array.from({ length: QUEUED }, (_, i) => create(i));
sh(GT, ["scheduler", "pause"]);
const q0 = nowMs();
const slung = JSON.parse(sh(GT, ["sling", ...beads, "proj", "--json"])) as { queued: unknown[] };
const queueMs = nowMs() - q0;
sh(GT, ["scheduler", "resume"]);
console.log(
  `  fixture  built in ${ms(nowMs() - setup0)} ms; gt sling of ${QUEUED} beads queued ${slung.queued.length} in ${ms(queueMs)} ms`,
);

for (const key of ["GT_TMUX_SOCKET", "GT_RUNTIME_PROVIDER", "GT_HOME"] as const) process.env[key] = env[key];
const t = new Town(town);
const provider = createProvider(env.GT_RUNTIME_PROVIDER as "tmux" | "subprocess", t.root);
const runs = (fn: () => number) => summarize(Array.from({ length: RUNS }, fn));
const inProcess = async (opts: { dryRun?: boolean; batch?: number }) => {
  const t0 = nowMs();
  const r = await dispatchQueue(t, provider, { actor: "bench", ...opts });
  return { ms: nowMs() - t0, dispatched: r.dispatched.length, waiting: r.waiting.length };
};

const node = runs(() => time(NODE, ["-e", "0"]));
const status = runs(() => time(GT, ["status", "--json"]));
const atCap: number[] = [];
const dry: number[] = [];
let seen = { dispatched: 0, waiting: 0 };
for (let i = 0; i < RUNS; i++) {
  const r = await inProcess({});
  atCap.push(r.ms);
  seen = r;
  dry.push((await inProcess({ dryRun: true })).ms);
}
if (seen.dispatched !== 0 || seen.waiting !== QUEUED)
  throw new Error(`unexpected pass: ${JSON.stringify(seen)}`);
const runCli = runs(() => time(GT, ["scheduler", "run", "--json"]));
const listCli = runs(() => time(GT, ["scheduler", "list", "--json"]));
const statusCli = runs(() => time(GT, ["scheduler", "status", "--json"]));

// Passes that dispatch: the cap raised by one each time, one bead through to its agent's prompt.
const one: number[] = [];
for (let i = 0; i < Math.min(RUNS, 5); i++) {
  setScheduler({ max_polecats: 3 + i });
  const r = await inProcess({});
  if (r.dispatched !== 1) throw new Error(`expected one dispatch, got ${r.dispatched}`);
  one.push(r.ms);
}
setScheduler({ max_polecats: 3 + one.length + 5 });
const five = await inProcess({ batch: 5 });
if (five.dispatched !== 5) throw new Error(`expected five dispatches, got ${five.dispatched}`);

const a = summarize(atCap);
const d = summarize(dry);
const o = summarize(one);
console.log(heading("Results (median wall time, ms)"));
console.log(
  table(
    ["measure", "median", "p90", "vs gt status"],
    [
      ["baseline: node -e 0", ms(node.median), ms(node.p90), ratio(node.median, status.median)],
      ["baseline: gt status --json", ms(status.median), ms(status.p90), "1.00x"],
      [
        `dispatch pass at the cap, in process (${QUEUED} queued)`,
        ms(a.median),
        ms(a.p90),
        ratio(a.median, status.median),
      ],
      ["  the same, --dry-run", ms(d.median), ms(d.p90), ratio(d.median, status.median)],
      [
        "gt scheduler run --json at the cap",
        ms(runCli.median),
        ms(runCli.p90),
        ratio(runCli.median, status.median),
      ],
      ["gt scheduler list --json", ms(listCli.median), ms(listCli.p90), ratio(listCli.median, status.median)],
      [
        "gt scheduler status --json",
        ms(statusCli.median),
        ms(statusCli.p90),
        ratio(statusCli.median, status.median),
      ],
      [
        "dispatch pass sending 1 bead (to its agent's prompt)",
        ms(o.median),
        ms(o.p90),
        ratio(o.median, status.median),
      ],
      ["dispatch pass sending 5 beads (--batch 5)", ms(five.ms), "-", ratio(five.ms, status.median)],
    ],
  ),
);
st.cleanup();
