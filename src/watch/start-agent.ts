// Starting one agent of the plan, for the daemon and gt up alike: with the agent preset it
// last ran (a polecat slung with --agent script comes back as one), or the configured one
// when it never ran or that preset is gone; a polecat goes back onto its bead's branch.
import { NotFoundError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { lastStartedAgentOf, type StartedSession, startAgentSession } from "../sessions/session.ts";
import type { Town } from "../town/workspace.ts";
import type { PlannedAgent } from "./reconcile.ts";

export async function startPlanned(
  town: Town,
  provider: RuntimeProvider,
  agent: PlannedAgent,
  opts: { sender: string; topic: string },
): Promise<StartedSession> {
  const last = await lastStartedAgentOf(town, agent.id).catch(() => undefined);
  const start = (preset: string | undefined) =>
    startAgentSession(town, provider, agent.id, {
      ...(preset ? { agent: preset } : {}),
      sender: opts.sender,
      topic: opts.topic,
      ...(agent.branch ? { branch: agent.branch } : {}),
    });
  try {
    return await start(last);
  } catch (e) {
    // The preset it last ran was removed from the town's settings: run the configured one.
    if (last && e instanceof NotFoundError && e.id === last) return start(undefined);
    throw e;
  }
}
