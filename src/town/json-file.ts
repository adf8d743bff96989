// Reading and writing the town's JSON config files. Every file is validated on load with
// its zod schema; a bad file is one line naming the file, the key and the problem.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ValidationError } from "../errors.ts";
import type * as z from "../schema.ts";

/** A config file that exists but cannot be used. */
export class ConfigFileError extends ValidationError {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  return `${key}: ${issue.message}`;
}

/** Parses `text` (the contents of `file`) against `schema`, naming the file and key on failure. */
export function parseJson<S extends z.ZodMiniType>(file: string, text: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new ConfigFileError(file, describeIssue(r.error.issues[0]!));
  return r.data;
}

/**
 * What each file held when it was last read, by path: a command asks for rigs.json once per
 * agent it looks at, and parsing and validating it again each time cost more than the rest
 * of `gt status`. A file is read again when its inode, size or modification time (in
 * nanoseconds) changed: writeJsonFile renames a new file into place, so every write is seen.
 */
const lastRead = new Map<string, { stamp: string; schema: unknown; value: unknown }>();

/** Reads and validates a JSON file; `fallback()` when it does not exist. */
export function readJsonFile<S extends z.ZodMiniType>(
  file: string,
  schema: S,
  fallback: () => z.output<S>,
): z.output<S> {
  const st = statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) return fallback();
  const stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
  const known = lastRead.get(file);
  // A copy: callers may change what they get (and write it back).
  if (known && known.stamp === stamp && known.schema === schema)
    return structuredClone(known.value as z.output<S>);
  const value = parseJson(file, readFileSync(file, "utf8"), schema);
  try {
    lastRead.set(file, { stamp, schema, value: structuredClone(value) });
  } catch {
    // a value that cannot be copied (none of the town's files today) is read each time
  }
  return value;
}

/** Writes JSON through a temp file and a rename, so a reader never sees half a file. */
export function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
