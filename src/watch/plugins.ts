// Plugins: periodic automation for the Deacon's dogs. A plugin is a directory holding
// plugin.md (TOML front matter between +++ lines, then the instructions) and optionally
// run.sh, in <town>/plugins/<name>/ (town-wide) or <rig>/plugins/<name>/ (one rig). Every run
// is recorded as a closed wisp in the town ledger labelled type:plugin-run, plugin:<name>,
// rig:<rig> and result:success|failure; a cooldown gate is open when no run is that recent.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseToml } from "smol-toml";
import { runShell } from "../adapters/process.ts";
import { shellQuote } from "../adapters/tmux.ts";
import { durationMs } from "../duration.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export const GATE_TYPES = ["cooldown", "cron", "condition", "event", "manual"] as const;
export type GateType = (typeof GATE_TYPES)[number];
export const RUN_LABEL = "type:plugin-run";

export interface Plugin {
  name: string;
  description: string;
  version: number;
  location: "town" | "rig";
  rig: string | null;
  /** The plugin's directory. */
  path: string;
  gate: { type: GateType; duration?: string; schedule?: string; check?: string; on?: string };
  tracking: { labels: string[]; digest: boolean };
  execution: { timeout?: string; notify_on_failure: boolean; severity?: string };
  instructions: string;
  has_run_script: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new ValidationError(`invalid plugin name "${name}"`);
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const table = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A plugin from its plugin.md; a file with no front matter is a manual plugin named after its directory. */
export function parsePlugin(dir: string, text: string, where: { rig: string | null }): Plugin {
  const file = join(dir, "plugin.md");
  const dirName = dir.split("/").pop()!;
  let front: Record<string, unknown> = {};
  let body = text;
  const m = /^\+\+\+[ \t]*\r?\n([\s\S]*?)\r?\n\+\+\+[ \t]*(?:\r?\n|$)/.exec(text);
  if (m) {
    try {
      front = parseToml(m[1]!) as Record<string, unknown>;
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e))
        .replace(/^Invalid TOML document:\s*/, "")
        .split("\n")[0];
      throw new ValidationError(`${file}: bad front matter: ${why}`);
    }
    body = text.slice(m[0].length);
  }
  const gate = table(front.gate);
  const type = str(gate.type) ?? "manual";
  if (!(GATE_TYPES as readonly string[]).includes(type))
    throw new ValidationError(`${file}: unknown gate type "${type}" (${GATE_TYPES.join(", ")})`);
  if (type === "cooldown" && gate.duration !== undefined)
    durationMs(String(gate.duration), `${file}: gate duration`);
  if (type === "condition" && !str(gate.check))
    throw new ValidationError(`${file}: a condition gate needs check = "<command>"`);
  const tracking = table(front.tracking);
  const exec = table(front.execution);
  const name = str(front.name) ?? dirName;
  return {
    name,
    description: str(front.description) ?? "",
    version: typeof front.version === "number" ? front.version : 1,
    location: where.rig ? "rig" : "town",
    rig: where.rig,
    path: dir,
    gate: {
      type: type as GateType,
      ...(str(gate.duration) ? { duration: str(gate.duration) } : {}),
      ...(str(gate.schedule) ? { schedule: str(gate.schedule) } : {}),
      ...(str(gate.check) ? { check: str(gate.check) } : {}),
      ...(str(gate.on) ? { on: str(gate.on) } : {}),
    },
    tracking: {
      labels: Array.isArray(tracking.labels) ? tracking.labels.map(String) : [],
      digest: tracking.digest === true,
    },
    execution: {
      ...(str(exec.timeout) ? { timeout: str(exec.timeout) } : {}),
      notify_on_failure: exec.notify_on_failure === true,
      ...(str(exec.severity) ? { severity: str(exec.severity) } : {}),
    },
    instructions: body.trim(),
    has_run_script: existsSync(join(dir, "run.sh")),
  };
}

function pluginsDir(town: Town, rig: string | null): string {
  return rig ? join(town.rigDir(rig), "plugins") : town.path("plugins");
}

function scan(town: Town, rig: string | null): Plugin[] {
  const dir = pluginsDir(town, rig);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .filter((n) => NAME.test(n) && existsSync(join(dir, n, "plugin.md")))
    .map((n) => parsePlugin(join(dir, n), readFileSync(join(dir, n, "plugin.md"), "utf8"), { rig }));
}

/** Every plugin: the town's, then each rig's (or only `rig`'s and the town's). */
export function listPlugins(town: Town, opts: { rig?: string } = {}): Plugin[] {
  if (opts.rig) town.rig(opts.rig);
  const rigs = opts.rig ? [opts.rig] : town.rigNames();
  return [...scan(town, null), ...rigs.flatMap((r) => scan(town, r))];
}

