// Lock files whose holder is gone. Gas Town's file locks (town/lock.ts) hold their owner's
// PID; the next taker clears a dead owner's lock, but until then it sits in .runtime and a
// person reading it cannot tell. Also the hard-link temp files a killed taker left, and
// nudge pollers' pid files.
import { readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../process-alive.ts";
import type { DoctorCheck } from "./types.ts";
import { ok, shown } from "./util.ts";

/** As town/lock.ts: a lock with no PID in it yet is being written, unless it is older than this. */
const EMPTY_LOCK_GRACE_MS = 5_000;
/** How deep under a .runtime directory locks live (locks/x.lock, nudge_queue/<session>/.lock). */
const MAX_DEPTH = 3;
/** Directories under .runtime that hold no locks (and may be large). */
const NOT_LOCKS = new Set(["agent-logs", "sessions"]);

interface StaleLock {
  file: string;
  why: string;
  /** What the file held when judged: it is removed only if it still holds that. */
  content: string;
}

function lockFiles(dir: string, depth = 0): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH && !NOT_LOCKS.has(e.name)) out.push(...lockFiles(path, depth + 1));
    } else if (
      e.name.endsWith(".lock") ||
      /\.lock\.\d+\.[a-z0-9]+$/.test(e.name) ||
      (e.name.endsWith(".pid") && dir.endsWith("nudge_poller"))
    )
      out.push(path);
  }
  return out;
}

/** Why the lock is stale, or undefined when its holder may still be alive. */
function judge(file: string, content: string, now: number): string | undefined {
  // A taker's temp file (<lock>.<pid>.<random>) names its pid in the file name.
  const temp = /\.lock\.(\d+)\.[a-z0-9]+$/.exec(file);
  const pid = Number(temp ? temp[1] : content.trim());
  if (Number.isInteger(pid) && pid > 0)
    return processAlive(pid) ? undefined : `held by pid ${pid}, which is gone`;
  if (content.trim() !== "") return `holds "${content.trim().slice(0, 20)}", not a pid`;
  try {
    return now - statSync(file).mtimeMs > EMPTY_LOCK_GRACE_MS ? "empty (its writer was killed)" : undefined;
  } catch {
    return undefined;
  }
}

function staleLocks(dirs: string[], now = Date.now()): StaleLock[] {
  const out: StaleLock[] = [];
  for (const dir of dirs)
    for (const file of lockFiles(dir)) {
      let content: string;
      try {
        content = readFileSync(file, "utf8");
      } catch {
        continue; // released meanwhile
      }
      const why = judge(file, content, now);
      if (why) out.push({ file, why, content });
    }
  return out;
}

export const staleLocksCheck: DoctorCheck = {
  name: "stale-locks",
  category: "Cleanup",
  description: "no lock file under .runtime is held by a process that is gone",
  async run(ctx) {
    const { town } = ctx;
    const dirs = [town.runtimeDir, ...ctx.rigs().map((r) => join(town.rigDir(r), ".runtime"))];
    const stale = staleLocks(dirs);
    if (stale.length === 0) return ok("no stale locks");
    return {
      status: "warning",
      message: `${stale.length} stale lock(s): ${stale.map((s) => shown(town, s.file)).join(", ")}`,
      details: stale.map((s) => `${shown(town, s.file)}: ${s.why}`),
      hint: "gt doctor --fix removes them (the next taker would too)",
      fix: async () => {
        const did: string[] = [];
        for (const s of stale) {
          // Judged again right before: a live process may have taken the lock meanwhile.
          let now: string;
          try {
            now = readFileSync(s.file, "utf8");
          } catch {
            continue;
          }
          if (now !== s.content || !judge(s.file, now, Date.now())) continue;
          try {
            unlinkSync(s.file);
            did.push(`removed ${shown(town, s.file)} (${s.why})`);
          } catch {
            // gone already
          }
        }
        return did;
      },
    };
  },
};
