// The doctor's report as people read it, in Gas Town's layout: checks grouped by category,
// one line each (✓ ⚠ ✗, name, message) with their details under non-passing ones, a
// summary line, then the failures and warnings again with what to do, and what was fixed.
import type { CheckResult, DoctorReport } from "./doctor.ts";
import type { CheckStatus } from "./types.ts";

const ICON: Record<CheckStatus, string> = { ok: "✓", warning: "⚠", error: "✗" };
const SEPARATOR = "─".repeat(60);

function checkLines(c: CheckResult, verbose: boolean): string[] {
  const lines = [`  ${ICON[c.status]}  ${c.name} ${c.message}`];
  if (verbose || c.status !== "ok") for (const d of c.details) lines.push(`     └─ ${d}`);
  return lines;
}

function section(title: string, icon: string, checks: CheckResult[]): string[] {
  if (checks.length === 0) return [];
  const lines = ["", `${icon}  ${title}`];
  checks.forEach((c, i) => {
    lines.push(`  ${icon}  ${i + 1}. ${c.name}: ${c.message}`);
    if (c.hint) lines.push(`        └─ ${c.hint}`);
  });
  return lines;
}

export function formatReport(report: DoctorReport, opts: { verbose?: boolean } = {}): string[] {
  const lines: string[] = [];
  let category = "";
  for (const c of report.checks) {
    if (c.category !== category) {
      if (category) lines.push("");
      lines.push(c.category);
      category = c.category;
    }
    lines.push(...checkLines(c, opts.verbose === true));
  }
  const s = report.summary;
  lines.push(
    "",
    SEPARATOR,
    `✓ ${s.ok} passed  ⚠ ${s.warnings} warnings  ✗ ${s.errors} failed${s.fixed ? `  🔧 ${s.fixed} fixed` : ""}`,
  );
  const failures = report.checks.filter((c) => c.status === "error");
  const warnings = report.checks.filter((c) => c.status === "warning");
  const fixed = report.checks.filter((c) => c.fixed);
  lines.push(...section("FAILURES", ICON.error, failures), ...section("WARNINGS", ICON.warning, warnings));
  if (fixed.length > 0) {
    lines.push("", "🔧  FIXED");
    fixed.forEach((c, i) => {
      lines.push(`  ✓  ${i + 1}. ${c.name}: ${c.message}`);
      for (const d of c.details) lines.push(`        └─ ${d}`);
    });
  }
  if (failures.length === 0 && warnings.length === 0)
    lines.push("", fixed.length > 0 ? "✓ All remaining checks passed" : "✓ All checks passed");
  return lines;
}
