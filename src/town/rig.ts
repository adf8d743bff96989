// Rigs: one git project under management. `addRig` builds the whole rig tree (shared bare
// repo, canonical clone, refinery worktree, ledger, agent beads) and registers it only
// when everything worked; on any failure the half-made rig is removed again.
//
// A local *working* (non-bare) repository cannot be the rig's origin: git refuses pushes to
// its checked-out branch, so the refinery could never land there, and every polecat branch
// would be pushed into the user's own repository. Such a source is refused unless the user
// passes `mirror`: then gt clones the branch into a bare mirror inside the rig, which is the
// rig's origin (polecat branches and merges go there), and the refinery keeps the user's
// branch and the mirror in step (src/refinery/working-repo.ts). The user's repository's
// config is never changed.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AGENT_RUNTIME_EXCLUDES,
  addExcludes,
  branchExists,
  clone,
  git,
  hasCommits,
  headBranch,
  isLocalPath,
  normaliseSource,
} from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import { parseConfigFile } from "../ledger/config-file.ts";
import { initLedger, prefixOfJsonl, readRoutes } from "../ledger/discovery.ts";
import { ensureLedgerRecords, rigBeadIdOf } from "./agent-beads.ts";
import { activeEstop } from "./estop.ts";
import { writeJsonFile } from "./json-file.ts";
import { openRigLedger } from "./ledgers.ts";
import { withFileLock } from "./lock.ts";
import { checkNameLength, chooseTheme } from "./namepool.ts";
import { uniquePrefix, validatePrefix } from "./prefix.ts";
import { configureRemotes, type RigRemotes, resolveRemotes, workOnFork } from "./rig-remotes.ts";
import { DAEMON_JSON, RIGS_JSON, type Town } from "./workspace.ts";

/** Town directories and the town prefix: no rig may take these names. */
const RESERVED_RIG_NAMES = new Set([
  "hq",
  "mayor",
  "deacon",
  "settings",
  "plugins",
  "logs",
  "daemon",
  "directives",
  "roles",
]);

const RIG_GITIGNORE = `# Gas Town rig container: only config travels
.repo.git/
.mirror.git/
.land-worktree/
.beads/
.claude/
.archive/
.runtime/
plugins/
mayor/rig/
refinery/rig/
polecats/
crew/*/
`;

const CREW_README = `# Crew

Long-lived workspaces for people and named agents: \`gt crew add <name> --rig <rig>\`.
Each one is a full clone of the rig's repository whose beads point at the rig ledger.
`;

export function validateRigName(name: string): void {
  if (!name) throw new ValidationError("rig name must not be empty");
  checkNameLength(name, "rig");
  if (/[-./\\\s]/.test(name)) {
    const hint = name.replace(/[-./\\\s]+/g, "_");
    throw new ValidationError(`invalid rig name "${name}": no "-", ".", "/", "\\" or spaces (try "${hint}")`);
  }
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new ValidationError(`invalid rig name "${name}": use letters, digits and "_"`);
  if (RESERVED_RIG_NAMES.has(name.toLowerCase())) throw new ValidationError(`rig name "${name}" is reserved`);
}

export interface AddRigOptions {
  prefix?: string;
  branch?: string;
  /** Where a relative source path is resolved from. */
  cwd: string;
  version: string;
  actor?: string;
  /**
   * The source is a local working repository: keep a bare mirror of its branch as the
   * rig's origin and fast-forward the branch in the user's repository after each merge.
   */
  mirror?: boolean;
  /** `--local-repo`: a local repository the rig's clone borrows git objects from (alternates). */
  localRepo?: string;
  /** `--push-url`: where origin pushes (a fork) while it fetches from the source. */
  pushUrl?: string;
  /** `--upstream-url`: an `upstream` remote for fork workflows. */
  upstreamUrl?: string;
}

/** Where a mirrored rig keeps its bare mirror of the user's working repository. */
export const MIRROR_DIR = ".mirror.git";

