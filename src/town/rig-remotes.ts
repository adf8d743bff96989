// The remotes of a rig beyond its source (gt rig add --local-repo, --push-url, --upstream-url):
// checked before anything is made, then set in the rig's shared bare repository and clones.
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { git, gitOk, isLocalPath } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { ValidationError } from "../errors.ts";

export interface RigRemotes {
  /** A local repository the rig's clone borrows git objects from (alternates). */
  localRepo?: string;
  /** Where origin pushes (a fork) while the source is only read. */
  pushUrl?: string;
  /** An `upstream` remote for fork workflows. */
  upstreamUrl?: string;
}

/**
 * Checks --local-repo, --push-url and --upstream-url before anything is made: the local
 * repository must be a git repository (made absolute); the URLs are kept as given, local
 * paths made absolute. An empty URL is refused.
 */
export async function resolveRemotes(opts: RigRemotes & { cwd: string }): Promise<RigRemotes> {
  const out: RigRemotes = {};
  if (opts.localRepo !== undefined) {
    const abs = resolve(opts.cwd, opts.localRepo);
    if (!existsSync(abs)) throw new ValidationError(`--local-repo: ${abs} does not exist`);
    if (!(await gitOk(abs, ["rev-parse", "--git-dir"])))
      throw new ValidationError(`--local-repo: ${abs} is not a git repository`);
    out.localRepo = realpathSync(abs);
  }
  for (const [key, flag] of [
    ["pushUrl", "--push-url"],
    ["upstreamUrl", "--upstream-url"],
  ] as const) {
    const raw = opts[key]?.trim();
    if (opts[key] === undefined) continue;
    if (!raw) throw new ValidationError(`${flag} must not be empty`);
    out[key] = isLocalPath(raw) ? resolve(opts.cwd, raw) : raw;
  }
  return out;
}

/**
 * --push-url in the shared bare repository: the refinery and the polecats read back what they
 * push (their branches, the landed target), so there origin is the fork both ways; the mayor's
 * clone fetches from the source and pushes to the fork (origin's pushurl, as Gas Town sets
 * it). A fork without the target branch gets the source's now, which also proves it takes
 * pushes before anything else is made.
 */
export async function workOnFork(bare: string, pushUrl: string, branch: string): Promise<void> {
  await git(bare, ["remote", "set-url", "origin", pushUrl]);
  const has = await runCommand("git", ["ls-remote", "--exit-code", "origin", `refs/heads/${branch}`], {
    cwd: bare,
  });
  if (has.exitCode !== 0 && has.exitCode !== 2)
    throw new ValidationError(`cannot read --push-url ${pushUrl}: ${lastLine(has.stderr)}`);
  if (has.exitCode === 2) {
    const push = await runCommand(
      "git",
      ["push", "--quiet", "origin", `refs/heads/${branch}:refs/heads/${branch}`],
      {
        cwd: bare,
      },
    );
    if (push.exitCode !== 0)
      throw new ValidationError(`cannot push ${branch} to --push-url ${pushUrl}: ${lastLine(push.stderr)}`);
  }
  await git(bare, ["fetch", "--quiet", "--prune", "origin"]);
}

function lastLine(text: string): string {
  return (text.trim().split("\n").pop() ?? "").replace(/^fatal: /, "") || "git failed";
}

/** Points origin's pushes at the fork and adds the upstream remote, in one repository. */
export async function configureRemotes(repo: string, remotes: RigRemotes): Promise<void> {
  if (remotes.pushUrl) await git(repo, ["config", "remote.origin.pushurl", remotes.pushUrl]);
  if (remotes.upstreamUrl) {
    const has = await gitOk(repo, ["remote", "get-url", "upstream"]);
    await git(repo, ["remote", has ? "set-url" : "add", "upstream", remotes.upstreamUrl]);
  }
}
