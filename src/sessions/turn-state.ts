// The idle marker an agent's own hooks keep: its turn-end hook (Claude's Stop) writes
// `.runtime/agent-state/<session>.idle`, its prompt hook (UserPromptSubmit) removes it, and
// so do a nudge being typed and a new session starting. While it is there the agent is
// waiting for input, whatever its screen shows; when it is not, the screen decides.
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function markerFile(runtimeDir: string, session: string): string {
  return join(runtimeDir, "agent-state", `${session}.idle`);
}

const VALID_SESSION = /^[A-Za-z0-9_.-]+$/;

/** The agent in `session` ended its turn and waits for input. */
export function markIdle(runtimeDir: string, session: string): void {
  if (!VALID_SESSION.test(session)) return;
  mkdirSync(join(runtimeDir, "agent-state"), { recursive: true });
  writeFileSync(markerFile(runtimeDir, session), `${new Date().toISOString()}\n`);
}

/** The agent in `session` has (or is about to get) something to work on. */
export function clearIdle(runtimeDir: string, session: string): void {
  if (!VALID_SESSION.test(session)) return;
  rmSync(markerFile(runtimeDir, session), { force: true });
}

/** Whether the agent's own hook says it is idle. */
export function markedIdle(runtimeDir: string, session: string): boolean {
  if (!VALID_SESSION.test(session)) return false;
  try {
    return statSync(markerFile(runtimeDir, session)).isFile();
  } catch {
    return false;
  }
}
