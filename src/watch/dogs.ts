// Dogs (spec §4.1, §4.5): the daemon's deterministic maintenance jobs — boot's triage of the
// deacon, the wisp reaper, the checkpoint of working polecats' uncommitted work, the JSONL
// export check, the doctor — and the command dogs a person added. Each has an interval; the
// daemon runs whichever is due, one at a time, and none while gt down holds the shutdown
// lock or an e-stop stands. `gt dog run` runs one now. Every run is recorded in
// `.runtime/dogs/<name>.json`; problems a dog finds that it did not find last time are
// mailed to the deacon and logged as an event, once.
import { runShell } from "../adapters/process.ts";
import { durationMs } from "../comms/escalation.ts";
import { sendMail } from "../comms/mail.ts";
import { NotFoundError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { readEstop } from "../town/estop.ts";
import type { Town } from "../town/workspace.ts";
import { bootTriage } from "./boot.ts";
import { shutdownHolder } from "./daemon-files.ts";
import { checkpointPolecats } from "./dog-checkpoint.ts";
import {
  BUILTIN_DOGS,
  BUILTIN_NAMES,
  type BuiltinDog,
  builtinDogSettings,
  type CommandDog,
  commandDogs,
  type DogSettings,
} from "./dog-config.ts";
import { doctorDog } from "./dog-doctor.ts";
import { checkJsonlExports } from "./dog-jsonl.ts";
import { reapWisps } from "./dog-reaper.ts";
import { type DogContext, type DogOutcome, type DogState, readDogState, writeDogState } from "./dog-state.ts";

type Runner = (ctx: DogContext, s: DogSettings) => Promise<DogOutcome>;

const RUNNERS: Record<BuiltinDog, Runner> = {
  boot: async (ctx) => {
    const s = await bootTriage(ctx.town, ctx.provider, { actor: ctx.actor });
    return {
      ok: s.action !== "error",
      summary: `${s.action}: ${s.reason}${s.result ? ` → ${s.result}` : ""}`,
      problems: s.error ? [`boot triage failed: ${s.error}`] : [],
    };
  },
  "wisp-reaper": reapWisps,
  checkpoint: checkpointPolecats,
  "jsonl-export": checkJsonlExports,
  doctor: doctorDog,
};

export interface DogView {
  name: string;
  kind: "builtin" | "command";
  about: string;
  enabled: boolean;
  interval_ms: number;
  command: string | null;
  /** When the daemon runs it next (null: switched off or unreadable). */
  next_due: string | null;
  /** A configuration problem that keeps it from running. */
  error: string | null;
  state: DogState | null;
}

function dueAt(state: DogState | undefined, intervalMs: number, since: number): number {
  const last = state?.last_run_at ? Date.parse(state.last_run_at) : Number.NaN;
  return Number.isNaN(last) ? since + Math.min(intervalMs, 30_000) : last + intervalMs;
}

/** Every dog with its settings and last run. `since`: when an unrun dog started waiting. */
export function listDogs(town: Town, since = Date.now()): DogView[] {
  const out: DogView[] = [];
  for (const name of BUILTIN_NAMES) {
    const state = readDogState(town, name) ?? null;
    const base = { name, kind: "builtin" as const, about: BUILTIN_DOGS[name].about, command: null, state };
    try {
      const s = builtinDogSettings(town, name);
      const next = s.enabled ? new Date(dueAt(state ?? undefined, s.intervalMs, since)).toISOString() : null;
      out.push({ ...base, enabled: s.enabled, interval_ms: s.intervalMs, next_due: next, error: null });
    } catch (e) {
      out.push({
        ...base,
        enabled: false,
        interval_ms: durationMs(BUILTIN_DOGS[name].interval),
        next_due: null,
        error: (e as Error).message,
      });
    }
  }
  const { dogs, broken } = commandDogs(town);
  for (const d of dogs) {
    const state = readDogState(town, d.name) ?? null;
    const intervalMs = durationMs(d.interval);
    out.push({
      name: d.name,
      kind: "command",
      about: `runs: ${d.command}`,
      enabled: d.enabled,
      interval_ms: intervalMs,
      command: d.command,
      next_due: d.enabled ? new Date(dueAt(state ?? undefined, intervalMs, since)).toISOString() : null,
      error: null,
      state,
    });
  }
  for (const b of broken)
    out.push({
      name: b.name,
      kind: "command",
      about: "",
      enabled: false,
      interval_ms: 0,
      command: null,
      next_due: null,
      error: b.error,
      state: null,
    });
  return out;
}

async function runCommandDog(ctx: DogContext, dog: CommandDog): Promise<DogOutcome> {
  const r = await runShell(dog.command, {
    cwd: ctx.town.root,
    env: ctx.env,
    timeoutMs: durationMs(dog.timeout),
  });
  const last = r.output.trim().split("\n").pop() ?? "";
  const ok = r.exitCode === 0 && !r.timedOut;
  const why = r.timedOut ? `timed out after ${dog.timeout}` : `exit ${r.exitCode}`;
  return {
    ok,
    summary: ok ? last || "done" : `${why}${last ? `: ${last}` : ""}`,
    problems: ok ? [] : [`${dog.command}: ${why}${last ? `: ${last}` : ""}`],
    details: { exit_code: r.exitCode, timed_out: r.timedOut, output: r.output.slice(-4000) },
  };
}

/** New problems (not reported by the last run) go to the deacon by mail and into the event log. */
async function report(
  ctx: DogContext,
  name: string,
  prev: DogState | undefined,
  o: DogOutcome,
): Promise<string | null> {
  const before = new Set(prev?.problems ?? []);
  const fresh = o.problems.filter((p) => !before.has(p));
  if (fresh.length === 0 || name === "boot") return prev?.reported_at ?? null;
  logEvent(ctx.town.root, "dog_report", ctx.actor, { dog: name, problems: fresh }, "feed");
  await sendMail(ctx.town, {
    from: ctx.actor,
    to: "deacon",
    subject: `DOG_REPORT ${name}: ${fresh.length} new problem(s)`,
    body: fresh.map((p) => `- ${p}`).join("\n"),
  }).catch(() => undefined);
  return new Date().toISOString();
}

/** Runs one dog now and records the run; a dog that throws is a failed run, not a crash. */
export async function runDog(ctx: DogContext, name: string): Promise<DogState> {
  const builtin = (BUILTIN_NAMES as string[]).includes(name) ? (name as BuiltinDog) : undefined;
  const custom = builtin ? undefined : commandDogs(ctx.town).dogs.find((d) => d.name === name);
  if (!builtin && !custom) throw new NotFoundError(name, `no dog named ${name} (gt dog list)`);
  const prev = readDogState(ctx.town, name);
  const started = Date.now();
  let o: DogOutcome;
  try {
    o = builtin
      ? await RUNNERS[builtin](ctx, builtinDogSettings(ctx.town, builtin))
      : await runCommandDog(ctx, custom!);
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0]!;
    o = { ok: false, summary: `failed: ${msg}`, problems: [`${name} failed: ${msg}`] };
  }
  const state: DogState = {
    name,
    runs: (prev?.runs ?? 0) + 1,
    last_run_at: new Date(started).toISOString(),
    last_duration_ms: Date.now() - started,
    last_ok: o.ok,
    last_summary: o.summary,
    problems: o.problems,
    details: o.details ?? null,
    reported_at: await report(ctx, name, prev, o),
  };
  writeDogState(ctx.town, state);
  return state;
}