/** A plugin's plugin.md: `<rig>/plugins/<name>/plugin.md` (with a rig), else the town's. */
export function findPlugin(town: Town, name: string, rig?: string): string {
  checkName(name);
  if (rig) town.rig(rig);
  const places = [
    ...(rig ? [join(pluginsDir(town, rig), name, "plugin.md")] : []),
    join(pluginsDir(town, null), name, "plugin.md"),
  ];
  const file = places.find((p) => existsSync(p));
  if (!file) throw new NotFoundError(name, `no plugin ${name} (looked for ${places.join(", ")})`);
  return file;
}

/** The plugin called `name` (the rig's over the town's when a rig is given). */
export function getPlugin(town: Town, name: string, rig?: string): Plugin {
  const file = findPlugin(town, name, rig);
  const dir = join(file, "..");
  const isRig = rig !== undefined && file.startsWith(pluginsDir(town, rig));
  return parsePlugin(dir, readFileSync(file, "utf8"), { rig: isRig ? rig! : null });
}

export interface PluginRun {
  id: string;
  plugin: string;
  rig: string | null;
  result: "success" | "failure";
  at: string;
  summary: string;
}

function runOf(i: { id: string; labels?: string[]; created_at: string; description?: string }): PluginRun {
  const label = (k: string) => i.labels?.find((l) => l.startsWith(`${k}:`))?.slice(k.length + 1);
  return {
    id: i.id,
    plugin: label("plugin") ?? "",
    rig: label("rig") ?? null,
    result: label("result") === "failure" ? "failure" : "success",
    at: i.created_at,
    summary: (i.description ?? "").split("\n")[0] ?? "",
  };
}

/** The plugin's recorded runs, newest first (`since`: only those created after it). */
export async function pluginRuns(
  town: Town,
  name: string,
  opts: { limit?: number; since?: Date } = {},
): Promise<PluginRun[]> {
  const ledger = openTownLedger(town);
  try {
    const rows = await ledger.listIssues({
      labels: [RUN_LABEL, `plugin:${name}`],
      all: true,
      ephemeral: true,
      includeInfra: true,
      sort: "created",
      ...(opts.since ? { createdAfter: opts.since.toISOString() } : {}),
      ...(opts.limit ? { limit: opts.limit } : {}),
    });
    return rows.map(runOf).sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
  } finally {
    await ledger.close();
  }
}

export async function recordRun(
  town: Town,
  p: Plugin,
  result: "success" | "failure",
  body: string,
  actor: string,
): Promise<string> {
  const ledger = openTownLedger(town);
  try {
    const issue = await ledger.createIssue(
      {
        title: `Plugin run: ${p.name}${p.rig ? ` (${p.rig})` : ""}`,
        description: body,
        issue_type: "task",
        ephemeral: true,
        labels: [RUN_LABEL, `plugin:${p.name}`, ...(p.rig ? [`rig:${p.rig}`] : []), `result:${result}`],
      },
      actor,
    );
    await ledger.closeIssue(issue.id, { reason: `plugin run: ${result}` }, actor);
    return issue.id;
  } finally {
    await ledger.close();
  }
}

