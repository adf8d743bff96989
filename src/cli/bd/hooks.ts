// bd hooks install|uninstall|list|run: git hooks that keep issues.jsonl and the database in
// step with git. pre-commit brings the JSONL up to date and stages it, so a commit carries
// the beads; post-merge and a branch post-checkout import what git brought. Each hook only
// gets a marked section (src/ledger/git-hooks.ts): the user's own hook lines stay and run.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { git } from "../../adapters/git.ts";
import { NoLedgerError, ValidationError } from "../../errors.ts";
import { findLedger, openLedger } from "../../ledger/discovery.ts";
import {
  chainedHook,
  hookStatus,
  installHooks,
  MANAGED_HOOKS,
  removeSection,
  uninstallHooks,
} from "../../ledger/git-hooks.ts";
import type { BdContext } from "./context.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

async function gitIn(cwd: string, args: string[]): Promise<string> {
  try {
    return (await git(cwd, args)).trim();
  } catch {
    throw new ValidationError("not a git repository (bd hooks works inside a git checkout)");
  }
}

/** The directory git runs hooks from here (core.hooksPath honoured; shared by worktrees). */
export async function gitHooksDir(cwd: string): Promise<string> {
  const p = await gitIn(cwd, ["rev-parse", "--git-path", "hooks"]);
  return isAbsolute(p) ? p : resolve(cwd, p);
}

