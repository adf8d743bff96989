// The tmux calls behind gt theme and gt cycle / gt town: a session's status-line colours and
// switching an attached client to another session. Like tmux.ts, every call names a private
// server with `-L <socket>`, so the user's own tmux is never touched.
import { CommandError, runCommand } from "./process.ts";

async function tmux(socket: string, args: string[]): Promise<string> {
  const r = await runCommand("tmux", ["-L", socket, ...args], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new CommandError(`tmux ${args[0]}`, r);
  return r.stdout;
}

/** Names of the server's sessions; no server at all is an empty list. */
export async function sessionNames(socket: string): Promise<string[]> {
  const r = await runCommand("tmux", ["-L", socket, "list-sessions", "-F", "#{session_name}"], {
    timeoutMs: 15_000,
  });
  if (r.exitCode !== 0) {
    if (/no server running|error connecting to|server exited/i.test(r.stderr)) return [];
    throw new CommandError("tmux list-sessions", r);
  }
  return r.stdout.split("\n").filter(Boolean);
}

/** Sets (or, with undefined, unsets back to the server default) a session's status-style. */
export async function setStatusStyle(
  socket: string,
  session: string,
  style: string | undefined,
): Promise<void> {
  const target = ["-t", `=${session}:`];
  if (style === undefined) await tmux(socket, ["set-option", "-u", ...target, "status-style"]);
  else await tmux(socket, ["set-option", ...target, "status-style", style]);
}

/** The session the calling client shows (only meaningful inside tmux). */
export async function currentSession(socket: string): Promise<string> {
  return (await tmux(socket, ["display-message", "-p", "#{session_name}"])).trim();
}

/** Points a client (the given tty, else the calling one) at session `target`. */
export async function switchClient(socket: string, target: string, client?: string): Promise<void> {
  await tmux(socket, ["switch-client", ...(client ? ["-c", client] : []), "-t", `=${target}`]);
}
