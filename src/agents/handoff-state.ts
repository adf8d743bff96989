// What a handoff carries (spec §1.8, `gt handoff --collect` and `--auto`): the agent's
// state gathered into the note for its successor — the git state of its work directory, its
// hook, its unread mail and its in-progress beads — and the save-state-only handoff that
// PreCompact hooks run (a note to self and the marker `gt prime` reads; no new session).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { workingState } from "../adapters/git.ts";
import { inbox, sendMail } from "../comms/mail.ts";
import { logEvent } from "../events/log.ts";
import { type AgentIdentity, addressOf, workDirOf } from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { hookOf } from "../work/hook.ts";
import { HANDOFF_MARKER } from "./prime.ts";

const MAX_LINES = 10;

function section(title: string, lines: string[]): string[] {
  if (lines.length === 0) return [];
  const shown =
    lines.length > MAX_LINES
      ? [...lines.slice(0, MAX_LINES), `... (${lines.length - MAX_LINES} more)`]
      : lines;
  return [`## ${title}`, ...shown, ""];
}

/** The agent's state as markdown sections; "No active state to report." when there is none. */
export async function collectHandoffState(town: Town, id: AgentIdentity): Promise<string> {
  const address = addressOf(id);
  const out: string[] = [];
  const dir = workDirOf(town.root, id);
  if (existsSync(join(dir, ".git"))) {
    try {
      const g = await workingState(dir);
      out.push(
        ...section("Git", [
          `Branch: ${g.branch ?? "(detached)"}`,
          `Uncommitted changes: ${g.dirty ? "yes" : "no"}`,
          `Unpushed commits: ${g.unpushed}`,
        ]),
      );
    } catch {
      // not a readable repository: no git section
    }
  }
  out.push(
    ...section(
      "Hooked Work",
      (await hookOf(town, id)).map((b) => `${b.id} ${b.title}`),
    ),
  );
  const unread = (await inbox(town, address, { unreadOnly: true })).map(
    (m) => `${m.id} from ${m.from}: ${m.subject}`,
  );
  out.push(...section("Inbox (unread)", unread));
  const ledger = openLedgerFor(town, id.rig);
  try {
    const busy = await ledger.listIssues({ statuses: ["in_progress"], assignee: address });
    out.push(
      ...section(
        "In Progress",
        busy.map((b) => `${b.id} ${b.title}`),
      ),
    );
  } finally {
    await ledger.close();
  }
  return out.length ? out.join("\n").trim() : "No active state to report.";
}

export interface SavedHandoff {
  address: string;
  mail: string | null;
  subject: string;
  body: string;
  marker: string;
}

/**
 * Saves state without replacing the session (PreCompact): a pinned note to self and the
 * handoff marker. With `dryRun`, only says what it would write.
 */
export async function saveHandoffState(
  town: Town,
  id: AgentIdentity,
  opts: { subject: string; body: string; dryRun?: boolean },
): Promise<SavedHandoff> {
  const address = addressOf(id);
  const marker = join(workDirOf(town.root, id), ".runtime", HANDOFF_MARKER);
  if (opts.dryRun) return { address, mail: null, subject: opts.subject, body: opts.body, marker };
  const mail = await sendMail(town, {
    from: address,
    to: address,
    subject: opts.subject,
    body: opts.body,
    type: "notification",
    pinned: true,
  });
  mkdirSync(join(marker, ".."), { recursive: true });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  logEvent(town.root, "handoff", address, { mail: mail.id, auto: true });
  return { address, mail: mail.id, subject: opts.subject, body: opts.body, marker };
}
