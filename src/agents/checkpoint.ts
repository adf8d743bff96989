// Crash-recovery checkpoints (`gt checkpoint write|read|clear`): a polecat's or crew
// member's own note of where it stood — molecule step, hooked bead, branch, last commit,
// files changed — for the session that follows a crash. Kept per agent under .runtime (not
// in the worktree, where git would see it), so a new session of the same agent finds it.
import { existsSync, rmSync } from "node:fs";
import { runCommand } from "../adapters/process.ts";
import { ValidationError } from "../errors.ts";
import { type AgentIdentity, addressOf, workDirOf } from "../town/identity.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";
import { hookOf } from "../work/hook.ts";
import { molStatus } from "../work/mol.ts";
import { type Checkpoint, checkpointFile, loadCheckpoint } from "./checkpoint-file.ts";

export type { Checkpoint } from "./checkpoint-file.ts";

function mustCheckpoint(id: AgentIdentity | undefined): AgentIdentity {
  if (!id)
    throw new ValidationError(
      "not inside an agent's workspace: checkpoints belong to a polecat or crew member",
    );
  if (id.role !== "polecat" && id.role !== "crew")
    throw new ValidationError(`checkpoints are for polecats and crew, not the ${id.role}`);
  return id;
}

async function git(dir: string, args: string[]): Promise<string | null> {
  try {
    return (await runCommand("git", args, { cwd: dir })).stdout;
  } catch {
    return null;
  }
}

export interface WriteOptions {
  notes?: string;
  molecule?: string;
  step?: string;
  sessionId?: string;
}

/** Captures where the agent stands and writes it over its previous checkpoint. */
export async function writeCheckpoint(
  town: Town,
  who: AgentIdentity | undefined,
  opts: WriteOptions = {},
): Promise<Checkpoint> {
  const id = mustCheckpoint(who);
  const home = workDirOf(town.root, id);
  const status = existsSync(home) ? await git(home, ["status", "--porcelain", "-z"]) : null;
  // -z: NUL-separated "XY path" records; a rename's old path follows as its own record.
  const files: string[] = [];
  const records = (status ?? "").split("\0");
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.length < 4) continue;
    files.push(r.slice(3));
    if (r[0] === "R" || r[0] === "C") i++;
  }
  const head = existsSync(home) ? await git(home, ["rev-parse", "HEAD"]) : null;
  const branch = existsSync(home) ? await git(home, ["rev-parse", "--abbrev-ref", "HEAD"]) : null;
  const hooked = (await hookOf(town, id))[0]?.id ?? null;
  let molecule = opts.molecule ?? null;
  let step = opts.step ?? null;
  let stepTitle: string | null = null;
  if (!molecule || !step) {
    const s = await molStatus(town, undefined, id).catch(() => undefined);
    if (s) {
      molecule ??= s.progress.molecule_id;
      const current = s.progress.steps.find((x) => x.issue.id === (step ?? s.progress.current_step));
      step ??= s.progress.current_step;
      stepTitle = current?.issue.title ?? null;
    }
  }
  const cp: Checkpoint = {
    agent: addressOf(id),
    timestamp: new Date().toISOString(),
    molecule_id: molecule,
    current_step: step,
    step_title: stepTitle,
    hooked_bead: hooked,
    branch: branch?.trim() || null,
    last_commit: head?.trim() || null,
    modified_files: files,
    session_id: opts.sessionId ?? null,
    notes: opts.notes ?? null,
  };
  writeJsonFile(checkpointFile(town, id), cp);
  return cp;
}

/** The agent's checkpoint, or null when it has none. */
export function readCheckpoint(town: Town, who: AgentIdentity | undefined): Checkpoint | null {
  return loadCheckpoint(town, mustCheckpoint(who));
}

/** Removes the agent's checkpoint; says whether there was one. */
export function clearCheckpoint(town: Town, who: AgentIdentity | undefined): boolean {
  const file = checkpointFile(town, mustCheckpoint(who));
  const had = existsSync(file);
  rmSync(file, { force: true });
  return had;
}
