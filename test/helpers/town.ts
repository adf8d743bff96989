// Building towns for tests: real git repositories, a real town made by `gt install`, and
// a private runtime per test (its own tmux socket, or the subprocess provider), all torn
// down afterwards. gt runs by absolute path, as agents run it. Each town has its own home
// (HOME, XDG dirs, git identity, GT_HOME) in its temp dir: its gt commands, its tmux server
// and the agents in it never see the developer's.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BD, GT, type RunResult, run, tempDir } from "./bd.ts";
import { isolatedHome } from "./isolation.ts";
import { killGroups, sessionGroups } from "./procs.ts";

export type ProviderKind = "tmux" | "subprocess";

/** A git repository with one commit holding `files`. */
export function makeRepo(dir: string, files: Record<string, string> = { "README.md": "# demo\n" }): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "--quiet", "--initial-branch=main");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  git("add", "-A");
  git("-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "-m", "first");
  return dir;
}

/** git in `dir`, its output trimmed; throws (with git's stderr) when git fails. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: "pipe" }).trim();
}

/** Writes `file` in the worktree `dir` and commits it alone as "add <file>"; returns the new HEAD. */
export function commitIn(dir: string, file: string, text: string): string {
  writeFileSync(join(dir, file), text);
  git(dir, "add", file);
  git(dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", `add ${file}`);
  return git(dir, "rev-parse", "HEAD");
}

/** The commit `ref` names in the repository `repo`, or undefined when there is no such ref. */
export function refSha(repo: string, ref: string): string | undefined {
  try {
    return git(repo, "rev-parse", "--verify", "-q", ref);
  } catch {
    return undefined;
  }
}

export interface TestTown {
  root: string;
  /** Scratch space next to the town (source repos live here). */
  scratch: string;
  /** What every gt/bd run of this town gets over the process's: its own HOME, XDG dirs, git identity, GT_HOME, runtime. */
  env: NodeJS.ProcessEnv;
  provider: ProviderKind;
  gt(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  gtJson<T = unknown>(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<T>;
  cleanup(): Promise<void>;
}

/**
 * Kills every session of a town and whatever its agents started, detached groups included
 * (a script agent's task shell): found by parentage before the tmux server goes.
 */
function teardownRuntime(root: string, socket: string): void {
  const groups = sessionGroups(root, socket);
  try {
    execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  } catch {
    // no server was started
  }
  killGroups(groups);
  // tmux leaves its socket file behind after kill-server; remove it so /tmp does not fill up.
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${uid}`, socket), { force: true });
}

let template: Promise<string> | undefined;

/**
 * One town made by a real `gt install` per test process, copied for each newTown: an installed
 * town holds no absolute path (its files name their neighbours relatively), so a copy is the
 * town install would have made there, and ~120 towns no longer pay ~1 CPU-second each. The
 * tests of gt install itself run it directly.
 */
function installedTemplate(): Promise<string> {
  template ??= (async () => {
    const t = tempDir("gt-town-template-");
    process.on("exit", t.cleanup);
    const root = join(t.dir, "town");
    const env = {
      ...isolatedHome(join(t.dir, "home")),
      GT_ROLE: "",
      GT_TOWN_ROOT: "",
      GT_ROOT: "",
      GT_RIG: "",
    };
    const r = await run(GT, t.dir, ["install", root, "--name", "testtown"], { env });
    if (r.code !== 0) throw new Error(`gt install failed: ${r.stderr}`);
    return root;
  })();
  return template;
}

/** A new town as `gt install` makes it in a temp dir, using the given runtime provider. */
export async function newTown(provider: ProviderKind = "tmux"): Promise<TestTown> {
  const t = tempDir("gt-town-");
  const root = join(t.dir, "town");
  const scratch = join(t.dir, "scratch");
  mkdirSync(scratch);
  const socket = `gt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env: NodeJS.ProcessEnv = {
    ...isolatedHome(join(t.dir, "home")),
    GT_TMUX_SOCKET: socket,
    GT_RUNTIME_PROVIDER: provider,
    GT_ROLE: "",
    GT_TOWN_ROOT: "",
    GT_ROOT: "",
    GT_RIG: "",
    BD_ACTOR: "",
    BEADS_DIR: "",
  };
  const gt = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    run(GT, opts.cwd ?? root, args, { env: { ...env, ...opts.env } });
  cpSync(await installedTemplate(), root, { recursive: true, verbatimSymlinks: true });
  return {
    root,
    scratch,
    env,
    provider,
    gt,
    async gtJson<T>(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
      const res = await gt([...args, "--json"], opts);
      if (res.code !== 0) throw new Error(`gt ${args.join(" ")} failed (${res.code}): ${res.stderr}`);
      return JSON.parse(res.stdout) as T;
    },
    async cleanup() {
      teardownRuntime(root, socket);
      t.cleanup();
    },
  };
}

/**
 * Adds rig `name` on a bare origin, as a hosted remote is: `<scratch>/project.git`, cloned
 * from `seed` (by default a new one-commit repository). With `mergeQueue`, that becomes the
 * rig's merge_queue settings. Returns the origin's path.
 */
export async function addBareRig(
  town: TestTown,
  name: string,
  opts: { seed?: string; mergeQueue?: Record<string, unknown> } = {},
): Promise<string> {
  const origin = join(town.scratch, "project.git");
  const seed = opts.seed ?? makeRepo(join(town.scratch, "project"));
  execFileSync("git", ["clone", "--quiet", "--bare", seed, origin]);
  const r = await town.gt(["rig", "add", name, origin]);
  if (r.code !== 0) throw new Error(`gt rig add ${name} failed (${r.code}): ${r.stderr}`);
  const mergeQueue = opts.mergeQueue;
  if (mergeQueue)
    changeSettings(
      town,
      (s) => {
        s.merge_queue = mergeQueue;
      },
      name,
    );
  return origin;
}

/**
 * Edits the town's settings/config.json in place (or rig `rig`'s settings/config.json):
 * `change` gets the parsed file and may mutate it; the file is written back whole.
 */
export function changeSettings(
  town: TestTown,
  change: (s: Record<string, unknown>) => void,
  rig?: string,
): void {
  const file = rig
    ? join(town.root, rig, "settings", "config.json")
    : join(town.root, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  change(settings);
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** What `gt sling --json` reports for a bead hooked on a new polecat. */
export interface Slung {
  bead: string;
  polecat: string;
  branch: string;
  work_dir: string;
}

/**
 * A new bead (`bd create <title> --silent <createArgs>`) slung at `rig` with no session
 * (--no-start, --no-convoy): its polecat's worktree, for the test to work in as the agent.
 */
export async function slingNew(
  town: TestTown,
  rig: string,
  title: string,
  createArgs: string[] = [],
): Promise<Slung> {
  const id = await bdOk(town, join(town.root, rig), ["create", title, "--silent", ...createArgs]);
  const report = await town.gtJson<{ outcomes: Slung[] }>(["sling", id, rig, "--no-start", "--no-convoy"]);
  return report.outcomes[0]!;
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  probe: () => Promise<T>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** bd in `cwd` with the town's environment; the trimmed stdout, or an error with bd's stderr. */
export async function bdOk(town: TestTown, cwd: string, args: string[]): Promise<string> {
  const r = await run(BD, cwd, args, { env: town.env });
  if (r.code !== 0) throw new Error(`bd ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Every merge-request bead of the ledger found from `cwd`, closed ones included. */
export async function mergeRequestBeads<T = Record<string, unknown>>(
  town: TestTown,
  cwd: string,
): Promise<T[]> {
  return JSON.parse(
    await bdOk(town, cwd, ["list", "--type", "merge-request", "--all", "--json", "--limit", "0"]),
  ) as T[];
}

export interface TranscriptLine {
  run: string | null;
  kind: string;
  text: string;
}

/** What the script agent running a session has recorded (its nudges and its output). */
export function agentTranscript(town: TestTown, session: string): TranscriptLine[] {
  const file = join(town.root, ".runtime", "agent-logs", `${session}.jsonl`);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TranscriptLine);
}

/** Runs gt commands in order; the first that fails throws with its stderr. */
export async function gtSteps(town: TestTown, steps: string[][]): Promise<void> {
  for (const args of steps) {
    const r = await town.gt(args);
    if (r.code !== 0) throw new Error(`gt ${args.join(" ")}: ${r.stderr}`);
  }
}

/** A town on the subprocess provider with rig "alpha" (a mirror) and these crew members, none started. */
export async function crewTown(crew: string[] = ["max"]): Promise<TestTown> {
  const town = await newTown("subprocess");
  await gtSteps(town, [
    ["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"],
    ...crew.map((name) => ["crew", "add", name, "--rig", "alpha"]),
  ]);
  return town;
}

type GtRunOptions = Parameters<TestTown["gt"]>[1];

/**
 * A check that `gt args` fails as bad input must: a non-zero exit and one stderr line
 * matching `pattern`. `town` is a getter so it can be made before the town exists.
 */
export function failsInOneLine(town: () => TestTown, defaults: GtRunOptions = {}) {
  return async (args: string[], pattern: RegExp, opts: GtRunOptions = defaults): Promise<void> => {
    const r = await town().gt(args, opts);
    if (r.code === 0) throw new Error(`gt ${args.join(" ")} should fail:\n${r.stdout}`);
    const lines = r.stderr.trim().split("\n");
    if (lines.length !== 1) throw new Error(`gt ${args.join(" ")}: more than one error line:\n${r.stderr}`);
    if (!pattern.test(r.stderr))
      throw new Error(`gt ${args.join(" ")}: ${r.stderr.trim()} does not match ${pattern}`);
  };
}

/**
 * A town with rig "alpha" and crew member max running the script agent, idle: the turn its
 * start-up beacon began is over, so what a test sends next is all it has to react to.
 */
export async function townWithRunningCrew(provider: ProviderKind = "tmux"): Promise<TestTown> {
  const town = await newTown(provider);
  await gtSteps(town, [
    ["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"],
    ["crew", "add", "max", "--rig", "alpha"],
    ["crew", "start", "max", "--rig", "alpha", "--agent", "script"],
  ]);
  await eventually(
    async () => {
      const texts = agentTranscript(town, "al-crew-max").map((t) => t.text);
      const beacon = texts.findIndex((t) => t.includes("nudge received"));
      return beacon >= 0 && texts.slice(beacon).some((t) => t.includes("ready: waiting for work"));
    },
    15_000,
    "max idle after its beacon",
  );
  return town;
}
