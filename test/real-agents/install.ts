// Installs the real agent CLIs the real-agent tests drive, at pinned versions, into a cache
// folder outside node_modules (.cache/agents/<agent>). They are test fixtures only: never a
// dependency of the package, never shipped (Claude Code's licence is proprietary). Reused
// between runs: a folder whose installed version matches the pin is left alone.
//
//   node test/real-agents/install.ts [claude|codex|gemini ...]   (default: all)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const AGENT_PINS = {
  claude: { pkg: "@anthropic-ai/claude-code", version: "2.1.197", bin: "claude" },
  codex: { pkg: "@openai/codex", version: "0.171.0", bin: "codex" },
  gemini: { pkg: "@google/gemini-cli", version: "0.61.0", bin: "gemini" },
} as const;
export type RealAgent = keyof typeof AGENT_PINS;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const AGENT_CACHE = process.env.GT_TEST_AGENT_CACHE ?? join(ROOT, ".cache", "agents");

/** Absolute path of the agent's executable in the cache ("" until installed). */
export function agentBin(agent: RealAgent): string {
  const p = join(AGENT_CACHE, agent, "node_modules", ".bin", AGENT_PINS[agent].bin);
  return existsSync(p) ? p : "";
}

function installedVersion(agent: RealAgent): string | undefined {
  const pkgJson = join(
    AGENT_CACHE,
    agent,
    "node_modules",
    ...AGENT_PINS[agent].pkg.split("/"),
    "package.json",
  );
  try {
    return JSON.parse(readFileSync(pkgJson, "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Installs one agent unless the pinned version is already there; returns its executable. */
export function installAgent(agent: RealAgent): string {
  const pin = AGENT_PINS[agent];
  if (installedVersion(agent) === pin.version && agentBin(agent)) return agentBin(agent);
  // Staged in a sibling folder and renamed, so an interrupted install never looks complete.
  const final = join(AGENT_CACHE, agent);
  const stage = `${final}.installing-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify({ private: true, name: `gt-test-${agent}` })}\n`,
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `${pin.pkg}@${pin.version}`], {
    cwd: stage,
    stdio: ["ignore", "inherit", "inherit"],
  });
  rmSync(final, { recursive: true, force: true });
  renameSync(stage, final);
  return agentBin(agent);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wanted = (
    process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(AGENT_PINS)
  ) as RealAgent[];
  for (const a of wanted) {
    if (!(a in AGENT_PINS)) {
      console.error(`install: unknown agent ${a} (known: ${Object.keys(AGENT_PINS).join(", ")})`);
      process.exit(2);
    }
    const t0 = Date.now();
    const bin = installAgent(a);
    console.log(`${a} ${AGENT_PINS[a].version}: ${bin} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
