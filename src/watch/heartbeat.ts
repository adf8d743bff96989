// An agent's own word on how it is doing (spec §4.6): `gt heartbeat <state>` writes
// `.runtime/heartbeats/<session>.json` with the state, the time, an optional note and the
// bead. The patrol believes a fresh one (a stuck agent is escalated, not restarted) and
// ignores a stale one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";

export const HEARTBEAT_STATES = ["working", "idle", "stuck", "exiting"] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];

export interface Heartbeat {
  state: HeartbeatState;
  ts: string;
  context: string | null;
  bead: string | null;
}

const VALID_SESSION = /^[A-Za-z0-9_.-]+$/;

function heartbeatFile(runtimeDir: string, session: string): string {
  return join(runtimeDir, "heartbeats", `${session}.json`);
}

export function writeHeartbeat(
  runtimeDir: string,
  session: string,
  beat: { state: string; context?: string; bead?: string },
  now = new Date(),
): Heartbeat {
  if (!VALID_SESSION.test(session)) throw new ValidationError(`invalid session name "${session}"`);
  if (!(HEARTBEAT_STATES as readonly string[]).includes(beat.state))
    throw new ValidationError(`unknown heartbeat state "${beat.state}" (${HEARTBEAT_STATES.join(", ")})`);
  const record: Heartbeat = {
    state: beat.state as HeartbeatState,
    ts: now.toISOString(),
    context: beat.context?.trim() || null,
    bead: beat.bead?.trim() || null,
  };
  const file = heartbeatFile(runtimeDir, session);
  mkdirSync(join(runtimeDir, "heartbeats"), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record)}\n`);
  renameSync(tmp, file);
  return record;
}

/** The session's last heartbeat, or undefined when there is none (or it cannot be read). */
export function readHeartbeat(runtimeDir: string, session: string): Heartbeat | undefined {
  if (!VALID_SESSION.test(session)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(heartbeatFile(runtimeDir, session), "utf8")) as Partial<Heartbeat>;
    if (!(HEARTBEAT_STATES as readonly string[]).includes(String(raw.state))) return undefined;
    if (typeof raw.ts !== "string" || Number.isNaN(Date.parse(raw.ts))) return undefined;
    return {
      state: raw.state as HeartbeatState,
      ts: raw.ts,
      context: typeof raw.context === "string" ? raw.context : null,
      bead: typeof raw.bead === "string" ? raw.bead : null,
    };
  } catch {
    return undefined;
  }
}
