// Reading an agent's mailbox. A message is a bead of type "message" assigned to the
// recipient's address; it stays open until archived and carries the label "read" once read.
// This is the read side `gt prime` and `gt mail check` use; sending lives with `gt mail`.
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";

export const MESSAGE_TYPE = "message";
export const READ_LABEL = "read";

/** Open, unread messages to `address` across these ledgers, newest first. */
export async function unreadMail(ledgers: Ledger[], address: string): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const ledger of ledgers) {
    const msgs = await ledger.listIssues({
      types: [MESSAGE_TYPE],
      statuses: ["open"],
      assignee: address,
      excludeLabels: [READ_LABEL],
      includeInfra: true,
      // Mail is usually a wisp; both kinds count.
      ephemeral: true,
      sort: "created",
    });
    out.push(...msgs);
  }
  // Ledgers are queried one after another; merge them into one newest-first list.
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
}
