// gt signal stop: the agent CLI's Stop hook, run at every turn boundary. If something waits
// for the agent (queued nudges, unread mail, work on its hook) it answers
// {"decision":"block","reason":…}, which keeps the agent working with the reason as its next
// input; otherwise it allows idling. Queued nudges are handed over in the reason (drained, as
// the prompt hook would). The same mail/hook reason blocks once: if the agent idles again
// without acting on it, the next stop is allowed, so an agent is never held in a loop.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unreadMail } from "../comms/mailbox.ts";
import { drainNudges, formatDrained } from "../comms/nudge.ts";
import { type AgentIdentity, addressOf, sessionNameOf } from "../town/identity.ts";
import { openLedgerFor, openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { findHookedWork } from "../work/hook.ts";

export interface StopDecision {
  decision: "block" | "allow";
  reason: string | null;
  /** What was found: queued nudges handed over, unread messages, hooked beads. */
  nudges: number;
  unread: number;
  hooked: string[];
}

function stateFile(town: Town, session: string): string {
  return join(town.runtimeDir, "signal-stop", `${session}.json`);
}

function lastReason(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { last_reason?: string }).last_reason;
  } catch {
    return undefined;
  }
}

export async function stopDecision(
  town: Town,
  id: AgentIdentity,
  env: NodeJS.ProcessEnv,
): Promise<StopDecision> {
  const address = addressOf(id);
  const session = env.GT_SESSION || sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  const ledgers = id.rig ? [openLedgerFor(town, id.rig), openTownLedger(town)] : [openTownLedger(town)];
  let unread: Awaited<ReturnType<typeof unreadMail>>;
  let hooked: Awaited<ReturnType<typeof findHookedWork>>;
  try {
    unread = (await unreadMail(ledgers, address)).filter(
      // A handoff note to oneself is for the next session's prime, not this one.
      (m) => !(m.sender === address && /handoff/i.test(m.title)),
    );
    hooked = await findHookedWork(ledgers, address, { forAgent: true });
  } finally {
    for (const l of ledgers) await l.close();
  }

  const lines: string[] = [];
  if (unread.length) {
    const m = unread[0]!;
    lines.push(
      `[gt signal stop] You have ${unread.length} unread message(s). Newest${m.sender ? ` from ${m.sender}` : ""}: "${m.title}"${unread.length > 1 ? ` (+${unread.length - 1} more)` : ""}. Run gt mail inbox, then carry on.`,
    );
  }
  if (hooked.length) {
    const b = hooked[0]!;
    lines.push(
      `[gt signal stop] Work on your hook: ${b.id} — "${b.title}". Run gt hook for details, then do it.`,
    );
  }
  const file = stateFile(town, session);
  const standing = lines.join("\n");
  // Nudges are new each time (drained below), so they always block; a standing reason once.
  const repeat = standing !== "" && lastReason(file) === standing;
  const nudges = drainNudges(town, session);
  const parts = [formatDrained(nudges), repeat ? "" : standing].filter(Boolean);
  if (standing) {
    mkdirSync(join(town.runtimeDir, "signal-stop"), { recursive: true });
    writeFileSync(file, JSON.stringify({ last_reason: standing }));
  } else if (existsSync(file)) rmSync(file, { force: true });
  const facts = { nudges: nudges.length, unread: unread.length, hooked: hooked.map((b) => b.id) };
  if (parts.length === 0) return { decision: "allow", reason: null, ...facts };
  return { decision: "block", reason: parts.join("\n\n"), ...facts };
}
