// `npm run bench -- --scale`: how far does one rig go? N beads slung at once at one rig
// with the script agent, on tmux, in a throwaway town; for each N (default 10, 20, 30, 50):
// time until every session has started, until every merge request is filed, until every
// bead is merged; the memory of the agents (peak RSS per script-agent process, per session
// with its children, and of the whole town at its peak, sampled from /proc/<pid>/status);
// and whether anything was lost (every bead closed, one commit per bead on main, each
// bead's file there). Options: --sizes 10,20,30,50, --timeout-s 600, --ref <commit> (bench a
// built snapshot of that commit instead of this working tree), --batch 16 (refinery batch).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { BD, GT, ok, sleep, start, testProgramsOf } from "../scripts/chaos/exec.ts";
import { killTown } from "../scripts/chaos/killer.ts";
import { envOf, isBd, isGt, listProcs, memoryKb, type Proc, treeOf } from "../scripts/chaos/proc.ts";
import { snapshotOf } from "../scripts/chaos/snapshot.ts";
import { setMergeQueue, townEnv, type World } from "../scripts/chaos/world.ts";
import { heading, table } from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    scale: { type: "boolean", default: true },
    sizes: { type: "string", default: "10,20,30,50" },
    "timeout-s": { type: "string", default: "600" },
    batch: { type: "string", default: "16" },
    ref: { type: "string" },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const TIMEOUT_MS = Number(args["timeout-s"]) * 1000;
if (args.ref) testProgramsOf(snapshotOf(args.ref, (l) => console.log(`  ${l}`)));

interface SizeResult {
  n: number;
  slingMs: number;
  slingFailures: number;
  firstStartedMs: number | null;
  startedMs: number | null;
  /** Share of the machine's CPU time that was busy (all processes) from sling to merged. */
  cpuBusy: number;
  filedMs: number | null;
  mergedMs: number | null;
  closed: number;
  commitsOnMain: number;
  filesOnMain: number;
  mergeRequests: number;
  agentPeakKb: number;
  agentMedianKb: number;
  sessionPeakKb: number;
  totalPeakKb: number;
  procsPeak: number;
  /** What the town was made of at its peak: kind → [processes, RSS KiB]. */
  peakMix: Map<string, [number, number]>;
  timedOut: boolean;
  note: string;
}

/** A process of the town, by what it is. */
function kindOf(p: Proc): string {
  if (isGt(p, "script-agent")) return "script agents";
  if (isGt(p, "refinery", "serve")) return "refinery";
  if (isGt(p, "nudge-poller")) return "nudge pollers";
  if (isGt(p, "done")) return "gt done";
  if (isGt(p)) return "other gt";
  if (isBd(p)) return "bd";
  const exe = p.argv[0]?.split("/").pop() ?? "";
  if (exe === "git" || exe.startsWith("git-")) return "git";
  if (exe.startsWith("tmux")) return "tmux";
  if (exe === "sh" || exe === "bash") return "sh";
  return exe || "?";
}

function bareProject(dir: string): string {
  const seed = join(dir, "seed");
  mkdirSync(seed, { recursive: true });
  writeFileSync(join(seed, "README.md"), "# scale\n");
  const git = (cwd: string, ...a: string[]) => execFileSync("git", a, { cwd, stdio: "pipe" });
  git(seed, "init", "-q", "-b", "main");
  git(seed, "add", "-A");
  git(seed, "-c", "user.name=b", "-c", "user.email=b@e", "commit", "-qm", "first");
  const origin = join(dir, "project.git");
  git(dir, "clone", "-q", "--bare", seed, origin);
  return origin;
}

