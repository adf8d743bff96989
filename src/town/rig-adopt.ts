// gt rig add <name> --adopt: a git checkout already at <town>/<name> becomes a rig without
// cloning it again. The checkout moves to <name>/mayor/rig (the rig's canonical clone, which
// is what it is) and the rest of the rig is built around it: the shared bare repository from
// the checkout's origin (or --url), the refinery worktree, the ledger and the agent beads.
// A checkout without a remote is refused unless --force: then the rig treats it as a local
// working repository (gt rig add --mirror), a bare mirror inside the rig being its origin.
// On any failure the checkout goes back where it was and nothing else is left. A rig already
// built there (gt rig remove keeps its files) is registered again as it is, as Gas Town does.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gitOk, isLocalPath, normaliseSource } from "../adapters/git.ts";
import { runCommand } from "../adapters/process.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { ensureLedgerRecords } from "./agent-beads.ts";
import { openRigLedger } from "./ledgers.ts";
import { withFileLock } from "./lock.ts";
import { uniquePrefix, validatePrefix } from "./prefix.ts";
import {
  type AddRigOptions,
  buildRigTree,
  MIRROR_DIR,
  type RigSummary,
  register,
  summaryOf,
  takenPrefixes,
  validateRigName,
} from "./rig.ts";
import { resolveRemotes } from "./rig-remotes.ts";
import type { Town } from "./workspace.ts";

export interface AdoptRigOptions extends AddRigOptions {
  /** `--url`: the rig's origin, instead of the checkout's own origin. */
  url?: string;
  /** `--force`: adopt a checkout without a remote (a local rig, as with --mirror). */
  force?: boolean;
}

export interface AdoptedRig extends RigSummary {
  /** Where the adopted checkout is now (the rig's canonical clone); null for a rig registered again. */
  checkout: string | null;
}

/** The origin URL of a checkout, or undefined when it has none. */
async function originOf(dir: string): Promise<string | undefined> {
  const r = await runCommand("git", ["remote", "get-url", "origin"], { cwd: dir });
  const url = r.stdout.trim();
  return r.exitCode === 0 && url ? url : undefined;
}

export async function adoptRig(town: Town, name: string, opts: AdoptRigOptions): Promise<AdoptedRig> {
  validateRigName(name);
  return withFileLock(join(town.runtimeDir, "locks", "rigs.lock"), async () => {
    if (town.rigs().rigs[name]) throw new ConflictError("rig_exists", `rig "${name}" already exists`);
    const rigDir = town.rigDir(name);
    if (!existsSync(rigDir))
      throw new NotFoundError(
        name,
        `nothing to adopt: ${rigDir} does not exist (gt rig add ${name} <url> clones one)`,
      );
    if (!statSync(rigDir).isDirectory())
      throw new ValidationError(`nothing to adopt: ${rigDir} is not a directory`);
    // A rig built before (gt rig remove keeps its files) is registered again as it is.
    if (existsSync(join(rigDir, "config.json")) && existsSync(join(rigDir, ".repo.git")))
      return reRegister(town, name, opts);
    const top = await runCommand("git", ["rev-parse", "--show-toplevel"], { cwd: rigDir });
    if (top.exitCode !== 0 || !(await sameDir(top.stdout.trim(), rigDir)))
      throw new ValidationError(`cannot adopt ${rigDir}: it is not the top of a git checkout`);
    if (!(await gitOk(rigDir, ["rev-parse", "--verify", "--quiet", "HEAD"])))
      throw new ValidationError(`cannot adopt ${rigDir}: it has no commits yet`);
    if (opts.mirror) throw new ValidationError("--adopt and --mirror do not go together");

    const given = opts.url?.trim();
    if (opts.url !== undefined && !given) throw new ValidationError("--url must not be empty");
    const url = given ? await normaliseSource(given, opts.cwd) : await originOf(rigDir);
    if (!url && !opts.force)
      throw new ValidationError(
        `cannot adopt ${rigDir}: no origin remote to fetch from and push to (pass --url <url>, or --force to adopt it as a local rig)`,
      );
    if (url && isLocalPath(url) && (await sameDir(url, rigDir)))
      throw new ValidationError("--url names the checkout itself; pass the repository it came from");
    const remotes = await resolveRemotes(opts);
    const taken = takenPrefixes(town);
    const prefix = opts.prefix ? validatePrefix(opts.prefix) : uniquePrefix(name, taken);
    if (opts.prefix && taken.has(prefix))
      throw new ConflictError("prefix_taken", `prefix "${prefix}" is already used in this town`);

    // The checkout moves aside and back in as <rig>/mayor/rig: three renames, each undone on failure.
    // What the build may change in the checkout itself (remotes, excludes, a tracked ledger's
    // database) is put back too if the adoption fails.
    const undo = snapshotCheckout(rigDir);
    const aside = `${rigDir}.adopting-${process.pid}`;
    const checkout = join(rigDir, "mayor", "rig");
    renameSync(rigDir, aside);
    let moved = false;
    try {
      mkdirSync(join(rigDir, "mayor"), { recursive: true });
      renameSync(aside, checkout);
      moved = true;
      // Without a remote the checkout is the source: a bare mirror of it is the rig's origin and
      // the refinery brings merges back to its branch, as for gt rig add --mirror.
      const working = url ? undefined : checkout;
      const origin = url ?? (await mirrorOf(checkout, join(rigDir, MIRROR_DIR), opts.branch));
      const built = await buildRigTree(town, name, origin, prefix, taken, {
        ...opts,
        ...remotes,
        working,
        canonicalReady: true,
      });
      const summary = summaryOf(town, name, origin, built, remotes, working);
      await register(town, summary);
      return { ...summary, checkout };
    } catch (e) {
      if (moved) renameSync(checkout, aside);
      rmSync(rigDir, { recursive: true, force: true });
      renameSync(aside, rigDir);
      undo();
      throw e;
    }
  });
}

