// Worktrees of each rig's shared repo against what git and the ledger say: entries git
// still lists for paths that are gone, polecats without a sandbox (and a refinery without
// its worktree), and ones that are not a worktree of the shared repo git knows. Repairs go the way a sling's do: prune,
// `git worktree repair`, move a stray directory aside (never delete), rebuild from the
// hooked bead's branch — or, for an idle polecat, detached at the default branch.
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { git, gitOk } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import type { Issue } from "../ledger/model.ts";
import { addressOf, workDirOf } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED, slingInFlight, slingProgress } from "../work/hook.ts";
import {
  clearStaleWorkDir,
  polecatId,
  prepareSandbox,
  startPoint,
  withSandbox,
  withWorktreeAdds,
} from "../work/polecats.ts";
import { writeLedgerRedirect } from "./ledger-checks.ts";
import type { CheckStatus, DoctorCheck, DoctorContext } from "./types.ts";
import { inTurn, ok, shown, worst } from "./util.ts";

function sharedRepo(town: Town, rig: string): string {
  return join(town.rigDir(rig), ".repo.git");
}

/** Worktrees git lists for the repo whose directories are gone (`prunable`). */
async function prunableWorktrees(bare: string): Promise<Array<{ path: string; reason: string }>> {
  const out: Array<{ path: string; reason: string }> = [];
  let path = "";
  for (const line of (await git(bare, ["worktree", "list", "--porcelain"])).split("\n")) {
    if (line.startsWith("worktree ")) path = line.slice("worktree ".length);
    else if (line.startsWith("prunable")) out.push({ path, reason: line.slice("prunable".length).trim() });
  }
  return out;
}

export const worktreeRegistryCheck: DoctorCheck = {
  name: "worktree-registry",
  category: "Rig",
  description: "each rig's shared repo lists no worktree whose directory is gone",
  async run(ctx) {
    const { town } = ctx;
    const details: string[] = [];
    const stale: string[] = [];
    const missing: string[] = [];
    for (const rig of ctx.rigs()) {
      if (!existsSync(town.rigDir(rig))) continue;
      const bare = sharedRepo(town, rig);
      if (!existsSync(bare)) {
        missing.push(rig);
        details.push(`${rig}: the shared repo ${shown(town, bare)} is missing`);
        continue;
      }
      const gone = await prunableWorktrees(bare);
      if (gone.length > 0) stale.push(rig);
      for (const g of gone) details.push(`${rig}: ${shown(town, g.path)} (${g.reason})`);
    }
    if (details.length === 0) return ok("no stale worktree entries");
    if (missing.length > 0)
      return {
        status: "error",
        message: `shared repo missing for ${missing.join(", ")}`,
        details,
        hint: "a rig without its .repo.git has no polecat sandboxes: add the rig again (gt rig remove, gt rig add)",
      };
    return {
      status: "warning",
      message: `${details.length} worktree entr${details.length === 1 ? "y" : "ies"} for directories that are gone`,
      details,
      hint: "gt doctor --fix prunes them (git worktree prune)",
      fix: async () => {
        for (const rig of stale)
          await withWorktreeAdds(town, rig, () => git(sharedRepo(town, rig), ["worktree", "prune"]));
        return stale.map((rig) => `pruned ${rig}'s shared repo's worktree list`);
      },
    };
  },
};

/** A worktree of a rig's shared repo: a polecat's sandbox, or the refinery's. */
interface Worktree {
  rig: string;
  /** The polecat's name; undefined for the refinery's worktree. */
  name: string | undefined;
  dir: string;
  hooked: Issue | undefined;
  kind: "missing" | "unknown";
}

/** `dir` is a worktree of `bare` that git knows: its common dir is `bare`, its top is `dir`. */
async function isWorktreeOf(bare: string, dir: string): Promise<boolean> {
  const r = await runCommand(
    "git",
    ["rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel"],
    {
      cwd: dir,
    },
  );
  const [common, top] = r.stdout.trim().split("\n");
  try {
    return (
      r.exitCode === 0 &&
      !!common &&
      !!top &&
      realpathSync(common) === realpathSync(bare) &&
      realpathSync(top) === realpathSync(dir)
    );
  } catch {
    return false;
  }
}

/** Hooked beads of a rig by assignee. */
async function hooksOf(town: Town, rig: string): Promise<Map<string, Issue>> {
  const ledger = openRigLedger(town, rig);
  try {
    const hooks = new Map<string, Issue>();
    for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true }))
      if (b.assignee) hooks.set(b.assignee, b);
    return hooks;
  } finally {
    await ledger.close();
  }
}

