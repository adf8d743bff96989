// Finding the town and reading its registry: mayor/town.json marks a town root,
// mayor/rigs.json lists the rigs (and is the prefix registry), <rig>/config.json
// describes one rig.
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { GasTownError, NotFoundError } from "../errors.ts";
import * as z from "../schema.ts";
import { readJsonFile, writeJsonFile } from "./json-file.ts";

export const TOWN_JSON = join("mayor", "town.json");
export const RIGS_JSON = join("mayor", "rigs.json");
export const DAEMON_JSON = join("mayor", "daemon.json");

export class NotInTownError extends GasTownError {
  constructor(cwd: string) {
    super(
      "not_in_town",
      `not in a Gas Town workspace (no ${TOWN_JSON} at or above ${cwd}; run gt install or set GT_TOWN_ROOT)`,
    );
  }
}

export const townJsonSchema = z.lazy(() =>
  z.looseObject({
    type: z.literal("town"),
    version: z.int(),
    name: z.string().check(z.minLength(1)),
    owner: z.optional(z.string()),
    public_name: z.optional(z.string()),
    created_at: z.string(),
  }),
);
export type TownJson = z.infer<typeof townJsonSchema>;

export const rigEntrySchema = z.lazy(() =>
  z.looseObject({
    git_url: z.string().check(z.minLength(1)),
    push_url: z.optional(z.string()),
    upstream_url: z.optional(z.string()),
    local_repo: z.optional(z.string()),
    added_at: z.string(),
    beads: z.looseObject({ repo: z.optional(z.string()), prefix: z.string().check(z.minLength(1)) }),
  }),
);
export type RigEntry = z.infer<typeof rigEntrySchema>;

export const rigsJsonSchema = z.lazy(() =>
  z.looseObject({
    version: z.int(),
    rigs: z.record(z.string(), rigEntrySchema),
  }),
);
export type RigsJson = z.infer<typeof rigsJsonSchema>;

export const rigConfigSchema = z.lazy(() =>
  z.looseObject({
    type: z.literal("rig"),
    version: z.int(),
    name: z.string().check(z.minLength(1)),
    git_url: z.string().check(z.minLength(1)),
    push_url: z.optional(z.string()),
    upstream_url: z.optional(z.string()),
    default_branch: z.string().check(z.minLength(1)),
    created_at: z.string(),
    beads: z.looseObject({ prefix: z.string().check(z.minLength(1)) }),
  }),
);
export type RigConfig = z.infer<typeof rigConfigSchema>;

/** The outermost directory at or above `cwd` holding mayor/town.json, else GT_TOWN_ROOT/GT_ROOT. */
export function findTownRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let found: string | undefined;
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, TOWN_JSON))) found = dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (found) return found;
  for (const v of [env.GT_TOWN_ROOT, env.GT_ROOT]) {
    if (v && existsSync(join(v, TOWN_JSON))) return resolve(v);
  }
  return undefined;
}

/** A town on disk. Cheap to construct; every read goes to the files (nothing is cached across commands). */
export class Town {
  readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  static find(cwd: string, env: NodeJS.ProcessEnv = process.env): Town {
    const root = findTownRoot(cwd, env);
    if (!root) throw new NotInTownError(cwd);
    return new Town(root);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  get beadsDir(): string {
    return this.path(".beads");
  }

  get runtimeDir(): string {
    return this.path(".runtime");
  }

  townJson(): TownJson {
    return readJsonFile(this.path(TOWN_JSON), townJsonSchema, () => {
      throw new NotInTownError(this.root);
    });
  }

  rigs(): RigsJson {
    return readJsonFile(this.path(RIGS_JSON), rigsJsonSchema, () => ({ version: 1, rigs: {} }));
  }

  saveRigs(r: RigsJson): void {
    writeJsonFile(this.path(RIGS_JSON), r);
  }

  rigNames(): string[] {
    return Object.keys(this.rigs().rigs).sort();
  }

  rigDir(rig: string): string {
    return this.path(rig);
  }

  /** The registered rig, or NotFoundError naming the known ones. */
  rig(name: string): RigEntry & { name: string } {
    const entry = this.rigs().rigs[name];
    if (!entry) {
      const known = this.rigNames();
      throw new NotFoundError(
        name,
        `unknown rig "${name}"${known.length ? ` (rigs: ${known.join(", ")})` : " (no rigs yet; gt rig add)"}`,
      );
    }
    return { ...entry, name };
  }

  rigConfig(name: string): RigConfig {
    const file = join(this.rigDir(name), "config.json");
    return readJsonFile(file, rigConfigSchema, () => {
      throw new NotFoundError(name, `rig "${name}" has no ${file}`);
    });
  }

  /** The bead prefix (no hyphen) of a rig, from the registry. */
  prefixOf(rig: string): string {
    return this.rig(rig).beads.prefix;
  }
}