/** Why no dog runs now, or undefined. */
function holdReason(town: Town): string | undefined {
  if (shutdownHolder(town)) return "gt down holds the shutdown lock";
  if (readEstop(town.root)) return "an e-stop stands";
  return undefined;
}

/**
 * The daemon's kennel: runs each enabled dog when it is due, one at a time, until stopped.
 * Settings are read again before each round, so a change applies without a restart.
 */
export function startDogs(
  town: Town,
  provider: RuntimeProvider,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  const since = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let held: string | undefined;
  const broken = new Set<string>();
  const ctx: DogContext = { town, provider, actor: "daemon", env: process.env };
  const schedule = (atLeastMs: number) => {
    if (stopped) return;
    const dogs = listDogs(town, since);
    for (const d of dogs)
      if (d.error && !broken.has(d.name)) {
        broken.add(d.name);
        log(`dog ${d.name} cannot run: ${d.error}`);
      }
    const next = Math.min(...dogs.filter((d) => d.next_due).map((d) => Date.parse(d.next_due!)));
    if (!Number.isFinite(next)) return;
    // A timer at most an hour out: settings changed meanwhile are picked up on the next round.
    timer = setTimeout(round, Math.min(Math.max(atLeastMs, next - Date.now()), 3_600_000));
  };
  const round = () => {
    let wait = 1000;
    running = (async () => {
      const hold = holdReason(town);
      if (hold !== held && hold) log(`dogs wait: ${hold}`);
      held = hold;
      if (hold) {
        wait = 10_000;
        return;
      }
      for (const d of listDogs(town, since)) {
        if (stopped || !d.next_due || Date.parse(d.next_due) > Date.now()) continue;
        const s = await runDog(ctx, d.name);
        // Boot finding the deacon well is every few minutes' news: not logged.
        const quiet = d.name === "boot" && s.last_ok && s.last_summary?.startsWith("nothing");
        if (!quiet)
          log(
            `dog ${d.name}: ${s.last_summary}${s.problems.length ? ` (${s.problems.length} problem(s))` : ""}`,
          );
      }
    })()
      .catch((e) => log(`dogs: ${(e as Error).message}`))
      .finally(() => {
        running = undefined;
        schedule(wait);
      });
  };
  schedule(1000);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
