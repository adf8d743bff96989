// Reading and writing the town's JSON config files. Every file is validated on load with
// its zod schema; a bad file is one line naming the file, the key and the problem.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { ValidationError } from "../errors.ts";

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
export function parseJson<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
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

/** Reads and validates a JSON file; `fallback()` when it does not exist. */
export function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  fallback: () => z.output<S>,
): z.output<S> {
  if (!existsSync(file)) return fallback();
  return parseJson(file, readFileSync(file, "utf8"), schema);
}

/** Writes JSON through a temp file and a rename, so a reader never sees half a file. */
export function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
