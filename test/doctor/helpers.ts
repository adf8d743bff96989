// What the doctor tests share: gt doctor --json read whatever its exit code, one check of
// a report by name, and "the town is clean again" as one assertion.
import assert from "node:assert/strict";
import type { TestTown } from "../helpers/town.ts";

export interface CheckJson {
  name: string;
  category: string;
  status: "ok" | "warning" | "error";
  message: string;
  details: string[];
  hint: string | null;
  fixable: boolean;
  fixed: boolean;
}

export interface DoctorJson {
  checks: CheckJson[];
  summary: { ok: number; warnings: number; errors: number; fixed: number };
}

/** `gt doctor --json [args]`: the report (exit codes are asserted where they matter). */
export async function doctorJson(town: TestTown, args: string[] = []): Promise<DoctorJson> {
  const r = await town.gt(["doctor", "--json", ...args]);
  try {
    return JSON.parse(r.stdout) as DoctorJson;
  } catch {
    throw new Error(`gt doctor ${args.join(" ")} printed no report (${r.code}): ${r.stdout}${r.stderr}`);
  }
}

export function checkOf(report: DoctorJson, name: string): CheckJson {
  const c = report.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in the report`);
  return c;
}

/** Every check passes and gt doctor exits 0. */
export async function expectClean(town: TestTown): Promise<void> {
  const r = await town.gt(["doctor", "--json"]);
  const report = JSON.parse(r.stdout) as DoctorJson;
  const bad = report.checks.filter((c) => c.status !== "ok");
  assert.deepEqual(
    bad.map((c) => `${c.name}: ${c.message} ${c.details.join("; ")}`),
    [],
    "doctor is clean again",
  );
  assert.equal(r.code, 0);
}
