// Reads the town for gt feed's panels with the same in-process functions gt status, gt convoy
// list and the dashboard use (agentStatuses, listConvoys) and the problems rows the patrol's
// own verdicts give (gatherProblems). Each part is read on its own: one that fails is named in
// the snapshot's errors and the others still show.
import { agentStatuses } from "../agents/inventory.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { Town } from "../town/workspace.ts";
import { gatherProblems } from "../watch/problems.ts";
import { listConvoys } from "../work/convoys.ts";
import type { FeedSnapshot } from "./model.ts";

async function part<T>(what: string, errors: string[], fallback: T, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    errors.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
    return fallback;
  }
}

export async function readFeedSnapshot(
  town: Town,
  provider: RuntimeProvider,
  opts: { rig?: string; problems?: boolean } = {},
): Promise<FeedSnapshot> {
  const errors: string[] = [];
  const rigs = opts.rig ? [opts.rig] : undefined;
  const agents = await part("agents", errors, [], () => agentStatuses(town, provider, rigs ? { rigs } : {}));
  const convoys = await part("convoys", errors, [], () => listConvoys(town, { all: true }));
  const problems =
    opts.problems === false
      ? []
      : await part("problems", errors, [], () => gatherProblems(town, provider, rigs ? { rigs } : {}));
  return { agents, convoys, problems, at: new Date().toISOString(), errors };
}
