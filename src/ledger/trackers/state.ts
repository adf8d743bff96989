// When each tracker last synced this clone: `.beads/sync-state.json` (git-ignored, as beads
// keeps it in local metadata), so another clone's sync time never travels through git.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SyncClock } from "./engine.ts";

const FILE = "sync-state.json";

function read(beadsDir: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(join(beadsDir, FILE), "utf8")) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** `<tracker>.last_sync` in the clone's sync state. */
export function syncClock(beadsDir: string, tracker: string): SyncClock {
  const key = `${tracker}.last_sync`;
  return {
    get() {
      const v = read(beadsDir)[key];
      return typeof v === "string" && !Number.isNaN(Date.parse(v)) ? v : undefined;
    },
    set(value) {
      const next = { ...read(beadsDir), [key]: value };
      const tmp = join(beadsDir, `${FILE}.tmp-${process.pid}`);
      writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
      renameSync(tmp, join(beadsDir, FILE));
    },
  };
}
