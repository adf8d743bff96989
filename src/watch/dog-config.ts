// Which dogs run and how often (spec §4.1's tickers, §4.5): the built-in dogs' entries in
// `patrols` of mayor/daemon.json (`boot`, `wisp_reaper`, `checkpoint_dog`, `jsonl_export`,
// `doctor_dog`: `enabled`, `interval`, and each dog's own knobs), and the command dogs a
// person added (`deacon/dogs/<name>/.dog.json`). A bad value is one error naming the file
// and the key, never a daemon that stops.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { durationMs } from "../comms/escalation.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { ConfigFileError, parseJson, writeJsonFile } from "../town/json-file.ts";
import { DAEMON_JSON, type Town } from "../town/workspace.ts";

const duration = z
  .string()
  .check(z.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "a duration such as 500ms, 30s, 15m or 2h"));

/** The built-in dogs: the name gt dog shows, the key in mayor/daemon.json, the default interval. */
export const BUILTIN_DOGS = {
  boot: { key: "boot", interval: "3m", about: "triages the deacon (gt boot triage)" },
  "wisp-reaper": {
    key: "wisp_reaper",
    interval: "30m",
    about: "closes wisps past their TTL, deletes closed ones past their keep time",
  },
  checkpoint: {
    key: "checkpoint_dog",
    interval: "10m",
    about: "saves working polecats' uncommitted work as WIP commits on polecat/<name>/wip",
  },
  "jsonl-export": {
    key: "jsonl_export",
    interval: "15m",
    about: "checks every ledger's issues.jsonl is up to date and did not shrink",
  },
  doctor: { key: "doctor_dog", interval: "30m", about: "runs gt doctor and reports new problems" },
} as const;
export type BuiltinDog = keyof typeof BUILTIN_DOGS;
export const BUILTIN_NAMES = Object.keys(BUILTIN_DOGS) as BuiltinDog[];

const baseEntry = { enabled: z._default(z.boolean(), true), interval: z.optional(duration) };
const entrySchemas = {
  boot: z.looseObject(baseEntry),
  "wisp-reaper": z.looseObject({
    ...baseEntry,
    /** An open wisp older than this is closed. */
    max_age: z._default(duration, "24h"),
    /** A closed wisp (archived mail included) older than this is deleted. */
    delete_age: z._default(duration, "7d"),
  }),
  checkpoint: z.looseObject(baseEntry),
  "jsonl-export": z.looseObject({
    ...baseEntry,
    /** A ledger whose export lost this share of its beads since the last check is reported. */
    shrink_alert: z._default(z.number().check(z.gte(0)).check(z.lte(1)), 0.5),
  }),
  doctor: z.looseObject({ ...baseEntry, fix: z._default(z.boolean(), false) }),
};

export interface DogSettings {
  enabled: boolean;
  intervalMs: number;
  /** The dog's own knobs, parsed with their defaults. */
  options: Record<string, unknown>;
}

function readPatrols(town: Town): Record<string, unknown> {
  const file = town.path(DAEMON_JSON);
  if (!existsSync(file)) return {};
  const raw = parseJson(
    file,
    readFileSync(file, "utf8"),
    z.looseObject({ patrols: z.optional(z.record(z.string(), z.unknown())) }),
  );
  return raw.patrols ?? {};
}

/** A built-in dog's settings from mayor/daemon.json, with its defaults. */
export function builtinDogSettings(town: Town, name: BuiltinDog): DogSettings {
  const def = BUILTIN_DOGS[name];
  const parsed = entrySchemas[name].safeParse(readPatrols(town)[def.key] ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(
      town.path(DAEMON_JSON),
      `patrols.${def.key}.${issue.path.join(".")}: ${issue.message}`,
    );
  }
  const { enabled, interval, ...options } = parsed.data as { enabled: boolean; interval?: string };
  return { enabled, intervalMs: durationMs(interval ?? def.interval), options };
}

// ---- command dogs ----------------------------------------------------------------------

export const commandDogSchema = z.lazy(() =>
  z.object({
    name: z.string(),
    kind: z.literal("command"),
    command: z.string().check(z.minLength(1)),
    interval: duration,
    timeout: z._default(duration, "10m"),
    enabled: z._default(z.boolean(), true),
    created_at: z.string(),
    created_by: z.string(),
  }),
);
export type CommandDog = z.output<typeof commandDogSchema>;

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function kennelDir(town: Town): string {
  return town.path("deacon", "dogs");
}

const dogFile = (town: Town, name: string) => join(kennelDir(town), name, ".dog.json");

function isAgentDog(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { kind?: unknown }).kind === "agent";
  } catch {
    return false;
  }
}

/** The command dogs in the kennel; one whose file cannot be read is reported, not fatal. */
export function commandDogs(town: Town): {
  dogs: CommandDog[];
  broken: Array<{ name: string; error: string }>;
} {
  const dogs: CommandDog[] = [];
  const broken: Array<{ name: string; error: string }> = [];
  const dir = kennelDir(town);
  if (!existsSync(dir)) return { dogs, broken };
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory() || !existsSync(dogFile(town, d.name))) continue;
    if (isAgentDog(dogFile(town, d.name))) continue; // a dog agent (watch/dog-agents.ts)
    try {
      dogs.push(
        parseJson(dogFile(town, d.name), readFileSync(dogFile(town, d.name), "utf8"), commandDogSchema),
      );
    } catch (e) {
      broken.push({ name: d.name, error: (e as Error).message });
    }
  }
  return { dogs: dogs.sort((a, b) => a.name.localeCompare(b.name)), broken };
}

export function addCommandDog(
  town: Town,
  input: { name: string; command: string; interval: string; timeout?: string; by: string },
): CommandDog {
  const name = input.name.trim();
  if (!NAME.test(name))
    throw new ValidationError(
      `invalid dog name "${input.name}": lowercase letters, digits and hyphens, starting with a letter`,
    );
  if ((BUILTIN_NAMES as string[]).includes(name))
    throw new ConflictError("dog_exists", `${name} is a built-in dog`);
  if (existsSync(join(kennelDir(town), name)))
    throw new ConflictError("dog_exists", `a dog named ${name} already exists`);
  if (!input.command.trim()) throw new ValidationError("a command dog needs a command (--run)");
  for (const [flag, v] of [
    ["--every", input.interval],
    ["--timeout", input.timeout],
  ] as const) {
    if (v === undefined) continue;
    if (!duration.safeParse(v).success)
      throw new ValidationError(`${flag}: "${v}" is not a duration such as 30s, 15m or 2h`);
    if (durationMs(v) < 1000) throw new ValidationError(`${flag} ${v}: at least 1s`);
  }
  const dog = commandDogSchema.parse({
    name,
    kind: "command",
    command: input.command.trim(),
    interval: input.interval,
    ...(input.timeout ? { timeout: input.timeout } : {}),
    created_at: new Date().toISOString(),
    created_by: input.by,
  });
  writeJsonFile(dogFile(town, name), dog);
  return dog;
}

export function removeCommandDog(town: Town, name: string): void {
  if ((BUILTIN_NAMES as string[]).includes(name))
    throw new ConflictError(
      "builtin_dog",
      `${name} is a built-in dog: switch it off with "enabled": false in mayor/daemon.json`,
    );
  if (!existsSync(dogFile(town, name))) throw new NotFoundError(name, `no dog named ${name} (gt dog list)`);
  rmSync(join(kennelDir(town), name), { recursive: true, force: true });
}