export interface RigSummary {
  name: string;
  prefix: string;
  git_url: string;
  default_branch: string;
  path: string;
  beads_path: string;
  namepool_theme: string;
  added_at: string;
  /** The user's working repository a mirrored rig delivers merges to (git_url is the mirror). */
  working_repo: string | null;
  /** Where origin pushes when it is not where it fetches from (a fork), else null. */
  push_url: string | null;
  upstream_url: string | null;
  /** The local repository the rig's clone borrows objects from, else null. */
  local_repo: string | null;
}

/** Prefixes already used in the town (rigs.json and the route table), without hyphens. */
export function takenPrefixes(town: Town): Set<string> {
  const taken = new Set(["hq"]);
  for (const entry of Object.values(town.rigs().rigs)) taken.add(entry.beads.prefix);
  for (const r of readRoutes(join(town.beadsDir, "routes.jsonl"))) taken.add(r.prefix.replace(/-$/, ""));
  return taken;
}

export function usedThemes(town: Town): string[] {
  const out: string[] = [];
  for (const rig of town.rigNames()) {
    try {
      const raw = JSON.parse(readFileSync(join(town.rigDir(rig), "settings", "config.json"), "utf8"));
      if (typeof raw?.namepool?.style === "string") out.push(raw.namepool.style);
    } catch {
      // a rig without settings uses no theme yet
    }
  }
  return out;
}

/** Runs `fn`; if it throws, the listed files get back their old contents (or are removed). */
async function restoringFiles<T>(files: string[], fn: () => Promise<T>): Promise<T> {
  const before = files.map((f) => (existsSync(f) ? readFileSync(f) : undefined));
  try {
    return await fn();
  } catch (e) {
    files.forEach((f, i) => {
      const old = before[i];
      if (old === undefined) rmSync(f, { force: true });
      else writeFileSync(f, old);
    });
    throw e;
  }
}

export async function addRig(
  town: Town,
  name: string,
  source: string,
  opts: AddRigOptions,
): Promise<RigSummary> {
  validateRigName(name);
  return withFileLock(join(town.runtimeDir, "locks", "rigs.lock"), async () => {
    if (town.rigs().rigs[name]) throw new ConflictError("rig_exists", `rig "${name}" already exists`);
    const rigDir = town.rigDir(name);
    if (existsSync(rigDir)) throw new ConflictError("rig_exists", `${rigDir} already exists`);
    const url = await normaliseSource(source, opts.cwd);
    const working = await workingRepoPath(url);
    if (working && !opts.mirror) throw new ValidationError(workingRepoRefusal(working));
    if (opts.mirror && !working)
      throw new ValidationError(
        `--mirror is for a local working repository; ${url} is not one and takes pushes as it is (drop --mirror)`,
      );
    const remotes = await resolveRemotes(opts);
    const taken = takenPrefixes(town);
    const prefix = opts.prefix ? validatePrefix(opts.prefix) : uniquePrefix(name, taken);
    if (opts.prefix && taken.has(prefix))
      throw new ConflictError("prefix_taken", `prefix "${prefix}" is already used in this town`);

    mkdirSync(rigDir, { recursive: true });
    try {
      const origin = working ? await makeMirror(working, join(rigDir, MIRROR_DIR), opts.branch) : url;
      const built = await buildRigTree(town, name, origin, prefix, taken, { ...opts, ...remotes, working });
      const summary = summaryOf(town, name, origin, built, remotes, working);
      await register(town, summary);
      return summary;
    } catch (e) {
      rmSync(rigDir, { recursive: true, force: true });
      throw e;
    }
  });
}

export type BuiltRig = Awaited<ReturnType<typeof buildRigTree>>;

export function summaryOf(
  town: Town,
  name: string,
  origin: string,
  built: BuiltRig,
  remotes: RigRemotes,
  working?: string,
): RigSummary {
  return {
    name,
    prefix: built.prefix,
    git_url: origin,
    default_branch: built.branch,
    path: town.rigDir(name),
    beads_path: built.routePath,
    namepool_theme: built.theme,
    added_at: new Date().toISOString(),
    working_repo: working ?? null,
    push_url: remotes.pushUrl ?? null,
    upstream_url: remotes.upstreamUrl ?? null,
    local_repo: remotes.localRepo ?? null,
  };
}

