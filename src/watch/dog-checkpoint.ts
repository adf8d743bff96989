// The checkpoint dog (spec §4.1): uncommitted work in a working polecat's sandbox is saved
// as a WIP commit on the polecat's own branch `polecat/<name>/wip`, pushed to origin, so a
// crash, a kill or a lost disk costs at most one interval of work. The commit is made from
// a separate index (the sandbox's own index, HEAD, branch and files are never touched, and
// the bead's branch never gets a WIP commit); a snapshot equal to the last one is not
// committed again. Runtime files (.beads/, agent settings) never go in. Each run also lets go
// of the WIP branches whose work has a home (src/work/wip-branches.ts: the bead closed, or
// nothing unsaved and nothing hooked), here and on origin. A rig under an e-stop is skipped:
// nothing commits while it stands.
import { existsSync, rmSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { activeEstop } from "../town/estop.ts";
import { type AgentIdentity, addressOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { polecatNames } from "../town/roster.ts";
import { HOOKED } from "../work/hook.ts";
import { polecatGitEnv, RUNTIME_PATHSPECS, wipBranchOf, withSandbox, workLeftIn } from "../work/polecats.ts";
import { sweepWipBranches } from "../work/wip-branches.ts";
import type { DogSettings } from "./dog-config.ts";
import type { DogContext, DogOutcome } from "./dog-state.ts";

export interface Checkpoint {
  polecat: string;
  rig: string;
  branch: string;
  /** The WIP commit, or null when the snapshot equals the last one. */
  commit: string | null;
  pushed: boolean;
  files: number;
  bead: string | null;
}

async function git(dir: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCommand("git", args, { cwd: dir, ...(env ? { env } : {}), timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`git ${args[0]}: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  return r.stdout.trim();
}

async function revOf(dir: string, rev: string): Promise<string | undefined> {
  const r = await runCommand("git", ["rev-parse", "-q", "--verify", rev], { cwd: dir });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** Saves one sandbox's uncommitted work; undefined when it has none. */
export async function checkpointSandbox(
  id: AgentIdentity,
  workDir: string,
  bead: string | null,
  env: NodeJS.ProcessEnv,
): Promise<Checkpoint | undefined> {
  if (!existsSync(join(workDir, ".git"))) return undefined;
  const dirty = await workLeftIn(workDir);
  if (dirty.length === 0) return undefined;
  const name = id.name!;
  const branch = wipBranchOf(name);
  const rel = await git(workDir, ["rev-parse", "--git-path", "gt-checkpoint.index"]);
  const index = isAbsolute(rel) ? rel : join(workDir, rel);
  const gitEnv = { ...polecatGitEnv(env, addressOf(id)), GIT_INDEX_FILE: index };
  try {
    await git(workDir, ["read-tree", "HEAD"], gitEnv);
    // Everything git would take (ignored files stay out), then Gas Town's own files put back
    // as HEAD has them: naming ignored paths to `git add` is an error, so they are not named.
    await git(workDir, ["add", "-A", "--", "."], gitEnv);
    for (const spec of RUNTIME_PATHSPECS) {
      const path = spec.replace(/^:\(exclude\)/, "");
      await runCommand("git", ["reset", "-q", "HEAD", "--", path], { cwd: workDir, env: gitEnv });
    }
    const tree = await git(workDir, ["write-tree"], gitEnv);
    const head = await git(workDir, ["rev-parse", "HEAD"]);
    if (tree === (await git(workDir, ["rev-parse", "HEAD^{tree}"]))) return undefined;
    const base = { polecat: name, rig: id.rig!, branch, files: dirty.length, bead };
    const prev = await revOf(workDir, `refs/heads/${branch}`);
    if (
      prev &&
      (await revOf(workDir, `${prev}^{tree}`)) === tree &&
      (await revOf(workDir, `${prev}^`)) === head
    )
      return { ...base, commit: null, pushed: true };
    const current = (
      await runCommand("git", ["symbolic-ref", "-q", "--short", "HEAD"], { cwd: workDir })
    ).stdout.trim();
    const message = [
      `WIP: checkpoint of ${bead ?? name} (auto)`,
      "",
      `Uncommitted work in ${name}'s sandbox${current ? ` on ${current}` : ""}, saved by the checkpoint dog.`,
      `${dirty.length} changed path(s); the sandbox itself was not touched.`,
    ].join("\n");
    const commit = await git(workDir, ["commit-tree", tree, "-p", head, "-m", message], gitEnv);
    await git(workDir, ["update-ref", `refs/heads/${branch}`, commit]);
    const push = await runCommand(
      "git",
      ["push", "--quiet", "--force", "origin", `refs/heads/${branch}:refs/heads/${branch}`],
      { cwd: workDir, env: { ...env, GIT_TERMINAL_PROMPT: "0" }, timeoutMs: 120_000 },
    );
    return { ...base, commit, pushed: push.exitCode === 0 };
  } finally {
    rmSync(index, { force: true });
  }
}

/** The polecats worth a checkpoint: a live session, or work on the hook. */
async function workingPolecats(
  ctx: DogContext,
  rig: string,
  live: Set<string>,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const names = polecatNames(ctx.town, rig);
  if (names.length === 0) return out;
  const hooks = new Map<string, string>();
  const ledger = openRigLedger(ctx.town, rig);
  try {
    for (const b of await ledger.listIssues({ statuses: [HOOKED], includeInfra: true }))
      if (b.assignee) hooks.set(b.assignee, b.id);
  } finally {
    await ledger.close();
  }
  const prefix = ctx.town.prefixOf(rig);
  for (const name of names) {
    const id: AgentIdentity = { role: "polecat", rig, name };
    const address = addressOf(id);
    if (live.has(sessionNameOf(id, prefix)) || hooks.has(address)) out.set(name, hooks.get(address) ?? null);
  }
  return out;
}

export async function checkpointPolecats(ctx: DogContext, _s: DogSettings): Promise<DogOutcome> {
  const live = new Set((await ctx.provider.list()).filter((s) => s.alive).map((s) => s.name));
  const saved: Checkpoint[] = [];
  const problems: string[] = [];
  const pruned: Array<{ rig: string; branch: string; reason: string }> = [];
  let scanned = 0;
  for (const rig of ctx.town.rigNames()) {
    if (activeEstop(ctx.town.root, rig)) continue;
    try {
      const sweep = await sweepWipBranches(ctx.town, rig, { remote: true, actor: "dog/checkpoint" });
      for (const d of sweep.deleted) pruned.push({ rig, branch: d.branch, reason: d.reason });
      for (const k of sweep.kept)
        if (k.reason.startsWith("origin kept")) problems.push(`${rig}: ${k.reason}`);
    } catch (e) {
      problems.push(`${rig}: WIP branch sweep failed: ${(e as Error).message}`);
    }
    for (const [name, bead] of await workingPolecats(ctx, rig, live)) {
      const id: AgentIdentity = { role: "polecat", rig, name };
      scanned++;
      try {
        const c = await withSandbox(ctx.town, rig, name, () =>
          checkpointSandbox(id, workDirOf(ctx.town.root, id), bead, ctx.env),
        );
        if (c?.commit) saved.push(c);
        if (c && !c.pushed)
          problems.push(`${rig}/${name}: WIP checkpoint ${c.commit?.slice(0, 8)} not pushed to origin`);
      } catch (e) {
        problems.push(`${rig}/${name}: checkpoint failed: ${(e as Error).message}`);
      }
    }
  }
  return {
    ok: problems.length === 0,
    summary: `${scanned} working polecat(s), ${saved.length} checkpointed${pruned.length ? `, ${pruned.length} WIP branch(es) let go` : ""}`,
    problems,
    details: { checkpoints: saved, wip_pruned: pruned },
  };
}
