// The town's ledgers: each opens and passes bd doctor's checks (SQLite's integrity check,
// readable issues.jsonl lines, files in step), the route table sends every prefix to a
// ledger that exists, and every `.beads/redirect` in a workspace reaches its rig's ledger.
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve } from "node:path";
import { followRedirect, type Route, readRoutes } from "../ledger/discovery.ts";
import { ledgerHealth } from "../ledger/health.ts";
import type { Ledger } from "../ledger/store.ts";
import { ensureLedgerRecords } from "../town/agent-beads.ts";
import { workDirOf } from "../town/identity.ts";
import { locate, openRigLedger, openTownLedger, rigBeadsDir } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import { writeRoutes } from "../town/rig.ts";
import { crewNames, polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import type { CheckStatus, DoctorCheck, DoctorContext, Finding } from "./types.ts";
import { inTurn, ok, problemOf, shown, worst } from "./util.ts";

interface LedgerFindings {
  status: CheckStatus;
  details: string[];
  /** What a person does about what --fix cannot repair. */
  hints: string[];
  /** A ledger whose database is lost or unsound, and the JSONL it can be rebuilt from. */
  rebuild?: () => Promise<string[]>;
}

const REBUILD_HINT =
  "gt doctor --fix rebuilds a broken database from its issues.jsonl (kept aside, never deleted)";
const BACKUP_HINT = "a database with no issues.jsonl to rebuild it from needs restoring from a backup";
const LINES_HINT = "fix or remove the lines named by hand (bd doctor in that ledger lists them too)";

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Opens, checks and closes one ledger; what is wrong with it, if anything. */
async function inspectLedger(ctx: DoctorContext, rig: string | undefined): Promise<LedgerFindings> {
  const { town } = ctx;
  const label = rig ? `rig ${rig}` : "town (hq)";
  const beadsDir = rig ? rigBeadsDir(town, rig) : town.beadsDir;
  let loc: ReturnType<typeof locate>;
  try {
    loc = locate(beadsDir);
  } catch (e) {
    return {
      status: "error",
      details: [`${label}: ${problemOf(e)}`],
      hints: [
        "restore the canonical clone's .beads the rig's .beads/redirect points to (see beads-redirects)",
      ],
    };
  }
  const rebuild = existsSync(loc.jsonlPath) ? () => rebuildLedger(ctx, rig, loc) : undefined;
  let ledger: Ledger;
  try {
    ledger = rig ? openRigLedger(town, rig) : openTownLedger(town);
  } catch (e) {
    return {
      status: "error",
      details: [`${label}: ${shown(town, loc.dbPath)} does not open: ${problemOf(e)}`],
      hints: rebuild ? [] : [BACKUP_HINT],
      ...(rebuild ? { rebuild } : {}),
    };
  }
  try {
    const health = await ledgerHealth(ledger, (p) => shown(town, p), { full: true });
    let status: CheckStatus = "ok";
    const details: string[] = [];
    for (const c of health.checks) {
      if (c.ok) continue;
      const bad = c.name === "database" ? "error" : "warning";
      status = worst(status, bad);
      details.push(`${label}: ${c.name}: ${c.detail}`, ...(c.lines ?? []).map((l) => `  ${l}`));
    }
    const unsound = health.checks.some((c) => c.name === "database" && !c.ok);
    const hints = [
      ...(unsound && !rebuild ? [BACKUP_HINT] : []),
      ...(health.unreadable.length > 0 ? [LINES_HINT] : []),
    ];
    return { status, details, hints, ...(unsound && rebuild ? { rebuild } : {}) };
  } finally {
    await ledger.close();
  }
}

/**
 * A lost or unsound database is rebuilt from issues.jsonl, as a fresh clone's is; the
 * broken files are kept aside, and the rig and agent beads (never exported) are derived
 * again from the town on disk.
 */
async function rebuildLedger(
  ctx: DoctorContext,
  rig: string | undefined,
  loc: ReturnType<typeof locate>,
): Promise<string[]> {
  const { town } = ctx;
  const stamp = Date.now().toString(36);
  const did: string[] = [];
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    const file = `${loc.dbPath}${suffix}`;
    if (!existsSync(file)) continue;
    renameSync(file, `${loc.dbPath}.corrupt-${stamp}${suffix}`);
    if (suffix === "")
      did.push(`kept the broken database as ${shown(town, `${loc.dbPath}.corrupt-${stamp}`)}`);
  }
  const ledger = rig ? openRigLedger(town, rig) : openTownLedger(town);
  try {
    const made = await ensureLedgerRecords(town, ledger, rig, { actor: ctx.actor });
    const total = await ledger.countIssues({ all: true, includeInfra: true, includeTemplates: true });
    did.push(
      `rebuilt ${shown(town, loc.dbPath)} from ${shown(town, loc.jsonlPath)} (${total} issues, ${made.length} rig/agent bead(s) derived again)`,
    );
  } finally {
    await ledger.close();
  }
  return did;
}

