// The JSONL export check (spec §4.1's JSONL backup, for a ledger whose travelling copy is
// its issues.jsonl): every ledger's file must hold what its database holds. Opening a
// ledger catches up an export a killed process left behind (the dog notes when that
// happened); then the file is compared with the database, and a file that lost a large
// share of its beads since the last check (a bad checkout, a truncation) is reported.
import { existsSync } from "node:fs";
import { fingerprint } from "../ledger/sqlite/export.ts";
import { locate, openLedgerFor, rigBeadsDir } from "../town/ledgers.ts";
import type { DogSettings } from "./dog-config.ts";
import type { DogContext, DogOutcome } from "./dog-state.ts";
import { readDogState } from "./dog-state.ts";

interface LedgerCheck {
  path: string;
  auto_export: boolean;
  beads: number;
  caught_up: boolean;
  missing: number;
  differing: number;
  unreadable: number;
}

export async function checkJsonlExports(ctx: DogContext, s: DogSettings): Promise<DogOutcome> {
  const shrinkAlert = Number(s.options.shrink_alert);
  const prev = (readDogState(ctx.town, "jsonl-export")?.details?.ledgers ?? {}) as Record<
    string,
    LedgerCheck
  >;
  const ledgers: Record<string, LedgerCheck> = {};
  const problems: string[] = [];
  let caughtUp = 0;
  for (const rig of [undefined, ...ctx.town.rigNames()]) {
    const name = rig ?? "town";
    const path = locate(rig ? rigBeadsDir(ctx.town, rig) : ctx.town.beadsDir).jsonlPath;
    const before = fingerprint(path);
    const ledger = openLedgerFor(ctx.town, rig);
    try {
      const caught = fingerprint(path) !== before;
      const seen = await ledger.inspectJsonl();
      if (!seen) continue;
      const beads = (await ledger.exportIssues()).length;
      const c: LedgerCheck = {
        path,
        auto_export: seen.autoExport,
        beads,
        caught_up: caught,
        missing: seen.missing.length,
        differing: seen.differing.length,
        unreadable: seen.unreadable.length,
      };
      ledgers[name] = c;
      if (caught) caughtUp++;
      if (!seen.autoExport) continue; // exported by hand (bd export): lagging is expected
      // bd writes no issues.jsonl until there is a bead to export: missing is fine while empty.
      if (!existsSync(path)) {
        if (beads > 0) problems.push(`${name}: ${path} is missing (${beads} bead(s) to export)`);
      } else if (c.missing || c.differing)
        problems.push(
          `${name}: issues.jsonl lags the database (${c.missing} bead(s) missing, ${c.differing} differing): bd doctor`,
        );
      if (c.unreadable)
        problems.push(`${name}: ${c.unreadable} unreadable line(s) in issues.jsonl: bd doctor`);
      const was = prev[name]?.beads ?? 0;
      if (was >= 20 && beads < was * (1 - shrinkAlert))
        problems.push(
          `${name}: the ledger shrank from ${was} to ${beads} exported beads since the last check`,
        );
    } finally {
      await ledger.close();
    }
  }
  return {
    ok: problems.length === 0,
    summary: `${Object.keys(ledgers).length} ledger(s) checked${caughtUp ? `, ${caughtUp} export(s) caught up` : ""}, ${problems.length} problem(s)`,
    problems,
    details: { ledgers },
  };
}
