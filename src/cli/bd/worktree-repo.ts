// bd worktree create|list|remove|info: git worktrees that use the main checkout's ledger
// (a .beads/redirect in the worktree, kept out of git through info/exclude), removed only
// when nothing would be lost. bd repo add|remove|list|sync: other beads repositories reached
// through routes.jsonl (src/ledger/repos.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { addExcludes, git } from "../../adapters/git.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { BEADS_DIRNAME, findLedger } from "../../ledger/discovery.ts";
import {
  issueCountAt,
  ledgerPrefixAt,
  parseRepoList,
  REPOS_KEY,
  repoDir,
  setRoute,
} from "../../ledger/repos.ts";
import type { BdContext } from "./context.ts";
import { mainRepoRoot } from "./hooks.ts";
import { act, type CommandGroup } from "./program.ts";

interface WorktreeInfo {
  name: string;
  path: string;
  branch: string;
  is_main: boolean;
  beads_state: string;
  redirect_to?: string;
}

async function gitOrFail(cwd: string, args: string[], what: string): Promise<string> {
  try {
    return (await git(cwd, args)).trim();
  } catch (e) {
    throw new ValidationError(`${what}: ${(e as Error).message}`);
  }
}

async function repoRoot(cwd: string): Promise<string> {
  try {
    return (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
  } catch {
    throw new ValidationError("not in a git repository");
  }
}

function redirectTarget(worktree: string): string | undefined {
  const file = join(worktree, BEADS_DIRNAME, "redirect");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith("#"));
  return line ? resolve(worktree, line) : undefined;
}

function beadsState(worktree: string, mainBeads: string | undefined): string {
  if (redirectTarget(worktree)) return "redirect";
  const dir = join(worktree, BEADS_DIRNAME);
  if (!existsSync(dir)) return "none";
  return mainBeads && resolve(dir) === resolve(mainBeads) ? "shared" : "local";
}

async function worktrees(root: string, mainBeads: string | undefined): Promise<WorktreeInfo[]> {
  const out = await gitOrFail(root, ["worktree", "list", "--porcelain"], "failed to list worktrees");
  const list: WorktreeInfo[] = [];
  for (const block of out.split("\n\n")) {
    const path = /^worktree (.+)$/m.exec(block)?.[1];
    if (!path) continue;
    const branch =
      /^branch refs\/heads\/(.+)$/m.exec(block)?.[1] ?? (/^detached$/m.test(block) ? "(detached)" : "");
    const info: WorktreeInfo = {
      name: basename(path),
      path,
      branch,
      is_main: list.length === 0,
      beads_state: beadsState(path, mainBeads),
    };
    const to = redirectTarget(path);
    if (to) info.redirect_to = to;
    list.push(info);
  }
  return list;
}

async function create(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const name = args[0]!;
  const path = resolve(ctx.cwd, name);
  if (existsSync(path)) throw new ValidationError(`path already exists: ${path}`);
  const root = await repoRoot(ctx.cwd);
  const main = await mainRepoRoot(ctx.cwd);
  const ledger = findLedger(main, ctx.env);
  const branch = (o.branch as string | undefined) ?? basename(name);
  try {
    await git(root, ["worktree", "add", "-b", branch, path]);
  } catch {
    await gitOrFail(root, ["worktree", "add", path, branch], "failed to create worktree");
  }
  if (ledger) {
    // The worktree's own checkout of .beads/ would make a second database; the redirect
    // sends every bd command there to the main checkout's ledger instead.
    mkdirSync(join(path, BEADS_DIRNAME), { recursive: true });
    writeFileSync(
      join(path, BEADS_DIRNAME, "redirect"),
      `# bd worktree: this worktree uses the main checkout's ledger\n${relative(path, ledger.beadsDir)}\n`,
    );
    await addExcludes(main, [".beads/redirect"]);
  }
  // A worktree inside the repository is not part of it.
  const inside = relative(root, path);
  if (!inside.startsWith("..") && !isAbsolute(inside)) await addExcludes(main, [`/${inside}/`]);
  if (ctx.json) return ctx.printJson({ path, branch, beads: ledger?.beadsDir ?? null });
  ctx.out(`✓ Created worktree: ${path}\n  Branch: ${branch}`);
  if (ledger) ctx.out(`  Beads: redirects to ${ledger.beadsDir}`);
}