/** The worktrees a rig must have: the refinery's, and each polecat's sandbox. */
async function expectedWorktrees(town: Town, rig: string): Promise<Array<Omit<Worktree, "kind">>> {
  const out: Array<Omit<Worktree, "kind">> = [
    { rig, name: undefined, dir: join(town.rigDir(rig), "refinery", "rig"), hooked: undefined },
  ];
  const names = polecatNames(town, rig);
  const hooks = names.length > 0 ? await hooksOf(town, rig) : new Map<string, Issue>();
  for (const name of names) {
    const hooked = hooks.get(addressOf(polecatId(rig, name)));
    // A sling in flight is building this sandbox right now.
    if (hooked && slingInFlight(hooked)) continue;
    out.push({ rig, name, dir: workDirOf(town.root, polecatId(rig, name)), hooked });
  }
  return out;
}

async function worktreeProblems(ctx: DoctorContext): Promise<{ problems: Worktree[]; count: number }> {
  const { town } = ctx;
  const problems: Worktree[] = [];
  let count = 0;
  for (const rig of ctx.rigs()) {
    const bare = sharedRepo(town, rig);
    if (!existsSync(bare)) continue; // worktree-registry names it
    for (const w of await expectedWorktrees(town, rig)) {
      count++;
      if (!existsSync(join(w.dir, ".git"))) problems.push({ ...w, kind: "missing" });
      else if (!(await isWorktreeOf(bare, w.dir))) problems.push({ ...w, kind: "unknown" });
    }
  }
  return { problems, count };
}

function describe(town: Town, w: Worktree): string {
  const dir = shown(town, w.dir);
  const who = w.name
    ? `${w.rig}/polecats/${w.name} (${w.hooked ? `hooked: ${w.hooked.id}` : "idle"})`
    : `${w.rig}/refinery`;
  return w.kind === "missing"
    ? `${who} has no worktree at ${dir}`
    : `${who}: ${dir} is not a worktree of ${w.rig}'s shared repo that git knows`;
}

/** A worktree again, detached at the default branch: how gt done leaves an idle sandbox, and how the refinery works. */
async function rebuildDetached(town: Town, w: Worktree): Promise<string> {
  const bare = sharedRepo(town, w.rig);
  const from = await startPoint(bare, town.rigConfig(w.rig).default_branch);
  mkdirSync(dirname(w.dir), { recursive: true });
  await withWorktreeAdds(town, w.rig, async () => {
    await gitOk(bare, ["worktree", "prune"]);
    await git(bare, ["worktree", "add", "--quiet", "--detach", w.dir, from]);
  });
  writeLedgerRedirect(town, w.dir, w.rig);
  return `rebuilt ${shown(town, w.dir)} detached at ${from}`;
}

/**
 * Repairs one worktree; what it did. git's own repair first (a moved town); else what is
 * there is moved aside and the worktree made again. A polecat's is changed only under its
 * sandbox lock, and a hooked bead's sandbox is rebuilt as a resumed sling rebuilds it.
 */
async function restoreWorktree(ctx: DoctorContext, w: Worktree): Promise<string[]> {
  const { town } = ctx;
  const did: string[] = [];
  const bare = sharedRepo(town, w.rig);
  const repair = async (): Promise<boolean> => {
    if (existsSync(join(w.dir, ".git"))) {
      if (await isWorktreeOf(bare, w.dir)) return false;
      await gitOk(bare, ["worktree", "repair", w.dir]);
      if (await isWorktreeOf(bare, w.dir)) {
        did.push(`repaired git's links for ${shown(town, w.dir)}`);
        return false;
      }
    }
    const aside = clearStaleWorkDir(w.dir);
    if (aside) did.push(`moved ${shown(town, w.dir)} aside to ${shown(town, aside)} (nothing in it deleted)`);
    if (w.hooked) return true;
    did.push(await rebuildDetached(town, w));
    return false;
  };
  const onBranch = w.name ? await withSandbox(town, w.rig, w.name, repair) : await repair();
  if (onBranch && w.name && w.hooked) {
    // prepareSandbox takes the sandbox lock itself.
    const branch = slingProgress(w.hooked).branch;
    const s = await prepareSandbox(town, w.rig, w.name, w.hooked.id, ctx.actor, branch ? { branch } : {});
    did.push(`rebuilt ${shown(town, s.workDir)} on ${s.branch} for ${w.hooked.id}`);
  }
  return did;
}

export const worktreesCheck: DoctorCheck = {
  name: "worktrees",
  category: "Rig",
  description:
    "each polecat's sandbox and each rig's refinery is a worktree of the rig's shared repo that git knows",
  async run(ctx) {
    const { problems, count } = await worktreeProblems(ctx);
    if (problems.length === 0) return ok(`${count} worktree(s) in place (refineries and polecat sandboxes)`);
    let status: CheckStatus = "warning";
    for (const w of problems)
      if (w.kind === "unknown" || w.hooked || !w.name) status = worst(status, "error");
    const details = problems.map((w) => describe(ctx.town, w));
    return {
      status,
      message: problems.length === 1 ? details[0]! : `${problems.length} worktrees need repair`,
      details,
      hint: "gt doctor --fix rebuilds each (a hooked bead's sandbox on its branch, others detached at the default branch); a stray directory is moved aside, never deleted",
      fix: () => inTurn(problems, (w) => restoreWorktree(ctx, w)),
    };
  },
};