/** Busy and total jiffies of all CPUs (/proc/stat). */
function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function cpuBusy(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

function ledgerFacts(rigDir: string, ids: Set<string>): { filed: number; closed: number } {
  const db = new DatabaseSync(join(rigDir, ".beads", "beads.db"), { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const rows = db.prepare("SELECT id, status, issue_type, metadata FROM issues").all() as Array<{
      id: string;
      status: string;
      issue_type: string;
      metadata: string | null;
    }>;
    const sources = new Set<string>();
    let closed = 0;
    for (const r of rows) {
      if (ids.has(r.id) && r.status === "closed") closed++;
      if (r.issue_type === "merge-request") {
        const src = (JSON.parse(r.metadata ?? "{}") as { source_issue?: string }).source_issue;
        if (src && ids.has(src)) sources.add(src);
      }
    }
    return { filed: sources.size, closed };
  } finally {
    db.close();
  }
}

/** Sessions whose script agent has shown its ready prompt (from their transcripts). */
function readySessions(root: string): number {
  const dir = join(root, ".runtime", "agent-logs");
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const f of execFileSync("ls", [dir], { encoding: "utf8" }).split("\n")) {
    if (!f.endsWith(".jsonl") || f.includes("refinery")) continue;
    if (readFileSync(join(dir, f), "utf8").includes("script-agent ready")) n++;
  }
  return n;
}

async function benchSize(n: number): Promise<SizeResult> {
  const dir = mkdtempSync(join(os.tmpdir(), `gt-scale-${n}-`));
  const socket = `gt-scale-${process.pid}-${n}`;
  const env = townEnv(dir, socket);
  const root = join(dir, "town");
  const w = { socket, root, env } as World;
  const result: SizeResult = {
    n,
    slingMs: 0,
    slingFailures: 0,
    firstStartedMs: null,
    startedMs: null,
    cpuBusy: 0,
    filedMs: null,
    mergedMs: null,
    closed: 0,
    commitsOnMain: 0,
    filesOnMain: 0,
    mergeRequests: 0,
    agentPeakKb: 0,
    agentMedianKb: 0,
    sessionPeakKb: 0,
    totalPeakKb: 0,
    procsPeak: 0,
    peakMix: new Map(),
    timedOut: false,
    note: "",
  };
  try {
    const origin = bareProject(dir);
    await ok(GT, ["install", root, "--name", `scale${n}`], { cwd: dir, env });
    await ok(GT, ["rig", "add", "proj", origin], { cwd: root, env });
    const rigDir = join(root, "proj");
    setMergeQueue(rigDir, { test_command: "true", poll_interval_seconds: 1, batch_size: Number(args.batch) });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const task = `Write file ${i}.\n\n\`\`\`sh\nsleep 0.5\nmkdir -p out\necho "bead ${i}" > out/f${i}.txt\n\`\`\`\n`;
      ids.push((await ok(BD, ["create", `task ${i}`, "-d", task, "--silent"], { cwd: rigDir, env })).trim());
    }
    const idSet = new Set(ids);

    // Memory: every 250 ms, every process of the town (by its socket) and the tmux server.
    const agentPeak = new Map<number, number>();
    const sessionPeak = new Map<number, number>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const procs = listProcs();
        const mine = procs.filter(
          (p: Proc) => p.pid !== process.pid && envOf(p.pid, "GT_TMUX_SOCKET") === socket,
        );
        let total = 0;
        const rss = new Map<number, number>();
        const mix = new Map<string, [number, number]>();
        for (const p of mine) {
          const m = memoryKb(p.pid);
          if (!m) continue;
          rss.set(p.pid, m.rss);
          total += m.rss;
          const k = kindOf(p);
          const [c, r] = mix.get(k) ?? [0, 0];
          mix.set(k, [c + 1, r + m.rss]);
          if (isGt(p, "script-agent")) agentPeak.set(p.pid, Math.max(agentPeak.get(p.pid) ?? 0, m.hwm));
        }
        for (const pid of agentPeak.keys()) {
          const tree = treeOf(pid, procs).reduce((s, q) => s + (rss.get(q) ?? 0), 0);
          sessionPeak.set(pid, Math.max(sessionPeak.get(pid) ?? 0, tree));
        }
        if (total > result.totalPeakKb) result.peakMix = mix;
        result.totalPeakKb = Math.max(result.totalPeakKb, total);
        result.procsPeak = Math.max(result.procsPeak, mine.length);
        await sleep(250);
      }
    })();

    const cpu0 = cpuTimes();
    const t0 = Date.now();
    const sling = start(GT, ["sling", ...ids, "proj", "--agent", "script", "--json"], {
      cwd: root,
      env,
      timeoutMs: TIMEOUT_MS,
    });
    void sling.done.then((slung) => {
      result.slingMs = Date.now() - t0;
      try {
        result.slingFailures = (JSON.parse(slung.stdout) as { failures: unknown[] }).failures.length;
      } catch {
        result.slingFailures = n;
        result.note = `sling: ${slung.stderr.trim().split("\n").pop()}`;
      }
    });
    const deadline = t0 + TIMEOUT_MS;
    while (Date.now() < deadline) {
      const at = Date.now() - t0;
      const ready = readySessions(root);
      if (result.firstStartedMs === null && ready > 0) result.firstStartedMs = at;
      if (result.startedMs === null && ready >= n) result.startedMs = at;
      const f = ledgerFacts(rigDir, idSet);
      if (result.filedMs === null && f.filed >= n) result.filedMs = at;
      if (f.closed >= n) {
        result.mergedMs = at;
        break;
      }
      await sleep(200);
    }
    await sling.done;
    result.cpuBusy = cpuBusy(cpu0, cpuTimes());
    result.timedOut = result.mergedMs === null;
    sampling = false;
    await sampler;

    const facts = ledgerFacts(rigDir, idSet);
    result.closed = facts.closed;
    result.mergeRequests = facts.filed;
    const log = execFileSync("git", ["log", "--format=%s", "main"], { cwd: origin, encoding: "utf8" });
    result.commitsOnMain = ids.filter((id) => log.includes(`(${id})`)).length;
    const tree = execFileSync("git", ["ls-tree", "-r", "--name-only", "main"], {
      cwd: origin,
      encoding: "utf8",
    });
    result.filesOnMain = ids.filter((_, i) => tree.includes(`out/f${i}.txt`)).length;
    const peaks = [...agentPeak.values()].sort((a, b) => a - b);
    result.agentPeakKb = peaks[peaks.length - 1] ?? 0;
    result.agentMedianKb = peaks[Math.floor(peaks.length / 2)] ?? 0;
    result.sessionPeakKb = Math.max(0, ...sessionPeak.values());
    if (peaks.length < n) result.note ||= `saw ${peaks.length} agent processes of ${n}`;
    // bd and gt done processes are short; count how many agents are left running at the end.
    const left = listProcs(false).filter((p) => envOf(p.pid, "GT_TMUX_SOCKET") === socket);
    if (left.some((p) => isBd(p))) result.note ||= "bd processes still running at the end";
  } finally {
    killTown(w);
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
      force: true,
    });
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

