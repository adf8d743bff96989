// gt repair: the focused part of gt doctor --fix that Gas Town's repair is (identity and
// configuration after a crash, a rig add or a lost database), with what takes Dolt's place
// here: the town and rig config files, rig prefixes agreeing between rigs.json, each rig's
// config.json and its ledger, the ledgers themselves (a lost beads.db rebuilt from its JSONL),
// routes, .beads redirects, the rig and agent identity beads, and git's worktree registry.
// Everything else (sessions, processes, hooks, disk) stays gt doctor's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureLedgerRecords, rigBeadIdOf } from "../town/agent-beads.ts";
import { agentBeadIdOf } from "../town/identity.ts";
import { writeJsonFile } from "../town/json-file.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import { agentsOfLedger } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { rigConfigCheck, rigsRegistryCheck, townConfigCheck } from "./config-checks.ts";
import { type DoctorReport, runDoctor } from "./doctor.ts";
import { ledgersCheck, redirectsCheck, routesCheck } from "./ledger-checks.ts";
import type { DoctorCheck } from "./types.ts";
import { ok, problemOf } from "./util.ts";
import { worktreeRegistryCheck } from "./worktree-checks.ts";

/** Rigs whose config.json names another prefix than rigs.json (the registry routes by it). */
export const rigPrefixCheck: DoctorCheck = {
  name: "rig-prefix",
  category: "Rig",
  description: "each rig's prefix agrees between rigs.json, its config.json and its ledger",
  async run(ctx) {
    const { town } = ctx;
    const details: string[] = [];
    const mismatched: Array<{ rig: string; want: string }> = [];
    const ledgerOnly: string[] = [];
    for (const rig of ctx.rigs()) {
      const want = town.rig(rig).beads.prefix;
      let have: string | undefined;
      try {
        have = (
          JSON.parse(readFileSync(join(town.rigDir(rig), "config.json"), "utf8")) as {
            beads?: { prefix?: string };
          }
        ).beads?.prefix;
      } catch {
        continue; // unreadable: rig-config rebuilds it
      }
      if (have !== want) {
        details.push(`${rig}/config.json says prefix ${have ?? "(none)"}, rigs.json says ${want}`);
        mismatched.push({ rig, want });
      }
      const ledger = openLedgerFor(town, rig);
      try {
        const actual = await ledger.prefix().catch(() => undefined);
        if (actual && actual !== want) {
          details.push(`${rig}'s ledger uses prefix ${actual}, rigs.json says ${want}`);
          ledgerOnly.push(rig);
        }
      } finally {
        await ledger.close();
      }
    }
    if (details.length === 0) return ok(`${ctx.rigs().length} rig prefix(es) agree`);
    return {
      status: "error",
      message: details[0]! + (details.length > 1 ? " (and more)" : ""),
      details,
      ...(ledgerOnly.length > 0
        ? {
            hint: `a ledger with another prefix: rename it with bd rename-prefix in ${ledgerOnly.join(", ")}`,
          }
        : {}),
      ...(mismatched.length > 0
        ? {
            fix: async () =>
              mismatched.map(({ rig, want }) => {
                const file = join(town.rigDir(rig), "config.json");
                const cfg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
                writeJsonFile(file, { ...cfg, beads: { ...((cfg.beads as object) ?? {}), prefix: want } });
                return `set ${rig}/config.json prefix to ${want}`;
              }),
          }
        : {}),
    };
  },
};

/** The rig bead and every agent's bead each ledger should hold (lost with a beads.db). */
export const identityBeadsCheck: DoctorCheck = {
  name: "identity-beads",
  category: "Rig",
  description: "every rig's identity bead and every agent's bead are in their ledgers",
  async run(ctx) {
    const { town } = ctx;
    const missing: Array<{ rig: string | undefined; ids: string[] }> = [];
    for (const rig of [undefined, ...ctx.rigs()]) {
      const prefix = rig ? town.prefixOf(rig) : undefined;
      const wanted = [
        ...(rig && prefix ? [rigBeadIdOf(prefix, rig)] : []),
        ...agentsOfLedger(town, rig).map((id) => agentBeadIdOf(id, prefix)),
      ];
      let ledger: ReturnType<typeof openLedgerFor>;
      try {
        ledger = openLedgerFor(town, rig);
      } catch (e) {
        missing.push({ rig, ids: [`(ledger: ${problemOf(e)})`] });
        continue;
      }
      try {
        const have = new Set((await ledger.getIssues(wanted)).map((i) => i.id));
        const gone = wanted.filter((id) => !have.has(id));
        if (gone.length > 0) missing.push({ rig, ids: gone });
      } finally {
        await ledger.close();
      }
    }
    const total = missing.reduce((n, m) => n + m.ids.length, 0);
    if (total === 0) return ok("every rig and agent has its identity bead");
    return {
      status: "warning",
      message: `${total} identity bead(s) missing`,
      details: missing.map((m) => `${m.rig ?? "town"}: ${m.ids.join(", ")}`),
      fix: async () => {
        const done: string[] = [];
        for (const m of missing) {
          const ledger = openLedgerFor(town, m.rig);
          try {
            const made = await ensureLedgerRecords(town, ledger, m.rig, { actor: ctx.actor });
            if (made.length > 0) done.push(`${m.rig ?? "town"}: recreated ${made.join(", ")}`);
          } finally {
            await ledger.close();
          }
        }
        return done;
      },
    };
  },
};

/** What gt repair runs, in order: files first (the rest reads them), then ledgers and identity. */
export const REPAIR_CHECKS: readonly DoctorCheck[] = [
  townConfigCheck,
  rigsRegistryCheck,
  rigConfigCheck,
  rigPrefixCheck,
  ledgersCheck,
  routesCheck,
  redirectsCheck,
  identityBeadsCheck,
  worktreeRegistryCheck,
];

export function runRepair(
  town: Town,
  opts: { dryRun?: boolean; rig?: string; env?: NodeJS.ProcessEnv; actor?: string } = {},
): Promise<DoctorReport> {
  return runDoctor(town, {
    fix: opts.dryRun !== true,
    checks: REPAIR_CHECKS,
    ...(opts.rig ? { rig: opts.rig } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.actor ? { actor: opts.actor } : {}),
  });
}