/**
 * The local path of a source that is a working (non-bare) repository, else undefined: a
 * plain path or a file:// URL whose repository has a work tree.
 */
export async function workingRepoPath(url: string): Promise<string | undefined> {
  let path: string | undefined;
  if (/^file:\/\//i.test(url)) {
    try {
      path = fileURLToPath(url);
    } catch {
      return undefined;
    }
  } else if (isLocalPath(url)) path = url;
  if (!path || !existsSync(path)) return undefined;
  const r = await runCommand("git", ["rev-parse", "--is-bare-repository"], { cwd: path });
  return r.exitCode === 0 && r.stdout.trim() === "false" ? path : undefined;
}

/** The one-line refusal for a working repository added without --mirror, naming the fixes. */
export function workingRepoRefusal(path: string): string {
  return (
    `${path} is a working repository (not bare): git refuses pushes to its checked-out branch, ` +
    `so the refinery could never merge there. Pass --mirror to let gt keep a bare mirror inside ` +
    `the rig for polecat branches and fast-forward your branch after each merge (your ` +
    `repository's config is not changed), or add a bare clone instead (git clone --bare ${path} ${path}.git)`
  );
}

/** Clones the user's branch into a bare mirror (read-only on the user's repository). */
async function makeMirror(working: string, mirror: string, wanted: string | undefined): Promise<string> {
  if (!(await hasCommits(working)))
    throw new ValidationError(`${working} has no commits yet; commit something before adding it as a rig`);
  const branch = wanted ?? (await headBranch(working));
  if (!branch)
    throw new ValidationError(
      `${working} has a detached HEAD; check out the branch gt should merge into, or pass --branch`,
    );
  if (!(await branchExists(working, branch)))
    throw new ValidationError(`branch "${branch}" not found in ${working}`);
  await clone(working, mirror, ["--bare", "--single-branch", "--no-tags", "--branch", branch]);
  return mirror;
}

/** The user's working repository a mirrored rig delivers to, and the mirror; else undefined. */
export function workingRepoOf(town: Town, rig: string): { path: string; mirror: string } | undefined {
  const cfg = town.rigConfig(rig) as { working_repo?: unknown; git_url: string };
  return typeof cfg.working_repo === "string" && cfg.working_repo
    ? { path: cfg.working_repo, mirror: cfg.git_url }
    : undefined;
}

