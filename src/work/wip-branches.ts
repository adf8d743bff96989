// A polecat's WIP checkpoint branch (`polecat/<name>/wip`, saved by the checkpoint dog) goes
// once the work it holds has a home: never while the polecat still has something unsaved
// or hooked, nor while the bead it was saved for is not closed (the bead may be slung again,
// and the checkpoint is where its half-done work is). A bead closed by the refinery's merge
// (or by anyone) ends it; so does a polecat with nothing unsaved and nothing hooked when the
// checkpoint names no bead. A non-forced nuke drops it itself (src/work/polecats.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { logEvent } from "../events/log.ts";
import { addressOf, workDirOf } from "../town/identity.ts";
import { openLedgerOfBead, openRigLedger, openTownLedger } from "../town/ledgers.ts";
import { polecatsDir } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "./hook.ts";
import { dropWipBranch, polecatId, wipBranchOf, withSandbox, workLeftIn } from "./polecats.ts";

/** polecat/<name>/wip → name. */
export function wipOwner(branch: string): string | undefined {
  return /^polecat\/([a-z0-9][a-z0-9_]*)\/wip$/.exec(branch)?.[1];
}

export interface WipVerdict {
  polecat: string;
  branch: string;
  /** The bead the checkpoint was saved for, from its commit message; null when none. */
  bead: string | null;
  /** It holds nothing still needed. */
  obsolete: boolean;
  reason: string;
}

async function out(cwd: string, args: string[]): Promise<string | undefined> {
  const r = await runCommand("git", args, { cwd });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The bead a checkpoint commit names (`WIP: checkpoint of <bead> (auto)`); null for none. */
async function beadOfCheckpoint(bare: string, ref: string, name: string): Promise<string | null> {
  const subject = await out(bare, ["log", "-1", "--format=%s", ref]);
  const named = subject ? /^WIP: checkpoint of (\S+) \(auto\)$/.exec(subject)?.[1] : undefined;
  return named && named !== name ? named : null;
}

/** Everything hooked town-wide, by holder's address. */
async function hooksOf(town: Town, rig: string): Promise<Map<string, string>> {
  const hooks = new Map<string, string>();
  for (const ledger of [openRigLedger(town, rig), openTownLedger(town)]) {
    try {
      for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true }))
        if (b.assignee && !hooks.has(b.assignee)) hooks.set(b.assignee, b.id);
    } finally {
      await ledger.close();
    }
  }
  return hooks;
}

async function beadStatus(town: Town, id: string): Promise<string | undefined> {
  const { ledger } = openLedgerOfBead(town, id);
  try {
    return (await ledger.getIssue(id))?.status;
  } finally {
    await ledger.close();
  }
}

interface WipRefs {
  /** The ref its verdict reads: the local branch when there is one (what the dog last saved). */
  ref: string;
  local: boolean;
  /** Origin has it (as last seen: the remote-tracking ref). */
  remote: boolean;
}