export const ledgersCheck: DoctorCheck = {
  name: "ledgers",
  category: "Infrastructure",
  description: "the town's and every rig's ledger open and pass bd doctor's checks",
  async run(ctx) {
    if (!existsSync(ctx.town.beadsDir)) return ok("the town has no ledger (installed with --no-beads)");
    const targets: Array<string | undefined> = [
      undefined,
      ...ctx.rigs().filter((r) => existsSync(ctx.town.rigDir(r))),
    ];
    let status: CheckStatus = "ok";
    const details: string[] = [];
    const rebuilds: Array<() => Promise<string[]>> = [];
    const hints = new Set<string>();
    for (const rig of targets) {
      const f = await inspectLedger(ctx, rig);
      status = worst(status, f.status);
      details.push(...f.details);
      if (f.rebuild) rebuilds.push(f.rebuild);
      for (const h of f.hints) hints.add(h);
    }
    if (status === "ok") return ok(`${targets.length} ledger(s) open, integrity ok, issues.jsonl readable`);
    const first = details.find((d) => !d.startsWith("  ")) ?? "";
    return {
      status,
      message: details.filter((d) => !d.startsWith("  ")).length > 1 ? `${first} (and more)` : first,
      details,
      hint: [...(rebuilds.length > 0 ? [REBUILD_HINT] : []), ...hints].join("; "),
      ...(rebuilds.length > 0 ? { fix: () => inTurn(rebuilds, (r) => r()) } : {}),
    };
  },
};

// ---------------------------------------------------------------------------------------
// Routes

/** Where each prefix must route: hq to the town, each rig's prefix to its ledger's workspace. */
function wantedRoutes(town: Town): Route[] {
  const out: Route[] = [
    { prefix: "hq-", path: "." },
    { prefix: "hq-cv-", path: "." },
  ];
  for (const [name, entry] of Object.entries(town.rigs().rigs).sort(([a], [b]) => a.localeCompare(b)))
    out.push({ prefix: `${entry.beads.prefix}-`, path: entry.beads.repo ?? name });
  return out;
}

/** The ledger a route's path reaches, or why it reaches none. */
function routeTarget(town: Town, r: Route): { dir?: string; problem?: string } {
  const beads = join(resolve(town.root, r.path), ".beads");
  if (!isDir(beads)) return { problem: `no .beads at ${r.path}` };
  try {
    const dir = followRedirect(beads);
    if (!existsSync(join(dir, "beads.db")) && !existsSync(join(dir, "issues.jsonl")))
      return { problem: `no ledger in ${shown(town, dir)}` };
    return { dir };
  } catch (e) {
    return { problem: problemOf(e) };
  }
}

function routeProblems(town: Town, file: string): string[] {
  const problems: string[] = [];
  if (!existsSync(file)) return [".beads/routes.jsonl is missing"];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith("#")) return;
      try {
        const r = JSON.parse(t) as Partial<Route>;
        if (typeof r.prefix !== "string" || typeof r.path !== "string")
          throw new Error("needs prefix and path");
      } catch (e) {
        problems.push(`line ${i + 1} is not a route (${problemOf(e)})`);
      }
    });
  const routes = readRoutes(file);
  for (const w of wantedRoutes(town)) {
    const found = routes.filter((r) => r.prefix === w.prefix);
    if (found.length === 0) problems.push(`no route for ${w.prefix} (should go to ${w.path})`);
    else if (found[0]!.path !== w.path)
      problems.push(`${w.prefix} routes to ${found[0]!.path}, rigs.json says ${w.path}`);
  }
  for (const r of routes) {
    const { problem } = routeTarget(town, r);
    if (problem) problems.push(`${r.prefix} → ${r.path}: ${problem}`);
  }
  return problems;
}

/** The route table again: the wanted routes, then any other route that still reaches a ledger. */
function rewriteRoutes(town: Town, file: string): string[] {
  const wanted = wantedRoutes(town);
  const extra = readRoutes(file).filter(
    (r) => !wanted.some((w) => w.prefix === r.prefix) && routeTarget(town, r).dir !== undefined,
  );
  const seen = new Set<string>();
  const routes = [...wanted, ...extra].filter((r) => !seen.has(r.prefix) && seen.add(r.prefix));
  writeRoutes(file, routes);
  return [`wrote .beads/routes.jsonl with ${routes.length} route(s)`];
}

