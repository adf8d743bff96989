// A mirrored rig (gt rig add --mirror) keeps the user's working repository and the rig's
// bare mirror in step on the rig's branch, each refinery round, under the refinery's lock:
//
//   your branch moved on (you committed)  → the mirror's branch is fast-forwarded to it;
//   the mirror moved on (gt merged work)  → your branch is fast-forwarded to it, your work
//                                           tree updated the way `receive.denyCurrentBranch
//                                           updateInstead` does, for this one push only;
//   both moved on                         → nothing moves: a "sync" failure asks you to
//                                           pull the mirror's branch into yours.
//
// Only the rig's branch ever reaches the user's repository: polecat branches stay in the
// mirror. Git refuses the fast-forward of a checked-out branch whose work tree has changes
// (or whose untracked files would be overwritten); that is a "deliver" failure, tried again
// next round, and the user can always `git pull <mirror> <branch>` instead. The user's
// repository's config is never written.
import { existsSync } from "node:fs";
import { runCommand } from "../adapters/process.ts";
import { gitReasonLine, type NewLandingFailure } from "./landing.ts";

export interface WorkingRepoSync {
  path: string;
  branch: string;
  /** The user's commit the mirror was fast-forwarded to. */
  pulled: string | null;
  /** The merged commit the user's branch was fast-forwarded to. */
  delivered: string | null;
  /** Why the two could not be put in step (null: they are). */
  problem: NewLandingFailure | null;
}

/** Runs receive-pack in the user's repository with checked-out branch updates allowed, this push only. */
const RECEIVE_PACK = "git -c receive.denyCurrentBranch=updateInstead receive-pack";

async function revParse(dir: string, ref: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await runCommand("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
    cwd: dir,
    env,
  });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function syncWorkingRepo(
  mirror: string,
  working: string,
  branch: string,
  env: NodeJS.ProcessEnv,
): Promise<WorkingRepoSync> {
  const out: WorkingRepoSync = { path: working, branch, pulled: null, delivered: null, problem: null };
  const fail = (stage: "sync" | "deliver", summary: string, reason: string) => {
    out.problem = { stage, target: branch, summary, reason: reason.trim() || summary, mrs: [] };
    return out;
  };
  const pullHint = `git -C ${working} pull ${mirror} ${branch}`;
  if (!existsSync(working))
    return fail("deliver", `your repository ${working} is gone; the merged work is in ${mirror}`, "");
  const seen = `refs/gastown/working/${branch}`;
  const fetch = await runCommand(
    "git",
    ["fetch", "--quiet", "--no-tags", working, `+refs/heads/${branch}:${seen}`],
    { cwd: mirror, env },
  );
  if (fetch.exitCode !== 0)
    return fail(
      "sync",
      `cannot read ${branch} from ${working}: ${gitReasonLine(fetch.stderr)}`,
      fetch.stderr,
    );
  const theirs = await revParse(mirror, seen, env);
  const ours = await revParse(mirror, `refs/heads/${branch}`, env);
  if (!theirs || !ours || theirs === ours) return out;
  const ancestor = async (a: string, b: string) =>
    (await runCommand("git", ["merge-base", "--is-ancestor", a, b], { cwd: mirror, env })).exitCode === 0;

  if (await ancestor(ours, theirs)) {
    // The user committed on the branch: the mirror (and so the next merges) build on it.
    const r = await runCommand("git", ["update-ref", `refs/heads/${branch}`, theirs, ours], {
      cwd: mirror,
      env,
    });
    if (r.exitCode !== 0)
      return fail("sync", `cannot move the mirror's ${branch} to your ${theirs.slice(0, 8)}`, r.stderr);
    out.pulled = theirs;
    return out;
  }
  if (await ancestor(theirs, ours)) {
    const push = await runCommand(
      "git",
      ["push", "--quiet", `--receive-pack=${RECEIVE_PACK}`, working, `${ours}:refs/heads/${branch}`],
      { cwd: mirror, env },
    );
    if (push.exitCode !== 0)
      return fail(
        "deliver",
        `merged work waits in the mirror: cannot fast-forward ${branch} in ${working} (${gitReasonLine(push.stderr)}); commit or stash your changes there, or run ${pullHint}`,
        push.stderr,
      );
    await runCommand("git", ["update-ref", seen, ours], { cwd: mirror, env });
    out.delivered = ours;
    return out;
  }
  return fail(
    "sync",
    `${branch} in ${working} and in the rig's mirror have both moved on; merge the mirror's into yours (${pullHint}) and the refinery picks it up`,
    `your ${branch}: ${theirs}\nmirror's ${branch}: ${ours}`,
  );
}