/** Whether the plugin's gate lets it run now, and why not. */
export async function gateStatus(town: Town, p: Plugin): Promise<{ open: boolean; reason: string }> {
  switch (p.gate.type) {
    case "cooldown": {
      const span = p.gate.duration ?? "1h";
      const since = new Date(Date.now() - durationMs(span, "gate duration"));
      const recent = await pluginRuns(town, p.name, { since });
      return recent.length
        ? { open: false, reason: `ran ${recent.length} time(s) within its ${span} cooldown` }
        : { open: true, reason: `no run within ${span}` };
    }
    case "condition": {
      const r = await runShell(p.gate.check!, { cwd: town.root, timeoutMs: 60_000 });
      return r.exitCode === 0 && !r.timedOut
        ? { open: true, reason: `check passed: ${p.gate.check}` }
        : {
            open: false,
            reason: `check failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`}): ${p.gate.check}`,
          };
    }
    default:
      return { open: true, reason: `${p.gate.type} gate: a manual run may go` };
  }
}

export interface RunOutcome {
  plugin: string;
  rig: string | null;
  gate: { open: boolean; reason: string };
  forced: boolean;
  ran: boolean;
  /** run.sh was run (else the instructions were handed over and the run recorded as manual). */
  script: boolean;
  result: "success" | "failure" | null;
  exit_code: number | null;
  output: string;
  run_id: string | null;
}

/**
 * Runs a plugin by hand: its run.sh when it has one (in its directory, with GT_TOWN_ROOT,
 * GT_PLUGIN and GT_RIG, killed after its timeout), else its instructions are returned for
 * whoever runs them. A closed gate stops it unless forced. Every run is recorded.
 */
export async function runPlugin(
  town: Town,
  p: Plugin,
  opts: { force?: boolean; dryRun?: boolean; actor: string; env?: NodeJS.ProcessEnv },
): Promise<RunOutcome> {
  const gate = await gateStatus(town, p);
  const base = {
    plugin: p.name,
    rig: p.rig,
    gate,
    forced: !gate.open && opts.force === true,
    script: p.has_run_script,
  };
  const none = { ran: false, result: null, exit_code: null, output: "", run_id: null };
  if (opts.dryRun || (!gate.open && !opts.force)) return { ...base, ...none };
  if (!p.has_run_script) {
    const id = await recordRun(
      town,
      p,
      "success",
      "Manual run via gt plugin run (instructions handed over)",
      opts.actor,
    );
    return { ...base, ran: true, result: "success", exit_code: null, output: p.instructions, run_id: id };
  }
  const timeout = durationMs(p.execution.timeout ?? "10m", "execution timeout");
  // Its own process group, killed whole at the timeout: nothing it started outlives it.
  const r = await runShell(`sh ${shellQuote(join(p.path, "run.sh"))}`, {
    cwd: p.path,
    env: { ...(opts.env ?? process.env), GT_TOWN_ROOT: town.root, GT_PLUGIN: p.name, GT_RIG: p.rig ?? "" },
    timeoutMs: timeout,
  });
  const output = r.output;
  const ok = r.exitCode === 0 && !r.timedOut;
  const why = r.timedOut ? `timed out after ${p.execution.timeout ?? "10m"}` : `exit ${r.exitCode}`;
  const tail = output.trim().split("\n").slice(-20).join("\n");
  const id = await recordRun(town, p, ok ? "success" : "failure", `run.sh ${why}\n\n${tail}`, opts.actor);
  return {
    ...base,
    ran: true,
    result: ok ? "success" : "failure",
    exit_code: r.timedOut ? null : r.exitCode,
    output,
    run_id: id,
  };
}

export interface SyncReport {
  source: string;
  target: string;
  copied: string[];
  unchanged: string[];
  removed: string[];
  dry_run: boolean;
}

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else out.set(relative(dir, f), readFileSync(f, "latin1"));
    }
  };
  walk(dir);
  return out;
}

function sameTree(a: string, b: string): boolean {
  if (!existsSync(b)) return false;
  const fa = filesOf(a);
  const fb = filesOf(b);
  return fa.size === fb.size && [...fa].every(([k, v]) => fb.get(k) === v);
}

/**
 * Copies every plugin directory (one with plugin.md) of `source` into the town's plugins/
 * (or a rig's): new and changed ones replace what is there; with `clean`, plugins the source
 * does not have are removed. Each plugin is checked before anything is written.
 */
export function syncPlugins(
  town: Town,
  source: string,
  opts: { rig?: string; clean?: boolean; dryRun?: boolean } = {},
): SyncReport {
  if (opts.rig) town.rig(opts.rig);
  if (!existsSync(source) || !statSync(source).isDirectory())
    throw new NotFoundError(source, `no plugin source directory ${source}`);
  const target = pluginsDir(town, opts.rig ?? null);
  const names = readdirSync(source)
    .sort()
    .filter((n) => NAME.test(n) && existsSync(join(source, n, "plugin.md")));
  if (names.length === 0)
    throw new ValidationError(`${source} holds no plugins (directories with plugin.md)`);
  for (const n of names)
    parsePlugin(join(source, n), readFileSync(join(source, n, "plugin.md"), "utf8"), { rig: null });
  const report: SyncReport = {
    source,
    target,
    copied: [],
    unchanged: [],
    removed: [],
    dry_run: opts.dryRun === true,
  };
  for (const n of names)
    (sameTree(join(source, n), join(target, n)) ? report.unchanged : report.copied).push(n);
  if (opts.clean && existsSync(target))
    report.removed = readdirSync(target)
      .sort()
      .filter((n) => !names.includes(n) && existsSync(join(target, n, "plugin.md")));
  if (opts.dryRun) return report;
  mkdirSync(target, { recursive: true });
  for (const n of report.copied) {
    rmSync(join(target, n), { recursive: true, force: true });
    cpSync(join(source, n), join(target, n), { recursive: true });
  }
  for (const n of report.removed) rmSync(join(target, n), { recursive: true, force: true });
  return report;
}
