// gt doctor: runs every check in a stable order and, with --fix, repairs what a check can
// right after it runs (later checks then see the repaired town) and runs it again to see
// that the repair held. A check that throws is reported as an error, never the end of
// the run.
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { ConfigFileError } from "../town/json-file.ts";
import { townRuntime } from "../town/runtime-choice.ts";
import type { Town } from "../town/workspace.ts";
import { rigConfigCheck, rigsRegistryCheck, townConfigCheck, townSettingsCheck } from "./config-checks.ts";
import { diskSpaceCheck } from "./disk-space.ts";
import { gitExcludesCheck } from "./git-excludes.ts";
import { hooksSyncCheck } from "./hooks-sync.ts";
import { ledgersCheck, redirectsCheck, routesCheck } from "./ledger-checks.ts";
import { orphanProcessesCheck, orphanSessionsCheck } from "./orphans.ts";
import { staleLocksCheck } from "./stale-locks.ts";
import type { Category, CheckStatus, DoctorCheck, DoctorContext, Finding } from "./types.ts";
import { problemOf, shown } from "./util.ts";
import { worktreeRegistryCheck, worktreesCheck } from "./worktree-checks.ts";

/**
 * Every check, in the order they run: the files everything else reads first (a --fix of
 * rigs.json lets the rig checks run), then ledgers, sandboxes, what runs, and hooks. There
 * is no daemon yet, so no daemon check.
 */
export const CHECKS: readonly DoctorCheck[] = [
  townConfigCheck,
  rigsRegistryCheck,
  townSettingsCheck,
  rigConfigCheck,
  diskSpaceCheck,
  ledgersCheck,
  routesCheck,
  redirectsCheck,
  worktreeRegistryCheck,
  worktreesCheck,
  gitExcludesCheck,
  orphanSessionsCheck,
  orphanProcessesCheck,
  staleLocksCheck,
  hooksSyncCheck,
];

export interface CheckResult {
  name: string;
  category: Category;
  status: CheckStatus;
  message: string;
  details: string[];
  /** What to do about it; null when all is well. */
  hint: string | null;
  /** gt doctor --fix can repair what is (or was) found. */
  fixable: boolean;
  /** --fix repaired it and the check now passes. */
  fixed: boolean;
}

export interface DoctorSummary {
  ok: number;
  warnings: number;
  errors: number;
  fixed: number;
}

export interface DoctorReport {
  checks: CheckResult[];
  summary: DoctorSummary;
}

export interface DoctorOptions {
  fix?: boolean;
  /** Only this rig's rig-level checks. */
  rig?: string;
  env?: NodeJS.ProcessEnv;
  actor?: string;
  /** The runtime to look at (default: the town's, as every gt command picks it). */
  provider?: RuntimeProvider;
  /** Age below which a process whose session is gone is not yet an orphan (default 10 s). */
  processGraceMs?: number;
  checks?: readonly DoctorCheck[];
}

export const DEFAULT_PROCESS_GRACE_MS = 10_000;

function contextFor(town: Town, opts: DoctorOptions): DoctorContext {
  const env = opts.env ?? process.env;
  let chosen = opts.provider;
  const provider = () => {
    chosen ??= townRuntime(town, env).provider;
    return chosen;
  };
  let listed: Promise<SessionInfo[]> | undefined;
  return {
    town,
    env,
    actor: opts.actor ?? "gt doctor",
    rigs: () => {
      const all = town.rigNames();
      if (!opts.rig) return all;
      return all.includes(opts.rig) ? [opts.rig] : [];
    },
    provider,
    // Listed once when only looking; with --fix a repair may have stopped a session.
    sessions: () => {
      if (opts.fix) return provider().list();
      listed ??= provider().list();
      return listed;
    },
    processGraceMs: opts.processGraceMs ?? DEFAULT_PROCESS_GRACE_MS,
  };
}

async function runOne(check: DoctorCheck, ctx: DoctorContext): Promise<Finding> {
  try {
    return await check.run(ctx);
  } catch (e) {
    // A config file the check needs is broken: the Core checks report that file once.
    if (e instanceof ConfigFileError)
      return {
        status: "warning",
        message: `not checked: ${shown(ctx.town, e.file)} does not load`,
        hint: "repair the config files first (the Core checks above name them)",
      };
    return { status: "error", message: `could not run: ${problemOf(e)}` };
  }
}

function resultOf(check: DoctorCheck, f: Finding, fixed = false, extra: string[] = []): CheckResult {
  const fixable = fixed || f.fix !== undefined;
  return {
    name: check.name,
    category: check.category,
    status: f.status,
    message: fixed ? `${f.message} (fixed)` : f.message,
    details: [...extra, ...(f.details ?? [])],
    hint: f.status === "ok" ? null : f.hint || (f.fix ? "run gt doctor --fix" : null),
    fixable,
    fixed,
  };
}

/** Runs one check, and with `fix` its repair and the check again. */
async function checkAndFix(check: DoctorCheck, ctx: DoctorContext, fix: boolean): Promise<CheckResult> {
  const found = await runOne(check, ctx);
  if (!fix || found.status === "ok" || !found.fix) return resultOf(check, found);
  let did: string[];
  try {
    did = await found.fix();
  } catch (e) {
    return resultOf(check, found, false, [`fix failed: ${problemOf(e)}`]);
  }
  const after = await runOne(check, ctx);
  if (after.status === "ok") return resultOf(check, after, true, did);
  return resultOf(
    check,
    after,
    false,
    did.map((d) => `fix: ${d}`),
  );
}

/**
 * Runs the checks. Looking only, they run at once (most of their time is spent waiting on
 * git and the file system); with --fix one after another, so each repair is in place
 * before the checks after it look.
 */
export async function runDoctor(town: Town, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const ctx = contextFor(town, opts);
  const list = opts.checks ?? CHECKS;
  const checks: CheckResult[] = [];
  if (opts.fix) {
    for (const check of list) checks.push(await checkAndFix(check, ctx, true));
  } else {
    checks.push(...(await Promise.all(list.map((check) => checkAndFix(check, ctx, false)))));
  }
  return { checks, summary: summarize(checks) };
}

export function summarize(checks: CheckResult[]): DoctorSummary {
  return {
    ok: checks.filter((c) => c.status === "ok").length,
    warnings: checks.filter((c) => c.status === "warning").length,
    errors: checks.filter((c) => c.status === "error").length,
    fixed: checks.filter((c) => c.fixed).length,
  };
}