async function list(ctx: BdContext) {
  const root = await repoRoot(ctx.cwd);
  const main = findLedger(await mainRepoRoot(ctx.cwd), ctx.env)?.beadsDir;
  const all = await worktrees(root, main);
  if (ctx.json) return ctx.printJson(all);
  ctx.out(`${"NAME".padEnd(20)} ${"PATH".padEnd(40)} ${"BRANCH".padEnd(20)} BEADS`);
  for (const w of all)
    ctx.out(
      `${(w.is_main ? "(main)" : w.name).padEnd(20)} ${w.path.padEnd(40)} ${w.branch.padEnd(20)} ${
        w.redirect_to ? `redirect → ${w.redirect_to}` : w.beads_state
      }`,
    );
}

async function remove(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const root = await repoRoot(ctx.cwd);
  const all = await worktrees(root, undefined);
  const name = args[0]!;
  const target = all.find((w) => w.path === resolve(ctx.cwd, name) || w.name === name || w.path === name);
  if (!target) throw new NotFoundError(name, `worktree not found: ${name}`);
  if (target.is_main) throw new ValidationError("cannot remove main repository as worktree");
  if (!o.force) {
    const status = (await gitOrFail(target.path, ["status", "--porcelain"], "failed to check git status"))
      .split("\n")
      .filter((l) => l && !l.endsWith(".beads/redirect"));
    if (status.length > 0)
      throw new ValidationError(
        "safety check failed: worktree has uncommitted changes (use --force to skip)",
      );
    let ahead = "";
    try {
      ahead = (await git(target.path, ["log", "@{upstream}..", "--oneline"])).trim();
    } catch {
      // no upstream: its commits stay on its branch after the worktree goes
    }
    if (ahead)
      throw new ValidationError("safety check failed: worktree has unpushed commits (use --force to skip)");
  }
  // The redirect is ours and untracked: git refuses to remove a worktree with it otherwise.
  await gitOrFail(root, ["worktree", "remove", "--force", target.path], "failed to remove worktree");
  if (ctx.json) return ctx.printJson({ removed: target.path });
  ctx.out(`✓ Removed worktree: ${target.path}`);
}

async function info(ctx: BdContext) {
  const top = await repoRoot(ctx.cwd);
  const common = await gitOrFail(ctx.cwd, ["rev-parse", "--path-format=absolute", "--git-common-dir"], "git");
  const gitDir = await gitOrFail(ctx.cwd, ["rev-parse", "--path-format=absolute", "--git-dir"], "git");
  if (resolve(common) === resolve(gitDir)) {
    if (ctx.json) return ctx.printJson({ is_worktree: false });
    return ctx.out("Not in a git worktree (this is the main repository)");
  }
  const main = await mainRepoRoot(ctx.cwd);
  const branch = (await git(ctx.cwd, ["branch", "--show-current"])).trim();
  const to = redirectTarget(top);
  if (ctx.json)
    return ctx.printJson({
      is_worktree: true,
      path: top,
      name: basename(top),
      branch,
      main_repo: main,
      beads_redirected: to !== undefined,
      ...(to ? { beads_local: join(top, BEADS_DIRNAME), beads_target: to } : {}),
    });
  ctx.out(`Worktree: ${top}\n  Name: ${basename(top)}\n  Branch: ${branch}\n  Main repo: ${main}`);
  ctx.out(to ? `  Beads: redirects to ${to}` : "  Beads: local (no redirect)");
}

// ---------------------------------------------------------------- bd repo

function projectDir(ctx: BdContext): string {
  return resolve(ctx.location().foundAt, "..");
}

const home = (ctx: BdContext) => ctx.env.HOME || homedir();

async function repoList(ctx: BdContext) {
  const additional = parseRepoList(await ctx.ledger().getConfig(REPOS_KEY));
  if (ctx.json) return ctx.printJson({ primary: ".", additional });
  ctx.out("Primary repository: .");
  if (additional.length === 0) return ctx.out("No additional repositories configured");
  ctx.out("\nAdditional repositories:");
  for (const p of additional) ctx.out(`  - ${p}`);
}

