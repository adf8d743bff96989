// What one patrol leaves for the next, per rig, in `.runtime/patrol/<rig>.json`: each live
// session's screen digest and when it last changed (the activity signal every runtime can
// give), the last answer about each idle sandbox's unsaved work, and which findings were already reported and notified (so a receipt or a mail is
// written when something is new, not on every cycle). Losing the file loses nothing that
// matters: a screen first seen counts as active now, which only delays a reap or a report,
// and a sandbox is asked of git again.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lazyCrypto } from "../lazy.ts";
import type { SandboxVerdict } from "./patrol-sandbox.ts";

export interface PatrolState {
  /** session → digest of its screen and when that digest was first seen. */
  screens: Record<string, { digest: string; since: string }>;
  /** Finding keys of the last scan → when each was first seen. */
  seen: Record<string, string>;
  /** Finding keys → when they were last mailed with --notify. */
  notified: Record<string, string>;
  /** Idle polecat → the last answer about its sandbox's unsaved work. */
  sandboxes: Record<string, SandboxVerdict>;
}

function stateFile(runtimeDir: string, rig: string): string {
  return join(runtimeDir, "patrol", `${rig}.json`);
}

export function emptyState(): PatrolState {
  return { screens: {}, seen: {}, notified: {}, sandboxes: {} };
}

export function loadPatrolState(runtimeDir: string, rig: string): PatrolState {
  try {
    const raw = JSON.parse(readFileSync(stateFile(runtimeDir, rig), "utf8")) as Partial<PatrolState>;
    const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? v : {});
    return {
      screens: obj(raw.screens) as PatrolState["screens"],
      seen: obj(raw.seen) as PatrolState["seen"],
      notified: obj(raw.notified) as PatrolState["notified"],
      sandboxes: obj(raw.sandboxes) as PatrolState["sandboxes"],
    };
  } catch {
    return emptyState(); // none yet, or torn: start over
  }
}

/** Written through a temp file and a rename; two patrols at once: the last one's view stays. */
export function savePatrolState(runtimeDir: string, rig: string, state: PatrolState): void {
  const file = stateFile(runtimeDir, rig);
  try {
    mkdirSync(join(runtimeDir, "patrol"), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(tmp, `${JSON.stringify(state)}\n`);
    renameSync(tmp, file);
  } catch {
    // the state only sharpens the next scan; a scan that cannot keep it still worked
  }
}

export function screenDigest(screen: string): string {
  return lazyCrypto().createHash("sha256").update(screen).digest("hex").slice(0, 16);
}

/**
 * When the session's screen last changed, as far as patrols saw: the stored time if the
 * digest is the same, else now (and the state is updated).
 */
export function screenChangedAt(state: PatrolState, session: string, screen: string, now: number): number {
  const digest = screenDigest(screen);
  const prev = state.screens[session];
  if (prev && prev.digest === digest) {
    const t = Date.parse(prev.since);
    if (!Number.isNaN(t)) return t;
  }
  state.screens[session] = { digest, since: new Date(now).toISOString() };
  return now;
}