export const routesCheck: DoctorCheck = {
  name: "routes",
  category: "Infrastructure",
  description: ".beads/routes.jsonl routes hq and every rig's prefix to a ledger that exists",
  async run(ctx) {
    const { town } = ctx;
    if (!existsSync(town.beadsDir)) return ok("the town has no ledger (installed with --no-beads)");
    const file = join(town.beadsDir, "routes.jsonl");
    const problems = routeProblems(town, file);
    if (problems.length === 0) return ok(`${readRoutes(file).length} route(s), each reaching its ledger`);
    return {
      status: "error",
      message:
        problems.length === 1 ? problems[0]! : `${problems.length} routing problems: ${problems[0]}, …`,
      details: problems,
      hint: "gt doctor --fix writes the route table again from rigs.json",
      fix: async () =>
        withFileLock(join(town.runtimeDir, "locks", "rigs.lock"), async () => rewriteRoutes(town, file)),
    };
  },
};

// ---------------------------------------------------------------------------------------
// Redirects

interface Workspace {
  /** The directory holding `.beads/redirect`. */
  dir: string;
  rig: string;
}

/** Workspaces that share their rig's ledger through a redirect: refinery, polecat sandboxes, crew. */
function redirectedWorkspaces(town: Town, rig: string): Workspace[] {
  const rigDir = town.rigDir(rig);
  const dirs = [
    join(rigDir, "refinery", "rig"),
    ...polecatNames(town, rig).map((name) => workDirOf(town.root, { role: "polecat", rig, name })),
    ...crewNames(town, rig).map((name) => workDirOf(town.root, { role: "crew", rig, name })),
  ];
  return dirs.filter((d) => existsSync(join(d, ".git"))).map((dir) => ({ dir, rig }));
}

/** The redirect a workspace should hold: its rig's `.beads`, relative to the workspace. */
export function writeLedgerRedirect(town: Town, workspace: string, rig: string): void {
  mkdirSync(join(workspace, ".beads"), { recursive: true });
  writeFileSync(join(workspace, ".beads", "redirect"), `${relative(workspace, rigBeadsDir(town, rig))}\n`);
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export const redirectsCheck: DoctorCheck = {
  name: "beads-redirects",
  category: "Infrastructure",
  description: "every .beads/redirect (rig, refinery, polecat sandboxes, crew) reaches the rig's ledger",
  async run(ctx) {
    const { town } = ctx;
    const problems: string[] = [];
    const repairable: Workspace[] = [];
    let count = 0;
    for (const rig of ctx.rigs()) {
      if (!existsSync(town.rigDir(rig))) continue;
      let ledgerDir: string;
      try {
        ledgerDir = realOrSelf(followRedirect(rigBeadsDir(town, rig)));
        count += existsSync(join(rigBeadsDir(town, rig), "redirect")) ? 1 : 0;
      } catch (e) {
        problems.push(`${rig}/.beads/redirect: ${problemOf(e)}`);
        continue;
      }
      for (const w of redirectedWorkspaces(town, rig)) {
        count++;
        const file = join(w.dir, ".beads", "redirect");
        const where = shown(town, file);
        let problem: string | undefined;
        if (!existsSync(file)) problem = `${where} is missing`;
        else {
          try {
            const reached = realOrSelf(followRedirect(join(w.dir, ".beads")));
            if (reached !== ledgerDir)
              problem = `${where} reaches ${shown(town, reached)}, not ${rig}'s ledger`;
          } catch (e) {
            problem = `${where}: ${problemOf(e)}`;
          }
        }
        if (problem) {
          problems.push(problem);
          repairable.push(w);
        }
      }
    }
    if (problems.length === 0) return ok(`${count} redirect(s), each reaching its rig's ledger`);
    const finding: Finding = {
      status: "error",
      message:
        problems.length === 1 ? problems[0]! : `${problems.length} redirects broken: ${problems[0]}, …`,
      details: problems,
      hint:
        repairable.length === problems.length
          ? "gt doctor --fix points them at the rig's ledger again"
          : "a rig's own .beads/redirect points into its canonical clone (mayor/rig): restore that clone's .beads",
    };
    if (repairable.length > 0)
      finding.fix = async () =>
        repairable.map((w) => {
          writeLedgerRedirect(town, w.dir, w.rig);
          return `${shown(town, join(w.dir, ".beads", "redirect"))} points at ${w.rig}'s ledger`;
        });
    return finding;
  },
};
