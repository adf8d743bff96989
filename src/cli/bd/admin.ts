// bd init, config, export, import, sql, lint, preflight, doctor: setting up and
// moving the ledger.
import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  findLedger,
  initLedger,
  initPostgresLedger,
  prefixFromDirName,
  prefixOfJsonl,
} from "../../ledger/discovery.ts";
import { ledgerHealth } from "../../ledger/health.ts";
import { issuesToJsonl, parseJsonlBytes, readJsonlFile, writeJsonlFile } from "../../ledger/jsonl.ts";
import type { Issue } from "../../ledger/model.ts";
import { describeDsn } from "../../ledger/postgres/dsn.ts";
import { checkImportedIssue, missingSections } from "../../ledger/validate.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { act, BD_VERSION, type CommandGroup } from "./program.ts";

/** bd init --backend postgres: the rig's schema on a PostgreSQL server, metadata.json here. */
async function initPostgres(ctx: BdContext, dir: string, prefix: string, o: Record<string, unknown>) {
  const dsn = (o.dsn as string | undefined) ?? ctx.env.BEADS_DSN;
  if (!dsn)
    throw new ValidationError(
      "--backend postgres needs --dsn <postgres://user@host:port/database> or BEADS_DSN",
    );
  const result = await initPostgresLedger(dir, {
    prefix,
    dsn,
    schema: o.schema as string | undefined,
    version: BD_VERSION,
  });
  if (ctx.json) {
    return ctx.printJson({
      status: "initialized",
      path: result.location.beadsDir,
      prefix: result.prefix,
      backend: "postgres",
      schema: result.schema,
    });
  }
  if (ctx.opts.quiet || o.quiet) return;
  ctx.out("\n✓ bd initialized successfully!\n");
  ctx.out("  Backend: postgres");
  ctx.out(`  Database: ${describeDsn(dsn)} (schema ${result.schema})`);
  ctx.out(`  Issue prefix: ${result.prefix}`);
  ctx.out(`  Issues will be named: ${result.prefix}-<hash> (e.g., ${result.prefix}-a3f2dd)\n`);
}

async function init(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const dir = resolve(ctx.cwd);
  const backend = (o.backend as string | undefined) ?? "sqlite";
  if (backend !== "sqlite" && backend !== "postgres")
    throw new ValidationError(`invalid backend "${backend}" (sqlite or postgres)`);
  const existing = findLedger(dir, {});
  const here = existing && resolve(existing.foundAt) === resolve(dir, ".beads");
  // An explicit prefix wins; else the one the repository's issues already use; else the
  // directory's name.
  const prefix =
    (o.prefix as string | undefined) ??
    prefixOfJsonl(join(dir, ".beads", "issues.jsonl")) ??
    prefixFromDirName(basename(dir));
  if (backend === "postgres") {
    if (here && !o.force) {
      if (ctx.json) return ctx.printJson({ status: "already_initialized", path: existing.beadsDir });
      if (!o.quiet) ctx.out(`bd is already initialized in ${existing.beadsDir} (use --force to re-run)`);
      return;
    }
    return initPostgres(ctx, dir, prefix, o);
  }
  if (here && existsSync(existing.dbPath) && !o.force) {
    if (ctx.json) return ctx.printJson({ status: "already_initialized", path: existing.beadsDir });
    if (!o.quiet) ctx.out(`bd is already initialized in ${existing.beadsDir} (use --force to re-run)`);
    return;
  }
  const result = initLedger(dir, {
    prefix,
    prefixDerived: o.prefix === undefined,
    version: BD_VERSION,
    autoExport: o.autoExport !== false,
  });
  if (ctx.json) {
    return ctx.printJson({
      status: "initialized",
      path: result.location.beadsDir,
      prefix: result.prefix,
      backend: "sqlite",
    });
  }
  if (ctx.opts.quiet || o.quiet) return;
  ctx.out("\n✓ bd initialized successfully!\n");
  ctx.out("  Backend: sqlite");
  ctx.out(`  Database: ${result.location.dbPath}`);
  ctx.out(`  Issue prefix: ${result.prefix}`);
  ctx.out(`  Issues will be named: ${result.prefix}-<hash> (e.g., ${result.prefix}-a3f2dd)\n`);
  ctx.out(
    o.autoExport !== false
      ? "  ✓ Auto-export enabled -> .beads/issues.jsonl"
      : "  ✓ Auto-export disabled (enable later with: bd config set export.auto true)",
  );
  ctx.out("\nRun bd quickstart to get started.\n");
}

