// A throwaway town for the benchmarks that time whole towns (patrol, scheduler, daemon): a
// temp dir, the town's runtime on a private tmux socket (subprocess when tmux is missing),
// an environment cleared of the caller's town and identity, and a cleanup that ends every
// process the town started. Rigs are made from small local git projects.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { killGroups, sessionGroups } from "../test/helpers/procs.ts";
import { nowMs } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
export const GT = join(ROOT, "bin", "gt");
export const BD = join(ROOT, "bin", "bd");
export const NODE = join(ROOT, "node_modules", ".bin", "node");

export interface ScratchTown {
  /** The temp dir holding the town, its projects and its GT_HOME. */
  dir: string;
  town: string;
  socket: string;
  /** tmux is the runtime (else subprocess). */
  tmux: boolean;
  env: NodeJS.ProcessEnv;
  /** Runs a command (in the town by default) and returns its trimmed stdout; throws on failure. */
  sh(cmd: string, argv: string[], cwd?: string): string;
  /** Runs a command in the town and returns its wall time in ms. */
  time(cmd: string, argv: string[]): number;
  /** Adds rig `name` from a new local project with `files` small modules besides its README. */
  addRig(name: string, opts?: { files?: number; bare?: boolean }): string;
  /** Merges `patch` into the town's settings/config.json. */
  settings(patch: Record<string, unknown>): void;
  /** Runs `before` (a daemon to stop, say), then ends the town's sessions and removes it all. */
  cleanup(before?: () => void): void;
}

/** `gt install`s a town named "bench" in a new temp dir `gt-bench-<kind>-…`. */
export function scratchTown(kind: string): ScratchTown {
  const tmux = spawnSync("tmux", ["-V"]).status === 0;
  const dir = mkdtempSync(join(os.tmpdir(), `gt-bench-${kind}-`));
  const socket = `gt-bench-${kind}-${process.pid}`;
  const town = join(dir, "town");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GT_TMUX_SOCKET: socket,
    GT_RUNTIME_PROVIDER: tmux ? "tmux" : "subprocess",
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
  const sh = (cmd: string, argv: string[], cwd = town) =>
    execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  let cleaned = false;
  const t: ScratchTown = {
    dir,
    town,
    socket,
    tmux,
    env,
    sh,
    time(cmd, argv) {
      const t0 = nowMs();
      execFileSync(cmd, argv, { cwd: town, env, stdio: ["ignore", "ignore", "pipe"] });
      return nowMs() - t0;
    },
    addRig(name, opts = {}) {
      const src = join(dir, `${name}-src`);
      mkdirSync(join(src, "src"), { recursive: true });
      for (let i = 0; i < (opts.files ?? 0); i++)
        writeFileSync(join(src, "src", `mod${i}.ts`), `export const v${i} = ${i};\n`);
      writeFileSync(join(src, "README.md"), `# ${name}\n`);
      sh("git", ["init", "-q", "-b", "main"], src);
      sh("git", ["add", "-A"], src);
      sh("git", ["commit", "-qm", "first"], src);
      if (opts.bare) {
        const bare = join(dir, `${name}.git`);
        sh("git", ["clone", "-q", "--bare", src, bare], dir);
        sh(GT, ["rig", "add", name, bare]);
      } else sh(GT, ["rig", "add", name, src, "--mirror"]);
      return join(town, name);
    },
    settings(patch) {
      const file = join(town, "settings", "config.json");
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), ...patch }, null, 2));
    },
    cleanup(before) {
      if (cleaned) return;
      cleaned = true;
      before?.();
      const groups = sessionGroups(town, socket);
      if (tmux) spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
      killGroups(groups);
      rmSync(dir, { recursive: true, force: true });
      // tmux leaves its socket file behind after kill-server.
      rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
        force: true,
      });
    },
  };
  try {
    sh(GT, ["install", town, "--name", "bench"], dir);
  } catch (e) {
    t.cleanup();
    throw e;
  }
  return t;
}
