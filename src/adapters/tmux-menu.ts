// tmux display-menu on a town's private server (-L <socket>), for gt agents menu. The menu is
// shown on a client: the given tty, else the client of the calling pane ($TMUX).
import { CommandError, runCommand } from "./process.ts";

/** Runs `tmux -L socket display-menu [-c client] <args>`; returns when the menu is up. */
export async function displayMenu(socket: string, menuArgs: string[], client?: string): Promise<void> {
  const [verb, ...rest] = menuArgs;
  const args = ["-L", socket, verb!, ...(client ? ["-c", client] : []), ...rest];
  const r = await runCommand("tmux", args, { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new CommandError("tmux display-menu", r);
}