export async function buildRigTree(
  town: Town,
  name: string,
  url: string,
  wantedPrefix: string,
  taken: Set<string>,
  opts: AddRigOptions & { working?: string; canonicalReady?: boolean },
): Promise<{ prefix: string; branch: string; routePath: string; theme: string }> {
  const rigDir = town.rigDir(name);
  const bare = join(rigDir, ".repo.git");
  // --local-repo: objects the local repository has are borrowed, not copied (as Gas Town's
  // --reference-if-able); polecat worktrees of the bare repository borrow them through it.
  await clone(url, bare, ["--bare", ...(opts.localRepo ? ["--reference-if-able", opts.localRepo] : [])]);
  await configureRemotes(bare, opts);
  await git(bare, ["config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"]);
  await git(bare, ["fetch", "--quiet", "origin"]);
  if (!(await hasCommits(bare)))
    throw new ValidationError(`${url} has no commits yet; push a first commit before adding it as a rig`);
  const branch = opts.branch ?? (await headBranch(bare)) ?? "main";
  if (!(await branchExists(bare, branch)))
    throw new ValidationError(`branch "${branch}" not found in ${url}`);
  if (opts.pushUrl) await workOnFork(bare, opts.pushUrl, branch);

  const canonical = join(rigDir, "mayor", "rig");
  mkdirSync(join(rigDir, "mayor"), { recursive: true });
  // An adopted checkout is the canonical clone already (src/town/rig-adopt.ts).
  if (!opts.canonicalReady) await clone(url, canonical, ["--reference-if-able", bare, "--branch", branch]);
  await configureRemotes(canonical, opts);
  await git(bare, ["worktree", "add", "--quiet", join(rigDir, "refinery", "rig"), branch]);

  // A project that tracks its own beads keeps them (and their prefix) in the canonical clone.
  let prefix = wantedPrefix;
  let routePath = name;
  const trackedJsonl = join(canonical, ".beads", "issues.jsonl");
  const trackedConfig = join(canonical, ".beads", "config.yaml");
  if (existsSync(trackedJsonl) || existsSync(trackedConfig)) {
    // The project's own config says its prefix; else the IDs its JSONL holds do.
    const configured = existsSync(trackedConfig)
      ? parseConfigFile(readFileSync(trackedConfig, "utf8")).get("issue_prefix")
      : undefined;
    const detected = configured?.replace(/-$/, "") || prefixOfJsonl(trackedJsonl);
    if (detected && detected !== prefix) {
      if (taken.has(detected))
        throw new ConflictError(
          "prefix_taken",
          `the project's beads prefix "${detected}" is already used in this town`,
        );
      prefix = detected;
    }
    initLedger(canonical, { prefix, version: opts.version });
    await addExcludes(canonical, [".beads/beads.db", ".beads/beads.db-*", ".beads/*.tmp-*"]);
    mkdirSync(join(rigDir, ".beads"), { recursive: true });
    writeFileSync(join(rigDir, ".beads", "redirect"), "mayor/rig/.beads\n");
    routePath = `${name}/mayor/rig`;
  } else {
    initLedger(rigDir, { prefix, version: opts.version });
  }
  // Worktrees of the shared repo find the rig ledger through a redirect the project never sees.
  await addExcludes(bare, [
    ".beads/redirect",
    ...(existsSync(trackedJsonl) ? [] : [".beads/"]),
    ...AGENT_RUNTIME_EXCLUDES,
  ]);
  mkdirSync(join(rigDir, "refinery", "rig", ".beads"), { recursive: true });
  writeFileSync(join(rigDir, "refinery", "rig", ".beads", "redirect"), "../../.beads\n");

  const actor = opts.actor ?? "gt rig add";
  const ledger = openRigLedger(town, name);
  try {
    // The rig's files (rigs.json, config.json) come later: the rig bead's facts are given here.
    await ensureLedgerRecords(town, ledger, name, {
      actor,
      rigFacts: { name, git_url: url, default_branch: branch, prefix },
    });
  } finally {
    await ledger.close();
  }

  for (const dir of ["witness", "crew", "polecats", "settings", "plugins", ".runtime"]) {
    mkdirSync(join(rigDir, dir), { recursive: true });
  }
  writeFileSync(join(rigDir, "crew", "README.md"), CREW_README);
  writeFileSync(join(rigDir, ".gitignore"), RIG_GITIGNORE);
  const now = new Date().toISOString();
  writeJsonFile(join(rigDir, "config.json"), {
    type: "rig",
    version: 1,
    name,
    git_url: url,
    default_branch: branch,
    created_at: now,
    beads: { prefix },
    ...(opts.working ? { working_repo: opts.working } : {}),
    ...(opts.pushUrl ? { push_url: opts.pushUrl } : {}),
    ...(opts.upstreamUrl ? { upstream_url: opts.upstreamUrl } : {}),
    ...(opts.localRepo ? { local_repo: opts.localRepo } : {}),
  });
  const theme = chooseTheme(name, usedThemes(town));
  writeJsonFile(join(rigDir, "settings", "config.json"), {
    type: "rig-settings",
    version: 1,
    namepool: { style: theme },
  });
  return { prefix, branch, routePath, theme };
}

