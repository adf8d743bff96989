// `npm run bench` (part): what the daemon costs and how fast it brings an agent back. In a
// throwaway town with three rigs (real git, the town's runtime: tmux on a private socket),
// gt up starts the daemon, deacon, mayor and each rig's witness and refinery (script agents;
// the refinery is the built-in merge queue), all on the spec's default timings. Then:
//   1. the CPU time of every process of the town (from /proc: the daemon, the agents, the
//      tmux server, and whatever they started and reaped) over --seconds of idling (60);
//   2. --kills agents (5 of the witnesses, refineries, deacon, mayor), one after another:
//      each agent's process is SIGKILLed like a crash, and the time until the daemon has it
//      running again (its daemon_start event, written once the new agent is at its prompt)
//      and until the new session exists.
// Goals (issue 13): under 0.5% of one core for the whole idle town; a restart within 5 s.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { heading, ms, nowMs, summarize, table } from "./lib.ts";
import { GT, scratchTown } from "./scratch-town.ts";

const { values: args } = parseArgs({
  options: { seconds: { type: "string", default: "60" }, kills: { type: "string", default: "5" } },
});
const SECONDS = Number(args.seconds);
const KILLS = Number(args.kills);
const RIGS = ["alpha", "beta", "gamma"];

if (spawnSync("tmux", ["-V"]).status !== 0 || !existsSync("/proc/self/stat")) {
  console.log(heading("daemon benchmark"));
  console.log("  skipped: needs tmux and /proc (Linux)");
  process.exit(0);
}

const st = scratchTown("daemon");
const { town, sh, socket, env } = st;

function daemonPid(): number | undefined {
  try {
    return Number(readFileSync(join(town, "daemon", "daemon.pid"), "utf8").split("\n")[0]) || undefined;
  } catch {
    return undefined;
  }
}

function cleanup(): void {
  st.cleanup(() => {
    const d = daemonPid();
    if (d) spawnSync("kill", ["-9", String(d)]);
  });
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

// ---- the town ------------------------------------------------------------------------

for (const rig of RIGS) st.addRig(rig, { bare: true });
st.settings({ default_agent: "script" });
sh(GT, ["up"]);

// ---- CPU of the town's processes -----------------------------------------------------

const HZ = 100; // USER_HZ: clock ticks per second in /proc/<pid>/stat on Linux

interface Proc {
  /** utime + stime + cutime + cstime: its own CPU and that of children it reaped. */
  ticks: number;
  start: string;
  argv: string;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

/** Every process of the town: its environment or command line names the town, or it is its tmux server. */
function townProcs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    const argv = readProc(e, "cmdline").split("\0").join(" ").trim();
    if (!argv.includes(town) && !argv.includes(socket) && !readProc(e, "environ").includes(town)) continue;
    const stat = readProc(e, "stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    if (Number.isFinite(ticks)) out.set(Number(e), { ticks, start: f[19] ?? "", argv });
  }
  return out;
}

function label(argv: string): string {
  if (argv.startsWith("/bin/sh -c trap")) return "pane shells";
  if (argv.includes("daemon run")) return "daemon";
  if (argv.startsWith("tmux")) return "tmux server";
  if (argv.includes("refinery serve")) return "refineries (merge queue: file stats every 30 s)";
  if (argv.includes("script-agent")) return "agents (script; witnesses and deacon: a patrol gate every 60 s)";
  return "other";
}

// Let the start settle, then measure the steady idle: the agents prime and record their
// facts, the daemon makes its first passes, its dogs make their first round (30 s after it
// starts), and the witnesses and deacon patrol twice (60 s apart: the first scan sees the
// town still starting, the second what it wrote meanwhile; after that a patrol scans only
// when something changes). What the dogs cost on their own intervals is measured below.
const DOGS = ["boot", "wisp-reaper", "checkpoint", "jsonl-export", "doctor"];
await sleep(10_000);
for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
  const r = spawnSync(GT, ["dog", "list", "--json"], { cwd: town, env, encoding: "utf8" });
  const dogs = r.status === 0 ? (JSON.parse(r.stdout) as Array<{ name: string; state: unknown }>) : [];
  if (DOGS.every((d) => dogs.find((x) => x.name === d)?.state)) break;
}
await sleep(65_000);
const statusBefore = JSON.parse(sh(GT, ["daemon", "status", "--json"])) as {
  state: { reconcile_count: number };
};
const before = townProcs();
const t0 = nowMs();
await sleep(SECONDS * 1000);
const after = townProcs();
const wallS = (nowMs() - t0) / 1000;
const statusAfter = JSON.parse(sh(GT, ["daemon", "status", "--json"])) as {
  state: { reconcile_count: number };
};

const byLabel = new Map<string, { ticks: number; n: number }>();
for (const [pid, p] of after) {
  const was = before.get(pid);
  const ticks = was && was.start === p.start ? p.ticks - was.ticks : p.ticks;
  const l = label(p.argv);
  const cur = byLabel.get(l) ?? { ticks: 0, n: 0 };
  byLabel.set(l, { ticks: cur.ticks + ticks, n: cur.n + 1 });
}
const total = [...byLabel.values()].reduce((a, b) => a + b.ticks, 0);
const pct = (ticks: number) => `${((ticks / HZ / wallS) * 100).toFixed(3)}%`;