async function sameDir(a: string, b: string): Promise<boolean> {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** A bare mirror of the checkout's branch: the origin of a rig adopted without a remote. */
async function mirrorOf(checkout: string, mirror: string, wanted: string | undefined): Promise<string> {
  const head = await runCommand("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: checkout });
  const branch = wanted ?? (head.exitCode === 0 ? head.stdout.trim() : "");
  if (!branch)
    throw new ValidationError(`${checkout} has a detached HEAD; check out a branch, or pass --branch`);
  const r = await runCommand("git", [
    "clone",
    "--quiet",
    "--bare",
    "--single-branch",
    "--no-tags",
    "--branch",
    branch,
    checkout,
    mirror,
  ]);
  if (r.exitCode !== 0)
    throw new ValidationError(
      `cannot mirror ${checkout}: ${r.stderr.trim().split("\n").pop() ?? "git clone failed"}`,
    );
  return mirror;
}

/**
 * Remembers the checkout's git config, its excludes and what its .beads holds; the function
 * returned puts them back (paths relative to the checkout, so it works once it is back home).
 */
function snapshotCheckout(dir: string): () => void {
  const gitDir = join(dir, ".git");
  const plain = existsSync(gitDir) && statSync(gitDir).isDirectory(); // not a worktree's .git file
  const files = plain ? [join(".git", "config"), join(".git", "info", "exclude")] : [];
  const saved = files.map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)) : undefined));
  const beads = join(dir, ".beads");
  const hadBeads = existsSync(beads);
  const beadsBefore = new Set(hadBeads ? readdirSync(beads) : []);
  return () => {
    files.forEach((f, i) => {
      const old = saved[i];
      if (old === undefined) rmSync(join(dir, f), { force: true });
      else writeFileSync(join(dir, f), old);
    });
    if (!hadBeads) rmSync(beads, { recursive: true, force: true });
    else
      for (const entry of readdirSync(beads))
        if (!beadsBefore.has(entry)) rmSync(join(beads, entry), { recursive: true, force: true });
  };
}

/**
 * Registers an already-built rig again (its config.json, shared repository and ledger are
 * there): rigs.json, the route and the patrols, and the rig's agent beads if its ledger lost
 * them. Its remotes stay as they are; flags that would change them are refused.
 */
async function reRegister(town: Town, name: string, opts: AdoptRigOptions): Promise<AdoptedRig> {
  const rigDir = town.rigDir(name);
  const cfg = town.rigConfig(name);
  for (const [flag, given] of [
    ["--url", opts.url],
    ["--push-url", opts.pushUrl],
    ["--upstream-url", opts.upstreamUrl],
    ["--local-repo", opts.localRepo],
    ["--branch", opts.branch],
  ] as const)
    if (given !== undefined)
      throw new ValidationError(
        `${rigDir} is a rig already (config.json): adopted as it is, without ${flag} (change its remotes with git)`,
      );
  const prefix = cfg.beads.prefix;
  if (opts.prefix !== undefined && validatePrefix(opts.prefix) !== prefix)
    throw new ValidationError(
      `the rig's prefix is "${prefix}" (its config.json); --prefix ${opts.prefix} differs`,
    );
  if (takenPrefixes(town).has(prefix))
    throw new ConflictError("prefix_taken", `prefix "${prefix}" is already used in this town`);
  const ledger = openRigLedger(town, name);
  try {
    await ensureLedgerRecords(town, ledger, name, {
      actor: opts.actor ?? "gt rig add --adopt",
      rigFacts: { name, git_url: cfg.git_url, default_branch: cfg.default_branch, prefix },
    });
  } finally {
    await ledger.close();
  }
  let theme = "";
  try {
    theme = JSON.parse(readFileSync(join(rigDir, "settings", "config.json"), "utf8"))?.namepool?.style ?? "";
  } catch {
    // a rig without settings: no theme yet
  }
  const tracked = existsSync(join(rigDir, ".beads", "redirect"));
  const raw = cfg as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const working = text(raw.working_repo);
  const summary = summaryOf(
    town,
    name,
    cfg.git_url,
    { prefix, branch: cfg.default_branch, routePath: tracked ? `${name}/mayor/rig` : name, theme },
    { pushUrl: text(cfg.push_url), upstreamUrl: text(cfg.upstream_url), localRepo: text(raw.local_repo) },
    working,
  );
  await register(town, summary);
  return { ...summary, checkout: null };
}
