// Does an idle polecat's sandbox hold work no remote has? Asked every patrol of every idle
// polecat, so the common answer is found without git: one ref listing per rig (the shared
// repo holds every worktree's branches), then each worktree's HEAD read from its files. A
// sandbox detached at a remote branch's tip with no local polecat branches (where gt done
// leaves it) has nothing unpushed; anything else is asked of git. `git status` is asked
// again only when the sandbox's files say something moved (HEAD, index, top directory), its
// agent was active since, or the last answer is older than SANDBOX_RECHECK_MS.
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { unpushedCommits, workLeftIn } from "../work/polecats.ts";

export interface RepoRefs {
  /** Tips of every remote-tracking branch. */
  remoteTips: Set<string>;
  /** Local branch name → its tip. */
  heads: Map<string, string>;
}

/** One listing of the shared repo's branches (undefined when git cannot read it). */
export async function repoRefs(bare: string): Promise<RepoRefs | undefined> {
  const r = await runCommand(
    "git",
    ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/", "refs/remotes/"],
    {
      cwd: bare,
    },
  );
  if (r.exitCode !== 0) return undefined;
  const refs: RepoRefs = { remoteTips: new Set(), heads: new Map() };
  for (const line of r.stdout.split("\n")) {
    const [sha, name] = line.trim().split(" ");
    if (!sha || !name) continue;
    if (name.startsWith("refs/remotes/")) refs.remoteTips.add(sha);
    else refs.heads.set(name.slice("refs/heads/".length), sha);
  }
  return refs;
}

/** An idle sandbox's last answer, kept in the patrol state. */
export interface SandboxVerdict {
  sig: string;
  checked_at: number;
  dirty: string[];
  unpushed: number;
}

/** The oldest answer reused without asking git again. */
export const SANDBOX_RECHECK_MS = 5 * 60_000;

/** The worktree's git dir (from its .git link file); undefined when it is not a linked worktree. */
function gitDirOf(workDir: string): string | undefined {
  try {
    const m = /^gitdir: (.+)$/.exec(readFileSync(join(workDir, ".git"), "utf8").trim());
    if (!m) return undefined;
    return isAbsolute(m[1]!) ? m[1]! : resolve(workDir, m[1]!);
  } catch {
    return undefined;
  }
}

/** The worktree's HEAD as its files say: a branch name or a commit; undefined when unreadable. */
function headOf(gitDir: string | undefined): { branch?: string; sha?: string } | undefined {
  if (!gitDir) return undefined;
  try {
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    if (head.startsWith("ref: refs/heads/")) return { branch: head.slice("ref: refs/heads/".length) };
    return /^[0-9a-f]{40,64}$/.test(head) ? { sha: head } : undefined;
  } catch {
    return undefined;
  }
}

/** What moves when a sandbox changes in the usual ways: its HEAD, its index, its top directory. */
function signature(workDir: string, gitDir: string | undefined): string | undefined {
  if (!gitDir) return undefined;
  try {
    const m = (p: string) => statSync(p).mtimeMs;
    return [readFileSync(join(gitDir, "HEAD"), "utf8").trim(), m(join(gitDir, "index")), m(workDir)].join(
      "|",
    );
  } catch {
    return undefined;
  }
}

function ownsBranches(refs: RepoRefs, name: string): boolean {
  for (const b of refs.heads.keys())
    if (b.startsWith(`polecat/${name}/`) || b.startsWith(`polecat/${name}-`)) return true;
  return false;
}

/**
 * Uncommitted paths and unpushed commits of an idle polecat's sandbox (`repo`: the shared
 * repo's refs, listed once per rig when first needed). `cached` is the last
 * answer: reused while the sandbox's signature holds, it is younger than SANDBOX_RECHECK_MS
 * and no agent activity (`activeAt`) came after it.
 */
export async function unsavedWork(
  workDir: string,
  name: string,
  repo: () => Promise<RepoRefs | undefined>,
  opts: { cached?: SandboxVerdict; activeAt?: number | null; now: number },
): Promise<SandboxVerdict> {
  const gitDir = gitDirOf(workDir);
  const sig = signature(workDir, gitDir) ?? "";
  const c = opts.cached;
  if (
    c &&
    sig &&
    c.sig === sig &&
    opts.now - c.checked_at < SANDBOX_RECHECK_MS &&
    (opts.activeAt ?? 0) <= c.checked_at
  )
    return c;
  const verdict: SandboxVerdict = { sig, checked_at: opts.now, dirty: [], unpushed: 0 };
  verdict.dirty = await workLeftIn(workDir).catch(() => []);
  if (verdict.dirty.length > 0) return verdict;
  const refs = await repo();
  const head = refs ? headOf(gitDir) : undefined;
  if (refs && head?.sha && refs.remoteTips.has(head.sha) && !ownsBranches(refs, name)) return verdict;
  verdict.unpushed = (await unpushedCommits(workDir, name)).length;
  return verdict;
}