async function configSet(ctx: BdContext, args: string[]) {
  const [key, ...rest] = args;
  if (!key || rest.length === 0) throw new ValidationError("usage: bd config set <key> <value>");
  const value = rest.join(" ");
  const canonical = checkConfigPair(key, value);
  await ctx.ledger().setConfig(canonical, value);
  if (ctx.json) return ctx.printJson({ key: canonical, value });
  ctx.out(`Set ${canonical} = ${value}`);
}

/** The key bd stores (issue-prefix is issue_prefix), after checking the value it may hold. */
function checkConfigPair(key: string, value: string): string {
  if (key === "issue_prefix" || key === "issue-prefix") {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(value)) throw new ValidationError(`invalid prefix "${value}"`);
  }
  if (key === "export.auto" && !["true", "false"].includes(value)) {
    throw new ValidationError(`invalid value "${value}" for export.auto (true or false)`);
  }
  return key === "issue-prefix" ? "issue_prefix" : key;
}

/** `bd config set-many k=v...`: every pair checked first, then all set in one transaction. */
async function configSetMany(ctx: BdContext, args: string[]) {
  if (args.length === 0) throw new ValidationError("usage: bd config set-many <key=value>...");
  const pairs = args.map((arg) => {
    const i = arg.indexOf("=");
    if (i <= 0) throw new ValidationError(`invalid argument "${arg}" (expected key=value format)`);
    const value = arg.slice(i + 1);
    return { key: checkConfigPair(arg.slice(0, i), value), value };
  });
  const store = ctx.ledger();
  await store.batch(async () => {
    for (const p of pairs) await store.setConfig(p.key, p.value);
  });
  if (ctx.json) return ctx.printJson(pairs.map((p) => ({ ...p, location: "database" })));
  for (const p of pairs) ctx.out(`Set ${p.key} = ${p.value}`);
}

async function configGet(ctx: BdContext, args: string[]) {
  const [key] = args;
  if (!key) throw new ValidationError("usage: bd config get <key>");
  const canonical = key === "issue-prefix" ? "issue_prefix" : key;
  const value = await ctx.ledger().getConfig(canonical);
  if (ctx.json) return ctx.printJson({ key: canonical, value: value ?? "" });
  ctx.out(value ?? `${canonical} (not set)`);
}

async function configList(ctx: BdContext) {
  const all = await ctx.ledger().listConfig();
  if (ctx.json) return ctx.printJson(all);
  const keys = Object.keys(all).sort();
  if (keys.length === 0) return ctx.out("No configuration set");
  ctx.out("\nConfiguration:");
  for (const k of keys) ctx.out(`  ${k} = ${all[k]}`);
}

async function configUnset(ctx: BdContext, args: string[]) {
  const [key] = args;
  if (!key) throw new ValidationError("usage: bd config unset <key>");
  if (key === "issue_prefix") throw new ValidationError("issue_prefix cannot be unset");
  const removed = await ctx.ledger().unsetConfig(key);
  if (ctx.json) return ctx.printJson({ key, removed });
  ctx.out(removed ? `Unset ${key}` : `${key} was not set`);
}

async function exportCmd(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const issues = await store.exportIssues({
    includeEphemeral: o.includeEphemeral as boolean | undefined,
    includeInfra: (o.includeInfra || o.all) as boolean | undefined,
    includeTemplates: o.all as boolean | undefined,
  });
  const out = o.output as string | undefined;
  if (!out || out === "-") {
    process.stdout.write(issuesToJsonl(issues));
    return;
  }
  writeJsonlFile(resolve(ctx.cwd, out), issuesToJsonl(issues));
  if (ctx.json) return ctx.printJson({ exported: issues.length, path: resolve(ctx.cwd, out) });
  ctx.warn(`Exported ${issues.length} issues to ${out}`);
}

