// When a refinery works its queue. gt done (and the patrol) nudge a running refinery about a
// new merge request; between nudges it looks cheaply whether anything changed — the rig
// ledger's files (stat only) and a watch on its issues.jsonl, which every merge request
// reaches — and only then reads its queue; the round with a git fetch runs only when the
// queue has work, when nudged, or after a long backstop. An idle town's refineries cost
// next to nothing.
import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { estopFile } from "../town/estop.ts";
import { sessionNameOf } from "../town/identity.ts";
import { locate, openRigLedger, rigBeadsDir } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { MR_TYPE } from "../work/merge-requests.ts";
import { heldFrom } from "./claims.ts";
import { BRANCH_CLEANUP_LABEL } from "./engine.ts";

/** A full round at least this often, whatever the ledger says (a mirror's own commits, origin moved on). */
export const QUEUE_BACKSTOP_MS = 10 * 60_000;

/** Nudges the rig's refinery session if it runs; false when there is none to tell. */
export async function wakeRefinery(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  why: string,
): Promise<boolean> {
  const session = sessionNameOf({ role: "refinery", rig }, town.prefixOf(rig));
  if (!(await provider.isAlive(session))) return false;
  await provider.sendText(session, why);
  return true;
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return "-";
  }
}

/**
 * What the queue depends on, as file stats: the rig ledger's database, its WAL and JSONL,
 * and the e-stop files. Equal fingerprints: nothing was written since.
 */
export function queueFingerprint(town: Town, rig: string): string {
  const loc = locate(rigBeadsDir(town, rig));
  return [loc.dbPath, `${loc.dbPath}-wal`, loc.jsonlPath, estopFile(town.root), estopFile(town.root, rig)]
    .map(stamp)
    .join("|");
}

/**
 * Open merge requests `worker` may take (not claimed by someone else, not blocked), or merged
 * ones whose branch is still to delete: a round has work.
 */
export async function queueHasWork(town: Town, rig: string, worker = `${rig}/refinery`): Promise<boolean> {
  const ledger = openRigLedger(town, rig);
  try {
    const open = await ledger.listIssues({ types: [MR_TYPE], includeInfra: true });
    if (open.length > 0) {
      const held = await heldFrom(
        ledger,
        open.map((i) => i.id),
        worker,
      );
      if (open.some((i) => !held.has(i.id))) return true;
    }
    const cleanup = await ledger.countIssues({
      types: [MR_TYPE],
      labels: [BRANCH_CLEANUP_LABEL],
      all: true,
      includeInfra: true,
    });
    return Number(cleanup) > 0;
  } finally {
    await ledger.close();
  }
}

/** Calls `onChange` (debounced) whenever the rig ledger's issues.jsonl is written; returns the stop. */
export function watchQueueLedger(
  town: Town,
  rig: string,
  onChange: () => void,
  debounceMs = 300,
): () => void {
  const file = locate(rigBeadsDir(town, rig)).jsonlPath;
  let timer: NodeJS.Timeout | undefined;
  let w: FSWatcher | undefined;
  try {
    // The directory: the file is replaced by a rename on every export.
    w = watch(dirname(file), { persistent: false }, (_e, name) => {
      if (name && String(name) !== basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    w.on("error", () => w?.close());
  } catch {
    // no watch: the poll alone finds changes
  }
  return () => {
    if (timer) clearTimeout(timer);
    w?.close();
  };
}