async function repoAdd(ctx: BdContext, args: string[]) {
  const path = args[0]!;
  const project = projectDir(ctx);
  const dir = repoDir(project, path, home(ctx));
  if (!existsSync(join(dir, BEADS_DIRNAME))) throw new ValidationError(`no beads workspace found at ${dir}`);
  if (resolve(dir) === resolve(project)) throw new ValidationError("that is this repository");
  const prefix = ledgerPrefixAt(dir);
  if (!prefix)
    throw new ValidationError(`cannot tell the issue prefix of ${dir} (no config.yaml or issues yet)`);
  const store = ctx.ledger();
  if (prefix === (await store.prefix()))
    throw new ValidationError(`${dir} uses this repository's prefix "${prefix}"`);
  const list = parseRepoList(await store.getConfig(REPOS_KEY));
  if (!list.includes(path)) list.push(path);
  setRoute(project, prefix, dir);
  await store.setConfig(REPOS_KEY, list.join(","));
  if (ctx.json) return ctx.printJson({ added: true, path, prefix });
  ctx.out(`Added repository: ${path} (prefix ${prefix})\nIts issues resolve here now (bd show ${prefix}-…).`);
}

async function repoRemove(ctx: BdContext, args: string[]) {
  const path = args[0]!;
  const store = ctx.ledger();
  const list = parseRepoList(await store.getConfig(REPOS_KEY));
  if (!list.includes(path))
    throw new NotFoundError(path, `repository not configured: ${path} (bd repo list)`);
  const project = projectDir(ctx);
  const prefix = ledgerPrefixAt(repoDir(project, path, home(ctx)));
  if (prefix) setRoute(project, prefix, undefined);
  const rest = list.filter((p) => p !== path);
  if (rest.length > 0) await store.setConfig(REPOS_KEY, rest.join(","));
  else await store.unsetConfig(REPOS_KEY);
  if (ctx.json) return ctx.printJson({ removed: true, path, issues_deleted: 0 });
  ctx.out(`Removed repository: ${path}`);
}

async function repoSync(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const project = projectDir(ctx);
  const repos = [];
  for (const path of parseRepoList(await store.getConfig(REPOS_KEY))) {
    const dir = repoDir(project, path, home(ctx));
    const prefix = existsSync(join(dir, BEADS_DIRNAME)) ? ledgerPrefixAt(dir) : undefined;
    if (prefix) setRoute(project, prefix, dir);
    repos.push({
      path,
      prefix: prefix ?? null,
      issues: prefix ? issueCountAt(dir) : 0,
      ok: prefix !== undefined,
    });
    if (!prefix) ctx.warn(`Warning: skipping ${path}: no beads ledger there`);
    else if (o.verbose && !ctx.json) ctx.out(`  ${path}: prefix ${prefix}, ${issueCountAt(dir)} issue(s)`);
  }
  const synced = repos.filter((r) => r.ok).length;
  if (ctx.json)
    return ctx.printJson({
      synced: true,
      repos_synced: synced,
      repos_skipped: repos.length - synced,
      issues_imported: 0,
      repos,
    });
  ctx.out(
    `✓ ${synced} repositor${synced === 1 ? "y" : "ies"} routed (their issues are read in place, not copied)`,
  );
}

export const WORKTREE_REPO: CommandGroup = {
  names: ["worktree", "repo"],
  register(p: Command) {
    const wt = p.command("worktree").description("Manage git worktrees that share this checkout's ledger");
    wt.command("create")
      .description("Create a worktree that uses the main checkout's ledger")
      .argument("<name>")
      .option("--branch <branch>", "branch name for the worktree (default: same as name)")
      .action(act(create));
    wt.command("list").description("List all git worktrees and how each finds its ledger").action(act(list));
    wt.command("remove")
      .description("Remove a worktree (refused with uncommitted or unpushed work unless --force)")
      .argument("<name>")
      .option("--force", "skip the safety checks")
      .action(act(remove));
    wt.command("info").description("Show worktree info for the current directory").action(act(info));
    const repo = p.command("repo").description("Manage other beads repositories this one reads");
    repo
      .command("add")
      .description("Add a repository (its issues resolve here)")
      .argument("<path>")
      .action(act(repoAdd));
    repo.command("remove").description("Remove a repository").argument("<path>").action(act(repoRemove));
    repo.command("list").description("List all configured repositories").action(act(repoList));
    repo
      .command("sync")
      .description("Refresh the routes to every configured repository")
      .option("--verbose", "show each repository")
      .action(act(repoSync));
  },
};