/** A path as the user would type it from here. */
function shownPath(ctx: BdContext, path: string): string {
  const rel = relative(ctx.cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

async function importCmd(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const source = (o.input as string | undefined) ?? args[0] ?? ctx.location().jsonlPath;
  const parsed = source === "-" ? parseJsonlBytes(readFileSync(0)) : readJsonlFile(resolve(ctx.cwd, source));
  const store = ctx.ledger();
  // Every line is checked as the ledger will check it (values, IDs, UTF-8), so a bad line
  // is named with its number before anything is written.
  const vocab = await store.vocabulary();
  const now = new Date().toISOString();
  const problems = [...parsed.errors];
  const good: Issue[] = [];
  for (const e of parsed.entries) {
    if (e.kind !== "issue") continue;
    try {
      checkImportedIssue(e.record, vocab, now);
      good.push(e.record as unknown as Issue);
    } catch (err) {
      problems.push({ line: e.line, reason: (err as Error).message });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  const name = source === "-" ? "stdin" : shownPath(ctx, resolve(ctx.cwd, source));
  if (o.report) {
    if (ctx.json) return ctx.printJson({ source: name, issues: good.length, unreadable: problems });
    ctx.out(`${name}: ${good.length} importable issues, ${problems.length} unreadable lines`);
    for (const p of problems) ctx.out(`  ${name}:${p.line}: ${p.reason}`);
    return problems.length > 0 ? 1 : 0;
  }
  if (problems.length > 0 && !o.skipErrors) {
    const first = problems[0]!;
    throw new ValidationError(
      `${name}: line ${first.line}: ${first.reason}${problems.length > 1 ? ` (and ${problems.length - 1} more; bd import --report lists them)` : ""}; nothing imported (--skip-errors imports the rest)`,
    );
  }
  for (const p of problems.slice(0, 10)) ctx.warn(`skipped ${name}:${p.line}: ${p.reason}`);
  if (problems.length > 10) ctx.warn(`skipped ${problems.length - 10} more unreadable lines`);
  if (o.dryRun) {
    let creates = 0;
    for (const i of good) if (!(await store.getIssue(i.id))) creates++;
    const plan = { would_create: creates, would_update_or_skip: good.length - creates };
    return ctx.json
      ? ctx.printJson(plan)
      : ctx.out(`Dry run: ${plan.would_create} new, ${plan.would_update_or_skip} existing`);
  }
  const result = await store.importIssues(good, ctx.actor());
  for (const e of result.errors ?? []) ctx.warn(`skipped ${e.id}: ${e.reason}`);
  const summary = {
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped + problems.length,
    source,
  };
  if (ctx.json) return ctx.printJson(summary);
  ctx.warn(
    `Imported ${summary.created + summary.updated} issues from ${source} (${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged${summary.skipped ? `, ${summary.skipped} skipped` : ""})`,
  );
}

async function sql(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const query = args.join(" ").trim();
  if (!query) throw new ValidationError('usage: bd sql "<SELECT ...>"');
  const rows = await ctx.ledger().query(query);
  if (ctx.json) return ctx.printJson(rows);
  if (o.csv) {
    const cols = rows[0] ? Object.keys(rows[0]) : [];
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? "" : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    ctx.out(cols.join(","));
    for (const r of rows) ctx.out(cols.map((c) => cell(r[c])).join(","));
    return;
  }
  if (rows.length === 0) return ctx.out("(no rows)");
  const cols = Object.keys(rows[0]!);
  const text = (v: unknown) => (v === null || v === undefined ? "NULL" : String(v).replace(/\n/g, " "));
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => text(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join(" | ");
  ctx.out(line(cols));
  ctx.out(widths.map((w) => "-".repeat(w)).join("-+-"));
  for (const r of rows) ctx.out(line(cols.map((c) => text(r[c]))));
  ctx.out(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
}

async function lint(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const status = (o.status as string | undefined) ?? "open";
  const rows =
    args.length > 0
      ? await store.getIssues(await Promise.all(args.map((a) => store.resolveId(a))))
      : await store.listIssues({
          limit: 0,
          types: o.type ? [o.type as string] : undefined,
          statuses: status === "all" ? undefined : [status],
          all: status === "all",
        });
  const results = rows
    .map((i) => ({ id: i.id, title: i.title, type: i.issue_type, missing: missingSections(i) }))
    .filter((r) => r.missing.length > 0)
    .map((r) => ({ ...r, warnings: r.missing.length }));
  const warnings = results.reduce((n, r) => n + r.warnings, 0);
  if (ctx.json) {
    // As bd: a report, not a failure, when asked for JSON.
    process.stdout.write(
      `${JSON.stringify({ total: warnings, issues: results.length, results }, null, 2)}\n`,
    );
    return 0;
  }
  if (results.length === 0) {
    ctx.out(`✓ No template warnings found (${rows.length} issues checked)`);
    return 0;
  }
  ctx.out(`Template warnings (${results.length} issues, ${warnings} warnings):\n`);
  for (const r of results) {
    ctx.out(`${one(r.id)} [${one(r.type)}]: ${one(r.title)}`);
    for (const m of r.missing) ctx.out(`  ⚠ Missing: ${m}`);
    ctx.out("");
  }
  return 1;
}

async function preflight(ctx: BdContext) {
  const checks: Array<{ name: string; ok: boolean; detail: string }> = [];
  const loc = findLedger(ctx.cwd, ctx.env);
  checks.push({ name: "ledger", ok: !!loc, detail: loc ? loc.beadsDir : "no .beads found (bd init)" });
  if (loc) {
    try {
      const store = ctx.ledger();
      const n = await store.countIssues({ all: true });
      checks.push({ name: "database", ok: true, detail: `${n} issues readable` });
      const cycles = await store.findCycles();
      checks.push({
        name: "cycles",
        ok: cycles.length === 0,
        detail: cycles.length === 0 ? "none" : `${cycles.length} found (bd dep cycles)`,
      });
      const auto = await store.getConfig("export.auto");
      checks.push({
        name: "jsonl",
        ok: true,
        detail: auto === "true" ? "auto-export on" : "auto-export off (bd export to refresh)",
      });
    } catch (e) {
      checks.push({ name: "database", ok: false, detail: (e as Error).message });
    }
  }
  const ok = checks.every((c) => c.ok);
  if (ctx.json) {
    ctx.printJson({ ok, checks });
  } else {
    for (const c of checks) ctx.out(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
    ctx.out(ok ? "\nReady to work." : "\nFix the items above before starting work.");
  }
  return ok ? 0 : 1;
}

/**
 * `bd doctor`: the ledger's health. The database's own check; issues.jsonl lines that are
 * kept but not imported (unreadable: broken JSON, bad values, bad IDs), with file:line and
 * why; whether issues.jsonl and config.yaml hold what the database holds. Exit 1 when
 * something needs a person.
 */
async function doctor(ctx: BdContext) {
  const { checks, unreadable } = await ledgerHealth(ctx.ledger(), (p) => shownPath(ctx, p));
  const ok = checks.every((c) => c.ok);
  if (ctx.json) {
    ctx.printJson({ ok, checks: checks.map(({ lines: _l, ...c }) => c), unreadable_lines: unreadable });
  } else {
    for (const c of checks) {
      ctx.out(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
      if (!c.ok) for (const l of c.lines ?? []) ctx.out(`    ${one(l)}`);
    }
  }
  return ok ? 0 : 1;
}

export const ADMIN: CommandGroup = {
  names: ["init", "config", "export", "import", "sql", "lint", "preflight", "doctor"],
  register: registerAdmin,
};

function registerAdmin(program: Command): void {
  program
    .command("init")
    .description("Initialize a beads ledger in the current directory")
    .option("-p, --prefix <prefix>", "issue ID prefix (default: directory name)")
    .option("--no-auto-export", "do not refresh .beads/issues.jsonl on every write")
    .option("--force", "re-run even if already initialized (keeps existing issues)")
    .option(
      "--backend <backend>",
      "where the ledger lives: sqlite (a file here) or postgres (a shared server)",
    )
    .option("--dsn <dsn>", "with --backend postgres: postgres://user@host:port/database (or BEADS_DSN)")
    .option("--schema <name>", "with --backend postgres: the ledger's schema (default bd_<prefix>)")
    .option("--quiet", "print nothing on success")
    .option("--server", "accepted for compatibility")
    .option("--server-port <port>", "accepted for compatibility")
    .option("--skip-hooks", "accepted for compatibility")
    .action(act(init));

  const config = program.command("config").description("Manage ledger configuration");
  config.command("set").argument("[args...]").description("Set a configuration value").action(act(configSet));
  config
    .command("set-many")
    .argument("[pairs...]", "<key=value>...")
    .description("Set multiple configuration values in one operation")
    .action(act(configSetMany));
  config.command("get").argument("[key]").description("Get a configuration value").action(act(configGet));
  config.command("list").description("List configuration").action(act(configList));
  config
    .command("unset")
    .argument("[key]")
    .description("Remove a configuration value")
    .action(act(configUnset));

  program
    .command("export")
    .description("Export issues as JSONL (stdout, or -o file)")
    .option("-o, --output <path>", "output file")
    .option("--include-ephemeral", "include wisps")
    .option("--all", "include templates and infrastructure beads")
    .option("--include-infra", "include infrastructure beads (agent, rig, role, message)")
    .action(act(exportCmd));

  program
    .command("import")
    .description("Import issues from JSONL (adds and updates; never deletes)")
    .argument("[file]")
    .option("-i, --input <path>", "input file (- for stdin; default .beads/issues.jsonl)")
    .option("--dry-run", "show what would change")
    .option("--skip-errors", "skip malformed lines instead of refusing the file")
    .option("--report", "list the lines that cannot be imported, and why; import nothing")
    .action(act(importCmd));

  program
    .command("sql")
    .description("Run a read-only SQL query against the ledger")
    .argument("[query...]")
    .option("--csv", "CSV output")
    .action(act(sql));

  program
    .command("lint")
    .description("Check issues for the sections their type calls for")
    .argument("[ids...]")
    .option("-t, --type <type>", "only this type")
    .option("-s, --status <status>", "only this status (default open; 'all' for every status)")
    .action(act(lint));

  program.command("preflight").description("Check the ledger is ready for work").action(act(preflight));
  program
    .command("doctor")
    .description("Check the ledger's health: database, unreadable issues.jsonl lines, files in step")
    .action(act(doctor));
}