/** The rig's polecat WIP branches: the shared repo's own and origin's (remote-tracking). */
async function wipBranches(bare: string): Promise<Map<string, WipRefs>> {
  const refs = new Map<string, WipRefs>();
  const list = await out(bare, [
    "for-each-ref",
    "--format=%(refname)",
    "refs/heads/polecat/",
    "refs/remotes/origin/polecat/",
  ]);
  for (const ref of (list ?? "").split("\n").filter(Boolean)) {
    const local = ref.startsWith("refs/heads/");
    const branch = ref.replace(/^refs\/(heads|remotes\/origin)\//, "");
    if (!wipOwner(branch)) continue;
    const seen = refs.get(branch) ?? { ref, local: false, remote: false };
    if (local) {
      seen.local = true;
      seen.ref = ref;
    } else seen.remote = true;
    refs.set(branch, seen);
  }
  return refs;
}

/** Whether polecat `name`'s checkpoint at `ref` may go, and why. */
async function verdictOf(
  town: Town,
  rig: string,
  name: string,
  ref: string,
  hooks: Map<string, string>,
): Promise<WipVerdict> {
  const bare = join(town.rigDir(rig), ".repo.git");
  const branch = wipBranchOf(name);
  const bead = await beadOfCheckpoint(bare, ref, name);
  const keep = (reason: string): WipVerdict => ({ polecat: name, branch, bead, obsolete: false, reason });
  const id = polecatId(rig, name);
  const hooked = hooks.get(addressOf(id));
  if (hooked) return keep(`${hooked} is on ${name}'s hook`);
  const workDir = workDirOf(town.root, id);
  const exists = existsSync(join(polecatsDir(town, rig), name));
  if (exists && existsSync(join(workDir, ".git"))) {
    const dirty = await workLeftIn(workDir);
    if (dirty.length) return keep(`${dirty.length} uncommitted change(s) in ${name}'s sandbox`);
    const unpushed = await out(workDir, [
      "rev-list",
      "--count",
      "HEAD",
      `--exclude=${branch}`,
      `--branches=polecat/${name}/*`,
      `--branches=polecat/${name}-*`,
      "--not",
      "--remotes",
    ]);
    if (unpushed && unpushed !== "0") return keep(`${unpushed} commit(s) of ${name} on no remote`);
  }
  if (bead) {
    const status = await beadStatus(town, bead);
    if (status === undefined)
      return { polecat: name, branch, bead, obsolete: true, reason: `${bead} is gone` };
    if (status !== "closed" && status !== "tombstone")
      return keep(`${bead} is ${status}: its work may be needed`);
    return { polecat: name, branch, bead, obsolete: true, reason: `${bead} is ${status}` };
  }
  return {
    polecat: name,
    branch,
    bead,
    obsolete: true,
    reason: exists ? `${name} has nothing unsaved and nothing hooked` : `${name} is gone`,
  };
}

/** The verdict on every WIP branch of the rig (its own copies and origin's). */
export async function wipVerdicts(town: Town, rig: string): Promise<Array<WipVerdict & WipRefs>> {
  const bare = join(town.rigDir(rig), ".repo.git");
  const refs = await wipBranches(bare);
  if (refs.size === 0) return [];
  const hooks = await hooksOf(town, rig);
  const out: Array<WipVerdict & WipRefs> = [];
  for (const [branch, at] of refs)
    out.push({ ...(await verdictOf(town, rig, wipOwner(branch)!, at.ref, hooks)), ...at });
  return out;
}

export interface WipSweep {
  rig: string;
  dry_run: boolean;
  deleted: Array<{ branch: string; reason: string; local: boolean; remote: boolean }>;
  kept: Array<{ branch: string; reason: string }>;
}

/**
 * Deletes the rig's WIP branches that hold nothing still needed, here and (with `remote`)
 * on origin; the others are kept and named with why. Each is judged again and dropped
 * holding its polecat's sandbox lock, as the checkpoint dog saves under it: a checkpoint
 * of new work is never deleted on the strength of a verdict on the old one.
 */
export async function sweepWipBranches(
  town: Town,
  rig: string,
  opts: { dryRun?: boolean; remote: boolean; actor: string },
): Promise<WipSweep> {
  const sweep: WipSweep = { rig, dry_run: opts.dryRun === true, deleted: [], kept: [] };
  const bare = join(town.rigDir(rig), ".repo.git");
  for (const v of await wipVerdicts(town, rig)) {
    if (!v.obsolete) {
      sweep.kept.push({ branch: v.branch, reason: v.reason });
      continue;
    }
    if (opts.dryRun) {
      if (v.local || (opts.remote && v.remote))
        sweep.deleted.push({
          branch: v.branch,
          reason: v.reason,
          local: v.local,
          remote: opts.remote && v.remote,
        });
      continue;
    }
    await withSandbox(town, rig, v.polecat, async () => {
      const at = (await wipBranches(bare)).get(v.branch);
      if (!at) return;
      const again = await verdictOf(town, rig, v.polecat, at.ref, await hooksOf(town, rig));
      if (!again.obsolete) {
        sweep.kept.push({ branch: v.branch, reason: again.reason });
        return;
      }
      const drop = await dropWipBranch(town, rig, v.polecat, { remote: opts.remote });
      if (drop.error) sweep.kept.push({ branch: v.branch, reason: drop.error });
      if (drop.local || drop.remote)
        sweep.deleted.push({
          branch: v.branch,
          reason: again.reason,
          local: drop.local,
          remote: drop.remote,
        });
    });
  }
  if (!opts.dryRun && sweep.deleted.length)
    logEvent(town.root, "wip_pruned", opts.actor, { rig, deleted: sweep.deleted.map((d) => d.branch) });
  return sweep;
}
