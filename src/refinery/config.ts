// A rig's merge-queue settings: `merge_queue` in <rig>/settings/config.json. Validated on
// load (a bad value names the file, the key and the problem) and filled with defaults.
import { z } from "zod";
import { ConfigFileError } from "../town/json-file.ts";
import { loadRigSettings, settingsFile } from "../town/settings.ts";

const command = z.string().trim().min(1).optional();

export const mergeQueueSchema = z.object({
  enabled: z.boolean().default(true),
  setup_command: command,
  typecheck_command: command,
  lint_command: command,
  test_command: command,
  build_command: command,
  /** Run the test gate (turn off to land on typecheck/lint/build alone). */
  run_tests: z.boolean().default(true),
  /** assign_back: a conflicting MR is rejected back to its work; auto_rebase: retried on the new target first. */
  on_conflict: z.enum(["assign_back", "auto_rebase"]).default("assign_back"),
  delete_merged_branches: z.boolean().default(true),
  /** How many times a failing gate is re-run before the failure counts. */
  retry_flaky_tests: z.number().int().min(0).max(5).default(0),
  /** Batches processed at once per rig (the queue is one line per target branch). */
  max_concurrent: z.number().int().min(1).default(1),
  /** Most MRs stacked into one batch. 1 means merge one at a time (no batching). */
  batch_size: z.number().int().min(1).max(256).default(16),
  /** A gate running longer than this fails with "timeout". */
  gate_timeout_seconds: z.number().positive().default(600),
  /** How often a running refinery looks at the queue without being nudged. */
  poll_interval_seconds: z.number().positive().default(30),
});

export type MergeQueueConfig = z.output<typeof mergeQueueSchema>;

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
  const parsed = mergeQueueSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(
      settingsFile(rigDir),
      `${["merge_queue", ...issue.path].join(".")}: ${issue.message}`,
    );
  }
  return parsed.data;
}
