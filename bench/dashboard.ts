// `npm run bench` (part): what `gt dashboard` costs and how fast it shows a change. On the
// demo's town (`gt demo --keep-running`: the greeter rig, its five merged beads, the landed
// convoy, the refinery and polecats still running, idle), a real `gt dashboard` process and
// one headless chromium (Debian's, driven by playwright-core) with the page open:
//   1. the dashboard process's CPU (/proc/<pid>/stat utime+stime) over --seconds (60) of
//      idling with the page open; baseline in the same run: the same process with no page
//      open, over --base-seconds (20);
//   2. from `bd close` exiting to the page's DOM showing the bead closed, --closes (10)
//      times, timed in the page (a MutationObserver, same wall clock); baseline: the bd
//      close itself;
//   3. `gt feed --plain` from its start to its first line (the replay of the last hour),
//      baseline `gt --version` start to exit.
// Goals (issue 15): under 0.5% of one core idle with a page open; under 500 ms to the DOM.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import {
  chromiumPath,
  type DashboardProcess,
  launchChromium,
  openDashboard,
  startDashboardProcess,
} from "../test/dashboard/browser-helpers.ts";
import { killGroups, processGroupsUnder, sessionGroups } from "../test/helpers/procs.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";
import { BD, GT } from "./scratch-town.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    "base-seconds": { type: "string", default: "20" },
    closes: { type: "string", default: "10" },
  },
});
const SECONDS = Number(args.seconds);
const BASE_SECONDS = Number(args["base-seconds"]);
const CLOSES = Number(args.closes);
const HZ = 100; // USER_HZ: clock ticks per second in /proc/<pid>/stat on Linux

let chromiumMissing = "";
try {
  chromiumPath();
} catch (e) {
  chromiumMissing = (e as Error).message;
}
if (chromiumMissing || !existsSync("/proc/self/stat")) {
  console.log(heading("dashboard benchmark"));
  console.log(`  skipped: ${chromiumMissing || "needs /proc (Linux)"}`);
  process.exit(0);
}

const tmux = spawnSync("tmux", ["-V"]).status === 0;
const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-dashboard-"));
const socket = `gt-bench-dashboard-${process.pid}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  GT_TMUX_SOCKET: socket,
  GT_RUNTIME_PROVIDER: tmux ? "tmux" : "subprocess",
  GT_HOME: join(dir, "home"),
  GT_ROLE: "",
  GT_TOWN_ROOT: "",
  GT_ROOT: "",
  GT_RIG: "",
  BD_ACTOR: "",
  BEADS_DIR: "",
};

let town = "";
let server: DashboardProcess | undefined;
let browser: Browser | undefined;
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  if (server) killGroups([server.pid]);
  if (town) {
    const groups = sessionGroups(town, socket);
    if (tmux) spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
    killGroups(groups);
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
}
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

const sh = (cmd: string, argv: string[], cwd = town) =>
  execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

// ---- the demo's town -------------------------------------------------------------------

const demo = JSON.parse(
  execFileSync(GT, ["demo", "--dir", join(dir, "demo"), "--keep-running", "--json"], {
    cwd: dir,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 300_000,
  }),
) as { town: string; rig: string; finished: boolean; beads: unknown[] };
town = demo.town;
const rigDir = join(town, demo.rig);
// Open beads for the latency runs, filed before the dashboard starts (nothing slings them).
const toClose: string[] = [];
for (let i = 0; i < CLOSES; i++) toClose.push(sh(BD, ["create", `Bench bead ${i + 1}`, "--silent"], rigDir));

// ---- CPU of the dashboard process ------------------------------------------------------

/** [own ticks (utime+stime), ticks of the children it waited for (cutime+cstime)]. */
function cpuTicks(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [Number(f[11]) + Number(f[12]), Number(f[13]) + Number(f[14])];
}

async function cpuOver(
  pid: number,
  seconds: number,
): Promise<{ own: number; children: number; wall: number }> {
  const [own0, ch0] = cpuTicks(pid);
  const t0 = nowMs();
  await sleep(seconds * 1000);
  const [own1, ch1] = cpuTicks(pid);
  const wall = (nowMs() - t0) / 1000;
  return { own: (own1 - own0) / HZ / wall, children: (ch1 - ch0) / HZ / wall, wall };
}

const pct = (share: number) => `${(share * 100).toFixed(3)}%`;

server = await startDashboardProcess(town, env);
await sleep(3000); // its start-up (module loading) is not idling
const noPage = await cpuOver(server.pid, BASE_SECONDS);
browser = await launchChromium();
const page = await openDashboard(browser, server.url);
await sleep(5000); // the page's first load and its stream's first snapshot
const version0 = Number(await page.evaluate("document.body.dataset.version"));
const withPage = await cpuOver(server.pid, SECONDS);
const updatesIdle = Number(await page.evaluate("document.body.dataset.version")) - version0;

// ---- bd close to the DOM ---------------------------------------------------------------

const toDom: number[] = [];
const bdRun: number[] = [];
for (const id of toClose) {
  // Armed before the close: resolves with the wall-clock time the closed bead appears.
  // (page code as text: this file is type-checked without the DOM's types)
  const sel = `#panel-rigs [data-bead="${id}"][data-status="closed"]`;
  const seen = page.evaluate<number>(`new Promise((resolve) => {
    const sel = ${JSON.stringify(sel)};
    const now = () => performance.timeOrigin + performance.now();
    if (document.querySelector(sel)) return resolve(now());
    const obs = new MutationObserver(() => {
      if (document.querySelector(sel)) { obs.disconnect(); resolve(now()); }
    });
    obs.observe(document.body, { childList: true, subtree: true, attributes: true });
  })`);
  await sleep(50); // the observer is in place
  const start = performance.timeOrigin + performance.now();
  sh(BD, ["close", id, "--reason", "bench"], rigDir);
  const exited = performance.timeOrigin + performance.now();
  bdRun.push(exited - start);
  const at = await Promise.race([seen, sleep(10_000).then(() => Number.NaN)]);
  if (Number.isNaN(at)) throw new Error(`${id} closed but the page did not show it within 10 s`);
  toDom.push(at - exited);
  await sleep(500); // one close at a time, as a person would see them
}
await browser.close();
browser = undefined;
await server.stop();

