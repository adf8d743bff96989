// git, run as a child process. Every repository operation Gas Town needs (clones, the
// shared bare repo, worktrees, status) goes through here.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ValidationError } from "../errors.ts";
import { CommandError, runChecked, runCommand } from "./process.ts";

// Git must never stop to ask for a password or open an editor inside a CLI call.
const GIT_ENV: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_EDITOR: "true" };

export async function git(cwd: string, args: string[]): Promise<string> {
  return runChecked("git", args, { cwd, env: GIT_ENV });
}

export async function gitOk(cwd: string, args: string[]): Promise<boolean> {
  return (await runCommand("git", args, { cwd, env: GIT_ENV })).exitCode === 0;
}

/** A local path (not a URL) the user gave as a repository source. */
export function isLocalPath(source: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^[^/]+@[^/]+:/.test(source);
}

/**
 * Normalises a repository source: local paths become absolute and must be git repositories;
 * URLs (https, ssh, file://, scp-like) are kept as given.
 */
export async function normaliseSource(source: string, cwd: string): Promise<string> {
  if (!isLocalPath(source)) return source;
  const abs = isAbsolute(source) ? source : resolve(cwd, source);
  if (!existsSync(abs)) throw new ValidationError(`repository not found: ${abs}`);
  if (!(await gitOk(abs, ["rev-parse", "--git-dir"])))
    throw new ValidationError(`not a git repository: ${abs}`);
  return abs;
}

/** Clones `url` into `dest`, wording git's failure as one line. */
export async function clone(url: string, dest: string, flags: string[] = []): Promise<void> {
  try {
    await runChecked("git", ["clone", "--quiet", ...flags, url, dest], { env: GIT_ENV });
  } catch (e) {
    if (e instanceof CommandError) {
      const last = e.result.stderr.trim().split("\n").filter(Boolean).pop() ?? "clone failed";
      throw new ValidationError(`cannot clone ${url}: ${last.replace(/^fatal: /, "")}`);
    }
    throw e;
  }
}

/** The branch HEAD names in a (bare) repository, e.g. "main". */
export async function headBranch(repo: string): Promise<string | undefined> {
  const r = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], {
    cwd: repo,
    env: GIT_ENV,
  });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function branchExists(repo: string, branch: string): Promise<boolean> {
  return gitOk(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`]);
}

export async function hasCommits(repo: string): Promise<boolean> {
  return gitOk(repo, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
}

/** Adds patterns to the repository's own exclude file (never to the project's .gitignore). */
/**
 * What Gas Town and agent runtimes write inside a checkout (session ids, handoff markers,
 * agent settings): never the customer's work, so git never sees them.
 */
export const AGENT_RUNTIME_EXCLUDES = [".runtime/", ".claude/", ".gemini/", ".codex/", ".opencode/"];

export async function addExcludes(repoOrWorktree: string, patterns: string[]): Promise<void> {
  const commonDir = (await git(repoOrWorktree, ["rev-parse", "--git-common-dir"])).trim();
  const infoDir = join(resolve(repoOrWorktree, commonDir), "info");
  mkdirSync(infoDir, { recursive: true });
  const file = join(infoDir, "exclude");
  const have = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  const missing = patterns.filter((p) => !have.includes(p));
  if (missing.length === 0) return;
  const sep = have.length && have[have.length - 1] !== "" ? "\n" : "";
  appendFileSync(file, `${sep}# Gas Town\n${missing.join("\n")}\n`);
}

export interface WorkingState {
  branch: string | undefined;
  /** Uncommitted changes (staged, unstaged or untracked). */
  dirty: boolean;
  /** Commits on HEAD that no remote branch has. */
  unpushed: number;
}

export async function workingState(dir: string): Promise<WorkingState> {
  const status = await git(dir, ["status", "--porcelain"]);
  const branch = await headBranch(dir);
  const r = await runCommand("git", ["rev-list", "--count", "HEAD", "--not", "--remotes"], {
    cwd: dir,
    env: GIT_ENV,
  });
  return {
    branch,
    dirty: status.trim().length > 0,
    unpushed: r.exitCode === 0 ? Number(r.stdout.trim()) || 0 : 0,
  };
}

/** How old a worktree's index.lock or HEAD.lock must be before it counts as left by a kill. */
export const STALE_GIT_LOCK_MS = 10_000;

/**
 * Removes `index.lock` / `HEAD.lock` that a git killed mid-command left in a worktree's own
 * git dir: while one exists every checkout, commit and reset there fails, forever. Called by
 * the worktree's owner (the refinery under its lock, a sling switching a sandbox, gt done),
 * and only for locks older than any live git command holds one.
 */
export async function clearStaleGitLocks(
  worktree: string,
  olderThanMs = STALE_GIT_LOCK_MS,
): Promise<string[]> {
  const r = await runCommand("git", ["rev-parse", "--absolute-git-dir"], { cwd: worktree, env: GIT_ENV });
  if (r.exitCode !== 0) return [];
  const gitDir = r.stdout.trim();
  const removed: string[] = [];
  for (const name of ["index.lock", "HEAD.lock"]) {
    const file = join(gitDir, name);
    try {
      if (Date.now() - statSync(file).mtimeMs < olderThanMs) continue;
      rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // no such lock
    }
  }
  return removed;
}
