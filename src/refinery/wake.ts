// Telling a running refinery to look at its queue now, instead of at its next poll.
import type { RuntimeProvider } from "../runtime/provider.ts";
import { sessionNameOf } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";

/** Nudges the rig's refinery session if it runs; false when there is none to tell. */
export async function wakeRefinery(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  why: string,
): Promise<boolean> {
  const session = sessionNameOf({ role: "refinery", rig }, town.prefixOf(rig));
  if (!(await provider.isAlive(session))) return false;
  await provider.sendText(session, why);
  return true;
}
