// Human layouts shared by gt commands.
import type { AgentStatus } from "../../agents/inventory.ts";
import { ROLES, type RoleName } from "../../town/roles.ts";

const STATE_ICON = { running: "●", zombie: "✗", stopped: "○" } as const;

export function formatAgentLine(a: AgentStatus): string {
  const emoji = ROLES[a.role as RoleName]?.emoji ?? " ";
  const hook = a.hook ? `  hook: ${a.hook} ${a.hook_title ?? ""}`.trimEnd() : "";
  const agent = a.agent && a.state !== "stopped" ? ` (${a.agent})` : "";
  return `${STATE_ICON[a.state]} ${emoji} ${a.address.padEnd(28)} ${a.state.padEnd(8)} ${a.session}${agent}${hook}`;
}
