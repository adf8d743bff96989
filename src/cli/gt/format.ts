// Human layouts shared by gt commands.
import type { AgentStatus } from "../../agents/inventory.ts";
import { safeText } from "../../terminal-text.ts";
import { ROLES, type RoleName } from "../../town/roles.ts";

/**
 * A one-line field of stored text (a title, subject, sender, name) made safe to print:
 * control characters, newlines included, become visible control pictures, so a field can
 * neither send an escape sequence nor forge a line of its own (GtContext.out keeps newlines).
 */
export function oneLine(text: string | null | undefined): string {
  return safeText(text ?? "");
}

/** A multi-line field (a body, a description): newlines stay, other controls are shown. */
export function block(text: string | null | undefined): string {
  return safeText(text ?? "", { multiline: true });
}

const STATE_ICON = { running: "●", zombie: "✗", stopped: "○" } as const;

export function formatAgentLine(a: AgentStatus): string {
  const emoji = ROLES[a.role as RoleName]?.emoji ?? " ";
  const hook = a.hook ? `  hook: ${a.hook} ${oneLine(a.hook_title)}`.trimEnd() : "";
  const agent = a.agent && a.state !== "stopped" ? ` (${a.agent})` : "";
  return `${STATE_ICON[a.state]} ${emoji} ${a.address.padEnd(28)} ${a.state.padEnd(8)} ${a.session}${agent}${hook}`;
}
