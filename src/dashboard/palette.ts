// The command palette: a line typed on the page becomes an argument array for bin/gt, run
// without a shell, and only when its leading words are on the allow-list. Nothing else the
// gt CLI can do (install, rig remove, estop, ...) is reachable from the browser.
import { execFile } from "node:child_process";
import { ValidationError } from "../errors.ts";
import { gtExecutable } from "../package-paths.ts";

/** Commands the page may run, as leading words; the rest of the line is their arguments. */
export const ALLOWED_COMMANDS = [
  "status",
  "agents",
  "convoy list",
  "convoy status",
  "convoy show",
  "mq list",
  "mq next",
  "mq status",
  "mail inbox",
  "mail peek",
  "mail send",
  "mail thread",
  "escalate list",
  "escalate show",
  "escalate ack",
  "nudge",
  "sling",
  "peek",
  "rig list",
  "polecat list",
  "version",
] as const;

/** A command the palette will not run: not on the allow-list. */
export class CommandRefused extends ValidationError {}

const MAX_LINE = 2000;
const MAX_OUTPUT = 256 * 1024;
const TIMEOUT_MS = 60_000;
/** At most this many palette commands at once, whatever the browser sends. */
export const MAX_RUNNING = 4;

/** Splits a line into words: whitespace separates, '…' and "…" group, backslash escapes. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (/\s/.test(c)) {
      if (any) out.push(cur);
      cur = "";
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (quote) throw new ValidationError(`unclosed ${quote} quote`);
  if (any) out.push(cur);
  return out;
}

/** The argument array for a palette line, or a ValidationError naming why it is refused. */
export function paletteArgv(line: string): string[] {
  if (line.length > MAX_LINE) throw new ValidationError(`command longer than ${MAX_LINE} characters`);
  const words = splitWords(line.trim().replace(/^gt\s+/, ""));
  if (words.length === 0) throw new ValidationError("empty command");
  const allowed = ALLOWED_COMMANDS.some((c) => {
    const lead = c.split(" ");
    return lead.every((w, i) => words[i] === w);
  });
  if (!allowed) throw new CommandRefused(`not allowed from the dashboard: gt ${words.slice(0, 2).join(" ")}`);
  return words;
}

export interface RunResult {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

let running = 0;

/** Runs bin/gt with the words (no shell) in the town's root; output is capped. */
export function runPaletteCommand(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  if (running >= MAX_RUNNING) throw new ValidationError(`${MAX_RUNNING} commands are already running`);
  running++;
  return new Promise((resolve) => {
    execFile(
      gtExecutable(),
      argv,
      { cwd, env, timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT, shell: false },
      (err, stdout, stderr) => {
        running--;
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ argv, code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
