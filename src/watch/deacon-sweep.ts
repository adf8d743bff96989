// The deacon's sweeps over the whole town (spec §4.3): hooks held by agents that are gone
// (stale-hooks: unhooked once old enough, noting any partial work left in a polecat's
// sandbox), agent processes that outlived their session (cleanup-orphans: stopped), and a
// zombie scan of every rig — the witness patrol's detector, report only: the deacon has no
// kill authority over polecats, their witness does.
import { existsSync, readFileSync } from "node:fs";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { hasProcFs, isRunning, stopProcesses } from "../runtime/support.ts";
import { parseAddress, sessionNameOf, workDirOf } from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED, unhookBead } from "../work/hook.ts";
import { unpushedCommits, workLeftIn } from "../work/polecats.ts";
import { type Finding, runPatrol } from "./patrol.ts";
import { meta, timeOf } from "./patrol-facts.ts";
import { strayTownProcesses, type TownProcess } from "./town-processes.ts";

async function liveSessions(provider: RuntimeProvider): Promise<Set<string>> {
  return new Set((await provider.list()).filter((s) => s.alive).map((s) => s.name));
}

// ---- stale hooks -----------------------------------------------------------------------

export interface StaleHook {
  bead: string;
  title: string;
  holder: string;
  age_ms: number;
  holder_alive: boolean;
  unhooked: boolean;
  /** What a polecat's sandbox still holds that no remote has. */
  partial_work: string[];
  error: string | null;
}

export interface StaleHooksReport {
  hooked: number;
  stale: StaleHook[];
  unhooked: number;
}

/** Where the holder's unsaved work would be, and what it is. */
async function partialWork(town: Town, holder: string): Promise<string[]> {
  try {
    const id = parseAddress(holder);
    if (id.role !== "polecat" || !id.rig || !town.rigNames().includes(id.rig)) return [];
    const dir = workDirOf(town.root, id);
    if (!existsSync(dir)) return [];
    const dirty = await workLeftIn(dir);
    const unpushed = await unpushedCommits(dir, id.name!);
    return [
      ...(dirty.length ? [`${dirty.length} uncommitted change(s)`] : []),
      ...(unpushed.length ? [`${unpushed.length} unpushed commit(s)`] : []),
    ];
  } catch {
    return [];
  }
}

function holderSession(town: Town, holder: string): string | undefined {
  try {
    const id = parseAddress(holder);
    if (id.rig && !town.rigNames().includes(id.rig)) return undefined;
    return sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  } catch {
    return undefined; // a person: no session to judge by
  }
}

/** Hooked beads older than `maxAgeMs` whose holder's session is not running: unhooked (unless dryRun). */
export async function staleHooks(
  town: Town,
  provider: RuntimeProvider,
  opts: { maxAgeMs: number; dryRun?: boolean; actor: string },
): Promise<StaleHooksReport> {
  const live = await liveSessions(provider);
  const now = Date.now();
  let hooked = 0;
  const stale: StaleHook[] = [];
  for (const rig of [undefined, ...town.rigNames()]) {
    const ledger = openLedgerFor(town, rig);
    let beads: Awaited<ReturnType<typeof ledger.listIssues>>;
    try {
      beads = await ledger.listIssues({ statuses: [HOOKED], includeInfra: true, sort: "created" });
    } finally {
      await ledger.close();
    }
    for (const b of beads) {
      if (!b.assignee) continue;
      hooked++;
      const since = timeOf(meta(b).slung_at) ?? timeOf(b.updated_at) ?? now;
      const age = now - since;
      if (age < opts.maxAgeMs) continue;
      const session = holderSession(town, b.assignee);
      if (!session) continue;
      const alive = live.has(session);
      const entry: StaleHook = {
        bead: b.id,
        title: b.title,
        holder: b.assignee,
        age_ms: age,
        holder_alive: alive,
        unhooked: false,
        partial_work: alive ? [] : await partialWork(town, b.assignee),
        error: null,
      };
      if (!alive && !opts.dryRun) {
        try {
          await unhookBead(town, b.id, { actor: opts.actor, from: b.assignee });
          entry.unhooked = true;
        } catch (e) {
          entry.error = (e as Error).message;
        }
      }
      stale.push(entry);
    }
  }
  const unhooked = stale.filter((s) => s.unhooked).length;
  if (unhooked)
    logEvent(town.root, "stale_hooks", opts.actor, {
      unhooked: stale.filter((s) => s.unhooked).map((s) => s.bead),
    });
  return { hooked, stale, unhooked };
}

// ---- orphaned processes ----------------------------------------------------------------

const USER_HZ = 100;

function bootTimeMs(): number {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) * 1000 : 0;
  } catch {
    return 0;
  }
}

export interface OrphanProcess {
  pid: number;
  session: string;
  command: string;
  age_ms: number | null;
  stopped: boolean;
}

/**
 * Agent processes of this town whose session is gone, older than `graceMs` (a handoff's
 * helper outlives its session for a moment). The daemon is never one. Stopped (SIGTERM,
 * then SIGKILL, with what they started) unless `dryRun`.
 */
export async function cleanupOrphans(
  town: Town,
  provider: RuntimeProvider,
  opts: { graceMs: number; dryRun?: boolean; actor: string },
): Promise<{ supported: boolean; orphans: OrphanProcess[] }> {
  if (!hasProcFs()) return { supported: false, orphans: [] };
  const boot = bootTimeMs();
  const now = Date.now();
  const ageOf = (p: TownProcess) => (boot > 0 ? now - (boot + (Number(p.startTime) * 1000) / USER_HZ) : null);
  const found = strayTownProcesses(town.root, await liveSessions(provider)).filter(
    (p) => p.session !== "(daemon)" && (ageOf(p) ?? Number.POSITIVE_INFINITY) >= opts.graceMs,
  );
  const pids = new Set(found.map((p) => p.pid));
  const out: OrphanProcess[] = found.map((p) => ({
    pid: p.pid,
    session: p.session,
    command: p.argv.join(" ").slice(0, 120),
    age_ms: ageOf(p),
    stopped: false,
  }));
  if (opts.dryRun) return { supported: true, orphans: out };
  // The top of each orphaned tree takes its descendants with it.
  for (const p of found.filter((x) => !pids.has(x.ppid))) {
    if (!isRunning(p.pid, p.startTime)) continue;
    await stopProcesses(p.pid, true, 2000);
  }
  for (const o of out) o.stopped = !found.some((p) => p.pid === o.pid && isRunning(p.pid, p.startTime));
  if (out.length) logEvent(town.root, "orphans_stopped", opts.actor, { pids: out.map((o) => o.pid) });
  return { supported: true, orphans: out };
}

// ---- zombie scan -----------------------------------------------------------------------

const ZOMBIE_CLASSES = new Set([
  "stuck-in-done",
  "done-intent-dead",
  "agent-dead-in-session",
  "session-dead-active",
  "bead-closed-still-running",
  "orphaned-bead",
]);

/** Every rig's zombies as the witness patrol sees them, and orphaned agent processes: nothing is touched. */
export async function zombieScan(
  town: Town,
  provider: RuntimeProvider,
  actor: string,
): Promise<{ zombies: Finding[]; orphans: OrphanProcess[] }> {
  const report = await runPatrol(town, provider, { act: false, actor });
  const orphans = await cleanupOrphans(town, provider, { graceMs: 60_000, dryRun: true, actor });
  return { zombies: report.findings.filter((f) => ZOMBIE_CLASSES.has(f.class)), orphans: orphans.orphans };
}
