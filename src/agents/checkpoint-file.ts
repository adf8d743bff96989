// Where a checkpoint lives and reading it back: light on imports, since gt prime (a hot
// path) reads it; writing one (git, the hook, the molecule) is in checkpoint.ts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { type AgentIdentity, addressOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";

export interface Checkpoint {
  agent: string;
  timestamp: string;
  molecule_id: string | null;
  current_step: string | null;
  step_title: string | null;
  hooked_bead: string | null;
  branch: string | null;
  last_commit: string | null;
  modified_files: string[];
  session_id: string | null;
  notes: string | null;
}

export function checkpointFile(town: Town, id: AgentIdentity): string {
  return join(town.runtimeDir, "checkpoints", `${addressOf(id).replaceAll("/", "__")}.json`);
}

/** The agent's checkpoint as stored, or null when it has none; one error when unreadable. */
export function loadCheckpoint(town: Town, id: AgentIdentity): Checkpoint | null {
  const file = checkpointFile(town, id);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
  } catch (e) {
    throw new ValidationError(
      `${file} is not a readable checkpoint (${(e as Error).message}); gt checkpoint clear`,
    );
  }
}
