// Re-dispatch of recovered work (spec §4.3): a bead the patrol put back to open because
// its polecat died is slung again — at most `redispatch_max` times, `redispatch_cooldown`
// apart — and after that handed to the mayor as an escalation instead of thrashing. The
// sling is `gt sling` itself, so whatever the town's dispatch does (capacity, parked rigs,
// guards) applies to a re-dispatch too.
import { runCommand } from "../adapters/process.ts";
import { escalate } from "../comms/escalation.ts";
import { ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { gtExecutable } from "../package-paths.ts";
import { openLedgerOfBead, rigOfBead } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";
import {
  type BeadRedispatch,
  cooldownLeft,
  deaconPaths,
  emptyBeadRedispatch,
  loadRedispatchState,
  saveRedispatchState,
} from "./deacon-state.ts";

/** Runs `gt sling <beads…> <target>` as a person would; the outcome and gt's own error line. */
export async function slingWithGt(
  town: Town,
  beads: string[],
  target: string,
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; error: string; polecats: string[] }> {
  const r = await runCommand(gtExecutable(), ["sling", ...beads, target, "--json"], { cwd: town.root, env });
  let polecats: string[] = [];
  let failures: Array<{ bead: string; error: string }> = [];
  try {
    const report = JSON.parse(r.stdout) as {
      outcomes?: Array<{ target?: string }>;
      failures?: Array<{ bead: string; error: string }>;
    };
    polecats = (report.outcomes ?? []).map((o) => String(o.target ?? ""));
    failures = report.failures ?? [];
  } catch {
    // no report: the error line says why
  }
  const error =
    failures.map((f) => `${f.bead}: ${f.error}`).join("; ") ||
    (r.exitCode !== 0
      ? (r.stderr.trim().split("\n").pop() ?? `exit ${r.exitCode}`).replace(/^Error: /, "")
      : "");
  return { ok: r.exitCode === 0 && failures.length === 0, error, polecats };
}

export type RedispatchAction =
  | "redispatched"
  | "escalated"
  | "already-escalated"
  | "cooldown"
  | "skipped"
  | "failed";

export interface RedispatchResult {
  bead: string;
  action: RedispatchAction;
  rig: string | null;
  attempts: number;
  max_attempts: number;
  cooldown_ms: number;
  escalation: string | null;
  message: string;
}

export interface RedispatchOptions {
  rig?: string;
  maxAttempts: number;
  cooldownMs: number;
  actor: string;
  /** The environment gt sling runs with (the caller's: its identity is the dispatcher). */
  env: NodeJS.ProcessEnv;
}

async function beadStatus(town: Town, id: string): Promise<{ id: string; status: string } | undefined> {
  const { ledger } = openLedgerOfBead(town, id);
  try {
    const issue = await ledger.getIssue(await ledger.resolveId(id).catch(() => id));
    return issue ? { id: issue.id, status: issue.status } : undefined;
  } finally {
    await ledger.close();
  }
}

async function toMayor(town: Town, bead: string, s: BeadRedispatch, actor: string): Promise<string> {
  const e = await escalate(town, {
    summary: `${bead} failed ${s.attempts} re-dispatches: needs a decision`,
    severity: "high",
    reason: [
      `The deacon re-dispatched ${bead} ${s.attempts} times (last to ${s.last_rig ?? "?"}${s.last_error ? `, last error: ${s.last_error}` : ""}) and each time it came back.`,
      "It stays open and is not slung again automatically: look at why its polecats die, then sling it by hand.",
    ].join("\n"),
    related: bead,
    source: actor,
    actor,
  });
  return e.id;
}

/** Re-dispatches one recovered bead, or escalates it once it has had its attempts. */
export async function redispatch(
  town: Town,
  beadArg: string,
  opts: RedispatchOptions,
): Promise<RedispatchResult> {
  const rig = opts.rig ?? rigOfBead(town, beadArg);
  if (!rig)
    throw new ValidationError(
      `cannot tell which rig ${beadArg} belongs to from its prefix: name it with --rig`,
    );
  town.rig(rig); // an unknown rig is one clear error
  const found = await beadStatus(town, beadArg);
  if (!found) throw new ValidationError(`no bead ${beadArg} in rig ${rig}`);
  const bead = found.id;
  return withFileLock(
    `${deaconPaths(town).redispatch}.lock`,
    async () => {
      const state = loadRedispatchState(town);
      const s = state.beads[bead] ?? emptyBeadRedispatch();
      const out = (action: RedispatchAction, message: string): RedispatchResult => ({
        bead,
        action,
        rig,
        attempts: s.attempts,
        max_attempts: opts.maxAttempts,
        cooldown_ms: cooldownLeft(s.last_attempt, opts.cooldownMs),
        escalation: s.escalation,
        message,
      });
      if (s.escalated_at)
        return out("already-escalated", `escalated to the mayor at ${s.escalated_at} (${s.escalation})`);
      const left = cooldownLeft(s.last_attempt, opts.cooldownMs);
      if (left > 0)
        return out("cooldown", `re-dispatched at ${s.last_attempt}; again in ${Math.ceil(left / 1000)}s`);
      if (s.attempts >= opts.maxAttempts) {
        s.escalation = await toMayor(town, bead, s, opts.actor);
        s.escalated_at = new Date().toISOString();
        state.beads[bead] = s;
        saveRedispatchState(town, state);
        logEvent(
          town.root,
          "redispatch_escalated",
          opts.actor,
          { bead, attempts: s.attempts, escalation: s.escalation },
          "feed",
        );
        return out("escalated", `escalated to the mayor after ${s.attempts} re-dispatches (${s.escalation})`);
      }
      const now = await beadStatus(town, bead);
      if (now?.status !== "open")
        return out("skipped", `${bead} is ${now?.status ?? "gone"}, not open: nothing to re-dispatch`);
      const r = await slingWithGt(town, [bead], rig, opts.env);
      s.attempts++;
      s.last_attempt = new Date().toISOString();
      s.last_rig = rig;
      s.last_error = r.ok ? null : r.error;
      state.beads[bead] = s;
      saveRedispatchState(town, state);
      logEvent(town.root, "redispatch", opts.actor, {
        bead,
        rig,
        attempt: s.attempts,
        ok: r.ok,
        error: s.last_error,
      });
      if (!r.ok) return out("failed", `gt sling ${bead} ${rig} failed: ${r.error}`);
      return out(
        "redispatched",
        `slung ${bead} to ${r.polecats.join(", ") || rig} (re-dispatch ${s.attempts} of ${opts.maxAttempts})`,
      );
    },
    120_000,
  );
}