/** The main checkout's top directory (a linked worktree's main repository, not itself). */
export async function mainRepoRoot(cwd: string): Promise<string> {
  const common = await gitIn(cwd, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  return basename(common) === ".git" ? dirname(common) : await gitIn(cwd, ["rev-parse", "--show-toplevel"]);
}

const BEADS_MANAGED = (root: string) => [join(root, ".beads", "hooks"), join(root, ".beads-hooks")];

/** Copies the hooks git runs now into `target` (bd's section left out), so pointing core.hooksPath there loses none. */
function preserveHooks(from: string, target: string): string[] {
  if (resolve(from) === resolve(target) || !existsSync(from)) return [];
  const kept: string[] = [];
  for (const name of readdirSync(from)) {
    if (name.startsWith(".") || name.endsWith(".sample") || existsSync(join(target, name))) continue;
    const src = join(from, name);
    let content: string;
    try {
      content = readFileSync(src, "utf8");
    } catch {
      continue;
    }
    const rest = removeSection(content).content;
    if (!rest.split("\n").some((l) => l.trim() && !l.trim().startsWith("#"))) continue;
    if (rest === content) copyFileSync(src, join(target, name));
    else writeFileSync(join(target, name), rest, { mode: 0o755 });
    kept.push(name);
  }
  return kept;
}

async function install(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  if (o.shared && o.beads) throw new ValidationError("--shared and --beads cannot be used together");
  const current = await gitHooksDir(ctx.cwd);
  let dir = current;
  let hooksPath: string | undefined;
  if (o.beads || o.shared) {
    const root = await mainRepoRoot(ctx.cwd);
    dir = o.beads ? join(ctx.location().beadsDir, "hooks") : join(root, ".beads-hooks");
    hooksPath = dir;
  }
  mkdirSync(dir, { recursive: true });
  const kept = hooksPath ? preserveHooks(current, dir) : [];
  installHooks(dir, BD_VERSION);
  if (hooksPath) await git(ctx.cwd, ["config", "core.hooksPath", hooksPath]);
  if (ctx.json)
    return ctx.printJson({
      success: true,
      message: "Git hooks installed successfully",
      shared: Boolean(o.shared),
      chained: Boolean(o.chain),
      beadsHooks: Boolean(o.beads),
      hooks_dir: dir,
      preserved: kept,
    });
  for (const name of kept) ctx.out(`  Preserving existing ${name} hook from ${current}`);
  ctx.out("✓ Git hooks installed successfully\n");
  if (hooksPath) ctx.out(`Hooks installed to: ${dir}\nGit config set: core.hooksPath=${hooksPath}\n`);
  if (o.shared) ctx.out("⚠️  Remember to commit .beads-hooks/ to share with your team!\n");
  ctx.out("Installed hooks:");
  for (const h of MANAGED_HOOKS) ctx.out(`  - ${h}`);
}

async function uninstall(ctx: BdContext) {
  const dir = await gitHooksDir(ctx.cwd);
  const removed = uninstallHooks(dir);
  // core.hooksPath pointing at a directory bd made goes back to git's default.
  const root = await mainRepoRoot(ctx.cwd);
  let configured = "";
  try {
    configured = (await git(ctx.cwd, ["config", "--get", "core.hooksPath"])).trim();
  } catch {
    // not set
  }
  const managed = BEADS_MANAGED(root);
  if (configured && managed.some((m) => resolve(root, configured) === m))
    await git(ctx.cwd, ["config", "--unset", "core.hooksPath"]);
  if (ctx.json)
    return ctx.printJson({ success: true, message: "Git hooks uninstalled successfully", removed });
  ctx.out("✓ Git hooks uninstalled successfully");
}

async function list(ctx: BdContext) {
  let dir: string | undefined;
  try {
    dir = await gitHooksDir(ctx.cwd);
  } catch {
    dir = undefined;
  }
  const hooks = MANAGED_HOOKS.map((h) =>
    dir
      ? hookStatus(dir, h, BD_VERSION)
      : { Name: h, Installed: false, Version: "", IsShim: false, Outdated: false },
  );
  if (ctx.json) return ctx.printJson({ hooks });
  ctx.out("Git hooks status:");
  for (const s of hooks) {
    if (!s.Installed) ctx.out(`  ✗ ${s.Name}: not installed`);
    else if (s.IsShim) ctx.out(`  ✓ ${s.Name}: installed (shim ${s.Version})`);
    else if (s.Outdated)
      ctx.out(
        `  ⚠ ${s.Name}: installed (version ${s.Version || "unknown"}, current: ${BD_VERSION}) - outdated`,
      );
    else ctx.out(`  ✓ ${s.Name}: installed${s.Version ? ` (version ${s.Version})` : " (not bd's)"}`);
  }
}

/** Runs `<hook>.old` first when there is one; its exit status. */
function runChained(dir: string, hook: string, args: string[]): number {
  const old = chainedHook(dir, hook);
  if (!old) return 0;
  const r = spawnSync(old, args, { stdio: "inherit" });
  return r.status ?? 1;
}

/** The ledger here, opened (which imports a JSONL git changed and exports what is pending); undefined when none. */
function ledgerHere(ctx: BdContext) {
  const loc = findLedger(ctx.cwd, ctx.env);
  if (!loc) return undefined;
  try {
    return { loc, store: openLedger(loc) };
  } catch (e) {
    if (e instanceof NoLedgerError) return undefined;
    throw e;
  }
}

async function preCommit(ctx: BdContext) {
  const here = ledgerHere(ctx);
  if (!here) return;
  try {
    if ((await here.store.getConfig("export.auto")) === "false") return;
    if ((await here.store.getConfig("export.git-add")) === "false") return;
  } finally {
    await here.store.close();
  }
  const top = await gitIn(ctx.cwd, ["rev-parse", "--show-toplevel"]);
  const rel = relative(top, here.loc.jsonlPath);
  // A redirect to another checkout's ledger: that file is not this commit's to carry.
  if (!existsSync(here.loc.jsonlPath) || rel.startsWith("..") || isAbsolute(rel)) return;
  await git(top, ["add", "--", rel]);
}

async function importAfterGit(ctx: BdContext, reason: string) {
  try {
    const here = ledgerHere(ctx);
    if (!here) return;
    if ((await here.store.getConfig("import.auto")) === "false") {
      await here.store.close();
      return;
    }
    // Opening the ledger took the changed JSONL in; nothing else to do.
    await here.store.close();
  } catch (e) {
    // A merge or checkout is never failed for beads' sake.
    ctx.warn(`beads: ${reason} import warning: ${(e as Error).message}`);
  }
}

function prepareCommitMsg(ctx: BdContext, args: string[]) {
  const [file, source] = args;
  const actor = ctx.env.BD_ACTOR;
  if (!file || source === "merge" || !actor) return;
  const text = readFileSync(file, "utf8");
  if (text.split("\n").some((l) => l.startsWith("Executed-By:"))) return;
  writeFileSync(file, `${text.replace(/\s+$/, "")}\n\nExecuted-By: ${actor}\n`);
}

async function runHook(ctx: BdContext, args: string[]) {
  const [hook, ...rest] = args;
  if (!hook || !(MANAGED_HOOKS as readonly string[]).includes(hook))
    throw new ValidationError(`unknown hook: ${hook ?? ""} (one of ${MANAGED_HOOKS.join(", ")})`);
  const dir = await gitHooksDir(ctx.cwd);
  const chained = runChained(dir, hook, rest);
  if (chained !== 0) return chained;
  if (hook === "pre-commit") {
    try {
      await preCommit(ctx);
    } catch (e) {
      ctx.warn(`beads: pre-commit export warning: ${(e as Error).message}`);
    }
  } else if (hook === "post-merge") await importAfterGit(ctx, "post-merge");
  else if (hook === "post-checkout" && rest[2] === "1") await importAfterGit(ctx, "post-checkout");
  else if (hook === "prepare-commit-msg") prepareCommitMsg(ctx, rest);
  return 0;
}

export const HOOKS: CommandGroup = {
  names: ["hooks"],
  register(p: Command) {
    const hooks = p.command("hooks").description("Manage git hooks for beads integration");
    hooks
      .command("install")
      .description("Install bd git hooks (a marked section in each hook; existing hook lines kept)")
      .option("--force", "accepted for compatibility (existing hooks are kept either way)")
      .option("--shared", "install to .beads-hooks/ (versioned) and point core.hooksPath there")
      .option("--chain", "accepted for compatibility (existing hooks always run)")
      .option("--beads", "install to .beads/hooks/ and point core.hooksPath there")
      .action(act(install));
    hooks.command("uninstall").description("Remove bd's part of the git hooks").action(act(uninstall));
    hooks.command("list").description("List installed git hooks status").action(act(list));
    hooks
      .command("run")
      .description("Execute a git hook (called by the installed hooks)")
      .argument("<hook-name>")
      .argument("[args...]")
      .allowUnknownOption()
      .action(act(runHook));
  },
};