console.log(heading("daemon benchmark: an idle town of three rigs"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(1)}`,
);
console.log(
  `  town     ${RIGS.length} rigs; daemon, deacon, mayor, ${RIGS.length} witnesses, ${RIGS.length} refineries; default timings`,
);
console.log(
  `\n  CPU over ${wallS.toFixed(0)} s of idling (share of one core; goal: under 0.5% for the whole town)`,
);
console.log(
  table(
    ["processes", "count", "CPU", "share"],
    [
      ...[...byLabel]
        .sort((a, b) => b[1].ticks - a[1].ticks)
        .map(([l, v]) => [l, String(v.n), `${(v.ticks / HZ).toFixed(2)} s`, pct(v.ticks)]),
      ["whole town", String(after.size), `${(total / HZ).toFixed(2)} s`, pct(total)],
    ],
  ),
);
console.log(
  `  daemon passes while idle: ${statusAfter.state.reconcile_count - statusBefore.state.reconcile_count} (heartbeat every 3 min; /proc check every 1 s)`,
);

// ---- the dogs, run by run --------------------------------------------------------------

/** CPU time (s) of the children this process has waited for: what a spawnSync cost. */
function childCpu(): number {
  const f = readProc("self", "stat")
    .slice(readProc("self", "stat").lastIndexOf(")") + 2)
    .split(" ");
  return (Number(f[13]) + Number(f[14])) / HZ;
}
const list = JSON.parse(sh(GT, ["dog", "list", "--json"])) as Array<{ name: string; interval_ms: number }>;
const dogRows: string[][] = [];
let dogShare = 0;
for (const name of DOGS) {
  const interval = list.find((d) => d.name === name)!.interval_ms;
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const before = childCpu();
    sh(GT, ["dog", "run", name]);
    runs.push(childCpu() - before);
  }
  const cpu = runs.sort((a, b) => a - b)[1]!;
  const share = cpu / (interval / 1000);
  dogShare += share;
  dogRows.push([name, `${interval / 60_000} min`, `${cpu.toFixed(2)} s`, `${(share * 100).toFixed(3)}%`]);
}
console.log(
  "\n  The dogs: CPU of one run (median of 3, as `gt dog run`, so with a gt process's start-up the daemon does not pay) and its share at the dog's interval",
);
console.log(table(["dog", "every", "CPU per run", "share"], dogRows));
console.log(
  `  whole town, idle plus the dogs' share: ${((total / HZ / wallS + dogShare) * 100).toFixed(3)}% of one core`,
);

// ---- death to restart ----------------------------------------------------------------

function events(): Array<{ ts: string; type: string; payload: Record<string, unknown> }> {
  return readFileSync(join(town, ".events.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function panePid(session: string): number | undefined {
  const r = spawnSync(
    "tmux",
    ["-L", socket, "list-panes", "-t", `=${session}:`, "-F", "#{pane_dead} #{pane_pid}"],
    {
      encoding: "utf8",
    },
  );
  const [dead, pid] = (r.stdout ?? "").trim().split(" ");
  return dead === "0" ? Number(pid) : undefined;
}

const prefixes = JSON.parse(readFileSync(join(town, "mayor", "rigs.json"), "utf8")).rigs as Record<
  string,
  { beads: { prefix: string } }
>;
// A different agent each time: a second death of one agent within its backoff (30 s after
// its first restart) waits that out, by design.
const victims = [
  ...RIGS.map((rig) => ({ agent: `${rig}/witness`, session: `${prefixes[rig]!.beads.prefix}-witness` })),
  ...RIGS.map((rig) => ({ agent: `${rig}/refinery`, session: `${prefixes[rig]!.beads.prefix}-refinery` })),
  { agent: "deacon", session: "hq-deacon" },
  { agent: "mayor", session: "hq-mayor" },
];
const toReady: number[] = [];
const toSession: number[] = [];
for (let i = 0; i < Math.min(KILLS, victims.length); i++) {
  const { agent: address, session } = victims[i]!;
  const pane = panePid(session);
  const agent = pane ? Number(readProc(String(pane), `task/${pane}/children`).trim().split(/\s+/)[0]) : 0;
  if (!agent) throw new Error(`no agent in ${session}`);
  const seen = events().length;
  const killedAt = Date.now();
  process.kill(agent, "SIGKILL");
  let sessionAt: number | undefined;
  for (;;) {
    if (sessionAt === undefined) {
      const now = panePid(session);
      if (now && now !== pane) sessionAt = Date.now();
    }
    const started = events()
      .slice(seen)
      .find((e) => e.type === "daemon_start" && e.payload.agent === address);
    if (started) {
      toReady.push(Date.parse(started.ts) - killedAt);
      toSession.push((sessionAt ?? Date.parse(started.ts)) - killedAt);
      break;
    }
    if (Date.now() - killedAt > 60_000) throw new Error(`${address} was not restarted within 60 s`);
    await sleep(20);
  }
  await sleep(2000); // a calm moment between kills
}
const ready = summarize(toReady);
const sess = summarize(toSession);
console.log(
  `\n  From an agent's death (SIGKILL) to its restart by the daemon, ${toReady.length} agents (goal: under 5 s)`,
);
console.log(
  table(
    ["measure", "median", "p90", "max"],
    [
      ["death → new session exists", ms(sess.median), ms(sess.p90), ms(sess.max)],
      ["death → new agent at its prompt", ms(ready.median), ms(ready.p90), ms(ready.max)],
    ],
  ),
);
sh(GT, ["down", "--all"]);
