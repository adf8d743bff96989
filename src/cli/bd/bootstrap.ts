// bd bootstrap (a fresh clone's database built from its issues.jsonl, never destroying
// anything), bd init-safety (what bd init may and may not do, and what it would do here) and
// bd upgrade (the version, how this copy of bd is updated, and the version the ledger last saw).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { NoLedgerError } from "../../errors.ts";
import { type BootstrapPlan, bootstrapPlan } from "../../ledger/bootstrap.ts";
import {
  findLedger,
  initLedger,
  openLedger,
  prefixFromDirName,
  prefixOfJsonl,
} from "../../ledger/discovery.ts";
import { packageRoot } from "../../package-paths.ts";
import type { BdContext } from "./context.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

const NO_WORKSPACE = "no beads workspace found here (bd init makes one; bootstrap is for existing projects)";

function printPlan(ctx: BdContext, plan: BootstrapPlan) {
  ctx.out(`Bootstrap plan: ${plan.action}\n  ${plan.reason}\n  Beads dir: ${plan.beads_dir}`);
}

async function bootstrap(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const plan = bootstrapPlan(ctx.cwd, ctx.env);
  if (!plan) {
    if (ctx.json) {
      ctx.printJson({ action: "none", reason: NO_WORKSPACE, suggestion: "bd init" });
      return 1;
    }
    throw new NoLedgerError(NO_WORKSPACE);
  }
  if (plan.action === "none") {
    // An existing database is only checked, never touched.
    const store = openLedger(findLedger(ctx.cwd, ctx.env)!);
    try {
      const integrity = await store.integrityCheck();
      const issues = (await store.countIssues({ all: true })) as number;
      if (ctx.json) return ctx.printJson({ ...plan, integrity, issues });
      printPlan(ctx, plan);
      ctx.out(`  Integrity: ${integrity.join(", ")}\n  Issues: ${issues}\n\n✓ Nothing to do`);
    } finally {
      await store.close();
    }
    return;
  }
  if (o.dryRun) {
    if (ctx.json) return ctx.printJson({ ...plan, dry_run: true });
    printPlan(ctx, plan);
    return ctx.out("\n(dry run: nothing done)");
  }
  const project = dirname(plan.beads_dir);
  const result = initLedger(project, {
    prefix: (plan.jsonl_file && prefixOfJsonl(plan.jsonl_file)) || prefixFromDirName(basename(project)),
    prefixDerived: true,
    version: BD_VERSION,
  });
  const store = openLedger(result.location);
  let issues: number;
  try {
    issues = (await store.countIssues({ all: true })) as number;
  } finally {
    await store.close();
  }
  if (ctx.json) return ctx.printJson({ ...plan, done: true, prefix: result.prefix, issues });
  printPlan(ctx, plan);
  ctx.out(
    plan.action === "jsonl-import"
      ? `\n✓ Database created from ${plan.jsonl_file}: ${issues} issue(s), prefix ${result.prefix}`
      : `\n✓ Fresh database created (prefix ${result.prefix})`,
  );
}

const CONTRACT = [
  "bd init never deletes or overwrites issues: on a ledger that exists it says so and stops.",
  "bd init --force re-runs the setup (config, metadata.json, .gitignore) and keeps every issue.",
  "A clone that brought .beads/issues.jsonl gets its database built from it (bd bootstrap, or the first bd command); import adds and updates, never deletes.",
  "The database (.beads/beads.db) is local and git-ignored; issues.jsonl and config.yaml are what travel with git.",
  "There is no remote database to diverge from, so beads' --discard-remote and destroy-token do not apply; deleting beads needs bd delete, bd prune or bd admin reset --force.",
];

async function initSafety(ctx: BdContext) {
  const here = bootstrapPlan(ctx.cwd, ctx.env);
  const wouldDo = !here
    ? "bd init here would create .beads/ with a new database"
    : here.action === "none"
      ? "bd init here would stop: a ledger already exists (--force keeps its issues)"
      : here.action === "jsonl-import"
        ? `bd init here would build the database from ${here.jsonl_issues} issue line(s) in issues.jsonl`
        : "bd init here would create the database in the existing .beads/";
  if (ctx.json) return ctx.printJson({ contract: CONTRACT, here: here ?? null, init_would: wouldDo });
  ctx.out("bd init safety contract\n");
  for (const line of CONTRACT) ctx.out(`  • ${line}`);
  ctx.out(`\nHere: ${wouldDo}.`);
}

