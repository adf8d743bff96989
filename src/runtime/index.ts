// Picks and builds a town's runtime provider: tmux on the town's private socket, or
// detached subprocesses with their state under <town>/.runtime/sessions.
import { join } from "node:path";
import { townSocketName } from "../adapters/tmux.ts";
import type { ProviderKind, RuntimeProvider } from "./provider.ts";
import { SubprocessProvider } from "./subprocess.ts";
import { TmuxProvider } from "./tmux.ts";

export { tmuxAvailable, townSocketName } from "../adapters/tmux.ts";
export type { ProviderKind, RuntimeProvider, SessionInfo, SessionSpec } from "./provider.ts";
export { SubprocessProvider } from "./subprocess.ts";
export { TmuxProvider } from "./tmux.ts";

export function createProvider(kind: ProviderKind, townRoot: string): RuntimeProvider {
  if (kind === "tmux") return new TmuxProvider({ socket: townSocketName(townRoot) });
  return new SubprocessProvider({ stateDir: join(townRoot, ".runtime", "sessions") });
}
