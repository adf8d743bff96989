// A rig's merge-queue settings: `merge_queue` in <rig>/settings/config.json. Validated on
// load (a bad value names the file, the key and the problem) and filled with defaults.
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import * as z from "../schema.ts";
import { ConfigFileError } from "../town/json-file.ts";
import { withFileLock } from "../town/lock.ts";
import { loadRigSettings, saveRigSettings, settingsFile } from "../town/settings.ts";

function buildMergeQueueSchema() {
  const command = z.optional(z.string().check(z.trim()).check(z.minLength(1)));
  return z.object({
    enabled: z._default(z.boolean(), true),
    setup_command: command,
    typecheck_command: command,
    lint_command: command,
    test_command: command,
    build_command: command,
    /** Run the test gate (turn off to land on typecheck/lint/build alone). */
    run_tests: z._default(z.boolean(), true),
    /** assign_back: a conflicting MR is rejected back to its work; auto_rebase: retried on the new target first. */
    on_conflict: z._default(z.enum(["assign_back", "auto_rebase"]), "assign_back"),
    delete_merged_branches: z._default(z.boolean(), true),
    /** How many times a failing gate is re-run before the failure counts. */
    retry_flaky_tests: z._default(z.int().check(z.gte(0)).check(z.lte(5)), 0),
    /** Batches processed at once per rig (the queue is one line per target branch). */
    max_concurrent: z._default(z.int().check(z.gte(1)), 1),
    /** Most MRs stacked into one batch. 1 means merge one at a time (no batching). */
    batch_size: z._default(z.int().check(z.gte(1)).check(z.lte(256)), 16),
    /** A gate running longer than this fails with "timeout". */
    gate_timeout_seconds: z._default(z.number().check(z.positive()), 600),
    /** How often a running refinery looks whether its queue changed (file stats; the queue is read only then). */
    poll_interval_seconds: z._default(z.number().check(z.positive()), 30),
  });
}
let built: ReturnType<typeof buildMergeQueueSchema> | undefined;
/** Built on first use: most gt commands load this module and never read a rig's settings. */
export const mergeQueueSchema = () => (built ??= buildMergeQueueSchema());
export type MergeQueueConfig = z.output<ReturnType<typeof buildMergeQueueSchema>>;

export const GATE_ORDER = ["setup", "typecheck", "lint", "test", "build"] as const;
export type GateName = (typeof GATE_ORDER)[number];

/** The gates to run, in order, as [name, shell command]. */
export function gatesOf(cfg: MergeQueueConfig): Array<[GateName, string]> {
  const out: Array<[GateName, string]> = [];
  for (const g of GATE_ORDER) {
    if (g === "test" && !cfg.run_tests) continue;
    const cmd = cfg[`${g}_command`];
    if (cmd) out.push([g, cmd]);
  }
  return out;
}

export function loadMergeQueueConfig(rigDir: string): MergeQueueConfig {
  const raw = (loadRigSettings(rigDir) as { merge_queue?: unknown }).merge_queue ?? {};
  const parsed = mergeQueueSchema().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(
      settingsFile(rigDir),
      `${["merge_queue", ...issue.path].join(".")}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** The merge-queue keys `gt rig config` sets, in the order `show` lists them. */
export const mergeQueueKeys = () => Object.keys(mergeQueueSchema().shape) as Array<keyof MergeQueueConfig>;

/** `test_command` or `merge_queue.test_command` → `test_command`; an unknown key is an error. */
export function mergeQueueKey(key: string): keyof MergeQueueConfig {
  const bare = key.startsWith("merge_queue.") ? key.slice("merge_queue.".length) : key;
  if ((mergeQueueKeys() as string[]).includes(bare)) return bare as keyof MergeQueueConfig;
  throw new ValidationError(`unknown rig setting "${key}" (settings: ${mergeQueueKeys().join(", ")})`);
}

/** What a key's default is: its type decides how a command-line value is read. */
function kindOf(key: keyof MergeQueueConfig): "command" | "boolean" | "number" | "choice" {
  if (key.endsWith("_command")) return "command";
  const d = mergeQueueSchema().parse({})[key];
  if (typeof d === "boolean") return "boolean";
  if (typeof d === "number") return "number";
  return "choice";
}

/** Reads a command-line value as the key's type and checks it as the settings file would. */
export function parseMergeQueueValue(key: keyof MergeQueueConfig, raw: string): unknown {
  const kind = kindOf(key);
  let value: unknown = raw;
  if (kind === "boolean") {
    if (!["true", "false", "yes", "no", "on", "off"].includes(raw.toLowerCase()))
      throw new ValidationError(`merge_queue.${key} is true or false, not "${raw}"`);
    value = ["true", "yes", "on"].includes(raw.toLowerCase());
  } else if (kind === "number") {
    value = raw.trim() === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) throw new ValidationError(`merge_queue.${key} is a number, not "${raw}"`);
  }
  const r = mergeQueueSchema().shape[key].safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const why =
      issue.code === "invalid_type" && issue.expected === "int"
        ? "must be a whole number"
        : issue.message.toLowerCase();
    throw new ValidationError(`invalid merge_queue.${key} "${raw}": ${why}`);
  }
  return r.data;
}

export interface MergeQueueSetting {
  key: string;
  value: unknown;
  /** Set in the rig's settings file (false: the default applies). */
  set: boolean;
}

/** Every merge-queue setting of a rig: its value in effect and whether the rig sets it. */
export function mergeQueueSettings(rigDir: string): MergeQueueSetting[] {
  const cfg = loadMergeQueueConfig(rigDir);
  const own = ((loadRigSettings(rigDir) as { merge_queue?: Record<string, unknown> }).merge_queue ??
    {}) as Record<string, unknown>;
  return mergeQueueKeys().map((k) => ({ key: `merge_queue.${k}`, value: cfg[k] ?? null, set: k in own }));
}

/**
 * Sets (or, with value undefined, removes) one merge-queue key in <rig>/settings/config.json,
 * keeping every other setting; the file is only written when the result loads cleanly.
 */
export async function writeMergeQueueSetting(
  rigDir: string,
  key: string,
  raw: string | undefined,
): Promise<MergeQueueSetting> {
  const k = mergeQueueKey(key);
  const value = raw === undefined ? undefined : parseMergeQueueValue(k, raw);
  return withFileLock(join(rigDir, ".runtime", "locks", "settings.lock"), async () => {
    const settings = loadRigSettings(rigDir);
    const mq = { ...((settings.merge_queue ?? {}) as Record<string, unknown>) };
    if (value === undefined) delete mq[k];
    else mq[k] = value;
    const checked = mergeQueueSchema().safeParse(mq);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new ConfigFileError(
        settingsFile(rigDir),
        `${["merge_queue", ...issue.path].join(".")}: ${issue.message} (fix it with gt rig config set)`,
      );
    }
    saveRigSettings(rigDir, { ...settings, merge_queue: mq });
    return { key: `merge_queue.${k}`, value: checked.data[k] ?? null, set: value !== undefined };
  });
}