/** Adds the rig to rigs.json, the route table and the daemon's patrol lists (all or nothing). */
export async function register(town: Town, rig: RigSummary): Promise<void> {
  const routesFile = join(town.beadsDir, "routes.jsonl");
  const daemonFile = town.path(DAEMON_JSON);
  await restoringFiles([town.path(RIGS_JSON), routesFile, daemonFile], async () => {
    const rigs = town.rigs();
    rigs.rigs[rig.name] = {
      git_url: rig.git_url,
      added_at: rig.added_at,
      beads: { repo: rig.beads_path, prefix: rig.prefix },
      ...(rig.push_url ? { push_url: rig.push_url } : {}),
      ...(rig.upstream_url ? { upstream_url: rig.upstream_url } : {}),
      ...(rig.local_repo ? { local_repo: rig.local_repo } : {}),
    };
    town.saveRigs(rigs);
    const routes = readRoutes(routesFile).filter((r) => r.prefix !== `${rig.prefix}-`);
    routes.push({ prefix: `${rig.prefix}-`, path: rig.beads_path });
    writeRoutes(routesFile, routes);
    updateDaemonPatrols(daemonFile, (list) => [...new Set([...list, rig.name])]);
  });
}

/** Replaces a routes.jsonl (through a temp file and a rename). */
export function writeRoutes(file: string, routes: Array<{ prefix: string; path: string }>): void {
  mkdirSync(join(file, ".."), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, routes.map((r) => `${JSON.stringify({ prefix: r.prefix, path: r.path })}\n`).join(""));
  renameSync(tmp, file);
}

function updateDaemonPatrols(file: string, change: (rigs: string[]) => string[]): void {
  if (!existsSync(file)) return;
  const cfg = JSON.parse(readFileSync(file, "utf8")) as { patrols?: Record<string, { rigs?: string[] }> };
  for (const key of ["witness", "refinery"]) {
    const patrol = cfg.patrols?.[key];
    if (patrol) patrol.rigs = change(patrol.rigs ?? []);
  }
  writeJsonFile(file, cfg);
}

export function rigSummary(town: Town, name: string): RigSummary {
  const entry = town.rig(name);
  const cfg = town.rigConfig(name);
  let theme = "";
  try {
    const raw = JSON.parse(readFileSync(join(town.rigDir(name), "settings", "config.json"), "utf8"));
    theme = raw?.namepool?.style ?? "";
  } catch {
    // no rig settings
  }
  return {
    name,
    prefix: entry.beads.prefix,
    git_url: entry.git_url,
    default_branch: cfg.default_branch,
    path: town.rigDir(name),
    beads_path: entry.beads.repo ?? name,
    namepool_theme: theme,
    added_at: entry.added_at,
    working_repo: typeof cfg.working_repo === "string" ? cfg.working_repo : null,
    push_url: entry.push_url ?? cfg.push_url ?? null,
    upstream_url: entry.upstream_url ?? cfg.upstream_url ?? null,
    local_repo: entry.local_repo ?? (typeof cfg.local_repo === "string" ? cfg.local_repo : null),
  };
}

export function listRigs(town: Town): RigSummary[] {
  return town.rigNames().map((n) => rigSummary(town, n));
}

/** Unregisters a rig (rigs.json, routes, patrols). Its files stay on disk, as in Gas Town. */
export async function removeRig(town: Town, name: string): Promise<RigSummary> {
  return withFileLock(join(town.runtimeDir, "locks", "rigs.lock"), async () => {
    const summary = rigSummary(town, name);
    const routesFile = join(town.beadsDir, "routes.jsonl");
    await restoringFiles([town.path(RIGS_JSON), routesFile, town.path(DAEMON_JSON)], async () => {
      const rigs = town.rigs();
      delete rigs.rigs[name];
      town.saveRigs(rigs);
      writeRoutes(
        routesFile,
        readRoutes(routesFile).filter((r) => r.prefix !== `${summary.prefix}-`),
      );
      updateDaemonPatrols(town.path(DAEMON_JSON), (list) => list.filter((r) => r !== name));
    });
    return summary;
  });
}

