// gt tap polecat-stop-check: the polecat Stop hook's safety net. A polecat that ends its turn
// with work on its hook and commits on its branch that the rig's default branch does not have
// has finished without gt done; this runs gt done for it. Anything it cannot tell (not a
// polecat, no worktree, git failing) is "nothing to do": a Stop hook must never trap a session.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { gtExecutable } from "../package-paths.ts";
import { type AgentIdentity, addressOf, workDirOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { hookOf } from "../work/hook.ts";

export interface PolecatStopCheck {
  action: "none" | "done";
  reason: string;
  polecat: string | null;
  branch: string | null;
  ahead: number;
  /** gt done's exit code and output when it was run. */
  done: { code: number; output: string } | null;
}

async function gitOut(dir: string, args: string[]): Promise<string | undefined> {
  const r = await runCommand("git", ["-C", dir, ...args], { timeoutMs: 30_000 });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export async function polecatStopCheck(
  town: Town,
  id: AgentIdentity | undefined,
  env: NodeJS.ProcessEnv,
): Promise<PolecatStopCheck> {
  const none = (reason: string, more: Partial<PolecatStopCheck> = {}): PolecatStopCheck => ({
    action: "none",
    reason,
    polecat: id?.role === "polecat" ? addressOf(id) : null,
    branch: null,
    ahead: 0,
    done: null,
    ...more,
  });
  if (id?.role !== "polecat" || !id.rig) return none("not a polecat");
  const hooked = await hookOf(town, id);
  if (hooked.length === 0) return none("nothing on the hook (gt done already ran, or no work)");
  const dir = workDirOf(town.root, id);
  if (!existsSync(join(dir, ".git"))) return none(`no worktree at ${dir}`);
  const branch = await gitOut(dir, ["rev-parse", "--abbrev-ref", "HEAD"]);
  let base: string;
  try {
    base = town.rigConfig(id.rig).default_branch;
  } catch {
    return none("the rig's default branch is unknown");
  }
  if (!branch || branch === "HEAD" || branch === base)
    return none(`on ${branch ?? "no branch"}: nothing to submit`, { branch: branch ?? null });
  const count = await gitOut(dir, ["rev-list", "--count", `origin/${base}..HEAD`]);
  const ahead = count === undefined ? 0 : Number(count);
  if (!ahead) return none(`no commits beyond origin/${base}`, { branch });
  const r = await runCommand(gtExecutable(), ["done"], { cwd: dir, env, timeoutMs: 300_000 });
  return {
    action: "done",
    reason: `${ahead} commit(s) on ${branch} not submitted: ran gt done`,
    polecat: addressOf(id),
    branch,
    ahead,
    done: { code: r.exitCode, output: `${r.stdout}${r.stderr}`.trim() },
  };
}
