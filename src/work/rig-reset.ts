// gt rig reset: clears what a rig's agents left behind that would mislead the next session.
// Handoff content (the pinned "🤝 HANDOFF" notes to self and the marker gt prime turns into
// a "you took over" note), mail already read, and beads left in_progress by an agent whose
// session is gone (back to open and unassigned, so ready work shows them again). Beads on a
// hook are not touched: a hook is how a restarted agent finds its work again.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { archiveMail, inbox } from "../comms/mail.ts";
import { ConflictError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { type AgentIdentity, addressOf, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { agentsOfLedger } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";

/** The marker file gt handoff leaves (src/agents/prime.ts HANDOFF_MARKER; work may not import agents). */
const HANDOFF_MARKER = "handoff_to_successor";
const HANDOFF_SUBJECT = "🤝 HANDOFF";

export type ResetPart = "handoff" | "mail" | "stale";

export interface ResetReport {
  rig: string;
  dry_run: boolean;
  /** Handoff notes archived and markers removed, by agent address. */
  handoff: Array<{ address: string; mail: string[]; marker: boolean }>;
  /** Read messages archived. */
  mail: Array<{ address: string; id: string; subject: string }>;
  /** Beads put back to open: in_progress with no live session holding them. */
  stale: Array<{ id: string; title: string; assignee: string }>;
}

export async function resetRig(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  opts: { parts?: ResetPart[]; dryRun?: boolean; actor: string },
): Promise<ResetReport> {
  town.rig(rig);
  const parts = new Set<ResetPart>(opts.parts?.length ? opts.parts : ["handoff", "mail", "stale"]);
  const dry = opts.dryRun === true;
  const report: ResetReport = { rig, dry_run: dry, handoff: [], mail: [], stale: [] };
  const agents = agentsOfLedger(town, rig);
  for (const id of agents) {
    const address = addressOf(id);
    const messages = parts.has("handoff") || parts.has("mail") ? await inbox(town, address) : [];
    if (parts.has("handoff")) {
      const notes = messages.filter((m) => m.from === address && m.subject.startsWith(HANDOFF_SUBJECT));
      const marker = join(workDirOf(town.root, id), ".runtime", HANDOFF_MARKER);
      const hasMarker = existsSync(marker);
      if (notes.length > 0 || hasMarker) {
        if (!dry) {
          for (const m of notes) await archiveMail(town, address, m.id);
          rmSync(marker, { force: true });
        }
        report.handoff.push({ address, mail: notes.map((m) => m.id), marker: hasMarker });
      }
    }
    if (parts.has("mail"))
      for (const m of messages.filter(
        (m) => m.read && !m.pinned && !report.handoff.some((h) => h.mail.includes(m.id)),
      )) {
        if (!dry) await archiveMail(town, address, m.id);
        report.mail.push({ address, id: m.id, subject: m.subject });
      }
  }
  if (parts.has("stale")) report.stale = await resetStale(town, provider, rig, agents, dry, opts.actor);
  return report;
}

async function resetStale(
  town: Town,
  provider: RuntimeProvider,
  rig: string,
  agents: AgentIdentity[],
  dry: boolean,
  actor: string,
): Promise<ResetReport["stale"]> {
  const prefix = town.prefixOf(rig);
  const sessions = new Map(agents.map((id) => [addressOf(id), sessionNameOf(id, prefix)]));
  const alive = new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
  const ledger = openRigLedger(town, rig);
  try {
    const out: ResetReport["stale"] = [];
    for (const i of await ledger.listIssues({ statuses: ["in_progress"] })) {
      if (!i.assignee) continue;
      const session = sessions.get(i.assignee);
      // Only agents of this rig: a person's (or another rig's) claim is theirs to release.
      if (!session || alive.has(session)) continue;
      if (!dry)
        try {
          await ledger.updateIssue(i.id, { status: "open", assignee: null }, actor, (cur) => {
            if (cur.status !== "in_progress" || cur.assignee !== i.assignee)
              throw new ConflictError("changed", `${i.id} changed meanwhile`);
          });
        } catch (e) {
          if (e instanceof ConflictError) continue; // someone took it up again: leave it
          throw e;
        }
      out.push({ id: i.id, title: i.title, assignee: i.assignee });
    }
    return out;
  } finally {
    await ledger.close();
  }
}
