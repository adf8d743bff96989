// `npm run bench` (real agents): how long from `gt sling` to a real agent's first model
// request? In a throwaway town on a private tmux socket, real Claude Code (the pinned CLI from
// .cache/agents, installed on first use) is slung a bead and pointed at a scripted Anthropic
// server on loopback; the clock stops when the server receives the first request that
// carries the bead (the prime). A fresh Claude config dir per town, so each start meets the
// trust and bypass dialogs gt answers. Options: --runs N (default 3).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { claudeEnv, startAnthropicServer } from "../test/helpers/model-server/anthropic.ts";
import { killGroups, sessionGroups } from "../test/helpers/procs.ts";
import { installAgent } from "../test/real-agents/install.ts";
import { heading, ms, nowMs, summarize, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const GT = join(ROOT, "bin", "gt");
const BD = join(ROOT, "bin", "bd");
const { values: args } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const RUNS = Number(args.runs);

const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-agent-"));
const socket = `gt-bench-agent-${process.pid}`;
const town = join(dir, "town");
const home = join(dir, "home");
mkdirSync(home);
const env = {
  ...process.env,
  HOME: home,
  GT_HOME: home,
  GT_TMUX_SOCKET: socket,
  GT_RUNTIME_PROVIDER: "tmux",
  GT_ROLE: "",
  GT_TOWN_ROOT: "",
  BD_ACTOR: "",
  BEADS_DIR: "",
};
const sh = (cmd: string, argv: string[], cwd: string) =>
  execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const claude = installAgent("claude");
const server = await startAnthropicServer();
process.on("exit", () => {
  const groups = sessionGroups(town, socket);
  execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  killGroups(groups);
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

console.log(heading("Real agent start: gt sling to Claude Code's first model request"));
console.log(
  `  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}; ${RUNS} slings, each to a fresh polecat`,
);

const src = join(dir, "project");
mkdirSync(src);
writeFileSync(join(src, "README.md"), "# bench project\n");
sh("git", ["init", "-q", "-b", "main"], src);
sh("git", ["add", "-A"], src);
sh("git", ["-c", "user.name=b", "-c", "user.email=b@e", "commit", "-qm", "first"], src);
sh(GT, ["install", town, "--name", "bench"], dir);
sh(GT, ["rig", "add", "proj", src, "--mirror"], town);
const config = join(dir, "claude-config");
mkdirSync(config);
writeFileSync(join(config, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
const settingsFile = join(town, "settings", "config.json");
const settings = JSON.parse(readFileSync(settingsFile, "utf8"));
settings.agents = { claude: { command: claude, env: claudeEnv(server, config) } };
writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

const slingDone: number[] = [];
const firstRequest: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const id = sh(BD, ["create", `bench ${i}`, "-d", "Say hello", "--silent"], join(town, "proj")).trim();
  const t0 = nowMs();
  const wall0 = Date.now();
  const sling = spawn(GT, ["sling", id, "proj", "--agent", "claude", "--no-convoy", "--json"], {
    cwd: town,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  sling.stdout.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number>((r) => sling.on("exit", (code) => r(code ?? 1)));
  const seen = await server.log.waitFor(
    (r) => r.reply !== undefined && r.reply.source !== "side" && r.raw.includes(id),
    120_000,
  );
  firstRequest.push(seen.at - wall0);
  if ((await exited) !== 0) throw new Error(`gt sling failed: ${out}`);
  slingDone.push(nowMs() - t0);
  const session = (JSON.parse(out) as { outcomes: Array<{ session: string }> }).outcomes[0]!.session;
  execFileSync("tmux", ["-L", socket, "kill-session", "-t", session], { stdio: "ignore" });
}

const a = summarize(slingDone);
const b = summarize(firstRequest);
console.log(heading("Results (wall time, ms)"));
console.log(
  table(
    ["measure", "median", "min", "max"],
    [
      ["gt sling returns (agent at its prompt)", ms(a.median), ms(a.min), ms(a.max)],
      ["first model request with the prime", ms(b.median), ms(b.min), ms(b.max)],
    ],
  ),
);
console.log("  Both from the moment gt sling starts; they include the worktree, the session, Claude Code");
console.log("  starting (~190 MB) and gt answering its trust and bypass-permissions dialogs.");
await server.close();
process.exit(0);
