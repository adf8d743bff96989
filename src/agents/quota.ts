// Quota rotation (gt quota scan/rotate): which running sessions show a rate limit, on which
// account, and moving the sessions of a limited account to an available one by restarting
// them (a new session picks its account when it starts: town/accounts.ts).
import { ValidationError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { startAgentSession } from "../sessions/session.ts";
import { listAccounts, looksRateLimited, markLimited } from "../town/accounts.ts";
import { agentBeadIdOf, parseAddress } from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { agentStatuses } from "./inventory.ts";

export interface SessionAccount {
  address: string;
  session: string;
  account: string | null;
  /** The agent preset it runs (restarted with the same one). */
  agent: string | null;
}

/** Running agents and the account each started on (from its agent bead). */
export async function runningAccounts(town: Town, provider: RuntimeProvider): Promise<SessionAccount[]> {
  const out: SessionAccount[] = [];
  for (const a of (await agentStatuses(town, provider)).filter((x) => x.running)) {
    const id = parseAddress(a.address);
    const ledger = openLedgerFor(town, id.rig);
    try {
      const bead = await ledger.getIssue(agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
      const meta = (bead?.metadata as Record<string, unknown> | undefined) ?? {};
      out.push({
        address: a.address,
        session: a.session,
        account: typeof meta.account === "string" ? meta.account : null,
        agent: typeof meta.agent === "string" ? meta.agent : null,
      });
    } finally {
      await ledger.close();
    }
  }
  return out;
}

export interface ScanHit extends SessionAccount {
  match: string;
}

/** Sessions whose screen shows a rate limit; with `update`, their accounts are marked limited. */
export async function scanQuota(town: Town, provider: RuntimeProvider, opts: { update?: boolean } = {}) {
  const hits: ScanHit[] = [];
  for (const s of await runningAccounts(town, provider)) {
    const match = looksRateLimited(await provider.screen(s.session));
    if (match) hits.push({ ...s, match });
  }
  const marked: string[] = [];
  if (opts.update)
    for (const h of hits)
      if (h.account && !marked.includes(h.account)) {
        markLimited(town, h.account, `${h.session}: ${h.match}`);
        marked.push(h.account);
      }
  return { hits, marked };
}

export interface RotatePlan extends SessionAccount {
  to: string;
}

/**
 * Restarts the sessions running on limited accounts (or on `from`) so they start on an
 * available one. With `dryRun`, only the plan.
 */
export async function rotateQuota(
  town: Town,
  provider: RuntimeProvider,
  opts: { from?: string; dryRun?: boolean } = {},
): Promise<{ rotated: RotatePlan[]; dry_run: boolean }> {
  const rows = listAccounts(town);
  if (opts.from && !rows.some((r) => r.handle === opts.from))
    throw new ValidationError(
      `no account "${opts.from}" (accounts: ${rows.map((r) => r.handle).join(", ") || "none"})`,
    );
  const leaving = new Set(
    rows.filter((r) => r.status === "limited" || r.handle === opts.from).map((r) => r.handle),
  );
  const open = rows.filter((r) => r.status === "available" && !leaving.has(r.handle));
  // The account a new session will get once the leaving ones are marked: the default, else the first.
  const target = open.find((r) => r.default) ?? open[0];
  const moving = (await runningAccounts(town, provider)).filter((s) => s.account && leaving.has(s.account));
  if (moving.length === 0) return { rotated: [], dry_run: opts.dryRun === true };
  if (!target)
    throw new ValidationError("no available account to rotate to (gt quota clear, or gt account add)");
  const rotated = moving.map((s) => ({ ...s, to: target.handle }));
  if (opts.dryRun) return { rotated, dry_run: true };
  if (opts.from) markLimited(town, opts.from, "rotated away from by request");
  for (const s of rotated) {
    await provider.stop(s.session);
    await startAgentSession(town, provider, parseAddress(s.address), {
      sender: "gt quota",
      topic: "restart",
      ...(s.agent ? { agent: s.agent } : {}),
    });
  }
  return { rotated, dry_run: false };
}
