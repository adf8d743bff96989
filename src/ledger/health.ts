// A ledger's health, as `bd doctor` prints it and `gt doctor` reads it for every ledger of a
// town: SQLite's own consistency check, issues.jsonl lines kept but not imported, whether
// issues.jsonl and config.yaml hold what the database holds.
import type { Ledger } from "./store.ts";

export type LedgerCheckName = "database" | "issues.jsonl lines" | "issues.jsonl sync" | "config.yaml";

export interface LedgerCheck {
  name: LedgerCheckName;
  ok: boolean;
  detail: string;
  /** What a person needs to see when it is not ok (file:line, issue ids). */
  lines?: string[];
}

export interface UnreadableLine {
  file: string;
  line: number;
  reason: string;
}

export interface LedgerHealth {
  checks: LedgerCheck[];
  unreadable: UnreadableLine[];
}

/**
 * Runs every ledger check; `show` turns a file path into the form the caller prints, `full`
 * runs SQLite's whole integrity check instead of its quick one.
 */
export async function ledgerHealth(
  store: Ledger,
  show: (path: string) => string = (p) => p,
  opts: { full?: boolean } = {},
): Promise<LedgerHealth> {
  const checks: LedgerCheck[] = [];
  const integrity = await store.integrityCheck(opts.full === true);
  const sound = integrity.length === 1 && integrity[0] === "ok";
  const total = sound
    ? await store.countIssues({ all: true, includeInfra: true, includeTemplates: true })
    : 0;
  checks.push({
    name: "database",
    ok: sound,
    detail: sound ? `${total} issues, integrity ok` : integrity.join("; "),
  });
  const unreadable: UnreadableLine[] = [];
  const jsonl = await store.inspectJsonl();
  if (jsonl) {
    const file = show(jsonl.path);
    for (const u of jsonl.unreadable) unreadable.push({ file, line: u.line, reason: u.reason });
    checks.push({
      name: "issues.jsonl lines",
      ok: unreadable.length === 0,
      detail:
        unreadable.length === 0
          ? jsonl.exists
            ? "every line readable"
            : "no file yet"
          : `${unreadable.length} unreadable line(s), kept as they are and not imported; fix or remove them by hand`,
      lines: unreadable.map((u) => `${u.file}:${u.line}: ${u.reason}`),
    });
    checks.push(syncCheck(jsonl));
  }
  const config = await store.inspectConfigFile();
  if (config) {
    checks.push({
      name: "config.yaml",
      ok: config.exists && config.differing.length === 0,
      detail: !config.exists
        ? "missing: the ledger's settings do not travel with issues.jsonl (any bd write creates it)"
        : config.differing.length === 0
          ? "in step with the database"
          : `differs from the database for ${config.differing.join(", ")}`,
    });
  }
  return { checks, unreadable };
}

type Inspection = NonNullable<Awaited<ReturnType<Ledger["inspectJsonl"]>>>;

function syncCheck(jsonl: Inspection): LedgerCheck {
  if (!jsonl.autoExport)
    return { name: "issues.jsonl sync", ok: true, detail: "auto-export off (bd export to refresh)" };
  const behind = jsonl.missing.length + jsonl.differing.length;
  const ok = behind === 0 && jsonl.extra.length === 0;
  const parts = [
    jsonl.missing.length > 0 ? `${jsonl.missing.length} issue(s) missing from the file` : "",
    jsonl.differing.length > 0 ? `${jsonl.differing.length} issue(s) differ from the database` : "",
    jsonl.extra.length > 0 ? `${jsonl.extra.length} issue(s) only in the file` : "",
  ];
  return {
    name: "issues.jsonl sync",
    ok,
    detail: ok ? "in step with the database" : parts.filter(Boolean).join(", "),
    lines: [...jsonl.missing, ...jsonl.differing, ...jsonl.extra].slice(0, 20),
  };
}
