// gt's command-usage log, as Gas Town keeps it: `$GT_HOME/.gt/cmd-usage.jsonl` (else ~/.gt),
// one line per command run ({ts, cmd, actor, argc}), for `gt metrics` to count which commands
// are used, by whom, and which never are. Appends are single writes and best-effort, and only
// where that directory exists (as Gas Town: no gt command makes ~/.gt just to log itself).
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { NotFoundError } from "../errors.ts";

export interface UsageEntry {
  ts: string;
  cmd: string;
  actor: string;
  argc: number;
}

/** Commands that run on every tool call of every agent: they would drown the rest. */
const NOT_LOGGED = new Set(["tap", "signal"]);

export function usageLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.GT_HOME || homedir(), ".gt", "cmd-usage.jsonl");
}

/** Appends one line for `cmdPath` ("gt mail send"); never throws. */
export function recordCommandUsage(
  cmdPath: string,
  argc: number,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const top = cmdPath.split(" ")[1];
  if (top && NOT_LOGGED.has(top)) return;
  const entry: UsageEntry = {
    ts: new Date().toISOString(),
    cmd: cmdPath,
    actor: env.GT_ROLE || "unknown",
    argc,
  };
  try {
    appendFileSync(usageLogPath(env), `${JSON.stringify(entry)}\n`);
  } catch {
    // best-effort by design
  }
}

/** Every readable line of the log (newer than `sinceDays` days when given); torn lines skipped. */
export function readUsage(
  env: NodeJS.ProcessEnv = process.env,
  sinceDays = 0,
  now = new Date(),
): UsageEntry[] {
  const file = usageLogPath(env);
  if (!existsSync(file)) throw new NotFoundError(`no usage data yet (run some gt commands first): ${file}`);
  const cutoff = sinceDays > 0 ? now.getTime() - sinceDays * 86_400_000 : undefined;
  const out: UsageEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as UsageEntry;
      if (typeof e.cmd !== "string") continue;
      if (cutoff !== undefined && !(Date.parse(e.ts) > cutoff)) continue;
      out.push({
        ts: String(e.ts),
        cmd: e.cmd,
        actor: String(e.actor ?? "unknown"),
        argc: Number(e.argc) || 0,
      });
    } catch {
      // a torn or hand-edited line
    }
  }
  return out;
}

export interface CommandCount {
  cmd: string;
  count: number;
  last_used: string;
}

/** Commands by how often they ran, most first (ties by name). */
export function usageFrequency(entries: UsageEntry[]): CommandCount[] {
  const rows = new Map<string, CommandCount>();
  for (const e of entries) {
    const r = rows.get(e.cmd) ?? { cmd: e.cmd, count: 0, last_used: "" };
    r.count++;
    if (e.ts > r.last_used) r.last_used = e.ts;
    rows.set(e.cmd, r);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || a.cmd.localeCompare(b.cmd));
}

export interface ActorUsage {
  actor: string;
  total: number;
  commands: Array<{ cmd: string; count: number }>;
}

/** Per actor (by name), the commands it ran, most first. */
export function usageByActor(entries: UsageEntry[]): ActorUsage[] {
  const byActor = new Map<string, UsageEntry[]>();
  for (const e of entries) byActor.set(e.actor, [...(byActor.get(e.actor) ?? []), e]);
  return [...byActor.keys()].sort().map((actor) => {
    const list = byActor.get(actor)!;
    return {
      actor,
      total: list.length,
      commands: usageFrequency(list).map(({ cmd, count }) => ({ cmd, count })),
    };
  });
}

/** Registered command paths nobody ran, sorted. */
export function deadCommands(entries: UsageEntry[], registered: string[]): string[] {
  const used = new Set(entries.map((e) => e.cmd));
  return registered.filter((c) => !used.has(c)).sort();
}
