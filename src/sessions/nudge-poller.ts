// The nudge poller is a session's companion process: an agent whose runtime has no prompt
// hook never asks for its queued nudges, so `gt nudge-poller <session>` (comms) hands them
// over while the session lives. Sessions start it; comms runs it and clears its pid file.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lazyChildProcess } from "../lazy.ts";
import type { Town } from "../town/workspace.ts";

/** Agents whose runtime has a prompt hook that hands over queued nudges (gt mail check --inject). */
export function drainsOwnQueue(hooksProvider: string, provider: string): boolean {
  return ["claude", "copilot", "codex", "gemini"].includes(hooksProvider) || provider === "script";
}

export function pollerPidFile(town: Town, session: string): string {
  return join(town.runtimeDir, "nudge_poller", `${session}.pid`);
}

/** Starts the background drainer for a session whose agent has no prompt hook (once per session). */
export function startNudgePoller(town: Town, session: string, gtPath: string, env: NodeJS.ProcessEnv): void {
  const pidFile = pollerPidFile(town, session);
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (pid > 0) {
      process.kill(pid, 0);
      return; // one is already watching this session
    }
  } catch {
    // none, or a stale pid file
  }
  mkdirSync(join(town.runtimeDir, "nudge_poller"), { recursive: true });
  const child = lazyChildProcess().spawn(gtPath, ["nudge-poller", session], {
    cwd: town.root,
    env: { ...env, GT_TOWN_ROOT: town.root },
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
}
