// The global on/off switch (gt enable / gt disable): one small state file under
// $XDG_STATE_HOME/gastown/ (else ~/.local/state/gastown/), per user, not per town.
// GASTOWN_DISABLED=1 and GASTOWN_ENABLED=1 override it for one shell (disabled wins).
// With no state file Gas Town is on: a fresh install must work without `gt enable`.
// What "disabled" stops: the agent-CLI hooks become silent no-ops that exit 0 (gt prime
// --hook, gt mail check --inject, gt tap guard, gt signal stop), so a runtime started
// outside Gas Town is left alone. Commands a person types still run.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface SwitchState {
  enabled: boolean;
  updated_at: string;
}

export type SwitchSource = "env" | "state-file" | "default";

export interface SwitchStatus {
  enabled: boolean;
  source: SwitchSource;
  state_file: string;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg ? join(xdg, "gastown") : join(env.HOME || homedir(), ".local", "state", "gastown");
}

export function switchFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "state.json");
}

function readState(file: string): SwitchState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, "utf8")) as Partial<SwitchState>;
    return typeof s.enabled === "boolean"
      ? { enabled: s.enabled, updated_at: String(s.updated_at ?? "") }
      : undefined;
  } catch {
    // A damaged file counts as absent: on, as a fresh install is.
    return undefined;
  }
}

/** Whether Gas Town is on for this environment, and what decided it. */
export function switchStatus(env: NodeJS.ProcessEnv = process.env): SwitchStatus {
  const file = switchFile(env);
  if (env.GASTOWN_DISABLED === "1") return { enabled: false, source: "env", state_file: file };
  if (env.GASTOWN_ENABLED === "1") return { enabled: true, source: "env", state_file: file };
  const s = readState(file);
  return s
    ? { enabled: s.enabled, source: "state-file", state_file: file }
    : { enabled: true, source: "default", state_file: file };
}

export function gastownEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return switchStatus(env).enabled;
}

/** Turns the switch on or off (written whole, then renamed into place). */
export function setGastownEnabled(enabled: boolean, env: NodeJS.ProcessEnv = process.env): SwitchStatus {
  const file = switchFile(env);
  mkdirSync(stateDir(env), { recursive: true });
  const state: SwitchState = { enabled, updated_at: new Date().toISOString() };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return switchStatus(env);
}
