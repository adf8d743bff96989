// Restart backoff and crash-loop quarantine for the daemon (spec §4.1), as pure functions
// over an agent's record: the first restart is at once, then each waits twice as long as
// the one before (30 s, 60 s, ... up to 10 min); an agent that ran long enough since its
// last restart starts over; so many restarts within the window is a crash loop, after
// which the daemon stops restarting the agent until a person clears it.
import type { DaemonTimings } from "./daemon-config.ts";
import { type AgentRecord, emptyAgentRecord } from "./daemon-files.ts";

export type RestartVerdict =
  | { action: "start" }
  | { action: "wait"; untilMs: number }
  | { action: "quarantine"; restarts: number }
  | { action: "quarantined" };

const ms = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/** The record with its streak forgotten when the agent's last restart is long enough ago. */
export function settled(rec: AgentRecord, now: number, t: DaemonTimings): AgentRecord {
  const last = ms(rec.last_start);
  if (rec.restarts.length === 0 || !(now - last >= t.stableAfterMs)) return rec;
  return { ...rec, restarts: [], backoff_until: null, last_error: null };
}

/** What the daemon may do about an agent that should run and does not. */
export function restartVerdict(rec: AgentRecord | undefined, now: number, t: DaemonTimings): RestartVerdict {
  if (!rec) return { action: "start" };
  if (rec.quarantined_at) return { action: "quarantined" };
  const r = settled(rec, now, t);
  const recent = r.restarts.filter((at) => now - ms(at) < t.crashLoopWindowMs).length;
  if (recent >= t.crashLoopRestarts) return { action: "quarantine", restarts: recent };
  const until = ms(r.backoff_until);
  if (until > now) return { action: "wait", untilMs: until };
  return { action: "start" };
}

/** The wait after the `n`th restart of a streak (n ≥ 1). */
export function backoffAfter(n: number, t: DaemonTimings): number {
  return Math.min(t.backoffInitialMs * 2 ** Math.max(0, n - 1), t.backoffMaxMs);
}

/** The record after the daemon starts the agent (again) at `now`. */
export function recordStart(rec: AgentRecord | undefined, now: number, t: DaemonTimings): AgentRecord {
  const r = settled(rec ?? emptyAgentRecord(), now, t);
  const restarts = [...r.restarts, new Date(now).toISOString()];
  return {
    ...r,
    restarts,
    last_start: new Date(now).toISOString(),
    backoff_until: new Date(now + backoffAfter(restarts.length, t)).toISOString(),
  };
}

export function quarantine(
  rec: AgentRecord | undefined,
  now: number,
  escalation: string | null,
): AgentRecord {
  return {
    ...(rec ?? emptyAgentRecord()),
    quarantined_at: new Date(now).toISOString(),
    escalation,
  };
}

/** A cleared record: no streak, no backoff, no quarantine (gt daemon clear-backoff). */
export function cleared(rec: AgentRecord | undefined): AgentRecord {
  return { ...emptyAgentRecord(), last_start: rec?.last_start ?? null };
}
