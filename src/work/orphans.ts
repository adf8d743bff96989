// Lost polecat work (gt orphans) and stale polecat branches (gt prune-branches). A rig's
// polecats work in worktrees of its shared repository (<rig>/.repo.git): a commit no branch
// reaches any more (a branch deleted before its work merged, a sandbox reset) is an orphaned
// commit there, and a polecat worktree whose branch is ahead of the default branch holds
// work nothing has merged yet.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { ValidationError } from "../errors.ts";
import { workDirOf } from "../town/identity.ts";
import { polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { polecatId } from "./polecats.ts";

export interface OrphanCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export interface OrphanBranch {
  polecat: string;
  branch: string;
  /** Commits on it the default branch does not have. */
  ahead: number;
  latest_subject: string | null;
  uncommitted: boolean;
  path: string;
}

export interface OrphansReport {
  rig: string;
  default_branch: string;
  /** Orphaned commits within the window (all of them with --all). */
  commits: OrphanCommit[];
  /** Orphaned commits older than the window, left out. */
  older: number;
  branches: OrphanBranch[];
  skipped: Array<{ polecat: string; error: string }>;
}

async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await runCommand("git", args, { cwd });
  return { ok: r.exitCode === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** The rig's shared repository (polecat worktrees hang off it). */
export function sharedRepoOf(town: Town, rig: string): string {
  return join(town.rigDir(rig), ".repo.git");
}

/** Stashes and their index commits are not lost work. */
function isNoise(subject: string): boolean {
  return /^(WIP on |index on |On [^:]+: |untracked files on )/.test(subject);
}

/** Commits no ref reaches (reflogs ignored), noise left out, newest first. */
export async function orphanCommits(repo: string): Promise<OrphanCommit[]> {
  const fsck = await git(repo, ["fsck", "--unreachable", "--no-reflogs", "--no-progress"]);
  if (!fsck.ok && !fsck.out)
    throw new ValidationError(`git fsck failed in ${repo}: ${fsck.err.split("\n")[0]}`);
  const shas = fsck.out
    .split("\n")
    .filter((l) => l.startsWith("unreachable commit "))
    .map((l) => l.slice("unreachable commit ".length).trim());
  const out: OrphanCommit[] = [];
  for (const sha of shas) {
    const r = await git(repo, ["log", "-1", "--format=%H%x00%s%x00%an%x00%cI", sha]);
    if (!r.ok) continue;
    const [full, subject, author, date] = r.out.split("\0");
    if (!full || isNoise(subject ?? "")) continue;
    out.push({ sha: full, subject: subject ?? "", author: author ?? "", date: date ?? "" });
  }
  return out.sort((a, b) => b.date.localeCompare(a.date));
}

/** `origin/<branch>` when the repository has fetched it, else its own `<branch>`. */
async function baseRef(repo: string, branch: string): Promise<string> {
  return (await git(repo, ["rev-parse", "--verify", "-q", `refs/remotes/origin/${branch}`])).ok
    ? `origin/${branch}`
    : branch;
}

async function polecatBranch(
  town: Town,
  rig: string,
  name: string,
  base: string,
): Promise<OrphanBranch | undefined> {
  const path = workDirOf(town.root, polecatId(rig, name));
  if (!existsSync(join(path, ".git"))) return undefined;
  const branch = await git(path, ["symbolic-ref", "--short", "-q", "HEAD"]);
  const ahead = await git(path, ["rev-list", "--count", `${base}..HEAD`]);
  if (!ahead.ok) throw new Error(ahead.err.split("\n")[0] ?? "git rev-list failed");
  const status = await git(path, [
    "status",
    "--porcelain",
    "--",
    ".",
    ":(exclude).beads",
    ":(exclude).runtime",
    ":(exclude).claude",
  ]);
  const n = Number(ahead.out);
  if (n === 0) return undefined;
  const latest = await git(path, ["log", "-1", "--format=%s"]);
  return {
    polecat: name,
    branch: branch.ok ? branch.out : "(detached)",
    ahead: n,
    latest_subject: latest.ok ? latest.out : null,
    uncommitted: status.ok && status.out !== "",
    path,
  };
}

/** A rig's orphaned commits (committed within `days` days unless `all`) and unmerged polecat branches. */
export async function findOrphans(
  town: Town,
  rig: string,
  opts: { days: number; all?: boolean; now?: number },
): Promise<OrphansReport> {
  const entry = { name: town.rig(rig).name, default_branch: town.rigConfig(rig).default_branch };
  const repo = sharedRepoOf(town, entry.name);
  if (!existsSync(repo)) throw new ValidationError(`rig ${entry.name} has no shared repository (${repo})`);
  const all = await orphanCommits(repo);
  const cutoff = (opts.now ?? Date.now()) - opts.days * 86_400_000;
  const commits = opts.all ? all : all.filter((c) => Date.parse(c.date) >= cutoff);
  const base = await baseRef(repo, entry.default_branch);
  const report: OrphansReport = {
    rig: entry.name,
    default_branch: entry.default_branch,
    commits,
    older: all.length - commits.length,
    branches: [],
    skipped: [],
  };
  for (const name of polecatNames(town, entry.name)) {
    try {
      const b = await polecatBranch(town, entry.name, name, base);
      if (b) report.branches.push(b);
    } catch (e) {
      report.skipped.push({ polecat: name, error: (e as Error).message });
    }
  }
  return report;
}

/**
 * Removes the rig's orphaned commits for good: unreachable reflog entries expire now and
 * git gc prunes every unreachable object. Returns how many orphaned commits were there.
 */
export async function pruneOrphanCommits(town: Town, rig: string): Promise<number> {
  const repo = sharedRepoOf(town, town.rig(rig).name);
  const before = (await orphanCommits(repo)).length;
  for (const args of [
    ["reflog", "expire", "--expire-unreachable=now", "--all"],
    ["gc", "--quiet", "--prune=now"],
  ]) {
    const r = await git(repo, args);
    if (!r.ok) throw new ValidationError(`git ${args[0]} failed in ${repo}: ${r.err.split("\n")[0]}`);
  }
  return before;
}

export interface PrunedBranch {
  name: string;
  /** merged: in the default branch; no-remote: origin no longer has it (and git branch -d agreed). */
  reason: "merged" | "no-remote" | "no-remote-merged";
}

/** fnmatch-style: `*` matches within a path component... and across, as git's --list does. */
function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

/**
 * Local branches matching `pattern` in `repo` that are merged into the default branch, or
 * whose origin branch is gone and which git would delete with -d (fully merged somewhere).
 * Never the checked-out branch or the default branch; never -D. `git fetch --prune` first,
 * so branches deleted on origin show as gone.
 */
export async function pruneBranches(
  repo: string,
  opts: { pattern: string; defaultBranch: string; dryRun?: boolean },
): Promise<{ pruned: PrunedBranch[]; fetch_error: string | null }> {
  if (!(await git(repo, ["rev-parse", "--git-dir"])).ok)
    throw new ValidationError(`${repo} is not a git repository`);
  const hasOrigin = (await git(repo, ["remote", "get-url", "origin"])).ok;
  let fetchError: string | null = null;
  if (hasOrigin) {
    const f = await git(repo, ["fetch", "--prune", "--quiet", "origin"]);
    if (!f.ok) fetchError = f.err.split("\n")[0] ?? "git fetch failed";
  }
  const base = await baseRef(repo, opts.defaultBranch);
  const current = await git(repo, ["symbolic-ref", "--short", "-q", "HEAD"]);
  const list = await git(repo, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]);
  const match = globToRegExp(opts.pattern);
  const pruned: PrunedBranch[] = [];
  for (const name of list.out.split("\n").filter(Boolean)) {
    if (!match.test(name) || name === opts.defaultBranch || (current.ok && current.out === name)) continue;
    const merged = (await git(repo, ["merge-base", "--is-ancestor", name, base])).ok;
    const remote =
      hasOrigin && (await git(repo, ["rev-parse", "--verify", "-q", `refs/remotes/origin/${name}`])).ok;
    if (!merged && remote) continue;
    const reason: PrunedBranch["reason"] = merged ? (remote ? "merged" : "no-remote-merged") : "no-remote";
    if (opts.dryRun) {
      // Only what -d would take: an unmerged branch whose remote is gone stays unless git agrees.
      if (merged || (await wouldDelete(repo, name))) pruned.push({ name, reason });
      continue;
    }
    // git branch -d refuses a branch that is not fully merged, or one a worktree has checked out.
    if (merged ? (await git(repo, ["branch", "-D", name])).ok : (await git(repo, ["branch", "-d", name])).ok)
      pruned.push({ name, reason });
  }
  return { pruned, fetch_error: fetchError };
}

/** Whether `git branch -d` would take `name` (merged into its upstream or HEAD), without deleting it. */
async function wouldDelete(repo: string, name: string): Promise<boolean> {
  const upstream = await git(repo, ["rev-parse", "--verify", "-q", `${name}@{upstream}`]);
  const into = upstream.ok ? upstream.out : "HEAD";
  return (await git(repo, ["merge-base", "--is-ancestor", name, into])).ok;
}
