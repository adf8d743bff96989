// `npm run bench` (second part): how long does `gt sling` take to get a bead running?
//
// In a throwaway town (real git, the town's runtime: tmux on a private socket, or
// subprocess when tmux is missing) it times whole `gt sling` processes with the script
// agent: one bead to a fresh polecat (new worktree + session start, ready prompt awaited),
// and 20 beads in one call (one polecat each). Baselines measured in the same run: bare
// `node -e 0`, and `git worktree add` + `git worktree remove` on the same repository — the
// floor a sling cannot go under. Options: --runs N (single slings, default 7), --batch N (20).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { killGroups, sessionGroups } from "../test/helpers/procs.ts";
import { heading, ms, nowMs, ratio, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const GT = join(ROOT, "bin", "gt");
const BD = join(ROOT, "bin", "bd");
const NODE = join(ROOT, "node_modules", ".bin", "node");

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "7" }, batch: { type: "string", default: "20" } },
});
const RUNS = Number(args.runs);
const BATCH = Number(args.batch);

const tmuxOk = spawnSync("tmux", ["-V"]).status === 0;
const provider = tmuxOk ? "tmux" : "subprocess";
const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-"));
const socket = `gt-bench-${process.pid}`;
const env = {
  ...process.env,
  GT_TMUX_SOCKET: socket,
  GT_RUNTIME_PROVIDER: provider,
  GT_HOME: join(dir, "home"),
  GT_ROLE: "",
  GT_TOWN_ROOT: "",
  BD_ACTOR: "",
  BEADS_DIR: "",
};
const town = join(dir, "town");

function sh(cmd: string, argv: string[], cwd: string): string {
  return execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function timed(fn: () => void): number {
  const t0 = nowMs();
  fn();
  return nowMs() - t0;
}

/** Ends the town's sessions and everything their agents started (the detached task shells too). */
function cleanup(): void {
  const groups = sessionGroups(town, socket);
  if (tmuxOk) spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  killGroups(groups);
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);

console.log(heading("gt sling benchmark"));
console.log(`  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}, runtime provider ${provider}`);
console.log(`  plan     ${RUNS} single slings to a fresh polecat; one sling of ${BATCH} beads`);

// A small project: a few dozen files, so the worktree checkout is not trivially empty.
const src = join(dir, "project");
mkdirSync(join(src, "src"), { recursive: true });
for (let i = 0; i < 40; i++)
  writeFileSync(join(src, "src", `mod${i}.ts`), `export const v${i} = ${i};\n`.repeat(20));
writeFileSync(join(src, "README.md"), "# bench project\n");
sh("git", ["init", "-q", "-b", "main"], src);
sh("git", ["add", "-A"], src);
sh("git", ["-c", "user.name=b", "-c", "user.email=b@e", "commit", "-qm", "first"], src);
sh(GT, ["install", town, "--name", "bench"], dir);
sh(GT, ["rig", "add", "proj", src, "--mirror"], town);
const rigDir = join(town, "proj");

// Each bead's task keeps its polecat busy (and idle on the CPU) until the run ends.
const TASK = "Wait for the benchmark to end.\n\n```sh\nsleep 600\n```\n";
const newBead = (title: string) => sh(BD, ["create", title, "-d", TASK, "--silent"], rigDir).trim();

// ---------------------------------------------------------------- baselines
const nodeStart = summarize(Array.from({ length: RUNS }, () => timed(() => sh(NODE, ["-e", "0"], dir))));
const bare = join(rigDir, ".repo.git");
const worktree = summarize(
  Array.from({ length: RUNS }, (_, i) => {
    const path = join(dir, `wt${i}`);
    return timed(() => {
      sh("git", ["worktree", "add", "-q", "-b", `bench/${i}`, path, "main"], bare);
      sh("git", ["worktree", "remove", "--force", path], bare);
    });
  }),
);

// ---------------------------------------------------------------- single slings
const single: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const id = newBead(`single ${i}`);
  single.push(timed(() => sh(GT, ["sling", id, "proj", "--agent", "script", "--no-convoy"], town)));
}
const singleSummary = summarize(single);

// ---------------------------------------------------------------- batch
const ids = Array.from({ length: BATCH }, (_, i) => newBead(`batch ${i}`));
const batchMs = timed(() => sh(GT, ["sling", ...ids, "proj", "--agent", "script", "--no-convoy"], town));
const running = JSON.parse(sh(GT, ["polecat", "list", "proj", "--json"], town)) as Array<{ state: string }>;
const working = running.filter((p) => p.state === "working").length;

console.log(heading("Results (median wall time)"));
console.log(
  table(
    ["measure", "median", "p90", "vs node -e 0"],
    [
      ["baseline: node -e 0", ms(nodeStart.median), ms(nodeStart.p90), "1.00x"],
      [
        "baseline: git worktree add+remove",
        ms(worktree.median),
        ms(worktree.p90),
        ratio(worktree.median, nodeStart.median),
      ],
      [
        "gt sling, 1 bead, fresh polecat",
        ms(singleSummary.median),
        ms(singleSummary.p90),
        ratio(singleSummary.median, nodeStart.median),
      ],
      [
        `gt sling, ${BATCH} beads at once (per bead)`,
        ms(batchMs / BATCH),
        "",
        ratio(batchMs / BATCH, nodeStart.median),
      ],
    ],
  ),
);
console.log(
  `  ${BATCH}-bead sling took ${ms(batchMs)} in all; ${working} polecats working afterwards (of ${RUNS + BATCH} slung).`,
);
console.log(
  `  A single sling includes the worktree, the agent bead, the hook, and starting the session until the agent's ready prompt shows.`,
);
