// The bd command tree and bd's start: the global flags, the groups loaded for the command
// word, errors as one line. Loads nothing of the ledger (context.ts does, through act() in
// program.ts), so that a command which opens none (bd version) starts without it.
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { countMetric, flushTelemetry, recordHistogram } from "../../adapters/otel.ts";
import { ValidationError } from "../../errors.ts";
import { InvalidUtf8Error, safeText } from "../../terminal-text.ts";
import { elapsedMs, writeErr, writeOut } from "../stdio.ts";
import { commandWord } from "./command-word.ts";
import type { GlobalOptions } from "./context.ts";
import { reportError } from "./output.ts";

export { commandWord };

export const BD_VERSION = "1.0.5-ts.0";

/** The global flags a command was given; --format json is the same as --json. */
export function globalsOf(cmd: Command): GlobalOptions & { format?: string } {
  const globals = cmd.optsWithGlobals() as GlobalOptions & { format?: string };
  if (globals.format !== undefined) {
    if (globals.format !== "json")
      throw new ValidationError(`unsupported --format "${globals.format}" (only json)`);
    globals.json = true;
  }
  return globals;
}

export function buildProgram(): Command {
  const program = new Command("bd");
  program
    .description("bd - beads: a git-backed issue ledger for coding agents")
    .version(`bd version ${BD_VERSION} (sqlite)`, "--version", "print the version")
    .option("--json", "output in JSON format")
    .option("--actor <name>", "actor name for the audit trail (default: $BEADS_ACTOR, git user.name, $USER)")
    .option("--db <path>", "path to the .beads directory or beads.db")
    .option("-C, --directory <dir>", "run as if started in this directory")
    .option("--readonly", "open the ledger read-only")
    .option("-q, --quiet", "suppress non-essential output")
    .option("-v, --verbose", "more output")
    .option("--allow-stale", "accepted for compatibility (no effect)")
    .option("--sandbox", "accepted for compatibility (no effect)")
    .addOption(new Option("--dolt-auto-commit <mode>", "accepted for compatibility").hideHelp())
    .addOption(new Option("--global", "accepted for compatibility").hideHelp())
    .addOption(new Option("--profile", "accepted for compatibility").hideHelp())
    .addOption(new Option("--format <format>", "--format json is the same as --json").hideHelp())
    .showHelpAfterError(false)
    .configureOutput({
      writeOut,
      writeErr,
      // One line, like every other bd error: commander's "(Did you mean ...?)" joins the first.
      outputError: (str, write) =>
        write(
          `${safeText(
            str
              .replace(/^error: /, "Error: ")
              .trim()
              .replace(/\s*\n\s*/g, " "),
          )}\n`,
        ),
    })
    .exitOverride();
  program.enablePositionalOptions(false);
  return program;
}

/** A group of commands registered together, with every name and alias it defines. */
export interface CommandGroup {
  names: readonly string[];
  register: (p: Command) => void;
}

/**
 * A group as bd's tree lists it (src/cli/bd/groups.ts): its names, and its module loaded only
 * when the command word is one of them, or for the whole tree (help, completion, no word).
 */
export interface LazyBdGroup {
  names: readonly string[];
  load: () => Promise<CommandGroup>;
}

/** A group already loaded, as a lazy one (the hot-path bundles hold their group statically). */
export function loaded(group: CommandGroup): LazyBdGroup {
  return { names: group.names, load: async () => group };
}

/**
 * Node decodes the command line as UTF-8 and turns invalid bytes into U+FFFD silently.
 * Only when an argument holds U+FFFD (rare) are the raw bytes looked at (Linux:
 * /proc/self/cmdline), so an argument that was not UTF-8 is refused rather than stored
 * damaged. Elsewhere a U+FFFD argument passes as Node decoded it.
 */
export function checkArgvUtf8(argv: string[]): void {
  if (process.platform !== "linux" || !argv.some((a) => a.includes("\ufffd"))) return;
  let raw: Uint8Array;
  try {
    raw = readFileSync("/proc/self/cmdline");
  } catch {
    return;
  }
  const strict = new TextDecoder("utf-8", { fatal: true });
  const lossy = new TextDecoder("utf-8");
  let start = 0;
  while (start < raw.length) {
    let end = raw.indexOf(0, start);
    if (end < 0) end = raw.length;
    const arg = raw.subarray(start, end);
    try {
      strict.decode(arg);
    } catch {
      throw new InvalidUtf8Error(`command-line argument "${safeText(lossy.decode(arg))}"`);
    }
    start = end + 1;
  }
}

export async function runBd(argv: string[], groups: readonly LazyBdGroup[]): Promise<void> {
  // The launcher turns Node's compile cache on for us; children need not inherit it.
  delete process.env.NODE_COMPILE_CACHE;
  try {
    checkArgvUtf8(argv);
  } catch (e) {
    process.exitCode = reportError(e, argv.includes("--json"));
    return;
  }
  const program = buildProgram();
  // Building the whole tree costs several ms on a cold start; a command needs only its own
  // group. Help, unknown words and no word at all get every group.
  const word = commandWord(argv.slice(2));
  const own = groups.find((g) => word !== undefined && g.names.includes(word));
  const started = process.hrtime.bigint();
  try {
    // Loaded in parallel, registered in help order.
    for (const g of await Promise.all((own ? [own] : groups).map((l) => l.load()))) g.register(program);
    // An unknown command is an error whatever follows it (`bd nosuch --help` too).
    if (
      word !== undefined &&
      word !== "help" &&
      !program.commands.some((c) => c.name() === word || c.aliases().includes(word))
    ) {
      throw new ValidationError(`unknown command '${word}' (bd help lists them)`);
    }
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.code === "commander.help"
      ) {
        process.exitCode = 0;
        return;
      }
      process.exitCode = e.exitCode || 1;
      return;
    }
    process.exitCode = reportError(e, argv.includes("--json"));
  } finally {
    // Spec §6.4: every bd call counted and timed (sent only when an OTLP endpoint is set).
    const command = word ?? "";
    countMetric("bd.calls.total", { command, exit_code: Number(process.exitCode ?? 0) });
    recordHistogram("bd.duration_ms", elapsedMs(started), { command });
    await flushTelemetry();
  }
}