/** How this copy of bd was installed, and the command that updates it. */
function installInfo(): { install: string; root: string; update: string } {
  const root = packageRoot();
  if (existsSync(join(root, ".git")))
    return { install: "clone", root, update: `cd ${root} && git pull && npm ci && npm run build` };
  if (root.includes("/node_modules/"))
    return {
      install: "npm",
      root,
      update:
        'npm install -g "$(npm pack git+https://github.com/<owner>/<repo>.git | tail -1)"  # or the tarball you installed from',
    };
  return { install: "unknown", root, update: "reinstall the package the way it was installed" };
}

function metadataFile(ctx: BdContext): string | undefined {
  const loc = findLedger(ctx.cwd, ctx.env);
  return loc ? join(loc.beadsDir, "metadata.json") : undefined;
}

function lastSeenVersion(ctx: BdContext): string | undefined {
  const file = metadataFile(ctx);
  if (!file || !existsSync(file)) return undefined;
  try {
    return (
      (JSON.parse(readFileSync(file, "utf8")) as { last_bd_version?: string }).last_bd_version || undefined
    );
  } catch {
    return undefined;
  }
}

async function upgradeStatus(ctx: BdContext) {
  const previous = lastSeenVersion(ctx);
  const upgraded = previous !== undefined && previous !== BD_VERSION;
  const info = installInfo();
  if (ctx.json)
    return ctx.printJson({
      upgraded,
      current_version: BD_VERSION,
      ...(previous ? { previous_version: previous } : {}),
      install: info.install,
      package_root: info.root,
      update_command: info.update,
    });
  if (upgraded) ctx.out(`✨ bd upgraded from v${previous} to v${BD_VERSION}`);
  else if (!previous) ctx.out(`bd version: v${BD_VERSION} (no version recorded in this ledger yet)`);
  else ctx.out(`bd version: v${BD_VERSION} (no upgrade detected)`);
  ctx.out(`  Installed as: ${info.install} (${info.root})\n  To update: ${info.update}`);
}

async function upgradeReview(ctx: BdContext) {
  const previous = lastSeenVersion(ctx);
  if (ctx.json)
    return ctx.printJson({
      current_version: BD_VERSION,
      previous_version: previous ?? null,
      new_versions: [],
    });
  if (!previous) return ctx.out("No previous version recorded");
  if (previous === BD_VERSION) return ctx.out(`You're already on v${BD_VERSION} (no upgrade detected)`);
  ctx.out(`Upgraded from v${previous} to v${BD_VERSION}`);
  ctx.out("No changelog ships with this bd; the package's git log says what changed.");
  ctx.out("Run 'bd upgrade ack' to mark this version as seen");
}

async function upgradeAck(ctx: BdContext) {
  const file = metadataFile(ctx);
  if (!file)
    throw new NoLedgerError("no beads database found (run 'bd init' to create one here, or set BEADS_DIR)");
  let meta: Record<string, unknown> = {};
  if (existsSync(file)) meta = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const previous = (meta.last_bd_version as string | undefined) ?? "";
  meta.last_bd_version = BD_VERSION;
  writeFileSync(file, `${JSON.stringify(meta, null, 2)}\n`);
  if (ctx.json)
    return ctx.printJson({ acknowledged: true, current_version: BD_VERSION, previous_version: previous });
  if (previous === BD_VERSION) ctx.out(`✓ Already on v${BD_VERSION}`);
  else if (!previous) ctx.out(`✓ Acknowledged bd v${BD_VERSION}`);
  else ctx.out(`✓ Acknowledged upgrade from v${previous} to v${BD_VERSION}`);
}

export const BOOTSTRAP: CommandGroup = {
  names: ["bootstrap", "init-safety", "upgrade"],
  register(p: Command) {
    p.command("bootstrap")
      .description("Non-destructive database setup for fresh clones (the database built from issues.jsonl)")
      .option("--dry-run", "show what would be done without doing it")
      .option("-y, --yes", "accepted for compatibility (bootstrap never asks)")
      .option("--non-interactive", "accepted for compatibility")
      .action(act(bootstrap));
    p.command("init-safety")
      .description("Explain what bd init may do to existing data, and what it would do here")
      .action(act(initSafety));
    const up = p
      .command("upgrade")
      .description("Check and manage bd version upgrades (the version, how to update this install)")
      .option("--check", "the same as bd upgrade status")
      .action(act(upgradeStatus));
    up.command("status")
      .description("Check if the bd version changed since the ledger last saw it")
      .action(act(upgradeStatus));
    up.command("review").description("Review changes since the last bd version").action(act(upgradeReview));
    up.command("ack")
      .description("Acknowledge the current bd version (metadata.json)")
      .action(act(upgradeAck));
  },
};
