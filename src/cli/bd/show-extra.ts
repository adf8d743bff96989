// bd show --current (the bead you are on: in progress or hooked by you, else the last one
// touched) and bd show --thread (a message with every reply, through replies-to edges).
import { ValidationError } from "../../errors.ts";
import type { Issue } from "../../ledger/model.ts";
import type { LedgerStore } from "../../ledger/store.ts";
import type { BdContext } from "./context.ts";
import { minute, one } from "./format.ts";

const REPLIES_TO = "replies-to";

async function currentIssueId(ctx: BdContext): Promise<string | undefined> {
  const store = ctx.ledger();
  const me = ctx.actor();
  for (const status of ["in_progress", "hooked"]) {
    const mine = await store.listIssues({ statuses: [status], assignee: me, limit: 1 });
    if (mine[0]) return mine[0].id;
  }
  try {
    return ctx.idsOrLastTouched([])[0];
  } catch {
    return undefined;
  }
}

/**
 * The IDs `bd show` should print, after --current; undefined when --thread printed the
 * thread itself.
 */
export async function showTargets(
  ctx: BdContext,
  ids: string[],
  o: Record<string, unknown>,
): Promise<string[] | undefined> {
  if (o.current) {
    if (ids.length > 0) throw new ValidationError("--current cannot be combined with explicit issue IDs");
    const id = await currentIssueId(ctx);
    if (!id)
      throw new ValidationError(
        "no current issue found (no in-progress, hooked, or recently touched issues)",
      );
    ids = [id];
  }
  if (ids.length === 0)
    throw new ValidationError(
      "at least one issue ID is required (use positional args, --id flag, or --current)",
    );
  if (!o.thread) return ids;
  const { store, id } = await ctx.resolve(ids[0]!);
  await printThread(ctx, store, id);
  return undefined;
}

async function printThread(ctx: BdContext, store: LedgerStore, start: string): Promise<void> {
  // Up to the first message, then every reply under it.
  let root = start;
  const seen = new Set([root]);
  for (;;) {
    const up = (await store.dependencyRecords(root)).find((d) => d.type === REPLIES_TO)?.depends_on_id;
    if (!up || seen.has(up) || !(await store.getIssue(up))) break;
    seen.add(up);
    root = up;
  }
  const messages: Issue[] = [(await store.getIssue(root))!];
  const parentOf = new Map<string, string>();
  const queue = [root];
  const inThread = new Set([root]);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const r of await store.dependencies(id, "up", REPLIES_TO)) {
      if (inThread.has(r.id)) continue;
      inThread.add(r.id);
      const { dependency_type: _, ...issue } = r;
      messages.push(issue as Issue);
      parentOf.set(r.id, id);
      queue.push(r.id);
    }
  }
  messages.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  if (ctx.json) return ctx.printJson(messages);
  ctx.out(`\n📬 Thread: ${one(messages.find((m) => m.id === root)!.title)}`);
  ctx.out("─".repeat(66));
  for (const m of messages) {
    let depth = 0;
    for (let p = parentOf.get(m.id); p && depth < 5; p = parentOf.get(p)) depth++;
    const pad = "  ".repeat(depth);
    ctx.out(`${pad}${m.status === "closed" ? "✓" : "📧"} ${one(m.id)} ${minute(m.created_at)}`);
    ctx.out(`${pad}  From: ${one(m.sender ?? "")}  To: ${one(m.assignee ?? "")}`);
    if (parentOf.has(m.id)) ctx.out(`${pad}  Re: ${one(parentOf.get(m.id))}`);
    ctx.out(`${pad}  Subject: ${one(m.title)}`);
    for (const line of (m.description ?? "").split("\n").filter((l, i, all) => l || i < all.length - 1))
      ctx.out(`${pad}  ${line}`);
    ctx.out("");
  }
  ctx.out(`Total: ${messages.length} messages in thread\n`);
}
