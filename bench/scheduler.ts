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
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createProvider } from "../src/runtime/index.ts";
import { Town } from "../src/town/workspace.ts";
import { dispatchQueue } from "../src/watch/scheduler.ts";
import { killGroups, sessionGroups } from "../test/helpers/procs.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const GT = join(ROOT, "bin", "gt");
const BD = join(ROOT, "bin", "bd");
const NODE = join(ROOT, "node_modules", "node", "bin", "node");

const { values: args } = parseArgs({
  options: { queued: { type: "string", default: "50" }, runs: { type: "string", default: "7" } },
});
const QUEUED = Number(args.queued);
const RUNS = Number(args.runs);

const tmuxOk = spawnSync("tmux", ["-V"]).status === 0;
const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-scheduler-"));
const socket = `gt-bench-scheduler-${process.pid}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  GT_TMUX_SOCKET: socket,
  GT_RUNTIME_PROVIDER: tmuxOk ? "tmux" : "subprocess",
  GT_HOME: join(dir, "home"),
  GT_ROLE: "",
  GT_TOWN_ROOT: "",
  BD_ACTOR: "",
  BEADS_DIR: "",
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "bench@example.invalid",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "bench@example.invalid",
};
const town = join(dir, "town");
const cleanup = () => {
  const groups = sessionGroups(town, socket);
  if (tmuxOk) spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  killGroups(groups);
  rmSync(dir, { recursive: true, force: true });
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${uid}`, socket), { force: true });
};
process.on("exit", cleanup);
const sh = (cmd: string, argv: string[], cwd = town) =>
  execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const time = (cmd: string, argv: string[]) => {
  const t0 = nowMs();
  execFileSync(cmd, argv, { cwd: town, env, stdio: ["ignore", "ignore", "pipe"] });
  return nowMs() - t0;
};
const setScheduler = (s: Record<string, unknown>) => {
  const file = join(town, "settings", "config.json");
  const cfg = JSON.parse(readFileSync(file, "utf8"));
  cfg.scheduler = s;
  writeFileSync(file, JSON.stringify(cfg, null, 2));
};

console.log(heading("gt scheduler dispatch benchmark"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(2)}`,
);
console.log(
  `  plan     ${QUEUED} beads queued, max_polecats 2 with 2 polecats holding work; ${RUNS} runs each`,
);

const setup0 = nowMs();
const src = join(dir, "project");
mkdirSync(src, { recursive: true });
writeFileSync(join(src, "README.md"), "# bench project\n");
sh("git", ["init", "-q", "-b", "main"], src);
sh("git", ["add", "-A"], src);
sh("git", ["commit", "-qm", "first"], src);
sh(GT, ["install", town, "--name", "bench"], dir);
sh(GT, ["rig", "add", "proj", src, "--mirror"], town);
const cfgFile = join(town, "settings", "config.json");
const cfg = JSON.parse(readFileSync(cfgFile, "utf8"));
cfg.default_agent = "script";
writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
setScheduler({ max_polecats: 2 });
const rigDir = join(town, "proj");
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
cleanup();
