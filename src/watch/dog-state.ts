// What a dog is given and what it gives back, and the record of its last run
// (`.runtime/dogs/<name>.json`), shared by the kennel (dogs.ts) and the dogs themselves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";

export interface DogContext {
  town: Town;
  provider: RuntimeProvider;
  /** Who the dog's changes are recorded under. */
  actor: string;
  env: NodeJS.ProcessEnv;
}

export interface DogOutcome {
  ok: boolean;
  /** One line on what the run did. */
  summary: string;
  /** What needs a look (reported to the deacon when new). */
  problems: string[];
  details?: Record<string, unknown>;
}

export interface DogState {
  name: string;
  runs: number;
  last_run_at: string | null;
  last_duration_ms: number | null;
  last_ok: boolean | null;
  last_summary: string | null;
  problems: string[];
  details: Record<string, unknown> | null;
  /** When the problems were last mailed to the deacon. */
  reported_at: string | null;
}

export const dogStateFile = (town: Town, name: string) => join(town.runtimeDir, "dogs", `${name}.json`);

export function readDogState(town: Town, name: string): DogState | undefined {
  try {
    const raw = JSON.parse(readFileSync(dogStateFile(town, name), "utf8")) as DogState;
    return raw && typeof raw.runs === "number" ? raw : undefined;
  } catch {
    return undefined;
  }
}

export function writeDogState(town: Town, state: DogState): void {
  writeJsonFile(dogStateFile(town, state.name), state);
}