const mb = (kb: number) => (kb ? `${(kb / 1024).toFixed(0)} MB` : "-");
const sec = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`);

console.log(heading("Scale: N beads slung at once at one rig (script agent, tmux)"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GB, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(
  `  sizes    ${SIZES.join(", ")}; each bead: sleep 0.5 and write one file; gate: true; batch ${args.batch}`,
);
const results: SizeResult[] = [];
for (const n of SIZES) {
  const r = await benchSize(n);
  results.push(r);
  console.log(
    `  N=${n}: sling ${sec(r.slingMs)}, sessions up ${sec(r.firstStartedMs)} … ${sec(r.startedMs)}, filed ${sec(r.filedMs)}, merged ${sec(r.mergedMs)}; ${r.closed}/${n} closed, ${r.commitsOnMain}/${n} commits on main${r.note ? ` (${r.note})` : ""}`,
  );
}
console.log(heading("Results"));
console.log(
  table(
    [
      "N",
      "sling returns",
      "first / all sessions up",
      "all MRs filed",
      "all merged",
      "per bead",
      "closed",
      "commits on main",
      "files",
      "agent RSS peak (median/max)",
      "session peak",
      "town peak RSS",
      "processes peak",
      "CPU busy",
    ],
    results.map((r) => [
      String(r.n),
      sec(r.slingMs),
      `${sec(r.firstStartedMs)} / ${sec(r.startedMs)}`,
      sec(r.filedMs),
      sec(r.mergedMs),
      r.mergedMs === null ? "-" : `${(r.mergedMs / r.n / 1000).toFixed(2)} s`,
      `${r.closed}/${r.n}`,
      `${r.commitsOnMain}/${r.n}`,
      `${r.filesOnMain}/${r.n}`,
      `${mb(r.agentMedianKb)} / ${mb(r.agentPeakKb)}`,
      mb(r.sessionPeakKb),
      mb(r.totalPeakKb),
      String(r.procsPeak),
      `${Math.round(r.cpuBusy * 100)}%`,
    ]),
  ),
);
console.log("\n  The town at its memory peak (processes, RSS):");
for (const r of results)
  console.log(
    `  N=${String(r.n).padEnd(3)} ${[...r.peakMix.entries()]
      .sort((a, b) => b[1][1] - a[1][1])
      .map(([k, [c, kb]]) => `${k} ${c} (${mb(kb)})`)
      .join(", ")}`,
  );
const lost = results.filter((r) => r.closed < r.n || r.commitsOnMain < r.n || r.filesOnMain < r.n);
const best = results.filter((r) => r.mergedMs !== null);
if (best.length > 1) {
  const perBead = best.map((r) => r.mergedMs! / r.n);
  const worst = best[perBead.indexOf(Math.max(...perBead))]!;
  console.log(
    `\n  Throughput: ${best.map((r) => `${r.n} → ${((r.n / r.mergedMs!) * 60_000).toFixed(0)}/min`).join(", ")} merged; slowest per bead at N=${worst.n}.`,
  );
}
console.log(
  lost.length === 0
    ? "  Nothing lost: every bead closed, one commit per bead on main, every file there."
    : `  LOST WORK at N=${lost.map((r) => r.n).join(", ")}`,
);
process.exitCode = lost.length === 0 ? 0 : 1;
