// gt polecat pool-init: a rig's persistent polecat pool made ahead of work. Each new polecat
// gets its name, its agent bead (idle) and its sandbox, a worktree of the rig's shared repo
// left detached at the default branch, so a sling takes an idle polecat from the pool and only
// switches its sandbox to the bead's branch (the cheap path) instead of adding a worktree.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { AGENT_RUNTIME_EXCLUDES, addExcludes, git, gitOk } from "../adapters/git.ts";
import { ValidationError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { workDirOf } from "../town/identity.ts";
import { polecatNames } from "../town/roster.ts";
import { loadRigSettings } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";
import { addIdentity } from "./polecat-identity.ts";
import { polecatId, refreshSharedRepo, startPoint, withSandbox, withWorktreeAdds } from "./polecats.ts";

export const DEFAULT_POOL_SIZE = 4;
const MAX_POOL_SIZE = 50;

export interface PoolInit {
  rig: string;
  size: number;
  dry_run: boolean;
  /** Polecats the rig had already (kept as they are). */
  existing: string[];
  /** Polecats made now (in a dry run: how many would be, as "(new)"). */
  created: string[];
}

/** The pool size: `size`, else `polecat_pool_size` in the rig's settings, else 4. */
export function poolSize(town: Town, rig: string, size?: number): number {
  const configured = (loadRigSettings(town.rigDir(rig)) as { polecat_pool_size?: unknown }).polecat_pool_size;
  const n = size ?? (typeof configured === "number" ? configured : DEFAULT_POOL_SIZE);
  if (!Number.isInteger(n) || n < 1 || n > MAX_POOL_SIZE)
    throw new ValidationError(
      `pool size must be a whole number from 1 to ${MAX_POOL_SIZE} (got ${size ?? configured})`,
    );
  return n;
}

export async function initPolecatPool(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  opts: { size?: number; dryRun?: boolean; actor: string },
): Promise<PoolInit> {
  rig = town.rig(rig).name;
  const size = poolSize(town, rig, opts.size);
  const existing = polecatNames(town, rig);
  const need = Math.max(0, size - existing.length);
  const report: PoolInit = { rig, size, dry_run: opts.dryRun === true, existing, created: [] };
  if (opts.dryRun) {
    report.created = Array.from({ length: need }, () => "(new)");
    return report;
  }
  if (need > 0) await refreshSharedRepo(town, rig);
  for (let i = 0; i < need; i++) {
    const { name } = await addIdentity(town, provider, rig, undefined, opts.actor);
    await makeIdleSandbox(town, rig, name);
    report.created.push(name);
  }
  return report;
}

/** A worktree detached at the default branch, with the redirect to the rig ledger. */
async function makeIdleSandbox(town: Town, rig: string, name: string): Promise<void> {
  const workDir = workDirOf(town.root, polecatId(rig, name));
  const rigDir = town.rigDir(rig);
  const bare = join(rigDir, ".repo.git");
  await withSandbox(town, rig, name, async () => {
    if (existsSync(join(workDir, ".git"))) return;
    const from = await startPoint(bare, town.rigConfig(rig).default_branch);
    await addExcludes(bare, AGENT_RUNTIME_EXCLUDES);
    await withWorktreeAdds(town, rig, async () => {
      await gitOk(bare, ["worktree", "prune"]);
      await git(bare, ["worktree", "add", "--quiet", "--detach", workDir, from]);
    });
    mkdirSync(join(workDir, ".beads"), { recursive: true });
    writeFileSync(join(workDir, ".beads", "redirect"), `${relative(workDir, join(rigDir, ".beads"))}\n`);
  });
}