// ---- gt feed --plain to its first line -------------------------------------------------

const feedHelp = spawnSync(GT, ["feed", "--help"], { cwd: town, env, encoding: "utf8" });
const hasFeed = feedHelp.status === 0 && /Usage: gt feed/.test(feedHelp.stdout);
const feedFirst: number[] = [];
const gtVersion: number[] = [];
if (hasFeed) {
  for (let i = 0; i < 10; i++) {
    const t0 = nowMs();
    spawnSync(GT, ["--version"], { cwd: town, env, stdio: "ignore" });
    gtVersion.push(nowMs() - t0);
    const started = nowMs();
    const child = spawn(GT, ["feed", "--plain"], {
      cwd: town,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const first = await new Promise<number>((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => reject(new Error("gt feed --plain printed no line in 30 s")), 30_000);
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        if (buf.includes("\n")) {
          clearTimeout(timer);
          resolve(nowMs() - started);
        }
      });
    });
    feedFirst.push(first);
    killGroups([child.pid!, ...processGroupsUnder([child.pid!])]);
  }
}

// ---- report ------------------------------------------------------------------------------

console.log(heading("dashboard benchmark: the demo's town, idle, one browser connected"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(1)}; chromium ${
    execFileSync(chromiumPath(), ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim() || "?"
  }`,
);
console.log(
  `  town     gt demo --keep-running (${demo.beads.length} beads merged${demo.finished ? "" : ", NOT all finished"}), ${CLOSES} more open beads; runtime ${tmux ? "tmux" : "subprocess"}`,
);
console.log("\n  The gt dashboard process's CPU (share of one core; goal: under 0.5% with a page open)");
console.log(
  table(
    ["dashboard", "seconds", "own (utime+stime)", "+ children it ran", "updates sent"],
    [
      [
        "baseline: no page open",
        noPage.wall.toFixed(0),
        pct(noPage.own),
        pct(noPage.own + noPage.children),
        "-",
      ],
      [
        "one page open (SSE)",
        withPage.wall.toFixed(0),
        pct(withPage.own),
        pct(withPage.own + withPage.children),
        String(updatesIdle),
      ],
    ],
  ),
);
const dom = summarize(toDom);
const bd = summarize(bdRun);
console.log(
  `\n  From bd close exiting to the page's DOM showing the bead closed, ${toDom.length} closes (goal: under 500 ms)`,
);
console.log(
  table(
    ["measure", "median", "p90", "max", "vs baseline"],
    [
      ["baseline: bd close (its run time)", ms(bd.median), ms(bd.p90), ms(bd.max), "1.00x"],
      [
        "bd exit → closed in the page's DOM",
        ms(dom.median),
        ms(dom.p90),
        ms(dom.max),
        ratio(dom.median, bd.median),
      ],
    ],
  ),
);
if (hasFeed) {
  const f = summarize(feedFirst);
  const v = summarize(gtVersion);
  console.log(`\n  gt feed --plain: from its start to its first line, ${feedFirst.length} runs`);
  console.log(
    table(
      ["measure", "median", "p90", "max", "vs baseline"],
      [
        ["baseline: gt --version (start to exit)", ms(v.median), ms(v.p90), ms(v.max), "1.00x"],
        ["gt feed --plain → first line", ms(f.median), ms(f.p90), ms(f.max), ratio(f.median, v.median)],
      ],
    ),
  );
} else console.log("\n  gt feed --plain: not measured (this build has no gt feed)");
cleanup();
