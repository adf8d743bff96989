// The doctor dog (spec §4.1): runs `gt doctor` (with `--fix` when `doctor_dog.fix` is on)
// as its own process — the doctor sits above the daemon's layer, and a check that hangs or
// crashes must not take the daemon with it — and turns its warnings and errors into the
// dog's problems, which the kennel reports to the deacon when they are new.
import { runCommand } from "../adapters/process.ts";
import { gtExecutable } from "../package-paths.ts";
import type { DogSettings } from "./dog-config.ts";
import type { DogContext, DogOutcome } from "./dog-state.ts";

interface DoctorJson {
  checks: Array<{ name: string; status: string; message: string; fixed: boolean }>;
  summary: { ok: number; warnings: number; errors: number; fixed: number };
}

export async function doctorDog(ctx: DogContext, s: DogSettings): Promise<DogOutcome> {
  const fix = s.options.fix === true;
  const r = await runCommand(gtExecutable(), ["doctor", "--json", ...(fix ? ["--fix"] : [])], {
    cwd: ctx.town.root,
    env: { ...ctx.env, GT_TOWN_ROOT: ctx.town.root },
    timeoutMs: 300_000,
  });
  let report: DoctorJson;
  try {
    report = JSON.parse(r.stdout) as DoctorJson;
    if (!Array.isArray(report.checks)) throw new Error("no checks");
  } catch {
    const why = (r.stderr.trim().split("\n").pop() ?? "").trim() || `exit ${r.exitCode}`;
    return { ok: false, summary: `gt doctor gave no report: ${why}`, problems: [`gt doctor failed: ${why}`] };
  }
  const bad = report.checks.filter((c) => c.status !== "ok");
  const fixed = report.checks.filter((c) => c.fixed).map((c) => c.name);
  const { ok, warnings, errors } = report.summary;
  return {
    ok: errors === 0,
    summary: `${ok} ok, ${warnings} warning(s), ${errors} error(s)${fix ? `, ${fixed.length} fixed` : ""}`,
    problems: bad.map((c) => `${c.status} ${c.name}: ${c.message}`),
    details: { summary: report.summary, fixed, failing: bad.map((c) => c.name) },
  };
}