// ---- park and dock ---------------------------------------------------------------------
// Two ways to keep a rig quiet (spec: gt rig park/dock). Parked is local to this town: a
// file in the rig's .runtime. Docked is the rig's own, global state: the `status:docked`
// label on its rig bead. Either way no session of the rig is started by gt up, gt rig start
// or the daemon, and no work is slung at it. An e-stop (town/estop.ts) refuses slings too.

export const DOCKED_LABEL = "status:docked";

export interface ParkedInfo {
  at: string;
  by: string;
}

function parkedFile(town: Town, rig: string): string {
  return join(town.rigDir(rig), ".runtime", "parked.json");
}

/** When and by whom the rig was parked; undefined when it is not parked. */
export function parkedInfo(town: Town, rig: string): ParkedInfo | undefined {
  const file = parkedFile(town, rig);
  if (!existsSync(file)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<ParkedInfo>;
    return { at: String(raw.at ?? ""), by: String(raw.by ?? "") };
  } catch {
    return { at: "", by: "" }; // a damaged file still parks the rig: quiet is the safe side
  }
}

/** Parks or unparks a rig; false when it already was in that state. */
export function setParked(town: Town, rig: string, parked: boolean, by: string): boolean {
  town.rig(rig);
  const file = parkedFile(town, rig);
  if (parked === existsSync(file)) return false;
  if (parked) writeJsonFile(file, { at: new Date().toISOString(), by });
  else rmSync(file, { force: true });
  return true;
}

/** Whether the rig bead carries the docked label. */
export async function isDocked(town: Town, rig: string): Promise<boolean> {
  const ledger = openRigLedger(town, rig);
  try {
    const bead = await ledger.getIssue(rigBeadIdOf(town.prefixOf(rig), rig));
    return bead?.labels?.includes(DOCKED_LABEL) ?? false;
  } finally {
    await ledger.close();
  }
}

/** Docks or undocks a rig on its rig bead (made again if a rebuilt ledger lost it); false when unchanged. */
export async function setDocked(town: Town, rig: string, docked: boolean, actor: string): Promise<boolean> {
  town.rig(rig);
  const ledger = openRigLedger(town, rig);
  try {
    await ensureLedgerRecords(town, ledger, rig, { actor });
    const id = rigBeadIdOf(town.prefixOf(rig), rig);
    const has = (await ledger.getIssue(id))?.labels?.includes(DOCKED_LABEL) ?? false;
    if (has === docked) return false;
    await ledger.updateIssue(
      id,
      docked ? { add_labels: [DOCKED_LABEL] } : { remove_labels: [DOCKED_LABEL] },
      actor,
    );
    return true;
  } finally {
    await ledger.close();
  }
}

export type RigHold = "parked" | "docked";

/** Why the rig takes no sessions and no work (docked before parked), or undefined when it does. */
export async function rigHold(town: Town, rig: string): Promise<RigHold | undefined> {
  return holdOf(town, rig, await isDocked(town, rig));
}

/** rigHold for a caller that has read the docked label already. */
export function holdOf(town: Town, rig: string, docked: boolean): RigHold | undefined {
  if (docked) return "docked";
  return parkedInfo(town, rig) ? "parked" : undefined;
}

/** Throws a one-line ConflictError when the rig is parked, docked or under an e-stop. */
export async function assertRigTakesWork(town: Town, rig: string): Promise<void> {
  const hold = await rigHold(town, rig);
  if (hold)
    throw new ConflictError(
      `rig_${hold}`,
      `rig ${rig} is ${hold}: it takes no new work (gt rig ${hold === "parked" ? "unpark" : "undock"} ${rig})`,
    );
  const stop = activeEstop(town.root, rig);
  if (stop)
    throw new ConflictError(
      "estop",
      `e-stop is on${stop.rig ? ` for rig ${rig}` : ""}${stop.reason ? ` (${stop.reason})` : ""}: nothing is slung until gt thaw${stop.rig ? ` --rig ${rig}` : ""}`,
    );
}
